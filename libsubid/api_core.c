/* SPDX-License-Identifier: BSD-3-Clause */
#include "api_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "config.h"
#include "grant.h"
#include "lockfile.h"
#include "logindefs.h"
#include "number.h"
#include "txn.h"

#define WHY(...) snprintf(why, wlen, __VA_ARGS__)

void idg_api_conf_default(struct idg_api_conf *c)
{
    idg_files_default(&c->files);
    c->nsswitch = IDG_NSSWITCH;
    c->logindefs = IDG_LOGINDEFS;
    c->pwdlock = IDG_PWDLOCK;
    c->lock_timeout_ms = 15000;
}

/* Shadow's library fails when the file to read does not exist. */
static int file_missing(const struct idg_api_conf *c, const struct idg_sources *s,
                        enum idg_src_kind kind, char *why, size_t wlen)
{
    if (!idg_sources_have_files(s) || access(c->files.subid[kind], F_OK) == 0 || errno != ENOENT)
        return 0;
    WHY("%s does not exist", c->files.subid[kind]);
    return -1;
}

static int open_sources(const struct idg_api_conf *c, struct idg_sources *s, char *why, size_t wlen)
{
    struct idg_sources_error err;
    if (idg_sources_open(s, c->nsswitch, &c->files, &err) < 0) {
        WHY("%s", err.why);
        return -1;
    }
    return 0;
}

int idg_api_ranges(const struct idg_api_conf *c, const char *owner, enum idg_src_kind kind,
                   struct idg_plugin_range **out, char *why, size_t wlen)
{
    *out = NULL;
    struct idg_sources s;
    if (open_sources(c, &s, why, wlen) < 0)
        return -1;
    struct idg_owner o;
    int rc = idg_owner_for_query(owner, kind == IDG_SRC_GID, &o);
    if (rc < 0) {
        WHY("cannot look up %s in the %s database: %s", owner,
            kind == IDG_SRC_GID ? "group" : "passwd", strerror(-rc));
        idg_sources_close(&s);
        return -1;
    }
    struct idg_allotments got = {0};
    const struct idg_source *failed;
    struct idg_file_problem pb;
    enum idg_src_status st = idg_sources_list(&s, kind, &o, &got, NULL, NULL, &failed, &pb);
    int n = -1;
    if (st != IDG_SRC_OK) {
        idg_src_failure_str(why, wlen, failed, st, &pb, c->nsswitch);
    } else if (file_missing(c, &s, kind, why, wlen) < 0) {
        n = -1;
    } else if (got.n == 0) {
        n = 0;
    } else if (got.n <= INT32_MAX && (*out = calloc(got.n, sizeof(**out)))) {
        for (size_t i = 0; i < got.n; i++)
            (*out)[i] = (struct idg_plugin_range){got.v[i].range.start, got.v[i].range.count};
        n = (int)got.n;
    } else {
        WHY("out of memory");
    }
    idg_allotments_free(&got);
    idg_sources_close(&s);
    return n;
}

int idg_api_owners(const struct idg_api_conf *c, unsigned long id, enum idg_src_kind kind,
                   uid_t **out, char *why, size_t wlen)
{
    *out = NULL;
    if (id > IDG_ID_MAX)
        return 0;
    struct idg_sources s;
    if (open_sources(c, &s, why, wlen) < 0)
        return -1;
    size_t n = 0;
    const struct idg_source *failed;
    struct idg_file_problem pb;
    enum idg_src_status st =
        idg_sources_owners(&s, kind, (uint32_t)id, true, out, &n, &failed, &pb);
    if (st == IDG_SRC_OK && file_missing(c, &s, kind, why, wlen) < 0) {
        free(*out);
        *out = NULL;
        idg_sources_close(&s);
        return -1;
    }
    idg_sources_close(&s);
    if (st == IDG_SRC_UNKNOWN_USER && failed->files) {
        WHY("a line holding id %lu names an owner that is no account", id);
        return -1;
    }
    if (st != IDG_SRC_OK) {
        idg_src_failure_str(why, wlen, failed, st, &pb, c->nsswitch);
        return -1;
    }
    return (int)n;
}

static void txn_failed(const char *path, const struct idg_txn_error *e, char *why, size_t wlen)
{
    char w[512];
    if (e->why == IDG_TXN_UNTRUSTED)
        WHY("%s", idg_file_problem_str(w, sizeof(w), path, &e->pb));
    else if (e->why == IDG_TXN_BUSY)
        WHY("%s is locked by process %ld", path, (long)e->holder);
    else if (e->why == IDG_TXN_CHANGED)
        WHY("%s changed while it was read (a writer that ignores %s.lock); it was not "
            "changed; try again",
            path, path);
    else
        WHY("cannot %s %s: %s", e->why == IDG_TXN_WRITE ? "write" : "lock or read", path,
            strerror(e->err));
}

