/* SPDX-License-Identifier: BSD-3-Clause */
/* explain.h: every refusal says what, why, and what would fix it. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decide.h"
#include "explain.h"
#include "fixtures.h"
#include "unit.h"

#define PID 4242

static const struct idg_allotment one_allot[] = {
    {.range = {100000, 65536}, .source = "/etc/subuid", .line = 3}};

static const struct idg_allotment five_allot[] = {
    {.range = {100000, 10}, .source = "/etc/subuid", .line = 1},
    {.range = {200000, 20}, .source = "/etc/subuid", .line = 5},
    {.range = {300000, 30}, .source = "/etc/id_permission/uids", .line = 2},
    {.range = {400000, 40}, .source = "/etc/subuid", .line = 9},
    {.range = {500000, 50}, .source = "/etc/subuid", .line = 12},
};

static struct idg_explain explain_for(enum idg_kind kind, const struct idg_extent *ext, size_t n,
                                      const struct idg_allotment *allot, size_t n_allot)
{
    return (struct idg_explain){
        .kind = kind,
        .name = "alice",
        .caller = &alice,
        .pid = PID,
        .target = &good_target,
        .ext = ext,
        .n_ext = n,
        .allot = allot,
        .n_allot = n_allot,
        .where = kind == IDG_KIND_UID ? "/etc/subuid" : "/etc/subgid",
    };
}

/* Decide, then explain, as the helper does. */
static const char *decide_and_explain(char *buf, size_t len, const struct idg_explain *x,
                                      enum idg_code want)
{
    struct idg_verdict v;
    idg_decide(x->caller, x->target, x->ext, x->n_ext, x->allot, x->n_allot, &v, NULL);
    ck_assert_msg(v.code == want, "decided %d, want %d", v.code, want);
    idg_explain(buf, len, x, &v);
    ck_assert_msg(strchr(buf, '\n') == NULL, "not one line: \"%s\"", buf);
    return buf;
}

/* In a nested container, id 0 is that namespace's root and every refusal
 * names the namespace by its map; in the initial one nothing changes. */
START_TEST(test_nested_names_the_namespace)
{
    static const struct idg_extent root_ext[] = {{0, 0, 1}};
    static const struct idg_extent far_ext[] = {{0, 200000, 10}};
    struct idg_explain x = explain_for(IDG_KIND_UID, root_ext, 1, one_allot, 1);
    x.userns_map = "0 1000000 65536";
    char buf[1024];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_HOST_ROOT);
    ck_assert_str_has(buf, "maps uid 0, the root of the user namespace this runs in");
    ck_assert_str_has(buf, "its uid_map: 0 1000000 65536)");
    ck_assert_msg(strstr(buf, "host uid 0") == NULL, "speaks of host root: %s", buf);
    x = explain_for(IDG_KIND_GID, far_ext, 1, one_allot, 1);
    x.userns_map = "0 1000000 65536";
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf, "alice has 100000-165535 in /etc/subuid:3 (in a user namespace");
    ck_assert_str_has(buf, "its gid_map: 0 1000000 65536)");
    x.userns_map = NULL;
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_msg(strstr(buf, "user namespace") == NULL, "initial namespace named: %s", buf);
}
END_TEST

/* The refusal the README shows for a range that is not allotted. */
START_TEST(test_not_allotted)
{
    static const struct idg_extent ext[] = {{0, 200000, 65536}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 1, one_allot, 1);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf,
                      "uid range 0-65535 -> 200000-265535 is not allotted to alice (uid 1001)");
    ck_assert_str_has(buf, "alice has 100000-165535 in /etc/subuid:3");
}
END_TEST

START_TEST(test_not_allotted_none)
{
    static const struct idg_extent ext[] = {{0, 200000, 65536}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 1, NULL, 0);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf, "is not allotted to alice (uid 1001)");
    ck_assert_str_has(buf, "alice has no uid ranges in /etc/subuid");
}
END_TEST

START_TEST(test_not_allotted_gid_none)
{
    static const struct idg_extent ext[] = {{0, 200000, 65536}};
    struct idg_explain x = explain_for(IDG_KIND_GID, ext, 1, NULL, 0);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf, "gid range 0-65535 -> 200000-265535 is not allotted to alice");
    ck_assert_str_has(buf, "has no gid ranges in /etc/subgid");
}
END_TEST

/* Three allotments are listed, with where they come from; the rest are counted. */
START_TEST(test_not_allotted_many)
{
    static const struct idg_extent ext[] = {{0, 900000, 10}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 1, five_allot, 5);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf, "100000-100009 in /etc/subuid:1");
    ck_assert_str_has(buf, "200000-200019 in /etc/subuid:5");
    ck_assert_str_has(buf, "300000-300029 in /etc/id_permission/uids:2");
    ck_assert_str_has(buf, "and 2 more");
    ck_assert_str_lacks(buf, "400000");
    ck_assert_str_lacks(buf, "500000");
}
END_TEST

