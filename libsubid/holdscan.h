/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding the few lines that may hold a given id, for "who owns id X?"
 * (subid_get_*_owners): a pass over the bytes that reads the numbers of
 * only the few lines their lengths cannot rule out.
 *
 * A plain line "owner:START:COUNT" holds X when START <= X < START + COUNT.
 * The parser takes numbers of one to ten digits without a leading zero, so
 * a number's length bounds it: a START longer than X's is above X, a START
 * of X's length is compared with X as text, and a START and COUNT too short
 * to reach X together are below it. Only the lines these tests cannot rule
 * out have their two numbers read; the lines that hold X are handed on, to
 * be parsed, and so are windows (a '-' in an owner that begins with a
 * digit), whose span the parser computes. A line without exactly two colons
 * is no entry and holds nothing.
 *
 * The structure (':', '\n', '-' and digits) is read 64 bytes at a time, with
 * SSE2, AVX2 or AVX-512BW on x86-64 (the best the processor has), eight
 * bytes in a word at a time elsewhere. A block with no run of digits long
 * enough to reach X and no '-' after a digit is passed over whole, only its
 * newlines counted; the others are walked line by line as bits: no byte
 * loop, no parse per line. A line that ends in a walked block but began in
 * one passed over has its colons read from its bytes then, once (a block
 * passed over keeps no state but its lines).
 */
#ifndef IDGATE_HOLDSCAN_H
#define IDGATE_HOLDSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linescan.h"

struct idg_holdfilter {
    uint32_t id;
    char digits[10]; /* X in decimal, no leading zero */
    unsigned len;    /* how many digits */
    /* reach[a][b]: can a START of a digits and a COUNT of b digits reach X
       (10^a - 1 + 10^b - 1 > X)? */
    bool reach[11][11];
    unsigned run; /* the fewest digits the longer number of a holder has */
    /* lo[b]: the least START a COUNT of b digits can reach X from,
       X - (10^b - 1) + 1, in decimal (lo_len[b] digits; 0: any START) */
    char lo[11][10];
    unsigned lo_len[11];
};

void idg_holdfilter_init(struct idg_holdfilter *f, uint32_t id);

/* Told about each line that may hold the id: its offset in buf, its length
 * without the '\n', and its number (1 for the line at buf[0]). A non-zero
 * return stops the scan. */
typedef int (*idg_holdline_fn)(void *arg, size_t off, size_t len, uint32_t lineno);

/*
 * Report, in order, every line of buf[0..end) that may hold f's id (and
 * no line that cannot be an entry: one without exactly two colons).
 * buf[end - 1] must be '\n' (complete lines only); end may be 0. Returns 0 with *lines set to the
 * number of lines, or the first non-zero value fn returned (*lines then unset).
 */
int idg_holdscan(const char *buf, size_t end, const struct idg_holdfilter *f, idg_holdline_fn fn,
                 void *arg, uint32_t *lines);

/* The same with the structure read by a given pass: IDG_PASS_PORTABLE (a
 * byte loop, the reference) or, on x86-64, SSE2, AVX2 or AVX-512BW, which
 * the caller checked the processor has (idg_linescan_has); idg_holdscan
 * takes idg_linescan_best(). */
int idg_holdscan_with(enum idg_linescan_pass pass, const char *buf, size_t end,
                      const struct idg_holdfilter *f, idg_holdline_fn fn, void *arg,
                      uint32_t *lines);

#endif
