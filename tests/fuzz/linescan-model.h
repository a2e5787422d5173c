/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plain, byte-by-byte reading that every candidate pass of linescan.h
 * must agree with: which lines begin with a byte of the set, their offsets
 * and numbers, how many lines in all, and where the reader stopped. Shared
 * by the unit test and the fuzz harness, so both hold the passes to one
 * reference.
 */
#ifndef IDGATE_LINESCAN_MODEL_H
#define IDGATE_LINESCAN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "linescan.h"

#define MAX_HITS 8192

struct hits {
    size_t off[MAX_HITS];
    uint32_t line[MAX_HITS];
    size_t n;
    size_t stop_at; /* return 7 at this hit (counted from 1); 0: never */
};

/* The callback: 9 once the record is full (every pass stops there too). */
static inline int record(void *arg, size_t off, uint32_t lineno)
{
    struct hits *h = arg;
    if (h->n == MAX_HITS)
        return 9;
    h->off[h->n] = off;
    h->line[h->n] = lineno;
    h->n++;
    return h->n == h->stop_at ? 7 : 0;
}

static inline int reference(const char *buf, size_t end, const struct idg_firstbytes *fb,
                            struct hits *h, uint32_t *lines)
{
    uint32_t n = 0;
    for (size_t p = 0; p < end; p++) {
        if (p > 0 && buf[p - 1] != '\n')
            continue;
        n++;
        unsigned char c = (unsigned char)buf[p];
        if ((fb->n > 0 && c == fb->byte[0]) || (fb->n > 1 && c == fb->byte[1]) ||
            (fb->digits && c >= '0' && c <= '9')) {
            int r = record(h, p, n);
            if (r)
                return r;
        }
    }
    *lines = n;
    return 0;
}

#endif
