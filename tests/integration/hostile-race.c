/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hostile-race MODE N SECONDS EXPECT HELPER ARG...
 *
 * Rounds of: fork a target that enters a new user namespace, start HELPER
 * with every argument "{}" replaced by the target's pid, and disturb the two
 * after a random delay:
 *   exit  the target exits on its own after the delay (the helper is already
 *         running); it is kept as a zombie, not reaped, so that its uid_map
 *         can still be read afterwards
 *   kill  the helper gets SIGKILL after the delay
 *   stop  the helper gets SIGSTOP after the delay, SIGCONT 20 ms later
 * The first 3 rounds are not disturbed: they time the helper here (a
 * sanitized build is several times slower), and the delays are drawn from 0
 * to 1.5 times the slowest of them, so that they land before, during and
 * after the call. Then rounds until N in all, or until SECONDS have passed.
 * Output: one line "# ..." with the timing, then one line per round:
 *   i=I target=PID delay=US|calibrate status=exit:C|signal:S stopped=yes|no
 *   map=full|none|other:TEXT err=STDERR
 * where "full" means the uid_map (or gid_map, if HELPER's name ends in
 * "gidmap") is exactly EXPECT ("INSIDE OUTSIDE COUNT" lines joined by ';'),
 * and stopped=yes that a SIGSTOP found the helper still running.
 * A test tool: it runs as the unprivileged test user.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CALIBRATION_ROUNDS 3

static void fold_map(const char *path, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(out, outlen, "<unreadable>");
        return;
    }
    unsigned long a, b, c;
    size_t used = 0;
    int n;
    while ((n = fscanf(f, "%lu %lu %lu", &a, &b, &c)) == 3 && used < outlen)
        used +=
            (size_t)snprintf(out + used, outlen - used, "%s%lu %lu %lu", used ? ";" : "", a, b, c);
    if (n != EOF && used < outlen)
        snprintf(out + used, outlen - used, "<garbage>");
    fclose(f);
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

enum mode { MODE_NONE, MODE_EXIT, MODE_KILL, MODE_STOP };

struct round {
    enum mode mode;
    int delay; /* us */
    const char *file;
    char **hargs, **args;
};

