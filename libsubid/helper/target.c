/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../explain.h"
#include "../number.h"

const char *idg_map_file(enum idg_kind k)
{
    return k == IDG_KIND_UID ? "uid_map" : "gid_map";
}

#ifndef PID_FS_MAGIC
#define PID_FS_MAGIC 0x50494446 /* linux/magic.h since 6.9 */
#endif

/* The "Pid:" of a pidfd in /proc/self/fdinfo; 1 if found, 0 if not a pidfd.
 * Since Linux 6.9 a pidfd lives on pidfs: then nothing else is taken for one
 * (no other file's fdinfo text can pass). Before, anon_inode pidfds are
 * recognised by their fdinfo alone. */
static int pidfd_pid(int fd, long *pid)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0)
        return -errno;
    bool pidfs = sf.f_type == PID_FS_MAGIC;
    if (!pidfs && sf.f_type != ANON_INODE_FS_MAGIC)
        return 0;
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return -errno;
    ssize_t n = read(f, buf, sizeof(buf) - 1);
    close(f);
    if (n < 0)
        return -EIO;
    buf[n] = '\0';
    const char *p = strstr(buf, "\nPid:\t");
    if (!p)
        return pidfs ? -EINVAL : 0;
    *pid = strtol(p + 6, NULL, 10);
    return 1;
}

/* The pid behind a /proc/PID directory fd, for messages only. The link of
 * one whose process was reaped reads "/proc/PID (deleted)". */
static uint32_t proc_dir_pid(int fd)
{
    char path[64], link[256];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    if (n <= 0)
        return 0;
    link[n] = '\0';
    char *deleted = strstr(link, " (deleted)");
    if (deleted && deleted[10] == '\0')
        *deleted = '\0';
    const char *slash = strrchr(link, '/');
    uint32_t pid = 0;
    if (slash)
        idg_parse_u32(slash + 1, IDG_PID_MAX, &pid);
    return pid;
}

/* The one message for a target that is gone, given as fd:N (fd >= 0) or
 * as a pid; pid 0 when not known. */
static void exited_msg(int fd, uint32_t pid, const char *map, char *err, size_t errlen)
{
    if (fd < 0)
        snprintf(err, errlen,
                 "process %u has exited; nothing was written; keep it running until its %s "
                 "is written",
                 pid, map);
    else if (pid > 0)
        snprintf(err, errlen,
                 "the process behind fd %d (pid %u) has exited; nothing was written; pass fd:N "
                 "of a running process",
                 fd, pid);
    else
        snprintf(err, errlen,
                 "the process behind fd %d has exited; nothing was written; pass fd:N of a "
                 "running process",
                 fd);
}

void idg_target_exited_msg(const struct idg_target_fd *t, enum idg_kind k, char *err, size_t errlen)
{
    exited_msg(-1, t->pid, idg_map_file(k), err, errlen);
}

#define PF_EXITING 0x4 /* include/linux/sched.h: set first thing in do_exit() */

/* Has the task whose stat file is `path` under `dir` exited? Reaped, its
 * files answer ESRCH. Before that it is still there: a zombie (state Z, or
 * X while being reaped), or one on its way out (PF_EXITING in the "flags"
 * field of stat). */
