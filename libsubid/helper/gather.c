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

#include "../sources.h"
#include "config.h"

/* More allotments than this for one user is refused rather than trusted. */
#define ALLOT_MAX 65536
#define NAME_MAX_LEN 256

struct header {
    uint32_t status; /* 0, or 1 with a message of msg_len bytes */
    uint32_t has_pw, pw_gid, name_len, where_len, msg_len, n_allot, n_mod;
};

/* Sources of records: 0 the subid file, 1 id_permission, 2 + i module i. */
#define SRC_MODULE 2

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

/* The child: no capability, then NSS and the sources. Never returns. */
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

    /* Modules are loaded here, by a process with no capability. */
    struct idg_files files;
    idg_files_default(&files);
    enum idg_src_kind sk = kind == IDG_KIND_GID ? IDG_SRC_GID : IDG_SRC_UID;
    struct idg_sources src;
    struct idg_sources_error serr;
    if (idg_sources_open(&src, IDG_NSSWITCH, &files, &serr) < 0) {
        snprintf(msg, sizeof(msg), "%s", serr.why);
        h.status = 1;
    } else {
        const struct idg_source *failed;
        struct idg_file_problem pb;
        enum idg_src_status st =
            idg_sources_list(&src, sk, &owner, &a, warn_bad_line, &w, &failed, &pb);
        if (st != IDG_SRC_OK) {
            idg_src_failure_str(msg, sizeof(msg), failed, st, &pb, IDG_NSSWITCH);
            h.status = 1;
        } else if (a.n > ALLOT_MAX) {
            snprintf(msg, sizeof(msg), "too many allotments for uid %u", uid);
            h.status = 1;
        }
        size_t l = 0;
        for (size_t i = 0; i < src.n && l < sizeof(where); i++) {
            const char *sep = i ? " or " : "";
            if (src.v[i].files)
                l += (size_t)snprintf(where + l, sizeof(where) - l, "%s%s", sep, files.subid[sk]);
            else
                l += (size_t)snprintf(where + l, sizeof(where) - l, "%ssource %s", sep,
                                      src.v[i].name);
        }
    }
    h.name_len = name ? (uint32_t)strlen(name) : 0;
    h.where_len = (uint32_t)strnlen(where, sizeof(where) - 1);
    h.msg_len = (uint32_t)strlen(msg);
    h.n_allot = h.status ? 0 : (uint32_t)a.n;
    h.n_mod = h.status ? 0 : (uint32_t)src.n;
    bool ok = write_all(out, &h, sizeof(h)) && write_all(out, name ? name : "", h.name_len) &&
              write_all(out, where, h.where_len) && write_all(out, msg, h.msg_len);
    for (size_t i = 0; ok && i < h.n_mod; i++)
        ok = write_all(out, src.v[i].name, sizeof(src.v[i].name));
    for (size_t k = 0; ok && k < h.n_allot; k++) {
        uint32_t from = a.v[k].source == files.subid[sk] ? 0 : 1;
        for (size_t i = 0; i < h.n_mod; i++)
            if (a.v[k].source == src.v[i].name)
                from = SRC_MODULE + (uint32_t)i;
        struct record rec = {a.v[k].range.start, a.v[k].range.count, a.v[k].line, from};
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
        h.n_mod > IDG_NSS_MAX_SOURCES || h.status > 1) {
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
    for (uint32_t i = 0; i < h.n_mod; i++) {
        if (!read_all(p[0], g->sources[i], sizeof(g->sources[i]))) {
            fail(err, errlen, "the reader process failed");
            goto out;
        }
        g->sources[i][sizeof(g->sources[i]) - 1] = '\0';
    }
    for (uint32_t i = 0; i < h.n_allot; i++) {
        struct record r;
        if (!read_all(p[0], &r, sizeof(r)) || r.source >= SRC_MODULE + h.n_mod ||
            idg_range_check(r.start, r.count) < 0) {
            fail(err, errlen, "the reader process sent a malformed record");
            goto out;
        }
        if (idg_allotments_add(&g->allot, (struct idg_range){r.start, r.count},
                               r.source < SRC_MODULE ? source_path(kind, r.source)
                                                     : g->sources[r.source - SRC_MODULE],
                               r.line) < 0) {
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
