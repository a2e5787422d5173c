/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * linescan.h: the candidate-line pass. The vector pass and the portable one
 * must report exactly what a byte-by-byte reading reports: the same lines,
 * the same line numbers, the same count, and stop where told.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/linescan-model.h"
#include "linescan.h"
#include "unit.h"

static void same_as_reference(const char *buf, size_t end, const struct idg_firstbytes *fb,
                              size_t stop_at, const char *what)
{
    static struct hits want, got;
    want = (struct hits){.stop_at = stop_at};
    uint32_t want_lines = 0;
    int want_r = reference(buf, end, fb, &want, &want_lines);
    ck_assert_uint_lt(want.n, MAX_HITS); /* every hit compared, none cut off */
    for (int k = IDG_PASS_PORTABLE; k <= IDG_PASS_AVX512 + 1; k++) {
        if (k <= IDG_PASS_AVX512 && !idg_linescan_has((enum idg_linescan_pass)k))
            continue;
        got = (struct hits){.stop_at = stop_at};
        uint32_t got_lines = 0;
        /* Each pass, then idg_linescan() itself. */
        int got_r = k <= IDG_PASS_AVX512 ? idg_linescan_with((enum idg_linescan_pass)k, buf, end,
                                                             fb, record, &got, &got_lines)
                                         : idg_linescan(buf, end, fb, record, &got, &got_lines);
        const char *pass =
            k <= IDG_PASS_AVX512 ? idg_linescan_name((enum idg_linescan_pass)k) : "idg_linescan";
        ck_assert_msg(got_r == want_r, "%s, %s: returned %d, want %d", what, pass, got_r, want_r);
        ck_assert_msg(got.n == want.n, "%s, %s: %zu candidates, want %zu", what, pass, got.n,
                      want.n);
        for (size_t i = 0; i < want.n; i++)
            ck_assert_msg(got.off[i] == want.off[i] && got.line[i] == want.line[i],
                          "%s, %s: candidate %zu at %zu (line %u), want %zu (line %u)", what, pass,
                          i, got.off[i], got.line[i], want.off[i], want.line[i]);
        if (want_r == 0)
            ck_assert_msg(got_lines == want_lines, "%s, %s: %u lines, want %u", what, pass,
                          got_lines, want_lines);
    }
}

/* The sets a caller can ask for: none, one byte, two, digits, both. */
static const struct idg_firstbytes sets[] = {
    {.n = 0},
    {.byte = {'u'}, .n = 1},
    {.byte = {'4', 'b'}, .n = 2},
    {.byte = {'b', 'b'}, .n = 2},
    {.n = 0, .digits = true},
    {.byte = {'4', 'x'}, .n = 2, .digits = true},
    {.byte = {'\0'}, .n = 1},
    {.byte = {'\r', 0x80}, .n = 2},
};

/* Fixed shapes: the edges of a block, long lines, blank lines, CRLF, NUL. */
START_TEST(test_linescan_shapes)
{
    const char *texts[] = {
        "\n",
        "\n\n\n",
        "u:1:2\n",
        "u:1:2\nb:3:4\n",
        "# comment\n4001:100000:65536\nbob:200000:65536\r\n\0u:1:1\n",
        "50000-59999:2147483648:65536\nx\n",
        "\r\n\r\nu\r\n",
    };
    for (size_t t = 0; t < ARRAY_SIZE(texts); t++) {
        size_t len = strlen(texts[t]);
        if (t == 4) /* through the NUL, to the end of the literal */
            len += 1 + strlen(texts[t] + len + 1);
        while (len && texts[t][len - 1] != '\n')
            len--;
        for (size_t k = 0; k < ARRAY_SIZE(sets); k++)
            same_as_reference(texts[t], len, &sets[k], 0, texts[t]);
    }
    /* Every length around one and two 64-byte blocks, with a '\n' at each
       place in turn, and line starts on both sides of every boundary. */
    char buf[200];
    for (size_t len = 1; len <= 140; len++) {
        for (size_t nlpos = 0; nlpos + 1 < len; nlpos++) {
            memset(buf, 'u', len);
            buf[nlpos] = '\n';
            buf[len - 1] = '\n';
            for (size_t k = 0; k < ARRAY_SIZE(sets); k++)
                same_as_reference(buf, len, &sets[k], 0, "one newline inside");
        }
    }
    /* A line as long as the reader's chunk, and nothing but newlines. */
    static char big[70000];
    memset(big, '4', sizeof(big));
    big[sizeof(big) - 1] = '\n';
    same_as_reference(big, sizeof(big), &sets[2], 0, "one 70,000-byte line");
    memset(big, '\n', sizeof(big));
    same_as_reference(big, sizeof(big), &sets[1], 0, "70,000 blank lines");
    big[300] = 'u';
    big[64 * 63 * 2 + 1] = 'u'; /* past the counters' first flush */
    same_as_reference(big, sizeof(big), &sets[1], 0, "blank lines and two candidates");
}
END_TEST

/* Random files: dense and sparse newlines, digits, names, odd bytes. */
START_TEST(test_linescan_random)
{
    static char buf[20000];
    const char alphabet[] = "\n\n\n0123456789:-ub#\r \t\0\x80\xff";
    unsigned seed = 12345;
    for (int round = 0; round < 2300; round++) {
        size_t len = (size_t)(rand_r(&seed) % (round < 2000 ? 300 : (int)sizeof(buf))) + 1;
        size_t spread = (size_t)(rand_r(&seed) % 40) + 1; /* how rare '\n' is */
        for (size_t i = 0; i < len; i++) {
            if ((size_t)rand_r(&seed) % spread == 0)
                buf[i] = '\n';
            else
                buf[i] = alphabet[3 + (size_t)rand_r(&seed) % (sizeof(alphabet) - 4)];
        }
        buf[len - 1] = '\n';
        for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
            same_as_reference(buf, len, &sets[k], 0, "random");
            same_as_reference(buf, len, &sets[k], (size_t)(rand_r(&seed) % 5) + 1,
                              "random, stopped");
        }
    }
}
END_TEST

/* An empty buffer: no line, no call. */
START_TEST(test_linescan_empty)
{
    for (size_t k = 0; k < ARRAY_SIZE(sets); k++)
        same_as_reference("", 0, &sets[k], 0, "empty");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linescan");
    TCase *tc = tcase_create("linescan");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_linescan_shapes);
    tcase_add_test(tc, test_linescan_random);
    tcase_add_test(tc, test_linescan_empty);
    suite_add_tcase(s, tc);
    for (int k = IDG_PASS_PORTABLE; k <= IDG_PASS_AVX512; k++)
        printf("%s pass: %s\n", idg_linescan_name((enum idg_linescan_pass)k),
               idg_linescan_has((enum idg_linescan_pass)k) ? "tested" : "not on this processor");
    return unit_run(s);
}
