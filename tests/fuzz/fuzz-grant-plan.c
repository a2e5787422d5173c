/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential: idg_grant_plan() (grant.h) against a model written from
 * grant.h, alloc.h, logindefs.h and subid-add(8), over a subid file, a
 * login.defs, account ids and a request, all decoded from the input:
 *  - a file with a malformed line: BAD_REQUEST naming its first one;
 *  - an owned entry that serves the request (first fit with reuse: at
 *    least COUNT ids; an exact range or the deterministic slot: equal to
 *    it) is the answer, reused; a window is owned by its uids alone and
 *    gives each its slot, which is then the answer;
 *  - a window's whole span is taken for everyone, its own uids too;
 *  - first fit: the lowest start in [min, max] whose COUNT ids overlap no
 *    entry of any owner, no account id and nothing up to UID_MAX, found by
 *    trying every start that can be lowest (min, and one past each taken
 *    interval) and, when [min, max] is small, id by id as well; EXHAUSTED
 *    exactly when neither finds one; BAD_REQUEST for a COUNT that cannot fit;
 *  - exact and deterministic: the range is never moved; COLLIDES with the
 *    lowest account id or reserved interval it overlaps, else with the first
 *    entry in file order it overlaps; deterministic also BAD_REQUEST,
 *    BELOW_ACCT and OUTSIDE (with the slot, 0+0 when it passes the id
 *    space: then no entry is the slot, not even one at 0 of its size);
 *  - a new range is also checked directly: inside [min, max] for first fit,
 *    above UID_MAX, over no entry and no account id;
 *  - the new line is "name:start:count\n" when that line reads back as the
 *    name's entry (an entry of that owner field and range, and no window:
 *    a window is no name's), else the uid's when the owner has one, else
 *    BAD_REQUEST with line_len < 0; either way the line is the owner's;
 *  - the file's bytes, the account list, the request and the pool are left
 *    as they were.
 * The login.defs text is built from valid values: idg_logindefs_parse must
 * take it and give those values back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "alloc.h"
#include "grant.h"
#include "logindefs.h"
#include "subid-model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_ACCTS 12
#define BRUTE_SPAN 16384u /* [min, max] at most this wide is also tried id by id */

/* What a new range must avoid (alloc.h), as [start, end) in 64 bits. */
struct taken {
    uint64_t start, end;
};

struct world {
    const char *buf;
    const struct m_file *f;
    const struct idg_id_list *accts;
    const struct idg_pool *pool;
    struct taken *t; /* the file's entries, account ids, 0..acct_max */
    size_t n;
};

static bool free_at(const struct world *w, uint64_t s, uint64_t count)
{
    for (size_t i = 0; i < w->n; i++)
        if (m_meet(s, s + count, w->t[i].start, w->t[i].end))
            return false;
    return true;
}

/* The lowest free start is min or one past a taken interval: if s > min
 * fits, s - 1 does not, so s - 1 is taken and s is past what holds it. */
static bool fit_by_candidates(const struct world *w, uint64_t min, uint64_t max, uint64_t count,
                              uint64_t *out)
{
    bool found = false;
    for (size_t i = 0; i <= w->n; i++) {
        uint64_t s = i == w->n ? min : w->t[i].end;
        if (s < min || s + count - 1 > max || (found && s >= *out))
            continue;
        if (free_at(w, s, count)) {
            *out = s;
            found = true;
        }
    }
    return found;
}

/* Id by id over [min, max], which is at most BRUTE_SPAN wide. */
static bool fit_by_ids(const struct world *w, uint64_t min, uint64_t max, uint64_t count,
                       uint64_t *out)
{
    static bool busy[BRUTE_SPAN];
    memset(busy, 0, max - min + 1);
    for (size_t i = 0; i < w->n; i++) {
        uint64_t lo = w->t[i].start > min ? w->t[i].start : min;
        uint64_t hi = w->t[i].end < max + 1 ? w->t[i].end : max + 1;
        for (uint64_t id = lo; id < hi; id++)
            busy[id - min] = true;
    }
    uint64_t run = 0;
    for (uint64_t id = min; id <= max; id++) {
        run = busy[id - min] ? 0 : run + 1;
        if (run == count) {
            *out = id + 1 - count;
            return true;
        }
    }
    return false;
}

/* The taken interval with the lowest start that overlaps [s, s + count). */
static const struct taken *lowest_extra(const struct world *w, uint64_t s, uint64_t count)
{
    const struct taken *best = NULL;
    for (size_t i = w->f->n; i < w->n; i++) /* past the file's entries */
        if (m_meet(s, s + count, w->t[i].start, w->t[i].end) &&
            (!best || w->t[i].start < best->start))
            best = &w->t[i];
    return best;
}

