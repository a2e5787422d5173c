/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allotment.h and trust.h: collecting one owner's ranges from a buffer and
 * from real files in a temporary directory (never /etc).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allotment.h"
#include "tmpdir.h"
#include "trust.h"
#include "unit.h"

#define PATH "/etc/subuid"
#define OWNER_NAME "alice"
#define OWNER_UID 1001

/* ------------------------------------------------------------------------ */
/* What the callback was told. */

#define BAD_MAX 256

struct bad_log {
    size_t n;
    struct {
        const char *path;
        uint32_t line;
        enum idg_line_status st;
    } v[BAD_MAX];
};

static void log_bad(void *arg, const char *path, uint32_t line, enum idg_line_status st)
{
    struct bad_log *b = arg;
    if (b->n < BAD_MAX) {
        b->v[b->n].path = path;
        b->v[b->n].line = line;
        b->v[b->n].st = st;
    }
    b->n++;
}

struct want_allot {
    uint32_t start, count, line;
};

struct want_bad {
    uint32_t line;
    enum idg_line_status st;
};

static void owner_init(struct idg_owner *o)
{
    idg_owner_init(o, OWNER_NAME, OWNER_UID);
}

static void check_allotments(const struct idg_allotments *a, const char *path,
                             const struct want_allot *w, size_t n)
{
    ck_assert_msg(a->n == n, "%zu allotments, want %zu", a->n, n);
    for (size_t i = 0; i < n; i++) {
        const struct idg_allotment *x = &a->v[i];
        ck_assert_msg(x->range.start == w[i].start && x->range.count == w[i].count &&
                          x->line == w[i].line,
                      "allotment %zu is %u+%u at line %u, want %u+%u at line %u", i, x->range.start,
                      x->range.count, x->line, w[i].start, w[i].count, w[i].line);
        ck_assert_ptr_eq(x->source, path);
    }
}

static void check_bad(const struct bad_log *b, const char *path, const struct want_bad *w, size_t n)
{
    ck_assert_msg(b->n == n, "%zu malformed lines reported, want %zu", b->n, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(b->v[i].line == w[i].line, "report %zu is about line %u, want %u", i,
                      b->v[i].line, w[i].line);
        ck_assert_msg(b->v[i].st == w[i].st, "line %u reported with status %d, want %d",
                      b->v[i].line, b->v[i].st, w[i].st);
        ck_assert_ptr_eq(b->v[i].path, path);
    }
}

/* ------------------------------------------------------------------------ */
/* Buffers */

struct buf_case {
    const char *buf;
    size_t n_want;
    struct want_allot want[4];
    size_t n_bad;
    struct want_bad bad[4];
};

static const struct buf_case buf_cases[] = {
    {"# users\n"              /* 1 */
     "bob:100000:65536\n"     /* 2 */
     "alice:165536:65536\n"   /* 3 */
     "alice2:300000:10\n"     /* 4 */
     "1001:400000:100\n"      /* 5 */
     "10011:500000:1\n"       /* 6 */
     "alice:bad:1\n"          /* 7 */
     "bob:bad:1\n"            /* 8: someone else's, not reported */
     "alice:1:0\n"            /* 9 */
     "\n"                     /* 10 */
     "alice:100000:65536:x\n" /* 11 */
     "1001:1\n"               /* 12 */
     "#alice:1:1\n"           /* 13 */
     "alice:600000:5",        /* 14, no '\n' */
     3,
     {{165536, 65536, 3}, {400000, 100, 5}, {600000, 5, 14}},
     4,
     {{7, IDG_LINE_BAD_START},
      {9, IDG_LINE_BAD_COUNT},
      {11, IDG_LINE_BAD_FIELDS},
      {12, IDG_LINE_BAD_FIELDS}}},
    {"", 0, {{0, 0, 0}}, 0, {{0, 0}}},
    {"alice:1:1", 1, {{1, 1, 1}}, 0, {{0, 0}}},
    {"\n\n\nalice:1:1\n", 1, {{1, 1, 4}}, 0, {{0, 0}}},
    {"bob:1:1\r\nalice:1:1\r\nalice:2:2\n", 1, {{2, 2, 3}}, 1, {{2, IDG_LINE_BAD_COUNT}}},
    {"bob:1:1\nbob:x\ncarol:::\n:1:1\n", 0, {{0, 0, 0}}, 0, {{0, 0}}},
    {"alice2:1:1\nalic:1:1\n10011:1:1\n01001:1:1\nalice:\n",
     0,
     {{0, 0, 0}},
     1,
     {{5, IDG_LINE_BAD_FIELDS}}},
    {"alice:4294967290:10\n1001:4294901759:65536\n",
     1,
     {{4294901759u, 65536, 2}},
     1,
     {{1, IDG_LINE_BAD_RANGE}}},
};

