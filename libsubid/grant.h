/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a new range goes in one subid file, decided over the file's bytes:
 * the one decision behind subid-add and subid_grant_*_range(). Pure: the
 * caller reads the file under its lock, gathers the account ids, writes.
 *
 * Rules (alloc.h): never over any owner's range, an account's id, or the
 * ids up to UID_MAX; a file with a malformed line is not added to; an
 * entry of the owner that already serves the request is the answer.
 */
#ifndef IDGATE_GRANT_H
#define IDGATE_GRANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "alloc.h"
#include "logindefs.h"

enum idg_grant_mode {
    IDG_GRANT_FIRST_FIT,     /* the lowest free run in [min, max] */
    IDG_GRANT_EXACT,         /* exactly `want` */
    IDG_GRANT_DETERMINISTIC, /* pool->min + (uid - pool->acct_min) * count */
};

struct idg_grant_req {
    const struct idg_owner *owner; /* whose lines count as theirs */
    const char *name;              /* the owner field of a new line */
    bool has_uid;                  /* the owner is an account, uid its uid: */
    uint32_t uid;                  /* written instead when name cannot be */
    enum idg_grant_mode mode;
    struct idg_range want;       /* EXACT */
    uint32_t count;              /* FIRST_FIT, DETERMINISTIC */
    uint32_t min, max;           /* FIRST_FIT */
    bool reuse;                  /* an owned entry of >= count ids answers */
    const struct idg_pool *pool; /* DETERMINISTIC; acct_max for every mode */
    bool decide_only;            /* no new line: the caller writes its own
                                    (a window line, whose COUNT is not got's) */
};

struct idg_grant_res {
    enum idg_alloc_status st; /* OK: reused, or line[] is the new line;
                                 BAD_REQUEST with line_len < 0: the owner
                                 cannot be written as a line's owner */
    uint32_t bad_line;        /* non-zero: a malformed line; nothing decided */
    enum idg_line_status bad;
    bool reused;
    struct idg_scan_hit have; /* the entry reused */
    struct idg_range got;     /* the range given, or refused (COLLIDES/OUTSIDE;
                                 count 0: the slot passes the id space) */
    bool conflict_taken;      /* COLLIDES with an account or reserved ids: */
    struct idg_taken conflict;
    struct idg_scan_hit hit; /* COLLIDES with this entry otherwise */
    char line[IDG_NAME_MAX + 32];
    int line_len;
};

/*
 * Decide over buf (the whole file). `accts`: account ids (uids for subuid,
 * gids for subgid). 0, or -ENOMEM.
 */
int idg_grant_plan(const char *buf, size_t len, const struct idg_id_list *accts,
                   const struct idg_grant_req *rq, struct idg_grant_res *res);

/*
 * The same over the file open at fd, read in chunks (idg_add_scan_fd): *rd
 * says how much was read. 0, -ENOMEM, -EFBIG or a read error. The entries
 * in res->have and res->hit then own a copy of their line: free them with
 * idg_grant_res_free (harmless after idg_grant_plan too).
 */
int idg_grant_plan_fd(int fd, struct idg_chunks_read *rd, const struct idg_id_list *accts,
                      const struct idg_grant_req *rq, struct idg_grant_res *res);

void idg_grant_res_free(struct idg_grant_res *res);

#endif
