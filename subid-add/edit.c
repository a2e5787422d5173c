/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adding and removing ranges. The rules this file keeps:
 *  - shadow's locks are held from before the files are read until after
 *    they are replaced: .pwd.lock first (as lckpwdf), then <file>.lock;
 *  - both files are read and every decision made before either is written:
 *    bad input changes nothing;
 *  - a file with a malformed line is not edited: the line might have been
 *    meant to hold a range we would then give away twice;
 *  - writes go through idg_txn_write: old or new version, never torn.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "alloc.h"
#include "grant.h"
#include "config.h"
#include "lockfile.h"
#include "txn.h"
#include "number.h"
#include "sources.h"
#include "subid-add.h"
#include "subid_file.h"

const char *sa_kind_word(int kind)
{
    return kind ? "gid" : "uid";
}

const char *sa_kind_path(int kind)
{
    return kind ? IDG_SUBGID : IDG_SUBUID;
}

const char *sa_kind_sub(int kind)
{
    return kind ? "SUB_GID" : "SUB_UID";
}

const char *sa_kind_acct(int kind)
{
    return kind ? "GID" : "UID";
}

void sa_describe(char *buf, size_t len, const struct idg_entry *e, const char *path, uint32_t line)
{
    char r[IDG_RANGE_STRLEN];
    idg_range_format(r, sizeof(r), e->range);
    const char *what = e->window ? "window " : "", *whose = e->window ? "'s span" : "'s";
    if (path)
        snprintf(buf, len, "%s%.*s%s %s (%s:%u)", what, (int)e->owner_len, e->owner, whose, r, path,
                 line);
    else
        snprintf(buf, len, "%s%.*s%s %s", what, (int)e->owner_len, e->owner, whose, r);
}

/* What a new range collided with besides the file: an account's id, or the
 * ids up to UID_MAX (idg_grant_plan reports file entries as its hit). */
static void describe_taken(char *buf, size_t len, const struct idg_taken *t, int kind,
                           const struct idg_logindefs *defs)
{
    const struct idg_pool *p = &defs->pool[kind];
    switch (t->kind) {
    case IDG_TAKEN_RANGE:
        snprintf(buf, len, "line %u of %s", t->line, sa_kind_path(kind));
        break;
    case IDG_TAKEN_ACCOUNT:
        snprintf(buf, len,
                 "%s %u of %s %s (a range must never hold an account's id: "
                 "CVE-2024-56433)",
                 sa_kind_word(kind), t->range.start, kind ? "group" : "account", t->what);
        break;
    case IDG_TAKEN_POOL:
        snprintf(buf, len,
                 "%ss 0-%u (up to %s_MAX of %s), where system and regular %s get "
                 "their ids",
                 sa_kind_word(kind), p->acct_max, sa_kind_acct(kind), IDG_LOGINDEFS,
                 kind ? "groups" : "accounts");
        break;
    }
}

struct plan {
    int kind;
    const char *path;
    struct idg_txn t;            /* t.fd: the file, read in chunks */
    struct idg_chunks_read rd;   /* what the scan of t.fd read */
    struct idg_owned own;        /* --remove: the owner's lines to remove */
    char add[IDG_NAME_MAX + 32]; /* the new line, if any */
    int add_len;
    bool has;                 /* an entry already serves the request: */
    struct idg_scan_hit have; /* this one */
};

static void plan_free(struct plan *p)
{
    idg_txn_close(&p->t);
    idg_owned_free(&p->own);
    free(p->have.text);
}

/* The refusal for a failed lock, read or write of the file. */
static void refuse_txn(const struct plan *p, const struct idg_txn_error *e)
{
    char why[512];
    switch (e->why) {
    case IDG_TXN_OK:
        break;
    case IDG_TXN_BUSY:
        warnx("%s is locked by process %ld (%s.lock) and stayed locked for %u s; nothing was "
              "changed; try again when that tool is done",
              p->path, (long)e->holder, p->path, SA_LOCK_TIMEOUT_MS / 1000);
        break;
    case IDG_TXN_BAD_LOCK:
        warnx("%s.lock holds no process id, so no one can tell whether it is in use; nothing "
              "was changed; if no tool is editing %s, remove it: rm %s.lock",
              p->path, p->path, p->path);
        break;
    case IDG_TXN_LOCK:
        warnx("cannot lock %s: %s; nothing was changed", p->path, strerror(e->err));
        break;
    case IDG_TXN_UNTRUSTED:
        warnx("%s; nothing was changed", idg_file_problem_str(why, sizeof(why), p->path, &e->pb));
        break;
    case IDG_TXN_CHANGED:
        warnx("%s changed while subid-add read it (a tool that does not take %s.lock wrote "
              "it); nothing was changed; run subid-add again",
              p->path, p->path);
        break;
    case IDG_TXN_WRITE:
        warnx("cannot update %s: %s: %s; %s", p->path, e->step, strerror(e->err),
              strcmp(e->step, "syncing the directory") == 0 ||
                      strcmp(e->step, "opening the directory to sync it") == 0
                  ? "the new version is in place but may not survive a crash"
                  : "it was not changed");
        break;
    }
}

