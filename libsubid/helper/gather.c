/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "gather.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../nsswitch.h"
#include "config.h"

/* More allotments than this for one user is refused rather than trusted. */
#define ALLOT_MAX 65536
#define NAME_MAX_LEN 256

struct header {
    uint32_t status; /* 0, or 1 with a message of msg_len bytes */
    uint32_t has_pw, pw_gid, name_len, where_len, msg_len, n_allot;
};

struct record {
    uint32_t start, count, line, source;
};

static const char *source_path(enum idg_kind kind, uint32_t i)
{
    static const char *const paths[2][2] = {{IDG_SUBUID, IDG_IDPERM_UIDS},
                                            {IDG_SUBGID, IDG_IDPERM_GIDS}};
    return i < 2 ? paths[kind == IDG_KIND_GID][i] : NULL;
}

/* A login name fit to be matched and printed: no ':' (the field separator),
 * no blanks or control bytes, not too long. Anything else is ignored. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == ':' || s[i] == 0x7f)
            return false;
    return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

static bool read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        len -= (size_t)r;
    }
    return true;
}

struct warn_ctx {
    const char *prog, *who;
};

static void warn_bad_line(void *arg, const char *path, uint32_t line, enum idg_line_status st)
{
    const struct warn_ctx *w = arg;
    fprintf(stderr, "%s: warning: %s:%u: line for %s ignored: %s; ask an administrator to fix it\n",
            w->prog, path, line, w->who, idg_line_status_str(st));
}

/*
 * Which sources nsswitch.conf names for subid. Until NSS modules are loaded
 * (shadow's plugin ABI), only "files" is read; other sources are skipped,
 * which can only deny. With no "files" at all, nothing may be read: on an
 * SSSD host, stale /etc/subuid lines must not grant what sss would not.
 * Returns 0, or 1 with msg set.
 */
static int check_nsswitch(const char *prog, char *msg, size_t msglen)
{
    struct idg_file_problem pb;
    int fd = idg_open_trusted(IDG_NSSWITCH, 0, &pb);
    if (fd < 0) {
        char why[512];
        if (pb.why == IDG_TRUST_MISSING)
            return 0;
        snprintf(msg, msglen, "refusing to use %s: %s", IDG_NSSWITCH,
                 idg_file_problem_str(why, sizeof(why), IDG_NSSWITCH, &pb));
        return 1;
    }
    static char buf[64 * 1024];
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    struct idg_nss_sources s;
    if (n < 0 || idg_nss_parse(buf, (size_t)n, &s) < 0) {
        snprintf(msg, msglen, "cannot read the subid line of %s; ask an administrator to fix it",
                 IDG_NSSWITCH);
        return 1;
    }
    if (!idg_nss_has(&s, "files")) {
        snprintf(msg, msglen,
                 "%s names subid source%s%s%s but not files, and idgate reads only files so "
                 "far; ask an administrator to add files to its subid line",
                 IDG_NSSWITCH, s.n > 1 ? "s " : " ", s.n ? s.name[0] : "(none)",
                 s.n > 1 ? " and more" : "");
        return 1;
    }
    for (size_t i = 0; i < s.n; i++)
        if (strcmp(s.name[i], "files") != 0)
            fprintf(stderr,
                    "%s: warning: subid source %s in %s is not supported yet and was skipped\n",
                    prog, s.name[i], IDG_NSSWITCH);
    return 0;
}

