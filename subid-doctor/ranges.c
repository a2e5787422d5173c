/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Check 1, ranges: what every source of the subid: line gives the user, in
 * uids and gids, and what is wrong with it.
 *
 * The sources are asked through the library's source layer, as the
 * helpers ask them, in a child process: a module (sssd, a directory) that
 * does not answer within DR_WAIT_MS is killed and named, never waited for.
 * The child sends fixed-size records through a pipe; the parent checks
 * their count and fields.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "appendf.h"
#include "config.h"
#include "doctor.h"
#include "explain.h"
#include "lint.h"
#include "logindefs.h"
#include "readfile.h"
#include "sources.h"
#include "subid_file.h"

/* Podman maps "nobody" (65534) into every container; kubelet wants
 * multiples of 65,536 for its user namespaces. */
#define DR_FULL_RANGE 65536u
/* More allotments than the kernel takes extents is reported as such. */
#define DR_ALLOT_MAX 340

enum rec_type { REC_ALLOT = 1, REC_BAD, REC_FAIL, REC_END };

/* Where an allotment came from: these, or a module (REC_SRC_MODULE + i). */
enum { REC_SRC_SUBID, REC_SRC_IDPERM, REC_SRC_MODULE };

struct rec {
    uint32_t type, kind; /* kind: 0 uids, 1 gids */
    uint32_t start, count, line, window, first, last, src;
    int32_t st;      /* REC_BAD: enum idg_line_status; REC_FAIL: module? 1 : 0 */
    char text[1024]; /* REC_FAIL: the library's message */
};

struct child_ctx {
    int fd;
    uint32_t kind;
    const struct idg_files *files;
    bool ok;
};

static bool send_rec(int fd, const struct rec *r)
{
    return idg_write_all(fd, r, sizeof(*r));
}

static uint32_t src_index(const struct idg_files *files, const struct idg_sources *s, uint32_t kind,
                          const char *source)
{
    if (source == files->subid[kind + 1])
        return REC_SRC_SUBID;
    for (size_t i = 0; i < s->n; i++)
        if (source == s->v[i].name)
            return REC_SRC_MODULE + (uint32_t)i;
    return REC_SRC_IDPERM;
}

static void bad_line(void *arg, const char *path, uint32_t line, enum idg_line_status st)
{
    struct child_ctx *c = arg;
    struct rec r = {.type = REC_BAD, .kind = c->kind, .line = line, .st = (int32_t)st};
    r.src = path == c->files->subid[c->kind + 1] ? REC_SRC_SUBID : REC_SRC_IDPERM;
    c->ok = c->ok && send_rec(c->fd, &r);
}

