/* SPDX-License-Identifier: BSD-3-Clause */
/* number.h: the one strict decimal parser, and its formatter. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "number.h"
#include "unit.h"

#define SENTINEL UINT32_C(0xdeadbeef)

struct parse_case {
    const char *s;
    uint32_t max;
    int ret;
    uint32_t value;
};

struct counted_case {
    struct parse_case c;
    size_t len;
};

/* NUL-terminated strings, parsed whole by both entry points. */
static const struct parse_case whole_cases[] = {
    /* plain decimals at the edges */
    {"0", IDG_ID_MAX, 0, 0},
    {"1", IDG_ID_MAX, 0, 1},
    {"9", IDG_ID_MAX, 0, 9},
    {"10", IDG_ID_MAX, 0, 10},
    {"65536", IDG_ID_MAX, 0, 65536},
    {"4294967294", IDG_ID_MAX, 0, UINT32_C(4294967294)},
    {"4294967295", IDG_ID_MAX, -ERANGE, 0},
    {"4294967295", IDG_COUNT_MAX, 0, UINT32_C(4294967295)},
    {"4294967296", IDG_COUNT_MAX, -ERANGE, 0},
    {"9999999999", IDG_COUNT_MAX, -ERANGE, 0},
    {"10000000000", IDG_COUNT_MAX, -ERANGE, 0},
    {"99999999999", IDG_COUNT_MAX, -ERANGE, 0},
    {"18446744073709551617", IDG_COUNT_MAX, -ERANGE, 0}, /* 2^64 + 1 */
    /* the caller's maximum */
    {"41", 41, 0, 41},
    {"42", 41, -ERANGE, 0},
    {"0", 0, 0, 0},
    {"1", 0, -ERANGE, 0},
    /* not plain decimals */
    {"", IDG_ID_MAX, -EINVAL, 0},
    {"-1", IDG_ID_MAX, -EINVAL, 0},
    {"-0", IDG_ID_MAX, -EINVAL, 0},
    {"+1", IDG_ID_MAX, -EINVAL, 0},
    {" 1", IDG_ID_MAX, -EINVAL, 0},
    {"1 ", IDG_ID_MAX, -EINVAL, 0},
    {"\t1", IDG_ID_MAX, -EINVAL, 0},
    {"1\n", IDG_ID_MAX, -EINVAL, 0},
    {"0x10", IDG_ID_MAX, -EINVAL, 0},
    {"0X10", IDG_ID_MAX, -EINVAL, 0},
    {"010", IDG_ID_MAX, -EINVAL, 0},
    {"00", IDG_ID_MAX, -EINVAL, 0},
    {"007", IDG_ID_MAX, -EINVAL, 0},
    /* a leading zero is refused as such, even when the number is long */
    {"000000000000000000001", IDG_COUNT_MAX, -EINVAL, 0},
    {"1e3", IDG_ID_MAX, -EINVAL, 0},
    {"1.0", IDG_ID_MAX, -EINVAL, 0},
    {"1,000", IDG_ID_MAX, -EINVAL, 0},
    {"1_000", IDG_ID_MAX, -EINVAL, 0},
    {"a", IDG_ID_MAX, -EINVAL, 0},
    {"12a", IDG_ID_MAX, -EINVAL, 0},
    {"/", IDG_ID_MAX, -EINVAL, 0},               /* '0' - 1 */
    {":", IDG_ID_MAX, -EINVAL, 0},               /* '9' + 1 */
    {"\xef\xbc\x91", IDG_ID_MAX, -EINVAL, 0},    /* U+FF11 FULLWIDTH DIGIT ONE */
    {"\xd9\xa3", IDG_ID_MAX, -EINVAL, 0},        /* U+0663 ARABIC-INDIC THREE */
    {"1\xc2\xa0", IDG_ID_MAX, -EINVAL, 0},       /* trailing NO-BREAK SPACE */
    {"99999999999x", IDG_COUNT_MAX, -EINVAL, 0}, /* junk beats size */
};

/* Counted parsing: only `len` bytes count, NUL or not. */
static const struct counted_case counted_cases[] = {
    {{"123:", IDG_ID_MAX, 0, 123}, 3},
    {{"123:", IDG_ID_MAX, -EINVAL, 0}, 4},
    {{"1234", IDG_ID_MAX, 0, 12}, 2},
    {{"0123", IDG_ID_MAX, 0, 0}, 1},
    {{"0123", IDG_ID_MAX, -EINVAL, 0}, 2},
    {{"5", IDG_ID_MAX, -EINVAL, 0}, 0},
    {{"42949672950", IDG_ID_MAX, -ERANGE, 0}, 10},
    {{"42949672940", IDG_ID_MAX, 0, UINT32_C(4294967294)}, 10},
    /* an embedded NUL is not the end of the number, it is a bad byte */
    {{"1\0"
      "2",
      IDG_ID_MAX, -EINVAL, 0},
     3},
    {{"12\0", IDG_ID_MAX, -EINVAL, 0}, 3},
    {{"\0"
      "1",
      IDG_ID_MAX, -EINVAL, 0},
     2},
};

static void check_parse_n(int i, const struct parse_case *c, size_t len)
{
    uint32_t out = SENTINEL;
    int r = idg_parse_u32n(c->s, len, c->max, &out);
    ck_assert_msg(r == c->ret, "case %d (\"%s\", len %zu, max %u): got %d, want %d", i, c->s, len,
                  c->max, r, c->ret);
    if (c->ret == 0)
        ck_assert_uint_eq(out, c->value);
    else
        ck_assert_msg(out == SENTINEL, "case %d: *out changed to %u on error", i, out);
}

