/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "gather.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../account.h"
#include "../readfile.h"
#include "../sources.h"
#include "config.h"

/* More allotments than this for one user is refused rather than trusted. */
#define ALLOT_MAX 65536
#define NAME_MAX_LEN 256

struct header {
    uint32_t status; /* 0, or 1 with a message of msg_len bytes */
    uint32_t has_pw, pw_gid, name_len, where_len, msg_len, n_allot, n_mod;
    uint32_t lookup_err, pw_src_len; /* the passwd lookup failed: errno, its sources */
};

/* Sources of records: 0 the subid file, 1 id_permission, 2 + i module i. */
#define SRC_MODULE 2

struct record {
    uint32_t start, count, line, source;
    uint32_t window, first, last; /* a slot of window first-last, when window is 1 */
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

/* What one gathering found, in the form the reader child sends it. */
struct found {
    struct header h;
    char name[NAME_MAX_LEN];
    char where[256];
    char msg[1024];
    char mods[IDG_NSS_MAX_SOURCES][IDG_NSS_NAME_MAX];
    char pw_src[IDG_PW_SOURCES_MAX];
    struct record *rec; /* h.n_allot of them */
};

static void found_free(struct found *f)
{
    free(f->rec);
    f->rec = NULL;
}

/*
 * Read the sources `names` lists for the caller, whose passwd entry is
 * `acct` (NULL: none), into *f. Runs in the reader child, or in the helper
 * itself when every source is a root-owned file (see idg_gather()).
 */
static void collect(const char *prog, enum idg_kind kind, uint32_t uid,
                    const struct idg_account *acct, const struct idg_nss_sources *names,
                    struct found *f)
{
    *f = (struct found){0};
    const char *name = NULL;
    if (acct) {
        f->h.has_pw = 1;
        f->h.pw_gid = acct->gid;
        if (name_ok(acct->name))
            name = acct->name;
    }
    struct idg_owner owner;
    idg_owner_init(&owner, name, uid);
    struct warn_ctx w = {prog, name ? name : owner.uid_str};

