/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-scan [LINES]: how long finding one user's allotments takes in a
 * subuid file of LINES lines (default 100,000), the user's line last.
 * Prints the median and the best of 201 runs of idg_collect_allotments()
 * (open, trust checks, streaming read, scan), and of the in-memory scan.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "allotment.h"
#include "bench.h"

#define RUNS 201

static void report(const char *what, double *t, size_t n_found)
{
    sort_samples(t, RUNS);
    printf("%-34s median %8.1f us   best %8.1f us   (%zu allotment found)\n", what, t[RUNS / 2],
           t[0], n_found);
}

int main(int argc, char **argv)
{
    long lines = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    char path[] = "/tmp/idgate-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || lines < 1) {
        perror("bench-scan");
        return 1;
    }
    FILE *f = fdopen(fd, "w");
    for (long i = 0; i < lines - 1; i++)
        fprintf(f, "user%ld:%ld:65536\n", i, 100000 + i * 65536 % 4000000000L);
    fprintf(f, "target:4000000000:65536\n");
    fclose(f);
    chmod(path, 0644);

    struct idg_owner o;
    idg_owner_init(&o, "target", 4242);
    double t[RUNS];
    size_t found = 0;
    for (int r = 0; r < RUNS; r++) {
        struct idg_allotments a = {0};
        struct idg_file_problem pb;
        double t0 = now_us();
        int rc = idg_collect_allotments(path, geteuid(), &o, &a, NULL, NULL, &pb);
        t[r] = now_us() - t0;
        found = a.n;
        idg_allotments_free(&a);
        if (rc != 0) {
            fprintf(stderr, "bench-scan: collect failed (%d)\n", rc);
            return 1;
        }
    }
    printf("subuid file: %ld lines\n", lines);
    report("collect from file (open+read+scan)", t, found);

    FILE *in = fopen(path, "r");
    char *buf = malloc(64u << 20);
    size_t len = fread(buf, 1, 64u << 20, in);
    fclose(in);
    for (int r = 0; r < RUNS; r++) {
        struct idg_allotments a = {0};
        double t0 = now_us();
        idg_collect_from_buffer(buf, len, path, &o, &a, NULL, NULL);
        t[r] = now_us() - t0;
        found = a.n;
        idg_allotments_free(&a);
    }
    report("scan of the bytes in memory", t, found);
    free(buf);
    unlink(path);
    return 0;
}
