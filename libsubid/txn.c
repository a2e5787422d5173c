/* SPDX-License-Identifier: BSD-3-Clause */
#include "txn.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "atomic.h"
#include "lockfile.h"

/* Open without reading: the fd and what it was when opened. */
static int open_stream(struct idg_txn *t, struct idg_file_problem *pb)
{
    t->fd = idg_open_trusted(t->path, 0, pb);
    if (t->fd < 0)
        return pb->why == IDG_TRUST_MISSING ? 0 : -1;
    if (fstat(t->fd, &t->st) < 0) {
        *pb = (struct idg_file_problem){.path = t->path, .why = IDG_TRUST_IO, .err = errno};
        return -1;
    }
    return 0;
}

int idg_txn_open(struct idg_txn *t, const char *path, bool lock, unsigned timeout_ms,
                 struct idg_txn_error *e)
{
    *t = (struct idg_txn){.path = path, .fd = -1};
    *e = (struct idg_txn_error){.why = IDG_TXN_OK};
    if (lock) {
        int rc = idg_filelock_acquire(path, timeout_ms, &e->holder);
        if (rc < 0) {
            e->why = rc == -EBUSY ? IDG_TXN_BUSY : rc == -EINVAL ? IDG_TXN_BAD_LOCK : IDG_TXN_LOCK;
            e->err = -rc;
            return -1;
        }
        t->locked = true;
    }
    int rc = open_stream(t, &e->pb);
    if (rc < 0) {
        e->why = IDG_TXN_UNTRUSTED; /* pb says why, a failed fstat too */
        idg_txn_close(t);
        return -1;
    }
    return 0;
}

int idg_txn_write(struct idg_txn *t, const struct idg_chunks_read *rd, const struct idg_cut *cuts,
                  size_t n, const char *append, size_t append_len, struct idg_txn_error *e)
{
    struct idg_piece *pc = reallocarray(NULL, 3 * n + 3, sizeof(*pc));
    if (!pc) {
        *e = (struct idg_txn_error){.why = IDG_TXN_WRITE, .err = ENOMEM, .step = "planning"};
        return -1;
    }
    size_t k = idg_rewrite_pieces(cuts, n, rd->len, rd->open_line, append, append_len, pc);
    struct idg_replace rep = {.uid = 0,
                              .gid = 0,
                              .mode = 0644,
                              .backup = true,
                              .src_fd = t->fd,
                              .src_st = t->fd >= 0 ? &t->st : NULL};
    int rc = idg_replace_pieces(t->path, pc, k, &rep);
    free(pc);
    if (rc == -ESTALE) /* the source changed: nothing was replaced */
        *e = (struct idg_txn_error){.why = IDG_TXN_CHANGED};
    else if (rc < 0)
        *e = (struct idg_txn_error){.why = IDG_TXN_WRITE, .err = -rc, .step = rep.step};
    return rc < 0 ? -1 : 0;
}

void idg_txn_close(struct idg_txn *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    if (t->locked)
        idg_filelock_release(t->path);
    t->locked = false;
}
