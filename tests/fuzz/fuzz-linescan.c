/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential: every candidate pass this processor runs (linescan.h) must
 * report what a byte-by-byte reading reports, on any bytes: the same lines
 * at the same offsets with the same numbers, the same count, the same stop.
 * The first three bytes choose the set and where the reader stops.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-lines.h"
#include "linescan-model.h"

static struct hits want, got;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    struct idg_firstbytes fb = {
        .byte = {data[1], data[2]}, .n = data[0] % 3, .digits = (data[0] & 4) != 0};
    size_t stop_at = (data[0] >> 3) % 4; /* 0: never */
    const char *text = (const char *)data + 3;
    size_t end = size - 3;
    char *buf = complete_lines_copy(text, end, &end);
    if (!buf)
        return 0;
    want = (struct hits){.stop_at = stop_at};
    uint32_t want_lines = 0;
    int want_r = reference(buf, end, &fb, &want, &want_lines);
    for (int k = IDG_PASS_PORTABLE; k <= IDG_PASS_AVX512; k++) {
        if (!idg_linescan_has((enum idg_linescan_pass)k))
            continue;
        got = (struct hits){.stop_at = stop_at};
        uint32_t got_lines = 0;
        int got_r =
            idg_linescan_with((enum idg_linescan_pass)k, buf, end, &fb, record, &got, &got_lines);
        if (got_r != want_r || got.n != want.n ||
            memcmp(got.off, want.off, want.n * sizeof(want.off[0])) != 0 ||
            memcmp(got.line, want.line, want.n * sizeof(want.line[0])) != 0 ||
            (want_r == 0 && got_lines != want_lines))
            abort();
    }
    free(buf);
    return 0;
}
