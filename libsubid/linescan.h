/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding the few lines worth parsing in a large subuid file: the lines
 * whose first byte could begin the caller's name, uid or a window. One pass
 * over the bytes, counting lines on the way (for file:line in messages).
 *
 * On x86-64 the pass compares 64 bytes at a time in vectors (SSE2, which
 * every x86-64 processor has, or AVX2 where the processor has it) and takes
 * no branch per line, so its speed is the memory's rather than the branch
 * predictor's or the loop's placement. The portable pass (eight bytes in a
 * word at a time) serves other processors and is the reference the tests
 * and the fuzz harness compare the others with.
 */
#ifndef IDGATE_LINESCAN_H
#define IDGATE_LINESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swar.h"

/* The bits set in x. Without -mpopcnt the builtin is a libgcc call; this
   is a few instructions inline, for the scans' rare paths. */
static inline unsigned idg_popcount64(uint64_t x)
{
    x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
    x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
    x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

/* The bytes a candidate line begins with: up to two bytes, and the digits. */
struct idg_firstbytes {
    unsigned char byte[2];
    int n; /* how many of byte[] are in the set: 0, 1 or 2 */
    bool digits;
};

/* Told about each candidate line: its offset in buf and its line number
 * (1 for the line at buf[0]). A non-zero return stops the scan. */
typedef int (*idg_linestart_fn)(void *arg, size_t off, uint32_t lineno);

/*
 * Report, in order, every line of buf[0..end) whose first byte is in fb.
 * buf[end - 1] must be '\n' (complete lines only); end may be 0. Returns
 * 0 with *lines set to the number of lines, or the first non-zero value
 * fn returned (*lines then unset).
 */
int idg_linescan(const char *buf, size_t end, const struct idg_firstbytes *fb, idg_linestart_fn fn,
                 void *arg, uint32_t *lines);

/* The passes: idg_linescan() takes the best this processor runs. */
enum idg_linescan_pass { IDG_PASS_PORTABLE, IDG_PASS_SSE2, IDG_PASS_AVX2, IDG_PASS_AVX512 };

/* The portable pass, the same contract; the reference for the others. */
int idg_linescan_portable(const char *buf, size_t end, const struct idg_firstbytes *fb,
                          idg_linestart_fn fn, void *arg, uint32_t *lines);

/* Is the pass built in, and does this processor run it? */
bool idg_linescan_has(enum idg_linescan_pass pass);

/* The same with a given pass (which idg_linescan_has() must allow). */
int idg_linescan_with(enum idg_linescan_pass pass, const char *buf, size_t end,
                      const struct idg_firstbytes *fb, idg_linestart_fn fn, void *arg,
                      uint32_t *lines);

/* The pass idg_linescan() uses here, and a pass's name ("SSE2"). */
enum idg_linescan_pass idg_linescan_best(void);
const char *idg_linescan_name(enum idg_linescan_pass pass);

#endif
