/* SPDX-License-Identifier: BSD-3-Clause */
/* decide.h: the one pure decision, as tables. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decide.h"
#include "fixtures.h"
#include "unit.h"

#define TOP UINT32_C(4294967294)
#define MAXN 4

static const struct idg_caller root = {.uid = 0, .gid = 0, .own = {0}, .n_own = 1};

static const struct idg_target root_target = {.uid = 0,
                                              .gid = 0,
                                              .same_ns = false,
                                              .child_ns = true,
                                              .ns_owner = 0,
                                              .map_written = false,
                                              .ns_hidden = false};

struct decide_case {
    const char *name;
    const struct idg_caller *caller;
    const struct idg_target *target;
    size_t n;
    struct idg_extent ext[MAXN];
    size_t n_allot;
    struct idg_range allot[MAXN]; /* sorted */
    enum idg_code code;
    size_t extent, other; /* checked for refusals that name extents */
    struct idg_range gap; /* checked for NOT/PARTLY_ALLOTTED */
    bool via_allotment;   /* checked for IDG_ALLOW */
    bool maps_host_root;  /* checked always */
    /* checked for IDG_ALLOW: how each extent was granted (-1: own id) */
    int grant[MAXN];
};

static const struct decide_case decide_cases[] = {
    {.name = "allotted, whole allotment",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 100000, 65536}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0}},
    {.name = "allotted, inside one allotment",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 120000, 1000}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0}},
    {.name = "allotted, the last id of the allotment",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 165535, 1}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0}},
    {.name = "two adjacent allotments join",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 150000, 30000}},
     .n_allot = 2,
     .allot = {{100000, 65536}, {165536, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0}},
    {.name = "second of two allotments",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 170000, 10}},
     .n_allot = 2,
     .allot = {{100000, 65536}, {165536, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {1}},
    {.name = "overlapping allotments join",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 100000, 115536}},
     .n_allot = 2,
     .allot = {{100000, 65536}, {150000, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0}},
    {.name = "a large allotment holding a small one",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 100500, 2000}},
     .n_allot = 2,
     .allot = {{100000, 1000}, {100000, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0}},
    {.name = "partly allotted: runs off the end",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 150000, 30000}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_PARTLY_ALLOTTED,
     .extent = 0,
     .gap = {165536, 14464}},
    {.name = "partly allotted: starts before",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 99000, 2000}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_PARTLY_ALLOTTED,
     .extent = 0,
     .gap = {99000, 1000}},
    {.name = "partly allotted: a hole between two allotments",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 100000, 3000}},
     .n_allot = 2,
     .allot = {{100000, 1000}, {102000, 1000}},
     .code = IDG_DENY_PARTLY_ALLOTTED,
     .extent = 0,
     .gap = {101000, 1000}},
    {.name = "partly allotted: one id short",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 100000, 65537}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_PARTLY_ALLOTTED,
     .extent = 0,
     .gap = {165536, 1}},
    {.name = "not allotted",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 200000, 65536}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_NOT_ALLOTTED,
     .extent = 0,
     .gap = {200000, 65536}},
    {.name = "not allotted: just after the allotment",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 165536, 10}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_NOT_ALLOTTED,
     .extent = 0,
     .gap = {165536, 10}},
    {.name = "not allotted: no allotments at all",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 100000, 65536}},
     .n_allot = 0,
     .code = IDG_DENY_NOT_ALLOTTED,
     .extent = 0,
     .gap = {100000, 65536}},
    {.name = "another user's range (not in the caller's list)",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 300000, 65536}},
     .n_allot = 2,
     .allot = {{100000, 65536}, {500000, 65536}},
     .code = IDG_DENY_NOT_ALLOTTED,
     .extent = 0,
     .gap = {300000, 65536}},
    {.name = "the second extent is not allotted",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 100000, 10}, {10, 200000, 10}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_NOT_ALLOTTED,
     .extent = 1,
     .gap = {200000, 10}},
    {.name = "own id, count 1",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 1001, 1}},
     .n_allot = 0,
     .code = IDG_ALLOW,
     .via_allotment = false,
     .grant = {-1}},
    {.name = "own id and an allotment",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 1001, 1}, {1, 100000, 65536}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {-1, 0}},
    {.name = "own id, count 2",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 1001, 2}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_NOT_ALLOTTED,
     .extent = 0,
     .gap = {1001, 2}},
    {.name = "the id after one's own",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 1002, 1}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_NOT_ALLOTTED,
     .extent = 0,
     .gap = {1002, 1}},
    {.name = "host root, single id",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 0, 1}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_HOST_ROOT,
     .extent = 0,
     .maps_host_root = true},
    {.name = "host root, even when allotted",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 100000, 10}, {10, 0, 65536}},
     .n_allot = 2,
     .allot = {{0, 65536}, {100000, 65536}},
     .code = IDG_DENY_HOST_ROOT,
     .extent = 1,
     .maps_host_root = true},
    {.name = "host root is rule 6: it comes before an earlier unallotted extent (rule 7)",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 5000, 1}, {1, 0, 1}},
     .n_allot = 0,
     .code = IDG_DENY_HOST_ROOT,
     .extent = 1,
     .maps_host_root = true},
    {.name = "root maps its own id 0",
     .caller = &root,
     .target = &root_target,
     .n = 1,
     .ext = {{0, 0, 1}},
     .n_allot = 0,
     .code = IDG_ALLOW,
     .via_allotment = false,
     .maps_host_root = true,
     .grant = {-1}},
    {.name = "root maps an allotment holding 0",
     .caller = &root,
     .target = &root_target,
     .n = 1,
     .ext = {{0, 0, 65536}},
     .n_allot = 1,
     .allot = {{0, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .maps_host_root = true,
     .grant = {0}},
    {.name = "inside overlap",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 100000, 10}, {5, 100100, 10}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_INSIDE_OVERLAP,
     .extent = 0,
     .other = 1},
    {.name = "inside overlap with one's own id",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 100000, 65536}, {1001, 1001, 1}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_INSIDE_OVERLAP,
     .extent = 0,
     .other = 1},
    {.name = "outside overlap",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 100000, 10}, {100, 100005, 10}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_OUTSIDE_OVERLAP,
     .extent = 0,
     .other = 1},
    {.name = "outside overlap between the first and third",
     .caller = &alice,
     .target = &good_target,
     .n = 3,
     .ext = {{0, 100000, 10}, {10, 100010, 10}, {20, 100005, 1}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_OUTSIDE_OVERLAP,
     .extent = 0,
     .other = 2},
    {.name = "outside overlap between the second and third",
     .caller = &alice,
     .target = &good_target,
     .n = 3,
     .ext = {{0, 100000, 10}, {10, 100010, 10}, {20, 100019, 1}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_OUTSIDE_OVERLAP,
     .extent = 1,
     .other = 2},
    {.name = "adjacent extents do not overlap",
     .caller = &alice,
     .target = &good_target,
     .n = 3,
     .ext = {{0, 100000, 10}, {10, 100010, 10}, {20, 1001, 1}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0, 0, -1}},
    {.name = "overlap is found before allotment",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 900000, 10}, {0, 900100, 10}},
     .n_allot = 1,
     .allot = {{100000, 65536}},
     .code = IDG_DENY_INSIDE_OVERLAP,
     .extent = 0,
     .other = 1},
    {.name = "top of the id space",
     .caller = &alice,
     .target = &good_target,
     .n = 2,
     .ext = {{0, 4294901759u, 65530}, {65530, 4294967289u, 6}},
     .n_allot = 1,
     .allot = {{4294901759u, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0, 0}},
    {.name = "top of the id space, the last id",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{TOP, TOP, 1}},
     .n_allot = 1,
     .allot = {{4294901759u, 65536}},
     .code = IDG_ALLOW,
     .via_allotment = true,
     .grant = {0}},
    {.name = "top of the id space, one id below the allotment",
     .caller = &alice,
     .target = &good_target,
     .n = 1,
     .ext = {{0, 4294901758u, 65537}},
     .n_allot = 1,
     .allot = {{4294901759u, 65536}},
     .code = IDG_DENY_PARTLY_ALLOTTED,
     .extent = 0,
     .gap = {4294901758u, 1}},
    {.name = "a target fact is checked before the extents",
     .caller = &alice,
     .target = &root_target,
     .n = 2,
     .ext = {{0, 0, 10}, {0, 5, 10}},
     .n_allot = 0,
     .code = IDG_DENY_TARGET_UID},
};

