/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * subid-add: the administrator's allocator of subordinate id ranges.
 * main.c reads the options; edit.c adds and removes under shadow's locks;
 * check.c lints. The rules themselves live in libsubid.
 */
#ifndef IDGATE_SUBID_ADD_H
#define IDGATE_SUBID_ADD_H

#include <stdbool.h>
#include <stdint.h>

#include "logindefs.h"
#include "range.h"
#include "subid_file.h"

/* How long to wait for shadow's locks, as lckpwdf(3) does. */
#define SA_LOCK_TIMEOUT_MS 15000

struct sa_opts {
    const char *user;
    uint32_t count; /* 0: the pool's SUB_*ID_COUNT */
    struct idg_range range;
    bool range_set;
    bool kind[2]; /* [IDG_KIND_UID], [IDG_KIND_GID] */
    bool remove, dry_run, deterministic;
    struct idg_range window; /* --window FIRST-LAST, as a range of uids */
    bool window_set;
    uint32_t start; /* --start: the window's first id */
};

/* Each returns the exit status. */
int sa_edit(const struct sa_opts *o, const struct idg_logindefs *defs);
int sa_check(const struct idg_logindefs *defs);

/* For messages: "uid"/"gid", the file, and login.defs' setting prefixes. */
const char *sa_kind_word(int kind);
const char *sa_kind_path(int kind);
const char *sa_kind_sub(int kind);  /* "SUB_UID" */
const char *sa_kind_acct(int kind); /* "UID" */

/* "alice's 100000-165535 (/etc/subuid:3)" for the entry on line `line`;
 * without the parenthesis when path is NULL. */
void sa_describe(char *buf, size_t len, const struct idg_entry *e, const char *path, uint32_t line);

#endif
