/* SPDX-License-Identifier: BSD-3-Clause */
/* What the benchmark programs share: a clock and the ordering of samples. */
#ifndef IDGATE_BENCH_H
#define IDGATE_BENCH_H

#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC, in microseconds. */
static inline double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sort n samples in place, smallest first (v[n / 2] is then the median). */
static inline void sort_samples(double *v, size_t n)
{
    qsort(v, n, sizeof(v[0]), cmp_double);
}

#endif
