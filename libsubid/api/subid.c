/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsubid.so.4: shadow's public subid_* API over idgate's core.
 *
 * Rules this file keeps:
 *  - it never exits and never prints, unless subid_init() named a stream;
 *  - one mutex serialises every call: the NSS enumeration and dlopen'ed
 *    modules behind it need not be thread-safe themselves;
 *  - answers come from the one source layer (sources.h), in nsswitch order;
 *    a failing source makes the call fail (-1 / false), never a partial list;
 *  - grants and ungrants take shadow's locks and write atomically (txn.h),
 *    with the decision subid-add makes (grant.h).
 */
#include "subid.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "config.h"
#include "grant.h"
#include "lockfile.h"
#include "logindefs.h"
#include "number.h"
#include "sources.h"
#include "txn.h"

#define API __attribute__((visibility("default")))
#define LOCK_TIMEOUT_MS 15000

static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_prog;
static FILE *log_fd;

/* A message, only to the stream the caller gave subid_init(). */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
    if (!log_fd)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(log_fd, "%s: ", log_prog ? log_prog : "libsubid");
    vfprintf(log_fd, fmt, ap);
    fputc('\n', log_fd);
    va_end(ap);
}

API bool subid_init(const char *progname, FILE *logfd)
{
    char *p = strdup(progname ? progname : "libsubid");
    pthread_mutex_lock(&api_lock);
    free(log_prog);
    log_prog = p;
    log_fd = logfd;
    pthread_mutex_unlock(&api_lock);
    return p != NULL;
}

API void subid_free(void *ptr)
{
    free(ptr);
}

/* Owners are login names, as shadow resolves them: a name that is no
 * account still matches lines carrying that exact text. */
static void owner_for(const char *name, struct idg_account *a, struct idg_owner *o)
{
    if (idg_account_by_name(name, a) == 0)
        idg_owner_init(o, a->name, a->uid);
    else
        idg_owner_init_name(o, name);
}

static int open_sources(struct idg_sources *s)
{
    struct idg_files files;
    idg_files_default(&files);
    struct idg_sources_error err;
    if (idg_sources_open(s, IDG_NSSWITCH, &files, &err) < 0) {
        say("%s", err.why);
        return -1;
    }
    return 0;
}

static void source_failed(const struct idg_source *failed, enum idg_src_status st,
                          const struct idg_file_problem *pb)
{
    char why[1024];
    idg_src_failure_str(why, sizeof(why), failed, st, pb, IDG_NSSWITCH);
    say("%s", why);
}

static int get_ranges(const char *owner, enum idg_src_kind kind, struct subid_range **ranges)
{
    if (!ranges)
        return -1;
    *ranges = NULL;
    if (!owner)
        return -1;
    struct idg_sources s;
    if (open_sources(&s) < 0)
        return -1;
    struct idg_account a;
    struct idg_owner o;
    owner_for(owner, &a, &o);
    struct idg_allotments got = {0};
    const struct idg_source *failed;
    struct idg_file_problem pb;
    enum idg_src_status st = idg_sources_list(&s, kind, &o, &got, NULL, NULL, &failed, &pb);
    int n = -1;
    if (st != IDG_SRC_OK) {
        source_failed(failed, st, &pb);
    } else if (got.n == 0) {
        n = 0;
    } else if (got.n <= INT32_MAX && (*ranges = calloc(got.n, sizeof(**ranges)))) {
        for (size_t i = 0; i < got.n; i++)
            (*ranges)[i] = (struct subid_range){got.v[i].range.start, got.v[i].range.count};
        n = (int)got.n;
    }
    idg_allotments_free(&got);
    idg_sources_close(&s);
    return n;
}

API int subid_get_uid_ranges(const char *owner, struct subid_range **ranges)
{
    pthread_mutex_lock(&api_lock);
    int n = get_ranges(owner, IDG_SRC_UID, ranges);
    pthread_mutex_unlock(&api_lock);
    return n;
}

API int subid_get_gid_ranges(const char *owner, struct subid_range **ranges)
{
    pthread_mutex_lock(&api_lock);
    int n = get_ranges(owner, IDG_SRC_GID, ranges);
    pthread_mutex_unlock(&api_lock);
    return n;
}

