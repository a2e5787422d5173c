/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks 2, 3 and 5: the helpers the PATH gives (by the helpers' own
 * privilege rule, idg_priv_of_file), the kernel's user namespace settings,
 * and the runtime's state (podman's pause process, XDG_RUNTIME_DIR,
 * storage.conf). Also the bounded process runner the checks share.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "appendf.h"
#include "doctor.h"
#include "helper/posture.h"
#include "range.h"

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int dr_reap(pid_t pid, int timeout_ms)
{
    int st = 0;
    int fd = pidfd_open(pid, 0);
    if (fd >= 0) {
        struct pollfd p = {fd, POLLIN, 0};
        int64_t deadline = now_ms() + timeout_ms;
        for (;;) {
            int64_t left = deadline - now_ms();
            int n = left > 0 ? poll(&p, 1, (int)left) : 0;
            if (n < 0 && errno == EINTR)
                continue;
            break;
        }
        close(fd);
    }
    if (waitpid(pid, &st, WNOHANG) == pid)
        return st;
    kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return -ETIMEDOUT;
}

/* Keep the first line of what arrives (the rest is read and dropped). */
static void take(char *buf, size_t len, size_t *at, const char *data, size_t n)
{
    for (size_t i = 0; i < n && *at + 1 < len; i++) {
        if (data[i] == '\n') {
            *at = len; /* the first line is complete */
            break;
        }
        buf[(*at)++] = data[i];
        buf[*at] = '\0';
    }
}

