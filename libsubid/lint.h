/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules over a whole subid file that subid-add --check and subid-doctor
 * share, so that the linter and the user's diagnosis never disagree:
 *
 *  - two owners must not share ids: lines are swept in start order and
 *    each is compared with the line reaching furthest before it. Two lines
 *    of one account (its name and its uid, or a line inside the account's
 *    own slot of a window) are one owner; two windows are never one;
 *  - a range must not contain an account's id (a uid in subuid, a gid in
 *    subgid): its owner could act as that account inside a namespace
 *    (CVE-2024-56433); nor ids up to UID_MAX (GID_MAX) of login.defs,
 *    where accounts get theirs.
 */
#ifndef IDGATE_LINT_H
#define IDGATE_LINT_H

#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "subid_file.h"

/* The passwd database enumerated once, looked up by name: 100,000 lines
 * must not mean 100,000 lookups. */
struct idg_owner_index {
    struct idg_id_list users;
    const struct idg_id_name **by_name;
};

/* Every account of the passwd database (idg_account_ids). 0, or -ENOMEM. */
int idg_owner_index_load(struct idg_owner_index *x);
/* The same over a list of accounts, which *x takes over (even on error). */
int idg_owner_index_adopt(struct idg_owner_index *x, struct idg_id_list *users);
void idg_owner_index_free(struct idg_owner_index *x);
/* The account of that login name, or NULL. */
const struct idg_id_name *idg_owner_index_name(const struct idg_owner_index *x, const char *name);
/* The uid an owner field names (a login name, else a decimal uid), or -1. */
int64_t idg_owner_index_uid(const struct idg_owner_index *x, const char *owner, size_t len);

/* Do entries a and b belong to one owner (see the rules above)? */
bool idg_lint_same_owner(const struct idg_owner_index *x, const struct idg_entry *a,
                         const struct idg_entry *b);

/* Told about entry e, which shares ids with `other`, an earlier-starting
 * entry of another owner. A return below 0 stops the sweep. */
typedef int (*idg_overlap_fn)(void *arg, const struct idg_file_entry *e,
                              const struct idg_file_entry *other);

/* Sweep f for lines of different owners that share ids. 0, what fn
 * returned below 0, or -ENOMEM. */
int idg_lint_overlaps(const struct idg_subid_file *f, const struct idg_owner_index *x,
                      idg_overlap_fn fn, void *arg);

enum idg_lint_acct {
    IDG_LINT_ACCT_NONE,    /* clear of every account id */
    IDG_LINT_ACCT_ID,      /* contains *hit's id */
    IDG_LINT_ACCT_RESERVED /* overlaps 0..acct_max, where accounts get theirs */
};

/* Does r hold an account's id (accts: uids or gids) or one up to acct_max? */
enum idg_lint_acct idg_lint_account(struct idg_range r, const struct idg_id_list *accts,
                                    uint32_t acct_max, const struct idg_id_name **hit);

#endif
