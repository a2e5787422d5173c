/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a file whole: login.defs, nsswitch.conf, a subid file to edit. */
#ifndef IDGATE_READFILE_H
#define IDGATE_READFILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read the regular file open at fd, at most `max` bytes, into a malloc'ed
 * *buf (NUL-terminated, *len without the NUL). The buffer is sized from
 * fstat and grows if the file grew meanwhile. 0; -EINVAL when not a regular
 * file; -EFBIG over max; -errno. fd stays open.
 */
int idg_read_fd(int fd, size_t max, char **buf, size_t *len);

/* The same by path (O_NOCTTY|O_NONBLOCK: a fifo must not hang the reader);
 * -ENOENT when it does not exist. */
int idg_read_small(const char *path, size_t max, char **buf, size_t *len);

/* Write all len bytes to fd (a pipe to a parent), retrying on EINTR and
 * short writes. False on any error. */
bool idg_write_all(int fd, const void *buf, size_t len);

/* Fault in a large fresh allocation at once (a page fault per 4 KiB page
 * costs microseconds in a VM); for the arrays built from what was read. */
void idg_prefault(void *p, size_t len);

/* Ask for transparent huge pages over a large allocation that is touched
 * only in part (each one then costs one fault per 2 MiB). */
void idg_hugepage_hint(void *p, size_t len);

#endif
