/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-scan [LINES [RUNS]]: how long finding one user's allotments takes in
 * a subuid file of LINES lines (default 100,000; 99,999 lines of other
 * owners, as tests/bench/compare writes them, then the user's), beside the
 * physical limit: memchr() over the same bytes, warm (in memory, in the
 * processor's caches as far as they hold it) and cold (read from the page
 * cache into a fresh buffer first, as a new process does). Also read() and
 * mmap() side by side, the measurement that chooses how the helpers read.
 *
 * Prints medians (and the best) of RUNS runs (default 201).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "allotment.h"
#include "bench.h"
#include "linescan.h"

static int runs = 201;

static void report(const char *what, double *t, const char *note)
{
    sort_samples(t, (size_t)runs);
    printf("%-44s median %9.1f us   best %9.1f us%s\n", what, t[runs / 2], t[0], note);
}

/* What the passes and memchr return is kept, or the compiler may drop them. */
static volatile uintptr_t sink;

static int count_hit(void *arg, size_t off, uint32_t lineno)
{
    (void)lineno;
    *(size_t *)arg += off;
    return 0;
}

/* read() in chunks of `chunk` bytes into one buffer, memchr over each. */
static void read_memchr(const char *path, size_t chunk, char *buf)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got;
    while ((got = read(fd, buf, chunk)) > 0)
        sink += (uintptr_t)memchr(buf, 0x01, (size_t)got);
    close(fd);
}

/* mmap() the file a window at a time, memchr over each, munmap. */
static void mmap_memchr(const char *path, size_t window, int flags)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    fstat(fd, &st);
    for (off_t off = 0; off < st.st_size; off += (off_t)window) {
        size_t n = (size_t)(st.st_size - off) < window ? (size_t)(st.st_size - off) : window;
        char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE | flags, fd, off);
        if (p == MAP_FAILED) {
            perror("bench-scan: mmap");
            exit(1);
        }
        sink += (uintptr_t)memchr(p, 0x01, n);
        munmap(p, n);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    long lines = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    if (argc > 2)
        runs = (int)strtol(argv[2], NULL, 10);
    char path[] = "/tmp/idgate-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || lines < 1 || runs < 1) {
        perror("bench-scan");
        return 1;
    }
    FILE *f = fdopen(fd, "w");
    for (long i = 0; i < lines - 1; i++)
        fprintf(f, "b%ld:%ld:1000\n", i, 100000 + i * 1000 % 4000000000L);
    fprintf(f, "target:4100000000:65536\n");
    fclose(f);
    chmod(path, 0644);
    struct stat st;
    stat(path, &st);
    printf("subuid file: %ld lines, %.2f MiB; the pass used: %s\n", lines,
           (double)st.st_size / (1 << 20), idg_linescan_name(idg_linescan_best()));

    struct idg_owner o;
    idg_owner_init(&o, "target", 4242);
    double *t = calloc((size_t)runs, sizeof(double));
    for (int r = 0; r < runs; r++) {
        struct idg_allotments a = {0};
        struct idg_file_problem pb;
        double t0 = now_us();
        int rc = idg_collect_allotments(path, geteuid(), &o, &a, NULL, NULL, &pb);
        t[r] = now_us() - t0;
        if (rc != 0 || a.n != 1) {
            fprintf(stderr, "bench-scan: collect failed (%d, %zu found)\n", rc, a.n);
            return 1;
        }
        idg_allotments_free(&a);
    }
    report("collect from the file (open+read+scan)", t, "");

    /* The cold limit: the same bytes read into a fresh buffer, memchr. */
    size_t chunks[] = {64 << 10, 128 << 10, 256 << 10, 1 << 20};
    for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
        char *buf = malloc(chunks[k]);
        for (int r = 0; r < runs; r++) {
            double t0 = now_us();
            read_memchr(path, chunks[k], buf);
            t[r] = now_us() - t0;
        }
        free(buf);
        char what[64];
        snprintf(what, sizeof(what), "open+read(%zu KiB)+memchr (limit, cold)", chunks[k] >> 10);
        report(what, t, "");
    }
    const struct {
        const char *what;
        int flags;
    } maps[] = {{"open+mmap(1 MiB windows)+memchr", 0},
                {"open+mmap(1 MiB, MAP_POPULATE)+memchr", MAP_POPULATE}};
    for (size_t k = 0; k < 2; k++) {
        for (int r = 0; r < runs; r++) {
            double t0 = now_us();
            mmap_memchr(path, 1 << 20, maps[k].flags);
            t[r] = now_us() - t0;
        }
        report(maps[k].what, t, "");
    }

    /* Warm: the bytes already in memory. */
    FILE *in = fopen(path, "r");
    char *buf = malloc((size_t)st.st_size + 1);
    size_t len = fread(buf, 1, (size_t)st.st_size, in);
    fclose(in);
    for (int r = 0; r < runs; r++) {
        struct idg_allotments a = {0};
        double t0 = now_us();
        idg_collect_from_buffer(buf, len, path, &o, &a, NULL, NULL);
        t[r] = now_us() - t0;
        idg_allotments_free(&a);
    }
    report("scan of the bytes in memory (warm)", t, "");
    struct idg_firstbytes fb = {.byte = {'4', 't'}, .n = 2, .digits = true};
    for (int k = IDG_PASS_AVX512; k >= IDG_PASS_PORTABLE; k--) {
        enum idg_linescan_pass pass = (enum idg_linescan_pass)k;
        if (!idg_linescan_has(pass))
            continue;
        for (int r = 0; r < runs; r++) {
            size_t hits = 0;
            uint32_t n = 0;
            double t0 = now_us();
            idg_linescan_with(pass, buf, len, &fb, count_hit, &hits, &n);
            t[r] = now_us() - t0;
            sink += hits + n;
        }
        char what[64];
        snprintf(what, sizeof(what), "  the candidate pass alone, %s", idg_linescan_name(pass));
        report(what, t, "");
    }
    for (int r = 0; r < runs; r++) {
        double t0 = now_us();
        sink += (uintptr_t)memchr(buf, 0x01, len);
        t[r] = now_us() - t0;
    }
    report("memchr over the bytes in memory (limit, warm)", t, "");
    free(buf);
    free(t);
    unlink(path);
    return 0;
}
