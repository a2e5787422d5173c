/* SPDX-License-Identifier: BSD-3-Clause */
/* range.h: the kernel's rules for id ranges, stated once. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "range.h"
#include "unit.h"

#define TOP UINT32_C(4294967294) /* the largest id */
#define ALL UINT32_C(4294967295) /* the largest count */

static struct idg_range R(uint32_t start, uint32_t count) {
    return (struct idg_range){.start = start, .count = count};
}

struct check_case {
    uint32_t start, count;
    int ret;
};

static const struct check_case check_cases[] = {
    {0, 0, -EINVAL},
    {5, 0, -EINVAL},
    {ALL, 0, -EINVAL},
    {0, 1, 0},
    {100000, 65536, 0},
    {TOP, 1, 0},       /* the last id alone */
    {ALL, 1, -ERANGE}, /* 4294967295 is not an id */
    {TOP, 2, -ERANGE}, /* would end at 4294967295 */
    {0, ALL, 0},       /* the whole id space */
    {1, ALL, -ERANGE}, /* one past it */
    {UINT32_C(4294901759), 65536, 0},
    {UINT32_C(4294901760), 65536, -ERANGE},
    {UINT32_C(2147483648), UINT32_C(2147483647), 0},
    {UINT32_C(2147483648), UINT32_C(2147483648), -ERANGE},
    {ALL, ALL, -ERANGE},
};

START_TEST(test_range_check)
{
    const struct check_case *c = &check_cases[_i];
    int r = idg_range_check(c->start, c->count);
    ck_assert_msg(r == c->ret, "idg_range_check(%u, %u) = %d, want %d", c->start, c->count, r,
                  c->ret);
}
END_TEST

struct last_case {
    struct idg_range r;
    uint32_t last;
};

static const struct last_case last_cases[] = {
    {{0, 1}, 0},
    {{100000, 65536}, 165535},
    {{TOP, 1}, TOP},
    {{0, ALL}, TOP},
    {{UINT32_C(4294901759), 65536}, TOP},
};

START_TEST(test_range_last)
{
    ck_assert_uint_eq(idg_range_last(last_cases[_i].r), last_cases[_i].last);
}
END_TEST

struct pair_case {
    struct idg_range a, b;
    bool want;
};

static const struct pair_case overlap_cases[] = {
    {{0, 10}, {10, 10}, false},           /* adjacent: 0-9 and 10-19 */
    {{0, 10}, {9, 10}, true},             /* touching in one id: 9 */
    {{0, 100}, {50, 1}, true},            /* containing */
    {{0, 100}, {0, 100}, true},           /* identical */
    {{7, 1}, {7, 1}, true},               /* the same single id */
    {{7, 1}, {8, 1}, false},              /* neighbouring single ids */
    {{0, 10}, {1000, 10}, false},         /* far apart */
    {{100000, 65536}, {165535, 1}, true}, /* the last id of a */
    {{100000, 65536}, {165536, 65536}, false},
    {{100000, 65536}, {99999, 1}, false}, /* the id before a */
    {{TOP, 1}, {UINT32_C(4294967290), 5}, true},
    {{TOP, 1}, {0, TOP}, false}, /* 0-4294967293 ends just before */
    {{TOP, 1}, {0, ALL}, true},  /* the whole space holds the top id */
    {{0, ALL}, {0, 1}, true},
    {{UINT32_C(4294901759), 65536}, {UINT32_C(4294901758), 1}, false},
};

START_TEST(test_range_overlaps)
{
    const struct pair_case *c = &overlap_cases[_i];
    ck_assert_msg(idg_range_overlaps(c->a, c->b) == c->want, "overlaps(%u+%u, %u+%u) != %d",
                  c->a.start, c->a.count, c->b.start, c->b.count, c->want);
    /* Overlap is symmetric. */
    ck_assert_msg(idg_range_overlaps(c->b, c->a) == c->want, "overlaps(%u+%u, %u+%u) != %d",
                  c->b.start, c->b.count, c->a.start, c->a.count, c->want);
}
END_TEST