int dr_run(char *const argv[], int timeout_ms, char *out, size_t outlen, char *err, size_t errlen)
{
    int po[2], pe[2];
    out[0] = err[0] = '\0';
    if (pipe2(po, O_CLOEXEC) < 0)
        return -errno;
    if (pipe2(pe, O_CLOEXEC) < 0) {
        int e = errno;
        close(po[0]);
        close(po[1]);
        return -e;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        return -e;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
            _exit(127);
        close_range(3, ~0U, 0);
        execv(argv[0], argv);
        dprintf(2, "cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    struct pollfd p[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    size_t at[2] = {0, 0};
    int64_t deadline = now_ms() + timeout_ms;
    int open_fds = 2;
    bool late = false;
    while (open_fds) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            late = true;
            break;
        }
        int n = poll(p, 2, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            late = n == 0;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            char b[4096];
            ssize_t k = read(p[i].fd, b, sizeof(b));
            if (k > 0) {
                take(i ? err : out, i ? errlen : outlen, &at[i], b, (size_t)k);
            } else if (k == 0 || errno != EINTR) {
                close(p[i].fd);
                p[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    int st = dr_reap(pid, late ? 0 : (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0));
    return late ? -ETIMEDOUT : st;
}

/* ---- 2. helpers ---- */

/* The file execvp() would run for `prog`: the first executable regular
 * file in PATH; else, in *noexec, the first one there is. */
static bool path_lookup(const char *prog, char *out, size_t len, char *noexec, size_t nlen)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    noexec[0] = '\0';
    for (const char *p = path; *p;) {
        const char *end = strchrnul(p, ':');
        char f[1024];
        int n = snprintf(f, sizeof(f), "%.*s/%s", (int)(end - p), end == p ? "." : p, prog);
        struct stat st;
        if (n > 0 && (size_t)n < sizeof(f) && stat(f, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(f, X_OK) == 0) {
                snprintf(out, len, "%s", f);
                return true;
            }
            if (!noexec[0])
                snprintf(noexec, nlen, "%s", f);
        }
        p = *end ? end + 1 : end;
    }
    return false;
}

static void check_helper(struct dr_report *r, const char *prog, cap_value_t cap, char *found)
{
    char id[32], noexec[1024];
    snprintf(id, sizeof(id), "helpers.%s", prog);
    const char *idc = strcmp(prog, "newuidmap") == 0 ? "helpers.newuidmap" : "helpers.newgidmap";
    struct dr_check *c;
    found[0] = '\0';
    char tmp[1024];
    if (!path_lookup(prog, tmp, sizeof(tmp), noexec, sizeof(noexec))) {
        if (noexec[0]) {
            struct stat st;
            unsigned mode = stat(noexec, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
            c = dr_add(r, idc, DR_FAIL, "the PATH's %s, %s, is not executable by you (mode %04o)",
                       prog, noexec, mode);
            dr_fix(c, "ask an administrator to run: chmod 4755 %s", noexec);
        } else {
            c = dr_add(r, idc, DR_FAIL, "no %s in PATH (%s)", prog,
                       getenv("PATH") ? getenv("PATH") : "unset");
            dr_fix(c, "ask an administrator to install idgate's helpers (meson install) or "
                      "Debian's uidmap package");
        }
        return;
    }
    snprintf(found, 1024, "%s", tmp);
    char out[256], err[256], version[300];
    char *argv[] = {found, "--version", NULL};
    int st = dr_run(argv, DR_WAIT_MS, out, sizeof(out), err, sizeof(err));
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%s (idgate) ", prog);
    if (st == 0 && strncmp(out, prefix, strlen(prefix)) == 0)
        snprintf(version, sizeof(version), "idgate's %s", out + strlen(prefix));
    else if (st == -ETIMEDOUT)
        snprintf(version, sizeof(version), "did not answer --version within 5 s");
    else
        snprintf(version, sizeof(version), "not idgate's (no --version): shadow's or another");

    struct idg_priv_file f;
    int rc = idg_priv_of_file(found, cap, &f);
    if (rc < 0) {
        c = dr_add(r, idc, DR_FAIL, "cannot open the PATH's %s, %s: %s", prog, found,
                   strerror(-rc));
        dr_fix(c, "ask an administrator to make it readable and executable (mode 4755)");
        return;
    }
    const char *capname = cap == CAP_SETUID ? "cap_setuid+ep" : "cap_setgid+ep";
    if (f.priv != IDG_PRIV_OK) {
        char why[1024];
        idg_priv_problem_at(why, sizeof(why), prog, found, found, cap, f.priv);
        char *semi = strstr(why, "; ");
        if (semi)
            *semi = '\0';
        c = dr_add(r, idc, DR_FAIL, "the PATH's %s, %s (%s): %s", prog, found, version, why);
        switch (f.priv) {
        case IDG_PRIV_NNP:
            dr_fix(c, "run it from a process without no_new_privs (a systemd unit: "
                      "NoNewPrivileges=no; check: grep NoNewPrivs /proc/self/status)");
            break;
        case IDG_PRIV_NOSUID:
            dr_fix(c,
                   "ask an administrator to install %s on a filesystem mounted without nosuid "
                   "(findmnt -T %s shows the mount) and put it first in PATH",
                   prog, found);
            break;
        default:
            dr_fix(c,
                   "ask an administrator to run: chown root:root %s && chmod 4755 %s (or: "
                   "setcap %s %s)",
                   found, found, capname, found);
        }
        return;
    }
    char skipped[1100] = "";
    if (noexec[0])
        snprintf(skipped, sizeof(skipped), "; before it, %s, which you cannot execute, is skipped",
                 noexec);
    if (f.setuid_root)
        dr_add(r, idc, DR_OK, "the PATH gives %s (%s), setuid root (mode %04o)%s", found, version,
               (unsigned)(f.mode & 07777), skipped);
    else
        dr_add(r, idc, DR_OK, "the PATH gives %s (%s), file capabilities %s%s", found, version,
               f.caps, skipped);
}

void dr_check_helpers(struct dr_report *r, char paths[2][1024])
{
    check_helper(r, "newuidmap", CAP_SETUID, paths[0]);
    check_helper(r, "newgidmap", CAP_SETGID, paths[1]);
}

/* ---- 3. kernel ---- */

/* A /proc/sys value: 0 and *v, -ENOENT when the kernel has no such knob. */
static int read_long(const char *path, long *v)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int ok = fscanf(f, "%ld", v) == 1;
    fclose(f);
    return ok ? 0 : -EINVAL;
}

/* Can a new user namespace be made here? 0, or the errno of unshare(). */
static int try_unshare(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(unshare(CLONE_NEWUSER) < 0 ? (errno & 0xff) : 0);
    int st = dr_reap(pid, DR_WAIT_MS);
    if (st < 0)
        return ETIMEDOUT;
    return WIFEXITED(st) ? WEXITSTATUS(st) : ECHILD;
}

bool dr_check_kernel(struct dr_report *r)
{
    struct dr_check *c;
    long max = -1, clone = -1, aa = -1;
    int rmax = read_long("/proc/sys/user/max_user_namespaces", &max);
    bool has_clone = read_long("/proc/sys/kernel/unprivileged_userns_clone", &clone) == 0;
    bool has_aa = read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &aa) == 0;
    int e = try_unshare();
    bool ok = e == 0;
    if (rmax == 0 && max == 0) {
        c = dr_add(r, "kernel.userns", DR_FAIL,
                   "user namespaces are disabled here: user.max_user_namespaces = 0%s",
                   e ? " (a new one was refused)" : "");
        dr_fix(c, "ask an administrator to run: sysctl -w user.max_user_namespaces=15000 (and "
                  "set it in /etc/sysctl.d/ to keep it)");
        ok = false;
    } else if (has_clone && clone == 0) {
        c = dr_add(r, "kernel.userns", DR_FAIL,
                   "unprivileged user namespaces are disabled: kernel.unprivileged_userns_clone "
                   "= 0");
        dr_fix(c, "ask an administrator to run: sysctl -w kernel.unprivileged_userns_clone=1 "
                  "(and set it in /etc/sysctl.d/)");
        ok = false;
    } else if (e == ENOSPC) {
        c = dr_add(r, "kernel.userns", DR_FAIL,
                   "cannot create a user namespace: the limit user.max_user_namespaces (%ld) is "
                   "reached",
                   max);
        dr_fix(c, "end processes that hold user namespaces, or ask an administrator to raise "
                  "it: sysctl -w user.max_user_namespaces=N");
    } else if (e) {
        c = dr_add(r, "kernel.userns", DR_FAIL,
                   "cannot create a user namespace: %s (user.max_user_namespaces = %ld): a "
                   "seccomp filter, a container's policy or a security module forbids it",
                   strerror(e), max);
        dr_fix(c, "run outside that sandbox, or ask an administrator to allow user namespaces "
                  "(CLONE_NEWUSER) for this session");
    } else {
        dr_add(r, "kernel.userns", DR_OK,
               "user namespaces are enabled: user.max_user_namespaces = %ld%s, and a new one "
               "was created (the number in use is not exposed)",
               max, has_clone ? ", kernel.unprivileged_userns_clone = 1" : "");
    }

    if (!has_aa || aa == 0) {
        dr_add(r, "kernel.apparmor", DR_OK, "%s",
               has_aa ? "kernel.apparmor_restrict_unprivileged_userns = 0: no restriction"
                      : "no AppArmor restriction of user namespaces (no "
                        "kernel.apparmor_restrict_unprivileged_userns)");
    } else {
        c = dr_add(r, "kernel.apparmor", DR_WARN,
                   "kernel.apparmor_restrict_unprivileged_userns = %ld: a program without an "
                   "AppArmor profile that allows 'userns' gets no capability in its user "
                   "namespace",
                   aa);
        dr_fix(c, "if a runtime fails with 'Permission denied' inside its namespace, ask an "
                  "administrator for an AppArmor profile with 'userns,' for it (Ubuntu ships "
                  "ones for podman and buildah)");
    }

    char map[512] = "";
    FILE *f = fopen("/proc/self/uid_map", "re");
    unsigned long in, out, cnt;
    size_t pos = 0, lines = 0;
    bool identity = false;
    while (f && fscanf(f, "%lu %lu %lu", &in, &out, &cnt) == 3) {
        idg_appendf(map, sizeof(map), &pos, "%s%lu %lu %lu", lines ? ", " : "", in, out, cnt);
        identity = lines == 0 && in == 0 && out == 0 && cnt == 4294967295UL;
        lines++;
    }
    if (f)
        fclose(f);
    if (identity && lines == 1) {
        dr_add(r, "kernel.nested", DR_OK,
               "not inside a user namespace (uid_map 0 0 4294967295, the initial one)");
    } else {
        c = dr_add(r, "kernel.nested", DR_WARN,
                   "you run inside a user namespace (uid_map: %s): containers here get only "
                   "ids mapped into it, and this namespace's files and helpers",
                   map[0] ? map : "empty");
        dr_fix(c, "nothing, if a nested setup is meant; else run outside the namespace "
                  "(podman unshare, toolbox and CI runners make one)");
    }
    return ok;
}

/* ---- 5. runtime ---- */

struct extent {
    uint64_t start, count;
};

static int by_start(const void *a, const void *b)
{
    const struct extent *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort and merge touching extents, so that two lists compare as sets. */
static size_t normalise(struct extent *v, size_t n)
{
    qsort(v, n, sizeof(*v), by_start);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && v[m - 1].start + v[m - 1].count >= v[i].start) {
            uint64_t end = v[i].start + v[i].count;
            if (end > v[m - 1].start + v[m - 1].count)
                v[m - 1].count = end - v[m - 1].start;
        } else {
            v[m++] = v[i];
        }
    }
    return m;
}

#define MAP_MAX 400

/* Does the map of /proc/PID (uid or gid) give exactly the user's own id
 * and their ranges? *shown is what it maps, for the message. */
static int map_matches(pid_t pid, const char *which, uint32_t own, const struct idg_allotments *a,
                       char *shown, size_t slen)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s_map", (int)pid, which);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    static struct extent got[MAP_MAX], want[MAP_MAX];
    size_t ng = 0, nw = 0, pos = 0;
    unsigned long in, out, cnt;
    shown[0] = '\0';
    while (ng < MAP_MAX && fscanf(f, "%lu %lu %lu", &in, &out, &cnt) == 3) {
        idg_appendf(shown, slen, &pos, "%s%lu-%lu", ng || pos ? ", " : "", out, out + cnt - 1);
        if (out == own && cnt == 1)
            continue; /* the user's own id */
        got[ng++] = (struct extent){out, cnt};
    }
    fclose(f);
    for (size_t i = 0; i < a->n && nw < MAP_MAX; i++)
        want[nw++] = (struct extent){a->v[i].range.start, a->v[i].range.count};
    ng = normalise(got, ng);
    nw = normalise(want, nw);
    if (ng != nw)
        return 0;
    for (size_t i = 0; i < ng; i++)
        if (got[i].start != want[i].start || got[i].count != want[i].count)
            return 0;
    return 1;
}