__attribute__((noreturn)) static void child(const struct dr_user *u, int fd)
{
    struct idg_files files;
    idg_files_default(&files);
    struct idg_sources s;
    struct idg_sources_error serr;
    struct rec r;
    if (idg_sources_open(&s, IDG_NSSWITCH, &files, &serr) < 0) {
        r = (struct rec){.type = REC_FAIL, .kind = 0};
        snprintf(r.text, sizeof(r.text), "%s", serr.why);
        _exit(send_rec(fd, &r) ? 0 : 1);
    }
    for (uint32_t k = 0; k < 2; k++) {
        struct idg_owner o;
        /* Both files by the user's name or uid, as the helpers read them. */
        idg_owner_init(&o, u->has_name ? u->name : NULL, u->uid);
        struct idg_allotments a = {0};
        struct child_ctx c = {fd, k, &files, true};
        const struct idg_source *failed;
        struct idg_file_problem pb;
        enum idg_src_status st =
            idg_sources_list(&s, k ? IDG_SRC_GID : IDG_SRC_UID, &o, &a, bad_line, &c, &failed, &pb);
        if (!c.ok)
            _exit(1);
        if (st != IDG_SRC_OK) {
            r = (struct rec){.type = REC_FAIL,
                             .kind = k,
                             .st = failed->files      ? 0
                                   : failed->error[0] ? 2
                                                      : 1,
                             .src = REC_SRC_MODULE + (uint32_t)(failed - s.v)};
            idg_src_failure_str(r.text, sizeof(r.text), failed, st, &pb, IDG_NSSWITCH);
            if (!send_rec(fd, &r))
                _exit(1);
        } else {
            for (size_t i = 0; i < a.n && i < DR_ALLOT_MAX; i++) {
                const struct idg_allotment *x = &a.v[i];
                r = (struct rec){REC_ALLOT,
                                 k,
                                 x->range.start,
                                 x->range.count,
                                 x->line,
                                 x->window,
                                 x->first,
                                 x->last,
                                 0,
                                 0,
                                 ""};
                r.src = src_index(&files, &s, k, x->source);
                if (!send_rec(fd, &r))
                    _exit(1);
            }
        }
        idg_allotments_free(&a);
    }
    r = (struct rec){.type = REC_END};
    _exit(send_rec(fd, &r) ? 0 : 1);
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read one record before the deadline: 1, 0 at end of file, -ETIMEDOUT. */
static int read_rec(int fd, struct rec *r, int64_t deadline)
{
    char *p = (char *)r;
    size_t got = 0;
    while (got < sizeof(*r)) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd pfd = {fd, POLLIN, 0};
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return -ETIMEDOUT;
        ssize_t k = read(fd, p + got, sizeof(*r) - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return got ? -EPROTO : 0;
        got += (size_t)k;
    }
    return 1;
}

/* The names on the subid: line, for messages and for the records' sources. */
static struct idg_nss_sources names;

static const char *src_name(const struct idg_files *files, uint32_t kind, uint32_t src)
{
    if (src == REC_SRC_SUBID)
        return files->subid[kind + 1];
    if (src == REC_SRC_IDPERM)
        return files->idperm[kind + 1];
    return names.name[src - REC_SRC_MODULE];
}

__attribute__((format(printf, 2, 3))) static void all_fail(struct dr_ranges *rg, const char *fmt,
                                                           ...)
{
    va_list ap;
    for (int k = 0; k < 2; k++) {
        idg_allotments_free(&rg->a[k]);
        rg->listed[k] = false;
        rg->failed[k] = DR_SRC_SILENT;
        va_start(ap, fmt);
        vsnprintf(rg->why[k], sizeof(rg->why[k]), fmt, ap);
        va_end(ap);
    }
}

void dr_gather_ranges(const struct dr_user *u, struct dr_ranges *rg)
{
    *rg = (struct dr_ranges){.listed = {true, true}};
    static struct idg_files files;
    idg_files_default(&files);
    bool pfirst;
    struct idg_sources_error serr;
    char line[256] = "";
    size_t pos = 0;
    if (idg_sources_names(IDG_NSSWITCH, 0, &names, &pfirst, &serr) < 0) {
        all_fail(rg, "%s", serr.why);
        rg->failed[0] = rg->failed[1] = DR_SRC_FILES;
        return;
    }
    for (size_t i = 0; i < names.n; i++)
        idg_appendf(line, sizeof(line), &pos, "%s%s", i ? " " : "", names.name[i]);
    for (int k = 0; k < 2; k++)
        snprintf(rg->where[k], sizeof(rg->where[k]), "%s", line);

    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        all_fail(rg, "cannot ask the sources: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        all_fail(rg, "cannot ask the sources: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        /* Warnings are ours to word: the child prints nothing. */
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0)
            dup2(null, 2);
        child(u, p[1]);
    }
    close(p[1]);
    int64_t deadline = now_ms() + DR_WAIT_MS;
    struct rec r;
    int rc;
    bool end = false;
    while (!end && (rc = read_rec(p[0], &r, deadline)) == 1) {
        uint32_t k = r.kind;
        if (k > 1 || (r.type == REC_ALLOT || r.type == REC_BAD ? r.src >= REC_SRC_MODULE + names.n
                                                               : false)) {
            rc = -EPROTO;
            break;
        }
        r.text[sizeof(r.text) - 1] = '\0';
        switch (r.type) {
        case REC_ALLOT:
            if (idg_range_check(r.start, r.count) < 0 ||
                idg_allotments_add(&rg->a[k], (struct idg_range){r.start, r.count},
                                   src_name(&files, k, r.src), r.line) < 0) {
                rc = -EPROTO;
                break;
            }
            rg->a[k].v[rg->a[k].n - 1].window = r.window != 0;
            rg->a[k].v[rg->a[k].n - 1].first = r.first;
            rg->a[k].v[rg->a[k].n - 1].last = r.last;
            continue;
        case REC_BAD: {
            size_t at = strlen(rg->bad[k]);
            idg_appendf(rg->bad[k], sizeof(rg->bad[k]), &at, "%s%s:%u (%s)", at ? ", " : "",
                        src_name(&files, k, r.src), r.line,
                        idg_line_status_str((enum idg_line_status)r.st));
            continue;
        }
        case REC_FAIL:
            rg->listed[k] = false;
            rg->failed[k] = r.st == 2 ? DR_SRC_UNLOADED : r.st == 1 ? DR_SRC_SILENT : DR_SRC_FILES;
            if (r.src >= REC_SRC_MODULE && r.src < REC_SRC_MODULE + names.n)
                snprintf(rg->failed_name[k], sizeof(rg->failed_name[k]), "%s",
                         names.name[r.src - REC_SRC_MODULE]);
            snprintf(rg->why[k], sizeof(rg->why[k]), "%s", r.text);
            continue;
        case REC_END:
            end = true;
            continue;
        default:
            rc = -EPROTO;
        }
        if (rc < 0)
            break;
    }
    close(p[0]);
    int st = dr_reap(pid, rc == -ETIMEDOUT ? 0 : DR_WAIT_MS);
    if (rc == -ETIMEDOUT)
        all_fail(rg,
                 "the subid sources (%s) did not answer within 5 s; the helpers would wait for "
                 "them too (is sssd running and its directory reachable?)",
                 line);
    else if (!end || st != 0)
        all_fail(rg, "the process asking the subid sources (%s) failed", line);
}

