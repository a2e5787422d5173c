/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "mapwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int idg_write_setgroups_deny(const struct idg_target_fd *t, char *err, size_t errlen)
{
    int dir = idg_target_write_dir(t);
    int fd = dir < 0 ? -1 : openat(dir, "setgroups", O_WRONLY | O_CLOEXEC);
    if (dir >= 0) {
        int e = errno;
        close(dir);
        errno = e;
    }
    if (fd < 0 || write(fd, "deny", 4) != 4) {
        snprintf(err, errlen, "cannot write 'deny' to setgroups of process %u: %s", t->pid,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* After a refused write: say why in words the user can act on. */
static void explain_failure(const struct idg_target_fd *t, enum idg_kind k, int e, char *err,
                            size_t errlen)
{
    const char *file = idg_map_file(k);
    char c;
    int fd = openat(t->proc, file, O_RDONLY | O_CLOEXEC);
    bool written = fd >= 0 && read(fd, &c, 1) == 1;
    if (fd >= 0)
        close(fd);
    if (e == ESRCH || (fd < 0 && errno == ESRCH) || !idg_target_alive(t))
        idg_target_exited_msg(t, k, err, errlen);
    else if (written)
        snprintf(err, errlen,
                 "%s of process %u was already written (the kernel allows one write); "
                 "another program wrote it first",
                 file, t->pid);
    else
        snprintf(err, errlen, "the kernel refused to write %s of process %u: %s", file, t->pid,
                 strerror(e));
}

int idg_write_map(const struct idg_target_fd *t, enum idg_kind k, const struct idg_posture *p,
                  const char *text, size_t len, char *err, size_t errlen)
{
    int dir = idg_target_write_dir(t);
    if (dir < 0) {
        explain_failure(t, k, errno, err, errlen);
        return -1;
    }
    if (idg_cap_effective(p, true) < 0) {
        snprintf(err, errlen, "cannot raise the capability to write %s: %s", idg_map_file(k),
                 strerror(errno));
        close(dir);
        return -1;
    }
    int e = 0;
    int fd = openat(dir, idg_map_file(k), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        e = errno;
    } else {
        ssize_t w = write(fd, text, len);
        if (w < 0)
            e = errno;
        else if ((size_t)w != len)
            e = EIO; /* the kernel takes a map whole or not at all */
    }
    int lowered = idg_cap_effective(p, false);
    if (fd >= 0)
        close(fd);
    close(dir);
    if (lowered < 0) {
        snprintf(err, errlen, "cannot lower the capability after the write: %s",
                 strerror(-lowered));
        return -1;
    }
    if (e != 0) {
        explain_failure(t, k, e, err, errlen);
        return -1;
    }
    return 0;
}
