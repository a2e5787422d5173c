/* SPDX-License-Identifier: BSD-3-Clause */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(struct idg_replace *o, const char *step)
{
    int e = errno;
    o->step = step;
    return -e;
}

static int write_all(int fd, const struct iovec *iov, int iovcnt)
{
    for (int i = 0; i < iovcnt; i++) {
        const char *p = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        while (len) {
            ssize_t w = write(fd, p, len);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return -1;
            p += w;
            len -= (size_t)w;
        }
    }
    return 0;
}

/* The directory holding `path`, opened for fsync. */
static int open_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (slash == path)
        return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char dir[4096];
    size_t n = (size_t)(slash - path);
    if (n >= sizeof(dir)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, path, n);
    dir[n] = '\0';
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int idg_replace_file(const char *path, const char *data, size_t len, struct idg_replace *o)
{
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    return idg_replace_filev(path, &iov, 1, o);
}

int idg_replace_filev(const char *path, const struct iovec *iov, int iovcnt, struct idg_replace *o)
{
    char tmp[4096], old[4096], oldtmp[4096];
    o->step = NULL;
    if (snprintf(tmp, sizeof(tmp), "%s+", path) >= (int)sizeof(tmp) ||
        snprintf(old, sizeof(old), "%s-", path) >= (int)sizeof(old) ||
        snprintf(oldtmp, sizeof(oldtmp), "%s-+", path) >= (int)sizeof(oldtmp)) {
        errno = ENAMETOOLONG;
        return fail(o, "naming the temporary file");
    }

    /* 1. The new version, complete and durable before anything points at it. */
    if (unlink(tmp) < 0 && errno != ENOENT)
        return fail(o, "removing a leftover temporary file");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return fail(o, "creating the temporary file");
    if (fchown(fd, o->uid, o->gid) < 0 || fchmod(fd, o->mode) < 0 ||
        write_all(fd, iov, iovcnt) < 0 || fsync(fd) < 0) {
        int rc = fail(o, "writing the temporary file");
        close(fd);
        unlink(tmp);
        return rc;
    }
    if (close(fd) < 0) {
        int rc = fail(o, "writing the temporary file");
        unlink(tmp);
        return rc;
    }

    int rc;
    /* 2. The old version becomes the backup by a second name, swapped in
     *    whole. ENOENT: there is no old version to keep. */
    if (o->backup) {
        if (unlink(oldtmp) < 0 && errno != ENOENT)
            goto backup_failed;
        if (link(path, oldtmp) == 0) {
            if (rename(oldtmp, old) < 0)
                goto backup_failed;
        } else if (errno != ENOENT) {
            goto backup_failed;
        }
    }

    /* 3. The switch, then make the directory entry durable. */
    if (rename(tmp, path) < 0) {
        rc = fail(o, "renaming the temporary file over the file");
        unlink(tmp);
        return rc;
    }
    int dfd = open_parent(path);
    if (dfd < 0)
        return fail(o, "opening the directory to sync it");
    rc = fsync(dfd) < 0 ? fail(o, "syncing the directory") : 0;
    close(dfd);
    return rc;

backup_failed:
    rc = fail(o, "keeping the old version as the backup");
    unlink(oldtmp);
    unlink(tmp);
    return rc;
}
