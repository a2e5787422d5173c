/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replace a file so that, whatever moment the writer dies at (SIGKILL,
 * power loss), the file is the old version or the new one, never a mix:
 *
 *  1. write the new content to <path>+ (created anew: a leftover of a
 *     killed run is removed first, never followed), set owner and mode,
 *     fsync;
 *  2. keep the old version as <path>-, by a hard link made beside it and
 *     renamed into place (no copy, never half written);
 *  3. rename <path>+ over <path>, then fsync the directory so the rename
 *     itself is durable.
 *
 * The caller holds the file's lock (lockfile.h).
 */
#ifndef IDGATE_ATOMIC_H
#define IDGATE_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

/* One piece of a new version: len bytes at mem or, with mem NULL, the len
 * bytes at offset off of the source file (idg_replace's src_fd). */
struct idg_piece {
    const char *mem;
    size_t off, len;
};

struct idg_replace {
    uid_t uid;
    gid_t gid;
    mode_t mode;
    bool backup; /* keep <path>- (when there is an old version) */
    /* idg_replace_pieces: the file the pieces without mem come from, copied
     * by the kernel where it can; it must still be as src_st describes it
     * once they are copied. */
    int src_fd;
    const struct stat *src_st;
    const char *step; /* out: which step failed, for the message; -ESTALE:
                         the source changed, nothing was replaced */
};

/* 0, or -errno with o->step naming what failed. */
int idg_replace_file(const char *path, const char *data, size_t len, struct idg_replace *o);

/* The same with the content in pieces (no copy to join them). */
int idg_replace_filev(const char *path, const struct iovec *iov, int iovcnt, struct idg_replace *o);

/* The same with pieces that may come from the source file. */
int idg_replace_pieces(const char *path, const struct idg_piece *pc, size_t n,
                       struct idg_replace *o);

#endif