static const struct m_line *first_entry_over(const struct world *w, uint64_t s, uint64_t count)
{
    for (size_t i = 0; i < w->f->n; i++)
        if (m_meet(s, s + count, w->f->v[i].start, w->f->v[i].end))
            return &w->f->v[i];
    return NULL;
}

/* COLLIDES with an account or the reserved ids, as the code reports it. */
static void check_conflict(const struct world *w, const struct idg_grant_res *res,
                           const struct taken *lowest, uint64_t s, uint64_t count)
{
    const struct idg_taken *c = &res->conflict;
    uint64_t cs = c->range.start, ce = cs + c->range.count;
    if (!res->conflict_taken || cs != lowest->start || !m_meet(s, s + count, cs, ce))
        __builtin_trap();
    if (c->kind == IDG_TAKEN_POOL) {
        if (cs != 0 || ce != (uint64_t)w->pool->acct_max + 1)
            __builtin_trap();
    } else if (c->kind == IDG_TAKEN_ACCOUNT) {
        bool named = false;
        for (size_t i = 0; i < w->accts->n; i++)
            named |=
                w->accts->v[i].id == cs && c->what && strcmp(c->what, w->accts->v[i].name) == 0;
        if (c->range.count != 1 || !named)
            __builtin_trap();
    } else {
        __builtin_trap();
    }
}

/* The line for a new range, and whether the owner can be written at all. */
static bool model_line(const struct idg_grant_req *rq, struct idg_range got, char *line,
                       size_t size)
{
    char uid[16];
    snprintf(uid, sizeof(uid), "%u", rq->uid);
    for (int pass = 0; pass < 2; pass++) {
        const char *who = pass == 0 ? rq->name : rq->has_uid ? uid : NULL;
        if (!who)
            continue;
        int n = snprintf(line, size, "%s:%u:%u\n", who, got.start, got.count);
        if (n < 0 || (size_t)n >= size)
            continue;
        struct m_line m;
        size_t wl = strlen(who);
        if (m_classify(line, (size_t)n - 1, &m) == IDG_LINE_ENTRY && !m.window &&
            m.owner_len == wl && m.start == got.start && m.count == got.count)
            return true;
    }
    return false;
}

/* A new range: the rules of alloc.h, checked on it directly. */
static void check_new_range(const struct world *w, const struct idg_grant_req *rq,
                            const struct idg_grant_res *res)
{
    uint64_t s = res->got.start, e = s + res->got.count;
    if (res->got.count == 0 || e > 4294967295u || s <= w->pool->acct_max)
        __builtin_trap();
    if (rq->mode == IDG_GRANT_FIRST_FIT && (s < rq->min || e - 1 > rq->max))
        __builtin_trap();
    for (size_t i = 0; i < w->f->n; i++)
        if (m_meet(s, e, w->f->v[i].start, w->f->v[i].end))
            __builtin_trap();
    for (size_t i = 0; i < w->accts->n; i++)
        if (w->accts->v[i].id >= s && w->accts->v[i].id < e)
            __builtin_trap();
    char line[sizeof(res->line)];
    if (!model_line(rq, res->got, line, sizeof(line))) {
        if (res->st != IDG_ALLOC_BAD_REQUEST || res->line_len >= 0)
            __builtin_trap();
        return;
    }
    if (res->st != IDG_ALLOC_OK || res->line_len != (int)strlen(line) ||
        strcmp(res->line, line) != 0)
        __builtin_trap();
    /* The new line is the owner's, by its text: no window. */
    struct idg_entry e2;
    if (idg_parse_line(res->line, (size_t)res->line_len - 1, &e2) != IDG_LINE_ENTRY || e2.window ||
        !idg_owner_matches(rq->owner, e2.owner, e2.owner_len))
        __builtin_trap();
}

/* What the owner has that serves: count ids at least, or exactly r. */
struct owned {
    const struct m_line *m; /* the first such entry */
    uint64_t start, count;  /* what it gives: its range, or the owner's slot */
};

static bool owned(const struct world *w, const struct idg_grant_req *rq, bool exact, uint64_t s,
                  uint64_t count, struct owned *o)
{
    for (size_t i = 0; i < w->f->n; i++) {
        const struct m_line *m = &w->f->v[i];
        uint64_t gs, gc;
        if (m_owner_range(w->buf, m, rq->name, rq->has_uid, rq->uid, &gs, &gc) &&
            (exact ? gs == s && gc == count : gc >= count)) {
            *o = (struct owned){m, gs, gc};
            return true;
        }
    }
    return false;
}