void dr_allotments_str(char *buf, size_t len, const struct idg_allotments *a)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < a->n; i++) {
        char r[IDG_RANGE_STRLEN];
        idg_range_format(r, sizeof(r), a->v[i].range);
        idg_appendf(buf, len, &pos, "%s%s (", i ? ", " : "", r);
        idg_allotment_origin(buf, len, &pos, &a->v[i]);
        idg_appendf(buf, len, &pos, ")");
    }
}

static uint64_t total(const struct idg_allotments *a)
{
    uint64_t t = 0;
    for (size_t i = 0; i < a->n; i++)
        t += a->v[i].range.count;
    return t;
}

/* The part of a library message before its advice ("...; run: X"). */
static void split_advice(const char *msg, char *what, size_t wlen, char *advice, size_t alen)
{
    const char *semi = strstr(msg, "; ");
    size_t n = semi ? (size_t)(semi - msg) : strlen(msg);
    snprintf(what, wlen, "%.*s", (int)n, msg);
    snprintf(advice, alen, "%s", semi ? semi + 2 : "");
}

static void check_kind(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg,
                       int k)
{
    const char *id = k ? "ranges.gid" : "ranges.uid", *w = k ? "gid" : "uid";
    const char *file = k ? IDG_SUBGID : IDG_SUBUID;
    struct dr_check *c;
    char list[768];
    if (!rg->listed[k]) {
        char what[1024], advice[1024];
        split_advice(rg->why[k], what, sizeof(what), advice, sizeof(advice));
        c = dr_add(r, id, DR_FAIL, "%s", what);
        if (rg->failed[k] == DR_SRC_UNLOADED)
            dr_fix(c,
                   "ask an administrator to install the module libsubid_%s.so or to remove %s "
                   "from the subid: line of %s",
                   rg->failed_name[k], rg->failed_name[k], IDG_NSSWITCH);
        else if (rg->failed[k] == DR_SRC_SILENT && rg->failed_name[k][0])
            dr_fix(c,
                   "ask an administrator to check the service behind %s (for sss: systemctl "
                   "start sssd, and that sssd reaches its directory), or to remove %s from the "
                   "subid: line of %s",
                   rg->failed_name[k], rg->failed_name[k], IDG_NSSWITCH);
        else if (rg->failed[k] == DR_SRC_SILENT)
            dr_fix(c,
                   "ask an administrator to check the services the subid: line of %s names (%s; "
                   "for sss: systemctl start sssd)",
                   IDG_NSSWITCH, rg->where[k]);
        else if (strncmp(advice, "run: ", 5) == 0)
            dr_fix(c, "ask an administrator to run: %s", advice + 5);
        else
            dr_fix(c, "ask an administrator to: %s", advice[0] ? advice : "fix the file");
        return;
    }
    if (rg->a[k].n == 0) {
        if (rg->bad[k][0]) {
            c = dr_add(r, id, DR_FAIL, "%s has no %s range: the line for them is malformed: %s",
                       u->name, w, rg->bad[k]);
            dr_fix(c,
                   "ask an administrator to fix or remove that line (subid-add --check lists "
                   "every problem of %s)",
                   file);
            return;
        }
        bool other = rg->a[!k].n > 0;
        c = dr_add(r, id, DR_FAIL, "%s has no subordinate %s range in the sources (%s)%s", u->name,
                   w, rg->where[k],
                   other ? (k ? ": a subuid range without a subgid range, half a setup"
                              : ": a subgid range without a subuid range, half a setup")
                         : "");
        dr_fix(c, "ask an administrator to run: subid-add %s%s",
               other ? (k ? "--gid-only " : "--uid-only ") : "", u->name);
        return;
    }
    dr_allotments_str(list, sizeof(list), &rg->a[k]);
    if (rg->bad[k][0]) {
        c = dr_add(r, id, DR_WARN, "%s has %s; a malformed line for them is ignored: %s", u->name,
                   list, rg->bad[k]);
        dr_fix(c, "ask an administrator to fix or remove that line (subid-add --check)");
        return;
    }
    dr_add(r, id, DR_OK, "%s has %s", u->name, list);
}