/* a = outer, b = inner */
static const struct pair_case contains_cases[] = {
    {{0, 100}, {0, 100}, true},    /* identical */
    {{0, 100}, {50, 10}, true},    /* inside */
    {{0, 100}, {99, 1}, true},     /* the last id */
    {{0, 100}, {100, 1}, false},   /* one past the end */
    {{10, 100}, {9, 2}, false},    /* starts before */
    {{10, 100}, {100, 11}, false}, /* ends after */
    {{10, 10}, {0, 100}, false},   /* inner is larger */
    {{0, ALL}, {TOP, 1}, true},    /* the whole space */
    {{UINT32_C(4294901759), 65536}, {UINT32_C(4294967290), 5}, true},
    {{UINT32_C(4294901759), 65536}, {UINT32_C(4294901758), 2}, false},
};

START_TEST(test_range_contains)
{
    const struct pair_case *c = &contains_cases[_i];
    ck_assert_msg(idg_range_contains(c->a, c->b) == c->want, "contains(%u+%u, %u+%u) != %d",
                  c->a.start, c->a.count, c->b.start, c->b.count, c->want);
}
END_TEST

struct has_case {
    struct idg_range r;
    uint32_t id;
    bool want;
};

static const struct has_case has_cases[] = {
    {{100, 10}, 99, false},  {{100, 10}, 100, true},     {{100, 10}, 109, true},
    {{100, 10}, 110, false}, {{0, 1}, 0, true},          {{0, 1}, 1, false},
    {{TOP, 1}, TOP, true},   {{TOP, 1}, TOP - 1, false}, {{TOP, 1}, ALL, false},
    {{0, ALL}, TOP, true},   {{0, ALL}, 0, true},        {{0, ALL}, ALL, false},
};

START_TEST(test_range_has)
{
    const struct has_case *c = &has_cases[_i];
    ck_assert_msg(idg_range_has(c->r, c->id) == c->want, "has(%u+%u, %u) != %d", c->r.start,
                  c->r.count, c->id, c->want);
}
END_TEST

struct format_case {
    struct idg_range r;
    const char *text;
};

static const struct format_case format_cases[] = {
    {{0, 1}, "0-0"},
    {{1001, 1}, "1001-1001"},
    {{0, 65536}, "0-65535"},
    {{100000, 65536}, "100000-165535"},
    {{0, ALL}, "0-4294967294"},
    {{TOP, 1}, "4294967294-4294967294"}, /* the longest text */
};

START_TEST(test_range_format)
{
    const struct format_case *c = &format_cases[_i];
    char buf[IDG_RANGE_STRLEN];
    int n = idg_range_format(buf, sizeof(buf), c->r);
    ck_assert_str_eq(buf, c->text);
    ck_assert_int_eq(n, (int)strlen(c->text));
    ck_assert_int_lt(n, IDG_RANGE_STRLEN); /* the documented size always suffices */
}
END_TEST

/* A short buffer gets a NUL-terminated prefix and the full length back. */
START_TEST(test_range_format_truncates)
{
    char *buf = malloc(8); /* exact size: ASan sees any write past it */
    ck_assert_ptr_nonnull(buf);
    int n = idg_range_format(buf, 8, R(100000, 65536));
    ck_assert_int_eq(n, 13);
    ck_assert_str_eq(buf, "100000-");
    free(buf);
}
END_TEST

static Suite *range_suite(void)
{
    Suite *s = suite_create("range");
    TCase *tc = tcase_create("range");
    tcase_add_loop_test(tc, test_range_check, 0, (int)ARRAY_SIZE(check_cases));
    tcase_add_loop_test(tc, test_range_last, 0, (int)ARRAY_SIZE(last_cases));
    tcase_add_loop_test(tc, test_range_overlaps, 0, (int)ARRAY_SIZE(overlap_cases));
    tcase_add_loop_test(tc, test_range_contains, 0, (int)ARRAY_SIZE(contains_cases));
    tcase_add_loop_test(tc, test_range_has, 0, (int)ARRAY_SIZE(has_cases));
    tcase_add_loop_test(tc, test_range_format, 0, (int)ARRAY_SIZE(format_cases));
    tcase_add_test(tc, test_range_format_truncates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(range_suite());
}
