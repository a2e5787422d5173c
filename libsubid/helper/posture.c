/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "posture.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../explain.h"
#include "../userns.h"
#include "lockdown.h"

int idg_sanitize_process(int keep_fd)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* open() returns the lowest free fd: this one. */
        int n = open("/dev/null", O_RDWR | O_NOCTTY);
        if (n != fd)
            return -EBADF;
    }
    if (keep_fd >= 3) {
        if (keep_fd > 3 && close_range(3, (unsigned)keep_fd - 1, 0) < 0)
            return -errno;
        if (close_range((unsigned)keep_fd + 1, ~0U, 0) < 0)
            return -errno;
    } else if (close_range(3, ~0U, 0) < 0) {
        return -errno;
    }
    if (clearenv() != 0 || setenv("LC_ALL", "C", 1) < 0 ||
        setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0)
        return -ENOMEM;
    umask(077);
    /* Dispositions the caller set to "ignore" survive exec: SIGCHLD ignored
     * would make the reader child's exit status unreadable. A broken pipe
     * on stderr, or a write past the caller's RLIMIT_FSIZE (stderr may be
     * a file), must not kill the helper: a failed write is enough.
     * SIGXCPU likewise: the caller's RLIMIT_CPU may land it at any moment
     * (the hard limit's SIGKILL still ends the run). */
    if (signal(SIGCHLD, SIG_DFL) == SIG_ERR || signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
        signal(SIGXFSZ, SIG_IGN) == SIG_ERR || signal(SIGXCPU, SIG_IGN) == SIG_ERR)
        return -errno;
    return 0;
}

static int set_caps(cap_value_t cap, bool setfcap, bool effective)
{
    cap_t c = cap_init(); /* all clear */
    if (!c)
        return -errno;
    cap_value_t v[2] = {cap, CAP_SETFCAP};
    int n = setfcap ? 2 : 1;
    int r = cap_set_flag(c, CAP_PERMITTED, n, v, CAP_SET);
    if (r == 0 && effective)
        r = cap_set_flag(c, CAP_EFFECTIVE, n, v, CAP_SET);
    if (r == 0)
        r = cap_set_proc(c);
    int e = errno;
    cap_free(c);
    return r == 0 ? 0 : -e;
}

static bool flag_of(cap_t c, cap_flag_t set, cap_value_t v)
{
    cap_flag_value_t f = CAP_CLEAR;
    return c && cap_get_flag(c, v, set, &f) == 0 && f == CAP_SET;
}

static bool cap_in(cap_flag_t set, cap_value_t v)
{
    cap_t c = cap_get_proc();
    bool r = flag_of(c, set, v);
    cap_free(c);
    return r;
}

/* Nothing but `cap` (and CAP_SETFCAP when allowed) may stay, nothing effective. */
static int verify(const struct idg_posture *p)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    if (getresuid(&r, &e, &s) < 0 || getresgid(&gr, &ge, &gs) < 0)
        return -errno;
    if (r != p->uid || e != p->uid || s != p->uid || gr != p->gid || ge != p->gid || gs != p->gid)
        return -EPERM;
    cap_t c = cap_get_proc();
    if (!c)
        return -errno;
    int rc = 0;
    for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits() && rc == 0; v++) {
        bool allowed = v == p->cap || (v == CAP_SETFCAP && p->has_setfcap);
        if (flag_of(c, CAP_EFFECTIVE, v) || flag_of(c, CAP_INHERITABLE, v) ||
            (!allowed && flag_of(c, CAP_PERMITTED, v)))
            rc = -EPERM;
    }
    cap_free(c);
    if (rc == 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
        rc = -EPERM;
    return rc;
}

enum idg_priv idg_priv_why(bool installed, bool nosuid, bool nnp)
{
    if (nnp)
        return IDG_PRIV_NNP;
    if (nosuid)
        return IDG_PRIV_NOSUID;
    return installed ? IDG_PRIV_OK : IDG_PRIV_NONE;
}

/* "TracerPid:" of /proc/self/status: who ptraces us, 0 if nobody. */
static long tracer_pid(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = strstr(buf, "\nTracerPid:");
    return p ? strtol(p + 12, NULL, 10) : 0;
}

/* Why the kernel gave a setuid-root or file-capability program nothing. */
static enum idg_priv why_unprivileged(struct idg_posture *p)
{
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
        return IDG_PRIV_NNP;
    /* An unprivileged tracer: execve ignores setuid and file capabilities. */
    if ((p->tracer = tracer_pid()) > 0)
        return IDG_PRIV_TRACED;
    struct statvfs sv;
    if (statvfs("/proc/self/exe", &sv) == 0 && (sv.f_flag & ST_NOSUID))
        return IDG_PRIV_NOSUID;
    /* The kernel ignores the setuid bit of a file whose owner the caller's
     * user namespace does not map (unshare -U, unshare -r). */
    struct stat st;
    struct idg_userns u;
    if (stat("/proc/self/exe", &st) == 0 && (st.st_mode & S_ISUID) &&
        idg_userns_read(NULL, &u) == 0 && idg_userns_unmapped_owner(&u, (uint32_t)st.st_uid))
        return IDG_PRIV_USERNS;
    return IDG_PRIV_NONE;
}