/* The .pwd.lock, then the file's lock and the file, for one edit. */
static int edit_begin(const struct idg_api_conf *c, enum idg_src_kind kind, int *pwlock,
                      struct idg_txn *t, char *why, size_t wlen)
{
    const char *path = c->files.subid[kind];
    *pwlock = idg_pwdlock_acquire(c->pwdlock, c->lock_timeout_ms);
    if (*pwlock < 0) {
        WHY("cannot lock %s: %s", c->pwdlock, strerror(-*pwlock));
        return -1;
    }
    struct idg_txn_error e;
    if (idg_txn_open(t, path, true, c->lock_timeout_ms, &e) < 0) {
        txn_failed(path, &e, why, wlen);
        idg_pwdlock_release(*pwlock);
        return -1;
    }
    return 0;
}

static void edit_end(int pwlock, struct idg_txn *t)
{
    idg_txn_close(t);
    idg_pwdlock_release(pwlock);
}

bool idg_api_grant(const struct idg_api_conf *c, const char *owner, unsigned long *start,
                   unsigned long *count, bool reuse, enum idg_src_kind kind, char *why, size_t wlen)
{
    if (*count == 0 || *count > IDG_COUNT_MAX || *start > IDG_ID_MAX) {
        WHY("invalid range: %lu ids from %lu", *count, *start);
        return false;
    }
    struct idg_logindefs defs;
    struct idg_logindefs_error lerr = {0};
    if (idg_logindefs_load(c->logindefs, &defs, &lerr) < 0) {
        WHY("cannot use %s: %s %s", c->logindefs, lerr.setting, lerr.why ? lerr.why : "");
        return false;
    }
    /* The lines that are the owner's, by the rule subid_get_*_ranges
       answers with; a new line is keyed by the account's uid only when the
       owner cannot be written as a name. */
    struct idg_owner o;
    int rc = idg_owner_for_query(owner, kind == IDG_SRC_GID, &o);
    if (rc < 0) {
        WHY("cannot look up %s in the %s database: %s", owner,
            kind == IDG_SRC_GID ? "group" : "passwd", strerror(-rc));
        return false;
    }
    struct idg_account a = {0};
    bool account = idg_account_by_name(owner, &a) == 0;
    struct idg_grant_req rq = {
        .owner = &o,
        .name = owner,
        .has_uid = account,
        .uid = a.uid,
        .mode = IDG_GRANT_FIRST_FIT,
        .count = (uint32_t)*count,
        .min = (uint32_t)*start,
        .max = IDG_ID_MAX,
        .reuse = reuse,
        .pool = &defs.pool[kind == IDG_SRC_GID],
    };
    int pwlock;
    struct idg_txn t;
    if (edit_begin(c, kind, &pwlock, &t, why, wlen) < 0)
        return false;
    /* Read in chunks by the scan, which finds malformed lines in its own
       pass, then copied: memory does not grow with the file. */
    struct idg_id_list accts = {0};
    struct idg_grant_res res = {0};
    struct idg_chunks_read rd = {0};
    bool ok = false;
    rc = 0;
    if (idg_account_ids(kind == IDG_SRC_GID, &accts) < 0 ||
        (rc = idg_grant_plan_fd(t.fd, &rd, &accts, &rq, &res)) == -ENOMEM) {
        WHY("out of memory");
    } else if (rc < 0) {
        WHY("cannot read %s: %s", t.path, strerror(-rc));
    } else if (res.bad_line) {
        WHY("%s:%u: %s; not editing the file", t.path, res.bad_line, idg_line_status_str(res.bad));
    } else if (res.st == IDG_ALLOC_BAD_REQUEST && res.line_len < 0) {
        WHY("the owner '%s' is no account and cannot be written as the owner of a line", owner);
    } else if (res.st != IDG_ALLOC_OK) {
        WHY("no free range of %lu ids at or above %lu for %s", *count, *start, owner);
    } else if (res.reused) {
        *start = res.got.start;
        *count = res.got.count;
        ok = true;
    } else {
        /* the file as scanned, then the new line */
        struct idg_txn_error e;
        ok = idg_txn_write(&t, &rd, NULL, 0, res.line, (size_t)res.line_len, &e) == 0;
        if (!ok)
            txn_failed(t.path, &e, why, wlen);
        else
            *start = res.got.start;
    }
    idg_grant_res_free(&res);
    idg_id_list_free(&accts);
    edit_end(pwlock, &t);
    return ok;
}

