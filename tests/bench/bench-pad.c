/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Linked first into each bench-place variant: BENCH_PAD bytes of code
 * before the candidate pass, so that each variant places its loops at
 * other addresses (the variants are built with alignment turned off).
 */
#ifndef BENCH_PAD
#define BENCH_PAD 0
#endif
#define BENCH_STR2(x) #x
#define BENCH_STR(x) BENCH_STR2(x)

void bench_pad(void);
__attribute__((used, noinline)) void bench_pad(void)
{
    __asm__ volatile(".skip " BENCH_STR(BENCH_PAD) ", 0x90");
}