/* A scan of the file that failed (-rc: ENOMEM or what read() said). */
static void refuse_scan(const struct plan *p, int rc)
{
    if (rc == -ENOMEM)
        warnx("out of memory; nothing was changed");
    else
        warnx("cannot read %s: %s; nothing was changed", p->path, strerror(-rc));
}

static void refuse_bad_line(const struct plan *p, uint32_t line, enum idg_line_status st)
{
    warnx("%s:%u: %s; nothing was changed, as that line may be meant to hold a range; fix or "
          "remove it (subid-add --check lists every problem)",
          p->path, line, idg_line_status_str(st));
}

/* Lock (unless a dry run) and open: the plan's scan reads the file in
 * chunks (memory does not grow with the file). */
static int open_file(const struct sa_opts *o, struct plan *p)
{
    struct idg_txn_error e;
    if (idg_txn_open(&p->t, p->path, !o->dry_run, SA_LOCK_TIMEOUT_MS, &e) < 0) {
        refuse_txn(p, &e);
        return -1;
    }
    return 0;
}

/* Decide rq over the file as read, with the account ids of its kind; they
 * stay in *accts (freed by the caller) while a message may name one. */
static int decide(struct plan *p, const struct idg_grant_req *rq, struct idg_id_list *accts,
                  struct idg_grant_res *res)
{
    if (idg_account_ids(p->kind, accts) < 0) {
        warnx("out of memory; nothing was changed");
        return -1;
    }
    int rc = idg_grant_plan_fd(p->t.fd, &p->rd, accts, rq, res);
    if (rc < 0) {
        idg_id_list_free(accts);
        refuse_scan(p, rc);
        return -1;
    }
    return 0;
}

/* What a refused range collided with: a line, an account's id or the ids
 * up to UID_MAX. */
static void describe_collision(char *buf, size_t len, const struct plan *p,
                               const struct idg_grant_res *res, const struct idg_logindefs *defs)
{
    if (res->conflict_taken)
        describe_taken(buf, len, &res->conflict, p->kind, defs);
    else
        sa_describe(buf, len, &res->hit.e, p->path, res->hit.lineno);
}

static void owner_of(const struct sa_opts *o, const struct idg_account *a, bool known,
                     struct idg_owner *ow)
{
    if (known)
        idg_owner_init(ow, a->name, a->uid);
    else
        idg_owner_init_name(ow, o->user);
}

/* The owner's lines, then only those to remove (all, or inside --range);
 * a line only partly inside is refused. */
static int plan_remove(const struct sa_opts *o, const struct idg_owner *ow, struct plan *p)
{
    p->own = (struct idg_owned){.owner = ow};
    int rc = idg_owned_scan_fd(p->t.fd, IDG_READ_CHUNK, &p->own, &p->rd);
    if (rc < 0) {
        refuse_scan(p, rc);
        return -1;
    }
    if (p->own.bad_line) {
        refuse_bad_line(p, p->own.bad_line, p->own.bad);
        return -1;
    }
    if (!o->range_set)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < p->own.n; i++) {
        struct idg_owned_line *l = &p->own.v[i];
        if (!idg_range_contains(o->range, l->e.range) && idg_range_overlaps(o->range, l->e.range)) {
            char d[512], want[IDG_RANGE_STRLEN];
            sa_describe(d, sizeof(d), &l->e, p->path, l->lineno);
            idg_range_format(want, sizeof(want), o->range);
            warnx("%s is only partly inside %s, and lines are removed whole; nothing was "
                  "changed; give a --range that covers it",
                  d, want);
            return -1;
        }
    }
    for (size_t i = 0; i < p->own.n; i++) { /* keep the lines inside */
        if (idg_range_contains(o->range, p->own.v[i].e.range))
            p->own.v[k++] = p->own.v[i];
        else
            free(p->own.v[i].text);
    }
    p->own.n = k;
    return 0;
}