START_TEST(test_collect_buffer)
{
    const struct buf_case *c = &buf_cases[_i];
    struct idg_owner o;
    owner_init(&o);
    struct idg_allotments a = {0};
    struct bad_log b = {0};
    ck_assert_int_eq(idg_collect_from_buffer(c->buf, strlen(c->buf), PATH, &o, &a, log_bad, &b), 0);
    check_allotments(&a, PATH, c->want, c->n_want);
    check_bad(&b, PATH, c->bad, c->n_bad);
    idg_allotments_free(&a);
}
END_TEST

/* Without a callback the same ranges are collected. */
START_TEST(test_collect_buffer_no_callback)
{
    const struct buf_case *c = &buf_cases[_i];
    struct idg_owner o;
    owner_init(&o);
    struct idg_allotments a = {0};
    ck_assert_int_eq(idg_collect_from_buffer(c->buf, strlen(c->buf), PATH, &o, &a, NULL, NULL), 0);
    check_allotments(&a, PATH, c->want, c->n_want);
    idg_allotments_free(&a);
}
END_TEST

/* Other owners: the whole owner field must be the caller's name or uid. */
struct owner_case {
    const char *name; /* NULL: known only by uid */
    uint32_t uid;
    const char *buf;
    size_t n_want;
    struct want_allot want[3];
};

static const struct owner_case owner_cases[] = {
    /* no name in passwd: the numeric lines only */
    {NULL, 1001, "alice:1:1\n1001:2:2\n:3:3\n", 1, {{2, 2, 2}}},
    /* a name with ':' must not take bob's line "bob:1:5" (owner "bob") */
    {"bob:1", 1001, "bob:1:5\n1001:3:3\n", 1, {{3, 3, 2}}},
    /* a numeric name and a uid: both, and no prefix of either */
    {"2000", 1001, "2000:5:5\n1001:6:6\n20000:7:7\n10010:8:8\n", 2, {{5, 5, 1}, {6, 6, 2}}},
    /* one-byte keys; uid 0 */
    {"a", 0, "a:1:1\n0:2:2\nab:3:3\n00:4:4\nb:5:5\n", 2, {{1, 1, 1}, {2, 2, 2}}},
    /* a name beginning with '#': its lines are comments, granting nothing */
    {"#ops", 1001, "#ops:1:1\n1001:3:3\n", 1, {{3, 3, 2}}},
};

START_TEST(test_collect_buffer_owner)
{
    const struct owner_case *c = &owner_cases[_i];
    struct idg_owner o;
    idg_owner_init(&o, c->name, c->uid);
    struct idg_allotments a = {0};
    struct bad_log b = {0};
    ck_assert_int_eq(idg_collect_from_buffer(c->buf, strlen(c->buf), PATH, &o, &a, log_bad, &b), 0);
    check_allotments(&a, PATH, c->want, c->n_want);
    ck_assert_uint_eq(b.n, 0);
    idg_allotments_free(&a);
}
END_TEST

/*
 * The owner's line at every alignment (the scanner looks for line starts
 * eight bytes at a time, then byte by byte in the tail): `_i` bytes of
 * someone else's line come first.
 */
START_TEST(test_collect_buffer_alignment)
{
    char buf[64];
    size_t n = 0;
    for (int k = 0; k < _i; k++)
        buf[n++] = 'x';
    static const char tail[] = "\na:1:1\nb:1:1\na:2:2\na:3:0\na:4:4";
    memcpy(buf + n, tail, sizeof(tail) - 1);
    n += sizeof(tail) - 1;
    char *p = malloc(n); /* exact size: ASan sees any read past it */
    ck_assert_ptr_nonnull(p);
    memcpy(p, buf, n);
    struct idg_owner o;
    idg_owner_init(&o, "a", 4242);
    struct idg_allotments a = {0};
    struct bad_log b = {0};
    ck_assert_int_eq(idg_collect_from_buffer(p, n, PATH, &o, &a, log_bad, &b), 0);
    static const struct want_allot want[] = {{1, 1, 2}, {2, 2, 4}, {4, 4, 6}};
    check_allotments(&a, PATH, want, ARRAY_SIZE(want));
    static const struct want_bad bad[] = {{5, IDG_LINE_BAD_COUNT}};
    check_bad(&b, PATH, bad, 1);
    idg_allotments_free(&a);
    free(p);
}
END_TEST

/* Collecting appends: what was there stays. */
START_TEST(test_collect_appends)
{
    static const char buf[] = "alice:5:5\n";
    struct idg_owner o;
    owner_init(&o);
    struct idg_allotments a = {0};
    ck_assert_int_eq(idg_allotments_add(&a, (struct idg_range){1, 1}, "/first", 9), 0);
    ck_assert_int_eq(idg_collect_from_buffer(buf, strlen(buf), PATH, &o, &a, NULL, NULL), 0);
    ck_assert_uint_eq(a.n, 2);
    ck_assert_uint_eq(a.v[0].range.start, 1);
    ck_assert_str_eq(a.v[0].source, "/first");
    ck_assert_uint_eq(a.v[0].line, 9);
    ck_assert_uint_eq(a.v[1].range.start, 5);
    ck_assert_ptr_eq(a.v[1].source, PATH);
    idg_allotments_free(&a);
}
END_TEST

