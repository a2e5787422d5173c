/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * subid_file.h: a whole subuid/subgid file in memory; editing that keeps
 * every byte it is not asked to change; formatting an entry; loading real
 * files from a temporary directory (never /etc) under the trust rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "subid_file.h"
#include "subid_line.h"
#include "tmpdir.h"
#include "trust.h"
#include "unit.h"

#define TOP UINT32_C(4294967294)
#define ALL UINT32_C(4294967295)

/* An exact-size heap copy of `text` without its NUL, for the file to own:
 * ASan sees any read past the end. */
static char *heap_copy(const char *text, size_t len)
{
    char *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, text, len);
    return p;
}

static void adopt(struct idg_subid_file *f, const char *text)
{
    size_t len = strlen(text);
    memset(f, 0, sizeof(*f));
    ck_assert_int_eq(idg_subid_file_adopt(f, heap_copy(text, len), len), 0);
}

/* Where line `lineno` (from 1) of text starts, and its length without '\n'. */
static void line_span(const char *text, uint32_t lineno, size_t *off, size_t *len)
{
    const char *p = text;
    for (uint32_t k = 1; k < lineno; k++) {
        p = strchr(p, '\n');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    const char *e = strchr(p, '\n');
    *off = (size_t)(p - text);
    *len = e ? (size_t)(e - p) : strlen(p);
}

/* ------------------------------------------------------------------------ */
/* Adopting a buffer */

struct want_entry {
    uint32_t lineno;
    const char *owner;
    uint32_t start, count;
};

struct want_bad {
    uint32_t lineno;
    enum idg_line_status st;
};

struct adopt_case {
    const char *text;
    size_t n;
    struct want_entry e[5];
    size_t n_bad;
    struct want_bad bad[6];
    bool sorted;
};

static const struct adopt_case adopt_cases[] = {
    {"# subordinate uids\n" /* 1 */
     "\n"                   /* 2 */
     "alice:100000:65536\n" /* 3 */
     "bob:165536:65536\n"   /* 4 */
     "bad line\n"           /* 5 */
     "carol:x:1\n"          /* 6 */
     "1001:231072:65536\n"  /* 7 */
     "dave:1:0\n"           /* 8 */
     "   # indented\n"      /* 9 */
     " eve:1:1\n"           /* 10 */
     "erin:4294967290:10\n" /* 11 */
     "a:b:c:d\n"            /* 12 */
     "frank:300000:10",     /* 13, no '\n' */
     4,
     {{3, "alice", 100000, 65536},
      {4, "bob", 165536, 65536},
      {7, "1001", 231072, 65536},
      {13, "frank", 300000, 10}},
     6,
     {{5, IDG_LINE_BAD_FIELDS},
      {6, IDG_LINE_BAD_START},
      {8, IDG_LINE_BAD_COUNT},
      {10, IDG_LINE_BAD_OWNER},
      {11, IDG_LINE_BAD_RANGE},
      {12, IDG_LINE_BAD_FIELDS}},
     true},
    /* descending */
    {"b:200:1\na:100:1\n", 2, {{1, "b", 200, 1}, {2, "a", 100, 1}}, 0, {{0}}, false},
    /* ascending, then one out of place at the end */
    {"a:1:1\nb:5:1\nc:9:1\nd:3:1\n",
     4,
     {{1, "a", 1, 1}, {2, "b", 5, 1}, {3, "c", 9, 1}, {4, "d", 3, 1}},
     0,
     {{0}},
     false},
    /* malformed lines between do not break the order */
    {"a:1:1\nx\nb:2:1\n#c:0:1\nc:4294967294:1\n",
     3,
     {{1, "a", 1, 1}, {3, "b", 2, 1}, {5, "c", TOP, 1}},
     1,
     {{2, IDG_LINE_BAD_FIELDS}},
     true},
    /* only comments and malformed lines */
    {"#\n\n  \nx:y:z\n", 0, {{0}}, 1, {{4, IDG_LINE_BAD_START}}, true},
    /* a CR before '\n' belongs to the line: the count is malformed */
    {"alice:1:1\r\nbob:2:2\n", 1, {{2, "bob", 2, 2}}, 1, {{1, IDG_LINE_BAD_COUNT}}, true},
    /* blank lines at the end; one entry with the whole id space */
    {"root:0:4294967295\n\n\n", 1, {{1, "root", 0, ALL}}, 0, {{0}}, true},
};

START_TEST(test_adopt)
{
    const struct adopt_case *c = &adopt_cases[_i];
    struct idg_subid_file f;
    adopt(&f, c->text);
    ck_assert_uint_eq(f.len, strlen(c->text));
    ck_assert_mem_eq(f.buf, c->text, f.len);
    ck_assert_msg(f.n == c->n, "case %d: %zu entries, want %zu", _i, f.n, c->n);
    for (size_t i = 0; i < c->n; i++) {
        const struct idg_file_entry *x = &f.v[i];
        const struct want_entry *w = &c->e[i];
        ck_assert_msg(x->lineno == w->lineno, "case %d entry %zu: line %u, want %u", _i, i,
                      x->lineno, w->lineno);
        ck_assert_msg(x->e.owner_len == strlen(w->owner) &&
                          memcmp(x->e.owner, w->owner, x->e.owner_len) == 0,
                      "case %d entry %zu: owner \"%.*s\", want \"%s\"", _i, i, (int)x->e.owner_len,
                      x->e.owner, w->owner);
        /* the owner points into the file's own buffer */
        ck_assert(x->e.owner >= f.buf && x->e.owner + x->e.owner_len <= f.buf + f.len);
        ck_assert_uint_eq(x->e.range.start, w->start);
        ck_assert_uint_eq(x->e.range.count, w->count);
        size_t off, len;
        line_span(c->text, w->lineno, &off, &len);
        ck_assert_msg(x->off == off && x->len == len,
                      "case %d entry %zu: bytes %zu+%zu, want %zu+%zu", _i, i, x->off, x->len, off,
                      len);
    }
    ck_assert_msg(f.n_bad == c->n_bad, "case %d: %zu malformed lines, want %zu", _i, f.n_bad,
                  c->n_bad);
    for (size_t i = 0; i < c->n_bad; i++) {
        ck_assert_msg(f.bad[i].lineno == c->bad[i].lineno, "case %d bad %zu: line %u, want %u", _i,
                      i, f.bad[i].lineno, c->bad[i].lineno);
        ck_assert_msg(f.bad[i].st == c->bad[i].st, "case %d line %u: status %d, want %d", _i,
                      f.bad[i].lineno, f.bad[i].st, c->bad[i].st);
    }
    ck_assert_msg(f.sorted == c->sorted, "case %d: sorted %d, want %d", _i, f.sorted, c->sorted);
    idg_subid_file_free(&f);
}
END_TEST

/* Many entries: the arrays grow and keep file order. */
START_TEST(test_adopt_many)
{
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (uint32_t i = 0; i < 3000; i++) {
        int n = i % 3 == 2 ? snprintf(buf + len, cap - len, "u%u:%u:x\n", i, i)
                           : snprintf(buf + len, cap - len, "u%u:%u:1\n", i, 1000 + i);
        ck_assert(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
    struct idg_subid_file f = {0};
    ck_assert_int_eq(idg_subid_file_adopt(&f, buf, len), 0);
    ck_assert_uint_eq(f.n, 2000);
    ck_assert_uint_eq(f.n_bad, 1000);
    ck_assert(f.sorted);
    for (size_t i = 0; i < f.n; i++) {
        uint32_t k = (uint32_t)(i / 2 * 3 + i % 2); /* the file index of entry i */
        ck_assert_uint_eq(f.v[i].lineno, k + 1);
        ck_assert_uint_eq(f.v[i].e.range.start, 1000 + k);
    }
    for (size_t i = 0; i < f.n_bad; i++) {
        ck_assert_uint_eq(f.bad[i].lineno, 3 * i + 3);
        ck_assert_int_eq(f.bad[i].st, IDG_LINE_BAD_COUNT);
    }
    idg_subid_file_free(&f);
}
END_TEST

struct owned_case {
    const char *name; /* NULL: known only by uid */
    uint32_t uid;     /* NO_UID: known only by name (idg_owner_init_name) */
    bool want[6];     /* for the six entries of owned_text */
};

#define NO_UID UINT32_MAX

static const char owned_text[] = "alice:1:1\n"
                                 "1001:2:1\n"
                                 "alice2:3:1\n"
                                 "10011:4:1\n"
                                 "alic:5:1\n"
                                 "01001:6:1\n";

static const struct owned_case owned_cases[] = {
    {"alice", 1001, {true, true, false, false, false, false}},
    {NULL, 1001, {false, true, false, false, false, false}},
    {"alice2", 2000, {false, false, true, false, false, false}},
    {"bob", 10011, {false, false, false, true, false, false}},
    {"nobody", 1, {false, false, false, false, false, false}},
    /* an account that no longer exists: its name only, no uid */
    {"alice", NO_UID, {true, false, false, false, false, false}},
    {"1001", NO_UID, {false, true, false, false, false, false}},
};

START_TEST(test_owned)
{
    const struct owned_case *c = &owned_cases[_i];
    struct idg_subid_file f;
    adopt(&f, owned_text);
    ck_assert_uint_eq(f.n, 6);
    struct idg_owner o;
    if (c->uid == NO_UID)
        idg_owner_init_name(&o, c->name);
    else
        idg_owner_init(&o, c->name, c->uid);
    for (size_t i = 0; i < f.n; i++)
        ck_assert_msg(idg_subid_file_owned(&f, i, &o) == c->want[i],
                      "case %d: entry %zu (line %u) owned %d, want %d", _i, i, f.v[i].lineno,
                      !c->want[i], c->want[i]);
    idg_subid_file_free(&f);
}
END_TEST

/* The owner's lines of a file read in chunks of every size from one byte
 * (idg_owned_scan_fd): those of the parsed model, with copies of their
 * lines, and the model's first malformed line. */
static const char scan_text[] = "alice:1:1\n"
                                "# alice:9:9\n"
                                "1001:2:1\n"
                                "alice2:3:1\n"
                                "bad line\n"
                                "10011:4:1\n"
                                "\n"
                                "alic:5:1\n"
                                "01001:6:1\n"
                                "alice:7:100000\n"
                                "alice:8";

START_TEST(test_owned_scan)
{
    const struct owned_case *c = &owned_cases[_i];
    struct idg_subid_file f;
    adopt(&f, scan_text);
    struct idg_owner o;
    if (c->uid == NO_UID)
        idg_owner_init_name(&o, c->name);
    else
        idg_owner_init(&o, c->name, c->uid);
    int fd = memfd_create("subuid", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(scan_text);
    ck_assert_int_eq(write(fd, scan_text, len), (ssize_t)len);
    for (size_t chunk = 1; chunk <= len + 1; chunk++) {
        ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
        struct idg_owned own = {.owner = &o};
        struct idg_chunks_read rd;
        ck_assert_int_eq(idg_owned_scan_fd(fd, chunk, &own, &rd), 0);
        ck_assert(rd.len == len && rd.open_line);
        ck_assert_msg(own.bad_line == f.bad[0].lineno && own.bad == f.bad[0].st,
                      "case %d, chunk %zu: bad line %u, want %u", _i, chunk, own.bad_line,
                      f.bad[0].lineno);
        size_t k = 0;
        for (size_t i = 0; i < f.n; i++) {
            if (!idg_subid_file_owned(&f, i, &o))
                continue;
            ck_assert_msg(k < own.n, "case %d, chunk %zu: entry %zu missing", _i, chunk, i);
            const struct idg_owned_line *l = &own.v[k++];
            ck_assert(l->lineno == f.v[i].lineno && l->off == f.v[i].off && l->len == f.v[i].len);
            ck_assert(strlen(l->text) == l->len && memcmp(l->text, f.buf + l->off, l->len) == 0);
            ck_assert(l->e.owner == l->text && l->e.owner_len == f.v[i].e.owner_len);
            ck_assert(l->e.range.start == f.v[i].e.range.start &&
                      l->e.range.count == f.v[i].e.range.count);
        }
        ck_assert_msg(k == own.n, "case %d, chunk %zu: %zu owned, want %zu", _i, chunk, own.n, k);
        idg_owned_free(&own);
    }
    close(fd);
    idg_subid_file_free(&f);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Editing */

#define NO_DROP 99

struct edit_case {
    const char *text;
    size_t n;       /* entries the text has */
    size_t drop[3]; /* entry indexes, NO_DROP-terminated */
    const char *append;
    const char *want;
};

static const struct edit_case edit_cases[] = {
    /* drop the middle entry: every other byte stays */
    {"a:1:1\n# c\nb:2:2\nc:3:3\n", 3, {1, NO_DROP}, "", "a:1:1\n# c\nc:3:3\n"},
    {"a:1:1\n# c\nb:2:2\nc:3:3\n", 3, {0, NO_DROP}, "", "# c\nb:2:2\nc:3:3\n"},
    {"a:1:1\n# c\nb:2:2\nc:3:3\n", 3, {2, NO_DROP}, "", "a:1:1\n# c\nb:2:2\n"},
    {"a:1:1\n# c\nb:2:2\nc:3:3\n", 3, {0, 2, NO_DROP}, "", "# c\nb:2:2\n"},
    /* comments, blank and malformed lines, CRs and odd blanks stay */
    {"# h\r\n\n  a:1:1\nbad \t line\nb:2:2\n\n#t\n",
     1,
     {0, NO_DROP},
     "",
     "# h\r\n\n  a:1:1\nbad \t line\n\n#t\n"},
    /* the last line, without '\n' */
    {"a:1:1\nb:2:2", 2, {1, NO_DROP}, "", "a:1:1\n"},
    {"a:1:1\nb:2:2", 2, {0, NO_DROP}, "", "b:2:2"},
    /* drop and append */
    {"a:1:1\nb:2:2", 2, {1, NO_DROP}, "c:3:3\n", "a:1:1\nc:3:3\n"},
    {"a:1:1\nb:2:2\n", 2, {0, 1, NO_DROP}, "c:3:3\n", "c:3:3\n"},
    /* append: a last line without '\n' gets one first */
    {"a:1:1", 1, {NO_DROP}, "b:2:2\n", "a:1:1\nb:2:2\n"},
    {"a:1:1\n# end", 1, {NO_DROP}, "b:2:2\n", "a:1:1\n# end\nb:2:2\n"},
    {"a:1:1\n", 1, {NO_DROP}, "b:2:2\n", "a:1:1\nb:2:2\n"},
    {"a:1:1\n", 1, {NO_DROP}, "b:2:2\nc:3:3\n", "a:1:1\nb:2:2\nc:3:3\n"},
    {"", 0, {NO_DROP}, "b:2:2\n", "b:2:2\n"},
    {"\n", 0, {NO_DROP}, "b:2:2\n", "\nb:2:2\n"},
    /* nothing asked: the file exactly, with or without its last '\n' */
    {"# x\r\n a \n\tweird\na:1:1", 1, {NO_DROP}, "", "# x\r\n a \n\tweird\na:1:1"},
    {"a:1:1\nb:2:2\n", 2, {NO_DROP}, "", "a:1:1\nb:2:2\n"},
    {"", 0, {NO_DROP}, "", ""},
    {"\n\n", 0, {NO_DROP}, "", "\n\n"},
};

static void check_edit(const struct idg_subid_file *f, const bool *drop, const char *append,
                       const char *want, int i, const char *how)
{
    char *out = (char *)1;
    size_t out_len = 12345;
    ck_assert_int_eq(idg_subid_file_edit(f, drop, append, strlen(append), &out, &out_len), 0);
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(out_len == strlen(want) && memcmp(out, want, out_len) == 0,
                  "case %d (%s): got \"%.*s\" (%zu bytes), want \"%s\"", i, how, (int)out_len, out,
                  out_len, want);
    free(out);
}

START_TEST(test_edit)
{
    const struct edit_case *c = &edit_cases[_i];
    struct idg_subid_file f;
    adopt(&f, c->text);
    ck_assert_uint_eq(f.n, c->n);
    bool *drop = calloc(c->n ? c->n : 1, sizeof(*drop));
    ck_assert_ptr_nonnull(drop);
    bool any = false;
    for (size_t k = 0; c->drop[k] != NO_DROP; k++) {
        ck_assert_uint_lt(c->drop[k], c->n);
        drop[c->drop[k]] = true;
        any = true;
    }
    check_edit(&f, drop, c->append, c->want, _i, "drop array");
    if (!any)
        check_edit(&f, NULL, c->append, c->want, _i, "drop NULL");
    /* the file in memory is not changed by an edit */
    ck_assert_uint_eq(f.len, strlen(c->text));
    ck_assert_mem_eq(f.buf, c->text, f.len);
    free(drop);
    idg_subid_file_free(&f);
}
END_TEST

/* Replacements: a line in place of a cut one, with the cut line's '\n' if it
 * had one; an empty replacement at the end leaves the '\n' before it, and
 * an appended line needs none more (found by fuzz-subid-file). */
struct rewrite_case {
    const char *text, *repl, *append, *want; /* the last entry is cut */
};

static const struct rewrite_case rewrite_cases[] = {
    {"a:1:1\nb:2:2", "", "c:3:3\n", "a:1:1\nc:3:3\n"},
    {"a:1:1\nb:2:2", "b:2:1", "c:3:3\n", "a:1:1\nb:2:1\nc:3:3\n"},
    {"a:1:1\nb:2:2\n", "", "c:3:3\n", "a:1:1\n\nc:3:3\n"},
    {"a:1:1\nb:2:2\n", "b:2:1", "", "a:1:1\nb:2:1\n"},
    {"b:2:2", "", "c:3:3\n", "c:3:3\n"},
    {"b:2:2", "b:3:1", "", "b:3:1"},
};

START_TEST(test_rewrite)
{
    const struct rewrite_case *c = &rewrite_cases[_i];
    struct idg_subid_file f;
    adopt(&f, c->text);
    bool *drop = calloc(f.n, sizeof(*drop));
    const char **repl = calloc(f.n, sizeof(*repl));
    ck_assert(drop && repl && f.n > 0);
    drop[f.n - 1] = true;
    repl[f.n - 1] = c->repl;
    char *out;
    size_t out_len;
    ck_assert_int_eq(
        idg_subid_file_rewrite(&f, drop, repl, c->append, strlen(c->append), &out, &out_len), 0);
    ck_assert_msg(out_len == strlen(c->want) && memcmp(out, c->want, out_len) == 0,
                  "case %d: got \"%.*s\", want \"%s\"", _i, (int)out_len, out, c->want);
    free(out);
    free(drop);
    free(repl);
    idg_subid_file_free(&f);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Formatting an entry */

struct format_case {
    const char *owner;
    struct idg_range r;
    const char *want; /* NULL: -EINVAL */
};

static const struct format_case format_cases[] = {
    {"alice", {100000, 65536}, "alice:100000:65536\n"},
    {"1001", {0, 1}, "1001:0:1\n"},
    {"u", {TOP, 1}, "u:4294967294:1\n"},
    {"root", {0, ALL}, "root:0:4294967295\n"},
    {"svc-a_b.c$", {1, 2}, "svc-a_b.c$:1:2\n"},
    {"j\xc3\xbcrgen", {5, 5}, "j\xc3\xbcrgen:5:5\n"}, /* UTF-8 is not a control byte */
    {"a#b", {1, 1}, "a#b:1:1\n"},                     /* '#' only matters first */
    {"1000-x", {1, 1}, "1000-x:1:1\n"},               /* no window: a name */
    /* "N-N:S:C" reads back as this owner and range, but as a window: uid
     * N's slot, not the name's line (found by fuzz-grant-plan) */
    {"990-990", {100000, 7}, NULL},
    {"1000-1010", {1, 11}, NULL},
    {"", {1, 1}, NULL},
    {"a:b", {1, 1}, NULL},
    {":", {1, 1}, NULL},
    {"a b", {1, 1}, NULL},
    {" a", {1, 1}, NULL},
    {"a ", {1, 1}, NULL},
    {"#x", {1, 1}, NULL},
    {"a\tb", {1, 1}, NULL},
    {"a\nb", {1, 1}, NULL},
    {"a\n", {1, 1}, NULL},
    {"a\rb", {1, 1}, NULL},
    {"a\x01", {1, 1}, NULL},
    {"\x1b[31m", {1, 1}, NULL},
    {"a\x7f", {1, 1}, NULL},
};

START_TEST(test_format)
{
    const struct format_case *c = &format_cases[_i];
    char buf[128];
    memset(buf, 'Z', sizeof(buf));
    int n = idg_entry_format(buf, sizeof(buf), c->owner, c->r);
    if (!c->want) {
        ck_assert_msg(n == -EINVAL, "case %d: owner \"%s\" gave %d, want -EINVAL", _i, c->owner, n);
        return;
    }
    ck_assert_msg(n == (int)strlen(c->want), "case %d: returned %d, want %zu", _i, n,
                  strlen(c->want));
    ck_assert_mem_eq(buf, c->want, (size_t)n);
    /* and it reads back as the same owner and range */
    struct idg_entry e;
    ck_assert_int_eq(idg_parse_line(buf, (size_t)n - 1, &e), IDG_LINE_ENTRY);
    ck_assert_uint_eq(e.owner_len, strlen(c->owner));
    ck_assert_mem_eq(e.owner, c->owner, e.owner_len);
    ck_assert_uint_eq(e.range.start, c->r.start);
    ck_assert_uint_eq(e.range.count, c->r.count);
}
END_TEST

/* Buffer sizes: heap buffers of exactly that size, so ASan sees overruns. */
struct space_case {
    size_t len;
    bool ok;
};

/* "alice:100000:65536\n" is 19 bytes. */
static const struct space_case space_cases[] = {
    {1, false}, {4, false}, {18, false}, {20, true}, {64, true},
};

START_TEST(test_format_space)
{
    const struct space_case *c = &space_cases[_i];
    char *buf = malloc(c->len);
    ck_assert_ptr_nonnull(buf);
    int n = idg_entry_format(buf, c->len, "alice", (struct idg_range){100000, 65536});
    if (c->ok) {
        ck_assert_int_eq(n, 19);
        ck_assert_mem_eq(buf, "alice:100000:65536\n", 19);
    } else {
        ck_assert_msg(n == -ENOSPC, "len %zu: returned %d, want -ENOSPC", c->len, n);
    }
    free(buf);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Loading files from a temporary directory */

static const char file_text[] = "# subuid\nbob:100000:65536\nalice:165536:65536\nbroken\n";

START_TEST(test_load_missing)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "missing");
    struct idg_subid_file f;
    memset(&f, 0, sizeof(f));
    f.exists = true;
    struct idg_file_problem pb;
    ck_assert_int_eq(idg_subid_file_load(path, geteuid(), &f, &pb), 0);
    ck_assert(!f.exists);
    ck_assert_uint_eq(f.n, 0);
    ck_assert_uint_eq(f.n_bad, 0);
    ck_assert_uint_eq(f.len, 0);
    /* a missing file edits like an empty one */
    char *out = NULL;
    size_t out_len = 0;
    ck_assert_int_eq(idg_subid_file_edit(&f, NULL, "alice:1:1\n", 10, &out, &out_len), 0);
    ck_assert_uint_eq(out_len, 10);
    ck_assert_mem_eq(out, "alice:1:1\n", 10);
    free(out);
    idg_subid_file_free(&f);
}
END_TEST

START_TEST(test_load_trusted)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "subuid-ok");
    write_str(path, file_text, 0644);
    struct idg_subid_file f;
    memset(&f, 0, sizeof(f));
    struct idg_file_problem pb;
    ck_assert_int_eq(idg_subid_file_load(path, geteuid(), &f, &pb), 0);
    ck_assert(f.exists);
    ck_assert_uint_eq(f.len, strlen(file_text));
    ck_assert_mem_eq(f.buf, file_text, f.len);
    ck_assert_uint_eq(f.n, 2);
    ck_assert_uint_eq(f.v[0].lineno, 2);
    ck_assert_uint_eq(f.v[0].e.range.start, 100000);
    ck_assert_uint_eq(f.v[1].lineno, 3);
    ck_assert_uint_eq(f.v[1].e.range.start, 165536);
    ck_assert_uint_eq(f.v[1].e.range.count, 65536);
    ck_assert_uint_eq(f.n_bad, 1);
    ck_assert_uint_eq(f.bad[0].lineno, 4);
    ck_assert_int_eq(f.bad[0].st, IDG_LINE_BAD_FIELDS);
    ck_assert(f.sorted);
    struct idg_owner o;
    idg_owner_init(&o, "alice", 1001);
    ck_assert(!idg_subid_file_owned(&f, 0, &o));
    ck_assert(idg_subid_file_owned(&f, 1, &o));
    /* drop alice, append carol: the rest byte for byte */
    bool drop[2] = {false, true};
    char *out = NULL;
    size_t out_len = 0;
    ck_assert_int_eq(idg_subid_file_edit(&f, drop, "carol:231072:65536\n", 19, &out, &out_len), 0);
    static const char want[] = "# subuid\nbob:100000:65536\nbroken\ncarol:231072:65536\n";
    ck_assert_uint_eq(out_len, strlen(want));
    ck_assert_mem_eq(out, want, out_len);
    free(out);
    idg_subid_file_free(&f);
}
END_TEST

struct refuse_case {
    mode_t mode;
    bool symlink;
    int owner_delta; /* trusted owner = geteuid() + this */
    enum idg_trust why;
};

static const struct refuse_case refuse_cases[] = {
    {0664, false, 0, IDG_TRUST_WRITABLE},  {0646, false, 0, IDG_TRUST_WRITABLE},
    {0620, false, 0, IDG_TRUST_WRITABLE},  {0644, true, 0, IDG_TRUST_SYMLINK},
    {0644, false, 1, IDG_TRUST_BAD_OWNER},
};

START_TEST(test_load_refused)
{
    const struct refuse_case *c = &refuse_cases[_i];
    char path[PATH_MAX], target[PATH_MAX];
    path_of(path, sizeof(path), "refused-%d", _i);
    if (c->symlink) {
        path_of(target, sizeof(target), "refused-%d-target", _i);
        write_str(target, file_text, c->mode);
        ck_assert_int_eq(symlink(target, path), 0);
    } else {
        write_str(path, file_text, c->mode);
    }
    struct idg_subid_file f;
    memset(&f, 0, sizeof(f));
    struct idg_file_problem pb;
    memset(&pb, 0xa5, sizeof(pb));
    int r = idg_subid_file_load(path, geteuid() + (uid_t)c->owner_delta, &f, &pb);
    ck_assert_msg(r == -1, "case %d: returned %d, want -1", _i, r);
    ck_assert_msg(pb.why == c->why, "case %d: why %d, want %d", _i, pb.why, c->why);
    ck_assert_uint_eq(f.n, 0); /* a refused file yields nothing */
    idg_subid_file_free(&f);
}
END_TEST

START_TEST(test_load_directory)
{
    struct idg_subid_file f;
    memset(&f, 0, sizeof(f));
    struct idg_file_problem pb;
    memset(&pb, 0xa5, sizeof(pb));
    ck_assert_int_eq(idg_subid_file_load(tmpdir, geteuid(), &f, &pb), -1);
    ck_assert_int_eq(pb.why, IDG_TRUST_NOT_REGULAR);
    idg_subid_file_free(&f);
}
END_TEST

/* Past IDG_SUBID_FILE_MAX: refused before being read (a sparse file). */
START_TEST(test_load_too_big)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "huge");
    write_str(path, "alice:1:1\n", 0644);
    ck_assert_int_eq(truncate(path, (off_t)IDG_SUBID_FILE_MAX + 1), 0);
    struct idg_subid_file f;
    memset(&f, 0, sizeof(f));
    struct idg_file_problem pb;
    ck_assert_int_eq(idg_subid_file_load(path, geteuid(), &f, &pb), -EFBIG);
    idg_subid_file_free(&f);
}
END_TEST

/* The same edits written from the file itself (idg_rewrite_pieces, then
 * idg_replace_pieces copying from the open file): the same bytes. */
START_TEST(test_edit_from_file)
{
    const struct edit_case *c = &edit_cases[_i];
    struct idg_subid_file f;
    adopt(&f, c->text);
    char path[PATH_MAX];
    path_of(path, sizeof(path), "edit-%d", _i);
    FILE *w = fopen(path, "w");
    ck_assert_ptr_nonnull(w);
    ck_assert_uint_eq(fwrite(c->text, 1, strlen(c->text), w), strlen(c->text));
    ck_assert_int_eq(fclose(w), 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    struct idg_cut cuts[3];
    size_t n = 0;
    for (size_t k = 0; c->drop[k] != NO_DROP; k++)
        cuts[n++] = (struct idg_cut){f.v[c->drop[k]].off, f.v[c->drop[k]].len, NULL};
    struct idg_piece pc[3 * 3 + 3];
    size_t len = strlen(c->text);
    bool open_line = len && c->text[len - 1] != '\n';
    size_t k = idg_rewrite_pieces(cuts, n, len, open_line, c->append, strlen(c->append), pc);
    struct idg_replace o = {
        .uid = geteuid(), .gid = getegid(), .mode = 0644, .src_fd = fd, .src_st = &st};
    int r = idg_replace_pieces(path, pc, k, &o);
    ck_assert_msg(r == 0, "case %d: %d at %s", _i, r, o.step ? o.step : "-");
    close(fd);
    char got[256];
    FILE *rf = fopen(path, "r");
    ck_assert_ptr_nonnull(rf);
    size_t got_len = fread(got, 1, sizeof(got), rf);
    fclose(rf);
    ck_assert_msg(got_len == strlen(c->want) && memcmp(got, c->want, got_len) == 0,
                  "case %d: got \"%.*s\", want \"%s\"", _i, (int)got_len, got, c->want);
    idg_subid_file_free(&f);
}
END_TEST

static Suite *subid_file_suite(void)
{
    Suite *s = suite_create("subid_file");
    TCase *tc = tcase_create("buffer");
    tcase_add_loop_test(tc, test_adopt, 0, (int)ARRAY_SIZE(adopt_cases));
    tcase_add_test(tc, test_adopt_many);
    tcase_add_loop_test(tc, test_owned, 0, (int)ARRAY_SIZE(owned_cases));
    tcase_add_loop_test(tc, test_owned_scan, 0, (int)ARRAY_SIZE(owned_cases));
    tcase_add_loop_test(tc, test_edit, 0, (int)ARRAY_SIZE(edit_cases));
    tcase_add_loop_test(tc, test_rewrite, 0, (int)ARRAY_SIZE(rewrite_cases));
    tcase_add_loop_test(tc, test_format, 0, (int)ARRAY_SIZE(format_cases));
    tcase_add_loop_test(tc, test_format_space, 0, (int)ARRAY_SIZE(space_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_load_missing);
    tcase_add_test(tc, test_load_trusted);
    tcase_add_loop_test(tc, test_load_refused, 0, (int)ARRAY_SIZE(refuse_cases));
    tcase_add_test(tc, test_load_directory);
    tcase_add_test(tc, test_load_too_big);
    tcase_add_loop_test(tc, test_edit_from_file, 0, (int)ARRAY_SIZE(edit_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(subid_file_suite());
}