static void check_verdict(const struct decide_case *c, const struct idg_verdict *v,
                          const struct idg_grant *g)
{
    ck_assert_msg(v->code == c->code, "%s: code %d, want %d", c->name, v->code, c->code);
    ck_assert_msg(v->maps_host_root == c->maps_host_root, "%s: maps_host_root %d", c->name,
                  v->maps_host_root);
    switch (c->code) {
    case IDG_ALLOW:
        ck_assert_msg(v->via_allotment == c->via_allotment, "%s: via_allotment %d", c->name,
                      v->via_allotment);
        if (!g)
            break;
        for (size_t i = 0; i < c->n; i++) {
            if (c->grant[i] < 0) {
                ck_assert_msg(g[i].own_id, "%s: extent %zu not granted as own id", c->name, i);
            } else {
                ck_assert_msg(!g[i].own_id, "%s: extent %zu granted as own id", c->name, i);
                ck_assert_uint_eq(g[i].allotment, (size_t)c->grant[i]);
            }
        }
        break;
    case IDG_DENY_INSIDE_OVERLAP:
    case IDG_DENY_OUTSIDE_OVERLAP:
        ck_assert_uint_eq(v->extent, c->extent);
        ck_assert_uint_eq(v->other, c->other);
        break;
    case IDG_DENY_NOT_ALLOTTED:
    case IDG_DENY_PARTLY_ALLOTTED:
        ck_assert_msg(v->gap.start == c->gap.start && v->gap.count == c->gap.count,
                      "%s: gap %u+%u, want %u+%u", c->name, v->gap.start, v->gap.count,
                      c->gap.start, c->gap.count);
        ck_assert_uint_eq(v->extent, c->extent);
        break;
    case IDG_DENY_HOST_ROOT:
        ck_assert_uint_eq(v->extent, c->extent);
        break;
    default:
        break;
    }
}

