/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential: the holder scan (holdscan.h), by either way of reading the
 * structure, must hand on every line whose parsed entry holds the id, at
 * its right place and number, and count the lines as the parser's reading
 * does (holdscan-model.h). The id is the first four bytes, or the sum of
 * a number in the input and a small offset, so ids fall on range edges.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-lines.h"
#include "holdscan-model.h"

static struct held ref;
static struct held_scan got;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    uint32_t id;
    memcpy(&id, data + 1, 4);
    const char *text = (const char *)data + 5;
    size_t end = size - 5;
    if (data[0] & 1) { /* near the first number of the text */
        const char *d = memchr(text, ':', end);
        uint64_t v = 0;
        for (size_t k = 0; d && ++d < text + end && *d >= '0' && *d <= '9' && k < 10; k++)
            v = v * 10 + (uint64_t)(*d - '0');
        id = (uint32_t)(v + (data[0] >> 1) % 8 - 4);
    }
    char *buf = complete_lines_copy(text, end, &end);
    if (!buf)
        return 0;
    ref.id = id;
    if (held_reference(buf, end, &ref)) {
        if (!held_same(IDG_PASS_PORTABLE, buf, end, &ref, &got) ||
            !held_same(IDG_PASS_SSE2, buf, end, &ref, &got) ||
            (idg_linescan_has(IDG_PASS_AVX2) && !held_same(IDG_PASS_AVX2, buf, end, &ref, &got)) ||
            (idg_linescan_has(IDG_PASS_AVX512) &&
             !held_same(IDG_PASS_AVX512, buf, end, &ref, &got)))
            abort();
    }
    free(buf);
    return 0;
}
