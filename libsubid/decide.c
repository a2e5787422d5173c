/* SPDX-License-Identifier: BSD-3-Clause */
#include "decide.h"

bool idg_covered(const struct idg_allotment *allot, size_t n, struct idg_range want,
                 struct idg_range *gap, size_t *first)
{
    /* 64-bit cursor: the last id + 1 may be 4294967295 + 1 in the arithmetic. */
    uint64_t cur = want.start;
    const uint64_t last = idg_range_last(want);
    *first = n;
    for (size_t i = 0; i < n && cur <= last; i++) {
        struct idg_range r = allot[i].range;
        uint64_t r_last = idg_range_last(r);
        if (r_last < cur)
            continue;
        if (r.start > cur)
            break; /* sorted: nothing later starts at or before cur */
        if (*first == n)
            *first = i;
        cur = r_last + 1;
    }
    if (cur > last)
        return true;
    for (size_t i = 0; i < n && *first == n; i++)
        if (idg_range_overlaps(allot[i].range, want))
            *first = i; /* the gap came before any allotment was used */
    uint64_t gap_last = last;
    for (size_t i = 0; i < n; i++)
        if (allot[i].range.start > cur && allot[i].range.start - 1 < gap_last)
            gap_last = allot[i].range.start - 1;
    gap->start = (uint32_t)cur;
    gap->count = (uint32_t)(gap_last - cur + 1);
    return false;
}

bool idg_maps_host_root(const struct idg_extent *ext, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (idg_range_has(idg_extent_outside(ext[i]), 0))
            return true;
    return false;
}

static bool check_target(const struct idg_caller *c, const struct idg_target *t,
                         struct idg_verdict *v)
{
    if (t->uid != c->uid)
        v->code = IDG_DENY_TARGET_UID;
    else if (t->gid != c->gid)
        v->code = IDG_DENY_TARGET_GID;
    else if (t->ns_hidden)
        v->code = IDG_DENY_NS_OWNER;
    else if (t->same_ns)
        v->code = IDG_DENY_SAME_NS;
    else if (!t->child_ns)
        v->code = IDG_DENY_NOT_CHILD;
    else if (t->ns_owner != c->uid)
        v->code = IDG_DENY_NS_OWNER;
    else if (t->map_written)
        v->code = IDG_DENY_MAP_WRITTEN;
    return v->code == IDG_ALLOW;
}

static bool check_overlaps(const struct idg_extent *ext, size_t n, struct idg_verdict *v)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            enum idg_code code = IDG_ALLOW;
            if (idg_range_overlaps(idg_extent_inside(ext[i]), idg_extent_inside(ext[j])))
                code = IDG_DENY_INSIDE_OVERLAP;
            else if (idg_range_overlaps(idg_extent_outside(ext[i]), idg_extent_outside(ext[j])))
                code = IDG_DENY_OUTSIDE_OVERLAP;
            if (code != IDG_ALLOW) {
                v->code = code;
                v->extent = i;
                v->other = j;
                return false;
            }
        }
    return true;
}

static bool is_own(const struct idg_caller *c, struct idg_extent e)
{
    for (size_t i = 0; i < c->n_own; i++)
        if (e.count == 1 && e.outside == c->own[i])
            return true;
    return false;
}

void idg_decide(const struct idg_caller *caller, const struct idg_target *target,
                const struct idg_extent *ext, size_t n, const struct idg_allotment *allot,
                size_t n_allot, struct idg_verdict *v, struct idg_grant *grants)
{
    *v = (struct idg_verdict){.code = IDG_ALLOW};
    if (n == 0) {
        v->code = IDG_DENY_NO_EXTENTS;
        return;
    }
    if (n > IDG_MAX_EXTENTS) {
        v->code = IDG_DENY_TOO_MANY;
        return;
    }
    if (!check_target(caller, target, v) || !check_overlaps(ext, n, v))
        return;
    v->maps_host_root = idg_maps_host_root(ext, n);

    /* Rule 6 over every extent before rule 7 over any. */
    for (size_t i = 0; i < n && caller->uid != 0; i++)
        if (idg_range_has(idg_extent_outside(ext[i]), 0)) {
            v->code = IDG_DENY_HOST_ROOT;
            v->extent = i;
            return;
        }

    for (size_t i = 0; i < n; i++) {
        struct idg_range out = idg_extent_outside(ext[i]);
        v->extent = i;
        size_t first;
        /* Allotments first, as shadow: a granted allotment keeps setgroups. */
        if (idg_covered(allot, n_allot, out, &v->gap, &first)) {
            v->via_allotment = true;
            if (grants)
                grants[i] = (struct idg_grant){.own_id = false, .allotment = first};
        } else if (is_own(caller, ext[i])) {
            if (grants)
                grants[i] = (struct idg_grant){.own_id = true, .allotment = n_allot};
        } else {
            v->code = v->gap.start == out.start && v->gap.count == out.count
                          ? IDG_DENY_NOT_ALLOTTED
                          : IDG_DENY_PARTLY_ALLOTTED;
            return;
        }
    }
    v->gap = (struct idg_range){0, 0};
    v->extent = 0;
}