/* The file without the lines to drop, copied from the open file. */
static int write_removal(struct plan *p, struct idg_txn_error *e)
{
    struct idg_cut *cuts = reallocarray(NULL, p->own.n ? p->own.n : 1, sizeof(*cuts));
    if (!cuts) {
        *e = (struct idg_txn_error){.why = IDG_TXN_WRITE, .err = ENOMEM, .step = "planning"};
        return -1;
    }
    for (size_t i = 0; i < p->own.n; i++)
        cuts[i] = (struct idg_cut){p->own.v[i].off, p->own.v[i].len, NULL};
    int rc = idg_txn_write(&p->t, &p->rd, cuts, p->own.n, NULL, 0, e);
    free(cuts);
    return rc;
}

static int plan_add(const struct sa_opts *o, const struct idg_account *a,
                    const struct idg_owner *ow, const struct idg_logindefs *defs, struct plan *p)
{
    const struct idg_pool *pool = &defs->pool[p->kind];
    bool det = !o->range_set && (o->deterministic || pool->deterministic);
    struct idg_grant_req rq = {
        .owner = ow,
        .name = a->name,
        .has_uid = true,
        .uid = a->uid,
        .mode = o->range_set ? IDG_GRANT_EXACT
                : det        ? IDG_GRANT_DETERMINISTIC
                             : IDG_GRANT_FIRST_FIT,
        .want = o->range,
        .count = o->count ? o->count : pool->count,
        .min = pool->min,
        .max = pool->max,
        .reuse = true, /* idempotent: what the user has is the answer */
        .pool = pool,
    };
    struct idg_id_list accts;
    struct idg_grant_res res;
    if (decide(p, &rq, &accts, &res) < 0)
        return -1;
    char r[IDG_RANGE_STRLEN], d[512];
    const char *w = sa_kind_word(p->kind), *sub = sa_kind_sub(p->kind);
    uint32_t count = o->range_set ? o->range.count : rq.count;
    int ret = -1;
    idg_range_format(r, sizeof(r), res.got);
    if (res.bad_line) {
        refuse_bad_line(p, res.bad_line, res.bad);
        goto out;
    }
    switch (res.st) {
    case IDG_ALLOC_OK:
        p->has = res.reused;
        p->have = res.have; /* with its copy of the line, if any */
        res.have.text = NULL;
        memcpy(p->add, res.line, sizeof(p->add));
        p->add_len = res.line_len;
        ret = 0;
        break;
    case IDG_ALLOC_EXHAUSTED:
        warnx("no free %s range of %u ids is left between %s_MIN %u and %s_MAX %u (%s); nothing "
              "was changed; raise %s_MAX, or free ranges with subid-add --remove",
              w, count, sub, pool->min, sub, pool->max, IDG_LOGINDEFS, sub);
        break;
    case IDG_ALLOC_BELOW_ACCT:
        warnx("deterministic mode: %s's uid %u is below %s_MIN %u, so it has no slot; nothing "
              "was changed; give it a --range instead",
              a->name, a->uid, sa_kind_acct(0), pool->acct_min);
        break;
    case IDG_ALLOC_OUTSIDE:
        warnx("deterministic mode: the slot of uid %u (%u ids from %s_MIN %u) passes %s_MAX %u; "
              "nothing was changed; raise %s_MAX or lower %s_COUNT",
              a->uid, count, sub, pool->min, sub, pool->max, sub, sub);
        break;
    case IDG_ALLOC_COLLIDES:
        describe_collision(d, sizeof(d), p, &res, defs);
        warnx("%s%s range %s overlaps %s; nothing was changed; %s",
              det ? "deterministic mode: " : "", w, r, d,
              o->range_set ? "choose another --range, or omit it to get the first free one"
                           : "move the other range, or allocate without deterministic mode");
        break;
    case IDG_ALLOC_BAD_REQUEST:
        warnx("a range of %u ids (%s) does not fit between %s_MIN %u and %s_MAX %u (%s); "
              "nothing was changed; ask for fewer ids with --count",
              count,
              o->count  ? "--count"
              : p->kind ? "SUB_GID_COUNT"
                        : "SUB_UID_COUNT",
              sub, pool->min, sub, pool->max, IDG_LOGINDEFS);
        break;
    }
out:
    idg_grant_res_free(&res);
    idg_id_list_free(&accts);
    return ret;
}

/* Looking for a window line equal to *want, chunk by chunk. */
struct same_window {
    const struct idg_entry *want;
    uint32_t lines;
    struct idg_scan_hit hit; /* found: with a copy of the line */
};