/* Exactly three: all listed, no "more". */
START_TEST(test_not_allotted_three)
{
    static const struct idg_extent ext[] = {{0, 900000, 10}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 1, five_allot, 3);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf, "300000-300029 in /etc/id_permission/uids:2");
    ck_assert_str_lacks(buf, "more");
}
END_TEST

/* Without a login name the caller is named by uid. */
START_TEST(test_not_allotted_no_name)
{
    static const struct idg_extent ext[] = {{0, 200000, 65536}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 1, one_allot, 1);
    x.name = NULL;
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf, "is not allotted to uid 1001; uid 1001 has 100000-165535");
    ck_assert_str_lacks(buf, "(null)");
}
END_TEST

/* A source without lines (an NSS module) is named without ":0". */
START_TEST(test_not_allotted_no_line)
{
    static const struct idg_extent ext[] = {{0, 200000, 65536}};
    static const struct idg_allotment sss[] = {
        {.range = {100000, 65536}, .source = "sss", .line = 0}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 1, sss, 1);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf, "100000-165535 in source sss");
    ck_assert_str_lacks(buf, "sss:");
}
END_TEST

/* PARTLY names the ids that are missing. */
START_TEST(test_partly_allotted)
{
    static const struct idg_extent ext[] = {{0, 150000, 30000}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 1, one_allot, 1);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_PARTLY_ALLOTTED);
    ck_assert_str_has(buf, "uid range 0-29999 -> 150000-179999 is only partly allotted to alice");
    ck_assert_str_has(buf, "165536-179999");
    ck_assert_str_has(buf, "alice has 100000-165535 in /etc/subuid:3");
}
END_TEST

/* The refused extent is the one named, not the first. */
START_TEST(test_not_allotted_second_extent)
{
    static const struct idg_extent ext[] = {{0, 100000, 10}, {10, 200000, 5}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 2, one_allot, 1);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_NOT_ALLOTTED);
    ck_assert_str_has(buf, "uid range 10-14 -> 200000-200004 is not allotted");
}
END_TEST

START_TEST(test_inside_overlap)
{
    static const struct idg_extent ext[] = {{0, 100000, 65536}, {1001, 1001, 1}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 2, one_allot, 1);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_INSIDE_OVERLAP);
    ck_assert_str_has(buf, "inside ranges overlap: 0-65535 and 1001-1001");
}
END_TEST

START_TEST(test_outside_overlap)
{
    static const struct idg_extent ext[] = {{0, 100000, 10}, {10, 100010, 10}, {100, 100005, 10}};
    struct idg_explain x = explain_for(IDG_KIND_UID, ext, 3, one_allot, 1);
    char buf[512];
    decide_and_explain(buf, sizeof(buf), &x, IDG_DENY_OUTSIDE_OVERLAP);
    ck_assert_str_has(buf, "outside ranges overlap: 100000-100009 and 100005-100014");
    ck_assert_str_has(buf, "triples 1 and 3");
}
END_TEST

/* Each refusal carries its facts. */
struct code_case {
    enum idg_code code;
    enum idg_kind kind;
    struct idg_target t;
    struct idg_extent ext; /* extent 0 */
    size_t n_ext;
    const char *needles[4];
};

#define GOOD                                                                                       \
    {                                                                                              \
        1001, 1001, false, true, 1001, false, false                                                \
    }

