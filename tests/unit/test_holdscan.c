/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * holdscan.h: the holder scan hands on every line whose entry holds the id
 * (and may hand on more), each with its right place and number, and counts
 * the lines; both ways of reading the structure agree. On the shape of a
 * large directory's file it hands on nothing but the holder.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/holdscan-model.h"
#include "unit.h"

static struct held ref;
static struct held_scan got;

static const enum idg_linescan_pass passes[] = {IDG_PASS_PORTABLE, IDG_PASS_SSE2, IDG_PASS_AVX2,
                                                IDG_PASS_AVX512};

static void check_file(const char *buf, size_t end, uint32_t id, const char *what)
{
    ref.id = id;
    ck_assert_msg(held_reference(buf, end, &ref), "%s: too many lines for the model", what);
    for (size_t k = 0; k < ARRAY_SIZE(passes); k++)
        ck_assert_msg(!idg_linescan_has(passes[k]) || held_same(passes[k], buf, end, &ref, &got),
                      "%s, id %u, pass %zu: scan found %u holders in %u handed on (wrong place: "
                      "%d), the parser %u of %u lines",
                      what, id, k, got.n, got.handed, got.wrong, ref.n, ref.lines);
}

/* Lines of every shape around the id 4200000005 and its neighbours. */
static const char *const shapes[] = {
    "a:4200000000:65536\n",        /* holds */
    "a:4200000005:1\n",            /* holds, START == X */
    "a:4200000006:1\n",            /* START just above */
    "a:4200000004:1\n",            /* ends just below */
    "a:4200000004:2\n",            /* ends at X */
    "a:4199999999:7\n",            /* shorter prefix, reaches X */
    "a:420000000:3800000006\n",    /* 9-digit START, 10-digit COUNT, reaches X */
    "a:420000000:3780000005\n",    /* ends just below */
    "a:99999:4294000000\n",        /* short START, long COUNT */
    "a:04200000000:65536\n",       /* leading zero: no entry */
    "a:42000000000:1\n",           /* 11 digits */
    "4200000000-4200000001:1:2\n", /* a window (its span is from 1) */
    "1-2:4200000000:65536\n",      /* a window holding X */
    "1-2:4199999990:8\n",          /* a window whose span (16) reaches X */
    "x-y:4199999990:8\n",          /* a name with '-': a plain entry */
    "a:4200000000:65536\r\n",      /* CRLF */
    "a:1:4200000000\r\n",          /* CRLF after ten digits */
    "a:9:9\n",                     /* one digit each: holds 9..17 */
    "a:99999:99\n",                /* holds 99999..100097 */
    "a:4200000000:65536:\n",       /* three colons */
    "a:4200000000\n",              /* one colon */
    "# a:4200000000:65536\n",      /* a comment */
    "  a:4200000000:65536\n",      /* leading blanks */
    "\n",                          /* empty */
    ":4200000000:65536\n",         /* no owner */
    "a::65536\n",                  /* no START */
    "a:4200000000:\n",             /* no COUNT */
    "a:4200000000:0\n",            /* COUNT 0 */
    "a:4294967295:1\n",            /* past the last id */
    "a:42000x0000:65536\n",        /* not a number */
};

START_TEST(test_holdscan_shapes)
{
    static const uint32_t ids[] = {4200000005u, 4200000004u, 4200000006u, 4200000000u, 0,
                                   1,           99999u,      4294967294u, 420000000u,  17,
                                   18,          100097u,     100098u};
    char buf[8192];
    /* Each shape alone, then all of them in one file at every offset of a
       64-byte block (the lines cross the blocks' edges). */
    for (size_t i = 0; i < ARRAY_SIZE(shapes); i++)
        for (size_t k = 0; k < ARRAY_SIZE(ids); k++)
            check_file(shapes[i], strlen(shapes[i]), ids[k], shapes[i]);
    for (size_t pad = 0; pad < 64; pad++) {
        size_t n = 0;
        for (size_t i = 0; i < pad; i++)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "#\n");
        for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
            size_t len = strlen(shapes[i]);
            memcpy(buf + n, shapes[i], len);
            n += len;
        }
        for (size_t k = 0; k < ARRAY_SIZE(ids); k++)
            check_file(buf, n, ids[k], "all shapes");
    }
}
END_TEST

START_TEST(test_holdscan_nul_bytes)
{
    static const char file[] = "a\0b:4200000000:65536\nc:4200\0000000:1\nd:4200000000:6\0\n";
    check_file(file, sizeof(file) - 1, 4200000005u, "NUL bytes");
    check_file(file, sizeof(file) - 1, 4200000000u, "NUL bytes");
}
END_TEST