static void allot_of(const struct decide_case *c, struct idg_allotment *a)
{
    for (size_t i = 0; i < c->n_allot; i++)
        a[i] = (struct idg_allotment){
            .range = c->allot[i], .source = "/etc/subuid", .line = (uint32_t)i + 1};
}

START_TEST(test_decide)
{
    const struct decide_case *c = &decide_cases[_i];
    struct idg_allotment a[MAXN];
    allot_of(c, a);
    struct idg_verdict v;
    struct idg_grant g[MAXN];
    memset(g, 0x5a, sizeof(g));
    idg_decide(c->caller, c->target, c->ext, c->n, a, c->n_allot, &v, g);
    check_verdict(c, &v, g);
}
END_TEST

/* grants may be NULL: the same verdict. */
START_TEST(test_decide_no_grants)
{
    const struct decide_case *c = &decide_cases[_i];
    struct idg_allotment a[MAXN];
    allot_of(c, a);
    struct idg_verdict v;
    idg_decide(c->caller, c->target, c->ext, c->n, a, c->n_allot, &v, NULL);
    check_verdict(c, &v, NULL);
}
END_TEST

struct target_case {
    struct idg_target t;
    enum idg_code code;
};

static const struct target_case target_cases[] = {
    {{1001, 1001, false, true, 1001, false, false}, IDG_ALLOW},
    {{1002, 1001, false, true, 1001, false, false}, IDG_DENY_TARGET_UID},
    {{0, 1001, false, true, 1001, false, false}, IDG_DENY_TARGET_UID},
    {{1001, 1002, false, true, 1001, false, false}, IDG_DENY_TARGET_GID},
    {{1001, 0, false, true, 1001, false, false}, IDG_DENY_TARGET_GID},
    {{1001, 1001, true, true, 1001, false, false}, IDG_DENY_SAME_NS},
    {{1001, 1001, false, false, 1001, false, false}, IDG_DENY_NOT_CHILD},
    {{1001, 1001, false, true, 1002, false, false}, IDG_DENY_NS_OWNER},
    {{1001, 1001, false, true, 0, false, false}, IDG_DENY_NS_OWNER},
    {{1001, 1001, false, true, 1001, true, false}, IDG_DENY_MAP_WRITTEN},
    /* a namespace the kernel would not show (owner, parent unknown): not theirs */
    {{1001, 1001, false, false, 0, false, true}, IDG_DENY_NS_OWNER},
    {{1001, 1001, true, true, 1001, false, true}, IDG_DENY_NS_OWNER},
    {{1002, 1001, false, false, 0, false, true}, IDG_DENY_TARGET_UID},
    /* the first failing rule is the reason */
    {{1002, 1002, true, false, 1002, true, false}, IDG_DENY_TARGET_UID},
    {{1001, 1002, true, false, 1002, true, false}, IDG_DENY_TARGET_GID},
    {{1001, 1001, true, false, 1002, true, false}, IDG_DENY_SAME_NS},
    {{1001, 1001, false, false, 1002, true, false}, IDG_DENY_NOT_CHILD},
    {{1001, 1001, false, true, 1002, true, false}, IDG_DENY_NS_OWNER},
};