static bool task_exited(int dir, const char *path)
{
    int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ESRCH || errno == ENOENT;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int e = errno;
    close(fd);
    if (n < 0)
        return e == ESRCH;
    buf[n] = '\0';
    /* "PID (COMM) STATE PPID PGRP SESSION TTY TPGID FLAGS ...": COMM may hold
     * ')', so the fields follow the last one (no later field has one). */
    const char *end = strrchr(buf, ')');
    char state;
    unsigned flags;
    if (!end || sscanf(end + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
        return false;
    return state == 'Z' || state == 'X' || (flags & PF_EXITING);
}

/*
 * A running thread of the process behind the /proc/PID fd `dir`: pid itself
 * while its main thread runs, else another thread's id, 0 when none runs.
 * A main thread that exited (pthread_exit) leaves a zombie leader whose
 * other threads run on: the process is alive, the kernel takes its maps
 * (shadow maps it), but the leader's own files are root's (it has no mm
 * left, proc(5)), so its maps are written through task/TID of a running
 * thread. task/ is read through the same fd and lists only this process's
 * threads (a TID reused elsewhere is not found there), and a zombie
 * leader keeps its pid: no other process is reached.
 */
static uint32_t running_task(int dir, uint32_t pid)
{
    if (!task_exited(dir, "stat"))
        return pid;
    int fd = openat(dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    uint32_t tid = 0;
    struct dirent *e;
    while (tid == 0 && (e = readdir(d))) {
        uint32_t t;
        char path[32];
        if (idg_parse_u32(e->d_name, IDG_PID_MAX, &t) < 0 || t == pid)
            continue;
        snprintf(path, sizeof(path), "%u/stat", t);
        if (!task_exited(dirfd(d), path))
            tid = t;
    }
    closedir(d);
    return tid;
}

static int open_pid(uint32_t pid, char *err, size_t errlen)
{
    char path[32];
    snprintf(path, sizeof(path), "/proc/%u", pid);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    int e = errno;
    /* /proc mounted with hidepid refuses (EPERM) or hides (ENOENT) another
     * user's process; the signal-0 probe still sees that it exists. */
    if ((e == EPERM || e == EACCES || e == ENOENT) && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
        idg_explain_hidden_target(err, errlen, pid, e);
    else
        snprintf(err, errlen, "process %u does not exist (%s); pass the pid of a running process",
                 pid, strerror(e));
    return -1;
}

static int from_fd(int n, struct idg_target_fd *t, char *err, size_t errlen)
{
    if (fcntl(n, F_GETFD) < 0) {
        snprintf(err, errlen,
                 "fd %d is not open; pass an open /proc/PID directory or a pidfd as fd:N", n);
        return -1;
    }
    long pid = 0;
    int r = pidfd_pid(n, &pid);
    if (r < 0) {
        snprintf(err, errlen, "cannot inspect fd %d: %s", n, strerror(-r));
        return -1;
    }
    if (r == 1) {
        if (pid < 0) {
            exited_msg(n, 0, NULL, err, errlen);
            return -1;
        }
        if (pid == 0) {
            snprintf(err, errlen,
                     "the process of pidfd %d is in another pid namespace; pass a pidfd of a "
                     "process in yours",
                     n);
            return -1;
        }
        t->pidfd = n;
        t->pid = (uint32_t)pid;
        t->proc = open_pid(t->pid, err, errlen);
        if (t->proc < 0)
            return -1;
        /* Opened after the pidfd: if its process still lives, this is it. */
        if (!idg_target_alive(t)) {
            exited_msg(n, t->pid, NULL, err, errlen);
            return -1;
        }
        return 0;
    }
    struct stat st;
    struct statfs sf;
    bool proc_dir = fstat(n, &st) == 0 && S_ISDIR(st.st_mode) && fstatfs(n, &sf) == 0 &&
                    sf.f_type == PROC_SUPER_MAGIC;
    if (proc_dir && faccessat(n, "ns/user", F_OK, 0) < 0 && errno == ESRCH) {
        /* A /proc/PID directory whose process was reaped (its pid may
           belong to another process by now: this fd never reaches it). */
        exited_msg(n, proc_dir_pid(n), NULL, err, errlen);
        return -1;
    }
    if (!proc_dir || faccessat(n, "ns/user", F_OK, 0) < 0) {
        snprintf(err, errlen,
                 "fd %d is neither a /proc/PID directory nor a pidfd; pass one of those as fd:N",
                 n);
        return -1;
    }
    /* Not a task directory, nor /proc/1 of a procfs mounted in another pid
       namespace: our own /proc/<pid> must be this very directory. */
    t->pid = proc_dir_pid(n);
    struct stat mine;
    if (t->pid != 0) {
        char path[32];
        snprintf(path, sizeof(path), "/proc/%u", t->pid);
        t->proc = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (t->pid == 0 || t->proc < 0 || fstat(t->proc, &mine) < 0 || mine.st_dev != st.st_dev ||
        mine.st_ino != st.st_ino) {
        snprintf(err, errlen,
                 "fd %d is not the /proc/PID directory of a process in this pid namespace; "
                 "open /proc/PID itself (not a task directory or another procfs) and pass it",
                 n);
        return -1;
    }
    return 0;
}

int idg_target_open(const struct idg_target_arg *a, struct idg_target_fd *t, char *err,
                    size_t errlen)
{
    *t = (struct idg_target_fd){.proc = -1, .pidfd = -1};
    if (a->is_fd)
        return from_fd((int)a->value, t, err, errlen);
    t->pid = a->value;
    t->proc = open_pid(t->pid, err, errlen);
    return t->proc < 0 ? -1 : 0;
}

bool idg_target_alive(const struct idg_target_fd *t)
{
    if (running_task(t->proc, t->pid) == 0)
        return false;
    if (t->pidfd < 0)
        return true;
    /* EPERM still proves the process exists; anything else (ESRCH, EBADF,
       EINVAL) is taken as gone. */
    return syscall(SYS_pidfd_send_signal, t->pidfd, 0, NULL, 0) == 0 || errno == EPERM;
}

static int gone(const struct idg_target_fd *t, enum idg_kind k, const char *what, char *err,
                size_t errlen)
{
    int e = errno;
    if (e == ESRCH || e == ENOENT || !idg_target_alive(t))
        idg_target_exited_msg(t, k, err, errlen);
    else
        snprintf(err, errlen, "cannot read %s of process %u: %s", what, t->pid, strerror(e));
    return -1;
}

int idg_target_facts(const struct idg_target_fd *t, enum idg_kind k, struct idg_target *f,
                     char *err, size_t errlen)
{
    struct stat st, nst, own;
    if (!idg_target_alive(t)) {
        idg_target_exited_msg(t, k, err, errlen);
        return -1;
    }
    if (fstat(t->proc, &st) < 0)
        return gone(t, k, "the owner", err, errlen);
    *f = (struct idg_target){.uid = st.st_uid, .gid = st.st_gid};
    if (st.st_uid != getuid() || st.st_gid != getgid())
        return 0; /* idg_decide refuses it; its namespace is none of our business */

    int ns = openat(t->proc, "ns/user", O_RDONLY | O_CLOEXEC);
    int ns_errno = errno;
    struct stat dump;
    if (ns < 0 && ns_errno == EACCES && fstatat(t->proc, "stat", &dump, 0) == 0 &&
        dump.st_uid == st.st_uid && dump.st_gid == st.st_gid) {
        /* Refused though dumpable (the files of a non-dumpable process
           are root's, proc(5)): the ptrace rule says the caller holds no
           capability in its user namespace, so it is not theirs. */
        f->ns_hidden = true;
        return 0;
    }
    errno = ns_errno;
    if (ns < 0 && errno == EACCES) {
        /* Owned by the caller, yet not inspectable: the kernel treats a
           non-dumpable process as root's (proc(5), PR_SET_DUMPABLE). */
        snprintf(err, errlen,
                 "process %u is not dumpable, so you may not inspect it; make it dumpable "
                 "(prctl PR_SET_DUMPABLE 1) until its maps are written",
                 t->pid);
        return -1;
    }
    if (ns < 0)
        return gone(t, k, "the user namespace", err, errlen);
    int rc = -1;
    /* Set before the ioctl: no uid matches -1, and valgrind (3.19) does not
     * know that NS_GET_OWNER_UID writes it, so it would see it unset. */
    uid_t owner = (uid_t)-1;
    if (fstat(ns, &nst) < 0 || stat("/proc/self/ns/user", &own) < 0) {
        gone(t, k, "the user namespace", err, errlen);
        goto out;
    }
    f->same_ns = nst.st_dev == own.st_dev && nst.st_ino == own.st_ino;
    if (!f->same_ns) {
        int parent = ioctl(ns, NS_GET_PARENT);
        struct stat pst;
        f->child_ns = parent >= 0 && fstat(parent, &pst) == 0 && pst.st_dev == own.st_dev &&
                      pst.st_ino == own.st_ino;
        if (parent >= 0)
            close(parent);
    }
    if (ioctl(ns, NS_GET_OWNER_UID, &owner) < 0) {
        gone(t, k, "the user namespace owner", err, errlen);
        goto out;
    }
    f->ns_owner = owner;

    int map = openat(t->proc, idg_map_file(k), O_RDONLY | O_CLOEXEC);
    if (map < 0) {
        gone(t, k, idg_map_file(k), err, errlen);
        goto out;
    }
    char c;
    ssize_t n = read(map, &c, 1);
    close(map);
    if (n < 0) {
        gone(t, k, idg_map_file(k), err, errlen);
        goto out;
    }
    f->map_written = n > 0;
    rc = 0;
out:
    close(ns);
    return rc;
}

int idg_target_write_dir(const struct idg_target_fd *t)
{
    uint32_t tid = running_task(t->proc, t->pid);
    if (tid == 0) {
        errno = ESRCH;
        return -1;
    }
    if (tid == t->pid)
        return fcntl(t->proc, F_DUPFD_CLOEXEC, 3);
    /* A thread of a process whose main thread exited: it must be in the
       namespace the facts were read from, and owned as the process is. */
    char path[64];
    struct stat leader, thread, lns, tns;
    snprintf(path, sizeof(path), "task/%u", tid);
    int td = openat(t->proc, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (td < 0)
        return -1;
    if (fstat(t->proc, &leader) == 0 && fstat(td, &thread) == 0 &&
        fstatat(t->proc, "ns/user", &lns, 0) == 0 && fstatat(td, "ns/user", &tns, 0) == 0 &&
        leader.st_uid == thread.st_uid && leader.st_gid == thread.st_gid &&
        lns.st_dev == tns.st_dev && lns.st_ino == tns.st_ino)
        return td;
    close(td);
    errno = EPERM;
    return -1;
}

void idg_target_close(struct idg_target_fd *t)
{
    if (t->proc >= 0)
        close(t->proc);
    t->proc = -1;
}
