/* SPDX-License-Identifier: BSD-3-Clause */
/* subid_line.h: the owner:start:count grammar, owner keys, the line iterator. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "subid_line.h"
#include "unit.h"

struct line_case {
    const char *line;
    size_t len; /* 0: strlen(line) */
    enum idg_line_status st;
    const char *owner; /* for IDG_LINE_ENTRY */
    uint32_t start, count;
};

static const struct line_case line_cases[] = {
    /* valid entries */
    {"alice:100000:65536", 0, IDG_LINE_ENTRY, "alice", 100000, 65536},
    {"1001:100000:65536", 0, IDG_LINE_ENTRY, "1001", 100000, 65536},
    {"alice:0:1", 0, IDG_LINE_ENTRY, "alice", 0, 1},
    {"alice:4294967294:1", 0, IDG_LINE_ENTRY, "alice", 4294967294u, 1},
    {"alice:0:4294967295", 0, IDG_LINE_ENTRY, "alice", 0, 4294967295u},
    {"alice:4294967290:5", 0, IDG_LINE_ENTRY, "alice", 4294967290u, 5},
    {"svc-a_b.c$:1:1", 0, IDG_LINE_ENTRY, "svc-a_b.c$", 1, 1},
    {"alice:1:1XYZ", 9, IDG_LINE_ENTRY, "alice", 1, 1}, /* only len bytes count */
    /* comments and blank lines */
    {"#x", 0, IDG_LINE_COMMENT, NULL, 0, 0},
    {"   # x", 0, IDG_LINE_COMMENT, NULL, 0, 0},
    {"\t#alice:1:1", 0, IDG_LINE_COMMENT, NULL, 0, 0},
    {"#alice:100000:65536", 0, IDG_LINE_COMMENT, NULL, 0, 0},
    {"", 0, IDG_LINE_COMMENT, NULL, 0, 0},
    {"  \t", 0, IDG_LINE_COMMENT, NULL, 0, 0},
    {"\r", 0, IDG_LINE_COMMENT, NULL, 0, 0},
    /* not three fields */
    {"alice", 0, IDG_LINE_BAD_FIELDS, NULL, 0, 0},
    {"alice:100000", 0, IDG_LINE_BAD_FIELDS, NULL, 0, 0},
    {"alice:1:1:1", 0, IDG_LINE_BAD_FIELDS, NULL, 0, 0},
    {"alice:1:1:", 0, IDG_LINE_BAD_FIELDS, NULL, 0, 0},
    {"::::", 0, IDG_LINE_BAD_FIELDS, NULL, 0, 0},
    {"alice 100000 65536", 0, IDG_LINE_BAD_FIELDS, NULL, 0, 0},
    {"alice:1:1", 7, IDG_LINE_BAD_FIELDS, NULL, 0, 0}, /* "alice:1" */
    /* bad owners */
    {":1:1", 0, IDG_LINE_BAD_OWNER, NULL, 0, 0},
    {"al ice:1:1", 0, IDG_LINE_BAD_OWNER, NULL, 0, 0},
    {"al\tice:1:1", 0, IDG_LINE_BAD_OWNER, NULL, 0, 0},
    {"al\x01ice:1:1", 0, IDG_LINE_BAD_OWNER, NULL, 0, 0},
    {"al\x1bice:1:1", 0, IDG_LINE_BAD_OWNER, NULL, 0, 0},
    {"al\x7fice:1:1", 0, IDG_LINE_BAD_OWNER, NULL, 0, 0},
    {" alice:1:1", 0, IDG_LINE_BAD_OWNER, NULL, 0, 0},
    {"alice :1:1", 0, IDG_LINE_BAD_OWNER, NULL, 0, 0},
    {"al\0ice:1:1", 10, IDG_LINE_BAD_OWNER, NULL, 0, 0}, /* embedded NUL */
    /* bad starts */
    {"alice:-1:1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    {"alice:+1:1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    {"alice:01:1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    {"alice:0x10:1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    {"alice:4294967295:1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    {"alice:4294967296:1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    {"alice::1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    {"alice: 1:1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    {"alice:1 :1", 0, IDG_LINE_BAD_START, NULL, 0, 0},
    /* bad counts */
    {"alice:1:0", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:1:4294967296", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:1:", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:1:010", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:1:-1", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:1:1e3", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:100000:65536\r", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0}, /* CRLF file */
    {"alice:100000:65536 ", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:100000:65536\t", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:100000:65536 # mine", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    {"alice:100000:65536\n", 0, IDG_LINE_BAD_COUNT, NULL, 0, 0},
    /* ranges that wrap past the id space */
    {"alice:4294967290:10", 0, IDG_LINE_BAD_RANGE, NULL, 0, 0},
    {"alice:4294967290:6", 0, IDG_LINE_BAD_RANGE, NULL, 0, 0},
    {"alice:1:4294967295", 0, IDG_LINE_BAD_RANGE, NULL, 0, 0},
    {"alice:4294967294:2", 0, IDG_LINE_BAD_RANGE, NULL, 0, 0},
};

START_TEST(test_parse_line)
{
    const struct line_case *c = &line_cases[_i];
    size_t len = c->len ? c->len : strlen(c->line);
    struct idg_entry e;
    memset(&e, 0, sizeof(e));
    enum idg_line_status st = idg_parse_line(c->line, len, &e);
    ck_assert_msg(st == c->st, "case %d \"%s\": status %d (%s), want %d (%s)", _i, c->line, st,
                  idg_line_status_str(st), c->st, idg_line_status_str(c->st));
    if (c->st != IDG_LINE_ENTRY)
        return;
    ck_assert_ptr_eq(e.owner, c->line); /* points into the line */
    ck_assert_uint_eq(e.owner_len, strlen(c->owner));
    ck_assert_mem_eq(e.owner, c->owner, e.owner_len);
    ck_assert_uint_eq(e.range.start, c->start);
    ck_assert_uint_eq(e.range.count, c->count);
}
END_TEST

/* The parser reads no byte past len (the line is not NUL-terminated in a file buffer). */
START_TEST(test_parse_line_no_overread)
{
    static const char text[] = "alice:100000:65536";
    size_t n = sizeof(text) - 1;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    memcpy(p, text, n);
    struct idg_entry e;
    ck_assert_int_eq(idg_parse_line(p, n, &e), IDG_LINE_ENTRY);
    ck_assert_uint_eq(e.range.count, 65536);
    free(p);
}
END_TEST

/* Every malformed status has its own words, and they name the field at fault. */
START_TEST(test_status_str)
{
    static const struct {
        enum idg_line_status st;
        const char *word;
    } words[] = {
        {IDG_LINE_BAD_FIELDS, "three fields"}, {IDG_LINE_BAD_OWNER, "owner"},
        {IDG_LINE_BAD_START, "start"},         {IDG_LINE_BAD_COUNT, "count"},
        {IDG_LINE_BAD_RANGE, "4294967295"},    {IDG_LINE_TOO_LONG, "64 KiB"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
        const char *s = idg_line_status_str(words[i].st);
        ck_assert_str_has(s, words[i].word);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(s, idg_line_status_str(words[j].st));
    }
}
END_TEST

struct owner_case {
    const char *name; /* may be NULL */
    uint32_t uid;
    const char *field;
    bool want;
};

static const struct owner_case owner_cases[] = {
    {"alice", 1001, "alice", true},  {"alice", 1001, "1001", true},
    {"alice", 1001, "alic", false},  {"alice", 1001, "alice2", false},
    {"alice", 1001, "Alice", false}, {"alice", 1001, "01001", false},
    {"alice", 1001, "1001 ", false}, {"alice", 1001, "100", false},
    {"alice", 1001, "10011", false}, {"alice", 1001, "", false},
    {NULL, 1001, "1001", true},      {NULL, 1001, "", false},
    {NULL, 1001, "alice", false},    {"root", 0, "0", true},
    {"root", 0, "00", false},        {NULL, 4294967294u, "4294967294", true},
};

START_TEST(test_owner_matches)
{
    const struct owner_case *c = &owner_cases[_i];
    struct idg_owner o;
    idg_owner_init(&o, c->name, c->uid);
    ck_assert_msg(idg_owner_matches(&o, c->field, strlen(c->field)) == c->want,
                  "owner (%s, %u) vs field \"%s\": want %d", c->name ? c->name : "(null)", c->uid,
                  c->field, c->want);
}
END_TEST

struct belong_case {
    const char *name;
    uint32_t uid;
    const char *line;
    size_t len; /* 0: strlen */
    bool want;
};

static const struct belong_case belong_cases[] = {
    {"alice", 1001, "alice:100000:65536", 0, true},
    {"alice", 1001, "alice:", 0, true},
    {"alice", 1001, "alice:junk", 0, true}, /* a cheap test: the parser judges the rest */
    {"alice", 1001, "alice2:100000:65536", 0, false},
    {"alice", 1001, "alic:100000:65536", 0, false},
    {"alice", 1001, "alice", 0, false},
    {"alice", 1001, "alice:", 5, false}, /* the ':' lies past len */
    {"alice", 1001, " alice:1:1", 0, false},
    {"alice", 1001, "#alice:1:1", 0, false},
    {"alice", 1001, "bob:1:1", 0, false},
    {"alice", 1001, "1001:100000:65536", 0, true},
    {"alice", 1001, "1001:", 0, true},
    {"alice", 1001, "10011:100000:65536", 0, false},
    {"alice", 1001, "100:100000:65536", 0, false},
    {"alice", 1001, "01001:1:1", 0, false},
    {"alice", 1001, "1001", 0, false},
    {"alice", 1001, "", 0, false},
    {NULL, 1001, "1001:1:1", 0, true},
    {NULL, 1001, ":1:1", 0, false},
    {"", 1001, ":1:1", 0, false}, /* an empty name matches nothing */
    {"root", 0, "0:1:1", 0, true},
    {"root", 0, "00:1:1", 0, false},
};

START_TEST(test_may_belong)
{
    const struct belong_case *c = &belong_cases[_i];
    struct idg_owner o;
    idg_owner_init(&o, c->name, c->uid);
    size_t len = c->len ? c->len : strlen(c->line);
    ck_assert_msg(idg_line_may_belong(&o, c->line, len) == c->want,
                  "owner (%s, %u), line \"%s\" (len %zu): want %d", c->name ? c->name : "(null)",
                  c->uid, c->line, len, c->want);
}
END_TEST

#define MAX_LINES 4

struct lines_case {
    const char *buf;
    size_t len; /* 0: strlen */
    size_t n;
    struct {
        const char *s;
        size_t len;
    } want[MAX_LINES];
};

static const struct lines_case lines_cases[] = {
    {"", 0, 0, {{NULL, 0}}},
    {"a", 0, 1, {{"a", 1}}},
    {"a\n", 0, 1, {{"a", 1}}},
    {"a\nb", 0, 2, {{"a", 1}, {"b", 1}}},
    {"a\nb\n", 0, 2, {{"a", 1}, {"b", 1}}},
    {"\n", 0, 1, {{"", 0}}},
    {"\n\n", 0, 2, {{"", 0}, {"", 0}}},
    {"a\n\nb\n", 0, 3, {{"a", 1}, {"", 0}, {"b", 1}}},
    {"alice:1:1\r\nbob:2:2\r\n", 0, 2, {{"alice:1:1\r", 10}, {"bob:2:2\r", 8}}},
    {"a\0b\nc", 5, 2, {{"a\0b", 3}, {"c", 1}}},
    {"ab\ncd", 4, 2, {{"ab", 2}, {"c", 1}}}, /* len cuts the buffer */
};

START_TEST(test_lines_next)
{
    const struct lines_case *c = &lines_cases[_i];
    size_t len = c->len ? c->len : strlen(c->buf);
    struct idg_lines it;
    idg_lines_init(&it, c->buf, len);
    const char *line;
    size_t n;
    for (size_t k = 0; k < c->n; k++) {
        ck_assert_msg(idg_lines_next(&it, &line, &n), "case %d: line %zu missing", _i, k + 1);
        ck_assert_uint_eq(it.lineno, k + 1);
        ck_assert_uint_eq(n, c->want[k].len);
        ck_assert_mem_eq(line, c->want[k].s, n);
    }
    ck_assert_msg(!idg_lines_next(&it, &line, &n), "case %d: more than %zu lines", _i, c->n);
    ck_assert_uint_eq(it.lineno, c->n);
    ck_assert(!idg_lines_next(&it, &line, &n)); /* stays at the end */
    ck_assert_uint_eq(it.lineno, c->n);
}
END_TEST

/* The iterator reads no byte past len. */
START_TEST(test_lines_no_overread)
{
    char *p = malloc(3);
    ck_assert_ptr_nonnull(p);
    memcpy(p, "a\nb", 3);
    struct idg_lines it;
    idg_lines_init(&it, p, 3);
    const char *line;
    size_t n;
    ck_assert(idg_lines_next(&it, &line, &n));
    ck_assert(idg_lines_next(&it, &line, &n));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(line[0], 'b');
    ck_assert(!idg_lines_next(&it, &line, &n));
    free(p);
}
END_TEST

static Suite *subid_line_suite(void)
{
    Suite *s = suite_create("subid_line");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_parse_line, 0, (int)ARRAY_SIZE(line_cases));
    tcase_add_test(tc, test_parse_line_no_overread);
    tcase_add_test(tc, test_status_str);
    suite_add_tcase(s, tc);

    tc = tcase_create("owner");
    tcase_add_loop_test(tc, test_owner_matches, 0, (int)ARRAY_SIZE(owner_cases));
    tcase_add_loop_test(tc, test_may_belong, 0, (int)ARRAY_SIZE(belong_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("lines");
    tcase_add_loop_test(tc, test_lines_next, 0, (int)ARRAY_SIZE(lines_cases));
    tcase_add_test(tc, test_lines_no_overread);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(subid_line_suite());
}