static const struct code_case code_cases[] = {
    {IDG_ALLOW, IDG_KIND_UID, GOOD, {0, 100000, 10}, 1, {"allowed"}},
    {IDG_DENY_NO_EXTENTS, IDG_KIND_UID, GOOD, {0, 0, 0}, 0, {"INSIDE OUTSIDE COUNT"}},
    {IDG_DENY_TOO_MANY, IDG_KIND_UID, GOOD, {0, 100000, 1}, 341, {"341", "340"}},
    {IDG_DENY_TARGET_UID,
     IDG_KIND_UID,
     {1002, 1001, false, true, 1001, false, false},
     {0, 100000, 10},
     1,
     {"process 4242", "uid 1002", "uid 1001"}},
    {IDG_DENY_TARGET_GID,
     IDG_KIND_GID,
     {1001, 1002, false, true, 1001, false, false},
     {0, 100000, 10},
     1,
     {"process 4242", "gid 1002", "gid 1001"}},
    {IDG_DENY_SAME_NS,
     IDG_KIND_UID,
     {1001, 1001, true, true, 1001, false, false},
     {0, 100000, 10},
     1,
     {"process 4242", "not in a new user namespace"}},
    {IDG_DENY_NOT_CHILD,
     IDG_KIND_UID,
     {1001, 1001, false, false, 1001, false, false},
     {0, 100000, 10},
     1,
     {"process 4242", "child"}},
    {IDG_DENY_NS_OWNER,
     IDG_KIND_UID,
     {1001, 1001, false, true, 1234, false, false},
     {0, 100000, 10},
     1,
     {"process 4242", "uid 1234", "uid 1001"}},
    {IDG_DENY_NS_OWNER,
     IDG_KIND_UID,
     {1001, 1001, false, false, 0, false, true},
     {0, 100000, 10},
     1,
     {"process 4242 is yours (uid 1001) and dumpable, but its user namespace is not",
      "the kernel does not let you inspect it", "unshare -U"}},
    {IDG_DENY_MAP_WRITTEN,
     IDG_KIND_UID,
     {1001, 1001, false, true, 1001, true, false},
     {0, 100000, 10},
     1,
     {"uid_map of process 4242", "already written"}},
    {IDG_DENY_MAP_WRITTEN,
     IDG_KIND_GID,
     {1001, 1001, false, true, 1001, true, false},
     {0, 100000, 10},
     1,
     {"gid_map of process 4242", "already written"}},
    {IDG_DENY_HOST_ROOT, IDG_KIND_UID, GOOD, {0, 0, 1}, 1, {"uid range 0-0 -> 0-0", "host uid 0"}},
    {IDG_DENY_HOST_ROOT,
     IDG_KIND_GID,
     GOOD,
     {0, 0, 65536},
     1,
     {"gid range 0-65535 -> 0-65535", "host gid 0"}},
};

static struct idg_extent many_ext[341];

/* The verdict idg_decide() gives for a code case (a real one, not made up). */
static void code_case_verdict(int i, struct idg_explain *x, struct idg_verdict *v)
{
    const struct code_case *c = &code_cases[i];
    many_ext[0] = c->ext;
    *x = explain_for(c->kind, many_ext, c->n_ext, one_allot, 1);
    x->target = &c->t;
    idg_decide(x->caller, x->target, x->ext, x->n_ext, x->allot, x->n_allot, v, NULL);
    ck_assert_msg(v->code == c->code, "case %d: decided %d, want %d", i, v->code, c->code);
}

START_TEST(test_codes)
{
    const struct code_case *c = &code_cases[_i];
    struct idg_explain x;
    struct idg_verdict v;
    code_case_verdict(_i, &x, &v);
    char buf[512];
    idg_explain(buf, sizeof(buf), &x, &v);
    for (size_t k = 0; k < ARRAY_SIZE(c->needles) && c->needles[k]; k++)
        ck_assert_str_has(buf, c->needles[k]);
    ck_assert_msg(strchr(buf, '\n') == NULL, "not one line: \"%s\"", buf);
}
END_TEST

/*
 * Any buffer, however small, gets a NUL-terminated prefix of the message and
 * nothing past its end (the buffers are malloc'ed to size: ASan checks).
 */
static const size_t tiny_lens[] = {0, 1, 2, 16, 40, 100};

static void check_tiny(const struct idg_explain *x, const struct idg_verdict *v)
{
    char full[1024];
    idg_explain(full, sizeof(full), x, v);
    size_t full_len = strlen(full);
    ck_assert_uint_lt(full_len, sizeof(full) - 1);
    for (size_t k = 0; k < ARRAY_SIZE(tiny_lens); k++) {
        size_t len = tiny_lens[k];
        char *buf = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(buf);
        buf[0] = 'X';
        idg_explain(buf, len, x, v);
        if (len == 0) {
            ck_assert_int_eq(buf[0], 'X'); /* nothing written */
        } else {
            size_t n = strnlen(buf, len);
            ck_assert_msg(n < len, "len %zu: not NUL-terminated", len);
            ck_assert_uint_eq(n, full_len < len - 1 ? full_len : len - 1);
            ck_assert_mem_eq(buf, full, n);
        }
        free(buf);
    }
}

START_TEST(test_codes_tiny)
{
    struct idg_explain x;
    struct idg_verdict v;
    code_case_verdict(_i, &x, &v);
    check_tiny(&x, &v);
}
END_TEST

