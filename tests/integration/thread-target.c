/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * thread-target
 *
 * Enter a new user namespace, start a second thread, and end the main
 * thread alone (SYS_exit, as pthread_exit does): the process lives on in
 * its other thread, with a zombie thread-group leader, until killed. A
 * test tool: it runs as the unprivileged test user.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *run(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(void)
{
    if (unshare(CLONE_NEWUSER) < 0) {
        perror("thread-target: unshare");
        return 1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, run, NULL) != 0) {
        fprintf(stderr, "thread-target: cannot start a thread\n");
        return 1;
    }
    syscall(SYS_exit, 0); /* this thread only */
    return 1;
}
