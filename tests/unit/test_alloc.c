/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* memfd_create */
/*
 * alloc.h: the taken set, first fit and deterministic placement of a new
 * subordinate range, at the edges of the pool and of the id space; and
 * grant.h's use of the deterministic slot.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "alloc.h"
#include "grant.h"
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
    /* 4294967295 is no id (range.h): a max of it is the last id (found by
       fuzz-grant-plan: these gave 4294967295+1 and 4294967294+2) */
    {"max past the last id, last id taken", {A(TOP)}, TOP, ALL, 1, IDG_ALLOC_EXHAUSTED, 0},
    {"max past the last id, two ids from the last", {{0}}, TOP, ALL, 2, IDG_ALLOC_BAD_REQUEST, 0},
    {"min past the last id", {{0}}, ALL, ALL, 1, IDG_ALLOC_BAD_REQUEST, 0},
    {"max past the last id, room below", {A(TOP)}, TOP - 9, ALL, 9, IDG_ALLOC_OK, TOP - 9},
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

/*
 * idg_grant_plan in deterministic mode: an entry of the owner equal to the
 * slot is the answer; a slot past the id space is no range, and an entry
 * at 0 of the same size must not pass for it (found by fuzz-grant-plan).
 */
struct grant_det_case {
    const char *name;
    const char *text;
    uint32_t pool_max, uid;
    enum idg_alloc_status st;
    bool reused;
    struct idg_range got;
    const char *line; /* the new line, for OK without reuse */
};

static const struct grant_det_case grant_det_cases[] = {
    {"slot in the pool, free",
     "bob:100000:65536\n",
     SUB_MAX,
     1001,
     IDG_ALLOC_OK,
     false,
     {165536, 65536},
     "dave:165536:65536\n"},
    {"slot in the pool, the owner's",
     "bob:100000:65536\ndave:165536:65536\n",
     SUB_MAX,
     1001,
     IDG_ALLOC_OK,
     true,
     {165536, 65536},
     NULL},
    /* idempotent: the owner keeps the slot it has after MAX was lowered */
    {"slot past MAX, the owner's",
     "dave:165536:65536\n",
     231070,
     1001,
     IDG_ALLOC_OK,
     true,
     {165536, 65536},
     NULL},
    {"slot past MAX, free", "", 231070, 1001, IDG_ALLOC_OUTSIDE, false, {165536, 65536}, NULL},
    {"slot past the id space, an entry at 0",
     "dave:0:65536\n",
     SUB_MAX,
     4000000000u,
     IDG_ALLOC_OUTSIDE,
     false,
     {0, 0},
     NULL},
    /* (66536 - 1000) * 65536 = 2^32 */
    {"product of 2^32, an entry at 0",
     "# x\n66536:0:65536\n",
     SUB_MAX,
     66536,
     IDG_ALLOC_OUTSIDE,
     false,
     {0, 0},
     NULL},
    {"slot past the id space, nothing", "", SUB_MAX, TOP, IDG_ALLOC_OUTSIDE, false, {0, 0}, NULL},
};

START_TEST(test_grant_deterministic)
{
    const struct grant_det_case *c = &grant_det_cases[_i];
    struct idg_pool pool = {SUB_MIN, c->pool_max, 65536, true, 1000, 60000};
    struct idg_owner o;
    idg_owner_init(&o, "dave", c->uid);
    struct idg_grant_req rq = {
        .owner = &o,
        .name = "dave",
        .has_uid = true,
        .uid = c->uid,
        .mode = IDG_GRANT_DETERMINISTIC,
        .count = 65536,
        .reuse = true,
        .pool = &pool,
    };
    struct idg_grant_res res;
    ck_assert_int_eq(idg_grant_plan(c->text, strlen(c->text), NULL, &rq, &res), 0);
    ck_assert_msg(res.st == c->st && res.reused == c->reused, "%s: %s%s, want %s%s", c->name,
                  status_name(res.st), res.reused ? " (reused)" : "", status_name(c->st),
                  c->reused ? " (reused)" : "");
    ck_assert_msg(res.got.start == c->got.start && res.got.count == c->got.count,
                  "%s: got %u+%u, want %u+%u", c->name, res.got.start, res.got.count, c->got.start,
                  c->got.count);
    if (c->line)
        ck_assert_str_eq(res.line, c->line);
}
END_TEST

/*
 * idg_grant_plan's new line for an owner whose name has a window's shape:
 * "990-990:S:C" would be uid 990's window, not the name's line, so the
 * line is the uid's, or none without one (found by fuzz-grant-plan).
 */
struct grant_name_case {
    const char *name;
    bool has_uid;
    enum idg_alloc_status st;
    const char *line; /* NULL: no line (line_len < 0) */
};

static const struct grant_name_case grant_name_cases[] = {
    {"990-990", true, IDG_ALLOC_OK, "1001:100000:7\n"},
    {"990-990", false, IDG_ALLOC_BAD_REQUEST, NULL},
    {"1001-1001", true, IDG_ALLOC_OK, "1001:100000:7\n"},
    {"990-x", false, IDG_ALLOC_OK, "990-x:100000:7\n"},
};

START_TEST(test_grant_window_name)
{
    const struct grant_name_case *c = &grant_name_cases[_i];
    struct idg_pool pool = {SUB_MIN, SUB_MAX, 7, false, 1000, 60000};
    struct idg_owner o;
    if (c->has_uid)
        idg_owner_init(&o, c->name, 1001);
    else
        idg_owner_init_name(&o, c->name);
    struct idg_grant_req rq = {
        .owner = &o,
        .name = c->name,
        .has_uid = c->has_uid,
        .uid = 1001,
        .mode = IDG_GRANT_FIRST_FIT,
        .count = 7,
        .min = SUB_MIN,
        .max = SUB_MAX,
        .pool = &pool,
    };
    struct idg_grant_res res;
    const char *text = "# nothing yet\n";
    ck_assert_int_eq(idg_grant_plan(text, strlen(text), NULL, &rq, &res), 0);
    ck_assert_msg(res.st == c->st, "%s (uid: %d): %s, want %s", c->name, c->has_uid,
                  status_name(res.st), status_name(c->st));
    if (!c->line) {
        ck_assert_int_lt(res.line_len, 0);
        return;
    }
    ck_assert_int_eq(res.line_len, (int)strlen(c->line));
    ck_assert_str_eq(res.line, c->line);
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

/* ------------------------------------------------------------------------ */
/* Random inputs, the same on every run */

/* splitmix64 from a fixed seed: a failing round can be replayed. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    rng_state = seed;
}

static uint64_t rng64(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A number in [0, n); n from 1 to 2^32. */
static uint32_t rnd(uint64_t n)
{
    return (uint32_t)(rng64() % n);
}

/*
 * ck_assert_msg for the loops of the random tests: Check logs every passing
 * ck_assert (a write each), which would cost more than what is tested.
 */
#define expect(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

/* By start, then count: the reference order, and a multiset compare. */
static int pair_cmp(const void *x, const void *y)
{
    const struct idg_range *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    return 0;
}

static struct idg_range *range_dup(const struct idg_range *v, size_t n)
{
    struct idg_range *p = malloc((n ? n : 1) * sizeof(*p));
    ck_assert_ptr_nonnull(p);
    if (n)
        memcpy(p, v, n * sizeof(*p));
    return p;
}

/* ------------------------------------------------------------------------ */
/* idg_ranges_sort */

/* got (n pairs) is in == v sorted by start, and the same pairs as v. */
static void check_sorted_like(const char *what, const struct idg_range *v, struct idg_range *got,
                              size_t n)
{
    struct idg_range *ref = range_dup(v, n);
    qsort(ref, n, sizeof(*ref), pair_cmp);
    for (size_t i = 0; i < n; i++)
        expect(got[i].start == ref[i].start, "%s: n %zu: [%zu] starts at %u, want %u", what, n, i,
               got[i].start, ref[i].start);
    /* a permutation of the input: no pair lost, doubled or split */
    qsort(got, n, sizeof(*got), pair_cmp);
    for (size_t i = 0; i < n; i++)
        expect(got[i].start == ref[i].start && got[i].count == ref[i].count,
               "%s: n %zu: pair [%zu] is %u+%u, want %u+%u", what, n, i, got[i].start, got[i].count,
               ref[i].start, ref[i].count);
    free(ref);
}

/*
 * What idg_add_scan keeps of the ranges v (any order): the ids they take,
 * as ranges that neither overlap nor touch, ascending. Written apart from
 * the scan's own joining: an id set, walked range by range.
 */
static size_t joined_ref(const struct idg_range *v, size_t n, struct idg_range *out)
{
    struct idg_range *s = range_dup(v, n);
    qsort(s, n, sizeof(*s), pair_cmp);
    size_t k = 0;
    uint64_t first = 0, end = 0; /* the range being built: [first, end) */
    for (size_t i = 0; i < n; i++) {
        uint64_t a = s[i].start, b = (uint64_t)s[i].start + s[i].count;
        if (k && a <= end) {
            end = b > end ? b : end;
        } else {
            if (k)
                out[k - 1] = (struct idg_range){(uint32_t)first, (uint32_t)(end - first)};
            first = a;
            end = b;
            k++;
        }
    }
    if (k)
        out[k - 1] = (struct idg_range){(uint32_t)first, (uint32_t)(end - first)};
    free(s);
    return k;
}

/* got (n_got ranges) is what the scan keeps of the entries' ranges v. */
static void check_joined(const char *what, const struct idg_range *v, size_t n,
                         const struct idg_range *got, size_t n_got)
{
    struct idg_range *ref = malloc((n ? n : 1) * sizeof(*ref));
    ck_assert_ptr_nonnull(ref);
    size_t k = joined_ref(v, n, ref);
    expect(n_got == k, "%s: %zu ranges kept, want %zu", what, n_got, k);
    for (size_t i = 0; i < k && i < n_got; i++)
        expect(got[i].start == ref[i].start && got[i].count == ref[i].count,
               "%s: kept [%zu] is %u+%u, want %u+%u", what, i, got[i].start, got[i].count,
               ref[i].start, ref[i].count);
    free(ref);
}

static void check_ranges_sort(const char *what, const struct idg_range *v, size_t n)
{
    struct idg_range *got = range_dup(v, n);
    ck_assert_msg(idg_ranges_sort(got, n) == 0, "%s: n %zu: not 0", what, n);
    check_sorted_like(what, v, got, n);
    free(got);
}

#define SORT_MAX 20

/* Starts in input order; element i gets count i + 1, so each is told apart. */
struct sort_case {
    const char *name;
    size_t n;
    uint32_t start[SORT_MAX];
};

static const struct sort_case sort_cases[] = {
    {"empty", 0, {0}},
    {"one", 1, {42}},
    {"two in order", 2, {1, 2}},
    {"two reversed", 2, {2, 1}},
    {"sorted", 10, {1, 2, 3, 5, 8, 13, 21, 34, 55, 89}},
    {"reversed", 10, {89, 55, 34, 21, 13, 8, 5, 3, 2, 1}},
    /* 1 stray of 9 (n / 8 = 1): the merge */
    {"stray at the end, the smallest", 9, {10, 20, 30, 40, 50, 60, 70, 80, 5}},
    {"stray at the end, in the middle", 9, {10, 20, 30, 40, 50, 60, 70, 80, 45}},
    {"stray at the end, just below the last", 9, {10, 20, 30, 40, 50, 60, 70, 80, 79}},
    {"stray in the middle", 9, {10, 20, 30, 40, 5, 50, 60, 70, 80}},
    /* one large value first: everything after it is a stray, the radix */
    {"stray at the start", 9, {1000, 10, 20, 30, 40, 50, 60, 70, 80}},
    {"large stray in the middle", 9, {10, 20, 30, 1000, 40, 50, 60, 70, 80}},
    /* 2 strays of 16 (n / 8 = 2): still the merge */
    {"n/8 strays", 16, {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 15, 110, 120, 130, 140, 5}},
    /* 3 strays of 16: the radix */
    {"n/8 + 1 strays", 16, {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 15, 110, 120, 130, 25, 5}},
    {"many strays", 20, {7, 3, 9, 1, 8, 2, 6, 4, 5, 0, 17, 13, 19, 11, 18, 12, 16, 14, 15, 10}},
    {"duplicates of start", 9, {5, 5, 5, 1, 5, 3, 3, 0, 5}},
    {"a stray equal to the run", 9, {10, 20, 30, 30, 40, 50, 60, 70, 30}},
    {"strays equal to each other", 17, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 4, 4}},
    {"all equal", 6, {7, 7, 7, 7, 7, 7}},
    /* every byte of start matters: orders by the low bytes alone differ */
    {"near 0 and the top, merge",
     9,
     {0, 1, 2, 0x00ffffff, 0x01000000, 0x80000000u, TOP - 1, TOP, 0}},
    {"near 0 and the top, radix",
     16,
     {TOP, 0x00ffffff, 0x01000000, 0, TOP - 1, 0xff000000u, 0x80000000u, 0x7fffffff, 1, 0x0100ffff,
      0x00010000, 0x0000ff00, 0x00ff0000, 0xfeffffffu, 2, TOP}},
    {"high bytes only",
     8,
     {0x04000000, 0x03000000, 0x02000000, 0x01000000, 0x04000001, 0x03000001, 0x02000001,
      0x01000001}},
};