START_TEST(test_decide_target)
{
    const struct target_case *c = &target_cases[_i];
    static const struct idg_extent ext[] = {{0, 100000, 65536}};
    static const struct idg_allotment a[] = {
        {.range = {100000, 65536}, .source = "/etc/subuid", .line = 1}};
    struct idg_verdict v;
    idg_decide(&alice, &c->t, ext, 1, a, 1, &v, NULL);
    ck_assert_msg(v.code == c->code, "target case %d: code %d, want %d", _i, v.code, c->code);
}
END_TEST

/* 1..340 extents (the kernel's limit since Linux 4.15). */
static const struct {
    size_t n;
    enum idg_code code;
} count_cases[] = {
    {0, IDG_DENY_NO_EXTENTS}, {1, IDG_ALLOW},
    {2, IDG_ALLOW},           {339, IDG_ALLOW},
    {340, IDG_ALLOW},         {341, IDG_DENY_TOO_MANY},
    {342, IDG_DENY_TOO_MANY}, {1000, IDG_DENY_TOO_MANY},
};

START_TEST(test_decide_extent_count)
{
    const size_t n = count_cases[_i].n;
    struct idg_extent *ext = calloc(n ? n : 1, sizeof(*ext));
    ck_assert_ptr_nonnull(ext);
    for (size_t i = 0; i < n; i++) /* disjoint, all inside alice's allotment */
        ext[i] = (struct idg_extent){(uint32_t)i * 10, 100000 + (uint32_t)i * 10, 10};
    static const struct idg_allotment a[] = {
        {.range = {100000, 65536}, .source = "/etc/subuid", .line = 1}};
    struct idg_verdict v;
    idg_decide(&alice, &good_target, ext, n, a, 1, &v, NULL);
    ck_assert_msg(v.code == count_cases[_i].code, "%zu extents: code %d, want %d", n, v.code,
                  count_cases[_i].code);
    free(ext);
}
END_TEST

/* The count rules come first, even before a target that is not the caller's. */
START_TEST(test_decide_count_before_target)
{
    struct idg_extent ext[341];
    for (size_t i = 0; i < 341; i++)
        ext[i] = (struct idg_extent){(uint32_t)i * 10, 100000 + (uint32_t)i * 10, 10};
    struct idg_verdict v;
    idg_decide(&alice, &root_target, ext, 341, NULL, 0, &v, NULL);
    ck_assert_int_eq(v.code, IDG_DENY_TOO_MANY);
    idg_decide(&alice, &root_target, ext, 0, NULL, 0, &v, NULL);
    ck_assert_int_eq(v.code, IDG_DENY_NO_EXTENTS);
}
END_TEST

/* Does any outside range hold host id 0? (CAP_SETFCAP is kept only then.) */
struct host_root_case {
    size_t n;
    struct idg_extent ext[MAXN];
    bool want;
};

