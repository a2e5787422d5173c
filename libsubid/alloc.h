/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a new subordinate range may go: pure functions over plain data.
 *
 * Rules (subid-add(8)):
 *  - a new range never overlaps a range any owner already has;
 *  - it never contains the id of an existing account (uid for subuid, gid
 *    for subgid), nor any id up to ACCT_MAX (UID_MAX), where system and
 *    regular accounts get theirs: a subordinate id that is also an account's
 *    id lets the range's owner act as that account inside a namespace
 *    (CVE-2024-56433);
 *  - it lies inside the pool [MIN, MAX].
 */
#ifndef IDGATE_ALLOC_H
#define IDGATE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "logindefs.h"
#include "range.h"
#include "subid_file.h"

enum idg_taken_kind {
    IDG_TAKEN_RANGE,   /* an owner's line in the subid file */
    IDG_TAKEN_ACCOUNT, /* one account's id */
    IDG_TAKEN_POOL,    /* 0..ACCT_MAX: where accounts get their ids */
};

/* One interval no new range may touch, and what it is, for messages. */
struct idg_taken {
    struct idg_range range;
    enum idg_taken_kind kind;
    const char *what; /* as given, caller-owned; idg_taken_build: the account
                         name, NULL for file entries (line says which) */
    uint32_t line;    /* line in the subid file, for IDG_TAKEN_RANGE */
};

struct idg_taken_set {
    struct idg_taken *v;
    size_t n, cap;
    bool sorted; /* kept true while additions arrive in order */
};

int idg_taken_add(struct idg_taken_set *s, struct idg_range r, enum idg_taken_kind kind,
                  const char *what, uint32_t line);
/* Order by start; cheap when the additions were already in order. */
void idg_taken_sort(struct idg_taken_set *s);
void idg_taken_free(struct idg_taken_set *s);

/*
 * Everything a new range must avoid, sorted: every entry of the file (all
 * owners, the one being served too), every account id in accts, and
 * 0..p->acct_max. 0 or -ENOMEM.
 */
int idg_taken_build(struct idg_taken_set *s, const struct idg_subid_file *f,
                    const struct idg_id_list *accts, const struct idg_pool *p);

/* The first taken interval (sorted set) that overlaps r, or NULL. */
const struct idg_taken *idg_taken_conflict(const struct idg_taken_set *s, struct idg_range r);

enum idg_alloc_status {
    IDG_ALLOC_OK,
    IDG_ALLOC_EXHAUSTED,   /* no gap of COUNT ids left in [MIN, MAX] */
    IDG_ALLOC_BELOW_ACCT,  /* deterministic: the uid is below ACCT_MIN */
    IDG_ALLOC_OUTSIDE,     /* deterministic: the slot passes MAX */
    IDG_ALLOC_COLLIDES,    /* deterministic or explicit: *conflict says with what */
    IDG_ALLOC_BAD_REQUEST, /* count 0, or MIN/MAX/COUNT that cannot hold a range */
};

/* First fit: the lowest start in [min, max] whose `count` ids are free. */
enum idg_alloc_status idg_alloc_first_fit(const struct idg_taken_set *s, uint32_t min, uint32_t max,
                                          uint32_t count, struct idg_range *out);

/*
 * Deterministic: start = min + (uid - acct_min) * count, the same on every
 * host of a fleet. Refused, never moved, when it is outside the pool or
 * collides (*conflict set).
 */
enum idg_alloc_status idg_alloc_deterministic(const struct idg_taken_set *s,
                                              const struct idg_pool *p, uint32_t uid,
                                              uint32_t count, struct idg_range *out,
                                              const struct idg_taken **conflict);

#endif