/* "owner:first:count" for what is left of a cut line, into a new string
 * (with its '\n' when nl). */
static char *piece(const struct idg_entry *e, uint64_t first, uint64_t last, bool nl)
{
    char owner[IDG_NAME_MAX], line[IDG_NAME_MAX + 32];
    if (e->owner_len >= sizeof(owner))
        return NULL;
    memcpy(owner, e->owner, e->owner_len);
    owner[e->owner_len] = '\0';
    int n = idg_entry_format(line, sizeof(line), owner,
                             (struct idg_range){(uint32_t)first, (uint32_t)(last - first + 1)});
    if (n < 0)
        return NULL;
    if (!nl)
        line[n - 1] = '\0';
    return strdup(line);
}

bool idg_api_ungrant(const struct idg_api_conf *c, const char *owner, unsigned long start,
                     unsigned long count, enum idg_src_kind kind, char *why, size_t wlen)
{
    if (count == 0 || start > IDG_ID_MAX || count > IDG_COUNT_MAX ||
        idg_range_check((uint32_t)start, (uint32_t)count) < 0) {
        WHY("invalid range: %lu ids from %lu", count, start);
        return false;
    }
    struct idg_range cut = {(uint32_t)start, (uint32_t)count};
    /* Lines are matched by their owner text, as shadow's ungrant does. */
    struct idg_owner o;
    idg_owner_init_name(&o, owner);
    int pwlock;
    struct idg_txn t;
    if (edit_begin(c, kind, &pwlock, &t, why, wlen) < 0)
        return false;
    /* The owner's lines only, read in chunks: memory does not grow with
       the file. */
    struct idg_owned own = {.owner = &o};
    struct idg_chunks_read rd = {0};
    int rc = idg_owned_scan_fd(t.fd, IDG_READ_CHUNK, &own, &rd);
    if (rc < 0 || own.bad_line) {
        if (rc == -ENOMEM)
            WHY("out of memory");
        else if (rc < 0)
            WHY("cannot read %s: %s", t.path, strerror(-rc));
        else
            WHY("%s:%u: %s; not editing the file", t.path, own.bad_line,
                idg_line_status_str(own.bad));
        idg_owned_free(&own);
        edit_end(pwlock, &t);
        return false;
    }
    struct idg_cut *cuts = calloc(own.n ? own.n : 1, sizeof(*cuts));
    char **repl = calloc(own.n ? own.n : 1, sizeof(*repl));
    char *kept = NULL;
    size_t kept_len = 0, n_cuts = 0;
    bool ok = cuts && repl;
    /* Lines wholly inside go; a line cut at one end keeps the rest in its
     * place; a line cut in the middle keeps its head there and its tail at
     * the end of the file, as shadow does. */
    for (size_t i = 0; ok && i < own.n; i++) {
        const struct idg_entry *e = &own.v[i].e;
        if (!idg_range_overlaps(e->range, cut))
            continue;
        bool head = e->range.start < cut.start;
        bool tail = idg_range_last(e->range) > idg_range_last(cut);
        uint64_t tfirst = (uint64_t)idg_range_last(cut) + 1, tlast = idg_range_last(e->range);
        if (head)
            ok = (repl[i] = piece(e, e->range.start, cut.start - 1, false)) != NULL;
        else if (tail)
            ok = (repl[i] = piece(e, tfirst, tlast, false)) != NULL;
        cuts[n_cuts++] = (struct idg_cut){own.v[i].off, own.v[i].len, repl[i]};
        if (ok && head && tail) {
            char *p = piece(e, tfirst, tlast, true);
            char *nk = p ? realloc(kept, kept_len + strlen(p)) : NULL;
            if (nk) {
                memcpy(nk + kept_len, p, strlen(p));
                kept = nk;
                kept_len += strlen(p);
            }
            ok = nk != NULL;
            free(p);
        }
    }
    if (!ok) {
        WHY("out of memory cutting the ranges of %s", owner);
    } else if (n_cuts) {
        struct idg_txn_error e;
        if (idg_txn_write(&t, &rd, cuts, n_cuts, kept, kept_len, &e) < 0) {
            txn_failed(t.path, &e, why, wlen);
            ok = false;
        }
    }
    for (size_t i = 0; repl && i < own.n; i++)
        free(repl[i]);
    free(repl);
    free(cuts);
    free(kept);
    idg_owned_free(&own);
    edit_end(pwlock, &t);
    return ok;
}
