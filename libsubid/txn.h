/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One edit of a subid file, as subid-add and subid_grant/ungrant make it:
 * lock (shadow's <file>.lock), read, then replace atomically with a backup,
 * then unlock. The caller holds the .pwd.lock (lockfile.h) around all of it
 * and writes messages from the error this returns.
 */
#ifndef IDGATE_TXN_H
#define IDGATE_TXN_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "atomic.h"
#include "subid_file.h"
#include "trust.h"

enum idg_txn_fail {
    IDG_TXN_OK,
    IDG_TXN_BUSY,      /* locked by a live process: holder */
    IDG_TXN_BAD_LOCK,  /* <file>.lock holds no pid */
    IDG_TXN_LOCK,      /* cannot lock: err */
    IDG_TXN_UNTRUSTED, /* the file fails the trust rules: pb */
    IDG_TXN_READ,      /* cannot read: err */
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

/* How idg_txn_open reads the file. */
enum idg_txn_read {
    IDG_TXN_BYTES,  /* into f.buf */
    IDG_TXN_MODEL,  /* into f.buf, parsed: f.v, f.bad */
    IDG_TXN_STREAM, /* not at all: fd stays open for the caller's scan
                       (idg_grant_plan_fd), which reads it in chunks */
};

struct idg_txn {
    const char *path;
    bool locked;
    struct idg_subid_file f; /* the file as read (f.exists in every mode) */
    int fd;                  /* IDG_TXN_STREAM: the file, or -1 if missing */
    struct stat st;          /* ... as it was when opened */
};

/*
 * Lock `path` (unless lock is false: a dry run) and open it, reading it as
 * `how` says. 0, or -1 with *e filled.
 */
int idg_txn_open(struct idg_txn *t, const char *path, bool lock, enum idg_txn_read how,
                 unsigned timeout_ms, struct idg_txn_error *e);

/* Replace the file with iov: mode 0644, root:root, backup <path>-. */
int idg_txn_write(struct idg_txn *t, const struct iovec *iov, int n, struct idg_txn_error *e);

/*
 * IDG_TXN_STREAM: replace the file with pieces (atomic.h), those without
 * mem copied from the open file, which must not have changed since it was
 * opened: else IDG_TXN_CHANGED and the file is left as it is.
 */
int idg_txn_write_pieces(struct idg_txn *t, const struct idg_piece *pc, size_t n,
                         struct idg_txn_error *e);

/* Unlock and free. */
void idg_txn_close(struct idg_txn *t);

#endif
