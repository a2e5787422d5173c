/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-machine: what the machine charges for the two things a short-lived
 * helper does most, for the machine description of tests/bench/compare:
 *   syscall_us     one getppid() system call
 *   fault_us       one first touch of an anonymous page (a minor fault)
 * printed as "NAME MICROSECONDS" lines, each the median of 9 batches.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define BATCHES 9

static double median(double *v)
{
    sort_samples(v, BATCHES);
    return v[BATCHES / 2];
}

int main(void)
{
    double v[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        double t = now_us();
        for (int i = 0; i < 20000; i++)
            syscall(SYS_getppid);
        v[b] = (now_us() - t) / 20000;
    }
    printf("syscall_us %.2f\n", median(v));

    const size_t pages = 2048, page = (size_t)sysconf(_SC_PAGESIZE);
    for (int b = 0; b < BATCHES; b++) {
        char *p =
            mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return perror("bench-machine: mmap"), 1;
        double t = now_us();
        for (size_t i = 0; i < pages; i++)
            p[i * page] = 1;
        v[b] = (now_us() - t) / (double)pages;
        munmap(p, pages * page);
    }
    printf("fault_us %.2f\n", median(v));
    return 0;
}