/* The child: no capability, then NSS and the files. Never returns. */
__attribute__((noreturn)) static void child(const char *prog, enum idg_kind kind, uint32_t uid,
                                            int out)
{
    struct header h = {0};
    char msg[1024] = "", where[256] = "";
    struct idg_allotments a = {0};
    const char *name = NULL;

    cap_t none = cap_init();
    if (!none || cap_set_proc(none) < 0)
        _exit(2);
    cap_free(none);

    struct passwd *pw = getpwuid(uid);
    if (pw) {
        h.has_pw = 1;
        h.pw_gid = pw->pw_gid;
        if (name_ok(pw->pw_name))
            name = pw->pw_name;
    }
    struct idg_owner owner;
    idg_owner_init(&owner, name, uid);
    struct warn_ctx w = {prog, name ? name : owner.uid_str};

    snprintf(where, sizeof(where), "%s", source_path(kind, 0));
    h.status = (uint32_t)check_nsswitch(prog, msg, sizeof(msg));
    for (uint32_t i = 0; i < 2 && h.status == 0; i++) {
        const char *path = source_path(kind, i);
        struct idg_file_problem pb;
        char why[512];
        int r = idg_collect_allotments(path, 0, &owner, &a, warn_bad_line, &w, &pb);
        if (r == -ENOMEM || a.n > ALLOT_MAX) {
            snprintf(msg, sizeof(msg), "too many allotments for uid %u in %s", uid, path);
            h.status = 1;
        } else if (r < 0) {
            snprintf(msg, sizeof(msg), "refusing to use %s: %s", path,
                     idg_file_problem_str(why, sizeof(why), path, &pb));
            h.status = 1;
        } else if (i > 0 && pb.why != IDG_TRUST_MISSING) {
            size_t l = strlen(where);
            snprintf(where + l, sizeof(where) - l, " or %s", path);
        }
    }
    h.name_len = name ? (uint32_t)strlen(name) : 0;
    h.where_len = (uint32_t)strlen(where);
    h.msg_len = (uint32_t)strlen(msg);
    h.n_allot = h.status ? 0 : (uint32_t)a.n;
    bool ok = write_all(out, &h, sizeof(h)) && write_all(out, name ? name : "", h.name_len) &&
              write_all(out, where, h.where_len) && write_all(out, msg, h.msg_len);
    for (size_t k = 0; ok && k < h.n_allot; k++) {
        struct record rec = {a.v[k].range.start, a.v[k].range.count, a.v[k].line,
                             a.v[k].source == source_path(kind, 0) ? 0 : 1};
        ok = write_all(out, &rec, sizeof(rec));
    }
    _exit(ok ? 0 : 2);
}

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "cannot read your allotments: %s; refusing to map", what);
    return -1;
}

int idg_gather(const char *prog, enum idg_kind kind, uint32_t uid, struct idg_gathered *g,
               char *err, size_t errlen)
{
    *g = (struct idg_gathered){0};
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return fail(err, errlen, strerror(errno));
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return fail(err, errlen, strerror(errno));
    }
    if (pid == 0) {
        close(p[0]);
        child(prog, kind, uid, p[1]);
    }
    close(p[1]);

    struct header h;
    int rc = -1;
    char msg[1024];
    if (!read_all(p[0], &h, sizeof(h)) || h.name_len >= NAME_MAX_LEN ||
        h.where_len >= sizeof(g->where) || h.msg_len >= sizeof(msg) || h.n_allot > ALLOT_MAX ||
        h.status > 1) {
        fail(err, errlen, "the reader process failed");
        goto out;
    }
    g->name = h.name_len ? calloc(1, h.name_len + 1) : NULL;
    if ((h.name_len && !g->name) || !read_all(p[0], g->name ? g->name : msg, h.name_len) ||
        !read_all(p[0], g->where, h.where_len) || !read_all(p[0], msg, h.msg_len)) {
        fail(err, errlen, "the reader process failed");
        goto out;
    }
    msg[h.msg_len] = '\0';
    if (h.status) {
        snprintf(err, errlen, "%s", msg);
        goto out;
    }
    g->has_pw = h.has_pw != 0;
    g->pw_gid = h.pw_gid;
    for (uint32_t i = 0; i < h.n_allot; i++) {
        struct record r;
        if (!read_all(p[0], &r, sizeof(r)) || r.source > 1 ||
            idg_range_check(r.start, r.count) < 0) {
            fail(err, errlen, "the reader process sent a malformed record");
            goto out;
        }
        if (idg_allotments_add(&g->allot, (struct idg_range){r.start, r.count},
                               source_path(kind, r.source), r.line) < 0) {
            fail(err, errlen, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        rc = fail(err, errlen, "the reader process failed");
    if (rc == 0)
        idg_allotments_sort(&g->allot);
    else
        idg_gathered_free(g);
    return rc;
}

void idg_gathered_free(struct idg_gathered *g)
{
    free(g->name);
    idg_allotments_free(&g->allot);
    *g = (struct idg_gathered){0};
}