START_TEST(test_add_grows_and_free_resets)
{
    struct idg_allotments a = {0};
    for (uint32_t i = 0; i < 1000; i++)
        ck_assert_int_eq(idg_allotments_add(&a, (struct idg_range){i * 10, 10}, PATH, i + 1), 0);
    ck_assert_uint_eq(a.n, 1000);
    ck_assert_uint_ge(a.cap, a.n);
    for (uint32_t i = 0; i < 1000; i++) {
        ck_assert_uint_eq(a.v[i].range.start, i * 10);
        ck_assert_uint_eq(a.v[i].line, i + 1);
    }
    idg_allotments_free(&a);
    ck_assert_ptr_null(a.v);
    ck_assert_uint_eq(a.n, 0);
    ck_assert_uint_eq(a.cap, 0);
}
END_TEST

START_TEST(test_sort)
{
    static const struct want_allot in[] = {
        {300, 1, 1},         {100, 10, 2}, {4294967294u, 1, 3}, {100, 5, 4},
        {0, 4294967295u, 5}, {200, 1, 6},  {2147483648u, 1, 7},
    };
    /* by start, then by count; lines travel with their ranges */
    static const struct want_allot want[] = {
        {0, 4294967295u, 5}, {100, 5, 4},         {100, 10, 2},        {200, 1, 6},
        {300, 1, 1},         {2147483648u, 1, 7}, {4294967294u, 1, 3},
    };
    struct idg_allotments a = {0};
    for (size_t i = 0; i < ARRAY_SIZE(in); i++)
        ck_assert_int_eq(
            idg_allotments_add(&a, (struct idg_range){in[i].start, in[i].count}, PATH, in[i].line),
            0);
    idg_allotments_sort(&a);
    check_allotments(&a, PATH, want, ARRAY_SIZE(want));
    idg_allotments_free(&a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Real files in a temporary directory */

enum kind { K_NONE, K_REG, K_SYMLINK, K_DANGLING, K_DIR, K_FIFO };

struct trust_case {
    enum kind kind;
    mode_t mode;
    int ret;
    enum idg_trust why;
};

static const struct trust_case trust_cases[] = {
    {K_NONE, 0, 0, IDG_TRUST_MISSING},
    {K_REG, 0644, 0, IDG_TRUST_OK},
    {K_REG, 0600, 0, IDG_TRUST_OK},
    {K_REG, 0444, 0, IDG_TRUST_OK},
    {K_REG, 0400, 0, IDG_TRUST_OK},
    {K_REG, 0664, -1, IDG_TRUST_WRITABLE},
    {K_REG, 0646, -1, IDG_TRUST_WRITABLE},
    {K_REG, 0620, -1, IDG_TRUST_WRITABLE},
    {K_REG, 0602, -1, IDG_TRUST_WRITABLE},
    {K_REG, 0666, -1, IDG_TRUST_WRITABLE},
    {K_REG, 0777, -1, IDG_TRUST_WRITABLE},
    {K_SYMLINK, 0644, -1, IDG_TRUST_SYMLINK}, /* to a good file: still refused */
    {K_DANGLING, 0, -1, IDG_TRUST_SYMLINK},   /* not mistaken for a missing file */
    {K_DIR, 0755, -1, IDG_TRUST_NOT_REGULAR},
    {K_FIFO, 0644, -1, IDG_TRUST_NOT_REGULAR}, /* and must not block in open() */
};

static const char trust_content[] = "bob:1:1\nalice:100000:65536\n";

START_TEST(test_collect_file_trust)
{
    const struct trust_case *c = &trust_cases[_i];
    char path[PATH_MAX], target[PATH_MAX];
    path_of(path, sizeof(path), "trust-%d", _i);
    switch (c->kind) {
    case K_NONE:
        break;
    case K_REG:
        write_str(path, trust_content, c->mode);
        break;
    case K_SYMLINK:
        path_of(target, sizeof(target), "trust-%d-target", _i);
        write_str(target, trust_content, c->mode);
        ck_assert_int_eq(symlink(target, path), 0);
        break;
    case K_DANGLING:
        path_of(target, sizeof(target), "trust-%d-nowhere", _i);
        ck_assert_int_eq(symlink(target, path), 0);
        break;
    case K_DIR:
        ck_assert_int_eq(mkdir(path, c->mode), 0);
        break;
    case K_FIFO:
        ck_assert_int_eq(mkfifo(path, c->mode), 0);
        break;
    }

    struct idg_owner o;
    owner_init(&o);
    struct idg_allotments a = {0};
    struct bad_log b = {0};
    struct idg_file_problem pb;
    memset(&pb, 0xa5, sizeof(pb));
    int r = idg_collect_allotments(path, geteuid(), &o, &a, log_bad, &b, &pb);
    ck_assert_msg(r == c->ret, "case %d: returned %d, want %d (why %d)", _i, r, c->ret, pb.why);
    ck_assert_msg(pb.why == c->why, "case %d: why %d, want %d", _i, pb.why, c->why);
    ck_assert_uint_eq(b.n, 0);
    if (c->why == IDG_TRUST_OK) {
        static const struct want_allot want[] = {{100000, 65536, 2}};
        check_allotments(&a, path, want, 1);
    } else {
        ck_assert_uint_eq(a.n, 0); /* a refused file grants nothing */
    }
    if (c->why == IDG_TRUST_WRITABLE) {
        ck_assert_uint_eq(pb.mode & 07777, c->mode);
        ck_assert_uint_eq(pb.uid, geteuid());
        char msg[2 * PATH_MAX + 200], fix[PATH_MAX + 20];
        idg_file_problem_str(msg, sizeof(msg), path, &pb);
        snprintf(fix, sizeof(fix), "chmod go-w %s", path);
        ck_assert_str_has(msg, fix);
    }
    if (c->why != IDG_TRUST_OK) {
        char msg[2 * PATH_MAX + 200];
        idg_file_problem_str(msg, sizeof(msg), path, &pb);
        ck_assert_str_has(msg, path);
    }
    idg_allotments_free(&a);
}
END_TEST

/* A device is not a regular file either. */
START_TEST(test_collect_dev_null)
{
    struct idg_owner o;
    owner_init(&o);
    struct idg_allotments a = {0};
    struct idg_file_problem pb;
    int r = idg_collect_allotments("/dev/null", 0, &o, &a, NULL, NULL, &pb);
    ck_assert_int_eq(r, -1);
    ck_assert_int_eq(pb.why, IDG_TRUST_NOT_REGULAR);
    ck_assert_uint_eq(a.n, 0);
}
END_TEST

/* A file owned by someone other than the trusted owner (no root needed). */
START_TEST(test_collect_file_untrusted_owner)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "owner-mine");
    write_str(path, trust_content, 0644);
    struct idg_owner o;
    owner_init(&o);
    struct idg_allotments a = {0};
    struct idg_file_problem pb;
    int r = idg_collect_allotments(path, geteuid() + 1, &o, &a, NULL, NULL, &pb);
    ck_assert_int_eq(r, -1);
    ck_assert_int_eq(pb.why, IDG_TRUST_BAD_OWNER);
    ck_assert_uint_eq(pb.uid, geteuid());
    ck_assert_uint_eq(a.n, 0);
    char msg[2 * PATH_MAX + 200], fix[PATH_MAX + 30];
    idg_file_problem_str(msg, sizeof(msg), path, &pb);
    snprintf(fix, sizeof(fix), "chown root:root %s", path);
    ck_assert_str_has(msg, fix);
}
END_TEST

