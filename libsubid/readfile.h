/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a small configuration file whole (login.defs, nsswitch.conf). */
#ifndef IDGATE_READFILE_H
#define IDGATE_READFILE_H

#include <stddef.h>

/*
 * Read the regular file at `path`, at most `max` bytes, into a malloc'ed
 * *buf (NUL-terminated, *len without the NUL). 0; -ENOENT when it does not
 * exist; -EINVAL when not a regular file; -EFBIG over max; -errno.
 */
int idg_read_small(const char *path, size_t max, char **buf, size_t *len);

#endif