static const struct host_root_case host_root_cases[] = {
    {0, {{0, 0, 0}}, false},
    {1, {{0, 0, 1}}, true},
    {1, {{0, 1, 1}}, false}, /* inside 0 is not host root */
    {1, {{0, 100000, 65536}}, false},
    {2, {{0, 1001, 1}, {1, 100000, 65536}}, false},
    {3, {{0, 1001, 1}, {1, 100000, 65536}, {65537, 0, 5}}, true}, /* the last one */
    {1, {{0, 0, 4294967295u}}, true},                             /* the whole id space */
    {1, {{0, 4294967294u, 1}}, false},
};

START_TEST(test_maps_host_root)
{
    const struct host_root_case *c = &host_root_cases[_i];
    ck_assert_msg(idg_maps_host_root(c->ext, c->n) == c->want, "case %d: want %d", _i, c->want);
}
END_TEST

struct covered_case {
    struct idg_range want;
    bool covered;
    struct idg_range gap; /* when not covered */
    size_t first;         /* when covered */
};

/* Sorted; 100-109, 200-209 and 210-214 touch, 300 alone. */
static const struct idg_allotment cov_allot[] = {{.range = {100, 10}, .source = "a", .line = 1},
                                                 {.range = {200, 10}, .source = "a", .line = 2},
                                                 {.range = {210, 5}, .source = "a", .line = 3},
                                                 {.range = {300, 1}, .source = "a", .line = 4}};

static const struct covered_case covered_cases[] = {
    {{100, 10}, true, {0, 0}, 0},
    {{105, 2}, true, {0, 0}, 0},
    {{109, 1}, true, {0, 0}, 0},
    {{200, 15}, true, {0, 0}, 1}, /* joined across two allotments */
    {{212, 3}, true, {0, 0}, 2},
    {{300, 1}, true, {0, 0}, 3},
    {{50, 10}, false, {50, 10}, 0},    /* before all */
    {{95, 10}, false, {95, 5}, 0},     /* runs into the first */
    {{105, 10}, false, {110, 5}, 0},   /* runs off the first */
    {{110, 90}, false, {110, 90}, 0},  /* exactly the hole */
    {{105, 100}, false, {110, 90}, 0}, /* the first gap is reported */
    {{205, 100}, false, {215, 85}, 0},
    {{205, 96}, false, {215, 85}, 0}, /* ends on 300, gap before it */
    {{301, 1}, false, {301, 1}, 0},   /* after all */
    {{0, 4294967295u}, false, {0, 100}, 0},
    {{400, 4294966895u}, false, {400, 4294966895u}, 0}, /* up to the top id */
};

START_TEST(test_covered)
{
    const struct covered_case *c = &covered_cases[_i];
    struct idg_range gap = {0xdead, 0xbeef};
    size_t first = 99;
    bool ok = idg_covered(cov_allot, ARRAY_SIZE(cov_allot), c->want, &gap, &first);
    ck_assert_msg(ok == c->covered, "want %u+%u: covered %d", c->want.start, c->want.count, ok);
    if (c->covered) {
        ck_assert_uint_eq(first, c->first);
    } else {
        ck_assert_msg(gap.start == c->gap.start && gap.count == c->gap.count,
                      "want %u+%u: gap %u+%u, expected %u+%u", c->want.start, c->want.count,
                      gap.start, gap.count, c->gap.start, c->gap.count);
    }
}
END_TEST