START_TEST(test_ranges_sort)
{
    const struct sort_case *c = &sort_cases[_i];
    struct idg_range v[SORT_MAX];
    for (size_t i = 0; i < c->n; i++)
        v[i] = (struct idg_range){c->start[i], (uint32_t)i + 1};
    check_ranges_sort(c->name, v, c->n);
}
END_TEST

/* How many elements lie below the ascending run kept so far: strays. */
static size_t count_strays(const struct idg_range *v, size_t n)
{
    size_t m = 0;
    uint32_t top = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && v[i].start < top)
            m++;
        else
            top = v[i].start;
    }
    return m;
}

enum sort_shape {
    SHAPE_RANDOM,     /* anything, with duplicates */
    SHAPE_SORTED,     /* in order already */
    SHAPE_NEAR_SWAPS, /* sorted, k swaps of near neighbours */
    SHAPE_FAR_SWAPS,  /* sorted, k swaps anywhere */
    SHAPE_FIRST_LAST, /* sorted, the first element moved to the end */
    SHAPE_APPENDED,   /* sorted, then a few random lines added */
    SHAPE_LAST_FIRST, /* sorted, the last element moved to the front */
    N_SHAPES
};

START_TEST(test_ranges_sort_random)
{
    rng_seed(20240601);
    enum { ROUNDS = 200, MAX_N = 5000 };
    struct idg_range *v = malloc(MAX_N * sizeof(*v));
    ck_assert_ptr_nonnull(v);
    size_t paths[3] = {0}; /* sorted already, merged, radix */
    for (int round = 0; round < ROUNDS; round++) {
        enum sort_shape shape = (enum sort_shape)(round % N_SHAPES);
        size_t n = rnd(MAX_N + 1);
        /* duplicates in some rounds; the whole id space in others */
        uint64_t span = round % 3 == 0 ? 64 : round % 3 == 1 ? 100000 : (uint64_t)TOP + 1;
        for (size_t i = 0; i < n; i++)
            v[i] = (struct idg_range){rnd(span), 1 + rnd(100000)};
        if (shape != SHAPE_RANDOM)
            qsort(v, n, sizeof(*v), pair_cmp);
        size_t k = n ? 1 + rnd(n / 16 + 1) : 0;
        if (shape == SHAPE_NEAR_SWAPS || shape == SHAPE_FAR_SWAPS) {
            for (size_t s = 0; s < k && n > 1; s++) {
                size_t a = rnd(n), b = shape == SHAPE_FAR_SWAPS ? rnd(n) : a + 1 + rnd(3);
                if (b >= n)
                    b = n - 1;
                struct idg_range t = v[a];
                v[a] = v[b];
                v[b] = t;
            }
        } else if (shape == SHAPE_FIRST_LAST && n > 1) {
            struct idg_range t = v[0];
            memmove(v, v + 1, (n - 1) * sizeof(*v));
            v[n - 1] = t;
        } else if (shape == SHAPE_APPENDED) {
            for (size_t s = 0; s < k && s < n; s++)
                v[n - 1 - s] = (struct idg_range){rnd(span), 1 + rnd(100000)};
        } else if (shape == SHAPE_LAST_FIRST && n > 1) {
            struct idg_range t = v[n - 1];
            memmove(v + 1, v, (n - 1) * sizeof(*v));
            v[0] = t;
        }
        size_t m = count_strays(v, n);
        paths[m == 0 ? 0 : m <= n / 8 ? 1 : 2]++;
        char what[64];
        snprintf(what, sizeof(what), "round %d, shape %d", round, (int)shape);
        check_ranges_sort(what, v, n);
    }
    /* the shapes reach every path of the sort */
    expect(paths[0] >= 20 && paths[1] >= 40 && paths[2] >= 40,
           "paths: %zu sorted, %zu merged, %zu radix", paths[0], paths[1], paths[2]);
    free(v);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The online first fit */

#define EDGE_MAX 4

struct fit_edge_case {
    const char *name;
    uint32_t min, max, count;
    size_t n_feed, n_extra; /* n_extra 0: extra is NULL */
    struct idg_range feed[EDGE_MAX], extra[EDGE_MAX];
    bool feed_after; /* feed even once done, as a caller may */
    enum idg_alloc_status st;
    uint32_t start; /* for IDG_ALLOC_OK */
};

static const struct fit_edge_case fit_edge_cases[] = {
    {"count 0", 100, 200, 0, 0, 0, {{0}}, {{0}}, false, IDG_ALLOC_BAD_REQUEST, 0},
    {"count 0, with feeds",
     100,
     200,
     0,
     1,
     1,
     {{300, 1}},
     {{50, 1}},
     true,
     IDG_ALLOC_BAD_REQUEST,
     0},
    {"min above max", 200, 100, 1, 0, 0, {{0}}, {{0}}, false, IDG_ALLOC_BAD_REQUEST, 0},
    /* a feed would move a live candidate to an OK: a bad request stays bad */
    {"min above max, fed", 200, 100, 1, 1, 0, {{500, 1}}, {{0}}, true, IDG_ALLOC_BAD_REQUEST, 0},
    {"count wider than the pool", 10, 19, 11, 0, 0, {{0}}, {{0}}, false, IDG_ALLOC_BAD_REQUEST, 0},
    {"count past the top", TOP - 10, TOP, ALL, 0, 0, {{0}}, {{0}}, false, IDG_ALLOC_BAD_REQUEST, 0},
    {"no feed: min", 100, 200, 10, 0, 0, {{0}}, {{0}}, false, IDG_ALLOC_OK, 100},
    {"no feed: count fills the pool", 10, 19, 10, 0, 0, {{0}}, {{0}}, false, IDG_ALLOC_OK, 10},
    {"no feed: at the top", TOP - 9, TOP, 10, 0, 0, {{0}}, {{0}}, false, IDG_ALLOC_OK, TOP - 9},
    {"no feed: the whole space", 0, TOP, ALL, 0, 0, {{0}}, {{0}}, false, IDG_ALLOC_OK, 0},
    {"extra only, merged by the result",
     100,
     200,
     10,
     0,
     2,
     {{0}},
     {{100, 5}, {105, 10}},
     false,
     IDG_ALLOC_OK,
     115},
    {"gap one too narrow",
     100,
     1000,
     10,
     2,
     0,
     {{100, 5}, {114, 1}},
     {{0}},
     false,
     IDG_ALLOC_OK,
     115},
    {"gap exactly count",
     100,
     1000,
     10,
     2,
     0,
     {{100, 5}, {115, 1}},
     {{0}},
     false,
     IDG_ALLOC_OK,
     105},
    {"gap before min ignored",
     100,
     1000,
     10,
     2,
     0,
     {{10, 5}, {50, 60}},
     {{0}},
     false,
     IDG_ALLOC_OK,
     110},
    {"end gap exactly count", 100, 119, 10, 1, 0, {{100, 10}}, {{0}}, false, IDG_ALLOC_OK, 110},
    {"end gap one too narrow",
     100,
     118,
     10,
     1,
     0,
     {{100, 10}},
     {{0}},
     false,
     IDG_ALLOC_EXHAUSTED,
     0},
    /* exhausted, then an interval far above: a live candidate would fit
       below it, past MAX */
    {"fed once exhausted",
     100,
     199,
     10,
     2,
     0,
     {{100, 95}, {1000, 5}},
     {{0}},
     true,
     IDG_ALLOC_EXHAUSTED,
     0},
    {"extra once exhausted",
     100,
     199,
     10,
     1,
     1,
     {{100, 95}},
     {{1000, 5}},
     true,
     IDG_ALLOC_EXHAUSTED,
     0},
    {"fed once found",
     100,
     1000,
     10,
     4,
     0,
     {{100, 5}, {110, 3}, {130, 1}, {140, 1000}},
     {{0}},
     true,
     IDG_ALLOC_OK,
     113},
    {"extra and feed interleaved",
     0,
     1000,
     10,
     2,
     2,
     {{0, 10}, {30, 5}},
     {{10, 5}, {20, 5}},
     false,
     IDG_ALLOC_OK,
     35},
    {"extra nested in a feed", 0, 1000, 10, 1, 1, {{0, 100}}, {{10, 5}}, false, IDG_ALLOC_OK, 100},
    {"feeds nested in extra",
     0,
     1000,
     10,
     2,
     1,
     {{10, 5}, {50, 5}},
     {{0, 100}},
     false,
     IDG_ALLOC_OK,
     100},
    {"extra and feed at one start",
     0,
     1000,
     10,
     1,
     1,
     {{0, 20}},
     {{0, 10}},
     false,
     IDG_ALLOC_OK,
     20},
    {"extra after the last feed",
     0,
     1000,
     10,
     1,
     2,
     {{0, 10}},
     {{15, 10}, {30, 5}},
     false,
     IDG_ALLOC_OK,
     35},
    {"up to the top, exhausted",
     TOP - 100,
     TOP,
     1,
     1,
     0,
     {{TOP - 100, 101}},
     {{0}},
     false,
     IDG_ALLOC_EXHAUSTED,
     0},
    /* the candidate passes 4294967294: 64 bits, no wrap to a small id */
    {"past the top, count 2",
     TOP - 100,
     TOP,
     2,
     1,
     0,
     {{TOP - 100, 101}},
     {{0}},
     false,
     IDG_ALLOC_EXHAUSTED,
     0},
    {"only the top id free", 0, TOP, 1, 1, 0, {{0, TOP}}, {{0}}, false, IDG_ALLOC_OK, TOP},
    {"the top id taken by extra",
     TOP - 1,
     TOP,
     1,
     0,
     1,
     {{0}},
     {{TOP, 1}},
     false,
     IDG_ALLOC_OK,
     TOP - 1},
    {"everything taken", 0, TOP, 1, 1, 0, {{0, ALL}}, {{0}}, false, IDG_ALLOC_EXHAUSTED, 0},
};

START_TEST(test_fit_edges)
{
    const struct fit_edge_case *c = &fit_edge_cases[_i];
    struct idg_taken_set extra = {0};
    for (size_t i = 0; i < c->n_extra; i++)
        ck_assert_int_eq(idg_taken_add(&extra, c->extra[i], IDG_TAKEN_ACCOUNT, "x", 0), 0);
    idg_taken_sort(&extra);
    struct idg_fit fit;
    idg_fit_init(&fit, c->n_extra ? &extra : NULL, c->min, c->max, c->count);
    for (size_t i = 0; i < c->n_feed && (c->feed_after || !fit.done); i++)
        idg_fit_feed(&fit, c->feed[i]);
    struct idg_range out = {0xdead, 0xbeef};
    enum idg_alloc_status st = idg_fit_result(&fit, &out);
    ck_assert_msg(st == c->st, "%s: %s, want %s (got %u+%u)", c->name, status_name(st),
                  status_name(c->st), out.start, out.count);
    if (c->st == IDG_ALLOC_OK)
        ck_assert_msg(out.start == c->start && out.count == c->count, "%s: %u+%u, want %u+%u",
                      c->name, out.start, out.count, c->start, c->count);
    idg_taken_free(&extra);
}
END_TEST

/* The first fit by looking at every id of [base, base + w): taken[id - base]. */
static enum idg_alloc_status brute_fit(const bool *taken, uint32_t base, uint32_t min, uint32_t max,
                                       uint32_t count, uint32_t *start)
{
    if (count == 0 || min > max || count - 1 > max - min)
        return IDG_ALLOC_BAD_REQUEST;
    uint32_t run = 0;
    for (uint64_t id = min; id <= max; id++) {
        run = taken[id - base] ? 0 : run + 1;
        if (run == count) {
            *start = (uint32_t)(id - count + 1);
            return IDG_ALLOC_OK;
        }
    }
    return IDG_ALLOC_EXHAUSTED;
}

#define FIT_W 2000u /* ids in a window, for the brute force */
#define FIT_N 24    /* taken intervals at most */

enum fit_space {
    SPACE_LOW,    /* [0, FIT_W) */
    SPACE_TOP,    /* the last FIT_W ids, up to 4294967294 */
    SPACE_WINDOW, /* FIT_W ids anywhere */
    SPACE_ALL,    /* the whole id space: no brute force */
    N_SPACES
};

/* An interval of [lo, hi]: inside a previous one, across one, or anywhere. */
static struct idg_range random_taken(const struct idg_range *t, size_t i, uint32_t lo, uint32_t hi)
{
    uint64_t w = (uint64_t)hi - lo + 1;
    struct idg_range p = i ? t[rnd(i)] : (struct idg_range){lo, 1};
    uint32_t start, off = rnd(p.count);
    uint64_t count;
    switch (i ? rnd(4) : 3) {
    case 0: /* nested */
        start = p.start + off;
        count = 1 + rnd(p.count - off);
        break;
    case 1: /* starting inside a previous one, maybe ending past it */
        start = p.start + off;
        count = 1 + rnd(rnd(2) ? w / 4 + 1 : 30);
        break;
    case 2: /* adjacent to a previous one */
        start = idg_range_last(p) < hi ? idg_range_last(p) + 1 : lo;
        count = 1 + rnd(30);
        break;
    default:
        start = lo + rnd(w);
        count = 1 + rnd(rnd(3) ? 40 : w / 3 + 1);
        break;
    }
    if (start < lo || start > hi)
        start = lo + rnd(w);
    if (count > (uint64_t)hi - start + 1)
        count = (uint64_t)hi - start + 1;
    return (struct idg_range){start, (uint32_t)count};
}

/* A MIN or MAX in [lo, hi]: often one of its ends. */
static uint32_t random_id(uint32_t lo, uint32_t hi)
{
    switch (rnd(8)) {
    case 0:
        return lo;
    case 1:
        return hi;
    default:
        return lo + rnd((uint64_t)hi - lo + 1);
    }
}

/*
 * The online fit, fed a random part of the taken intervals in order with
 * the rest as `extra`, answers as the batch first fit over all of them, and
 * as a brute force where the ids can be counted.
 */
START_TEST(test_fit_random)
{
    rng_seed(42);
    enum { ROUNDS = 3000 };
    size_t seen[IDG_ALLOC_BAD_REQUEST + 1] = {0}, moved = 0, with_extra = 0;
    static bool taken[FIT_W];
    for (int round = 0; round < ROUNDS; round++) {
        enum fit_space sp = (enum fit_space)(round % N_SPACES);
        uint32_t lo = sp == SPACE_LOW      ? 0
                      : sp == SPACE_TOP    ? TOP - (FIT_W - 1)
                      : sp == SPACE_WINDOW ? rnd((uint64_t)TOP - (FIT_W - 1) + 1)
                                           : 0;
        uint32_t hi = sp == SPACE_ALL ? TOP : lo + (FIT_W - 1);
        if (sp == SPACE_ALL && rnd(2)) /* the top of the space, widely */
            lo = TOP - rnd(UINT32_C(1) << rnd(32));
        size_t n = rnd(FIT_N + 1);
        struct idg_range t[FIT_N];
        for (size_t i = 0; i < n; i++)
            t[i] = random_taken(t, i, lo, hi);
        uint32_t min = random_id(lo, hi), max = random_id(lo, hi);
        if (min > max && rnd(8)) { /* mostly a valid pool */
            uint32_t x = min;
            min = max;
            max = x;
        }
        uint32_t width = max >= min ? max - min : 0;
        uint32_t count = rnd(12) == 0   ? 0
                         : rnd(12) == 0 ? width + 1 + rnd(2)
                                        : 1 + rnd(rnd(2) ? 40 : (uint64_t)width / 2 + 1);

        /* batch: one set of everything */
        struct idg_taken_set all = {0};
        for (size_t i = 0; i < n; i++)
            expect(idg_taken_add(&all, t[i], IDG_TAKEN_RANGE, NULL, (uint32_t)i + 1) == 0,
                   "round %d: no memory", round);
        idg_taken_sort(&all);
        struct idg_range want = {0, 0};
        enum idg_alloc_status want_st = idg_alloc_first_fit(&all, min, max, count, &want);

        /* online: the feed in order, the rest merged from extra */
        struct idg_taken_set extra = {0};
        struct idg_range feed[FIT_N];
        size_t n_feed = 0;
        for (size_t i = 0; i < n; i++) {
            if (rnd(3) == 0)
                expect(idg_taken_add(&extra, t[i], IDG_TAKEN_ACCOUNT, "x", 0) == 0,
                       "round %d: no memory", round);
            else
                feed[n_feed++] = t[i];
        }
        idg_taken_sort(&extra);
        with_extra += extra.n != 0;
        qsort(feed, n_feed, sizeof(feed[0]), pair_cmp);
        struct idg_fit fit;
        idg_fit_init(&fit, extra.n || rnd(2) ? &extra : NULL, min, max, count);
        bool all_feeds = rnd(2); /* the caller may stop once done, or not */
        for (size_t i = 0; i < n_feed && (all_feeds || !fit.done); i++)
            idg_fit_feed(&fit, feed[i]);
        struct idg_range got = {0, 0};
        enum idg_alloc_status st = idg_fit_result(&fit, &got);

        expect(st == want_st, "round %d: online %s, batch %s (min %u max %u count %u)", round,
               status_name(st), status_name(want_st), min, max, count);
        if (st == IDG_ALLOC_OK) {
            expect(got.start == want.start && got.count == want.count,
                   "round %d: online %u+%u, batch %u+%u", round, got.start, got.count, want.start,
                   want.count);
            expect(got.count == count && got.start >= min && idg_range_last(got) <= max &&
                       idg_taken_conflict(&all, got) == NULL,
                   "round %d: %u+%u is not free in [%u, %u]", round, got.start, got.count, min,
                   max);
            moved += got.start != min;
        }
        if (sp != SPACE_ALL) {
            memset(taken, 0, sizeof(taken));
            for (size_t i = 0; i < n; i++)
                for (uint64_t id = t[i].start; id <= idg_range_last(t[i]); id++)
                    taken[id - lo] = true;
            uint32_t bstart = 0;
            enum idg_alloc_status bst = brute_fit(taken, lo, min, max, count, &bstart);
            expect(st == bst, "round %d: online %s, brute force %s (min %u max %u count %u)", round,
                   status_name(st), status_name(bst), min, max, count);
            if (bst == IDG_ALLOC_OK)
                expect(got.start == bstart, "round %d: online %u, brute force %u", round, got.start,
                       bstart);
        }
        seen[st]++;
        idg_taken_free(&all);
        idg_taken_free(&extra);
    }
    /* the rounds are not all alike */
    expect(seen[IDG_ALLOC_OK] >= 500 && seen[IDG_ALLOC_EXHAUSTED] >= 200 &&
               seen[IDG_ALLOC_BAD_REQUEST] >= 100 && moved >= 300 && with_extra >= 1000,
           "OK %zu (moved %zu), EXHAUSTED %zu, BAD_REQUEST %zu, with extra %zu", seen[IDG_ALLOC_OK],
           moved, seen[IDG_ALLOC_EXHAUSTED], seen[IDG_ALLOC_BAD_REQUEST], with_extra);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* idg_add_scan */

/* Where line `lineno` (from 1) of text is, without its '\n'. */
static void line_span(const char *text, uint32_t lineno, size_t *off, size_t *len)
{
    const char *p = text;
    for (uint32_t l = 1; l < lineno; l++) {
        p = strchr(p, '\n');
        ck_assert_msg(p != NULL, "no line %u in the case's text", lineno);
        p++;
    }
    *off = (size_t)(p - text);
    *len = strcspn(p, "\n");
}

#define SCAN_MAX 8

/* What the scan should report for one line: 0 for none. */
struct scan_want {
    uint32_t line;
    const char *owner;
    struct idg_range r;
};

struct scan_case {
    const char *name;
    const char *text;
    const char *user; /* the owner's name */
    uint32_t uid;     /* and uid */
    bool name_only;   /* known by name only (idg_owner_init_name) */
    bool exact;       /* in */
    struct idg_range want;
    uint32_t count;
    uint32_t bad_line; /* out */
    enum idg_line_status bad;
    struct scan_want have, hit;
    size_t n_ranges;
    struct idg_range ranges[SCAN_MAX];
};

#define WANT                                                                                       \
    {                                                                                              \
        165536, 65536                                                                              \
    }

static const struct scan_case scan_cases[] = {
    {.name = "empty buffer", .text = "", .user = "alice", .uid = 1001, .count = 1},
    {.name = "comments and blank lines",
     .text = "# subuid\n\n   \n\t# indented\n#alice:165536:65536\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT},
    {.name = "a blank last line without newline",
     .text = "alice:1:1\n  \t",
     .user = "alice",
     .uid = 1001,
     .count = 2,
     .n_ranges = 1,
     .ranges = {{1, 1}}},
    {.name = "a malformed line, and the scan goes on",
     .text = "bob:100000:65536\nbob:x:1\nalice:165536:65536\n",
     .user = "alice",
     .uid = 1001,
     .count = 65536,
     .bad_line = 2,
     .bad = IDG_LINE_BAD_START,
     .have = {3, "alice", {165536, 65536}},
     .n_ranges = 2,
     .ranges = {{100000, 65536}, {165536, 65536}}},
    {.name = "the first of two malformed lines",
     .text = "bob:1:1\n# c\n:5:5\nbob:2:2\nbogus\n",
     .user = "alice",
     .uid = 1001,
     .count = 1,
     .bad_line = 3,
     .bad = IDG_LINE_BAD_OWNER,
     .n_ranges = 2,
     .ranges = {{1, 1}, {2, 2}}},
    {.name = "malformed: count 0 on line 1",
     .text = "alice:100:0\nalice:1:2:3\n",
     .user = "alice",
     .uid = 1001,
     .count = 1,
     .bad_line = 1,
     .bad = IDG_LINE_BAD_COUNT},
    {.name = "malformed: past the top",
     .text = "x:4294967290:10\nx:4294967290:5\n",
     .user = "alice",
     .uid = 1001,
     .count = 1,
     .bad_line = 1,
     .bad = IDG_LINE_BAD_RANGE,
     .n_ranges = 1,
     .ranges = {{4294967290u, 5}}},
    {.name = "malformed: a last line without newline",
     .text = "bob:1:1\nnot a line",
     .user = "alice",
     .uid = 1001,
     .count = 1,
     .bad_line = 2,
     .bad = IDG_LINE_BAD_FIELDS,
     .n_ranges = 1,
     .ranges = {{1, 1}}},
    {.name = "the owner by name",
     .text = "bob:100000:65536\nalice:165536:65536\n",
     .user = "alice",
     .uid = 1001,
     .count = 65536,
     .have = {2, "alice", {165536, 65536}},
     .n_ranges = 2,
     .ranges = {{100000, 65536}, {165536, 65536}}},
    {.name = "the owner by decimal uid",
     .text = "bob:100000:65536\n1001:165536:65536\n",
     .user = "alice",
     .uid = 1001,
     .count = 65536,
     .have = {2, "1001", {165536, 65536}},
     .n_ranges = 2,
     .ranges = {{100000, 65536}, {165536, 65536}}},
    {.name = "owners that only look alike",
     .text = "alicex:100000:65536\nalic:200000:65536\n10010:300000:65536\n01001:400000:65536\n"
             "ALICE:500000:65536\n100:600000:65536\n",
     .user = "alice",
     .uid = 1001,
     .count = 1,
     .n_ranges = 6,
     .ranges = {{100000, 65536},
                {200000, 65536},
                {300000, 65536},
                {400000, 65536},
                {500000, 65536},
                {600000, 65536}}},
    {.name = "known by name only: the uid is no one's",
     .text = "1001:100000:65536\nalice:200000:65536\n",
     .user = "alice",
     .name_only = true,
     .count = 65536,
     .have = {2, "alice", {200000, 65536}},
     .n_ranges = 2,
     .ranges = {{100000, 65536}, {200000, 65536}}},
    {.name = "count: the first owned entry large enough",
     .text = "alice:100:10\nbob:200:100000\nalice:300000:5\nalice:400000:65536\n"
             "alice:500000:70000\n",
     .user = "alice",
     .uid = 1001,
     .count = 65536,
     .have = {4, "alice", {400000, 65536}},
     .n_ranges = 5,
     .ranges = {{100, 10}, {200, 100000}, {300000, 5}, {400000, 65536}, {500000, 70000}}},
    {.name = "count: a larger entry first",
     .text = "alice:500000:70000\n1001:400000:65536\n",
     .user = "alice",
     .uid = 1001,
     .count = 65536,
     .have = {1, "alice", {500000, 70000}},
     .n_ranges = 2,
     .ranges = {{400000, 65536}, {500000, 70000}}},
    {.name = "count: none large enough",
     .text = "alice:100000:65535\nbob:200000:65536\n",
     .user = "alice",
     .uid = 1001,
     .count = 65536,
     .n_ranges = 2,
     .ranges = {{100000, 65535}, {200000, 65536}}},
    {.name = "count: no conflict is looked for",
     .text = "bob:165536:65536\n",
     .user = "alice",
     .uid = 1001,
     .want = WANT,
     .count = 1,
     .n_ranges = 1,
     .ranges = {{165536, 65536}}},
    {.name = "exact: the equal entry, after an overlapping one",
     .text = "bob:100000:65536\ncarol:200000:10\nalice:165536:65536\ndave:231071:1\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .have = {3, "alice", {165536, 65536}},
     .hit = {2, "carol", {200000, 10}},
     .n_ranges = 4,
     .ranges = {{100000, 65536}, {165536, 65536}, {200000, 10}, {231071, 1}}},
    {.name = "exact: the equal entry is the first overlap",
     .text = "alice:165536:65536\nbob:200000:10\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .have = {1, "alice", {165536, 65536}},
     .hit = {1, "alice", {165536, 65536}},
     .n_ranges = 2,
     .ranges = {{165536, 65536}, {200000, 10}}},
    {.name = "exact: by uid",
     .text = "bob:1:1\n1001:165536:65536\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .have = {2, "1001", {165536, 65536}},
     .hit = {2, "1001", {165536, 65536}},
     .n_ranges = 2,
     .ranges = {{1, 1}, {165536, 65536}}},
    {.name = "exact: another owner's equal entry",
     .text = "bob:165536:65536\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .hit = {1, "bob", {165536, 65536}},
     .n_ranges = 1,
     .ranges = {{165536, 65536}}},
    {.name = "exact: the owner's entry, one id short",
     .text = "alice:165536:65535\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .hit = {1, "alice", {165536, 65535}},
     .n_ranges = 1,
     .ranges = {{165536, 65535}}},
    {.name = "exact: the owner's entry, another start",
     .text = "alice:165537:65536\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .hit = {1, "alice", {165537, 65536}},
     .n_ranges = 1,
     .ranges = {{165537, 65536}}},
    {.name = "exact: neighbours only",
     .text = "bob:100000:65536\ncarol:231072:10\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .n_ranges = 2,
     .ranges = {{100000, 65536}, {231072, 10}}},
    {.name = "exact: overlapping its last id",
     .text = "bob:100000:65536\ncarol:231071:10\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .hit = {2, "carol", {231071, 10}},
     .n_ranges = 2,
     .ranges = {{100000, 65536}, {231071, 10}}},
    {.name = "exact: overlapping its first id",
     .text = "# c\ncarol:165535:2\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .hit = {2, "carol", {165535, 2}},
     .n_ranges = 1,
     .ranges = {{165535, 2}}},
    {.name = "exact: a range around it",
     .text = "small:1:1\nbig:0:1000000\n",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .hit = {2, "big", {0, 1000000}},
     .n_ranges = 2,
     .ranges = {{0, 1000000}, {1, 1}}},
    {.name = "exact: a conflict on a last line without newline",
     .text = "bob:100:10\ncarol:165536:1",
     .user = "alice",
     .uid = 1001,
     .exact = true,
     .want = WANT,
     .hit = {2, "carol", {165536, 1}},
     .n_ranges = 2,
     .ranges = {{100, 10}, {165536, 1}}},
    {.name = "the owner on a last line without newline",
     .text = "bob:100:10\nalice:200:65536",
     .user = "alice",
     .uid = 1001,
     .count = 65536,
     .have = {2, "alice", {200, 65536}},
     .n_ranges = 2,
     .ranges = {{100, 10}, {200, 65536}}},
    {.name = "comments count as lines",
     .text = "# a\n\nalice:5:65536\n",
     .user = "alice",
     .uid = 1001,
     .count = 65536,
     .have = {3, "alice", {5, 65536}},
     .n_ranges = 1,
     .ranges = {{5, 65536}}},
    {.name = "ranges sorted: a line out of order",
     .text = "c:500:1\n# x\na:100:2\nb:300:3\nd:200:4\n",
     .user = "alice",
     .uid = 1001,
     .count = 1,
     .n_ranges = 4,
     .ranges = {{100, 2}, {200, 4}, {300, 3}, {500, 1}}},
    {.name = "ranges sorted: reversed, after a malformed line",
     .text = "h:8000000000:1\n"
             "g:4294967294:1\ng:70000:7\nf:60000:6\ne:50000:5\nd:40000:4\nc:30000:3\nb:20000:2\n"
             "a:10000:1\n",
     .user = "alice",
     .uid = 1001,
     .count = 1,
     .bad_line = 1,
     .bad = IDG_LINE_BAD_START,
     .n_ranges = 8,
     .ranges = {{10000, 1},
                {20000, 2},
                {30000, 3},
                {40000, 4},
                {50000, 5},
                {60000, 6},
                {70000, 7},
                {4294967294u, 1}}},
    /* "a:0:1\n" is the shortest entry: room for every one */
    {.name = "the shortest lines, no last newline",
     .text = "a:2:1\na:1:1\na:0:1",
     .user = "a",
     .uid = 1001,
     .count = 1,
     .have = {1, "a", {2, 1}},
     .n_ranges = 3,
     .ranges = {{0, 1}, {1, 1}, {2, 1}}},
    {.name = "the shortest lines",
     .text = "a:0:1\na:1:1\na:2:1\na:3:1\n",
     .user = "b",
     .uid = 1001,
     .count = 1,
     .n_ranges = 4,
     .ranges = {{0, 1}, {1, 1}, {2, 1}, {3, 1}}},
};

/* What the scan reported for one line is that line of text. */
static void check_scan_hit(const char *name, const char *which, const char *text, const char *buf,
                           const struct idg_scan_hit *h, const struct scan_want *w)
{
    size_t off, len;
    line_span(text, w->line, &off, &len);
    ck_assert_msg(h->lineno == w->line, "%s: %s on line %u, want %u", name, which, h->lineno,
                  w->line);
    ck_assert_msg(h->off == off && h->len == len, "%s: %s at %zu+%zu, want %zu+%zu", name, which,
                  h->off, h->len, off, len);
    size_t olen = strlen(w->owner);
    ck_assert_msg(h->e.owner >= buf + off && h->e.owner + h->e.owner_len <= buf + off + len,
                  "%s: %s: the owner is not in its line", name, which);
    ck_assert_msg(h->e.owner_len == olen && memcmp(h->e.owner, w->owner, olen) == 0,
                  "%s: %s: owner \"%.*s\", want \"%s\"", name, which, (int)h->e.owner_len,
                  h->e.owner, w->owner);
    ck_assert_msg(h->e.range.start == w->r.start && h->e.range.count == w->r.count,
                  "%s: %s: %u+%u, want %u+%u", name, which, h->e.range.start, h->e.range.count,
                  w->r.start, w->r.count);
}

START_TEST(test_add_scan)
{
    const struct scan_case *c = &scan_cases[_i];
    struct idg_owner o;
    if (c->name_only)
        idg_owner_init_name(&o, c->user);
    else
        idg_owner_init(&o, c->user, c->uid);
    /* an exact-size copy: ASan sees a read past the last byte */
    size_t len = strlen(c->text);
    char *buf = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, c->text, len);
    struct idg_add_scan sc = {.owner = &o, .exact = c->exact, .want = c->want, .count = c->count};
    ck_assert_int_eq(idg_add_scan(buf, len, &sc), 0);

    ck_assert_msg(sc.bad_line == c->bad_line, "%s: bad line %u, want %u", c->name, sc.bad_line,
                  c->bad_line);
    if (c->bad_line)
        ck_assert_msg(sc.bad == c->bad, "%s: line status %d, want %d", c->name, (int)sc.bad,
                      (int)c->bad);
    ck_assert_msg(sc.has == (c->have.line != 0), "%s: has %d", c->name, sc.has);
    if (c->have.line)
        check_scan_hit(c->name, "have", c->text, buf, &sc.have, &c->have);
    ck_assert_msg(sc.conflict == (c->hit.line != 0), "%s: conflict %d", c->name, sc.conflict);
    if (c->hit.line)
        check_scan_hit(c->name, "hit", c->text, buf, &sc.hit, &c->hit);
    /* c->ranges: every entry's range; the scan keeps them joined */
    check_joined(c->name, c->ranges, c->n_ranges, sc.ranges, sc.n_ranges);
    idg_add_scan_free(&sc);
    free(buf);
}
END_TEST

/* idg_add_scan_fd over text, written to a memfd, read `chunk` bytes at a time. */
static int add_scan_file(const char *text, size_t len, size_t chunk, struct idg_add_scan *sc,
                         struct idg_chunks_read *rd)
{
    int fd = memfd_create("subuid", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert(len == 0 || write(fd, text, len) == (ssize_t)len);
    /* the offset is at the end now: the scan reads from the start all the
       same, as the pieces of an edit count from there */
    int rc = idg_add_scan_fd(fd, chunk, sc, rd);
    close(fd);
    return rc;
}

/* A hit of the chunked scan is the buffer scan's hit h, with its own copy
 * of the line, the owner inside the copy. */
static void same_hit_copied(const char *what, const char *which, const char *buf,
                            const struct idg_scan_hit *got, const struct idg_scan_hit *h)
{
    expect(got->lineno == h->lineno && got->off == h->off && got->len == h->len,
           "%s: %s on line %u at %zu+%zu, want line %u at %zu+%zu", what, which, got->lineno,
           got->off, got->len, h->lineno, h->off, h->len);
    expect(got->text && h->text == NULL && memcmp(got->text, buf + h->off, h->len) == 0 &&
               got->text[h->len] == '\0',
           "%s: %s: the copy is not the line", what, which);
    expect(got->text && got->e.owner == got->text + (h->e.owner - (buf + h->off)) &&
               got->e.owner_len == h->e.owner_len && got->e.range.start == h->e.range.start &&
               got->e.range.count == h->e.range.count && got->e.window == h->e.window,
           "%s: %s: another entry", what, which);
}

/*
 * Random files, against the parsed model (idg_subid_file_adopt): the same
 * first bad line, owned entries and ranges; and the chunked scan of the
 * same file against the buffer scan.
 */
START_TEST(test_add_scan_random)
{
    rng_seed(1001);
    static const char *const owners[] = {"alice", "1001", "bob", "1002", "alicex", "10010"};
    enum { ROUNDS = 400, MAX_LINES = 300 };
    struct idg_owner o;
    idg_owner_init(&o, "alice", 1001);
    size_t cap = MAX_LINES * 40 + 1, n_sorted = 0, n_unsorted = 0, n_has = 0, n_hit = 0, n_bad = 0,
           n_joined = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    for (int round = 0; round < ROUNDS; round++) {
        size_t lines = rnd(MAX_LINES + 1), len = 0;
        bool with_bad = rnd(4) == 0, shuffle = rnd(2);
        uint32_t next = rnd(1000);
        for (size_t l = 0; l < lines; l++) {
            int w;
            uint32_t pick = rnd(40);
            if (pick == 0)
                w = snprintf(text + len, cap - len, "# comment %zu\n", l);
            else if (pick == 1)
                w = snprintf(text + len, cap - len, "\n");
            else if (pick == 2 && with_bad)
                w = snprintf(text + len, cap - len, "bad line %zu\n", l);
            else {
                uint32_t count = 1 + rnd(rnd(2) ? 100 : 70000);
                uint32_t start = shuffle && rnd(8) == 0 ? rnd(next + 1) : next;
                next += rnd(2) ? count : rnd(count + 1) + rnd(100);
                w = snprintf(text + len, cap - len, "%s:%u:%u\n", owners[rnd(ARRAY_SIZE(owners))],
                             start, count);
            }
            ck_assert(w > 0 && (size_t)w < cap - len);
            len += (size_t)w;
        }
        if (len && rnd(4) == 0)
            len--; /* the last line without its newline */
        struct idg_subid_file f = {0};
        char *copy = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, text, len);
        expect(idg_subid_file_adopt(&f, copy, len) == 0, "round %d: idg_subid_file_adopt failed",
               round);
        n_sorted += f.sorted && f.n > 1;
        n_unsorted += !f.sorted;

        /* often what an entry of the file is, or overlaps */
        bool exact = rnd(2);
        struct idg_range want = {rnd(next + 1), 1 + rnd(70000)};
        uint32_t count = 1 + rnd(70000);
        if (f.n && rnd(2)) {
            want = f.v[rnd(f.n)].e.range;
            count = want.count + rnd(3) - 1;
        }
        if (want.count > ALL - want.start)
            want.count = ALL - want.start;

        struct idg_add_scan sc = {.owner = &o, .exact = exact, .want = want, .count = count};
        char *buf = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(buf);
        memcpy(buf, text, len);
        expect(idg_add_scan(buf, len, &sc) == 0, "round %d: not 0", round);

        uint32_t bad_line = f.n_bad ? f.bad[0].lineno : 0;
        expect(sc.bad_line == bad_line, "round %d: bad line %u, want %u", round, sc.bad_line,
               bad_line);
        if (bad_line)
            expect(sc.bad == f.bad[0].st, "round %d: status %d, want %d", round, (int)sc.bad,
                   (int)f.bad[0].st);
        size_t have = SIZE_MAX, hit = SIZE_MAX;
        for (size_t i = 0; i < f.n; i++) {
            struct idg_range r = f.v[i].e.range;
            bool serves = exact ? r.start == want.start && r.count == want.count : r.count >= count;
            if (have == SIZE_MAX && serves && idg_subid_file_owned(&f, i, &o))
                have = i;
            if (hit == SIZE_MAX && exact && idg_range_overlaps(r, want))
                hit = i;
        }
        expect(sc.has == (have != SIZE_MAX), "round %d: has %d", round, sc.has);
        n_has += sc.has;
        n_hit += sc.conflict;
        n_bad += sc.bad_line != 0;
        if (sc.has) {
            expect(sc.have.lineno == f.v[have].lineno, "round %d: have on line %u, want %u", round,
                   sc.have.lineno, f.v[have].lineno);
            expect(sc.have.off == f.v[have].off && sc.have.len == f.v[have].len,
                   "round %d: have at %zu+%zu, want %zu+%zu", round, sc.have.off, sc.have.len,
                   f.v[have].off, f.v[have].len);
        }
        expect(sc.conflict == (hit != SIZE_MAX), "round %d: conflict %d", round, sc.conflict);
        if (sc.conflict) {
            expect(sc.hit.lineno == f.v[hit].lineno, "round %d: hit on line %u, want %u", round,
                   sc.hit.lineno, f.v[hit].lineno);
            expect(sc.hit.off == f.v[hit].off && sc.hit.len == f.v[hit].len,
                   "round %d: hit at %zu+%zu, want %zu+%zu", round, sc.hit.off, sc.hit.len,
                   f.v[hit].off, f.v[hit].len);
        }
        struct idg_range *model = malloc((f.n ? f.n : 1) * sizeof(*model));
        ck_assert_ptr_nonnull(model);
        for (size_t i = 0; i < f.n; i++)
            model[i] = f.v[i].e.range;
        char what[32];
        snprintf(what, sizeof(what), "round %d", round);
        check_joined(what, model, f.n, sc.ranges, sc.n_ranges);
        n_joined += sc.n_ranges < f.n;
        free(model);

        /* Read from a file in chunks of 1 to 64 bytes (lines cross every
           chunk edge, and outgrow the chunk): the same answers, the hits
           with their own copy of their line. */
        size_t chunk = 1 + rnd(64);
        struct idg_add_scan fs = {.owner = &o, .exact = exact, .want = want, .count = count};
        struct idg_chunks_read rd;
        expect(add_scan_file(text, len, chunk, &fs, &rd) == 0, "round %d: fd scan not 0", round);
        expect(rd.len == len && rd.open_line == (len && text[len - 1] != '\n'),
               "round %d: read %zu bytes (open line %d), want %zu", round, rd.len, rd.open_line,
               len);
        expect(fs.bad_line == sc.bad_line && (!fs.bad_line || fs.bad == sc.bad) &&
                   fs.has == sc.has && fs.conflict == sc.conflict,
               "round %d, chunk %zu: bad %u has %d conflict %d, want %u %d %d", round, chunk,
               fs.bad_line, fs.has, fs.conflict, sc.bad_line, sc.has, sc.conflict);
        if (fs.has && sc.has)
            same_hit_copied(what, "have", buf, &fs.have, &sc.have);
        if (fs.conflict && sc.conflict)
            same_hit_copied(what, "hit", buf, &fs.hit, &sc.hit);
        expect(fs.n_ranges == sc.n_ranges &&
                   (sc.n_ranges == 0 ||
                    memcmp(fs.ranges, sc.ranges, sc.n_ranges * sizeof(*sc.ranges)) == 0),
               "round %d, chunk %zu: other ranges kept", round, chunk);
        idg_add_scan_free(&fs);

        idg_subid_file_free(&f);
        idg_add_scan_free(&sc);
        free(buf);
    }
    expect(n_sorted >= 100 && n_unsorted >= 100 && n_has >= 50 && n_hit >= 50 && n_bad >= 50 &&
               n_joined >= 100,
           "%zu sorted files, %zu not; %zu served, %zu in conflict, %zu malformed, %zu joined",
           n_sorted, n_unsorted, n_has, n_hit, n_bad, n_joined);
    free(text);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* idg_taken_build with a file in order: read in place, merged with v */

/* The same entries, in order and not; the lines they are on in each. */
static const char file_in_order[] = "# subuid\n"           /* 1 */
                                    "bob:100000:65536\n"   /* 2 */
                                    "carol:165536:10\n"    /* 3 */
                                    "oops\n"               /* 4 */
                                    "\n"                   /* 5 */
                                    "alice:300000:65536\n" /* 6 */
                                    "big:400000:1000000\n" /* 7 */
                                    "dave:500000:5\n";     /* 8 */
static const char file_shuffled[] = "dave:500000:5\n"      /* 1 */
                                    "# subuid\n"           /* 2 */
                                    "alice:300000:65536\n" /* 3 */
                                    "bob:100000:65536\n"   /* 4 */
                                    "oops\n"               /* 5 */
                                    "big:400000:1000000\n" /* 6 */
                                    "carol:165536:10";     /* 7, no newline */

struct file_conflict_case {
    struct idg_range r;
    enum idg_taken_kind kind; /* of the conflict */
    struct idg_range at;      /* its range; count 0: no conflict */
    uint32_t line[2];         /* in file_in_order, in file_shuffled */
    const char *what;         /* accounts */
};

static const struct file_conflict_case file_conflict_cases[] = {
    {{60001, 39999}, 0, {0, 0}, {0, 0}, NULL},
    {{0, 1}, IDG_TAKEN_POOL, {0, 60001}, {0, 0}, NULL},
    {{1001, 1}, IDG_TAKEN_POOL, {0, 60001}, {0, 0}, NULL},
    {{99999, 2}, IDG_TAKEN_RANGE, {100000, 65536}, {2, 4}, NULL},
    {{165535, 1}, IDG_TAKEN_RANGE, {100000, 65536}, {2, 4}, NULL},
    /* carol's range holds svc's id: carol starts first */
    {{165540, 1}, IDG_TAKEN_RANGE, {165536, 10}, {3, 7}, NULL},
    {{165541, 5}, IDG_TAKEN_RANGE, {165536, 10}, {3, 7}, NULL},
    {{165546, 134454}, 0, {0, 0}, {0, 0}, NULL},
    {{165546, 134455}, IDG_TAKEN_RANGE, {300000, 65536}, {6, 3}, NULL},
    {{365535, 1}, IDG_TAKEN_RANGE, {300000, 65536}, {6, 3}, NULL},
    {{365536, 1}, IDG_TAKEN_ACCOUNT, {365536, 1}, {0, 0}, "far"},
    {{365536, 100000}, IDG_TAKEN_ACCOUNT, {365536, 1}, {0, 0}, "far"},
    {{365537, 34463}, 0, {0, 0}, {0, 0}, NULL},
    /* big holds dave's range: big starts first */
    {{500004, 10}, IDG_TAKEN_RANGE, {400000, 1000000}, {7, 6}, NULL},
    {{900000, 1}, IDG_TAKEN_RANGE, {400000, 1000000}, {7, 6}, NULL},
    {{1399999, 1}, IDG_TAKEN_RANGE, {400000, 1000000}, {7, 6}, NULL},
    {{1400000, 1}, 0, {0, 0}, {0, 0}, NULL},
    {{1400000, TOP - 1400000 + 1}, 0, {0, 0}, {0, 0}, NULL},
    {{0, ALL}, IDG_TAKEN_POOL, {0, 60001}, {0, 0}, NULL},
};

struct file_fit_case {
    uint32_t min, max, count;
    enum idg_alloc_status st;
    uint32_t start;
};

static const struct file_fit_case file_fit_cases[] = {
    {100000, 600100000, 65536, IDG_ALLOC_OK, 165546},
    {100000, 600100000, 134454, IDG_ALLOC_OK, 165546},
    {100000, 600100000, 134455, IDG_ALLOC_OK, 1400000},
    {0, 600100000, 39999, IDG_ALLOC_OK, 60001},
    {0, 600100000, 40000, IDG_ALLOC_OK, 165546},
    {365536, 399999, 34463, IDG_ALLOC_OK, 365537},
    {365536, 399998, 34463, IDG_ALLOC_EXHAUSTED, 0},
    {400000, 1399999, 1, IDG_ALLOC_EXHAUSTED, 0},
    {100000, 165545, 1, IDG_ALLOC_EXHAUSTED, 0},
    {100000, 165546, 1, IDG_ALLOC_OK, 165546},
    {1399999, TOP, ALL - 1400000, IDG_ALLOC_OK, 1400000},
    {0, TOP, 1, IDG_ALLOC_OK, 60001},
};

static const struct idg_pool file_pool = {100000, 600100000, 65536, false, 1000, 60000};

static void build_accounts(struct idg_id_list *accts)
{
    *accts = (struct idg_id_list){0};
    ck_assert_int_eq(idg_id_list_add(accts, 1001, "alice"), 0);
    ck_assert_int_eq(idg_id_list_add(accts, 165540, "svc"), 0);
    ck_assert_int_eq(idg_id_list_add(accts, 365536, "far"), 0);
    idg_id_list_sort(accts);
}

START_TEST(test_taken_build_file)
{
    struct idg_subid_file f[2];
    adopt_text(&f[0], file_in_order);
    adopt_text(&f[1], file_shuffled);
    ck_assert(f[0].sorted);
    ck_assert(!f[1].sorted);
    struct idg_id_list accts;
    build_accounts(&accts);
    struct idg_taken_set s[2];
    for (int k = 0; k < 2; k++) {
        memset(&s[k], 0xa5, sizeof(s[k]));
        ck_assert_int_eq(idg_taken_build(&s[k], &f[k], &accts, &file_pool), 0);
        ck_assert(s[k].sorted);
    }
    /* in order: read in place, only the accounts and the pool in v */
    ck_assert_ptr_eq(s[0].file, &f[0]);
    ck_assert_ptr_nonnull(s[0].hit);
    ck_assert_uint_eq(s[0].n, 3 + 1);
    /* out of order: copied */
    ck_assert_ptr_null(s[1].file);
    ck_assert_uint_eq(s[1].n, 5 + 3 + 1);

    for (size_t i = 0; i < ARRAY_SIZE(file_conflict_cases); i++) {
        const struct file_conflict_case *c = &file_conflict_cases[i];
        for (int k = 0; k < 2; k++) {
            const struct idg_taken *t = idg_taken_conflict(&s[k], c->r);
            if (!c->at.count) {
                ck_assert_msg(t == NULL, "%u+%u (file %d): conflict with %u+%u, want none",
                              c->r.start, c->r.count, k, t ? t->range.start : 0,
                              t ? t->range.count : 0);
                continue;
            }
            ck_assert_msg(t != NULL, "%u+%u (file %d): no conflict", c->r.start, c->r.count, k);
            ck_assert_msg(t->kind == c->kind && t->range.start == c->at.start &&
                              t->range.count == c->at.count,
                          "%u+%u (file %d): conflict with kind %d %u+%u, want kind %d %u+%u",
                          c->r.start, c->r.count, k, (int)t->kind, t->range.start, t->range.count,
                          (int)c->kind, c->at.start, c->at.count);
            if (c->kind == IDG_TAKEN_RANGE) {
                ck_assert_msg(t->line == c->line[k], "%u+%u (file %d): line %u, want %u",
                              c->r.start, c->r.count, k, t->line, c->line[k]);
                ck_assert_ptr_null(t->what);
                /* in place: described in the scratch entry */
                if (k == 0)
                    ck_assert_ptr_eq(t, s[0].hit);
            } else {
                ck_assert_msg(t >= s[k].v && t < s[k].v + s[k].n, "%u+%u: not in v", c->r.start,
                              c->r.count);
            }
            if (c->what)
                ck_assert_str_eq(t->what, c->what);
        }
    }

    for (size_t i = 0; i < ARRAY_SIZE(file_fit_cases); i++) {
        const struct file_fit_case *c = &file_fit_cases[i];
        for (int k = 0; k < 2; k++) {
            struct idg_range out = {0xdead, 0xbeef};
            enum idg_alloc_status st = idg_alloc_first_fit(&s[k], c->min, c->max, c->count, &out);
            ck_assert_msg(st == c->st, "fit %zu (file %d): %s, want %s (got %u+%u)", i, k,
                          status_name(st), status_name(c->st), out.start, out.count);
            if (st == IDG_ALLOC_OK)
                ck_assert_msg(out.start == c->start && out.count == c->count,
                              "fit %zu (file %d): %u+%u, want %u+%u", i, k, out.start, out.count,
                              c->start, c->count);
        }
    }

    /* deterministic: uid 1000's slot is bob's; uid 1001's holds carol's */
    for (int k = 0; k < 2; k++) {
        struct idg_range out;
        const struct idg_taken *conflict = NULL;
        ck_assert_int_eq(idg_alloc_deterministic(&s[k], &file_pool, 1000, 65536, &out, &conflict),
                         IDG_ALLOC_COLLIDES);
        ck_assert_ptr_nonnull(conflict);
        ck_assert_int_eq(conflict->kind, IDG_TAKEN_RANGE);
        ck_assert_uint_eq(conflict->line, k == 0 ? 2 : 4);
        ck_assert_uint_eq(conflict->range.start, 100000);
        ck_assert_int_eq(idg_alloc_deterministic(&s[k], &file_pool, 1001, 65536, &out, &conflict),
                         IDG_ALLOC_COLLIDES);
        ck_assert_ptr_nonnull(conflict);
        ck_assert_uint_eq(conflict->line, k == 0 ? 3 : 7);
        ck_assert_uint_eq(conflict->range.start, 165536);
        ck_assert_uint_eq(conflict->range.count, 10);
    }

    for (int k = 0; k < 2; k++) {
        idg_taken_free(&s[k]);
        idg_subid_file_free(&f[k]);
    }
    idg_id_list_free(&accts);
}
END_TEST

#define BF_W 3000u /* the id space of the random files */
#define BF_N 20    /* entries at most */
#define BF_A 5     /* accounts at most */

/* One interval of the random build test, and the lines it is on. */
struct bf_item {
    struct idg_range r;
    enum idg_taken_kind kind;
    uint32_t line[2];
    const char *what;
};

static int bf_cmp(const void *x, const void *y)
{
    return pair_cmp(&((const struct bf_item *)x)->r, &((const struct bf_item *)y)->r);
}

/* Write entries e[order[0..n)] as lines, with comments and bad lines, into text. */
static size_t bf_write(char *text, size_t cap, struct bf_item *e, const size_t *order, size_t n,
                       int k)
{
    size_t len = 0;
    uint32_t line = 0;
    for (size_t i = 0; i < n; i++) {
        int w;
        for (int x = 0; x < 2 && rnd(4) == 0; x++) {
            w = snprintf(text + len, cap - len, rnd(2) ? "# note\n" : "bad\n");
            ck_assert(w > 0 && (size_t)w < cap - len);
            len += (size_t)w;
            line++;
        }
        struct bf_item *it = &e[order[i]];
        w = snprintf(text + len, cap - len, "u%zu:%u:%u\n", order[i], it->r.start, it->r.count);
        ck_assert(w > 0 && (size_t)w < cap - len);
        len += (size_t)w;
        it->line[k] = ++line;
    }
    return len;
}

/*
 * Random files in order (read in place) and the same shuffled (copied):
 * both sets give the conflict a search over every interval finds, and the
 * first fit a brute force finds.
 */
START_TEST(test_taken_build_file_random)
{
    rng_seed(65536);
    static const char *const names[BF_A] = {"a0", "a1", "a2", "a3", "a4"};
    enum { ROUNDS = 300, PROBES = 40, FITS = 20 };
    char text[2][BF_N * 64 + 1];
    static bool taken[BF_W];
    size_t file_hits = 0, v_hits = 0;
    for (int round = 0; round < ROUNDS; round++) {
        size_t n = rnd(BF_N + 1), na = rnd(BF_A + 1);
        struct bf_item it[BF_N + BF_A + 1];
        bool used[BF_W] = {[0] = true}; /* distinct starts: the first overlap is one */
        for (size_t i = 0; i < n + na; i++) {
            uint32_t start;
            do
                start = rnd(BF_W);
            while (used[start]);
            used[start] = true;
            uint32_t count = i < n ? 1 + rnd(rnd(3) ? 60 : 600) : 1;
            if (count > BF_W - start)
                count = BF_W - start;
            it[i] = (struct bf_item){{start, count},
                                     i < n ? IDG_TAKEN_RANGE : IDG_TAKEN_ACCOUNT,
                                     {0, 0},
                                     i < n ? NULL : names[i - n]};
        }
        struct idg_pool pool = {0, BF_W - 1, 1, false, 0, rnd(80)};
        it[n + na] = (struct bf_item){{0, pool.acct_max + 1}, IDG_TAKEN_POOL, {0, 0}, NULL};

        /* file 0 in start order, file 1 out of it */
        size_t order[2][BF_N];
        for (size_t i = 0; i < n; i++)
            order[0][i] = order[1][i] = i;
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && it[order[0][j]].r.start < it[order[0][j - 1]].r.start;
                 j--) {
                size_t x = order[0][j];
                order[0][j] = order[0][j - 1];
                order[0][j - 1] = x;
            }
        for (size_t i = n; i > 1; i--) {
            size_t j = rnd(i), x = order[1][i - 1];
            order[1][i - 1] = order[1][j];
            order[1][j] = x;
        }
        bool in_order = true;
        for (size_t i = 1; i < n; i++)
            in_order &= it[order[1][i]].r.start > it[order[1][i - 1]].r.start;
        if (in_order && n > 1) {
            size_t x = order[1][0];
            order[1][0] = order[1][1];
            order[1][1] = x;
        }
        struct idg_subid_file f[2];
        for (int k = 0; k < 2; k++) {
            size_t len = bf_write(text[k], sizeof(text[k]), it, order[k], n, k);
            char *buf = malloc(len ? len : 1);
            ck_assert_ptr_nonnull(buf);
            memcpy(buf, text[k], len);
            f[k] = (struct idg_subid_file){0};
            expect(idg_subid_file_adopt(&f[k], buf, len) == 0,
                   "round %d: idg_subid_file_adopt failed", round);
            expect(f[k].n == n, "round %d: %zu entries, want %zu", round, f[k].n, n);
        }
        ck_assert(f[0].sorted);
        ck_assert(n < 2 || !f[1].sorted);

        struct idg_id_list accts = {0};
        for (size_t i = n; i < n + na; i++)
            expect(idg_id_list_add(&accts, it[i].r.start, it[i].what) == 0,
                   "round %d: idg_id_list_add failed", round);
        idg_id_list_sort(&accts);
        struct idg_taken_set s[2];
        for (int k = 0; k < 2; k++)
            expect(idg_taken_build(&s[k], &f[k], &accts, &pool) == 0,
                   "round %d: idg_taken_build failed", round);
        ck_assert_msg(s[0].file == &f[0], "round %d: the file in order is not read in place",
                      round);
        ck_assert_msg(s[0].n == na + 1, "round %d: %zu in v, want %zu", round, s[0].n, na + 1);
        if (n > 1) {
            ck_assert_msg(s[1].file == NULL, "round %d: the file out of order is read in place",
                          round);
            ck_assert_msg(s[1].n == n + na + 1, "round %d: %zu in v, want %zu", round, s[1].n,
                          n + na + 1);
        }

        /* the conflict: the interval starting first among those overlapping */
        qsort(it, n + na + 1, sizeof(it[0]), bf_cmp);
        for (int p = 0; p < PROBES; p++) {
            uint32_t start = rnd(BF_W + 10);
            struct idg_range r = {start, 1 + rnd(rnd(2) ? 20 : 400)};
            const struct bf_item *want = NULL;
            for (size_t i = 0; i < n + na + 1 && !want; i++)
                if (idg_range_overlaps(it[i].r, r))
                    want = &it[i];
            for (int k = 0; k < 2; k++) {
                const struct idg_taken *t = idg_taken_conflict(&s[k], r);
                expect((t != NULL) == (want != NULL),
                       "round %d, %u+%u (file %d): conflict %d, want %d", round, r.start, r.count,
                       k, t != NULL, want != NULL);
                if (!t)
                    continue;
                expect(t->kind == want->kind && t->range.start == want->r.start &&
                           t->range.count == want->r.count,
                       "round %d, %u+%u (file %d): kind %d %u+%u, want kind %d %u+%u", round,
                       r.start, r.count, k, (int)t->kind, t->range.start, t->range.count,
                       (int)want->kind, want->r.start, want->r.count);
                if (want->kind == IDG_TAKEN_RANGE)
                    expect(t->line == want->line[k], "round %d (file %d): line %u, want %u", round,
                           k, t->line, want->line[k]);
                if (want->kind == IDG_TAKEN_ACCOUNT)
                    expect(strcmp(t->what, want->what) == 0, "%s, want %s", t->what, want->what);
                if (k == 0) {
                    file_hits += t == s[0].hit;
                    v_hits += t != s[0].hit;
                }
            }
        }

        /* first fit, against the ids counted one by one */
        memset(taken, 0, sizeof(taken));
        for (size_t i = 0; i < n + na + 1; i++)
            for (uint32_t id = it[i].r.start; id <= idg_range_last(it[i].r); id++)
                taken[id] = true;
        for (int q = 0; q < FITS; q++) {
            uint32_t min = rnd(BF_W), max = min + rnd(BF_W - min);
            uint32_t count = 1 + rnd(rnd(2) ? 10 : max - min + 1);
            uint32_t want = 0;
            enum idg_alloc_status want_st = brute_fit(taken, 0, min, max, count, &want);
            for (int k = 0; k < 2; k++) {
                struct idg_range out = {0, 0};
                enum idg_alloc_status st = idg_alloc_first_fit(&s[k], min, max, count, &out);
                expect(st == want_st && (st != IDG_ALLOC_OK || out.start == want),
                       "round %d, [%u, %u] count %u (file %d): %s %u, want %s %u", round, min, max,
                       count, k, status_name(st), out.start, status_name(want_st), want);
            }
        }
        for (int k = 0; k < 2; k++) {
            idg_taken_free(&s[k]);
            idg_subid_file_free(&f[k]);
        }
        idg_id_list_free(&accts);
    }
    expect(file_hits >= 1000 && v_hits >= 300, "%zu conflicts in the file, %zu in v", file_hits,
           v_hits);
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
    tcase_add_loop_test(tc, test_grant_deterministic, 0, (int)ARRAY_SIZE(grant_det_cases));
    tcase_add_loop_test(tc, test_grant_window_name, 0, (int)ARRAY_SIZE(grant_name_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("ranges-sort");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_ranges_sort, 0, (int)ARRAY_SIZE(sort_cases));
    tcase_add_test(tc, test_ranges_sort_random);
    suite_add_tcase(s, tc);

    tc = tcase_create("online-fit");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_fit_edges, 0, (int)ARRAY_SIZE(fit_edge_cases));
    tcase_add_test(tc, test_fit_random);
    suite_add_tcase(s, tc);

    tc = tcase_create("add-scan");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_add_scan, 0, (int)ARRAY_SIZE(scan_cases));
    tcase_add_test(tc, test_add_scan_random);
    suite_add_tcase(s, tc);

    tc = tcase_create("taken-file");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_taken_build_file);
    tcase_add_test(tc, test_taken_build_file_random);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(alloc_suite());
}
