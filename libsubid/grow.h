/* SPDX-License-Identifier: BSD-3-Clause */
/* The one rule for the growing arrays of libsubid: room for one more. */
#ifndef IDGATE_GROW_H
#define IDGATE_GROW_H

#include <stddef.h>

/*
 * Room for element n of the array v (of *cap elements of `elem` bytes):
 * v itself when n < *cap, else v reallocated to twice the size (at least
 * 16) with *cap updated. NULL when out of memory, v then untouched.
 */
void *idg_grow(void *v, size_t n, size_t *cap, size_t elem);

#endif
