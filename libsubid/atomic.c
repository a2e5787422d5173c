/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* copy_file_range */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The first len bytes of src, by pread() through a buffer: where
 * copy_file_range() cannot copy between these two files. */
static int copy_by_reading(int src, int fd, off_t at, size_t len)
{
    size_t cap = 128 * 1024;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    int rc = 0;
    while (len && rc == 0) {
        ssize_t got = pread(src, buf, len < cap ? len : cap, at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = ESTALE; /* shorter than it was read */
            rc = -1;
            break;
        }
        struct iovec v = {buf, (size_t)got};
        rc = write_all(fd, &v, 1);
        at += got;
        len -= (size_t)got;
    }
    free(buf);
    return rc;
}

/* Copy len bytes at offset `from` of src to fd. -1 with errno; ESTALE: src
 * is shorter now. */
static int copy_range(int src, int fd, size_t from, size_t len)
{
    off_t at = (off_t)from;
    while (len) {
        ssize_t c = copy_file_range(src, &at, fd, NULL, len, 0);
        if (c < 0 && errno == EINTR)
            continue;
        /* Not between these files, not on this kernel, or refused by a
           seccomp filter (a container's: EPERM or ENOSYS): copy by hand. */
        if (c < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP ||
                      errno == EBADF || errno == EPERM))
            return copy_by_reading(src, fd, at, len);
        if (c < 0)
            return -1;
        if (c == 0) {
            errno = ESTALE;
            return -1;
        }
        len -= (size_t)c;
    }
    return 0;
}

/* Is the file open at fd still what st says: same inode, size, times? */
static bool unchanged(int fd, const struct stat *st)
{
    struct stat now;
    return fstat(fd, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino &&
           now.st_size == st->st_size && now.st_mtim.tv_sec == st->st_mtim.tv_sec &&
           now.st_mtim.tv_nsec == st->st_mtim.tv_nsec && now.st_ctim.tv_sec == st->st_ctim.tv_sec &&
           now.st_ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* The new content: pc[0..n) (none without a source), then iov. -1 with
 * errno; ESTALE: the source changed since it was read. */
static int write_content(int fd, const struct idg_piece *pc, size_t n, const struct iovec *iov,
                         int iovcnt, const struct idg_replace *o)
{
    for (size_t i = 0; i < n; i++) {
        if (pc[i].mem) {
            struct iovec v = {(void *)pc[i].mem, pc[i].len};
            if (write_all(fd, &v, 1) < 0)
                return -1;
        } else if (pc[i].len && copy_range(o->src_fd, fd, pc[i].off, pc[i].len) < 0) {
            return -1;
        }
    }
    if (write_all(fd, iov, iovcnt) < 0)
        return -1;
    if (n && o->src_st && !unchanged(o->src_fd, o->src_st)) {
        errno = ESTALE;
        return -1;
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

static int replace(const char *path, const struct idg_piece *pc, size_t n, const struct iovec *iov,
                   int iovcnt, struct idg_replace *o)
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
        write_content(fd, pc, n, iov, iovcnt, o) < 0 || fsync(fd) < 0) {
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

int idg_replace_filev(const char *path, const struct iovec *iov, int iovcnt, struct idg_replace *o)
{
    return replace(path, NULL, 0, iov, iovcnt, o);
}

int idg_replace_pieces(const char *path, const struct idg_piece *pc, size_t n,
                       struct idg_replace *o)
{
    bool from_src = false;
    for (size_t i = 0; i < n; i++)
        from_src |= pc[i].mem == NULL && pc[i].len;
    if (from_src && !o->src_st) {
        o->step = "copying from the old version";
        return -EBADF;
    }
    return replace(path, pc, n, NULL, 0, o);
}
