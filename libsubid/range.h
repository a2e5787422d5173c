/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Id ranges and the kernel's rules for them, stated once.
 *
 * A range is `count` ids from `start`. The kernel (kernel/user_namespace.c,
 * map_write) refuses an extent whose first + count wraps a u32, and
 * 4294967295 is not an id, so a valid range has count >= 1 and
 * start + count <= 4294967295: its last id is at most 4294967294.
 */
#ifndef IDGATE_RANGE_H
#define IDGATE_RANGE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idg_range {
    uint32_t start;
    uint32_t count; /* >= 1 in every range that passed idg_range_check */
};

/* 0 if valid; -EINVAL for count 0; -ERANGE if start + count passes 4294967295.
 * (Inline, as the other small rules here: file scans call them for every line.) */
static inline int idg_range_check(uint32_t start, uint32_t count)
{
    uint32_t end;
    if (count == 0)
        return -EINVAL;
    if (__builtin_add_overflow(start, count, &end))
        return -ERANGE; /* would reach past 4294967295, which is not an id */
    return 0;
}

static inline uint32_t idg_range_last(struct idg_range r)
{
    return r.start + (r.count - 1);
}

static inline bool idg_range_overlaps(struct idg_range a, struct idg_range b)
{
    return a.start <= idg_range_last(b) && b.start <= idg_range_last(a);
}

static inline bool idg_range_contains(struct idg_range outer, struct idg_range inner)
{
    return outer.start <= inner.start && idg_range_last(inner) <= idg_range_last(outer);
}

static inline bool idg_range_has(struct idg_range r, uint32_t id)
{
    return r.start <= id && id <= idg_range_last(r);
}

/* "FIRST-LAST" into buf; returns what snprintf returns. Buffers of
 * IDG_RANGE_STRLEN always suffice. */
#define IDG_RANGE_STRLEN 24
int idg_range_format(char *buf, size_t len, struct idg_range r);

#endif
