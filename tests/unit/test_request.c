/* SPDX-License-Identifier: BSD-3-Clause */
/* request.h: the command line of newuidmap/newgidmap, and the map text. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "request.h"
#include "unit.h"

struct target_case {
    const char *s;
    int ret;
    bool is_fd;
    uint32_t value;
};

static const struct target_case target_cases[] = {
    {"1", 0, false, 1},
    {"4242", 0, false, 4242},
    {"4194303", 0, false, 4194303}, /* PID_MAX_LIMIT - 1, the largest pid */
    {"4194304", -ERANGE, false, 0}, /* PID_MAX_LIMIT itself is never a pid */
    {"4194305", -ERANGE, false, 0},
    {"4294967296", -ERANGE, false, 0},
    {"0", -ERANGE, false, 0}, /* not a process */
    {"fd:0", 0, true, 0},
    {"fd:3", 0, true, 3},
    {"fd:2147483647", 0, true, 2147483647},
    {"fd:2147483648", -ERANGE, false, 0},
    {"fd:", -EINVAL, false, 0},
    {"fd:-1", -EINVAL, false, 0},
    {"fd:07", -EINVAL, false, 0},
    {"fd: 3", -EINVAL, false, 0},
    {"fd:3 ", -EINVAL, false, 0},
    {"fd:fd:3", -EINVAL, false, 0},
    {"FD:3", -EINVAL, false, 0},
    {"fd3", -EINVAL, false, 0},
    {"f", -EINVAL, false, 0},
    {"", -EINVAL, false, 0},
    {" 1", -EINVAL, false, 0},
    {"1 ", -EINVAL, false, 0},
    {"1x", -EINVAL, false, 0},
    {"-1", -EINVAL, false, 0},
    {"+1", -EINVAL, false, 0},
    {"01", -EINVAL, false, 0},
    {"0x10", -EINVAL, false, 0},
    {"/proc/1", -EINVAL, false, 0},
};

START_TEST(test_parse_target)
{
    const struct target_case *c = &target_cases[_i];
    struct idg_target_arg t = {.is_fd = !c->is_fd, .value = 0xdeadbeef};
    int r = idg_parse_target(c->s, &t);
    ck_assert_msg(r == c->ret, "\"%s\": %d, want %d", c->s, r, c->ret);
    if (c->ret == 0) {
        ck_assert_int_eq(t.is_fd, c->is_fd);
        ck_assert_uint_eq(t.value, c->value);
    }
}
END_TEST

#define MAXT 3

struct extents_case {
    const char *args[3 * MAXT];
    size_t n;
    int ret;
    struct idg_extent out[MAXT]; /* when ret == 0 */
    /* when ret != 0 */
    size_t triple;
    enum idg_field field;
    int err;
    bool wraps;
    uint32_t start, count; /* when wraps */
};

