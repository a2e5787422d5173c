/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Check 4, the live trial: a child of ours enters a new user namespace and
 * the PATH's newuidmap and newgidmap map into it the user's own id and all
 * of their ranges, with the arguments podman gives them:
 *
 *     newuidmap PID 0 UID 1 1 START COUNT [1+COUNT START2 COUNT2]...
 *
 * The child waits on a pipe and is killed and reaped before this returns;
 * every wait is bounded. Nothing outside the child's namespace is changed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appendf.h"
#include "doctor.h"

/* 1 + 3 per extent, at most the kernel's 340 extents. */
#define ARGS_MAX (3 + 3 * 340 + 1)

/* Build podman's arguments for one helper; the count of ids mapped. */
static uint64_t build_args(char *argv[ARGS_MAX], char store[ARGS_MAX][12], const char *helper,
                           pid_t pid, uint32_t own, const struct idg_allotments *a)
{
    size_t n = 0, s = 0;
    argv[n++] = (char *)helper;
#define PUSH(v)                                                                                    \
    do {                                                                                           \
        snprintf(store[s], sizeof(store[s]), "%llu", (unsigned long long)(v));                     \
        argv[n++] = store[s++];                                                                    \
    } while (0)
    PUSH(pid);
    PUSH(0);
    PUSH(own);
    PUSH(1);
    uint64_t inside = 1;
    for (size_t i = 0; i < a->n && n + 3 < ARGS_MAX - 1; i++) {
        PUSH(inside);
        PUSH(a->v[i].range.start);
        PUSH(a->v[i].range.count);
        inside += a->v[i].range.count;
    }
#undef PUSH
    argv[n] = NULL;
    return inside;
}

/* The map as the kernel shows it, folded: "0 1000 1, 1 100000 65536". */
static void read_map(pid_t pid, const char *which, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s_map", (int)pid, which);
    FILE *f = fopen(path, "re");
    unsigned long in, out, cnt;
    size_t pos = 0;
    buf[0] = '\0';
    while (f && fscanf(f, "%lu %lu %lu", &in, &out, &cnt) == 3)
        idg_appendf(buf, len, &pos, "%s%lu %lu %lu", pos ? ", " : "", in, out, cnt);
    if (f)
        fclose(f);
}

void dr_check_trial(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg,
                    char paths[2][1024], bool userns_ok)
{
    struct dr_check *c;
    if (!rg->a[0].n || !rg->a[1].n) {
        struct dr_check *s =
            dr_add(r, "trial", DR_WARN, "skipped: %s has no %s range to map (see ranges above)",
                   u->name, !rg->a[0].n ? "uid" : "gid");
        dr_fix(s, "fix %s above, then run subid-doctor again",
               !rg->a[0].n ? "ranges.uid" : "ranges.gid");
        return;
    }
    if (!userns_ok) {
        c = dr_add(r, "trial", DR_WARN,
                   "skipped: no user namespace can be created here (see kernel.userns above)");
        dr_fix(c, "fix kernel.userns above, then run subid-doctor again");
        return;
    }
    if (!paths[0][0] || !paths[1][0]) {
        c = dr_add(r, "trial", DR_WARN, "skipped: no %s to run (see helpers above)",
                   !paths[0][0] ? "newuidmap" : "newgidmap");
        dr_fix(c, "fix helpers.%s above, then run subid-doctor again",
               !paths[0][0] ? "newuidmap" : "newgidmap");
        return;
    }
    int ready[2], go[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        goto broken;
    if (pipe2(go, O_CLOEXEC) < 0) {
        close(ready[0]);
        close(ready[1]);
        goto broken;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
        goto broken;
    }
    if (pid == 0) {
        /* Dies with us; says whether it got its namespace; waits for the
         * end of the trial (the pipe closes) and exits. */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        close(ready[0]);
        close(go[1]);
        int e = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
        if (write(ready[1], &e, sizeof(e)) != sizeof(e))
            _exit(1);
        char b;
        while (read(go[0], &b, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    int e = -1;
    struct pollfd p = {ready[0], POLLIN, 0};
    if (poll(&p, 1, DR_WAIT_MS) == 1 && read(ready[0], &e, sizeof(e)) != sizeof(e))
        e = -1;
    close(ready[0]);

    char err[2][512] = {"", ""}, map[2][512] = {"", ""}, out[256];
    int st[2] = {0, 0};
    uint64_t ids[2] = {0, 0};
    if (e == 0) {
        for (int k = 0; k < 2; k++) {
            static char *argv[ARGS_MAX];
            static char store[ARGS_MAX][12];
            ids[k] = build_args(argv, store, paths[k], pid, k ? u->gid : u->uid, &rg->a[k]);
            st[k] = dr_run(argv, DR_WAIT_MS, out, sizeof(out), err[k], sizeof(err[k]));
            read_map(pid, k ? "gid" : "uid", map[k], sizeof(map[k]));
            if (st[k] != 0)
                break;
        }
    }
    close(go[1]);
    dr_reap(pid, DR_WAIT_MS);

    if (e != 0) {
        c = dr_add(r, "trial", DR_FAIL, "cannot create the trial's user namespace: %s",
                   e > 0 ? strerror(e) : "the child did not answer");
        dr_fix(c, "see kernel.userns above");
        return;
    }
    for (int k = 0; k < 2; k++) {
        const char *prog = k ? "newgidmap" : "newuidmap";
        if (st[k] == 0 && map[k][0])
            continue;
        if (st[k] == -ETIMEDOUT)
            c = dr_add(r, "trial", DR_FAIL, "%s did not finish within 5 s and was killed",
                       paths[k]);
        else if (st[k] == 0)
            c = dr_add(r, "trial", DR_FAIL, "%s exited 0 but the %s_map is empty", paths[k],
                       k ? "gid" : "uid");
        else
            c = dr_add(r, "trial", DR_FAIL, "%s refused, as podman would see it: %s", paths[k],
                       err[k][0] ? err[k] : "(no message)");
        dr_fix(c,
               "do what the helper's message says; a FAIL above names the cause (%s is the "
               "helper podman runs)",
               prog);
        return;
    }
    dr_add(r, "trial", DR_OK,
           "newuidmap and newgidmap mapped %llu uids and %llu gids into a new user namespace, as "
           "podman would (uid_map %s; gid_map %s)",
           (unsigned long long)ids[0], (unsigned long long)ids[1], map[0], map[1]);
    return;
broken:
    c = dr_add(r, "trial", DR_FAIL, "cannot start the trial: %s", strerror(errno));
    dr_fix(c, "run it again; if it persists, report it");
}
