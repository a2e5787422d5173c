/* SPDX-License-Identifier: BSD-3-Clause */
/* appendf.h: the one bounded append that messages and audit lines are built with. */
#include <stddef.h>
#include <string.h>

#include "appendf.h"
#include "unit.h"

#define MAXP 3

struct append_case {
    size_t len;
    const char *pieces[MAXP];
    const char *text; /* the buffer afterwards */
    size_t pos;
};

static const struct append_case append_cases[] = {
    {64, {"abc", "def"}, "abcdef", 6},
    {64, {"abc", "", "def"}, "abcdef", 6}, /* an empty piece changes nothing */
    {7, {"abc", "def"}, "abcdef", 6},      /* exactly fits */
    {6, {"abc", "def"}, "abcde", 5},       /* one byte short */
    {4, {"abcdef"}, "abc", 3},
    {4, {"abcdef", "x"}, "abc", 3}, /* a full buffer takes nothing more */
    {4, {"ab", "cd", "ef"}, "abc", 3},
    {4, {"abc", "d"}, "abc", 3},
    {2, {"abc"}, "a", 1},
    {1, {"abc"}, "", 0}, /* room for the NUL only */
};

START_TEST(test_appendf)
{
    const struct append_case *c = &append_cases[_i];
    char *buf = malloc(c->len); /* exact size: ASan sees any write past it */
    ck_assert_ptr_nonnull(buf);
    memset(buf, 'X', c->len);
    size_t pos = 0;
    for (size_t k = 0; k < MAXP && c->pieces[k]; k++) {
        idg_appendf(buf, c->len, &pos, "%s", c->pieces[k]);
        ck_assert_uint_lt(pos, c->len);
        ck_assert_msg(memchr(buf, '\0', c->len) != NULL, "case %d: not NUL-terminated after %zu",
                      _i, k + 1);
    }
    ck_assert_str_eq(buf, c->text);
    ck_assert_uint_eq(pos, c->pos);
    free(buf);
}
END_TEST

START_TEST(test_appendf_format)
{
    char buf[32] = "";
    size_t pos = 0;
    idg_appendf(buf, sizeof(buf), &pos, "uid %u", 1001u);
    idg_appendf(buf, sizeof(buf), &pos, " (%s:%u)", "/etc/subuid", 3u);
    ck_assert_str_eq(buf, "uid 1001 (/etc/subuid:3)");
    ck_assert_uint_eq(pos, strlen(buf));
}
END_TEST

/* A zero-length buffer is never written. */
START_TEST(test_appendf_zero)
{
    char buf[4] = "XYZ";
    size_t pos = 0;
    idg_appendf(buf, 0, &pos, "%s", "abc");
    ck_assert_str_eq(buf, "XYZ");
    ck_assert_uint_eq(pos, 0);
}
END_TEST

static Suite *appendf_suite(void)
{
    Suite *s = suite_create("appendf");
    TCase *tc = tcase_create("appendf");
    tcase_add_loop_test(tc, test_appendf, 0, (int)ARRAY_SIZE(append_cases));
    tcase_add_test(tc, test_appendf_format);
    tcase_add_test(tc, test_appendf_zero);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(appendf_suite());
}
