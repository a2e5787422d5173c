/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the holder scan (holdscan.h) must agree with: parse every line and
 * keep those whose entry holds the id. The scan may hand on more lines than
 * hold the id, never fewer, each with its right offset, length and number.
 * Shared by the unit test and the fuzz harness.
 */
#ifndef IDGATE_HOLDSCAN_MODEL_H
#define IDGATE_HOLDSCAN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "holdscan.h"
#include "range.h"
#include "subid_line.h"

#define HOLD_MAX_LINES 70000

struct held {
    uint32_t id;
    size_t off[HOLD_MAX_LINES]; /* the reference's: where line k + 1 begins */
    uint32_t lines;
    uint32_t hold[HOLD_MAX_LINES]; /* the numbers of the lines that hold id */
    uint32_t n;
};

static inline bool line_holds(const char *line, size_t len, uint32_t id)
{
    struct idg_entry e;
    return idg_parse_line(line, len, &e) == IDG_LINE_ENTRY && idg_range_has(e.range, id);
}

/* The reference: every line parsed. buf[end - 1] is '\n'. false: too many
   lines for the model. */
static inline bool held_reference(const char *buf, size_t end, struct held *h)
{
    h->lines = h->n = 0;
    for (size_t p = 0; p < end;) {
        const char *nl = memchr(buf + p, '\n', end - p);
        size_t len = (size_t)(nl - (buf + p));
        if (h->lines == HOLD_MAX_LINES)
            return false;
        h->off[h->lines++] = p;
        if (line_holds(buf + p, len, h->id))
            h->hold[h->n++] = h->lines;
        p += len + 1;
    }
    return true;
}

struct held_scan {
    const struct held *ref;
    const char *buf;
    uint32_t hold[HOLD_MAX_LINES];
    uint32_t n;
    uint32_t handed; /* lines the scan handed on */
    bool wrong;      /* one of them at the wrong place */
};

static inline int held_line(void *arg, size_t off, size_t len, uint32_t lineno)
{
    struct held_scan *s = arg;
    s->handed++;
    if (lineno == 0 || lineno > s->ref->lines || s->ref->off[lineno - 1] != off ||
        s->buf[off + len] != '\n' || memchr(s->buf + off, '\n', len)) {
        s->wrong = true;
        return 1;
    }
    if (line_holds(s->buf + off, len, s->ref->id))
        s->hold[s->n++] = lineno;
    return 0;
}

/* Does the pass find what the reference found? */
static inline bool held_same(enum idg_linescan_pass pass, const char *buf, size_t end,
                             const struct held *ref, struct held_scan *s)
{
    struct idg_holdfilter f;
    idg_holdfilter_init(&f, ref->id);
    *s = (struct held_scan){.ref = ref, .buf = buf};
    uint32_t lines = 0;
    int r = idg_holdscan_with(pass, buf, end, &f, held_line, s, &lines);
    return r == 0 && !s->wrong && lines == ref->lines && s->n == ref->n &&
           memcmp(s->hold, ref->hold, ref->n * sizeof(ref->hold[0])) == 0;
}

#endif