static int same_window_chunk(void *arg, const char *chunk, size_t len, size_t base)
{
    struct same_window *w = arg;
    const struct idg_entry *e = w->want;
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, chunk, len);
    while (idg_lines_next(&it, &line, &n)) {
        w->lines++;
        struct idg_entry f;
        if (idg_parse_line(line, n, &f) != IDG_LINE_ENTRY || !f.window || f.first != e->first ||
            f.last != e->last || f.range.start != e->range.start || f.per != e->per)
            continue;
        char *text = idg_line_keep(line, n, &f);
        if (!text)
            return -ENOMEM;
        w->hit = (struct idg_scan_hit){w->lines, base + (size_t)(line - chunk), n, f, text};
        return 1; /* found: stop reading */
    }
    return 0;
}

/*
 * --window: the line "FIRST-LAST:START:COUNT", its span checked as an exact
 * range is (no other owner's range or window, no account's id, nothing up
 * to UID_MAX); the same window already there is the answer.
 */
static int plan_window(const struct sa_opts *o, const struct idg_logindefs *defs, struct plan *p)
{
    const struct idg_pool *pool = &defs->pool[p->kind];
    uint32_t first = o->window.start, last = idg_range_last(o->window);
    uint32_t count = o->count ? o->count : pool->count;
    char owner[32];
    snprintf(owner, sizeof(owner), "%u-%u", first, last);
    int n = snprintf(p->add, sizeof(p->add), "%s:%u:%u\n", owner, o->start, count);
    struct idg_entry e;
    enum idg_line_status st = idg_parse_line(p->add, (size_t)n - 1, &e);
    if (st != IDG_LINE_ENTRY) {
        warnx("window %s with %u ids per uid from %u: %s; nothing was changed", owner, count,
              o->start, idg_line_status_str(st));
        return -1;
    }
    /* The same window line already there is the answer. */
    struct same_window w = {.want = &e};
    struct idg_chunks_read rd;
    int rc =
        idg_read_chunks(p->t.fd, IDG_READ_CHUNK, IDG_SUBID_FILE_MAX, same_window_chunk, &w, &rd);
    if (rc < 0) {
        refuse_scan(p, rc);
        return -1;
    }
    if (rc > 0) {
        p->has = true;
        p->have = w.hit;
        return 0;
    }
    struct idg_owner none; /* a window is nobody's by name */
    idg_owner_init_name(&none, owner);
    struct idg_grant_req rq = {
        .owner = &none,
        .name = owner,
        .mode = IDG_GRANT_EXACT,
        .want = e.range,
        .pool = pool,
        .decide_only = true,
    };
    struct idg_id_list accts;
    struct idg_grant_res res;
    if (decide(p, &rq, &accts, &res) < 0)
        return -1;
    if (res.bad_line || res.st == IDG_ALLOC_OK) {
        idg_grant_res_free(&res);
        idg_id_list_free(&accts);
        if (res.bad_line) {
            refuse_bad_line(p, res.bad_line, res.bad);
            return -1;
        }
        p->add_len = n;
        return 0;
    }
    /* The conflict may name an account: describe it before accts goes. */
    char r[IDG_RANGE_STRLEN], d[512];
    idg_range_format(r, sizeof(r), e.range);
    describe_collision(d, sizeof(d), p, &res, defs);
    idg_grant_res_free(&res);
    idg_id_list_free(&accts);
    warnx("window %s's span %s (%u ids for each of %u uids) overlaps %s; nothing was changed; "
          "choose another --start, above every range and %s_MAX",
          owner, r, count, last - first + 1, d, sa_kind_acct(p->kind));
    return -1;
}

