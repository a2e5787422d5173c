/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adding and removing ranges. The rules this file keeps:
 *  - shadow's locks are held from before the files are read until after
 *    they are replaced: .pwd.lock first (as lckpwdf), then <file>.lock;
 *  - both files are read and every decision made before either is written:
 *    bad input changes nothing;
 *  - a file with a malformed line is not edited: the line might have been
 *    meant to hold a range we would then give away twice;
 *  - writes go through idg_replace_file: old or new version, never torn.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "alloc.h"
#include "atomic.h"
#include "config.h"
#include "lockfile.h"
#include "number.h"
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

void sa_describe_entry(char *buf, size_t len, const struct idg_subid_file *f, const char *path,
                       uint32_t line)
{
    size_t lo = 0, hi = f->n; /* entries are in line order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->v[mid].lineno < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == f->n || f->v[lo].lineno != line) {
        snprintf(buf, len, "line %u of %s", line, path ? path : "the file");
        return;
    }
    const struct idg_file_entry *e = &f->v[lo];
    char r[IDG_RANGE_STRLEN];
    idg_range_format(r, sizeof(r), e->e.range);
    if (path)
        snprintf(buf, len, "%.*s's %s (%s:%u)", (int)e->e.owner_len, e->e.owner, r, path, line);
    else
        snprintf(buf, len, "%.*s's %s", (int)e->e.owner_len, e->e.owner, r);
}

static void describe_taken(char *buf, size_t len, const struct idg_taken *t,
                           const struct idg_subid_file *f, int kind,
                           const struct idg_logindefs *defs)
{
    const struct idg_pool *p = &defs->pool[kind];
    switch (t->kind) {
    case IDG_TAKEN_RANGE:
        sa_describe_entry(buf, len, f, sa_kind_path(kind), t->line);
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
    bool locked;
    struct idg_subid_file f;
    bool *drop; /* --remove: the entries to leave out */
    size_t n_drop;
    char add[IDG_NAME_MAX + 32]; /* the new line, if any */
    int add_len;
    bool has;                 /* an entry already serves the request: */
    struct idg_scan_hit have; /* this one */
};

static void plan_free(struct plan *p)
{
    if (p->locked)
        idg_filelock_release(p->path);
    idg_subid_file_free(&p->f);
    free(p->drop);
}

static int lock_file(struct plan *p)
{
    pid_t holder = 0;
    int rc = idg_filelock_acquire(p->path, SA_LOCK_TIMEOUT_MS, &holder);
    if (rc == 0) {
        p->locked = true;
        return 0;
    }
    if (rc == -EBUSY)
        warnx("%s is locked by process %ld (%s.lock) and stayed locked for %u s; nothing was "
              "changed; try again when that tool is done",
              p->path, (long)holder, p->path, SA_LOCK_TIMEOUT_MS / 1000);
    else if (rc == -EINVAL)
        warnx("%s.lock holds no process id, so no one can tell whether it is in use; nothing "
              "was changed; if no tool is editing %s, remove it: rm %s.lock",
              p->path, p->path, p->path);
    else
        warnx("cannot lock %s: %s; nothing was changed", p->path, strerror(-rc));
    return -1;
}

static void refuse_bad_line(const struct plan *p, uint32_t line, enum idg_line_status st)
{
    warnx("%s:%u: %s; nothing was changed, as that line may be meant to hold a range; fix or "
          "remove it (subid-add --check lists every problem)",
          p->path, line, idg_line_status_str(st));
}

/* parse: the whole model (for --remove); else the bytes only, which
 * idg_add_scan reads in one pass. */
static int load_file(struct plan *p, bool parse)
{
    struct idg_file_problem pb;
    int rc = parse ? idg_subid_file_load(p->path, 0, &p->f, &pb)
                   : idg_subid_file_read(p->path, 0, &p->f, &pb);
    if (rc == -1) {
        char why[512];
        warnx("%s; nothing was changed", idg_file_problem_str(why, sizeof(why), p->path, &pb));
        return -1;
    }
    if (rc < 0) {
        warnx("cannot read %s: %s; nothing was changed", p->path, strerror(-rc));
        return -1;
    }
    if (p->f.n_bad) {
        refuse_bad_line(p, p->f.bad[0].lineno, p->f.bad[0].st);
        return -1;
    }
    return 0;
}

static void owner_of(const struct sa_opts *o, const struct idg_account *a, bool known,
                     struct idg_owner *ow)
{
    if (known)
        idg_owner_init(ow, a->name, a->uid);
    else
        idg_owner_init_name(ow, o->user);
}