static void check_reused(const struct world *w, const struct idg_grant_res *res,
                         const struct owned *o)
{
    if (res->st != IDG_ALLOC_OK || !res->reused ||
        !m_same_hit(w->buf, &res->have, o->m, o->start, o->count) || res->got.start != o->start ||
        res->got.count != o->count)
        __builtin_trap();
}

/* An exact range or a deterministic slot that is in the pool: never moved. */
static void check_placed(const struct world *w, const struct idg_grant_req *rq,
                         const struct idg_grant_res *res, uint64_t s, uint64_t count)
{
    if (res->got.start != s || res->got.count != count)
        __builtin_trap();
    const struct taken *x = lowest_extra(w, s, count);
    const struct m_line *m = first_entry_over(w, s, count);
    if (x) {
        if (res->st != IDG_ALLOC_COLLIDES)
            __builtin_trap();
        check_conflict(w, res, x, s, count);
    } else if (m) {
        if (res->st != IDG_ALLOC_COLLIDES || res->conflict_taken ||
            !m_same_hit(w->buf, &res->hit, m, m->start, m->count))
            __builtin_trap();
    } else {
        check_new_range(w, rq, res);
    }
}

static void check(const struct world *w, const struct idg_grant_req *rq,
                  const struct idg_grant_res *res)
{
    if (w->f->bad_line) {
        if (res->bad_line != w->f->bad_line || res->bad != w->f->bad ||
            res->st != IDG_ALLOC_BAD_REQUEST || res->reused)
            __builtin_trap();
        return;
    }
    if (res->bad_line)
        __builtin_trap();
    const struct idg_pool *p = w->pool;
    struct owned m;
    if (rq->mode == IDG_GRANT_FIRST_FIT) {
        /* alloc.h: a max above 4294967294 means 4294967294 */
        uint64_t min = rq->min, max = rq->max < M_ID_MAX ? rq->max : M_ID_MAX;
        uint64_t count = rq->count, at = 0;
        if (rq->reuse && owned(w, rq, false, 0, count, &m)) {
            check_reused(w, res, &m);
            return;
        }
        if (res->reused)
            __builtin_trap();
        if (count == 0 || min > max || count - 1 > max - min) {
            if (res->st != IDG_ALLOC_BAD_REQUEST || res->line_len < 0)
                __builtin_trap();
            return;
        }
        bool found = fit_by_candidates(w, min, max, count, &at);
        uint64_t at2 = 0;
        if (max - min < BRUTE_SPAN &&
            (fit_by_ids(w, min, max, count, &at2) != found || (found && at2 != at)))
            __builtin_trap(); /* the two models disagree */
        if (!found) {
            if (res->st != IDG_ALLOC_EXHAUSTED)
                __builtin_trap();
            return;
        }
        if (res->got.start != at || res->got.count != count)
            __builtin_trap();
        check_new_range(w, rq, res);
    } else if (rq->mode == IDG_GRANT_EXACT) {
        if (owned(w, rq, true, rq->want.start, rq->want.count, &m)) {
            check_reused(w, res, &m);
            return;
        }
        if (res->reused)
            __builtin_trap();
        check_placed(w, rq, res, rq->want.start, rq->want.count);
    } else {
        uint64_t count = rq->count;
        enum idg_alloc_status st = IDG_ALLOC_OK;
        uint64_t s = 0;
        if (count == 0 || p->min > p->max || count - 1 > p->max - p->min) {
            st = IDG_ALLOC_BAD_REQUEST;
        } else if (rq->uid < p->acct_min) {
            st = IDG_ALLOC_BELOW_ACCT;
        } else {
            s = p->min + (uint64_t)(rq->uid - p->acct_min) * count;
            if (s + count - 1 > p->max)
                st = IDG_ALLOC_OUTSIDE;
        }
        /* Only a slot that is a range can be what the owner has. */
        bool slot = st == IDG_ALLOC_OK || (st == IDG_ALLOC_OUTSIDE && s + count - 1 <= M_ID_MAX);
        if (slot && owned(w, rq, true, s, count, &m)) {
            check_reused(w, res, &m);
            return;
        }
        if (res->reused)
            __builtin_trap();
        if (st == IDG_ALLOC_BAD_REQUEST || st == IDG_ALLOC_BELOW_ACCT) {
            if (res->st != st || res->line_len < 0)
                __builtin_trap();
        } else if (st == IDG_ALLOC_OUTSIDE) {
            /* the slot, or 0+0 when it passes the id space (no range) */
            struct idg_range want =
                slot ? (struct idg_range){(uint32_t)s, (uint32_t)count} : (struct idg_range){0, 0};
            if (res->st != st || res->got.start != want.start || res->got.count != want.count)
                __builtin_trap();
        } else {
            check_placed(w, rq, res, s, count);
        }
    }
}

