/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-place [LINES]: the candidate pass alone over LINES lines in memory
 * (default 1,000,000, lines as tests/bench/compare writes them), median of
 * 41 runs per pass. Built several times (tests/bench/meson.build) with the
 * pass's code at other addresses and alignment turned off: the figures must
 * not depend on where the linker puts the loop. Prints one line:
 *   PAD PASS=MICROSECONDS...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "linescan.h"

#ifndef BENCH_PAD
#define BENCH_PAD 0
#endif
#define RUNS 41

void bench_pad(void);

static int count_hit(void *arg, size_t off, uint32_t lineno)
{
    *(size_t *)arg += off + lineno;
    return 0;
}

int main(int argc, char **argv)
{
    long lines = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    size_t cap = (size_t)lines * 32 + 64, len = 0;
    char *buf = malloc(cap);
    if (!buf || lines < 1)
        return 1;
    for (long i = 0; i < lines - 1; i++)
        len += (size_t)snprintf(buf + len, cap - len, "b%ld:%ld:1000\n", i, 100000 + i * 1000);
    len += (size_t)snprintf(buf + len, cap - len, "target:4100000000:65536\n");
    bench_pad();
    printf("pad %3d bytes, pass at %p:", BENCH_PAD, (void *)(uintptr_t)idg_linescan_with);
    struct idg_firstbytes fb = {.byte = {'4', 't'}, .n = 2, .digits = true};
    for (int k = IDG_PASS_AVX512; k >= IDG_PASS_PORTABLE; k--) {
        enum idg_linescan_pass pass = (enum idg_linescan_pass)k;
        if (!idg_linescan_has(pass))
            continue;
        double t[RUNS];
        size_t sum = 0;
        for (int r = 0; r < RUNS; r++) {
            uint32_t n = 0;
            double t0 = now_us();
            idg_linescan_with(pass, buf, len, &fb, count_hit, &sum, &n);
            t[r] = now_us() - t0;
            if (n != (uint32_t)lines)
                return fprintf(stderr, "bench-place: %u lines, not %ld\n", n, lines), 1;
        }
        sort_samples(t, RUNS);
        printf("  %s %.0f us", idg_linescan_name(pass), t[RUNS / 2]);
    }
    printf("\n");
    free(buf);
    return 0;
}