int idg_priv_of_file(const char *path, cap_value_t cap, struct idg_priv_file *f)
{
    *f = (struct idg_priv_file){0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return -e;
    }
    f->mode = st.st_mode;
    f->uid = st.st_uid;
    f->setuid_root = (st.st_mode & S_ISUID) && st.st_uid == 0;
    cap_t fc = cap_get_fd(fd);
    if (fc) {
        f->file_cap = flag_of(fc, CAP_PERMITTED, cap) && flag_of(fc, CAP_EFFECTIVE, cap);
        char *txt = cap_to_text(fc, NULL);
        if (txt)
            snprintf(f->caps, sizeof(f->caps), "%s", txt);
        cap_free(txt);
        cap_free(fc);
    }
    struct statvfs sv;
    f->nosuid = fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_NOSUID);
    close(fd);
    f->executable = access(path, X_OK) == 0;
    f->priv = idg_priv_why(f->setuid_root || f->file_cap, f->nosuid,
                           prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    return 0;
}

int idg_drop_privileges(cap_value_t cap, struct idg_posture *p)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    if (getresuid(&r, &e, &s) < 0 || getresgid(&gr, &ge, &gs) < 0)
        return -errno;
    *p = (struct idg_posture){.uid = r, .gid = gr, .cap = cap, .priv = IDG_PRIV_OK};

    bool root = e == 0;
    if (!root && !cap_in(CAP_PERMITTED, cap)) {
        p->priv = why_unprivileged(p);
        /* Still shed whatever else we might hold. */
        set_caps(cap, false, false);
        return 0;
    }
    /* CAP_SETFCAP only matters for uid maps of host id 0 (Linux >= 5.12). */
    p->has_setfcap = cap == CAP_SETUID && (root || cap_in(CAP_PERMITTED, CAP_SETFCAP));

    if (root) {
        /* While we still may: an empty bounding set and no ambient caps. */
        for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits(); v++)
            if (prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            return -errno;
        if (setresgid(gr, gr, gr) < 0 || setresuid(r, r, r) < 0)
            return -errno;
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            return -errno;
    }
    int rc = set_caps(cap, p->has_setfcap, false);
    if (rc < 0)
        return rc;
    /* One call (libcap's cap_reset_ambient() asks about every capability
     * first); EINVAL: a kernel without ambient capabilities. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return -errno;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return -errno;
    rc = verify(p);
    if (rc < 0)
        return rc;
    /* No way back: no set*id call, no exec, from here on. */
    rc = idg_lockdown();
    return rc == -ENOSYS ? 0 : rc;
}

int idg_drop_setfcap(struct idg_posture *p)
{
    if (!p->has_setfcap)
        return 0;
    p->has_setfcap = false;
    int rc = set_caps(p->cap, false, false);
    return rc < 0 ? rc : verify(p);
}

int idg_cap_effective(const struct idg_posture *p, bool on)
{
    return set_caps(p->cap, p->has_setfcap, on);
}

const char *idg_priv_problem(char *buf, size_t len, const char *prog, const struct idg_posture *p)
{
    char exe[256];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    snprintf(exe + (n > 0 ? n : 0), sizeof(exe) - (size_t)(n > 0 ? n : 0), "%s", n > 0 ? "" : prog);
    return idg_priv_problem_at(buf, len, prog, "/proc/self/exe", exe, p->cap, p->priv);
}

const char *idg_priv_problem_at(char *buf, size_t len, const char *prog, const char *file,
                                const char *exe, cap_value_t cap, enum idg_priv priv)
{
    const char *capname = cap == CAP_SETUID ? "cap_setuid+ep" : "cap_setgid+ep";
    char detail[160] = "";
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0) {
        cap_t fc = cap_get_fd(fd);
        char *txt = fc ? cap_to_text(fc, NULL) : NULL;
        snprintf(detail, sizeof(detail), " (mode %04o, owner uid %u, %s%s)",
                 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
                 txt ? "file capabilities " : "no file capabilities", txt ? txt : "");
        cap_free(txt);
        cap_free(fc);
    }
    if (fd >= 0)
        close(fd);
    switch (priv) {
    case IDG_PRIV_NNP:
        snprintf(buf, len,
                 "no_new_privs is set for this process (NoNewPrivs: 1), so the kernel ignored "
                 "%s's setuid bit or file capabilities; run it from a process without "
                 "no_new_privs (for a systemd unit: NoNewPrivileges=no)",
                 prog);
        break;
    case IDG_PRIV_TRACED:
        snprintf(buf, len,
                 "%s was started under ptrace (TracerPid: %ld, e.g. strace or gdb), and the "
                 "kernel ignores the setuid bit and file capabilities of a program traced by an "
                 "unprivileged tracer%s; run it without the tracer (or trace it as root)",
                 prog, tracer_pid(), detail);
        break;
    case IDG_PRIV_USERNS: {
        struct idg_userns u;
        char map[128], ns[384];
        idg_userns_read(NULL, &u);
        idg_explain_root_unmapped(ns, sizeof(ns), idg_userns_format(map, sizeof(map), &u));
        snprintf(buf, len,
                 "%s %s%s; run it outside this user namespace (not under unshare -U or -r), or "
                 "in one whose root owns it",
                 prog, ns, detail);
        break;
    }
    case IDG_PRIV_NOSUID:
        snprintf(buf, len,
                 "%s is on a filesystem mounted nosuid, so its privilege is ignored%s; install "
                 "it on a filesystem without nosuid",
                 prog, detail);
        break;
    default:
        snprintf(buf, len,
                 "not installed with privilege: needs setuid root or %s%s; as root run: "
                 "chown root %s && chmod 4755 %s (or setcap %s on it)",
                 capname, detail, exe, exe, capname);
        break;
    }
    return buf;
}
