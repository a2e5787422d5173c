/* SPDX-License-Identifier: BSD-3-Clause */
#include "lockfile.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "number.h"

/* Sleep between tries: short at first, so that a waiter behind a quick
 * holder is quick too, then at most 50 ms. */
static void backoff(unsigned *step_ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)*step_ms * 1000000L};
    nanosleep(&ts, NULL);
    if (*step_ms < 50)
        *step_ms *= 2;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int idg_pwdlock_acquire(const char *path, unsigned timeout_ms)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0)
        return -errno;
    /* A classic (per-process) POSIX lock, exactly what lckpwdf(3) takes:
     * it conflicts with theirs. Polled, so no alarm signal is needed. */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    uint64_t deadline = now_ms() + timeout_ms;
    unsigned step = 1;
    while (fcntl(fd, F_SETLK, &fl) < 0) {
        int e = errno;
        if ((e != EACCES && e != EAGAIN) || now_ms() >= deadline) {
            close(fd);
            return e == EACCES || e == EAGAIN ? -ETIMEDOUT : -e;
        }
        backoff(&step);
    }
    return fd;
}

void idg_pwdlock_release(int fd)
{
    if (fd >= 0)
        close(fd); /* closing drops the lock */
}

/* The pid in a lock file: decimal, then NUL or newline or nothing.
 * 0 when it holds anything else or cannot be read; -1 when it is gone. */
static pid_t read_holder(const char *lock)
{
    int fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? -1 : 0;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n <= 0 || n == (ssize_t)sizeof(buf))
        return 0;
    size_t len = (size_t)n;
    if (buf[len - 1] == '\0' || buf[len - 1] == '\n')
        len--;
    uint32_t pid;
    if (idg_parse_u32n(buf, len, INT32_MAX, &pid) < 0 || pid == 0)
        return 0;
    return (pid_t)pid;
}

static bool alive(pid_t pid)
{
    /* EPERM: it exists, it is someone else's. Only ESRCH means gone. */
    return kill(pid, 0) == 0 || errno != ESRCH;
}

/* One try: 0 when the lock is ours, -EEXIST when it exists, -errno. */
static int try_link(const char *mine, const char *lock)
{
    if (link(mine, lock) < 0)
        return -errno;
    /* link() over NFS may report failure after success, or the reverse;
     * the link count of our file is the truth. */
    struct stat st;
    if (stat(mine, &st) < 0)
        return -errno;
    return st.st_nlink == 2 ? 0 : -EEXIST;
}

int idg_filelock_acquire(const char *file, unsigned timeout_ms, pid_t *holder)
{
    char mine[4096], lock[4096];
    pid_t self = getpid();
    *holder = 0;
    if (snprintf(lock, sizeof(lock), "%s.lock", file) >= (int)sizeof(lock) ||
        snprintf(mine, sizeof(mine), "%s.%ld", file, (long)self) >= (int)sizeof(mine))
        return -ENAMETOOLONG;

    /* <file>.<pid>: a leftover of an earlier process with our pid is ours
     * to replace; never follow a link planted there. */
    unlink(mine);
    int fd = open(mine, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -errno;
    char text[16];
    int len = snprintf(text, sizeof(text), "%ld", (long)self) + 1; /* with its NUL, as shadow */
    ssize_t w = write(fd, text, (size_t)len);
    int werr = errno;
    if (close(fd) < 0 || w != len) {
        unlink(mine);
        return w < 0 ? -werr : -EIO;
    }

    uint64_t deadline = now_ms() + timeout_ms;
    unsigned step = 1;
    int rc;
    for (;;) {
        rc = try_link(mine, lock);
        if (rc != -EEXIST)
            break;
        pid_t h = read_holder(lock);
        if (h < 0) /* vanished between our link and our read: try again */
            continue;
        if (h == 0) {
            rc = -EINVAL;
            break;
        }
        if (!alive(h)) {
            /* Stale: its holder died without unlinking it. */
            if (unlink(lock) < 0 && errno != ENOENT) {
                rc = -errno;
                break;
            }
            continue;
        }
        *holder = h;
        if (now_ms() >= deadline) {
            rc = -EBUSY;
            break;
        }
        backoff(&step);
    }
    unlink(mine);
    return rc;
}

int idg_filelock_release(const char *file)
{
    char lock[4096];
    if (snprintf(lock, sizeof(lock), "%s.lock", file) >= (int)sizeof(lock))
        return -ENAMETOOLONG;
    if (read_holder(lock) != getpid())
        return -EPERM;
    return unlink(lock) < 0 ? -errno : 0;
}