    struct idg_files files;
    idg_files_default(&files);
    enum idg_src_kind sk = kind == IDG_KIND_GID ? IDG_SRC_GID : IDG_SRC_UID;
    struct idg_sources src;
    idg_sources_load(&src, names, &files);
    struct idg_allotments a = {0};
    const struct idg_source *failed;
    struct idg_file_problem pb;
    enum idg_src_status st =
        idg_sources_list(&src, sk, &owner, &a, warn_bad_line, &w, &failed, &pb);
    if (st != IDG_SRC_OK) {
        idg_src_failure_str(f->msg, sizeof(f->msg), failed, st, &pb, IDG_NSSWITCH);
        f->h.status = 1;
    } else if (a.n > ALLOT_MAX) {
        snprintf(f->msg, sizeof(f->msg),
                 "the sources give uid %u more than %d allotments; refusing to map; ask an "
                 "administrator to merge them",
                 uid, ALLOT_MAX);
        f->h.status = 1;
    } else if (a.n && !(f->rec = calloc(a.n, sizeof(*f->rec)))) {
        snprintf(f->msg, sizeof(f->msg),
                 "cannot read your allotments: out of memory; refusing to map");
        f->h.status = 1;
    }
    size_t l = 0;
    for (size_t i = 0; i < src.n && l < sizeof(f->where); i++) {
        const char *sep = i ? " or " : "";
        if (src.v[i].files)
            l += (size_t)snprintf(f->where + l, sizeof(f->where) - l, "%s%s", sep, files.subid[sk]);
        else
            l += (size_t)snprintf(f->where + l, sizeof(f->where) - l, "%ssource %s", sep,
                                  src.v[i].name);
    }
    if (name)
        snprintf(f->name, sizeof(f->name), "%s", name);
    f->h.name_len = (uint32_t)strlen(f->name);
    f->h.where_len = (uint32_t)strnlen(f->where, sizeof(f->where) - 1);
    f->where[f->h.where_len] = '\0';
    f->h.msg_len = (uint32_t)strlen(f->msg);
    if (!f->h.status) {
        f->h.n_allot = (uint32_t)a.n;
        f->h.n_mod = (uint32_t)src.n;
        for (size_t i = 0; i < src.n; i++)
            memcpy(f->mods[i], src.v[i].name, sizeof(f->mods[i]));
        for (size_t k = 0; k < a.n; k++) {
            uint32_t from = a.v[k].source == files.subid[sk] ? 0 : 1;
            for (size_t i = 0; i < src.n; i++)
                if (a.v[k].source == src.v[i].name)
                    from = SRC_MODULE + (uint32_t)i;
            f->rec[k] = (struct record){a.v[k].range.start, a.v[k].range.count, a.v[k].line, from,
                                        a.v[k].window,      a.v[k].first,       a.v[k].last};
        }
    }
    idg_allotments_free(&a);
    idg_sources_close(&src);
}

/* The sources of the passwd line ("sss", "files ldap"), for a message. */
static void passwd_sources(char *buf, size_t len)
{
    char *text;
    size_t n;
    struct idg_nss_sources s = {0};
    snprintf(buf, len, "files"); /* glibc's default */
    if (idg_read_small(IDG_NSSWITCH, 1u << 20, &text, &n) < 0)
        return;
    idg_nss_parse_db(text, n, "passwd", &s);
    free(text);
    size_t pos = 0;
    for (size_t i = 0; i < s.n && pos < len; i++)
        pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", i ? " " : "", s.name[i]);
}

/* The reader child: no capability, then NSS and the sources. Never returns. */
__attribute__((noreturn)) static void child(const char *prog, enum idg_kind kind, uint32_t uid,
                                            const struct idg_nss_sources *names, int out)
{
    cap_t none = cap_init();
    if (!none || cap_set_proc(none) < 0)
        _exit(2);
    cap_free(none);

    /* NSS modules are loaded here, by a process with no capability. A
     * failing lookup is no entry: the caller is then known by uid alone. */
    struct idg_account acct;
    int source_errno;
    int r = idg_account_by_uid(uid, &acct, &source_errno);
    struct found f;
    collect(prog, kind, uid, r == 0 || r == -ENAMETOOLONG ? &acct : NULL, names, &f);
    if (r == -EIO) { /* said in a refusal: lines by name could not match */
        f.h.lookup_err = (uint32_t)(source_errno > 0 ? source_errno : EIO);
        passwd_sources(f.pw_src, sizeof(f.pw_src));
        f.h.pw_src_len = (uint32_t)strnlen(f.pw_src, sizeof(f.pw_src) - 1);
    }
    bool ok = idg_write_all(out, &f.h, sizeof(f.h)) && idg_write_all(out, f.name, f.h.name_len) &&
              idg_write_all(out, f.where, f.h.where_len) &&
              idg_write_all(out, f.msg, f.h.msg_len) &&
              idg_write_all(out, f.mods, f.h.n_mod * sizeof(f.mods[0])) &&
              idg_write_all(out, f.pw_src, f.h.pw_src_len) &&
              idg_write_all(out, f.rec, f.h.n_allot * sizeof(f.rec[0]));
    _exit(ok ? 0 : 2);
}

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "cannot read your allotments: %s; refusing to map", what);
    return -1;
}

/* Read what the child sent; false when it is short or out of bounds. */
static bool receive(int fd, struct found *f)
{
    *f = (struct found){0};
    if (!read_all(fd, &f->h, sizeof(f->h)) || f->h.name_len >= NAME_MAX_LEN ||
        f->h.where_len >= sizeof(f->where) || f->h.msg_len >= sizeof(f->msg) ||
        f->h.n_allot > ALLOT_MAX || f->h.n_mod > IDG_NSS_MAX_SOURCES || f->h.status > 1 ||
        f->h.pw_src_len >= sizeof(f->pw_src) || f->h.lookup_err > 4095 ||
        (f->h.status && (f->h.n_allot || f->h.n_mod)))
        return false;
    if (f->h.n_allot && !(f->rec = calloc(f->h.n_allot, sizeof(*f->rec))))
        return false;
    return read_all(fd, f->name, f->h.name_len) && read_all(fd, f->where, f->h.where_len) &&
           read_all(fd, f->msg, f->h.msg_len) &&
           read_all(fd, f->mods, f->h.n_mod * sizeof(f->mods[0])) &&
           read_all(fd, f->pw_src, f->h.pw_src_len) &&
           read_all(fd, f->rec, f->h.n_allot * sizeof(f->rec[0]));
}

