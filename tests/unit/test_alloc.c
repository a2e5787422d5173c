/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alloc.h: the taken set, first fit and deterministic placement of a new
 * subordinate range, at the edges of the pool and of the id space.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "alloc.h"
#include "logindefs.h"
#include "range.h"
#include "subid_file.h"
#include "unit.h"

#define TOP UINT32_C(4294967294) /* the largest id */
#define ALL UINT32_C(4294967295) /* the largest count */

static const char *status_name(enum idg_alloc_status st)
{
    switch (st) {
    case IDG_ALLOC_OK:
        return "OK";
    case IDG_ALLOC_EXHAUSTED:
        return "EXHAUSTED";
    case IDG_ALLOC_BELOW_ACCT:
        return "BELOW_ACCT";
    case IDG_ALLOC_OUTSIDE:
        return "OUTSIDE";
    case IDG_ALLOC_COLLIDES:
        return "COLLIDES";
    case IDG_ALLOC_BAD_REQUEST:
        return "BAD_REQUEST";
    }
    return "?";
}

/* One taken interval of a table. */
struct tk {
    uint32_t start, count;
    enum idg_taken_kind kind;
    const char *what;
    uint32_t line;
};

#define MAX_TAKEN 6

/* The order the table's intervals are added in. */
enum order { IN_ORDER, REVERSED, SHUFFLED, N_ORDERS };

static const char *const order_name[] = {"in order", "reversed", "shuffled"};

static void fill(struct idg_taken_set *s, const struct tk *t, size_t n, enum order o)
{
    static const size_t shuffle[MAX_TAKEN][MAX_TAKEN] = {
        {0}, {1, 0}, {2, 0, 1}, {2, 0, 3, 1}, {3, 0, 4, 1, 2}, {4, 1, 5, 0, 3, 2},
    };
    ck_assert_uint_le(n, MAX_TAKEN);
    for (size_t k = 0; k < n; k++) {
        size_t i = o == IN_ORDER ? k : o == REVERSED ? n - 1 - k : shuffle[n - 1][k];
        struct idg_range r = {t[i].start, t[i].count};
        ck_assert_int_eq(idg_taken_add(s, r, t[i].kind, t[i].what, t[i].line), 0);
    }
    ck_assert_uint_eq(s->n, n);
    idg_taken_sort(s);
}

static size_t n_taken(const struct tk *t)
{
    size_t n = 0;
    while (n < MAX_TAKEN && t[n].count)
        n++;
    return n;
}

/* ------------------------------------------------------------------------ */
/* The taken set */

START_TEST(test_taken_add_in_order)
{
    struct idg_taken_set s = {0};
    static const char *const names[] = {"a", "b", "c"};
    for (uint32_t i = 0; i < 3; i++) {
        struct idg_range r = {100 * (i + 1), 10};
        ck_assert_int_eq(idg_taken_add(&s, r, IDG_TAKEN_RANGE, names[i], i + 1), 0);
    }
    ck_assert_uint_eq(s.n, 3);
    ck_assert_uint_ge(s.cap, 3);
    ck_assert(s.sorted);
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(s.v[i].range.start, 100 * (i + 1));
        ck_assert_uint_eq(s.v[i].range.count, 10);
        ck_assert_int_eq(s.v[i].kind, IDG_TAKEN_RANGE);
        ck_assert_ptr_eq(s.v[i].what, names[i]); /* caller-owned, not copied */
        ck_assert_uint_eq(s.v[i].line, i + 1);
    }
    /* an addition out of order clears `sorted` */
    ck_assert_int_eq(idg_taken_add(&s, (struct idg_range){50, 1}, IDG_TAKEN_ACCOUNT, "d", 0), 0);
    ck_assert(!s.sorted);
    idg_taken_sort(&s);
    ck_assert(s.sorted);
    ck_assert_uint_eq(s.n, 4);
    ck_assert_uint_eq(s.v[0].range.start, 50);
    ck_assert_int_eq(s.v[0].kind, IDG_TAKEN_ACCOUNT);
    ck_assert_str_eq(s.v[0].what, "d");
    ck_assert_uint_eq(s.v[3].range.start, 300);
    ck_assert_str_eq(s.v[3].what, "c");
    ck_assert_uint_eq(s.v[3].line, 3);
    idg_taken_free(&s);
    ck_assert_ptr_null(s.v);
    ck_assert_uint_eq(s.n, 0);
}
END_TEST

