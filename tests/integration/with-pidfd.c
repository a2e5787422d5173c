/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * with-pidfd [--dead] PID CMD ARG...
 *
 * Open a pidfd for PID, then exec CMD with every argument "{}" replaced by
 * "fd:N", the pidfd inherited. With --dead, kill PID and wait until the
 * pidfd reports its exit before the exec (a pidfd whose process has died).
 * A test tool: it runs as the unprivileged test user.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int dead = argc > 1 && strcmp(argv[1], "--dead") == 0;
    if (argc < 3 + dead) {
        fprintf(stderr, "usage: with-pidfd [--dead] PID CMD ARG...\n");
        return 2;
    }
    pid_t pid = (pid_t)atoi(argv[1 + dead]);
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    /* pidfd_open sets close-on-exec; the helper must inherit this one. */
    if (fd < 0 || fcntl(fd, F_SETFD, 0) < 0) {
        perror("with-pidfd: pidfd_open");
        return 2;
    }
    if (dead) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (kill(pid, SIGKILL) < 0 || poll(&p, 1, 10000) != 1) {
            perror("with-pidfd: kill and wait");
            return 2;
        }
    }
    char spec[32];
    snprintf(spec, sizeof(spec), "fd:%d", fd);
    char **args = argv + 2 + dead;
    for (int i = 0; args[i]; i++)
        if (strcmp(args[i], "{}") == 0)
            args[i] = spec;
    execvp(args[0], args);
    perror("with-pidfd: exec");
    return 127;
}