/* The longest messages, those with allotment lists, in tiny buffers. */
START_TEST(test_tiny_allotments)
{
    static const struct idg_extent not_ext[] = {{0, 900000, 10}};
    static const struct idg_extent partly_ext[] = {{0, 100005, 10}};
    static const struct idg_extent overlap_ext[] = {{0, 100000, 10}, {5, 100100, 10}};
    const struct {
        const struct idg_extent *ext;
        size_t n;
        const struct idg_allotment *allot;
        size_t n_allot;
        enum idg_code code;
    } cases[] = {
        {not_ext, 1, five_allot, 5, IDG_DENY_NOT_ALLOTTED},
        {not_ext, 1, NULL, 0, IDG_DENY_NOT_ALLOTTED},
        {partly_ext, 1, five_allot, 5, IDG_DENY_PARTLY_ALLOTTED},
        {overlap_ext, 2, five_allot, 5, IDG_DENY_INSIDE_OVERLAP},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct idg_explain x =
            explain_for(IDG_KIND_UID, cases[i].ext, cases[i].n, cases[i].allot, cases[i].n_allot);
        struct idg_verdict v;
        idg_decide(x.caller, x.target, x.ext, x.n_ext, x.allot, x.n_allot, &v, NULL);
        ck_assert_int_eq(v.code, cases[i].code);
        check_tiny(&x, &v);
    }
}
END_TEST

START_TEST(test_explain_allotments)
{
    struct idg_explain x = explain_for(IDG_KIND_UID, NULL, 0, five_allot, 2);
    char buf[256];
    size_t n = idg_explain_allotments(buf, sizeof(buf), &x);
    ck_assert_str_eq(buf,
                     "alice has 100000-100009 in /etc/subuid:1, 200000-200019 in /etc/subuid:5");
    ck_assert_uint_eq(n, strlen(buf));

    /* Cut short: the length written, never more than fits. */
    char *small = malloc(20);
    ck_assert_ptr_nonnull(small);
    n = idg_explain_allotments(small, 20, &x);
    ck_assert_uint_eq(strnlen(small, 20), 19);
    ck_assert_uint_eq(n, 19);
    ck_assert_mem_eq(small, buf, 19);
    free(small);

    /* Room for the NUL only: an empty string, not stale bytes. */
    char one[2] = "XY";
    ck_assert_uint_eq(idg_explain_allotments(one, 1, &x), 0);
    ck_assert_int_eq(one[0], '\0');
    ck_assert_int_eq(one[1], 'Y');
}
END_TEST

struct extent_format_case {
    struct idg_extent e;
    const char *text;
};

static const struct extent_format_case extent_format_cases[] = {
    {{0, 1001, 1}, "0-0 -> 1001-1001"},
    {{0, 100000, 65536}, "0-65535 -> 100000-165535"},
    {{4294967294u, 4294967294u, 1}, "4294967294-4294967294 -> 4294967294-4294967294"},
    {{0, 0, 4294967295u}, "0-4294967294 -> 0-4294967294"},
};

START_TEST(test_extent_format)
{
    const struct extent_format_case *c = &extent_format_cases[_i];
    char buf[128];
    int n = idg_extent_format(buf, sizeof(buf), c->e);
    ck_assert_str_eq(buf, c->text);
    ck_assert_int_eq(n, (int)strlen(c->text));
}
END_TEST

START_TEST(test_kind_str)
{
    ck_assert_str_eq(idg_kind_str(IDG_KIND_UID), "uid");
    ck_assert_str_eq(idg_kind_str(IDG_KIND_GID), "gid");
}
END_TEST

static Suite *explain_suite(void)
{
    Suite *s = suite_create("explain");
    TCase *tc = tcase_create("allotted");
    tcase_add_test(tc, test_not_allotted);
    tcase_add_test(tc, test_nested_names_the_namespace);
    tcase_add_test(tc, test_not_allotted_none);
    tcase_add_test(tc, test_not_allotted_gid_none);
    tcase_add_test(tc, test_not_allotted_many);
    tcase_add_test(tc, test_not_allotted_three);
    tcase_add_test(tc, test_not_allotted_no_name);
    tcase_add_test(tc, test_not_allotted_no_line);
    tcase_add_test(tc, test_partly_allotted);
    tcase_add_test(tc, test_not_allotted_second_extent);
    suite_add_tcase(s, tc);

    tc = tcase_create("codes");
    tcase_add_test(tc, test_inside_overlap);
    tcase_add_test(tc, test_outside_overlap);
    tcase_add_loop_test(tc, test_codes, 0, (int)ARRAY_SIZE(code_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("buffers");
    tcase_add_loop_test(tc, test_codes_tiny, 0, (int)ARRAY_SIZE(code_cases));
    tcase_add_test(tc, test_tiny_allotments);
    tcase_add_test(tc, test_explain_allotments);
    tcase_add_loop_test(tc, test_extent_format, 0, (int)ARRAY_SIZE(extent_format_cases));
    tcase_add_test(tc, test_kind_str);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(explain_suite());
}
