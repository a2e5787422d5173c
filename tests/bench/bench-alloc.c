/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-alloc [LINES]: what subid-add's search costs in a subuid file of
 * LINES entries (default 100,000): read the file (trust checks), one pass
 * over it (idg_add_scan), and the first fit over every entry plus account
 * ids. Once with the lines in order, once with the first line moved to the
 * end (out of order: the ranges are radix-sorted). Median and best of 101
 * runs. Writing (fsync, rename) is not included: see the end-to-end figures
 * in README.md.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "bench.h"

#define RUNS 101

static int write_file(const char *path, long lines, int out_of_order)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    /* 1,000 ids each from 1,000,000: the pool's low end stays free. */
    for (long i = out_of_order; i < lines; i++)
        fprintf(f, "user%ld:%ld:1000\n", i, 1000000 + i * 1000);
    if (out_of_order)
        fprintf(f, "user0:1000000:1000\n");
    fclose(f);
    return chmod(path, 0644);
}

static int run(const char *path, const char *what)
{
    struct idg_logindefs defs;
    idg_logindefs_default(&defs);
    struct idg_id_list accts = {0};
    for (uint32_t id = 0; id < 50; id++) /* a system's accounts */
        idg_id_list_add(&accts, id == 49 ? 65534 : id * 20, "acct");
    idg_id_list_add(&accts, 150000, "nfsuser"); /* one inside the pool */
    idg_id_list_sort(&accts);
    struct idg_owner o;
    idg_owner_init(&o, "newuser", 5000);
    double t[RUNS];
    struct idg_range got = {0};
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_us();
        struct idg_subid_file f;
        struct idg_file_problem pb;
        if (idg_subid_file_read(path, geteuid(), &f, &pb) != 0)
            return -1;
        struct idg_subid_file none = {0};
        struct idg_taken_set extra;
        struct idg_add_scan sc = {.owner = &o, .count = defs.pool[0].count};
        if (idg_taken_build(&extra, &none, &accts, &defs.pool[0]) < 0 ||
            idg_add_scan(f.buf, f.len, &sc) < 0)
            return -1;
        struct idg_fit fit;
        idg_fit_init(&fit, &extra, defs.pool[0].min, defs.pool[0].max, defs.pool[0].count);
        for (size_t i = 0; i < sc.n_ranges && !fit.done; i++)
            idg_fit_feed(&fit, sc.ranges[i]);
        enum idg_alloc_status st = idg_fit_result(&fit, &got);
        t[r] = now_us() - t0;
        idg_add_scan_free(&sc);
        idg_taken_free(&extra);
        idg_subid_file_free(&f);
        if (st != IDG_ALLOC_OK)
            return -1;
    }
    sort_samples(t, RUNS);
    printf("%-40s median %8.1f us   best %8.1f us   (fit at %u)\n", what, t[RUNS / 2], t[0],
           got.start);
    idg_id_list_free(&accts);
    return 0;
}

int main(int argc, char **argv)
{
    long lines = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    char path[] = "/tmp/idgate-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || lines < 2) {
        perror("bench-alloc");
        return 1;
    }
    close(fd);
    printf("subuid file: %ld entries\n", lines);
    int rc = write_file(path, lines, 0) || run(path, "read + scan + first fit, lines in order") ||
             write_file(path, lines, 1) || run(path, "the same, one line out of order");
    unlink(path);
    if (rc)
        fprintf(stderr, "bench-alloc: a run failed\n");
    return rc ? 1 : 0;
}
