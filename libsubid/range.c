/* SPDX-License-Identifier: BSD-3-Clause */
#include "range.h"

#include <errno.h>
#include <stdio.h>

int idg_range_check(uint32_t start, uint32_t count)
{
    uint32_t end;
    if (count == 0)
        return -EINVAL;
    if (__builtin_add_overflow(start, count, &end))
        return -ERANGE; /* would reach past 4294967295, which is not an id */
    return 0;
}

bool idg_range_overlaps(struct idg_range a, struct idg_range b)
{
    return a.start <= idg_range_last(b) && b.start <= idg_range_last(a);
}

bool idg_range_contains(struct idg_range outer, struct idg_range inner)
{
    return outer.start <= inner.start && idg_range_last(inner) <= idg_range_last(outer);
}

bool idg_range_has(struct idg_range r, uint32_t id)
{
    return r.start <= id && id <= idg_range_last(r);
}

int idg_range_format(char *buf, size_t len, struct idg_range r)
{
    return snprintf(buf, len, "%u-%u", r.start, idg_range_last(r));
}