START_TEST(test_parse_u32n_whole)
{
    check_parse_n(_i, &whole_cases[_i], strlen(whole_cases[_i].s));
}
END_TEST

START_TEST(test_parse_u32n_counted)
{
    check_parse_n(_i, &counted_cases[_i].c, counted_cases[_i].len);
}
END_TEST

START_TEST(test_parse_u32)
{
    const struct parse_case *c = &whole_cases[_i];
    uint32_t out = SENTINEL;
    int r = idg_parse_u32(c->s, c->max, &out);
    ck_assert_msg(r == c->ret, "case %d (\"%s\", max %u): got %d, want %d", _i, c->s, c->max, r,
                  c->ret);
    if (c->ret == 0)
        ck_assert_uint_eq(out, c->value);
    else
        ck_assert_uint_eq(out, SENTINEL);
}
END_TEST

/* A digit string that is cut by `len` must not be read past `len`. */
START_TEST(test_parse_u32n_no_overread)
{
    char *p = malloc(3);
    ck_assert_ptr_nonnull(p);
    memcpy(p, "123", 3); /* no NUL: ASan catches any read of p[3] */
    uint32_t out = SENTINEL;
    ck_assert_int_eq(idg_parse_u32n(p, 3, IDG_ID_MAX, &out), 0);
    ck_assert_uint_eq(out, 123);
    free(p);
}
END_TEST

struct format_case {
    uint32_t v;
    const char *text;
};

static const struct format_case format_cases[] = {
    {0, "0"},
    {7, "7"},
    {10, "10"},
    {1001, "1001"},
    {100000, "100000"},
    {UINT32_C(4294967294), "4294967294"},
    {UINT32_C(4294967295), "4294967295"},
};

START_TEST(test_format_u32)
{
    const struct format_case *c = &format_cases[_i];
    char buf[12];
    memset(buf, 'X', sizeof(buf));
    size_t n = idg_format_u32(buf, c->v);
    ck_assert_uint_eq(n, strlen(c->text));
    ck_assert_str_eq(buf, c->text);
    ck_assert_int_eq(buf[11], 'X'); /* at most 11 bytes written */

    /* What the formatter writes, the parser reads back. */
    uint32_t back = SENTINEL;
    ck_assert_int_eq(idg_parse_u32(buf, IDG_COUNT_MAX, &back), 0);
    ck_assert_uint_eq(back, c->v);
}
END_TEST

/* The word-at-a-time reader (idg_scan_u32) and the byte reader give the
   same answer, end and value for every run of 0-17 digits, each followed by
   every kind of byte, at every offset of a long buffer. */
START_TEST(test_scan_u32_words_as_bytes)
{
    static const char *const runs[] = {
        "",           "0",           "00",         "7",          "10",
        "65536",      "100000",      "1234567",    "12345678",   "99999999",
        "123456789",  "4294967294",  "4294967295", "4294967296", "9999999999",
        "0123456789", "12345678901", "1000000000", "100000000",  "12345678912345678"};
    static const char after[] = ":\n\r x/\x7f\x80\0\x3a\x2f\x3a";
    static const uint32_t maxes[] = {IDG_ID_MAX, IDG_COUNT_MAX, 65536, 0};
    char buf[64];
    for (size_t r = 0; r < ARRAY_SIZE(runs); r++)
        for (size_t a = 0; a < sizeof(after); a++)
            for (size_t off = 0; off < 20; off++)
                for (size_t m = 0; m < ARRAY_SIZE(maxes); m++) {
                    memset(buf, '5', sizeof(buf));
                    size_t n = strlen(runs[r]);
                    memcpy(buf + off, runs[r], n);
                    buf[off + n] = after[a];
                    for (size_t cut = off; cut <= sizeof(buf); cut += 7) {
                        const char *p1 = buf + off, *p2 = buf + off, *end = buf + cut;
                        uint32_t v1 = SENTINEL, v2 = SENTINEL;
                        int r1 = idg_scan_u32(&p1, end, maxes[m], &v1);
                        int r2 = idg_scan_u32_bytes(&p2, end, maxes[m], &v2);
                        ck_assert_msg(r1 == r2 && p1 == p2 && v1 == v2,
                                      "\"%s\" + byte %zu at %zu, end %zu, max %u: words %d %td "
                                      "%u, bytes %d %td %u",
                                      runs[r], a, off, cut, maxes[m], r1, p1 - buf, v1, r2,
                                      p2 - buf, v2);
                    }
                }
}
END_TEST

static Suite *number_suite(void)
{
    Suite *s = suite_create("number");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_parse_u32n_whole, 0, (int)ARRAY_SIZE(whole_cases));
    tcase_add_loop_test(tc, test_parse_u32n_counted, 0, (int)ARRAY_SIZE(counted_cases));
    tcase_add_loop_test(tc, test_parse_u32, 0, (int)ARRAY_SIZE(whole_cases));
    tcase_add_test(tc, test_parse_u32n_no_overread);
    tcase_add_test(tc, test_scan_u32_words_as_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_loop_test(tc, test_format_u32, 0, (int)ARRAY_SIZE(format_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(number_suite());
}
