/* SPDX-License-Identifier: BSD-3-Clause */
#include "grow.h"

#include <stdlib.h>

void *idg_grow(void *v, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? *cap * 2 : 16;
    void *nv = reallocarray(v, c, elem); /* overflow-checked */
    if (nv)
        *cap = c;
    return nv;
}