static int plan_remove(const struct sa_opts *o, const struct idg_owner *ow, struct plan *p)
{
    p->drop = calloc(p->f.n ? p->f.n : 1, sizeof(bool));
    if (!p->drop) {
        warnx("out of memory; nothing was changed");
        return -1;
    }
    for (size_t i = 0; i < p->f.n; i++) {
        if (!idg_subid_file_owned(&p->f, i, ow))
            continue;
        struct idg_range r = p->f.v[i].e.range;
        if (o->range_set && !idg_range_contains(o->range, r)) {
            if (!idg_range_overlaps(o->range, r))
                continue;
            char d[512], want[IDG_RANGE_STRLEN];
            sa_describe_entry(d, sizeof(d), &p->f, p->path, p->f.v[i].lineno);
            idg_range_format(want, sizeof(want), o->range);
            warnx("%s is only partly inside %s, and lines are removed whole; nothing was "
                  "changed; give a --range that covers it",
                  d, want);
            return -1;
        }
        p->drop[i] = true;
        p->n_drop++;
    }
    return 0;
}

/* "bob's 100000-165535 (/etc/subuid:4)" for an entry met by the scan. */
static void describe_hit(char *buf, size_t len, const struct idg_scan_hit *h, const char *path)
{
    char r[IDG_RANGE_STRLEN];
    idg_range_format(r, sizeof(r), h->e.range);
    snprintf(buf, len, "%.*s's %s (%s:%u)", (int)h->e.owner_len, h->e.owner, r, path, h->lineno);
}

static int plan_add(const struct sa_opts *o, const struct idg_account *a,
                    const struct idg_owner *ow, const struct idg_logindefs *defs, struct plan *p)
{
    const struct idg_pool *pool = &defs->pool[p->kind];
    uint32_t count = o->range_set ? o->range.count : o->count ? o->count : pool->count;
    bool det = !o->range_set && (o->deterministic || pool->deterministic);

    /* What is taken besides the file: account ids and the ids up to UID_MAX. */
    struct idg_id_list accts;
    if (idg_account_ids(p->kind, &accts) < 0) {
        warnx("out of memory reading the %s database; nothing was changed",
              p->kind ? "group" : "passwd");
        return -1;
    }
    struct idg_subid_file none = {0};
    struct idg_taken_set extra;
    if (idg_taken_build(&extra, &none, &accts, pool) < 0) {
        idg_id_list_free(&accts);
        warnx("out of memory; nothing was changed");
        return -1;
    }

    /* The range to check, when it is not searched for. */
    const struct idg_taken *conflict = NULL;
    struct idg_range got = {0};
    enum idg_alloc_status st = IDG_ALLOC_OK;
    if (o->range_set) {
        got = o->range;
        conflict = idg_taken_conflict(&extra, got);
    } else if (det) {
        st = idg_alloc_deterministic(&extra, pool, a->uid, count, &got, &conflict);
        if (st == IDG_ALLOC_COLLIDES || st == IDG_ALLOC_OUTSIDE) {
            uint64_t s = pool->min + (uint64_t)(a->uid - pool->acct_min) * count;
            got = (struct idg_range){.start = s > IDG_ID_MAX ? 0 : (uint32_t)s, .count = count};
        }
    }

    /* One pass over the file: bad lines, what the user has, collisions,
     * and the first fit while the entries come in order. */
    struct idg_add_scan sc = {
        .owner = ow,
        .exact = o->range_set || det,
        .want = got,
        .count = count,
    };
    int ret = -1;
    if (idg_add_scan(p->f.buf, p->f.len, &sc) < 0) {
        warnx("out of memory; nothing was changed");
        goto out;
    }
    char r[IDG_RANGE_STRLEN], d[512];
    const char *w = sa_kind_word(p->kind), *sub = sa_kind_sub(p->kind);
    if (sc.bad_line) {
        refuse_bad_line(p, sc.bad_line, sc.bad);
        goto out;
    }
    if (sc.has) { /* idempotent: what the user has is the answer */
        p->has = true;
        p->have = sc.have;
        ret = 0;
        goto out;
    }
    if (o->range_set || det) {
        if (st == IDG_ALLOC_OK && !conflict && sc.conflict)
            st = IDG_ALLOC_COLLIDES;
        else if (conflict)
            st = IDG_ALLOC_COLLIDES;
    } else {
        struct idg_fit fit;
        idg_fit_init(&fit, &extra, pool->min, pool->max, count);
        for (size_t i = 0; i < sc.n_ranges && !fit.done; i++)
            idg_fit_feed(&fit, sc.ranges[i]);
        st = idg_fit_result(&fit, &got);
    }

    idg_range_format(r, sizeof(r), got);
    switch (st) {
    case IDG_ALLOC_OK:
        /* A login name the line grammar cannot hold (blanks, a leading '#')
         * is written as the uid, which names the same account. */
        p->add_len = idg_entry_format(p->add, sizeof(p->add), a->name, got);
        if (p->add_len < 0) {
            char uid[11];
            uid[idg_format_u32(uid, a->uid)] = '\0';
            p->add_len = idg_entry_format(p->add, sizeof(p->add), uid, got);
        }
        ret = p->add_len < 0 ? -1 : 0;
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
        if (conflict)
            describe_taken(d, sizeof(d), conflict, &p->f, p->kind, defs);
        else
            describe_hit(d, sizeof(d), &sc.hit, p->path);
        warnx("%s%s range %s overlaps %s; nothing was changed; %s",
              det ? "deterministic mode: " : "", w, r, d,
              o->range_set ? "choose another --range, or omit it to get the first free one"
                           : "move the other range, or allocate without deterministic mode");
        break;
    case IDG_ALLOC_BAD_REQUEST:
        warnx("%s_COUNT %u does not fit between %s_MIN and %s_MAX (%s); nothing was changed", sub,
              count, sub, sub, IDG_LOGINDEFS);
        break;
    }
out:
    free(sc.ranges);
    idg_taken_free(&extra);
    idg_id_list_free(&accts);
    return ret;
}