/* Edges of the id space, and of the allotment list. */
START_TEST(test_covered_edges)
{
    struct idg_range gap;
    size_t first;

    /* No allotments: the whole request is the gap, and first is n (0). */
    ck_assert(!idg_covered(NULL, 0, (struct idg_range){5, 5}, &gap, &first));
    ck_assert_uint_eq(gap.start, 5);
    ck_assert_uint_eq(gap.count, 5);
    ck_assert_uint_eq(first, 0);

    /* The whole id space, allotted whole. */
    const struct idg_allotment all[] = {{.range = {0, 4294967295u}, .source = "a", .line = 1}};
    ck_assert(idg_covered(all, 1, (struct idg_range){0, 4294967295u}, &gap, &first));
    ck_assert_uint_eq(first, 0);
    ck_assert(idg_covered(all, 1, (struct idg_range){TOP, 1}, &gap, &first));

    /* An allotment ending at the top id. */
    const struct idg_allotment top[] = {{.range = {4294901759u, 65536}, .source = "a", .line = 1}};
    ck_assert(idg_covered(top, 1, (struct idg_range){TOP, 1}, &gap, &first));
    ck_assert(!idg_covered(top, 1, (struct idg_range){4294901758u, 65537}, &gap, &first));
    ck_assert_uint_eq(gap.start, 4294901758u);
    ck_assert_uint_eq(gap.count, 1);

    /* Gap from the end of an allotment to the top of the id space. */
    const struct idg_allotment low[] = {{.range = {0, 100}, .source = "a", .line = 1}};
    ck_assert(!idg_covered(low, 1, (struct idg_range){0, 4294967295u}, &gap, &first));
    ck_assert_uint_eq(gap.start, 100);
    ck_assert_uint_eq(gap.count, 4294967195u);

    /* A large allotment holding small ones: the small ones do not end the cover. */
    const struct idg_allotment nest[] = {{.range = {0, 1000}, .source = "a", .line = 1},
                                         {.range = {10, 10}, .source = "a", .line = 2},
                                         {.range = {500, 1}, .source = "a", .line = 3},
                                         {.range = {1000, 5}, .source = "a", .line = 4}};
    ck_assert(idg_covered(nest, 4, (struct idg_range){0, 1005}, &gap, &first));
    ck_assert_uint_eq(first, 0);
    ck_assert(!idg_covered(nest, 4, (struct idg_range){900, 200}, &gap, &first));
    ck_assert_uint_eq(gap.start, 1005);
    ck_assert_uint_eq(gap.count, 95);
}
END_TEST

/*
 * decide.h: "*first is the index of the first allotment that covers part of
 * `want` (n if none)". That holds when the request is covered; check it also
 * when the request is only partly covered.
 */
struct first_case {
    struct idg_range want;
    size_t first;
};

static const struct first_case first_cases[] = {
    {{105, 10}, 0},                       /* covered from its start: allotment 0 covers 105-109 */
    {{50, 10}, 4},                        /* nothing covers any part: n */
    {{301, 1}, 4},         {{95, 10}, 0}, /* allotment 0 covers 100-104 of 95-104 */
    {{150, 55}, 1},                       /* allotment 1 covers 200-204 of 150-204 */
    {{0, 4294967295u}, 0},
};

START_TEST(test_covered_first_partial)
{
    const struct first_case *c = &first_cases[_i];
    struct idg_range gap;
    size_t first = 99;
    ck_assert(!idg_covered(cov_allot, ARRAY_SIZE(cov_allot), c->want, &gap, &first));
    ck_assert_msg(first == c->first, "want %u+%u: first %zu, expected %zu", c->want.start,
                  c->want.count, first, c->first);
}
END_TEST

static Suite *decide_suite(void)
{
    Suite *s = suite_create("decide");
    TCase *tc = tcase_create("decide");
    tcase_add_loop_test(tc, test_decide, 0, (int)ARRAY_SIZE(decide_cases));
    tcase_add_loop_test(tc, test_decide_no_grants, 0, (int)ARRAY_SIZE(decide_cases));
    tcase_add_loop_test(tc, test_decide_target, 0, (int)ARRAY_SIZE(target_cases));
    tcase_add_loop_test(tc, test_decide_extent_count, 0, (int)ARRAY_SIZE(count_cases));
    tcase_add_test(tc, test_decide_count_before_target);
    tcase_add_loop_test(tc, test_maps_host_root, 0, (int)ARRAY_SIZE(host_root_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("covered");
    tcase_add_loop_test(tc, test_covered, 0, (int)ARRAY_SIZE(covered_cases));
    tcase_add_test(tc, test_covered_edges);
    tcase_add_loop_test(tc, test_covered_first_partial, 0, (int)ARRAY_SIZE(first_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(decide_suite());
}
