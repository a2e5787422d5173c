/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The settings of /etc/login.defs that allocation needs, with shadow's
 * defaults for any that are absent:
 *
 *   SUB_UID_MIN 100000  SUB_UID_MAX 600100000  SUB_UID_COUNT 65536
 *   SUB_GID_MIN 100000  SUB_GID_MAX 600100000  SUB_GID_COUNT 65536
 *   UID_MIN 1000  UID_MAX 60000  GID_MIN 1000  GID_MAX 60000
 *   SUB_UID_DETERMINISTIC no   (SUB_GID_DETERMINISTIC follows it when absent)
 *
 * Lines are "NAME VALUE" separated by blanks; '#' starts a comment. Other
 * names are not ours and are ignored. A value of ours that is not a plain
 * decimal (or yes/no) is an error with its line number: guessing would
 * allocate from the wrong pool. The pool [MIN, MAX] is inclusive.
 */
#ifndef IDGATE_LOGINDEFS_H
#define IDGATE_LOGINDEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idg_pool {
    uint32_t min, max; /* SUB_*ID_MIN, SUB_*ID_MAX: where ranges may lie */
    uint32_t count;    /* SUB_*ID_COUNT: the default size */
    bool deterministic;
    uint32_t acct_min, acct_max; /* UID_MIN..UID_MAX (GID_*): ids accounts get */
};

struct idg_logindefs {
    struct idg_pool pool[2]; /* [0] uids, [1] gids, as enum idg_kind */
};

struct idg_logindefs_error {
    uint32_t line;    /* 0 when the problem is between settings */
    char setting[32]; /* the name at fault; "" when the file itself is */
    const char *why;  /* static text */
};

/* Shadow's defaults. */
void idg_logindefs_default(struct idg_logindefs *d);

/* Parse a login.defs buffer over the defaults. 0, or -EINVAL with *err. */
int idg_logindefs_parse(const char *buf, size_t len, struct idg_logindefs *d,
                        struct idg_logindefs_error *err);

/* Read `path`; a missing file gives the defaults. 0, -EINVAL with *err
 * filled, or another -errno when the file cannot be read. */
int idg_logindefs_load(const char *path, struct idg_logindefs *d, struct idg_logindefs_error *err);

#endif
