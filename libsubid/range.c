/* SPDX-License-Identifier: BSD-3-Clause */
#include "range.h"

#include <stdio.h>

int idg_range_format(char *buf, size_t len, struct idg_range r)
{
    return snprintf(buf, len, "%u-%u", r.start, idg_range_last(r));
}
