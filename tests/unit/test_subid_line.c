/* SPDX-License-Identifier: BSD-3-Clause */
/* subid_line.h: the owner:start:count grammar, window lines, owner keys, the
 * line iterator. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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
/* Window lines: the grammar and the span, at the edges of the id space. */
struct window_case {
    const char *line;
    enum idg_line_status st;
    uint32_t first, last, start, per, span; /* for IDG_LINE_ENTRY */
};

static const struct window_case window_cases[] = {
    {"50000-59999:2147483648:65536", IDG_LINE_ENTRY, 50000, 59999, 2147483648u, 65536, 655360000u},
    {"5-5:100:1", IDG_LINE_ENTRY, 5, 5, 100, 1, 1}, /* FIRST = LAST, COUNT 1 */
    {"0-0:0:1", IDG_LINE_ENTRY, 0, 0, 0, 1, 1},
    /* the span ends exactly at 4294967294 */
    {"0-1:4294967293:1", IDG_LINE_ENTRY, 0, 1, 4294967293u, 1, 2},
    {"10-19:4294967284:1", IDG_LINE_ENTRY, 10, 19, 4294967284u, 1, 10},
    {"0-65535:4294901759:1", IDG_LINE_ENTRY, 0, 65535, 4294901759u, 1, 65536},
    /* 32,767 users of 65,536 ids fit above 2^31; a 32,768th would end at
       4294967295, which is no id */
    {"1000-33766:2147483648:65536", IDG_LINE_ENTRY, 1000, 33766, 2147483648u, 65536, 2147418112u},
    {"1000-33767:2147483648:65536", IDG_LINE_BAD_SPAN, 0, 0, 0, 0, 0},
    {"0-4294967294:0:1", IDG_LINE_ENTRY, 0, 4294967294u, 0, 1, 4294967295u},
    /* one id past 4294967294, by start, by count, by the window's width */
    {"0-1:4294967294:1", IDG_LINE_BAD_SPAN, 0, 0, 0, 0, 0},
    {"10-19:4294967286:1", IDG_LINE_BAD_SPAN, 0, 0, 0, 0, 0},
    {"0-1:4294901759:65536", IDG_LINE_BAD_SPAN, 0, 0, 0, 0, 0},
    {"0-4294967294:1:1", IDG_LINE_BAD_SPAN, 0, 0, 0, 0, 0},
    /* products that wrap 32 bits must not pass for small spans */
    {"0-65536:0:65536", IDG_LINE_BAD_SPAN, 0, 0, 0, 0, 0},
    {"0-4294967294:0:4294967295", IDG_LINE_BAD_SPAN, 0, 0, 0, 0, 0},
    {"0-2147483647:0:2", IDG_LINE_BAD_SPAN, 0, 0, 0, 0, 0},
    /* malformed FIRST-LAST */
    {"9-5:100:1", IDG_LINE_BAD_WINDOW, 0, 0, 0, 0, 0}, /* FIRST > LAST */
    {"05-9:100:1", IDG_LINE_BAD_WINDOW, 0, 0, 0, 0, 0},
    {"5-09:100:1", IDG_LINE_BAD_WINDOW, 0, 0, 0, 0, 0},
    {"5-4294967295:100:1", IDG_LINE_BAD_WINDOW, 0, 0, 0, 0, 0},
    {"4294967296-4294967296:100:1", IDG_LINE_BAD_WINDOW, 0, 0, 0, 0, 0},
    /* the rest of the line is checked first, as for every line */
    {"5-9:01:1", IDG_LINE_BAD_START, 0, 0, 0, 0, 0},
    {"5-9:1:0", IDG_LINE_BAD_COUNT, 0, 0, 0, 0, 0},
};

/* Owners that only look like windows are names. */
static const char *const not_windows[] = {
    "5-:1:1", "-5:1:1", "5--9:1:1", "5-9-1:1:1", "a5-9:1:1", "5-9a:1:1", "svc-5:1:1", "1-a:1:1",
};

