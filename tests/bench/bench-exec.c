/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-exec: time programs as a container runtime runs them, for
 * tests/bench/compare. Every measurement is one line on stdout,
 *   NAME MICROSECONDS MAXRSS_KIB
 * the wall time of fork + exec + wait4 and the child's peak RSS from
 * wait4's rusage (a forked copy of this small program is the floor).
 *
 *   bench-exec map uid|gid RUNS OWN START COUNT BASELINE NAME=PATH...
 *       RUNS rounds; in each, every program in turn (the first one
 *       rotating, so that no program always runs first) maps a fresh user
 *       namespace: a child of this process unshares CLONE_NEWUSER, stays
 *       dumpable and waits; the program runs as
 *           PATH PID 0 OWN 1 1 START COUNT
 *       and the child's uid_map (gid_map) must then read "0 OWN 1" and
 *       "1 START COUNT"; then the child is killed. BASELINE (/bin/true) is
 *       run the same way under the name "baseline", its map not checked.
 *       Three rounds of warm-up are not reported.
 *   bench-exec run NAME PROGRAM ARGS...
 *       one run of PROGRAM, stdout to /dev/null; fails unless it exits 0.
 *
 * Exit status 0, or 1 with a message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_PROGS 8
#define WARMUP 3

struct prog {
    const char *name;
    const char *path;
    bool check;
};

static void die(const char *what)
{
    fprintf(stderr, "bench-exec: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double tv_us(struct timeval tv)
{
    return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

/* fork + exec PATH ARGV + wait4; stdout to /dev/null when quiet. Returns
 * the exit status (-1: killed), the wall time, the peak RSS and the CPU
 * time. */
static int timed_exec(char *const argv[], bool quiet, double *us, long *rss_kib, double *cpu_us)
{
    struct rusage ru;
    int status;
    double t0 = now_us();
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
            if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
                _exit(126);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR)
            die("wait4");
    *us = now_us() - t0;
    *rss_kib = ru.ru_maxrss;
    *cpu_us = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A child in a new user namespace, dumpable, waiting to be killed. */
static pid_t start_target(void)
{
    int p[2];
    char c = 0;
    if (pipe2(p, O_CLOEXEC) < 0)
        die("pipe2");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(p[0]);
        if (unshare(CLONE_NEWUSER) < 0 || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
            _exit(1);
        if (write(p[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(p[1]);
    if (read(p[0], &c, 1) != 1) {
        fprintf(stderr, "bench-exec: the target child could not unshare a user namespace\n");
        exit(1);
    }
    close(p[0]);
    return pid;
}

static void stop_target(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0)
        if (errno != EINTR)
            die("waitpid");
}

/* The map of pid is exactly "0 own 1" and "1 start count". */
static bool map_is(pid_t pid, const char *kind, unsigned long own, unsigned long start,
                   unsigned long count)
{
    char path[64];
    unsigned long a, b, c, d, e, f;
    snprintf(path, sizeof(path), "/proc/%ld/%s_map", (long)pid, kind);
    FILE *m = fopen(path, "re");
    if (m == NULL)
        return false;
    int n = fscanf(m, "%lu %lu %lu %lu %lu %lu", &a, &b, &c, &d, &e, &f);
    bool extra = fscanf(m, "%lu", &a) == 1;
    fclose(m);
    return n == 6 && !extra && a == 0 && b == own && c == 1 && d == 1 && e == start && f == count;
}

static int cmd_map(int argc, char **argv)
{
    struct prog progs[MAX_PROGS];
    size_t n = 0;
    char *end;

    if (argc < 7 || argc - 6 > MAX_PROGS - 1 ||
        (strcmp(argv[0], "uid") != 0 && strcmp(argv[0], "gid") != 0)) {
        fputs("usage: bench-exec map uid|gid RUNS OWN START COUNT BASELINE NAME=PATH...\n", stderr);
        return 1;
    }
    const char *kind = argv[0];
    long runs = strtol(argv[1], &end, 10);
    if (*end != '\0' || runs < 1)
        return fputs("bench-exec: bad RUNS\n", stderr), 1;
    unsigned long own = strtoul(argv[2], NULL, 10);
    unsigned long start = strtoul(argv[3], NULL, 10);
    unsigned long count = strtoul(argv[4], NULL, 10);
    progs[n++] = (struct prog){"baseline", argv[5], false};
    for (int i = 6; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL)
            return fprintf(stderr, "bench-exec: %s is not NAME=PATH\n", argv[i]), 1;
        *eq = '\0';
        progs[n++] = (struct prog){argv[i], eq + 1, true};
    }

    for (long r = -WARMUP; r < runs; r++) {
        for (size_t k = 0; k < n; k++) {
            const struct prog *p = &progs[(size_t)(r + WARMUP + (long)k) % n];
            pid_t target = start_target();
            char pidstr[24];
            snprintf(pidstr, sizeof(pidstr), "%ld", (long)target);
            char *args[] = {(char *)p->path, pidstr,  "0", argv[2], "1", "1",
                            argv[3],         argv[4], NULL};
            double us, cpu;
            long rss;
            int rc = timed_exec(args, false, &us, &rss, &cpu);
            bool ok = rc == 0 && (!p->check || map_is(target, kind, own, start, count));
            stop_target(target);
            if (!ok) {
                fprintf(stderr, "bench-exec: %s (%s) exited %d, %s_map not as expected\n", p->name,
                        p->path, rc, kind);
                return 1;
            }
            if (r >= 0)
                printf("%s %.1f %ld %.1f\n", p->name, us, rss, cpu);
        }
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_run(int argc, char **argv)
{
    double us, cpu;
    long rss;

    if (argc < 2) {
        fputs("usage: bench-exec run NAME PROGRAM ARGS...\n", stderr);
        return 1;
    }
    int rc = timed_exec(argv + 1, true, &us, &rss, &cpu);
    if (rc != 0) {
        fprintf(stderr, "bench-exec: %s (%s) exited %d\n", argv[0], argv[1], rc);
        return 1;
    }
    printf("%s %.1f %ld %.1f\n", argv[0], us, rss, cpu);
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "map") == 0)
        return cmd_map(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    fputs("usage: bench-exec map uid|gid RUNS OWN START COUNT BASELINE NAME=PATH...\n"
          "       bench-exec run NAME PROGRAM ARGS...\n",
          stderr);
    return 1;
}