/* The same with a file really owned by another uid: needs root to chown. */
START_TEST(test_collect_file_chowned)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_collect_file_chowned: skipped, needs root to chown\n");
        return;
    }
    char path[PATH_MAX];
    path_of(path, sizeof(path), "owner-12345");
    write_str(path, trust_content, 0644);
    ck_assert_int_eq(chown(path, 12345, 12345), 0);
    struct idg_owner o;
    owner_init(&o);
    struct idg_allotments a = {0};
    struct idg_file_problem pb;
    int r = idg_collect_allotments(path, geteuid(), &o, &a, NULL, NULL, &pb);
    ck_assert_int_eq(r, -1);
    ck_assert_int_eq(pb.why, IDG_TRUST_BAD_OWNER);
    ck_assert_uint_eq(pb.uid, 12345);
    ck_assert_uint_eq(a.n, 0);
    char msg[2 * PATH_MAX + 200];
    idg_file_problem_str(msg, sizeof(msg), path, &pb);
    ck_assert_str_has(msg, "uid 12345");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Files larger than the reader's chunk (IDG_READ_CHUNK, 128 KiB) */

#define CHUNK IDG_READ_CHUNK

struct sbuf {
    char *p;
    size_t len, cap;
    uint32_t lines;
    struct want_allot *want;
    size_t n_want, cap_want;
    /* what the buffer scanner and the file reader report (they differ only
       for lines longer than the reader's chunk) */
    struct want_bad bad_buf[BAD_MAX], bad_file[BAD_MAX];
    size_t n_bad;
};