static void check_pause(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg)
{
    static const char *const files[] = {"libpod/tmp/pause.pid", "containers/pause.pid"};
    struct dr_check *c;
    if (!u->runtime_dir[0]) {
        dr_add(r, "runtime.pause", DR_OK,
               "no XDG_RUNTIME_DIR, so no podman pause process to "
               "check");
        return;
    }
    char seen[512] = "";
    size_t spos = 0;
    for (size_t i = 0; i < 2; i++) {
        char path[1200];
        snprintf(path, sizeof(path), "%s/%s", u->runtime_dir, files[i]);
        FILE *f = fopen(path, "re");
        long pid = 0;
        if (!f)
            continue;
        int got = fscanf(f, "%ld", &pid);
        fclose(f);
        char proc[64];
        struct stat st;
        snprintf(proc, sizeof(proc), "/proc/%ld", pid);
        if (got != 1 || pid <= 0 || stat(proc, &st) < 0 || st.st_uid != u->uid) {
            idg_appendf(seen, sizeof(seen), &spos, "%s%s names no process of yours",
                        spos ? "; " : "", path);
            continue;
        }
        for (int k = 0; k < 2; k++) {
            char shown[512];
            if (!rg->listed[k])
                continue;
            int m = map_matches((pid_t)pid, k ? "gid" : "uid", k ? u->gid : u->uid, &rg->a[k],
                                shown, sizeof(shown));
            if (m == 0) {
                char want[768];
                dr_allotments_str(want, sizeof(want), &rg->a[k]);
                c = dr_add(r, "runtime.pause", DR_FAIL,
                           "podman's pause process %ld (%s) maps %ss %s, but your ranges are "
                           "now %s: its containers run with the old mapping",
                           pid, path, k ? "gid" : "uid", shown[0] ? shown : "none",
                           want[0] ? want : "none");
                dr_fix(c, "run: podman system migrate");
                return;
            }
        }
        idg_appendf(seen, sizeof(seen), &spos, "%spause process %ld (%s) maps your current ranges",
                    spos ? "; " : "", pid, path);
    }
    dr_add(r, "runtime.pause", DR_OK, "%s", seen[0] ? seen : "no podman pause process running");
}