/* One round; prints its line. Returns the helper's run time in us, or -1. */
static long long run_round(int i, const struct round *r, const char *expect)
{
    int ready[2], errp[2];
    if (pipe(ready) < 0 || pipe(errp) < 0) {
        perror("hostile-race: pipe");
        return -1;
    }
    pid_t target = fork();
    if (target == 0) {
        close(ready[0]);
        close(errp[0]); /* or the parent's read of the helper's stderr waits for us */
        close(errp[1]);
        if (unshare(CLONE_NEWUSER) < 0)
            _exit(3);
        if (write(ready[1], "x", 1) != 1)
            _exit(3);
        if (r->mode == MODE_EXIT) {
            usleep((useconds_t)r->delay);
            _exit(0);
        }
        for (;;)
            pause();
    }
    close(ready[1]);
    char c;
    if (target < 0 || read(ready[0], &c, 1) != 1) {
        fprintf(stderr, "hostile-race: the target did not enter a new user namespace\n");
        return -1;
    }
    close(ready[0]);
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", (int)target);
    for (int k = 0; r->hargs[k]; k++)
        r->args[k] = strcmp(r->hargs[k], "{}") == 0 ? pid : r->hargs[k];
    long long t0 = now_us();
    pid_t helper = fork();
    if (helper == 0) {
        close(errp[0]);
        dup2(errp[1], 2);
        execv(r->args[0], r->args);
        _exit(127);
    }
    close(errp[1]);
    int st;
    bool stopped = false, reaped = false;
    if (r->mode == MODE_KILL) {
        usleep((useconds_t)r->delay);
        kill(helper, SIGKILL);
    } else if (r->mode == MODE_STOP) {
        usleep((useconds_t)r->delay);
        kill(helper, SIGSTOP);
        /* Stopped, or done before the signal came. */
        if (waitpid(helper, &st, WUNTRACED) == helper) {
            stopped = WIFSTOPPED(st);
            reaped = !stopped;
        }
        usleep(20000);
        kill(helper, SIGCONT);
    }
    if (!reaped && waitpid(helper, &st, 0) != helper) {
        perror("hostile-race: waitpid");
        return -1;
    }
    long long took = now_us() - t0;
    char err[4096];
    ssize_t n = read(errp[0], err, sizeof(err) - 1);
    close(errp[0]);
    err[n > 0 ? n : 0] = '\0';
    for (char *p = err; *p; p++)
        if (*p == '\n')
            *p = ' ';
    if (r->mode == MODE_EXIT) {
        siginfo_t si; /* a zombie, not reaped: its map can still be read */
        waitid(P_PID, (id_t)target, &si, WEXITED | WNOWAIT);
    }
    char path[64], map[8192];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)target, r->file);
    fold_map(path, map, sizeof(map));
    kill(target, SIGKILL);
    waitpid(target, NULL, 0);
    char status[32], delay[16];
    if (WIFSIGNALED(st))
        snprintf(status, sizeof(status), "signal:%d", WTERMSIG(st));
    else
        snprintf(status, sizeof(status), "exit:%d", WEXITSTATUS(st));
    if (r->mode == MODE_NONE)
        snprintf(delay, sizeof(delay), "calibrate");
    else
        snprintf(delay, sizeof(delay), "%d", r->delay);
    printf("i=%d target=%d delay=%s status=%s stopped=%s map=%s%s err=%s\n", i, (int)target, delay,
           status, stopped ? "yes" : "no",
           strcmp(map, expect) == 0 ? "full"
           : map[0]                 ? "other:"
                                    : "none",
           strcmp(map, expect) == 0 || !map[0] ? "" : map, err);
    fflush(stdout);
    return took;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: hostile-race exit|kill|stop N SECONDS EXPECT HELPER ARG...\n");
        return 2;
    }
    enum mode mode = strcmp(argv[1], "exit") == 0   ? MODE_EXIT
                     : strcmp(argv[1], "kill") == 0 ? MODE_KILL
                     : strcmp(argv[1], "stop") == 0 ? MODE_STOP
                                                    : MODE_NONE;
    int rounds = atoi(argv[2]);
    long long budget = atoll(argv[3]) * 1000000;
    const char *expect = argv[4];
    if (mode == MODE_NONE || rounds <= CALIBRATION_ROUNDS || budget <= 0) {
        fprintf(stderr, "hostile-race: bad mode, round count or time\n");
        return 2;
    }
    size_t hl = strlen(argv[5]);
    struct round r = {
        .file = hl >= 6 && strcmp(argv[5] + hl - 6, "gidmap") == 0 ? "gid_map" : "uid_map",
        .hargs = argv + 5,
        .args = calloc((size_t)argc, sizeof(char *)),
    };
    if (!r.args)
        return 2;
    srand((unsigned)time(NULL) ^ (unsigned)getpid());

    long long start = now_us(), slowest = 0;
    int rc = 0, i;
    r.mode = MODE_NONE;
    for (i = 0; i < CALIBRATION_ROUNDS; i++) {
        long long took = run_round(i, &r, expect);
        if (took < 0) {
            rc = 2;
            goto out;
        }
        if (took > slowest)
            slowest = took;
    }
    int maxus = (int)(slowest * 3 / 2);
    printf("# the helper took up to %lld us; delays 0-%d us\n", slowest, maxus);
    r.mode = mode;
    for (; i < rounds && now_us() - start < budget; i++) {
        r.delay = rand() % (maxus + 1);
        if (run_round(i, &r, expect) < 0) {
            rc = 2;
            goto out;
        }
    }
out:
    free(r.args);
    return rc;
}