static int apply(const struct sa_opts *o, struct plan *p)
{
    const char *owner = o->user;
    char r[IDG_RANGE_STRLEN];
    if (o->remove) {
        if (p->own.n == 0) {
            printf("%s: %s has no ranges to remove\n", p->path, owner);
            return 0;
        }
    } else if (p->has) {
        const struct idg_scan_hit *e = &p->have;
        idg_range_format(r, sizeof(r), e->e.range);
        if (o->window_set)
            printf("%s:%u: the window is there already: %.*s (%ss %s); nothing changed\n", p->path,
                   e->lineno, (int)e->len, e->text, sa_kind_word(p->kind), r);
        else
            printf("%s:%u: %s already has %.*s (%ss %s%s); nothing changed\n", p->path, e->lineno,
                   owner, (int)e->len, e->text, sa_kind_word(p->kind), r,
                   e->e.window ? ", its slot of the window" : "");
        return 0;
    }
    if (!o->dry_run) {
        struct idg_txn_error e;
        int rc;
        if (o->remove) {
            rc = write_removal(p, &e);
        } else { /* the file as scanned, then the new line */
            rc = idg_txn_write(&p->t, &p->rd, NULL, 0, p->add, (size_t)p->add_len, &e);
        }
        if (rc < 0) {
            refuse_txn(p, &e);
            return -1;
        }
    }
    const char *verb =
        o->dry_run ? (o->remove ? "would remove" : "would add") : (o->remove ? "removed" : "added");
    if (o->remove) {
        for (size_t i = 0; i < p->own.n; i++) {
            const struct idg_owned_line *l = &p->own.v[i];
            idg_range_format(r, sizeof(r), l->e.range);
            printf("%s:%u: %s %s (%ss %s)\n", p->path, l->lineno, verb, l->text,
                   sa_kind_word(p->kind), r);
        }
    } else {
        struct idg_entry e;
        idg_parse_line(p->add, (size_t)p->add_len - 1, &e);
        idg_range_format(r, sizeof(r), e.range);
        printf("%s: %s %.*s (%ss %s)\n", p->path, verb, p->add_len - 1, p->add,
               sa_kind_word(p->kind), r);
    }
    return 0;
}

/*
 * subid-add edits the files; the subid: line of nsswitch.conf says whether
 * they count. Without "files" there, a range added would grant nothing.
 */
static int check_sources(void)
{
    struct idg_nss_sources names;
    struct idg_sources_error err;
    if (idg_sources_names(IDG_NSSWITCH, 0, &names, NULL, &err) < 0) {
        warnx("%s; nothing was changed", err.why);
        return -1;
    }
    if (!idg_nss_has(&names, "files")) {
        warnx("the subid: line of %s does not name files, so ranges in %s and %s grant nothing "
              "here; nothing was changed; allot them in the service it names (%s), or add files "
              "to that line",
              IDG_NSSWITCH, IDG_SUBUID, IDG_SUBGID, names.name[0]);
        return -1;
    }
    for (size_t i = 0; i < names.n; i++)
        if (strcmp(names.name[i], "files") != 0)
            warnx("warning: ranges from subid source %s (%s) cannot be listed, so new ranges "
                  "are not checked against them",
                  names.name[i], IDG_NSSWITCH);
    return 0;
}

int sa_edit(const struct sa_opts *o, const struct idg_logindefs *defs)
{
    if (check_sources() < 0)
        return 1;
    struct idg_account a = {0};
    int rc = o->window_set ? 0 : idg_account_lookup(o->user, &a);
    bool known = rc == 0;
    if (rc == -ENOENT && !o->remove) {
        warnx("no user named %s in the passwd database; nothing was changed; create the account "
              "first, or check the name with: getent passwd %s",
              o->user, o->user);
        return 1;
    }
    if (rc < 0 && rc != -ENOENT) {
        warnx("cannot look up %s in the passwd database: %s; nothing was changed", o->user,
              strerror(-rc));
        return 1;
    }
    struct idg_owner ow;
    owner_of(o, &a, known, &ow);

    int pwlock = -1, status = 1;
    struct plan plans[2] = {{.kind = 0, .path = IDG_SUBUID, .t.fd = -1},
                            {.kind = 1, .path = IDG_SUBGID, .t.fd = -1}};
    if (!o->dry_run) {
        pwlock = idg_pwdlock_acquire(IDG_PWDLOCK, SA_LOCK_TIMEOUT_MS);
        if (pwlock < 0) {
            if (pwlock == -ETIMEDOUT)
                warnx("%s stayed locked by another tool (useradd, usermod, vipw...) for %u s; "
                      "nothing was changed; try again when it is done",
                      IDG_PWDLOCK, SA_LOCK_TIMEOUT_MS / 1000);
            else
                warnx("cannot lock %s: %s; nothing was changed", IDG_PWDLOCK, strerror(-pwlock));
            return 1;
        }
    }
    for (int k = 0; k < 2; k++) {
        if (!o->kind[k])
            continue;
        if (open_file(o, &plans[k]) < 0)
            goto out;
        if (o->window_set ? plan_window(o, defs, &plans[k]) < 0
            : o->remove   ? plan_remove(o, &ow, &plans[k]) < 0
                          : plan_add(o, &a, &ow, defs, &plans[k]) < 0)
            goto out;
    }
    status = 0;
    for (int k = 0; k < 2; k++)
        if (o->kind[k] && apply(o, &plans[k]) < 0)
            status = 1;
out:
    for (int k = 1; k >= 0; k--)
        plan_free(&plans[k]);
    idg_pwdlock_release(pwlock);
    return status;
}
