/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One edit of a subid file, as subid-add and subid_grant/ungrant make it:
 * lock (shadow's <file>.lock), open and scan, then replace atomically with a
 * backup, then unlock. The caller holds the .pwd.lock (lockfile.h) around all of it
 * and writes messages from the error this returns.
 */
#ifndef IDGATE_TXN_H
#define IDGATE_TXN_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "subid_file.h"
#include "trust.h"

enum idg_txn_fail {
    IDG_TXN_OK,
    IDG_TXN_BUSY,      /* locked by a live process: holder */
    IDG_TXN_BAD_LOCK,  /* <file>.lock holds no pid */
    IDG_TXN_LOCK,      /* cannot lock: err */
    IDG_TXN_UNTRUSTED, /* the file fails the trust rules: pb */
    IDG_TXN_WRITE,     /* cannot replace: err, step */
    IDG_TXN_CHANGED,   /* the file changed after it was read (a writer
                          that ignores the lock): nothing was replaced */
};

struct idg_txn_error {
    enum idg_txn_fail why;
    int err;
    pid_t holder;
    struct idg_file_problem pb;
    const char *step;
};

struct idg_txn {
    const char *path;
    bool locked;
    int fd;         /* the file, open for the caller's scan; -1 if missing,
                       which the chunked readers read as empty */
    struct stat st; /* ... as it was when opened */
};

/*
 * Lock `path` (unless lock is false: a dry run) and open it, trusted
 * (trust.h), without reading: the caller's scan reads it in chunks
 * (readfile.h), so memory does not grow with the file. 0, or -1 with *e
 * filled.
 */
int idg_txn_open(struct idg_txn *t, const char *path, bool lock, unsigned timeout_ms,
                 struct idg_txn_error *e);

/*
 * Replace the file with its new version: the file as the caller's scan read
 * it (*rd) but the cut lines, then `append` (idg_rewrite_pieces), the old
 * bytes copied from the open file, which must not have changed since it
 * was opened: else IDG_TXN_CHANGED and the file is left as it is. Mode
 * 0644, root:root, backup <path>-. 0, or -1 with *e filled.
 */
int idg_txn_write(struct idg_txn *t, const struct idg_chunks_read *rd, const struct idg_cut *cuts,
                  size_t n, const char *append, size_t append_len, struct idg_txn_error *e);

/* Unlock and free. */
void idg_txn_close(struct idg_txn *t);

#endif