static void check_xdg(struct dr_report *r, const struct dr_user *u)
{
    struct dr_check *c;
    struct stat st;
    const char *d = u->runtime_dir;
    if (!d[0]) {
        c = dr_add(r, "runtime.xdg", DR_WARN,
                   "XDG_RUNTIME_DIR is not set: podman falls back to a directory in /tmp and "
                   "cannot keep its pause process between sessions");
        dr_fix(c,
               "log in through a session that sets it (pam_systemd; for su/sudo use "
               "machinectl shell %s@), or ask an administrator to run: loginctl enable-linger %s",
               u->name, u->name);
    } else if (stat(d, &st) < 0) {
        c = dr_add(r, "runtime.xdg", DR_WARN, "XDG_RUNTIME_DIR %s: %s", d, strerror(errno));
        dr_fix(c,
               "ask an administrator to run: loginctl enable-linger %s (systemd-logind makes "
               "/run/user/%u)",
               u->name, u->uid);
    } else if (!S_ISDIR(st.st_mode) || st.st_uid != u->uid) {
        c = dr_add(r, "runtime.xdg", DR_WARN, "XDG_RUNTIME_DIR %s is %s owned by uid %u, not by %s",
                   d, S_ISDIR(st.st_mode) ? "a directory" : "not a directory", (unsigned)st.st_uid,
                   u->name);
        dr_fix(c, "set XDG_RUNTIME_DIR to your own directory: export XDG_RUNTIME_DIR=/run/user/%u",
               u->uid);
    } else if ((st.st_mode & 07777) != 0700) {
        c = dr_add(r, "runtime.xdg", DR_WARN, "XDG_RUNTIME_DIR %s has mode %04o, not 0700", d,
                   (unsigned)(st.st_mode & 07777));
        dr_fix(c, "run: chmod 0700 %s", d);
    } else {
        dr_add(r, "runtime.xdg", DR_OK, "XDG_RUNTIME_DIR %s is yours, mode 0700", d);
    }
}