static void check_size(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg)
{
    uint64_t t[2] = {total(&rg->a[0]), total(&rg->a[1])};
    if (!t[0] && !t[1]) {
        dr_add(r, "ranges.size", DR_OK, "no range to measure (see above)");
        return;
    }
    /* Too few first (containers fail), then not a multiple (kubelet). */
    int small = t[0] && t[0] < DR_FULL_RANGE ? 0 : t[1] && t[1] < DR_FULL_RANGE ? 1 : -1;
    int odd = t[0] % DR_FULL_RANGE ? 0 : t[1] % DR_FULL_RANGE ? 1 : -1;
    int k = small >= 0 ? small : odd;
    if (k >= 0) {
        uint64_t want = (t[k] + DR_FULL_RANGE - 1) / DR_FULL_RANGE * DR_FULL_RANGE;
        struct dr_check *c =
            dr_add(r, "ranges.size", DR_WARN, "%s has %" PRIu64 " subordinate %ss, %s", u->name,
                   t[k], k ? "gid" : "uid",
                   small >= 0 ? "fewer than 65536: images that use ids up to 65535 fail (podman "
                                "maps nobody, 65534)"
                              : "not a multiple of 65536 (kubelet's user namespaces need one)");
        dr_fix(c,
               "%sask an administrator to replace them: subid-add --remove %s, then subid-add "
               "--count %" PRIu64 " %s",
               small >= 0 ? "" : "if kubelet runs as them, ", u->name, want, u->name);
        return;
    }
    if (t[0] && t[1])
        dr_add(r, "ranges.size", DR_OK, "%" PRIu64 " uids and %" PRIu64 " gids, multiples of 65536",
               t[0], t[1]);
    else
        dr_add(r, "ranges.size", DR_OK,
               "%" PRIu64 " %ss, a multiple of 65536 (no %s range: see above)", t[0] ? t[0] : t[1],
               t[0] ? "uid" : "gid", t[0] ? "gid" : "uid");
}

/* Conflicts of the user's ranges, by the rules of subid-add --check (lint.h). */
struct overlap_ctx {
    const struct idg_allotments *mine;
    const char *path;
    const struct idg_file_entry *e, *other; /* the first conflict found */
};

static bool is_mine(const struct overlap_ctx *x, const struct idg_file_entry *e,
                    struct idg_range *r)
{
    for (size_t i = 0; i < x->mine->n; i++)
        if (x->mine->v[i].line == e->lineno && strcmp(x->mine->v[i].source, x->path) == 0) {
            *r = x->mine->v[i].range;
            return true;
        }
    return false;
}

static int on_overlap(void *arg, const struct idg_file_entry *e, const struct idg_file_entry *other)
{
    struct overlap_ctx *x = arg;
    struct idg_range mine;
    if ((is_mine(x, e, &mine) && idg_range_overlaps(mine, other->e.range)) ||
        (is_mine(x, other, &mine) && idg_range_overlaps(mine, e->e.range))) {
        x->e = e;
        x->other = other;
        return -1; /* the first is enough */
    }
    return 0;
}

static void describe(char *buf, size_t len, const struct idg_file_entry *e, const char *path)
{
    char rs[IDG_RANGE_STRLEN];
    idg_range_format(rs, sizeof(rs), e->e.range);
    snprintf(buf, len, "%s%.*s's %s (%s:%u)", e->e.window ? "window " : "", (int)e->e.owner_len,
             e->e.owner, rs, path, e->lineno);
}

