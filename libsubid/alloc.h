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
#include "readfile.h"
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
    /* idg_taken_build: a file whose entries are in order is read in place,
     * merged with v, rather than copied (100,000 entries). */
    const struct idg_subid_file *file;
    struct idg_taken *hit; /* where a file entry found in conflict is described */
};

int idg_taken_add(struct idg_taken_set *s, struct idg_range r, enum idg_taken_kind kind,
                  const char *what, uint32_t line);
/* Order by start; cheap when the additions were already in order. */
void idg_taken_sort(struct idg_taken_set *s);
void idg_taken_free(struct idg_taken_set *s);

/*
 * Everything a new range must avoid, in order: every entry of the file (all
 * owners, the one being served too), every account id in accts, and
 * 0..p->acct_max. The file must outlive the set. 0 or -ENOMEM.
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

/* First fit: the lowest start in [min, max] whose `count` ids are free;
 * a max above 4294967294 means 4294967294 (4294967295 is no id). */
enum idg_alloc_status idg_alloc_first_fit(const struct idg_taken_set *s, uint32_t min, uint32_t max,
                                          uint32_t count, struct idg_range *out);

/*
 * The same first fit, online: intervals are fed in ascending start order
 * (a file's entries as they are read, without storing them); the intervals
 * of `extra` (sorted, may be NULL) are merged in as the feed passes them.
 */
struct idg_fit {
    const struct idg_taken_set *extra;
    size_t j; /* next of extra */
    uint32_t max, count;
    uint64_t cand; /* the lowest id not yet known to be taken */
    enum idg_alloc_status st;
    bool done;
};

void idg_fit_init(struct idg_fit *fit, const struct idg_taken_set *extra, uint32_t min,
                  uint32_t max, uint32_t count);
void idg_fit_feed(struct idg_fit *fit, struct idg_range t);
enum idg_alloc_status idg_fit_result(struct idg_fit *fit, struct idg_range *out);

/*
 * One pass over a subid file's bytes for an addition, storing no parsed
 * model: the first malformed line, an entry of the owner that already
 * serves the request, the first entry overlapping a wanted range, and the
 * ids every entry takes, for a first fit. Ranges that touch or overlap are
 * kept as one, so a file whose ranges tile (what first-fit allocators make)
 * costs a few intervals, not 8 bytes a line.
 */
struct idg_scan_hit {
    uint32_t lineno;
    size_t off, len; /* the line, without its '\n' */
    struct idg_entry e;
    char *text; /* idg_add_scan_fd: the line, NUL-terminated, e.owner in it;
                   NULL from idg_add_scan, where e.owner is in the buffer */
};

struct idg_add_scan {
    /* in */
    const struct idg_owner *owner;
    bool exact;            /* a given range: want */
    struct idg_range want; /* served only by an equal entry; else: */
    uint32_t count;        /* served by an entry of at least count ids */
    /* out */
    uint32_t bad_line; /* 0: none */
    enum idg_line_status bad;
    bool has, conflict;
    struct idg_scan_hit have, hit; /* have.e.range: the owner's slot, for a window */
    struct idg_range *ranges;      /* the ids taken, as disjoint ranges that do not
                                      touch, ascending by start */
    size_t n_ranges;
    /* the scan's own, between chunks */
    size_t cap_ranges;
    uint32_t lines;
    bool sorted;
};

/* Over buf, the whole file. 0, or -ENOMEM. Free with idg_add_scan_free. */
int idg_add_scan(const char *buf, size_t len, struct idg_add_scan *sc);

/*
 * The same scan over the regular file open at fd, from its start to its
 * end, in chunks of `chunk` bytes (idg_read_chunks): memory does not
 * grow with the file. *rd: what was read. 0; -ENOMEM; -EFBIG over
 * IDG_SUBID_FILE_MAX; -errno of read().
 */
int idg_add_scan_fd(int fd, size_t chunk, struct idg_add_scan *sc, struct idg_chunks_read *rd);

void idg_add_scan_free(struct idg_add_scan *sc);

/* Sort ranges by start, in time linear in n: nearly sorted input (the
 * usual file) by a merge of its few strays, anything else by radix.
 * 0 or -ENOMEM. */
int idg_ranges_sort(struct idg_range *v, size_t n);

/*
 * Deterministic: start = min + (uid - acct_min) * count, the same on every
 * host of a fleet. Refused, never moved, when it is outside the pool or
 * collides (*conflict set). *out is the slot, for messages, also when it is
 * refused as OUTSIDE or COLLIDES; a slot that passes the id space is no
 * range, and *out is then 0+0 (count 0: no entry can equal it).
 */
enum idg_alloc_status idg_alloc_deterministic(const struct idg_taken_set *s,
                                              const struct idg_pool *p, uint32_t uid,
                                              uint32_t count, struct idg_range *out,
                                              const struct idg_taken **conflict);

#endif
