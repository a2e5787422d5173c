/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-lib: the libsubid API per call, for tests/bench/compare. Built
 * twice from this source with shadow-utils' own <shadow/subid.h>:
 * bench-lib-shadow against shadow's libsubid.so.4, bench-lib-idgate
 * against ours. Every timed call is one line on stdout,
 *   NAME MICROSECONDS MAXRSS_KIB CPU_MICROSECONDS
 * (wall time; the process's peak RSS so far; the CPU time of the call, in
 * this process and in children it waited for).
 *
 *   bench-lib which
 *       the real path of the object that provides subid_init (dladdr).
 *   bench-lib NAME ranges OWNER CALLS
 *       subid_get_uid_ranges(OWNER) CALLS times; the answer must be
 *       non-empty.
 *   bench-lib NAME owners ID CALLS
 *       subid_get_uid_owners(ID) CALLS times; the answer must be
 *       non-empty.
 *   bench-lib NAME grant OWNER START COUNT
 *       one subid_grant_uid_range({OWNER, START, COUNT}, reuse false);
 *       the range granted goes to stderr.
 *
 * subid_init("bench-lib", NULL) is called first: no messages.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <shadow/subid.h>

#include "bench.h"

/* CPU time used so far by this process and its waited-for children. */
static double cpu_us(void)
{
    struct timespec ts;
    struct rusage ru;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3 +
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static long maxrss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int which(void)
{
    Dl_info info;
    if (dladdr((void *)(uintptr_t)&subid_init, &info) == 0 || info.dli_fname == NULL) {
        fputs("bench-lib: dladdr cannot place subid_init\n", stderr);
        return 1;
    }
    char *path = realpath(info.dli_fname, NULL);
    puts(path != NULL ? path : info.dli_fname);
    free(path);
    return 0;
}

static int fail(const char *name, const char *what, int n)
{
    fprintf(stderr, "bench-lib: %s: %s returned %d\n", name, what, n);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "which") == 0)
        return which();
    if (argc < 5) {
        fputs("usage: bench-lib which\n"
              "       bench-lib NAME ranges OWNER CALLS\n"
              "       bench-lib NAME owners ID CALLS\n"
              "       bench-lib NAME grant OWNER START COUNT\n",
              stderr);
        return 2;
    }
    const char *name = argv[1], *cmd = argv[2];
    subid_init("bench-lib", NULL);

    if (strcmp(cmd, "grant") == 0 && argc == 6) {
        struct subordinate_range r = {
            .owner = argv[3],
            .start = strtoul(argv[4], NULL, 10),
            .count = strtoul(argv[5], NULL, 10),
        };
        double c0 = cpu_us(), t0 = now_us();
        bool ok = subid_grant_uid_range(&r, false);
        double us = now_us() - t0, cpu = cpu_us() - c0;
        if (!ok)
            return fail(name, "subid_grant_uid_range", 0);
        fprintf(stderr, "%s granted %s:%lu:%lu\n", name, r.owner, r.start, r.count);
        printf("%s %.1f %ld %.1f\n", name, us, maxrss_kib(), cpu);
        return 0;
    }

    long calls = strtol(argv[4], NULL, 10);
    bool ranges = strcmp(cmd, "ranges") == 0;
    if ((!ranges && strcmp(cmd, "owners") != 0) || calls < 1 || argc != 5)
        return fputs("bench-lib: bad arguments\n", stderr), 2;
    uid_t id = (uid_t)strtoul(argv[3], NULL, 10);
    for (long i = 0; i < calls; i++) {
        struct subid_range *rs = NULL;
        uid_t *owners = NULL;
        double c0 = cpu_us(), t0 = now_us();
        int n = ranges ? subid_get_uid_ranges(argv[3], &rs) : subid_get_uid_owners(id, &owners);
        double us = now_us() - t0, cpu = cpu_us() - c0;
        free(rs);
        free(owners);
        if (n < 1)
            return fail(name, ranges ? "subid_get_uid_ranges" : "subid_get_uid_owners", n);
        printf("%s %.1f %ld %.1f\n", name, us, maxrss_kib(), cpu);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