/* Two ids (at most 4294967294) in order. */
static void order_ids(uint32_t *lo, uint32_t *hi)
{
    uint32_t a = *lo < M_ID_MAX ? *lo : M_ID_MAX, b = *hi < M_ID_MAX ? *hi : M_ID_MAX;
    *lo = a < b ? a : b;
    *hi = a < b ? b : a;
}

/* login.defs text for one pool, from values that are valid by construction. */
static bool gen_pool(struct gen *g, int kind, struct idg_pool *want, struct idg_logindefs *defs)
{
    uint32_t min = gen_id(g), max = gen_id(g), count = gen_count(g);
    uint32_t amin = gen_id(g), amax = gen_id(g);
    bool det = take8(&g->in) & 1;
    order_ids(&min, &max);
    if (count == 0)
        count = 1;
    if (count - 1 > max - min)
        count = 1 + (count - 1) % (max - min + 1);
    order_ids(&amin, &amax);
    const char *s = kind ? "SUB_GID" : "SUB_UID", *a = kind ? "GID" : "UID";
    char text[512];
    int n = snprintf(text, sizeof(text),
                     "# generated\n%s_MIN %u\n%s_MAX\t%u\n%s_COUNT %u\n%s_MIN %u\n%s_MAX %u\n"
                     "%s_DETERMINISTIC %s\n",
                     s, min, s, max, s, count, a, amin, a, amax, s, det ? "yes" : "no");
    struct idg_logindefs_error err;
    if (idg_logindefs_parse(text, (size_t)n, defs, &err) != 0)
        return false;
    *want = (struct idg_pool){min, max, count, det, amin, amax};
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gen g = {{data, size}, 0};
    uint32_t flags = take16(&g.in);
    g.base = m_bases[(flags & 3) % M_ARRAY_SIZE(m_bases)];
    int kind = flags >> 2 & 1;
    bool own_defs = flags & 8, clean = flags & 16, last_nl = flags & 32, reuse = flags & 64;
    bool has_uid = flags & 128;

    /* login.defs: shadow's defaults, or one pool from the input. */
    struct idg_logindefs defs;
    idg_logindefs_default(&defs);
    struct idg_pool want_pool;
    if (own_defs) {
        if (!gen_pool(&g, kind, &want_pool, &defs))
            __builtin_trap(); /* valid settings refused */
        const struct idg_pool *got = &defs.pool[kind];
        if (got->min != want_pool.min || got->max != want_pool.max ||
            got->count != want_pool.count || got->deterministic != want_pool.deterministic ||
            got->acct_min != want_pool.acct_min || got->acct_max != want_pool.acct_max)
            __builtin_trap();
    }
    const struct idg_pool *pool = &defs.pool[kind];

    /* Account ids, sorted as idg_account_ids() gives them. */
    struct idg_id_list accts = {0};
    uint32_t n_accts = take8(&g.in) % (N_ACCTS + 1);
    for (uint32_t i = 0; i < n_accts; i++) {
        char nm[16];
        snprintf(nm, sizeof(nm), "acct%u", i);
        if (idg_id_list_add(&accts, gen_id(&g), nm) < 0)
            abort();
    }
    idg_id_list_sort(&accts);

    /* The request. */
    uint32_t mode = take8(&g.in) % 3, pick = take8(&g.in), k = take8(&g.in);
    uint32_t uid = gen_id(&g), a = gen_id(&g), b = gen_id(&g), count = gen_count(&g);
    struct idg_range want = gen_range(&g);

    struct text t = {0};
    put(&t, "", 0); /* allocated even when empty */
    gen_file(&g, clean, last_nl, &t);
    struct m_file f;
    char *buf = m_copy_read(&t, &f);
    size_t len = t.n;
    const struct m_line *ek = f.n ? &f.v[k % f.n] : NULL;

    /* Who: a name (one that cannot be written as an owner now and then, or
     * entry k's owner), with a uid when it is an account. */
    char ek_owner[64], long_name[300];
    m_owner_str(buf, ek, ek_owner, sizeof(ek_owner), "bob");
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[265 + pick % 24] = '\0';
    const char *names[] = {"alice",  "alice",  "bob", "1001", ek_owner,  ek_owner,
                           "al ice", "#alice", "a:b", "",     long_name, NULL};
    const char *name = names[(pick >> 2 & 15) % M_ARRAY_SIZE(names)];
    if (!name)
        has_uid = true;
    switch (pick >> 6) {
    case 0:
        uid = 1001;
        break;
    case 1: /* near the first deterministic slots */
        uid = pool->acct_min + (uid & 63);
        break;
    case 2: /* a uid of entry k's window, its ends often */
        if (ek && ek->window)
            uid = (uint32_t)(ek->first + (uid & 1 ? (uid >> 1 & 1) * (ek->last - ek->first)
                                                  : uid % (ek->last - ek->first + 1)));
        break;
    }
    struct idg_owner o;
    if (has_uid)
        idg_owner_init(&o, name, uid);
    else
        idg_owner_init_name(&o, name);

    struct idg_grant_req rq = {
        .owner = &o,
        .name = name,
        .has_uid = has_uid,
        .uid = uid,
        .mode = mode == 0   ? IDG_GRANT_FIRST_FIT
                : mode == 1 ? IDG_GRANT_EXACT
                            : IDG_GRANT_DETERMINISTIC,
        .want = want,
        .count = pick & 1 ? pool->count : count,
        .reuse = reuse,
        .pool = pool,
    };
    if (ek && (pick & 2)) { /* often what an entry has: a window's slot for uid, or its span */
        uint64_t s = ek->start, c = ek->count;
        if (ek->window && uid >= ek->first && uid <= ek->last && (k & 32) == 0) {
            s = ek->start + (uid - ek->first) * ek->per;
            c = ek->per;
        }
        rq.want = (struct idg_range){(uint32_t)s, (uint32_t)c};
        rq.count = (uint32_t)c;
    }
    switch (k >> 6) { /* first fit: subid-add's pool, the API's [start, max id], or any */
    case 0:
    case 1:
        rq.min = pool->min;
        rq.max = pool->max;
        break;
    case 2:
        rq.min = a;
        rq.max = M_ID_MAX;
        break;
    default:
        rq.min = a;
        rq.max = b;
    }

    /* What the code must leave as it was (memcpy: padding too). */
    struct idg_grant_req rq_before;
    struct idg_owner o_before;
    struct idg_pool pool_before;
    struct idg_id_name acct_before[N_ACCTS];
    char acct_names[N_ACCTS][16];
    memcpy(&rq_before, &rq, sizeof(rq));
    memcpy(&o_before, &o, sizeof(o));
    memcpy(&pool_before, pool, sizeof(*pool));
    if (accts.n)
        memcpy(acct_before, accts.v, accts.n * sizeof(*accts.v));
    for (size_t i = 0; i < accts.n; i++)
        snprintf(acct_names[i], sizeof(acct_names[i]), "%s", accts.v[i].name);

    struct idg_grant_res res;
    memset(&res, 0xa5, sizeof(res));
    if (idg_grant_plan(buf, len, &accts, &rq, &res) < 0)
        abort();

    if (memcmp(buf, t.p, len) != 0 || memcmp(&rq, &rq_before, sizeof(rq)) != 0 ||
        memcmp(&o, &o_before, sizeof(o)) != 0 || memcmp(pool, &pool_before, sizeof(*pool)) != 0 ||
        (accts.n && memcmp(accts.v, acct_before, accts.n * sizeof(*accts.v)) != 0))
        __builtin_trap();
    for (size_t i = 0; i < accts.n; i++)
        if (strcmp(accts.v[i].name, acct_names[i]) != 0)
            __builtin_trap();

    /* What a new range must avoid. */
    struct taken *tk = malloc((f.n + accts.n + 1) * sizeof(*tk));
    if (!tk)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < f.n; i++)
        tk[n++] = (struct taken){f.v[i].start, f.v[i].end};
    for (size_t i = 0; i < accts.n; i++)
        tk[n++] = (struct taken){accts.v[i].id, (uint64_t)accts.v[i].id + 1};
    tk[n++] = (struct taken){0, (uint64_t)pool->acct_max + 1};
    struct world w = {buf, &f, &accts, pool, tk, n};
    check(&w, &rq, &res);

    free(tk);
    idg_id_list_free(&accts);
    free(f.v);
    free(buf);
    free(t.p);
    return 0;
}