static int apply(const struct sa_opts *o, struct plan *p)
{
    const char *owner = o->user;
    char r[IDG_RANGE_STRLEN];
    if (o->remove) {
        if (p->n_drop == 0) {
            printf("%s: %s has no ranges to remove\n", p->path, owner);
            return 0;
        }
    } else if (p->has) {
        const struct idg_scan_hit *e = &p->have;
        idg_range_format(r, sizeof(r), e->e.range);
        printf("%s:%u: %s already has %.*s (%ss %s); nothing changed\n", p->path, e->lineno, owner,
               (int)e->len, p->f.buf + e->off, sa_kind_word(p->kind), r);
        return 0;
    }
    if (!o->dry_run) {
        struct idg_replace rep = {.uid = 0, .gid = 0, .mode = 0644, .backup = true};
        int rc;
        if (o->remove) {
            char *data;
            size_t len;
            if (idg_subid_file_edit(&p->f, p->drop, NULL, 0, &data, &len) < 0) {
                warnx("out of memory; %s was not changed", p->path);
                return -1;
            }
            rc = idg_replace_file(p->path, data, len, &rep);
            free(data);
        } else {
            struct iovec iov[3];
            int n = idg_subid_file_append_iov(&p->f, p->add, (size_t)p->add_len, iov);
            rc = idg_replace_filev(p->path, iov, n, &rep);
        }
        if (rc < 0) {
            warnx("cannot update %s: %s: %s; %s", p->path, rep.step, strerror(-rc),
                  strcmp(rep.step, "syncing the directory") == 0 ||
                          strcmp(rep.step, "opening the directory to sync it") == 0
                      ? "the new version is in place but may not survive a crash"
                      : "it was not changed");
            return -1;
        }
    }
    const char *verb =
        o->dry_run ? (o->remove ? "would remove" : "would add") : (o->remove ? "removed" : "added");
    if (o->remove) {
        for (size_t i = 0; i < p->f.n; i++)
            if (p->drop[i]) {
                idg_range_format(r, sizeof(r), p->f.v[i].e.range);
                printf("%s:%u: %s %.*s (%ss %s)\n", p->path, p->f.v[i].lineno, verb,
                       (int)p->f.v[i].len, p->f.buf + p->f.v[i].off, sa_kind_word(p->kind), r);
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

int sa_edit(const struct sa_opts *o, const struct idg_logindefs *defs)
{
    struct idg_account a = {0};
    int rc = idg_account_lookup(o->user, &a);
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
    struct plan plans[2] = {{.kind = 0, .path = IDG_SUBUID}, {.kind = 1, .path = IDG_SUBGID}};
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
        if ((!o->dry_run && lock_file(&plans[k]) < 0) || load_file(&plans[k], o->remove) < 0)
            goto out;
        if (o->remove ? plan_remove(o, &ow, &plans[k]) < 0
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
