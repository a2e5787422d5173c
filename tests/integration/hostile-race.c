/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hostile-race MODE N MAXUS EXPECT HELPER ARG...
 *
 * N rounds of: fork a target that enters a new user namespace, start HELPER
 * with every argument "{}" replaced by the target's pid, and disturb the two
 * after a random delay of 0..MAXUS microseconds:
 *   exit  the target exits on its own after the delay (the helper is already
 *         running); it is kept as a zombie, not reaped, so that its uid_map
 *         can still be read afterwards
 *   kill  the helper gets SIGKILL after the delay
 *   stop  the helper gets SIGSTOP after the delay, SIGCONT 20 ms later
 * One line per round:
 *   i=I delay=US status=exit:C|signal:S map=full|none|other:TEXT err=STDERR
 * where "full" means the uid_map (or gid_map, if HELPER's name ends in
 * "gidmap") is exactly EXPECT ("INSIDE OUTSIDE COUNT" lines joined by ';').
 * A test tool: it runs as the unprivileged test user.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    while ((n = fscanf(f, "%lu %lu %lu", &a, &b, &c)) == 3)
        used += (size_t)snprintf(out + used, outlen - used, "%s%lu %lu %lu", used ? ";" : "", a,
                                 b, c);
    if (n != EOF)
        snprintf(out + used, outlen - used, "<garbage>");
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: hostile-race exit|kill|stop N MAXUS EXPECT HELPER ARG...\n");
        return 2;
    }
    const char *mode = argv[1];
    int rounds = atoi(argv[2]);
    int maxus = atoi(argv[3]);
    const char *expect = argv[4];
    char **hargs = argv + 5;
    size_t hl = strlen(hargs[0]);
    const char *file = hl >= 6 && strcmp(hargs[0] + hl - 6, "gidmap") == 0 ? "gid_map" : "uid_map";
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    char **args = calloc((size_t)argc, sizeof(*args));
    if (!args)
        return 2;

    for (int i = 0; i < rounds; i++) {
        int delay = maxus > 0 ? rand() % (maxus + 1) : 0;
        int ready[2], errp[2];
        if (pipe(ready) < 0 || pipe(errp) < 0) {
            perror("pipe");
            return 2;
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
            if (strcmp(mode, "exit") == 0) {
                usleep((useconds_t)delay);
                _exit(0);
            }
            for (;;)
                pause();
        }
        close(ready[1]);
        char c;
        if (target < 0 || read(ready[0], &c, 1) != 1) {
            fprintf(stderr, "hostile-race: the target did not enter a new user namespace\n");
            return 2;
        }
        close(ready[0]);
        char pid[16];
        snprintf(pid, sizeof(pid), "%d", (int)target);
        for (int k = 0; hargs[k]; k++)
            args[k] = strcmp(hargs[k], "{}") == 0 ? pid : hargs[k];
        pid_t helper = fork();
        if (helper == 0) {
            close(errp[0]);
            dup2(errp[1], 2);
            execv(args[0], args);
            _exit(127);
        }
        close(errp[1]);
        if (strcmp(mode, "kill") == 0) {
            usleep((useconds_t)delay);
            kill(helper, SIGKILL);
        } else if (strcmp(mode, "stop") == 0) {
            usleep((useconds_t)delay);
            kill(helper, SIGSTOP);
            usleep(20000);
            kill(helper, SIGCONT);
        }
        int st;
        if (waitpid(helper, &st, 0) != helper) {
            perror("waitpid");
            return 2;
        }
        char err[4096];
        ssize_t n = read(errp[0], err, sizeof(err) - 1);
        close(errp[0]);
        err[n > 0 ? n : 0] = '\0';
        for (char *p = err; *p; p++)
            if (*p == '\n')
                *p = ' ';
        if (strcmp(mode, "exit") == 0) {
            siginfo_t si; /* a zombie, not reaped: its map can still be read */
            waitid(P_PID, (id_t)target, &si, WEXITED | WNOWAIT);
        }
        char path[64], map[8192];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)target, file);
        fold_map(path, map, sizeof(map));
        kill(target, SIGKILL);
        waitpid(target, NULL, 0);
        char status[32];
        if (WIFSIGNALED(st))
            snprintf(status, sizeof(status), "signal:%d", WTERMSIG(st));
        else
            snprintf(status, sizeof(status), "exit:%d", WEXITSTATUS(st));
        printf("i=%d delay=%d status=%s map=%s%s err=%s\n", i, delay, status,
               strcmp(map, expect) == 0 ? "full" : map[0] ? "other:" : "none",
               strcmp(map, expect) == 0 || !map[0] ? "" : map, err);
        fflush(stdout);
    }
    return 0;
}