static int get_owners(unsigned long id, enum idg_src_kind kind, uid_t **owners)
{
    if (!owners)
        return -1;
    *owners = NULL;
    if (id > IDG_ID_MAX)
        return 0;
    struct idg_sources s;
    if (open_sources(&s) < 0)
        return -1;
    size_t n = 0;
    const struct idg_source *failed;
    struct idg_file_problem pb;
    enum idg_src_status st = idg_sources_owners(&s, kind, (uint32_t)id, owners, &n, &failed, &pb);
    idg_sources_close(&s);
    if (st != IDG_SRC_OK) {
        source_failed(failed, st, &pb);
        return -1;
    }
    return (int)n;
}

API int subid_get_uid_owners(uid_t uid, uid_t **owner)
{
    pthread_mutex_lock(&api_lock);
    int n = get_owners(uid, IDG_SRC_UID, owner);
    pthread_mutex_unlock(&api_lock);
    return n;
}

API int subid_get_gid_owners(gid_t gid, uid_t **owner)
{
    pthread_mutex_lock(&api_lock);
    int n = get_owners(gid, IDG_SRC_GID, owner);
    pthread_mutex_unlock(&api_lock);
    return n;
}

/* Why a lock, read or write failed, to the caller's stream. */
static void txn_failed(const char *path, const struct idg_txn_error *e)
{
    char why[512];
    if (e->why == IDG_TXN_UNTRUSTED)
        say("%s", idg_file_problem_str(why, sizeof(why), path, &e->pb));
    else if (e->why == IDG_TXN_BUSY)
        say("%s is locked by process %ld", path, (long)e->holder);
    else
        say("cannot %s %s: %s", e->why == IDG_TXN_WRITE ? "write" : "lock or read", path,
            strerror(e->err));
}

