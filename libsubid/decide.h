/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * May this caller map these extents into that process? One pure function
 * over plain data; everything privileged wraps it.
 *
 * Rules, checked in this order (the first that fails is the reason):
 *  1. 1..340 extents (the kernel's limit since Linux 4.15).
 *  2. The target belongs to the caller: /proc/PID is owned by the caller's
 *     uid and gid (shadow's rule).
 *  3. Its user namespace is a new one (not the caller's), a direct child of
 *     the caller's (the kernel writes maps only from the parent), and owned by
 *     the caller (NS_GET_OWNER_UID). One the kernel will not let the caller
 *     inspect (ns_hidden) is not the caller's: refused as NS_OWNER.
 *  4. Its map was not written yet (the kernel allows one write).
 *  5. No two inside ranges overlap, no two outside ranges overlap (the kernel
 *     refuses those with a bare EINVAL; we name them). Pairs are taken in
 *     index order, (0,1), (0,2)..., (1,2)...; within a pair, inside first.
 *  6. No outside range contains id 0 unless the caller is root: host root
 *     mapped into a user's namespace lets them make setuid-root files.
 *  7. Each outside range is wholly inside the union of the caller's
 *     allotments (adjacent and overlapping allotments join), or is exactly
 *     one of the caller's own ids.
 */
#ifndef IDGATE_DECIDE_H
#define IDGATE_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allotment.h"
#include "range.h"

#define IDG_MAX_EXTENTS 340

enum idg_kind { IDG_KIND_UID, IDG_KIND_GID };

/* One "INSIDE OUTSIDE COUNT" triple; both ranges passed idg_range_check. */
struct idg_extent {
    uint32_t inside, outside, count;
};

static inline struct idg_range idg_extent_inside(struct idg_extent e)
{
    return (struct idg_range){e.inside, e.count};
}
static inline struct idg_range idg_extent_outside(struct idg_extent e)
{
    return (struct idg_range){e.outside, e.count};
}

struct idg_caller {
    uint32_t uid;    /* real uid */
    uint32_t gid;    /* real gid */
    uint32_t own[2]; /* ids mappable as the caller's own (count 1) */
    size_t n_own;
};

struct idg_target {
    uint32_t uid, gid; /* owner of /proc/PID */
    bool same_ns;      /* in the caller's own user namespace */
    bool child_ns;     /* its namespace's parent is the caller's */
    uint32_t ns_owner; /* NS_GET_OWNER_UID of its namespace */
    bool map_written;  /* the map file is not empty */
    bool ns_hidden;    /* the kernel would not show its user namespace, though the
                          process is the caller's and dumpable: the namespace is
                          not theirs (same_ns, child_ns, ns_owner unknown) */
};

enum idg_code {
    IDG_ALLOW,
    IDG_DENY_NO_EXTENTS,
    IDG_DENY_TOO_MANY,
    IDG_DENY_TARGET_UID,
    IDG_DENY_TARGET_GID,
    IDG_DENY_SAME_NS,
    IDG_DENY_NOT_CHILD,
    IDG_DENY_NS_OWNER,
    IDG_DENY_MAP_WRITTEN,
    IDG_DENY_INSIDE_OVERLAP,
    IDG_DENY_OUTSIDE_OVERLAP,
    IDG_DENY_HOST_ROOT,
    IDG_DENY_NOT_ALLOTTED,
    IDG_DENY_PARTLY_ALLOTTED,
};

/* How one extent was granted. */
struct idg_grant {
    bool own_id;      /* the caller's own id */
    size_t allotment; /* else: index of the first allotment it uses */
};

struct idg_verdict {
    enum idg_code code;
    size_t extent;        /* the extent refused, or the first of a pair */
    size_t other;         /* the second extent of an overlapping pair */
    struct idg_range gap; /* PARTLY/NOT_ALLOTTED: first ids not allotted */
    bool via_allotment;   /* some extent used an allotment (setgroups rule) */
    bool maps_host_root;  /* some outside range holds id 0 (CAP_SETFCAP) */
};

/*
 * Decide. `allot` must be sorted (idg_allotments_sort). `grants`, if not
 * NULL, has room for n entries and says how each extent was granted.
 */
void idg_decide(const struct idg_caller *caller, const struct idg_target *target,
                const struct idg_extent *ext, size_t n, const struct idg_allotment *allot,
                size_t n_allot, struct idg_verdict *v, struct idg_grant *grants);

/* Does any outside range hold id 0 (host root)? */
bool idg_maps_host_root(const struct idg_extent *ext, size_t n);

/*
 * Is `want` wholly inside the union of the sorted allotments? If not, *gap is
 * the first run of ids in `want` that none covers. *first is the index of the
 * first allotment that covers part of `want` (n if none).
 */
bool idg_covered(const struct idg_allotment *allot, size_t n, struct idg_range want,
                 struct idg_range *gap, size_t *first);

#endif