/* What was found, checked again, as the caller's struct idg_gathered. */
static int adopt(struct found *f, enum idg_kind kind, struct idg_gathered *g, char *err,
                 size_t errlen)
{
    f->name[f->h.name_len] = '\0';
    f->where[f->h.where_len] = '\0';
    f->msg[f->h.msg_len] = '\0';
    f->pw_src[f->h.pw_src_len] = '\0';
    if (f->h.status) {
        snprintf(err, errlen, "%s", f->msg);
        return -1;
    }
    if (f->h.name_len && !(g->name = strdup(f->name)))
        return fail(err, errlen, "out of memory");
    g->has_pw = f->h.has_pw != 0;
    g->lookup_err = (int)f->h.lookup_err;
    memcpy(g->passwd_sources, f->pw_src, f->h.pw_src_len + 1);
    g->pw_gid = f->h.pw_gid;
    memcpy(g->where, f->where, f->h.where_len + 1);
    for (uint32_t i = 0; i < f->h.n_mod; i++) {
        memcpy(g->sources[i], f->mods[i], sizeof(g->sources[i]));
        g->sources[i][sizeof(g->sources[i]) - 1] = '\0';
    }
    for (uint32_t i = 0; i < f->h.n_allot; i++) {
        const struct record *r = &f->rec[i];
        if (r->source >= SRC_MODULE + f->h.n_mod || idg_range_check(r->start, r->count) < 0 ||
            r->window > 1 || (r->window && r->first > r->last))
            return fail(err, errlen, "the reader process sent a malformed record");
        if (idg_allotments_add(&g->allot, (struct idg_range){r->start, r->count},
                               r->source < SRC_MODULE ? source_path(kind, r->source)
                                                      : g->sources[r->source - SRC_MODULE],
                               r->line) < 0)
            return fail(err, errlen, "out of memory");
        struct idg_allotment *a = &g->allot.v[g->allot.n - 1];
        a->window = r->window != 0;
        a->first = r->first;
        a->last = r->last;
    }
    idg_allotments_sort(&g->allot);
    return 0;
}

/*
 * May the helper read the sources itself? Only when no code but glibc's and
 * ours would run, on root-owned files: the subid line names files alone,
 * the passwd line can only mean "files first" (so glibc's answer for a uid
 * in /etc/passwd is the first line with it), and that trusted file has the
 * caller. Then *acct is the caller's entry.
 */
static bool files_only(const struct idg_nss_sources *subid, bool passwd_files_first, uint32_t uid,
                       struct idg_account *acct)
{
    /* glibc reads /etc/nsswitch.conf and /etc/passwd, whatever our confdir. */
    if (strcmp(IDG_NSSWITCH, "/etc/nsswitch.conf") != 0)
        return false;
    if (subid->n != 1 || strcmp(subid->name[0], "files") != 0 || !passwd_files_first)
        return false;
    return idg_passwd_file_uid("/etc/passwd", 0, uid, acct) == 0;
}

/* Fork the reader child, and take what it sends into *f. */
static int from_child(const char *prog, enum idg_kind kind, uint32_t uid,
                      const struct idg_nss_sources *names, struct found *f, char *err,
                      size_t errlen)
{
    *f = (struct found){0};
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
        child(prog, kind, uid, names, p[1]);
    }
    close(p[1]);
    int rc = receive(p[0], f) ? 0 : fail(err, errlen, "the reader process failed");
    close(p[0]);
    int st = 0;
    pid_t w;
    do
        w = waitpid(pid, &st, 0);
    while (w < 0 && errno == EINTR);
    if (rc == 0 && (w != pid || !(WIFEXITED(st) && WEXITSTATUS(st) == 0)))
        rc = fail(err, errlen, "the reader process failed");
    return rc;
}

int idg_gather(const char *prog, enum idg_kind kind, uint32_t uid, struct idg_gathered *g,
               char *err, size_t errlen)
{
    *g = (struct idg_gathered){0};
    struct idg_nss_sources names;
    bool passwd_files_first;
    struct idg_sources_error serr;
    if (idg_sources_names(IDG_NSSWITCH, 0, &names, &passwd_files_first, &serr) < 0) {
        snprintf(err, errlen, "%s", serr.why);
        return -1;
    }
    struct found f;
    struct idg_account acct;
    int rc = 0;
    if (files_only(&names, passwd_files_first, uid, &acct))
        collect(prog, kind, uid, &acct, &names, &f);
    else
        rc = from_child(prog, kind, uid, &names, &f, err, errlen);
    if (rc == 0)
        rc = adopt(&f, kind, g, err, errlen);
    found_free(&f);
    if (rc < 0)
        idg_gathered_free(g);
    return rc;
}

void idg_gathered_free(struct idg_gathered *g)
{
    free(g->name);
    idg_allotments_free(&g->allot);
    *g = (struct idg_gathered){0};
}