/* Sorting orders by start and keeps each entry's name, kind and line with it. */
START_TEST(test_taken_sort)
{
    static const struct tk in[] = {
        {TOP, 1, IDG_TAKEN_ACCOUNT, "top", 0},      {300, 1, IDG_TAKEN_RANGE, "c", 3},
        {0, 10, IDG_TAKEN_RANGE, "zero", 1},        {1000, 59001, IDG_TAKEN_POOL, "pool", 0},
        {2147483648u, 5, IDG_TAKEN_RANGE, "hi", 9}, {200, 50, IDG_TAKEN_ACCOUNT, "b", 0},
    };
    static const uint32_t want_start[] = {0, 200, 300, 1000, 2147483648u, TOP};
    static const char *const want_what[] = {"zero", "b", "c", "pool", "hi", "top"};
    struct idg_taken_set s = {0};
    for (size_t i = 0; i < ARRAY_SIZE(in); i++)
        ck_assert_int_eq(idg_taken_add(&s, (struct idg_range){in[i].start, in[i].count}, in[i].kind,
                                       in[i].what, in[i].line),
                         0);
    idg_taken_sort(&s);
    ck_assert(s.sorted);
    ck_assert_uint_eq(s.n, ARRAY_SIZE(in));
    for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
        ck_assert_uint_eq(s.v[i].range.start, want_start[i]);
        ck_assert_str_eq(s.v[i].what, want_what[i]);
    }
    ck_assert_int_eq(s.v[3].kind, IDG_TAKEN_POOL);
    ck_assert_uint_eq(s.v[3].range.count, 59001);
    ck_assert_uint_eq(s.v[4].line, 9);
    idg_taken_free(&s);
}
END_TEST

START_TEST(test_taken_grows)
{
    struct idg_taken_set s = {0};
    for (uint32_t i = 0; i < 5000; i++)
        ck_assert_int_eq(
            idg_taken_add(&s, (struct idg_range){i * 10, 10}, IDG_TAKEN_RANGE, "x", i + 1), 0);
    ck_assert_uint_eq(s.n, 5000);
    ck_assert(s.sorted);
    for (uint32_t i = 0; i < 5000; i++) {
        ck_assert_uint_eq(s.v[i].range.start, i * 10);
        ck_assert_uint_eq(s.v[i].line, i + 1);
    }
    idg_taken_free(&s);
    ck_assert_ptr_null(s.v);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_uint_eq(s.cap, 0);
}
END_TEST

struct conflict_case {
    struct tk taken[MAX_TAKEN];
    struct idg_range r;
    const char *want; /* the `what` of the expected conflict, NULL for none */
};

static const struct conflict_case conflict_cases[] = {
    {{{0}}, {100000, 65536}, NULL},
    {{{100000, 65536, IDG_TAKEN_RANGE, "bob", 2}}, {165536, 65536}, NULL}, /* adjacent after */
    {{{165536, 65536, IDG_TAKEN_RANGE, "bob", 2}}, {100000, 65536}, NULL}, /* adjacent before */
    {{{100000, 65536, IDG_TAKEN_RANGE, "bob", 2}}, {165535, 1}, "bob"},    /* its last id */
    {{{165535, 1, IDG_TAKEN_ACCOUNT, "svc", 0}}, {100000, 65536}, "svc"},  /* our last id */
    {{{100000, 1, IDG_TAKEN_ACCOUNT, "svc", 0}}, {100000, 65536}, "svc"},  /* our first id */
    {{{1000, 59001, IDG_TAKEN_POOL, "UID_MIN-UID_MAX", 0}}, {0, 65536}, "UID_MIN-UID_MAX"},
    /* the first of several that overlap */
    {{{100, 10, IDG_TAKEN_RANGE, "a", 1},
      {200, 10, IDG_TAKEN_RANGE, "b", 2},
      {300, 10, IDG_TAKEN_RANGE, "c", 3}},
     {150, 200},
     "b"},
    /* a long interval before short ones still conflicts past them */
    {{{0, 1000000, IDG_TAKEN_RANGE, "big", 1},
      {10, 5, IDG_TAKEN_RANGE, "s1", 2},
      {20, 5, IDG_TAKEN_RANGE, "s2", 3}},
     {500000, 1},
     "big"},
    {{{10, 5, IDG_TAKEN_RANGE, "s1", 2}, {20, 5, IDG_TAKEN_RANGE, "s2", 3}}, {15, 5}, NULL},
    {{{TOP, 1, IDG_TAKEN_ACCOUNT, "top", 0}}, {TOP - 9, 10}, "top"},
    {{{TOP, 1, IDG_TAKEN_ACCOUNT, "top", 0}}, {0, TOP}, NULL},
    {{{0, ALL, IDG_TAKEN_RANGE, "all", 1}}, {TOP, 1}, "all"},
};

