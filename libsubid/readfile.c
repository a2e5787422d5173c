/* SPDX-License-Identifier: BSD-3-Clause */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int idg_read_small(const char *path, size_t max, char **buf, size_t *len)
{
    /* O_NONBLOCK: a fifo at the path must not hang the reader. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    int e = 0;
    if (fstat(fd, &st) < 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        e = EINVAL;
    else if ((size_t)st.st_size > max)
        e = EFBIG;
    char *b = e ? NULL : malloc(max + 1);
    if (!e && !b)
        e = ENOMEM;
    size_t got = 0;
    while (!e && got <= max) {
        ssize_t r = read(fd, b + got, max + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            e = errno;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!e && got > max)
        e = EFBIG;
    if (e) {
        free(b);
        return -e;
    }
    b[got] = '\0';
    *buf = b;
    *len = got;
    return 0;
}