static void check_conflicts(struct dr_report *r, const struct dr_user *u,
                            const struct dr_ranges *rg)
{
    struct idg_logindefs defs;
    struct idg_logindefs_error lerr;
    if (idg_logindefs_load(IDG_LOGINDEFS, &defs, &lerr) < 0)
        idg_logindefs_default(&defs);
    struct idg_owner_index users;
    bool have_users = idg_owner_index_load(&users) == 0;
    struct dr_check *warn = NULL;
    char wmsg[1024] = "", wfix[1024] = "";
    for (int k = 0; k < 2 && have_users; k++) {
        const char *w = k ? "gid" : "uid", *path = k ? IDG_SUBGID : IDG_SUBUID;
        /* uids: the index's own list; gids: the group database. */
        struct idg_id_list gids = {0}, *accts = k ? &gids : &users.users;
        if (rg->a[k].n == 0 || (k && idg_account_ids(1, &gids) < 0))
            continue;
        for (size_t i = 0; i < rg->a[k].n; i++) {
            const struct idg_allotment *a = &rg->a[k].v[i];
            const struct idg_id_name *hit;
            char rs[IDG_RANGE_STRLEN], at[300];
            size_t pos = 0;
            idg_range_format(rs, sizeof(rs), a->range);
            idg_allotment_origin(at, sizeof(at), &pos, a);
            enum idg_lint_acct v = idg_lint_account(a->range, accts, defs.pool[k].acct_max, &hit);
            if (v == IDG_LINT_ACCT_ID) {
                struct dr_check *c = dr_add(
                    r, "ranges.conflict", DR_FAIL,
                    "%s's %s range %s (%s) contains %s %u of %s %s: that %s can be impersonated "
                    "inside a namespace (CVE-2024-56433)",
                    u->name, w, rs, at, w, hit->id, k ? "group" : "account", hit->name,
                    k ? "group" : "account");
                dr_fix(c,
                       "ask an administrator to remove it and allot again: subid-add --remove %s "
                       "--range %s%s, then subid-add %s%s",
                       u->name, rs, k ? " --gid-only" : " --uid-only",
                       k ? "--gid-only " : "--uid-only ", u->name);
                idg_id_list_free(&gids);
                idg_owner_index_free(&users);
                return;
            }
            if (v == IDG_LINT_ACCT_RESERVED && !wmsg[0]) {
                snprintf(wmsg, sizeof(wmsg),
                         "%s's %s range %s (%s) overlaps %ss 0-%u (up to %s_MAX of %s), where "
                         "accounts get their ids",
                         u->name, w, rs, at, w, defs.pool[k].acct_max, k ? "GID" : "UID",
                         IDG_LOGINDEFS);
                snprintf(wfix, sizeof(wfix),
                         "ask an administrator to move it: subid-add --remove %s --range %s, "
                         "then subid-add %s",
                         u->name, rs, u->name);
            }
        }
        idg_id_list_free(&gids);

        /* Another owner's line over one of the user's. */
        struct idg_subid_file f;
        struct idg_file_problem pb;
        if (idg_subid_file_load(path, 0, &f, &pb) != 0)
            continue; /* ranges.uid/gid said why */
        struct overlap_ctx x = {.mine = &rg->a[k], .path = path};
        idg_lint_overlaps(&f, &users, on_overlap, &x);
        if (x.e) {
            char d1[512], d2[512];
            describe(d1, sizeof(d1), x.e, path);
            describe(d2, sizeof(d2), x.other, path);
            struct dr_check *c = dr_add(r, "ranges.conflict", DR_FAIL,
                                        "%s overlaps %s: two owners share these %ss", d1, d2, w);
            dr_fix(c, "ask an administrator to remove one (subid-add --remove OWNER --range "
                      "FIRST-LAST) and allocate again; subid-add --check lists every overlap");
            idg_subid_file_free(&f);
            idg_owner_index_free(&users);
            return;
        }
        idg_subid_file_free(&f);
    }
    if (have_users)
        idg_owner_index_free(&users);
    if (wmsg[0]) {
        warn = dr_add(r, "ranges.conflict", DR_WARN, "%s", wmsg);
        dr_fix(warn, "%s", wfix);
    } else if (!rg->a[0].n && !rg->a[1].n) {
        dr_add(r, "ranges.conflict", DR_OK, "no range to check (see above)");
    } else {
        dr_add(r, "ranges.conflict", DR_OK,
               "no account's id inside, no other owner's range over them (the rules of subid-add "
               "--check)");
    }
}

void dr_check_ranges(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg)
{
    check_kind(r, u, rg, 0);
    check_kind(r, u, rg, 1);
    check_size(r, u, rg);
    check_conflicts(r, u, rg);
}