/* Random lines of digits, colons, dashes and newlines, and random ids
   taken near the numbers in them. */
START_TEST(test_holdscan_random)
{
    static char buf[4096];
    static const char alphabet[] = "0123456789012345678901234567890123456789::::--\r#ab \n";
    unsigned seed = 15;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand_r(&seed) % 600) + 1, n = 0;
        while (n < len) {
            if (rand_r(&seed) % 3) { /* a plausible line */
                n += (size_t)snprintf(
                    buf + n, sizeof(buf) - n, "%s:%u:%u\n", rand_r(&seed) % 4 ? "u" : "7-9",
                    (unsigned)rand_r(&seed) % 100000u * 43000u,
                    (unsigned)rand_r(&seed) % (rand_r(&seed) % 2 ? 100 : 400000000));
            } else {
                size_t k = (size_t)(rand_r(&seed) % 30);
                for (size_t j = 0; j < k && n < sizeof(buf) - 1; j++)
                    buf[n++] = alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
                buf[n++] = '\n';
            }
        }
        uint32_t id =
            (uint32_t)rand_r(&seed) % 100000u * 43000u + (uint32_t)(rand_r(&seed) % 5) - 2;
        check_file(buf, n, id, "random");
        check_file(buf, n, (uint32_t)rand_r(&seed) * 2u, "random, any id");
    }
}
END_TEST

/* The shape of a directory's large file: nothing but the holder is handed
   on, so no other line is parsed. */
START_TEST(test_holdscan_hands_on_only_the_holder)
{
    enum { LINES = 60000 };
    size_t cap = (size_t)LINES * 24, n = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (unsigned i = 0; i < LINES - 1; i++)
        n += (size_t)snprintf(buf + n, cap - n, "b%u:%u:1000\n", i, 100000 + i * 1000);
    /* Lines whose numbers must be read to rule them out: one ending just
       below X, one whose START is no number. */
    n += (size_t)snprintf(buf + n, cap - n, "edge:4199999990:15\nbad:4199999x99:4290000000\n");
    n += (size_t)snprintf(buf + n, cap - n, "idgt1:4200000000:65536\n");
    check_file(buf, n, 4200000005u, "a large file");
    ck_assert_uint_eq(got.n, 1);
    ck_assert_uint_eq(got.handed, 1);
    /* And an id inside the file: only lines of its length up to it. */
    check_file(buf, n, 100000 + 30000 * 1000 + 5, "a large file, an id inside");
    ck_assert_uint_eq(got.n, 1);
    ck_assert_uint_le(got.handed, LINES / 2);
    free(buf);
}
END_TEST

/* Lines that begin in a block the scan passes over (no run of ten digits
   there) and end in one it walks: their colons, a '-' before the first,
   and a third colon lie in the block passed over, at every offset. */
START_TEST(test_holdscan_line_from_a_passed_block)
{
    static const char *const heads[] = {"", "x-y:", "1-2:", "a:b:", "a:"};
    static const char *const tails[] = {"4200000000:65536\n", ":4200000000:65536\n",
                                        "4199999999:7\n", "4200000006:1\n"};
    char buf[512];
    for (size_t h = 0; h < ARRAY_SIZE(heads); h++)
        for (size_t t = 0; t < ARRAY_SIZE(tails); t++)
            for (size_t len = 1; len < 140; len++) {
                /* "#\n", then an owner of len bytes ending the head, then
                   the tail: the owner spans zero to two whole blocks. With
                   no head the owner runs into the number (one colon: no
                   entry), so a holder line follows for the scan to find. */
                size_t n = (size_t)snprintf(buf, sizeof(buf), "#\n");
                memset(buf + n, 'o', len);
                n += len;
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", heads[h], tails[t]);
                if (strlen(heads[h]) == 0 && tails[t][0] != ':')
                    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "z:%s", tails[t]);
                check_file(buf, n, 4200000005u, "a line from a block passed over");
            }
}
END_TEST

START_TEST(test_holdscan_empty)
{
    check_file("", 0, 5, "empty");
    ck_assert_uint_eq(ref.lines, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("holdscan");
    TCase *tc = tcase_create("holdscan");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_holdscan_shapes);
    tcase_add_test(tc, test_holdscan_nul_bytes);
    tcase_add_test(tc, test_holdscan_random);
    tcase_add_test(tc, test_holdscan_hands_on_only_the_holder);
    tcase_add_test(tc, test_holdscan_line_from_a_passed_block);
    tcase_add_test(tc, test_holdscan_empty);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