static void sb_raw(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        ck_assert_ptr_nonnull(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void sb_vadd(struct sbuf *b, bool nl, const char *fmt, va_list ap)
{
    char tmp[256];
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    ck_assert(n >= 0 && (size_t)n < sizeof(tmp));
    sb_raw(b, tmp, (size_t)n);
    if (nl)
        sb_raw(b, "\n", 1);
    b->lines++;
}

/* One line ending in '\n'. */
static void sb_line(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_line(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vadd(b, true, fmt, ap);
    va_end(ap);
}

/* The last line, without '\n'. */
static void sb_last(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_last(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vadd(b, false, fmt, ap);
    va_end(ap);
}

/* A line of exactly `len` bytes (plus '\n' unless last): `head` padded with `pad`. */
static void sb_long(struct sbuf *b, const char *head, char pad, size_t len, bool last)
{
    size_t h = strlen(head);
    ck_assert_uint_ge(len, h);
    sb_raw(b, head, h);
    for (size_t i = h; i < len; i++)
        sb_raw(b, &pad, 1);
    if (!last)
        sb_raw(b, "\n", 1);
    b->lines++;
}

/* The current line will grant (start, count). */
static void sb_expect(struct sbuf *b, uint32_t start, uint32_t count)
{
    if (b->n_want == b->cap_want) {
        b->cap_want = b->cap_want ? 2 * b->cap_want : 64;
        b->want = realloc(b->want, b->cap_want * sizeof(*b->want));
        ck_assert_ptr_nonnull(b->want);
    }
    b->want[b->n_want++] = (struct want_allot){start, count, b->lines};
}

/* The current line will be reported as malformed: as st_buf from a buffer,
 * as st_file from a file. */
static void sb_expect_bad2(struct sbuf *b, enum idg_line_status st_buf,
                           enum idg_line_status st_file)
{
    ck_assert_uint_lt(b->n_bad, BAD_MAX);
    b->bad_buf[b->n_bad] = (struct want_bad){b->lines, st_buf};
    b->bad_file[b->n_bad] = (struct want_bad){b->lines, st_file};
    b->n_bad++;
}

static void sb_expect_bad(struct sbuf *b, enum idg_line_status st)
{
    sb_expect_bad2(b, st, st);
}

/* Other users' lines until the buffer is exactly `offset` bytes long. */
static void sb_fill_to(struct sbuf *b, size_t offset)
{
    static const char other[] = "bob:100000:65536\n"; /* 17 bytes */
    const size_t n = sizeof(other) - 1;
    ck_assert(offset == b->len || offset >= b->len + 6);
    while (offset - b->len >= n + 6) {
        sb_raw(b, other, n);
        b->lines++;
    }
    size_t rest = offset - b->len;
    if (rest) { /* 6 to 22 bytes: "bbbb:1:1\n" */
        sb_long(b, "b", 'b', rest - 5, true);
        sb_raw(b, ":1:1\n", 5);
    }
    ck_assert_uint_eq(b->len, offset);
}

static void sb_free(struct sbuf *b)
{
    free(b->p);
    free(b->want);
}

/*
 * Write b to a file, collect alice's ranges from it and from the same bytes in
 * memory: both must give exactly what the builder expected.
 */
static void check_file_and_buffer(struct sbuf *b, const char *name)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "%s", name);
    write_file(path, b->p, b->len, 0644);
    struct idg_owner o;
    owner_init(&o);

    struct idg_allotments a = {0};
    struct bad_log *log = calloc(1, sizeof(*log));
    ck_assert_ptr_nonnull(log);
    struct idg_file_problem pb;
    ck_assert_int_eq(idg_collect_allotments(path, geteuid(), &o, &a, log_bad, log, &pb), 0);
    check_allotments(&a, path, b->want, b->n_want);
    check_bad(log, path, b->bad_file, b->n_bad);
    idg_allotments_free(&a);

    memset(log, 0, sizeof(*log));
    ck_assert_int_eq(idg_collect_from_buffer(b->p, b->len, path, &o, &a, log_bad, log), 0);
    check_allotments(&a, path, b->want, b->n_want);
    check_bad(log, path, b->bad_buf, b->n_bad);
    idg_allotments_free(&a);
    free(log);
}

/* 200,000 lines; alice's near the start, across the first chunk boundary,
 * scattered, and at the very end without '\n'. */
START_TEST(test_collect_big_file)
{
    struct sbuf b = {0};
    sb_line(&b, "# a big subuid");
    sb_line(&b, "alice:100000:65536");
    sb_expect(&b, 100000, 65536);
    sb_line(&b, "alice:01:1");
    sb_expect_bad(&b, IDG_LINE_BAD_START);
    sb_fill_to(&b, CHUNK - 7); /* the next line straddles the first chunk's end */
    sb_line(&b, "alice:200000:1");
    sb_expect(&b, 200000, 1);
    while (b.lines < 199999) {
        uint32_t k = b.lines + 1;
        if (k % 4999 == 0) {
            sb_line(&b, "alice:%u:0", k);
            sb_expect_bad(&b, IDG_LINE_BAD_COUNT);
        } else if (k % 997 == 0) {
            sb_line(&b, "alice:%u:1", 1000000 + k);
            sb_expect(&b, 1000000 + k, 1);
        } else if (k % 1009 == 0) {
            sb_line(&b, "1001:%u:2", 2000000 + k);
            sb_expect(&b, 2000000 + k, 2);
        } else if (k % 991 == 0) {
            sb_line(&b, "bob:x:%u", k); /* someone else's malformed line */
        } else if (k % 983 == 0) {
            sb_line(&b, "alice2:%u:1", k);
        } else if (k % 977 == 0) {
            sb_line(&b, "10011:%u:1", k);
        } else {
            sb_line(&b, "u%u:%u:65536", k, 100000 + 65536 * (k % 9000));
        }
    }
    sb_last(&b, "alice:4000000:7");
    sb_expect(&b, 4000000, 7);
    ck_assert_uint_eq(b.lines, 200000);
    ck_assert_uint_gt(b.len, 10 * CHUNK);
    check_file_and_buffer(&b, "big");
    sb_free(&b);
}
END_TEST

/* An alice line placed so that the first chunk ends `_i` bytes into it
 * (0: it starts the second chunk; 17: its '\n' is the chunk's last byte). */
START_TEST(test_collect_chunk_boundary)
{
    struct sbuf b = {0};
    char name[32];
    sb_line(&b, "alice:1:1");
    sb_expect(&b, 1, 1);
    sb_fill_to(&b, CHUNK - (size_t)_i);
    sb_line(&b, "alice:123456:789"); /* 17 bytes with '\n' */
    sb_expect(&b, 123456, 789);
    sb_line(&b, "bob:1:1");
    sb_line(&b, "alice:1:0");
    sb_expect_bad(&b, IDG_LINE_BAD_COUNT);
    sb_last(&b, "alice:7:7");
    sb_expect(&b, 7, 7);
    snprintf(name, sizeof(name), "boundary-%d", _i);
    check_file_and_buffer(&b, name);
    sb_free(&b);
}
END_TEST

/* The last line, without '\n', around the chunk boundary; with _i == 9 the
 * file is exactly one chunk. */
START_TEST(test_collect_chunk_boundary_last)
{
    struct sbuf b = {0};
    char name[32];
    sb_line(&b, "alice:1:1");
    sb_expect(&b, 1, 1);
    sb_fill_to(&b, CHUNK - (size_t)_i);
    sb_last(&b, "alice:7:7");
    sb_expect(&b, 7, 7);
    snprintf(name, sizeof(name), "boundary-last-%d", _i);
    check_file_and_buffer(&b, name);
    sb_free(&b);
}
END_TEST

struct long_case {
    size_t len;  /* of the long line, without '\n' */
    bool first;  /* the long line is line 1 */
    bool at_end; /* the long line is the last, without '\n' */
    bool alice;  /* it belongs to alice (else to bob) */
};

static const struct long_case long_cases[] = {
    {65534, false, false, true},   {65535, false, false, true},  {65536, false, false, true},
    {65537, false, false, true},   {70000, false, false, true},  {131071, false, false, true},
    {131072, false, false, true},  {131073, false, false, true}, {200000, false, false, true},
    {65534, true, false, true},    {65535, true, false, true},   {65536, true, false, true},
    {65537, true, false, true},    {200000, true, false, true},  {65536, false, true, true},
    {70000, false, true, true},    {200000, false, true, true},  {65536, true, true, true},
    {65536, false, false, false},  {262143, false, false, true}, {262144, false, false, true},
    {262145, false, false, true},  {600000, false, false, true}, {600000, true, true, true},
    {300000, false, false, false}, {70000, false, false, false}, {200000, true, false, false},
    {70000, false, true, false},
};

/*
 * A line of IDG_LINE_MAX (64 KiB) bytes or more, without its '\n', is
 * IDG_LINE_TOO_LONG from a file, whether the reader's chunk holds it whole
 * or not: reported once if it is alice's, and the
 * lines after it still count, with the right numbers. From a buffer (no
 * chunk) the same line is judged by its fields: the padded count is bad.
 */
START_TEST(test_collect_long_line)
{
    const struct long_case *c = &long_cases[_i];
    struct sbuf b = {0};
    char name[32];
    if (!c->first) {
        sb_line(&b, "bob:1:1");
        sb_line(&b, "alice:1:1");
        sb_expect(&b, 1, 1);
    }
    sb_long(&b, c->alice ? "alice:100000:65536" : "bob:100000:65536", ' ', c->len, c->at_end);
    if (c->alice)
        sb_expect_bad2(&b, IDG_LINE_BAD_COUNT,
                       c->len >= IDG_LINE_MAX ? IDG_LINE_TOO_LONG : IDG_LINE_BAD_COUNT);
    if (!c->at_end) {
        sb_line(&b, "alice:300000:5");
        sb_expect(&b, 300000, 5);
        sb_line(&b, "bob:2:2");
        sb_last(&b, "alice:400000:6");
        sb_expect(&b, 400000, 6);
    }
    snprintf(name, sizeof(name), "long-%d", _i);
    check_file_and_buffer(&b, name);
    sb_free(&b);
}
END_TEST

/*
 * Someone else's over-long line whose bytes after a chunk boundary read like
 * an alice line: the tail of a skipped line must never be taken for a line.
 * _i / 2 + 1 chunks of the line come before the tail; _i % 2: a line before it.
 */
START_TEST(test_collect_long_line_hostile_tail)
{
    struct sbuf b = {0};
    char name[32];
    size_t chunks = (size_t)_i / 2 + 1;
    if (_i % 2) {
        sb_line(&b, "alice:1:1");
        sb_expect(&b, 1, 1);
    }
    size_t line_start = b.len;
    sb_long(&b, "bob:", 'x', chunks * CHUNK, true);
    b.lines--; /* sb_long counted it; the tail below completes it */
    ck_assert_uint_eq(b.len - line_start, chunks * CHUNK);
    sb_line(&b, "alice:999:1");
    sb_line(&b, "alice:300000:5");
    sb_expect(&b, 300000, 5);
    snprintf(name, sizeof(name), "hostile-%d", _i);
    check_file_and_buffer(&b, name);
    sb_free(&b);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Messages about files */

struct problem_case {
    struct idg_file_problem pb;
    const char *needles[3];
};

static const struct problem_case problem_cases[] = {
    {{IDG_TRUST_WRITABLE, 0, S_IFREG | 0664, 0, PATH}, {PATH, "0664", "chmod go-w " PATH}},
    {{IDG_TRUST_WRITABLE, 0, S_IFREG | 0646, 0, PATH}, {PATH, "0646", "chmod go-w " PATH}},
    {{IDG_TRUST_BAD_OWNER, 0, S_IFREG | 0644, 12345, PATH},
     {PATH, "uid 12345", "chown root:root " PATH}},
    {{IDG_TRUST_SYMLINK, ELOOP, 0, 0, PATH}, {PATH, "symbolic link", "regular file"}},
    {{IDG_TRUST_NOT_REGULAR, 0, S_IFIFO | 0644, 0, PATH}, {PATH, "not a regular file", "0644"}},
    {{IDG_TRUST_MISSING, ENOENT, 0, 0, PATH}, {PATH " does not exist", NULL, NULL}},
    {{IDG_TRUST_IO, EACCES, 0, 0, PATH}, {"cannot read " PATH, "Permission denied", NULL}},
    /* The caller's fd limit, not the file: say so (RLIMIT_NOFILE=4, issue 12). */
    {{IDG_TRUST_IO, EMFILE, 0, 0, PATH},
     {"cannot open " PATH, "Too many open files", "raise the limit on open files (ulimit -n)"}},
};

START_TEST(test_problem_str)
{
    const struct problem_case *c = &problem_cases[_i];
    char buf[512];
    const char *s = idg_file_problem_str(buf, sizeof(buf), PATH, &c->pb);
    ck_assert_ptr_eq(s, buf);
    for (size_t k = 0; k < ARRAY_SIZE(c->needles) && c->needles[k]; k++)
        ck_assert_str_has(buf, c->needles[k]);
}
END_TEST

/* A short buffer gets a NUL-terminated prefix and nothing past its end. */
START_TEST(test_problem_str_short)
{
    const struct problem_case *c = &problem_cases[_i];
    char full[512];
    idg_file_problem_str(full, sizeof(full), PATH, &c->pb);
    char *buf = malloc(16); /* exact size: ASan sees any write past it */
    ck_assert_ptr_nonnull(buf);
    idg_file_problem_str(buf, 16, PATH, &c->pb);
    ck_assert_uint_eq(strnlen(buf, 16), 15);
    ck_assert_mem_eq(buf, full, 15);
    free(buf);
}
END_TEST

/* Line shapes the quick "surely not holding" test must get right: it may
 * only skip lines the full parser rejects or finds not holding the id. */
struct shape {
    const char *pre, *mid, *post; /* a line is pre START mid COUNT post */
};

static const struct shape holding_shapes[] = {
    {"o:", ":", ""},  {"o:0", ":", ""}, {"o:", ":0", ""},  {"o:", ":", "\r"},
    {" o:", ":", ""}, {"o:", ":", " "}, {"o: ", ":", ""},  {"o:", "::", ""},
    {"o:", ":", ":"}, {"o:+", ":", ""}, {":", ":", ""},    {"o:", "", ""},
    {"#o:", ":", ""}, {"o:", ":-", ""}, {"o::", ":", ""},  {"o:", ":", "0"},
    {"o:1", ":", ""}, {"o:", ":1", ""}, {"o:", ":99", ""}, {"o:", ":", "99999999999"},
    {"o:x", ":", ""}, {"o:", ":", "x"}, {"o\t:", ":", ""}, {"o:", "0:", ""},
};

static int holding_log(void *arg, const struct idg_entry *e, uint32_t line)
{
    struct sbuf *got = arg;
    sb_line(got, "%u %u %u", line, e->range.start, e->range.count);
    return 0;
}

/* Every line of a file with hostile shapes and numbers near the id and near
 * 2^32: idg_entries_holding() reports exactly the lines that the full
 * parser accepts and whose range holds the id. */
START_TEST(test_entries_holding_matches_parser)
{
    static const uint32_t ids[] = {0, 1, 99999, 100000, 165535, 165536, 4294967294u};
    static const uint32_t nums[] = {0,      1,      9,          10,         99999,
                                    100000, 165535, 4294967294, 4294967295, 65536};
    const uint32_t id = ids[_i];
    struct sbuf file = {0}, want = {0}, got = {0};
    uint32_t lineno = 0;
    for (size_t f = 0; f < ARRAY_SIZE(holding_shapes); f++)
        for (size_t a = 0; a < ARRAY_SIZE(nums); a++)
            for (size_t b = 0; b < ARRAY_SIZE(nums); b++) {
                const struct shape *sh = &holding_shapes[f];
                char line[128];
                snprintf(line, sizeof(line), "%s%u%s%u%s", sh->pre, nums[a], sh->mid, nums[b],
                         sh->post);
                sb_line(&file, "%s", line);
                lineno++;
                struct idg_entry e;
                if (idg_parse_line(line, strlen(line), &e) == IDG_LINE_ENTRY &&
                    idg_range_has(e.range, id))
                    sb_line(&want, "%u %u %u", lineno, e.range.start, e.range.count);
            }
    char path[256];
    path_of(path, sizeof(path), "holding.%d", _i);
    write_file(path, file.p, file.len, 0644);
    struct idg_file_problem pb;
    ck_assert_int_eq(idg_entries_holding(path, geteuid(), id, holding_log, &got, &pb), 0);
    ck_assert_uint_gt(want.lines, 0);
    ck_assert_msg(got.len == want.len && memcmp(got.p, want.p, want.len) == 0,
                  "id %u: got\n%.*s\nwant\n%.*s", id, (int)got.len, got.p, (int)want.len, want.p);
    sb_free(&file);
    sb_free(&want);
    sb_free(&got);
}
END_TEST

static int holding_stop(void *arg, const struct idg_entry *e, uint32_t line)
{
    (void)e;
    *(uint32_t *)arg = line;
    return -ENOENT;
}

/* A callback's error stops the scan and is returned; a missing file holds
 * nothing; an untrusted one is refused. */
START_TEST(test_entries_holding_returns)
{
    char path[256];
    path_of(path, sizeof(path), "holding.stop");
    write_str(path, "a:1:10\nb:5:10\nc:7:1\n", 0644);
    struct idg_file_problem pb;
    uint32_t line = 0;
    ck_assert_int_eq(idg_entries_holding(path, geteuid(), 7, holding_stop, &line, &pb), -ENOENT);
    ck_assert_uint_eq(line, 1);
    path_of(path, sizeof(path), "holding.none");
    ck_assert_int_eq(idg_entries_holding(path, geteuid(), 7, holding_stop, &line, &pb), 0);
    path_of(path, sizeof(path), "holding.ww");
    write_str(path, "a:1:10\n", 0666);
    ck_assert_int_eq(idg_entries_holding(path, geteuid(), 7, holding_stop, &line, &pb), -1);
    ck_assert_int_eq(pb.why, IDG_TRUST_WRITABLE);
}
END_TEST

static Suite *allotment_suite(void)
{
    Suite *s = suite_create("allotment");
    TCase *tc = tcase_create("buffer");
    tcase_add_loop_test(tc, test_collect_buffer, 0, (int)ARRAY_SIZE(buf_cases));
    tcase_add_loop_test(tc, test_collect_buffer_no_callback, 0, (int)ARRAY_SIZE(buf_cases));
    tcase_add_loop_test(tc, test_collect_buffer_owner, 0, (int)ARRAY_SIZE(owner_cases));
    tcase_add_loop_test(tc, test_collect_buffer_alignment, 0, 17);
    tcase_add_test(tc, test_collect_appends);
    tcase_add_test(tc, test_add_grows_and_free_resets);
    tcase_add_test(tc, test_sort);
    suite_add_tcase(s, tc);

    /* Files live in one temporary directory, made and removed by the parent
     * process, so that it goes away even when a test fails. */
    tc = tcase_create("file");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_collect_file_trust, 0, (int)ARRAY_SIZE(trust_cases));
    tcase_add_test(tc, test_collect_dev_null);
    tcase_add_test(tc, test_collect_file_untrusted_owner);
    tcase_add_test(tc, test_collect_file_chowned);
    tcase_add_test(tc, test_collect_big_file);
    tcase_add_loop_test(tc, test_collect_chunk_boundary, 0, 41);
    tcase_add_loop_test(tc, test_collect_chunk_boundary_last, 0, 21);
    tcase_add_loop_test(tc, test_collect_long_line, 0, (int)ARRAY_SIZE(long_cases));
    tcase_add_loop_test(tc, test_collect_long_line_hostile_tail, 0, 4);
    tcase_add_loop_test(tc, test_entries_holding_matches_parser, 0, 7);
    tcase_add_test(tc, test_entries_holding_returns);
    suite_add_tcase(s, tc);

    tc = tcase_create("message");
    tcase_add_loop_test(tc, test_problem_str, 0, (int)ARRAY_SIZE(problem_cases));
    tcase_add_loop_test(tc, test_problem_str_short, 0, (int)ARRAY_SIZE(problem_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(allotment_suite());
}