START_TEST(test_window_line)
{
    const struct window_case *c = &window_cases[_i];
    struct idg_entry e;
    memset(&e, 0, sizeof(e));
    enum idg_line_status st = idg_parse_line(c->line, strlen(c->line), &e);
    ck_assert_msg(st == c->st, "\"%s\": status %d (%s), want %d", c->line, st,
                  idg_line_status_str(st), c->st);
    if (st != IDG_LINE_ENTRY)
        return;
    ck_assert(e.window);
    ck_assert_uint_eq(e.first, c->first);
    ck_assert_uint_eq(e.last, c->last);
    ck_assert_uint_eq(e.range.start, c->start);
    ck_assert_uint_eq(e.per, c->per);
    ck_assert_uint_eq(e.range.count, c->span);
    ck_assert(idg_range_check(e.range.start, e.range.count) == 0);
}
END_TEST

START_TEST(test_not_window)
{
    struct idg_entry e;
    const char *l = not_windows[_i];
    ck_assert_int_eq(idg_parse_line(l, strlen(l), &e), IDG_LINE_ENTRY);
    ck_assert(!e.window);
}
END_TEST

/* The slot formula and its inverse, over every uid of small windows and at
 * the edges of large ones. */
START_TEST(test_window_slot)
{
    static const char *const lines[] = {"50000-59999:2147483648:65536", "7-7:9:3",
                                        "0-4294967294:0:1", "0-65535:4294901759:1"};
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
        struct idg_entry e;
        ck_assert_int_eq(idg_parse_line(lines[i], strlen(lines[i]), &e), IDG_LINE_ENTRY);
        struct idg_range r;
        ck_assert(!e.first || !idg_window_slot(&e, e.first - 1, &r));
        ck_assert(e.last == 4294967294u || !idg_window_slot(&e, e.last + 1, &r));
        uint32_t probe[] = {e.first, e.first + (e.last - e.first) / 2, e.last};
        for (size_t k = 0; k < ARRAY_SIZE(probe); k++) {
            uint32_t u = probe[k];
            ck_assert(idg_window_slot(&e, u, &r));
            ck_assert_uint_eq(r.count, e.per);
            ck_assert_uint_eq(r.start, e.range.start + (uint64_t)(u - e.first) * e.per);
            ck_assert(idg_range_contains(e.range, r));
            ck_assert_uint_eq(idg_window_uid(&e, r.start), u);
            ck_assert_uint_eq(idg_window_uid(&e, idg_range_last(r)), u);
        }
    }
    /* An ordinary line is no window. */
    struct idg_entry e;
    struct idg_range r;
    ck_assert_int_eq(idg_parse_line("1000:5:5", 8, &e), IDG_LINE_ENTRY);
    ck_assert(!idg_window_slot(&e, 1000, &r));
}
END_TEST

/* Whose is a window: a user's uid inside it, in both files; never a name,
 * never a text equal to the owner field. */
START_TEST(test_owner_takes_window)
{
    struct idg_entry e;
    ck_assert_int_eq(idg_parse_line("100-199:1000000:10", 18, &e), IDG_LINE_ENTRY);
    struct idg_owner o;
    struct idg_range r;
    idg_owner_init(&o, "alice", 150);
    ck_assert(idg_owner_takes(&o, &e, &r));
    ck_assert_uint_eq(r.start, 1000500);
    ck_assert_uint_eq(r.count, 10);
    idg_owner_init(&o, "bob", 200);
    ck_assert(!idg_owner_takes(&o, &e, &r));
    idg_owner_init(&o, NULL, 100); /* a uid without a name */
    ck_assert(idg_owner_takes(&o, &e, &r));
    ck_assert_uint_eq(r.start, 1000000);
    idg_owner_init_name(&o, "100-199"); /* the owner text, but no uid */
    ck_assert(!idg_owner_takes(&o, &e, &r));
    /* a group query: the text key is the gid, the window the user's uid */
    idg_owner_init(&o, "alice", 7);
    o.wuid = 199;
    ck_assert(idg_owner_takes(&o, &e, &r));
    ck_assert_uint_eq(r.start, 1000990);
    /* and the cheap prefix test lets window lines through for any uid */
    ck_assert(idg_line_may_belong(&o, "100-199:1000000:10", 18));
    idg_owner_init_name(&o, "carol");
    ck_assert(!idg_line_may_belong(&o, "100-199:1000000:10", 18));
}
END_TEST

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
        {IDG_LINE_BAD_WINDOW, "FIRST-LAST"},   {IDG_LINE_BAD_SPAN, "4294967294"},
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