static const struct extents_case extents_cases[] = {
    {.args = {"0", "1001", "1"}, .n = 1, .out = {{0, 1001, 1}}},
    {.args = {"0", "1001", "1", "1", "100000", "65536"},
     .n = 2,
     .out = {{0, 1001, 1}, {1, 100000, 65536}}},
    {.args = {"0", "0", "4294967295"}, .n = 1, .out = {{0, 0, 4294967295u}}},
    {.args = {"4294967294", "4294967294", "1"}, .n = 1, .out = {{4294967294u, 4294967294u, 1}}},
    {.args = {"4294967290", "0", "5"}, .n = 1, .out = {{4294967290u, 0, 5}}},
    /* each field, in each triple */
    {.args = {"x", "1", "1"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_INSIDE,
     .err = -EINVAL},
    {.args = {"0", "1", "1", "1", "-1", "1"},
     .n = 2,
     .ret = -EINVAL,
     .triple = 2,
     .field = IDG_FIELD_OUTSIDE,
     .err = -EINVAL},
    {.args = {"0", "1", "1", "1", "2", "1", "2", "3", "0"},
     .n = 3,
     .ret = -EINVAL,
     .triple = 3,
     .field = IDG_FIELD_COUNT,
     .err = -EINVAL},
    {.args = {"", "1", "1"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_INSIDE,
     .err = -EINVAL},
    {.args = {"1 ", "1", "1"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_INSIDE,
     .err = -EINVAL},
    {.args = {"0", "0x10", "1"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_OUTSIDE,
     .err = -EINVAL},
    {.args = {"0", "1", "01"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_COUNT,
     .err = -EINVAL},
    {.args = {"0", "1", "+1"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_COUNT,
     .err = -EINVAL},
    {.args = {"0", "1", "0"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_COUNT,
     .err = -EINVAL},
    /* too large */
    {.args = {"4294967295", "1", "1"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_INSIDE,
     .err = -ERANGE},
    {.args = {"0", "1", "1", "1", "4294967295", "1"},
     .n = 2,
     .ret = -EINVAL,
     .triple = 2,
     .field = IDG_FIELD_OUTSIDE,
     .err = -ERANGE},
    {.args = {"0", "1", "4294967296"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_COUNT,
     .err = -ERANGE},
    /* a bad field is found before a later triple is looked at */
    {.args = {"0", "x", "1", "y", "1", "1"},
     .n = 2,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_OUTSIDE,
     .err = -EINVAL},
    /* ranges that pass the end of the id space */
    {.args = {"4294967290", "0", "10"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_INSIDE,
     .err = -ERANGE,
     .wraps = true,
     .start = 4294967290u,
     .count = 10},
    {.args = {"0", "1", "1", "0", "4294967290", "10"},
     .n = 2,
     .ret = -EINVAL,
     .triple = 2,
     .field = IDG_FIELD_OUTSIDE,
     .err = -ERANGE,
     .wraps = true,
     .start = 4294967290u,
     .count = 10},
    {.args = {"4294967290", "4294967290", "10"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_INSIDE,
     .err = -ERANGE,
     .wraps = true,
     .start = 4294967290u,
     .count = 10},
    {.args = {"1", "0", "4294967295"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_INSIDE,
     .err = -ERANGE,
     .wraps = true,
     .start = 1,
     .count = 4294967295u},
    {.args = {"0", "4294967294", "2"},
     .n = 1,
     .ret = -EINVAL,
     .triple = 1,
     .field = IDG_FIELD_OUTSIDE,
     .err = -ERANGE,
     .wraps = true,
     .start = 4294967294u,
     .count = 2},
};

START_TEST(test_parse_extents)
{
    const struct extents_case *c = &extents_cases[_i];
    struct idg_extent out[MAXT];
    struct idg_arg_error e;
    memset(out, 0, sizeof(out));
    memset(&e, 0, sizeof(e));
    int r = idg_parse_extents((char *const *)c->args, c->n, out, &e);
    ck_assert_msg(r == c->ret, "case %d: %d, want %d", _i, r, c->ret);
    if (c->ret == 0) {
        for (size_t i = 0; i < c->n; i++) {
            ck_assert_uint_eq(out[i].inside, c->out[i].inside);
            ck_assert_uint_eq(out[i].outside, c->out[i].outside);
            ck_assert_uint_eq(out[i].count, c->out[i].count);
        }
        return;
    }
    ck_assert_uint_eq(e.triple, c->triple);
    ck_assert_int_eq(e.field, c->field);
    ck_assert_int_eq(e.err, c->err);
    ck_assert_int_eq(e.wraps, c->wraps);
    ck_assert_ptr_eq(e.text, c->args[(c->triple - 1) * 3 + (size_t)c->field]);
    if (c->wraps) {
        ck_assert_uint_eq(e.start, c->start);
        ck_assert_uint_eq(e.count, c->count);
    }
}
END_TEST

struct arg_error_case {
    const char *args[3 * MAXT];
    size_t n;
    const char *needles[3];
    const char *absent; /* must not appear */
};

static const struct arg_error_case arg_error_cases[] = {
    {{"0", "1", "1", "1", "12x", "1"}, 2, {"triple 2", "OUTSIDE", "'12x'"}, "INSIDE"},
    {{"-5", "1", "1"}, 1, {"triple 1", "INSIDE", "'-5'"}, "OUTSIDE"},
    {{"0", "1", "1", "1", "2", "1", "2", "3", "0"}, 3, {"triple 3", "COUNT", "'0'"}, NULL},
    {{"4294967295", "1", "1"}, 1, {"triple 1", "INSIDE", "4294967294"}, NULL},
    {{"0", "1", "99999999999"}, 1, {"triple 1", "COUNT", "'99999999999'"}, NULL},
    {{"0", "4294967290", "10"}, 1, {"triple 1", "OUTSIDE 4294967290", "COUNT 10"}, NULL},
    /* hostile argv is quoted sanitized: no terminal escapes in messages */
    {{"\x1b[31mred", "1", "1"}, 1, {"triple 1", "INSIDE", "'?[31mred'"}, "\x1b"},
    {{"0", "1\nFAKE: ok", "1"}, 1, {"triple 1", "OUTSIDE", "'1?FAKE: ok'"}, "\n"},
};

START_TEST(test_arg_error_str)
{
    const struct arg_error_case *c = &arg_error_cases[_i];
    struct idg_extent out[MAXT];
    struct idg_arg_error e;
    ck_assert_int_eq(idg_parse_extents((char *const *)c->args, c->n, out, &e), -EINVAL);
    char buf[256];
    const char *s = idg_arg_error_str(buf, sizeof(buf), &e);
    ck_assert_ptr_eq(s, buf);
    for (size_t k = 0; k < ARRAY_SIZE(c->needles) && c->needles[k]; k++)
        ck_assert_str_has(buf, c->needles[k]);
    if (c->absent)
        ck_assert_str_lacks(buf, c->absent);
}
END_TEST

/* A long argument is cut in the message; the message stays within its buffer. */
START_TEST(test_arg_error_str_long)
{
    char arg[1000];
    memset(arg, 'a', sizeof(arg) - 1);
    arg[sizeof(arg) - 1] = '\0';
    const char *args[] = {arg, "1", "1"};
    struct idg_extent out[1];
    struct idg_arg_error e;
    ck_assert_int_eq(idg_parse_extents((char *const *)args, 1, out, &e), -EINVAL);
    char *buf = malloc(40); /* exact size: ASan sees any write past it */
    ck_assert_ptr_nonnull(buf);
    idg_arg_error_str(buf, 40, &e);
    ck_assert_uint_eq(strnlen(buf, 40), 39);
    ck_assert_str_has(buf, "triple 1: INSIDE 'aaa");
    free(buf);
}
END_TEST

struct sanitize_case {
    const char *in;
    size_t len;
    const char *out;
};

static const struct sanitize_case sanitize_cases[] = {
    {"abc", 16, "abc"},
    {"", 16, ""},
    {" ~", 16, " ~"}, /* 0x20 and 0x7e are printable */
    {"a\nb", 16, "a?b"},
    {"\x1b[0m", 16, "?[0m"},
    {"\t\r\x01\x1f", 16, "????"},
    {"\x7f", 16, "?"},
    {"\x80\xff", 16, "??"},
    {"\xc3\xa9t\xc3\xa9", 16, "??t??"}, /* UTF-8 "été": each byte >= 0x80 */
    {"abcdef", 4, "abc"},               /* truncated, NUL-terminated */
    {"a\nbcdef", 4, "a?b"},
    {"abc", 1, ""},
};

START_TEST(test_sanitize)
{
    const struct sanitize_case *c = &sanitize_cases[_i];
    char *buf = malloc(c->len); /* exact size: ASan sees any write past it */
    ck_assert_ptr_nonnull(buf);
    const char *s = idg_sanitize(buf, c->len, c->in);
    ck_assert_ptr_eq(s, buf);
    ck_assert_str_eq(buf, c->out);
    free(buf);
}
END_TEST

/* A zero-length buffer is left alone. */
START_TEST(test_sanitize_zero)
{
    char buf[4] = "XYZ";
    idg_sanitize(buf, 0, "abc");
    ck_assert_str_eq(buf, "XYZ");
}
END_TEST

START_TEST(test_map_format)
{
    static const struct idg_extent ext[] = {{0, 1001, 1}, {1, 100000, 65536}};
    char buf[4096];
    int n = idg_map_format(buf, sizeof(buf), ext, 2);
    ck_assert_int_eq(n, 24);
    ck_assert_str_eq(buf, "0 1001 1\n1 100000 65536\n");

    static const struct idg_extent top[] = {{4294967294u, 4294967294u, 1}, {0, 0, 4294967295u}};
    n = idg_map_format(buf, sizeof(buf), top, 2);
    ck_assert_str_eq(buf, "4294967294 4294967294 1\n0 0 4294967295\n");
    ck_assert_int_eq(n, (int)strlen(buf));
}
END_TEST

/* 340 small extents fit in a page, line for line. */
START_TEST(test_map_format_340_fit)
{
    struct idg_extent ext[340];
    char want[4096];
    size_t len = 0;
    for (uint32_t i = 0; i < 340; i++) {
        ext[i] = (struct idg_extent){i, i, 1};
        len += (size_t)snprintf(want + len, sizeof(want) - len, "%u %u 1\n", i, i);
    }
    ck_assert_uint_lt(len, 4095);
    char buf[4096];
    int n = idg_map_format(buf, sizeof(buf), ext, 340);
    ck_assert_int_eq(n, (int)len);
    ck_assert_mem_eq(buf, want, len);
}
END_TEST

/* 340 extents of large numbers do not fit in a page: refused, not cut. */
START_TEST(test_map_format_340_too_big)
{
    struct idg_extent ext[340];
    for (uint32_t i = 0; i < 340; i++)
        ext[i] = (struct idg_extent){4000000000u + i * 10, 4100000000u + i * 10, 10};
    char *buf = malloc(4096); /* exact size: ASan sees any write past it */
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(idg_map_format(buf, 4096, ext, 340), -E2BIG);
    free(buf);
}
END_TEST

/*
 * The boundary: the text must fit in cap - 1 bytes (the kernel takes writes
 * of fewer than PAGE_SIZE bytes; cap is the page size). "0 1001 1\n" is 9 bytes.
 */
struct cap_case {
    size_t cap;
    int ret;
};

static const struct cap_case cap_cases[] = {
    {64, 9},     {11, 9},     {10, 9}, /* 9 bytes fit in cap - 1 = 9 */
    {9, -E2BIG}, {8, -E2BIG}, {1, -E2BIG}, {0, -E2BIG},
};

START_TEST(test_map_format_cap)
{
    static const struct idg_extent ext[] = {{0, 1001, 1}};
    const struct cap_case *c = &cap_cases[_i];
    char *buf = malloc(c->cap ? c->cap : 1);
    ck_assert_ptr_nonnull(buf);
    int n = idg_map_format(buf, c->cap, ext, 1);
    ck_assert_msg(n == c->ret, "cap %zu: %d, want %d", c->cap, n, c->ret);
    if (n >= 0)
        ck_assert_str_eq(buf, "0 1001 1\n");
    free(buf);
}
END_TEST

/* No extents: no text. */
START_TEST(test_map_format_empty)
{
    char buf[16];
    ck_assert_int_eq(idg_map_format(buf, sizeof(buf), NULL, 0), 0);
}
END_TEST

static Suite *request_suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("argv");
    tcase_add_loop_test(tc, test_parse_target, 0, (int)ARRAY_SIZE(target_cases));
    tcase_add_loop_test(tc, test_parse_extents, 0, (int)ARRAY_SIZE(extents_cases));
    tcase_add_loop_test(tc, test_arg_error_str, 0, (int)ARRAY_SIZE(arg_error_cases));
    tcase_add_test(tc, test_arg_error_str_long);
    tcase_add_loop_test(tc, test_sanitize, 0, (int)ARRAY_SIZE(sanitize_cases));
    tcase_add_test(tc, test_sanitize_zero);
    suite_add_tcase(s, tc);

    tc = tcase_create("map");
    tcase_add_test(tc, test_map_format);
    tcase_add_test(tc, test_map_format_340_fit);
    tcase_add_test(tc, test_map_format_340_too_big);
    tcase_add_loop_test(tc, test_map_format_cap, 0, (int)ARRAY_SIZE(cap_cases));
    tcase_add_test(tc, test_map_format_empty);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(request_suite());
}