/* A quoted value of `key` on a line of storage.conf, or "". */
static bool conf_value(const char *line, const char *key, char *out, size_t len)
{
    while (isspace((unsigned char)*line))
        line++;
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0)
        return false;
    line += k;
    while (isspace((unsigned char)*line))
        line++;
    if (*line++ != '=')
        return false;
    while (isspace((unsigned char)*line))
        line++;
    if (*line != '"')
        return false;
    const char *end = strchr(++line, '"');
    if (!end)
        return false;
    snprintf(out, len, "%.*s", (int)(end - line), line);
    return true;
}

static void check_storage(struct dr_report *r, const struct dr_user *u)
{
    struct dr_check *c;
    char path[1200];
    const char *cfg = getuid() == 0 ? NULL : getenv("XDG_CONFIG_HOME");
    if (cfg && *cfg)
        snprintf(path, sizeof(path), "%s/containers/storage.conf", cfg);
    else
        snprintf(path, sizeof(path), "%s/.config/containers/storage.conf", u->home);
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR) {
            dr_add(r, "runtime.storage", DR_OK, "no %s: the runtime's defaults apply", path);
            return;
        }
        c = dr_add(r, "runtime.storage", DR_WARN, "cannot read %s: %s", path, strerror(errno));
        dr_fix(c, "run: chmod u+r %s (or remove it to use the defaults)", path);
        return;
    }
    char line[4096], v[1024];
    unsigned n = 0;
    while (fgets(line, sizeof(line), f)) {
        n++;
        struct stat st;
        if ((conf_value(line, "graphroot", v, sizeof(v)) ||
             conf_value(line, "rootless_storage_path", v, sizeof(v))) &&
            v[0] == '/' && !strchr(v, '$') && stat(v, &st) == 0 && st.st_uid != u->uid) {
            fclose(f);
            c = dr_add(r, "runtime.storage", DR_WARN,
                       "%s:%u: the storage directory %s is owned by uid %u, not by you", path, n, v,
                       (unsigned)st.st_uid);
            dr_fix(c, "point it at a directory of yours, or remove the line to use the default");
            return;
        }
        if (conf_value(line, "mount_program", v, sizeof(v)) && access(v, X_OK) < 0) {
            fclose(f);
            c = dr_add(r, "runtime.storage", DR_WARN, "%s:%u: mount_program %s: %s", path, n, v,
                       strerror(errno));
            dr_fix(c, "install it (Debian: fuse-overlayfs) or remove the line (kernels >= 5.13 "
                      "have rootless overlay)");
            return;
        }
    }
    fclose(f);
    dr_add(r, "runtime.storage", DR_OK, "%s: readable, no obvious problem", path);
}

void dr_check_runtime(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg)
{
    check_pause(r, u, rg);
    check_xdg(r, u);
    check_storage(r, u);
}