/* The .pwd.lock, the file's lock, and the file, for one edit. */
static int edit_begin(enum idg_src_kind kind, bool parse, int *pwlock, struct idg_txn *t)
{
    const char *path = kind == IDG_SRC_GID ? IDG_SUBGID : IDG_SUBUID;
    *pwlock = idg_pwdlock_acquire(IDG_PWDLOCK, LOCK_TIMEOUT_MS);
    if (*pwlock < 0) {
        say("cannot lock %s: %s", IDG_PWDLOCK, strerror(-*pwlock));
        return -1;
    }
    struct idg_txn_error e;
    if (idg_txn_open(t, path, true, parse, LOCK_TIMEOUT_MS, &e) < 0) {
        txn_failed(path, &e);
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

static bool grant(struct subordinate_range *range, bool reuse, enum idg_src_kind kind)
{
    if (!range || !range->owner || !*range->owner || range->count == 0 ||
        range->count > IDG_COUNT_MAX || range->start > IDG_ID_MAX)
        return false;
    struct idg_logindefs defs;
    struct idg_logindefs_error lerr;
    if (idg_logindefs_load(IDG_LOGINDEFS, &defs, &lerr) < 0) {
        say("cannot use %s: %s %s", IDG_LOGINDEFS, lerr.setting, lerr.why ? lerr.why : "");
        return false;
    }
    struct idg_account a;
    struct idg_owner o;
    owner_for(range->owner, &a, &o);
    struct idg_grant_req rq = {
        .owner = &o,
        .name = range->owner,
        .uid = a.uid,
        .mode = IDG_GRANT_FIRST_FIT,
        .count = (uint32_t)range->count,
        .min = (uint32_t)range->start,
        .max = IDG_ID_MAX,
        .reuse = reuse,
        .pool = &defs.pool[kind == IDG_SRC_GID],
    };
    int pwlock;
    struct idg_txn t;
    if (edit_begin(kind, false, &pwlock, &t) < 0)
        return false;
    struct idg_id_list accts;
    struct idg_grant_res res;
    bool ok = false;
    if (idg_account_ids(kind == IDG_SRC_GID, &accts) < 0 ||
        idg_grant_plan(t.f.buf, t.f.len, &accts, &rq, &res) < 0) {
        say("out of memory");
    } else if (res.bad_line) {
        say("%s:%u: %s; not granting", t.path, res.bad_line, idg_line_status_str(res.bad));
    } else if (res.st != IDG_ALLOC_OK) {
        say("no free range of %lu ids at or above %lu for %s", range->count, range->start,
            range->owner);
    } else if (res.reused) {
        range->start = res.got.start;
        range->count = res.got.count;
        ok = true;
    } else {
        struct iovec iov[3];
        int n = idg_subid_file_append_iov(&t.f, res.line, (size_t)res.line_len, iov);
        struct idg_txn_error e;
        ok = idg_txn_write(&t, iov, n, &e) == 0;
        if (!ok)
            txn_failed(t.path, &e);
        else
            range->start = res.got.start;
    }
    idg_id_list_free(&accts);
    edit_end(pwlock, &t);
    return ok;
}

API bool subid_grant_uid_range(struct subordinate_range *range, bool reuse)
{
    pthread_mutex_lock(&api_lock);
    bool ok = grant(range, reuse, IDG_SRC_UID);
    pthread_mutex_unlock(&api_lock);
    return ok;
}

API bool subid_grant_gid_range(struct subordinate_range *range, bool reuse)
{
    pthread_mutex_lock(&api_lock);
    bool ok = grant(range, reuse, IDG_SRC_GID);
    pthread_mutex_unlock(&api_lock);
    return ok;
}

/* Append "owner:start:count\n" for what is left of a cut line. */
static int keep_piece(char **buf, size_t *len, const struct idg_entry *e, uint64_t first,
                      uint64_t last)
{
    if (first > last)
        return 0;
    char owner[IDG_NAME_MAX], line[IDG_NAME_MAX + 32];
    if (e->owner_len >= sizeof(owner))
        return -EINVAL;
    memcpy(owner, e->owner, e->owner_len);
    owner[e->owner_len] = '\0';
    int n = idg_entry_format(line, sizeof(line), owner,
                             (struct idg_range){(uint32_t)first, (uint32_t)(last - first + 1)});
    if (n < 0)
        return n;
    char *nb = realloc(*buf, *len + (size_t)n);
    if (!nb)
        return -ENOMEM;
    memcpy(nb + *len, line, (size_t)n);
    *buf = nb;
    *len += (size_t)n;
    return 0;
}

static bool ungrant(struct subordinate_range *range, enum idg_src_kind kind)
{
    if (!range || !range->owner || !*range->owner || range->count == 0 ||
        range->start > IDG_ID_MAX || range->count > IDG_COUNT_MAX ||
        idg_range_check((uint32_t)range->start, (uint32_t)range->count) < 0)
        return false;
    struct idg_range cut = {(uint32_t)range->start, (uint32_t)range->count};
    struct idg_account a;
    struct idg_owner o;
    owner_for(range->owner, &a, &o);
    int pwlock;
    struct idg_txn t;
    if (edit_begin(kind, true, &pwlock, &t) < 0)
        return false;
    bool ok = false;
    bool *drop = calloc(t.f.n ? t.f.n : 1, sizeof(*drop));
    char *kept = NULL, *data = NULL;
    size_t kept_len = 0, n_drop = 0;
    int rc = drop ? 0 : -ENOMEM;
    if (t.f.n_bad) {
        say("%s:%u: %s; not editing", t.path, t.f.bad[0].lineno,
            idg_line_status_str(t.f.bad[0].st));
        goto out;
    }
    /* Lines wholly inside go; lines partly inside keep what lies outside. */
    for (size_t i = 0; rc == 0 && i < t.f.n; i++) {
        const struct idg_entry *e = &t.f.v[i].e;
        if (!idg_subid_file_owned(&t.f, i, &o) || !idg_range_overlaps(e->range, cut))
            continue;
        drop[i] = true;
        n_drop++;
        if (e->range.start < cut.start)
            rc = keep_piece(&kept, &kept_len, e, e->range.start, cut.start - 1);
        if (rc == 0 && idg_range_last(e->range) > idg_range_last(cut))
            rc = keep_piece(&kept, &kept_len, e, (uint64_t)idg_range_last(cut) + 1,
                            idg_range_last(e->range));
    }
    if (rc < 0) {
        say("cannot cut the ranges of %s: %s", range->owner, strerror(-rc));
        goto out;
    }
    ok = true;
    if (n_drop) {
        size_t len;
        struct idg_txn_error e;
        if (idg_subid_file_edit(&t.f, drop, kept, kept_len, &data, &len) < 0) {
            say("out of memory");
            ok = false;
        } else if (idg_txn_write(&t, &(struct iovec){data, len}, 1, &e) < 0) {
            txn_failed(t.path, &e);
            ok = false;
        }
    }
out:
    free(data);
    free(kept);
    free(drop);
    edit_end(pwlock, &t);
    return ok;
}

API bool subid_ungrant_uid_range(struct subordinate_range *range)
{
    pthread_mutex_lock(&api_lock);
    bool ok = ungrant(range, IDG_SRC_UID);
    pthread_mutex_unlock(&api_lock);
    return ok;
}

API bool subid_ungrant_gid_range(struct subordinate_range *range)
{
    pthread_mutex_lock(&api_lock);
    bool ok = ungrant(range, IDG_SRC_GID);
    pthread_mutex_unlock(&api_lock);
    return ok;
}