START_TEST(test_taken_conflict)
{
    const struct conflict_case *c = &conflict_cases[_i];
    size_t n = n_taken(c->taken);
    for (enum order o = IN_ORDER; o < N_ORDERS; o++) {
        struct idg_taken_set s = {0};
        fill(&s, c->taken, n, o);
        const struct idg_taken *t = idg_taken_conflict(&s, c->r);
        if (!c->want) {
            ck_assert_msg(t == NULL, "case %d (%s): conflict with %s, want none", _i, order_name[o],
                          t ? t->what : "");
        } else {
            ck_assert_msg(t != NULL, "case %d (%s): no conflict, want %s", _i, order_name[o],
                          c->want);
            ck_assert_msg(t >= s.v && t < s.v + s.n, "case %d: conflict not in the set", _i);
            ck_assert_msg(strcmp(t->what, c->want) == 0, "case %d (%s): conflict with %s, want %s",
                          _i, order_name[o], t->what, c->want);
        }
        idg_taken_free(&s);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* First fit */

struct fit_case {
    const char *name;
    struct tk taken[MAX_TAKEN];
    uint32_t min, max, count;
    enum idg_alloc_status st;
    uint32_t start; /* for IDG_ALLOC_OK */
};

#define R(s, c)                                                                                    \
    {                                                                                              \
        s, c, IDG_TAKEN_RANGE, "r", 1                                                              \
    }
#define A(id)                                                                                      \
    {                                                                                              \
        id, 1, IDG_TAKEN_ACCOUNT, "acct", 0                                                        \
    }
#define P(lo, hi)                                                                                  \
    {                                                                                              \
        lo, (hi) - (lo) + 1, IDG_TAKEN_POOL, "pool", 0                                             \
    }
#define SUB_MIN 100000
#define SUB_MAX 600100000

static const struct fit_case fit_cases[] = {
    {"empty pool", {{0}}, SUB_MIN, SUB_MAX, 65536, IDG_ALLOC_OK, SUB_MIN},
    {"gap at start exactly count",
     {R(165536, 65536)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     100000},
    {"gap at start one too narrow",
     {R(165535, 65536)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     231071},
    {"after the first", {R(100000, 65536)}, SUB_MIN, SUB_MAX, 65536, IDG_ALLOC_OK, 165536},
    {"middle gap exactly count",
     {R(100000, 65536), R(231072, 65536)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     165536},
    {"middle gap one too narrow",
     {R(100000, 65536), R(231071, 65536), R(400000, 65536)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     296607},
    {"a later gap after narrow ones",
     {R(100000, 65536), R(165537, 65536), R(231074, 65536), R(400000, 10)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     296610},
    {"end gap exactly count", {R(100000, 65536)}, SUB_MIN, 231071, 65536, IDG_ALLOC_OK, 165536},
    {"end gap one too narrow", {R(100000, 65536)}, SUB_MIN, 231070, 65536, IDG_ALLOC_EXHAUSTED, 0},
    {"pool full", {R(100000, 600000001)}, SUB_MIN, SUB_MAX, 1, IDG_ALLOC_EXHAUSTED, 0},
    {"pool full of pieces",
     {R(100000, 100), R(100100, 100), R(100200, 99), A(100299)},
     100000,
     100299,
     1,
     IDG_ALLOC_EXHAUSTED,
     0},
    {"one free id left", {R(100000, 100), R(100101, 100)}, 100000, 100200, 1, IDG_ALLOC_OK, 100100},
    {"taken below the pool",
     {R(0, 50000), R(60000, 40000)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     SUB_MIN},
    {"taken across MIN", {R(90000, 20000)}, SUB_MIN, SUB_MAX, 65536, IDG_ALLOC_OK, 110000},
    {"taken above the pool", {R(700000000, 10)}, SUB_MIN, SUB_MAX, 65536, IDG_ALLOC_OK, SUB_MIN},
    {"account id inside the candidate", {A(100005)}, SUB_MIN, SUB_MAX, 65536, IDG_ALLOC_OK, 100006},
    {"account id at the candidate's last id",
     {A(165535)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     165536},
    {"account id just after the candidate",
     {A(165536)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     100000},
    {"accounts' pool overlapping", {P(1000, 60000)}, 0, SUB_MAX, 65536, IDG_ALLOC_OK, 60001},
    {"accounts' pool with a gap below it", {P(70000, 80000)}, 0, SUB_MAX, 65536, IDG_ALLOC_OK, 0},
    {"accounts' pool and ranges",
     {P(1000, 60000), R(60001, 10), A(60020)},
     0,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     60021},
    /* an interval containing later ones: the next candidate starts past the
       largest end seen, not past the last interval's end */
    {"nested intervals",
     {R(100000, 1000000), R(100010, 5), R(200000, 5), A(300000)},
     SUB_MIN,
     SUB_MAX,
     65536,
     IDG_ALLOC_OK,
     1100000},
    {"overlapping intervals",
     {R(100000, 100), R(100050, 100), R(100120, 10)},
     SUB_MIN,
     SUB_MAX,
     10,
     IDG_ALLOC_OK,
     100150},
    {"min equals max", {{0}}, 7, 7, 1, IDG_ALLOC_OK, 7},
    {"count fills the pool", {{0}}, 10, 19, 10, IDG_ALLOC_OK, 10},
    /* the top of the id space */
    {"max at the top", {{0}}, TOP - 65535, TOP, 65536, IDG_ALLOC_OK, TOP - 65535},
    {"taken ending at the top",
     {R(TOP - 4, 5)},
     4294900000u,
     TOP,
     65536,
     IDG_ALLOC_OK,
     4294900000u},
    {"after a range, up to the top",
     {R(TOP - 131071, 65536)},
     TOP - 131071,
     TOP,
     65536,
     IDG_ALLOC_OK,
     TOP - 65535},
    {"top taken, nothing left", {R(TOP - 94, 95)}, TOP - 94, TOP, 50, IDG_ALLOC_EXHAUSTED, 0},
    {"top id taken, one too narrow", {A(TOP)}, TOP - 65535, TOP, 65536, IDG_ALLOC_EXHAUSTED, 0},
    {"top id taken, one id", {A(TOP)}, TOP - 1, TOP, 1, IDG_ALLOC_OK, TOP - 1},
    {"only the top id free", {R(0, TOP)}, 0, TOP, 1, IDG_ALLOC_OK, TOP},
    {"everything taken", {R(0, ALL)}, 0, TOP, 1, IDG_ALLOC_EXHAUSTED, 0},
    {"whole space free", {{0}}, 0, TOP, ALL, IDG_ALLOC_OK, 0},
    /* bad requests */
    {"count 0", {{0}}, SUB_MIN, SUB_MAX, 0, IDG_ALLOC_BAD_REQUEST, 0},
    {"min above max", {{0}}, 200000, 100000, 1, IDG_ALLOC_BAD_REQUEST, 0},
    {"count wider than the pool", {{0}}, 10, 19, 11, IDG_ALLOC_BAD_REQUEST, 0},
    {"count past the top", {{0}}, TOP - 10, TOP, ALL, IDG_ALLOC_BAD_REQUEST, 0},
};

START_TEST(test_first_fit)
{
    const struct fit_case *c = &fit_cases[_i];
    size_t n = n_taken(c->taken);
    for (enum order o = IN_ORDER; o < N_ORDERS; o++) {
        struct idg_taken_set s = {0};
        fill(&s, c->taken, n, o);
        struct idg_range out = {0xdead, 0xbeef};
        enum idg_alloc_status st = idg_alloc_first_fit(&s, c->min, c->max, c->count, &out);
        ck_assert_msg(st == c->st, "%s (%s): %s, want %s (got %u+%u)", c->name, order_name[o],
                      status_name(st), status_name(c->st), out.start, out.count);
        if (c->st == IDG_ALLOC_OK) {
            ck_assert_msg(out.start == c->start && out.count == c->count,
                          "%s (%s): %u+%u, want %u+%u", c->name, order_name[o], out.start,
                          out.count, c->start, c->count);
            /* what it returns is free, inside the pool and a valid range */
            ck_assert(idg_taken_conflict(&s, out) == NULL);
            ck_assert_uint_ge(out.start, c->min);
            ck_assert_uint_le(idg_range_last(out), c->max);
            ck_assert_int_eq(idg_range_check(out.start, out.count), 0);
        }
        idg_taken_free(&s);
    }
}
END_TEST

/*
 * 100,000 ranges back to back (what a big /etc/subuid holds), with or without
 * one hole: first fit finds the hole when it is wide enough, else the end.
 */
struct big_case {
    long hole; /* index of the range left out, -1 for none */
    uint32_t count;
    uint32_t start;
};

#define BIG_N 100000
#define BIG_W 10000

static const struct big_case big_cases[] = {
    {-1, 65536, 100000 + BIG_N *BIG_W},
    {-1, 1, 100000 + BIG_N *BIG_W},
    {77777, BIG_W, 100000 + 77777u * BIG_W},
    {77777, BIG_W + 1, 100000 + BIG_N *BIG_W},
    {BIG_N - 1, BIG_W, 100000 + (BIG_N - 1) * BIG_W},
    {0, BIG_W, 100000},
};

START_TEST(test_first_fit_big)
{
    const struct big_case *c = &big_cases[_i];
    struct idg_taken_set s = {0};
    for (uint32_t i = 0; i < BIG_N; i++)
        if ((long)i != c->hole)
            ck_assert_int_eq(idg_taken_add(&s, (struct idg_range){100000 + i * BIG_W, BIG_W},
                                           IDG_TAKEN_RANGE, "u", i + 1),
                             0);
    ck_assert(s.sorted);
    idg_taken_sort(&s);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct idg_range out = {0, 0};
    enum idg_alloc_status st = idg_alloc_first_fit(&s, SUB_MIN, TOP, c->count, &out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_msg(st == IDG_ALLOC_OK, "%s", status_name(st));
    ck_assert_uint_eq(out.start, c->start);
    ck_assert_uint_eq(out.count, c->count);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ck_assert_msg(ms < 1000, "first fit over %d ranges took %.0f ms", BIG_N, ms);
    /* and the end of the pool: nothing fits past MAX */
    st = idg_alloc_first_fit(&s, SUB_MIN, 100000 + BIG_N * BIG_W - 1, BIG_W + 1, &out);
    ck_assert_msg(st == IDG_ALLOC_EXHAUSTED, "%s", status_name(st));
    idg_taken_free(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Deterministic */

struct det_case {
    const char *name;
    struct tk taken[MAX_TAKEN];
    struct idg_pool pool;
    uint32_t uid, count;
    enum idg_alloc_status st;
    uint32_t start;   /* for IDG_ALLOC_OK */
    const char *what; /* for IDG_ALLOC_COLLIDES */
    uint32_t line;    /* for IDG_ALLOC_COLLIDES */
    enum idg_taken_kind kind;
};

#define POOL_DEF                                                                                   \
    {                                                                                              \
        SUB_MIN, SUB_MAX, 65536, true, 1000, 60000                                                 \
    }

static const struct det_case det_cases[] = {
    {"uid 1000", {{0}}, POOL_DEF, 1000, 65536, IDG_ALLOC_OK, 100000, NULL, 0, 0},
    {"uid 1001", {{0}}, POOL_DEF, 1001, 65536, IDG_ALLOC_OK, 165536, NULL, 0, 0},
    {"uid 1002", {{0}}, POOL_DEF, 1002, 65536, IDG_ALLOC_OK, 231072, NULL, 0, 0},
    {"uid 1010", {{0}}, POOL_DEF, 1010, 65536, IDG_ALLOC_OK, 755360, NULL, 0, 0},
    /* the count asked, not the pool's default, sets the stride */
    {"uid 1001, count 1000", {{0}}, POOL_DEF, 1001, 1000, IDG_ALLOC_OK, 101000, NULL, 0, 0},
    {"uid 1234, count 10", {{0}}, POOL_DEF, 1234, 10, IDG_ALLOC_OK, 102340, NULL, 0, 0},
    {"other pool",
     {{0}},
     {200000, 900000, 1000, true, 500, 999},
     600,
     1000,
     IDG_ALLOC_OK,
     300000,
     NULL,
     0,
     0},
    /* the last slot that fits: 100000 + 9154 * 65536 + 65535 = 600082079 */
    {"last slot", {{0}}, POOL_DEF, 10154, 65536, IDG_ALLOC_OK, 600016544, NULL, 0, 0},
    {"slot ending exactly at MAX",
     {{0}},
     {100000, 231071, 65536, true, 1000, 60000},
     1001,
     65536,
     IDG_ALLOC_OK,
     165536,
     NULL,
     0,
     0},
    {"below ACCT_MIN", {{0}}, POOL_DEF, 999, 65536, IDG_ALLOC_BELOW_ACCT, 0, NULL, 0, 0},
    {"uid 0", {{0}}, POOL_DEF, 0, 65536, IDG_ALLOC_BELOW_ACCT, 0, NULL, 0, 0},
    {"first slot past MAX", {{0}}, POOL_DEF, 10155, 65536, IDG_ALLOC_OUTSIDE, 0, NULL, 0, 0},
    {"slot one past MAX",
     {{0}},
     {100000, 231070, 65536, true, 1000, 60000},
     1001,
     65536,
     IDG_ALLOC_OUTSIDE,
     0,
     NULL,
     0,
     0},
    /* (66536 - 1000) * 65536 = 2^32: a wrapping product would give 100000 */
    {"product wraps to 0", {{0}}, POOL_DEF, 66536, 65536, IDG_ALLOC_OUTSIDE, 0, NULL, 0, 0},
    {"product wraps into the pool",
     {{0}},
     POOL_DEF,
     66537,
     65536,
     IDG_ALLOC_OUTSIDE,
     0,
     NULL,
     0,
     0},
    {"huge uid", {{0}}, POOL_DEF, 4000000000u, 65536, IDG_ALLOC_OUTSIDE, 0, NULL, 0, 0},
    {"top uid", {{0}}, POOL_DEF, TOP, 65536, IDG_ALLOC_OUTSIDE, 0, NULL, 0, 0},
    /* min + offset wraps: 4294000000 + 10 * 100000 passes 2^32 */
    {"sum wraps",
     {{0}},
     {4294000000u, TOP, 100000, true, 1000, 60000},
     1010,
     100000,
     IDG_ALLOC_OUTSIDE,
     0,
     NULL,
     0,
     0},
    {"slot ending at the top",
     {{0}},
     {TOP - 2 * 65536 + 1, TOP, 65536, true, 1000, 60000},
     1001,
     65536,
     IDG_ALLOC_OK,
     TOP - 65535,
     NULL,
     0,
     0},
    /* adjacent ranges are not collisions */
    {"neighbours",
     {R(100000, 65536), R(231072, 65536)},
     POOL_DEF,
     1001,
     65536,
     IDG_ALLOC_OK,
     165536,
     NULL,
     0,
     0},
    {"collides with a range",
     {{100000, 65536, IDG_TAKEN_RANGE, "bob", 2}, {200000, 10, IDG_TAKEN_RANGE, "carol", 7}},
     POOL_DEF,
     1001,
     65536,
     IDG_ALLOC_COLLIDES,
     0,
     "carol",
     7,
     IDG_TAKEN_RANGE},
    {"collides with its last id",
     {{231071, 1, IDG_TAKEN_RANGE, "dave", 12}},
     POOL_DEF,
     1001,
     65536,
     IDG_ALLOC_COLLIDES,
     0,
     "dave",
     12,
     IDG_TAKEN_RANGE},
    {"collides with the first of two",
     {{170000, 10, IDG_TAKEN_RANGE, "erin", 4}, {180000, 10, IDG_TAKEN_RANGE, "frank", 5}},
     POOL_DEF,
     1001,
     65536,
     IDG_ALLOC_COLLIDES,
     0,
     "erin",
     4,
     IDG_TAKEN_RANGE},
    {"collides with a range starting before it",
     {{100000, 100000, IDG_TAKEN_RANGE, "grace", 9}},
     POOL_DEF,
     1001,
     65536,
     IDG_ALLOC_COLLIDES,
     0,
     "grace",
     9,
     IDG_TAKEN_RANGE},
    {"collides with an account",
     {{170000, 1, IDG_TAKEN_ACCOUNT, "svc", 0}},
     POOL_DEF,
     1001,
     65536,
     IDG_ALLOC_COLLIDES,
     0,
     "svc",
     0,
     IDG_TAKEN_ACCOUNT},
    {"collides with the accounts' pool",
     {{1000, 59001, IDG_TAKEN_POOL, "UID_MIN-UID_MAX", 0}},
     {0, SUB_MAX, 65536, true, 1000, 60000},
     1000,
     65536,
     IDG_ALLOC_COLLIDES,
     0,
     "UID_MIN-UID_MAX",
     0,
     IDG_TAKEN_POOL},
    {"count 0", {{0}}, POOL_DEF, 1001, 0, IDG_ALLOC_BAD_REQUEST, 0, NULL, 0, 0},
};

START_TEST(test_deterministic)
{
    const struct det_case *c = &det_cases[_i];
    size_t n = n_taken(c->taken);
    for (enum order o = IN_ORDER; o < N_ORDERS; o++) {
        struct idg_taken_set s = {0};
        fill(&s, c->taken, n, o);
        struct idg_range out = {0xdead, 0xbeef};
        const struct idg_taken *conflict = NULL;
        enum idg_alloc_status st =
            idg_alloc_deterministic(&s, &c->pool, c->uid, c->count, &out, &conflict);
        ck_assert_msg(st == c->st, "%s (%s): %s, want %s (got %u+%u)", c->name, order_name[o],
                      status_name(st), status_name(c->st), out.start, out.count);
        if (c->st == IDG_ALLOC_OK) {
            ck_assert_msg(out.start == c->start && out.count == c->count,
                          "%s (%s): %u+%u, want %u+%u", c->name, order_name[o], out.start,
                          out.count, c->start, c->count);
            ck_assert_uint_le(idg_range_last(out), c->pool.max);
        }
        if (c->st == IDG_ALLOC_COLLIDES) {
            ck_assert_msg(conflict != NULL, "%s (%s): no conflict given", c->name, order_name[o]);
            ck_assert_msg(conflict >= s.v && conflict < s.v + s.n, "%s: conflict not in the set",
                          c->name);
            ck_assert_msg(strcmp(conflict->what, c->what) == 0,
                          "%s (%s): conflict with %s, want %s", c->name, order_name[o],
                          conflict->what, c->what);
            ck_assert_uint_eq(conflict->line, c->line);
            ck_assert_int_eq(conflict->kind, c->kind);
        }
        idg_taken_free(&s);
    }
}
END_TEST

/* The placement is the same whatever else is taken elsewhere (fleet-wide). */
START_TEST(test_deterministic_ignores_far_ranges)
{
    struct idg_pool p = POOL_DEF;
    struct idg_taken_set s = {0};
    for (uint32_t i = 0; i < 100; i++)
        if (i != 7)
            ck_assert_int_eq(idg_taken_add(&s, (struct idg_range){100000 + i * 65536, 65536},
                                           IDG_TAKEN_RANGE, "u", i + 1),
                             0);
    idg_taken_sort(&s);
    struct idg_range out = {0, 0};
    const struct idg_taken *conflict = NULL;
    ck_assert_int_eq(idg_alloc_deterministic(&s, &p, 1007, 65536, &out, &conflict), IDG_ALLOC_OK);
    ck_assert_uint_eq(out.start, 100000 + 7 * 65536);
    ck_assert_uint_eq(out.count, 65536);
    /* first fit over the same set finds the same hole */
    ck_assert_int_eq(idg_alloc_first_fit(&s, p.min, p.max, 65536, &out), IDG_ALLOC_OK);
    ck_assert_uint_eq(out.start, 100000 + 7 * 65536);
    /* and uid 1008's slot is taken by line 9 */
    ck_assert_int_eq(idg_alloc_deterministic(&s, &p, 1008, 65536, &out, &conflict),
                     IDG_ALLOC_COLLIDES);
    ck_assert_ptr_nonnull(conflict);
    ck_assert_uint_eq(conflict->line, 9);
    ck_assert_uint_eq(conflict->range.start, 100000 + 8 * 65536);
    idg_taken_free(&s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Building the set from a file, the accounts and login.defs */

static void adopt_text(struct idg_subid_file *f, const char *text)
{
    size_t len = strlen(text);
    char *buf = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, text, len);
    *f = (struct idg_subid_file){0};
    ck_assert_int_eq(idg_subid_file_adopt(f, buf, len), 0);
}

/* The entry of s with this kind and start, or NULL. */
static const struct idg_taken *find_taken(const struct idg_taken_set *s, enum idg_taken_kind kind,
                                          uint32_t start)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].kind == kind && s->v[i].range.start == start)
            return &s->v[i];
    return NULL;
}

START_TEST(test_taken_build)
{
    struct idg_subid_file f;
    /* every owner's entries, out of order, with comments and a malformed line */
    adopt_text(&f, "carol:500000:10\n"   /* 1 */
                   "# c\n"               /* 2 */
                   "bob:100000:65536\n"  /* 3 */
                   "bad\n"               /* 4 */
                   "alice:300000:10\n"); /* 5 */
    struct idg_id_list accts = {0};
    ck_assert_int_eq(idg_id_list_add(&accts, 1001, "alice"), 0);
    ck_assert_int_eq(idg_id_list_add(&accts, 0, "root"), 0);
    ck_assert_int_eq(idg_id_list_add(&accts, 70000, "far"), 0);
    ck_assert_int_eq(idg_id_list_add(&accts, 165536, "svc"), 0);
    idg_id_list_sort(&accts);
    struct idg_logindefs d;
    idg_logindefs_default(&d);
    const struct idg_pool *p = &d.pool[0];

    struct idg_taken_set s;
    memset(&s, 0xa5, sizeof(s));
    ck_assert_int_eq(idg_taken_build(&s, &f, &accts, p), 0);
    ck_assert_uint_eq(s.n, 3 + 4 + 1);
    ck_assert(s.sorted);
    for (size_t i = 1; i < s.n; i++)
        ck_assert_uint_le(s.v[i - 1].range.start, s.v[i].range.start);

    static const struct {
        uint32_t start, count, line;
    } ranges[] = {{500000, 10, 1}, {100000, 65536, 3}, {300000, 10, 5}};
    for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
        const struct idg_taken *t = find_taken(&s, IDG_TAKEN_RANGE, ranges[i].start);
        ck_assert_msg(t != NULL, "range at %u missing", ranges[i].start);
        ck_assert_uint_eq(t->range.count, ranges[i].count);
        ck_assert_uint_eq(t->line, ranges[i].line);
        ck_assert_ptr_null(t->what); /* file entries: the line says which */
    }
    static const struct {
        uint32_t id;
        const char *name;
    } ids[] = {{1001, "alice"}, {0, "root"}, {70000, "far"}, {165536, "svc"}};
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        const struct idg_taken *t = find_taken(&s, IDG_TAKEN_ACCOUNT, ids[i].id);
        ck_assert_msg(t != NULL, "account %s missing", ids[i].name);
        ck_assert_uint_eq(t->range.count, 1);
        ck_assert_str_eq(t->what, ids[i].name);
    }
    const struct idg_taken *pool = find_taken(&s, IDG_TAKEN_POOL, 0);
    ck_assert_ptr_nonnull(pool);
    ck_assert_uint_eq(idg_range_last(pool->range), 60000); /* 0..UID_MAX */

    struct idg_range out = {0, 0};
    /* bob's range, then svc's id at 165536: the first gap is after it */
    ck_assert_int_eq(idg_alloc_first_fit(&s, p->min, p->max, 65536, &out), IDG_ALLOC_OK);
    ck_assert_uint_eq(out.start, 165537);
    /* from 0: the accounts' pool, far's id, bob's range all skipped */
    ck_assert_int_eq(idg_alloc_first_fit(&s, 0, p->max, 20000, &out), IDG_ALLOC_OK);
    ck_assert_uint_eq(out.start, 70001);
    ck_assert_int_eq(idg_alloc_first_fit(&s, 0, p->max, 200000, &out), IDG_ALLOC_OK);
    ck_assert_uint_eq(out.start, 500010);

    /* deterministic: uid 1000's slot is bob's line 3; uid 1002's is free */
    const struct idg_taken *conflict = NULL;
    ck_assert_int_eq(idg_alloc_deterministic(&s, p, 1000, 65536, &out, &conflict),
                     IDG_ALLOC_COLLIDES);
    ck_assert_ptr_nonnull(conflict);
    ck_assert_int_eq(conflict->kind, IDG_TAKEN_RANGE);
    ck_assert_uint_eq(conflict->line, 3);
    ck_assert_int_eq(idg_alloc_deterministic(&s, p, 1001, 65536, &out, &conflict),
                     IDG_ALLOC_COLLIDES);
    ck_assert_ptr_nonnull(conflict);
    ck_assert_int_eq(conflict->kind, IDG_TAKEN_ACCOUNT);
    ck_assert_str_eq(conflict->what, "svc");
    ck_assert_int_eq(idg_alloc_deterministic(&s, p, 1002, 65536, &out, &conflict), IDG_ALLOC_OK);
    ck_assert_uint_eq(out.start, 231072);

    idg_taken_free(&s);
    idg_id_list_free(&accts);
    idg_subid_file_free(&f);
}
END_TEST

/* An empty file and no accounts: only 0..UID_MAX is taken. */
START_TEST(test_taken_build_empty)
{
    struct idg_subid_file f;
    adopt_text(&f, "");
    struct idg_id_list accts = {0};
    struct idg_logindefs d;
    idg_logindefs_default(&d);
    d.pool[1].acct_max = 99999;
    struct idg_taken_set s;
    ck_assert_int_eq(idg_taken_build(&s, &f, &accts, &d.pool[1]), 0);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_int_eq(s.v[0].kind, IDG_TAKEN_POOL);
    ck_assert_uint_eq(s.v[0].range.start, 0);
    ck_assert_uint_eq(s.v[0].range.count, 100000);
    struct idg_range out = {0, 0};
    ck_assert_int_eq(idg_alloc_first_fit(&s, 0, 600100000, 65536, &out), IDG_ALLOC_OK);
    ck_assert_uint_eq(out.start, 100000);
    idg_taken_free(&s);
    idg_subid_file_free(&f);
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("taken");
    tcase_add_test(tc, test_taken_add_in_order);
    tcase_add_test(tc, test_taken_sort);
    tcase_add_test(tc, test_taken_grows);
    tcase_add_loop_test(tc, test_taken_conflict, 0, (int)ARRAY_SIZE(conflict_cases));
    tcase_add_test(tc, test_taken_build);
    tcase_add_test(tc, test_taken_build_empty);
    suite_add_tcase(s, tc);

    tc = tcase_create("first-fit");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_first_fit, 0, (int)ARRAY_SIZE(fit_cases));
    tcase_add_loop_test(tc, test_first_fit_big, 0, (int)ARRAY_SIZE(big_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("deterministic");
    tcase_add_loop_test(tc, test_deterministic, 0, (int)ARRAY_SIZE(det_cases));
    tcase_add_test(tc, test_deterministic_ignores_far_ranges);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(alloc_suite());
}