/* The one-pass reader of plain lines takes exactly the parser's plain
   entries (not windows), with the same fields, ending at the line's end;
   with the line alone, at the buffer's end, and before more lines. */
START_TEST(test_parse_plain_as_parser)
{
    static const char *const lines[] = {
        "alice:100000:65536",
        "a:0:1",
        "1000:4294901760:65535",
        "a:4294967294:1",
        "a:4294967295:1",
        "a:1:4294967295",
        "a:0:4294967295",
        "a:00:1",
        "a:01:1",
        "a:1:0",
        "a:1:01",
        "a:12345678901:1",
        "a::1",
        "a:1:",
        ":1:1",
        " a:1:1",
        "#a:1:1",
        "a#:1:1",
        "a:1:1\r",
        "a:1:1:",
        "a b:1:1",
        "a\x7f:1:1",
        "\xc3\xa9t\xc3\xa9:5:5",
        "1000-1009:2000000:10",
        "1000-1009:4294967290:10",
        "x-y:1:1",
        "a:1",
        "",
        "verylongownernamewithmanybytes:123456789:987654",
        "a:99999999:99999999",
        "a:100000000:1000000000",
        "a-:1:1",
        "-1:1:1",
        "1-:1:1",
    };
    static const char *const tails[] = {"", "\n", "\nb:1:1\n", "\n0123456789012345678901234\n"};
    char buf[256];
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
        for (size_t t = 0; t < ARRAY_SIZE(tails); t++) {
            size_t n = strlen(lines[i]);
            int len = snprintf(buf, sizeof(buf), "%s%s", lines[i], tails[t]);
            struct idg_entry want = {0}, got;
            enum idg_line_status st = idg_parse_line(buf, n, &want);
            const char *eol = NULL;
            bool plain = idg_parse_plain(buf, buf + len, &got, &eol);
            bool should = st == IDG_LINE_ENTRY && !want.window;
            ck_assert_msg(plain == should, "\"%s\" + tail %zu: plain %d, parser %s", lines[i], t,
                          plain, idg_line_status_str(st));
            if (!plain)
                continue;
            ck_assert_ptr_eq(eol, buf + n);
            ck_assert_ptr_eq(got.owner, buf);
            ck_assert_uint_eq(got.owner_len, want.owner_len);
            ck_assert_uint_eq(got.range.start, want.range.start);
            ck_assert_uint_eq(got.range.count, want.range.count);
            ck_assert(!got.window);
        }
}
END_TEST

static Suite *subid_line_suite(void)
{
    Suite *s = suite_create("subid_line");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_parse_line, 0, (int)ARRAY_SIZE(line_cases));
    tcase_add_test(tc, test_parse_line_no_overread);
    tcase_add_test(tc, test_parse_plain_as_parser);
    tcase_add_test(tc, test_status_str);
    tcase_add_loop_test(tc, test_window_line, 0, (int)ARRAY_SIZE(window_cases));
    tcase_add_loop_test(tc, test_not_window, 0, (int)ARRAY_SIZE(not_windows));
    tcase_add_test(tc, test_window_slot);
    tcase_add_test(tc, test_owner_takes_window);
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
