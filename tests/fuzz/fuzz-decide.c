/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential: idg_decide() against a slow model of the rules in decide.h,
 * written from the header alone. The model looks at every id one by one on
 * a small id space (512 ids, either from 0, where host root is, or ending
 * at 4294967294, the last id), so that it is obviously right; the code
 * merges sorted intervals. Both must give the same verdict, reason, extent
 * (and pair), gap, and on allow the same grants.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allotment.h"
#include "decide.h"
#include "range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPACE 512u
#define TOP_BASE (UINT32_C(4294967295) - SPACE)

struct input {
    const uint8_t *p;
    size_t left;
};

static uint32_t take(struct input *in, uint32_t bound)
{
    uint32_t v = 0;
    for (int i = 0; i < 2 && in->left; i++, in->p++, in->left--)
        v = v << 8 | *in->p;
    return bound ? v % bound : v;
}

/* A range in the small space: local start + count <= SPACE. */
static struct idg_range take_range(struct input *in, uint32_t base, uint32_t max_count)
{
    uint32_t start = take(in, SPACE);
    uint32_t room = SPACE - start;
    uint32_t count = 1 + take(in, room < max_count ? room : max_count);
    return (struct idg_range){base + start, count};
}

static bool has(struct idg_range r, uint64_t id)
{
    return id >= r.start && id < (uint64_t)r.start + r.count;
}

static bool ranges_meet(struct idg_range a, struct idg_range b)
{
    for (uint64_t id = a.start; id < (uint64_t)a.start + a.count; id++)
        if (has(b, id))
            return true;
    return false;
}

static bool allotted(const struct idg_allotment *al, size_t n, uint64_t id)
{
    for (size_t k = 0; k < n; k++)
        if (has(al[k].range, id))
            return true;
    return false;
}

/* The rules of decide.h, one at a time, in their order. */
static void model(const struct idg_caller *c, const struct idg_target *t,
                  const struct idg_extent *ext, size_t n, const struct idg_allotment *al,
                  size_t n_al, struct idg_verdict *v, struct idg_grant *g)
{
    *v = (struct idg_verdict){.code = IDG_ALLOW};
    /* 1 */
    if (n == 0) {
        v->code = IDG_DENY_NO_EXTENTS;
        return;
    }
    if (n > 340) {
        v->code = IDG_DENY_TOO_MANY;
        return;
    }
    /* 2, 3, 4 */
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
    if (v->code != IDG_ALLOW)
        return;
    /* 5 */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            struct idg_range ii = {ext[i].inside, ext[i].count};
            struct idg_range ij = {ext[j].inside, ext[j].count};
            struct idg_range oi = {ext[i].outside, ext[i].count};
            struct idg_range oj = {ext[j].outside, ext[j].count};
            if (ranges_meet(ii, ij) || ranges_meet(oi, oj)) {
                v->code = ranges_meet(ii, ij) ? IDG_DENY_INSIDE_OVERLAP : IDG_DENY_OUTSIDE_OVERLAP;
                v->extent = i;
                v->other = j;
                return;
            }
        }
    for (size_t i = 0; i < n; i++)
        if (has((struct idg_range){ext[i].outside, ext[i].count}, 0))
            v->maps_host_root = true;
    /* 6 */
    if (c->uid != 0)
        for (size_t i = 0; i < n; i++)
            if (has((struct idg_range){ext[i].outside, ext[i].count}, 0)) {
                v->code = IDG_DENY_HOST_ROOT;
                v->extent = i;
                return;
            }
    /* 7 */
    for (size_t i = 0; i < n; i++) {
        uint64_t first = ext[i].outside, end = first + ext[i].count;
        bool all = true, none = true;
        for (uint64_t id = first; id < end; id++) {
            if (allotted(al, n_al, id))
                none = false;
            else
                all = false;
        }
        if (all) {
            size_t k = 0;
            while (k < n_al &&
                   !ranges_meet(al[k].range, (struct idg_range){ext[i].outside, ext[i].count}))
                k++;
            g[i] = (struct idg_grant){.own_id = false, .allotment = k};
            v->via_allotment = true;
            continue;
        }
        bool own = false;
        for (size_t k = 0; k < c->n_own; k++)
            if (ext[i].count == 1 && ext[i].outside == c->own[k])
                own = true;
        if (own) {
            g[i] = (struct idg_grant){.own_id = true, .allotment = n_al};
            continue;
        }
        v->code = none ? IDG_DENY_NOT_ALLOTTED : IDG_DENY_PARTLY_ALLOTTED;
        v->extent = i;
        uint64_t gs = first;
        while (allotted(al, n_al, gs))
            gs++;
        uint64_t ge = gs;
        while (ge < end && !allotted(al, n_al, ge))
            ge++;
        v->gap = (struct idg_range){(uint32_t)gs, (uint32_t)(ge - gs)};
        return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    uint32_t flags = take(&in, 0);
    uint32_t base = flags & 1 ? TOP_BASE : 0;
    static const uint32_t uids[] = {0, 1000, 1001, 4294967294u};

    struct idg_caller c = {.uid = uids[flags >> 1 & 3], .gid = (flags >> 3 & 1) ? 1000 : 2000};
    c.n_own = flags >> 4 & 3;
    if (c.n_own > 2)
        c.n_own = 2;
    for (size_t k = 0; k < c.n_own; k++)
        c.own[k] = base + take(&in, SPACE);
    /* Mostly a target that passes rules 2-4, so that 5-7 are reached. */
    uint32_t tf = take(&in, 0);
    bool bad_target = (tf & 7) == 0;
    struct idg_target t = {
        .uid = bad_target && (tf & 8) ? c.uid + 1 : c.uid,
        .gid = bad_target && (tf & 16) ? c.gid + 1 : c.gid,
        .same_ns = bad_target && (tf & 32),
        .child_ns = !(bad_target && (tf & 64)),
        .ns_owner = bad_target && (tf & 128) ? c.uid ^ 1 : c.uid,
        .map_written = bad_target && (tf & 256),
        .ns_hidden = bad_target && (tf & 512),
    };

    uint32_t nb = take(&in, 0);
    size_t n = (nb & 0xff) == 0xff ? 341 : (nb & 0xff) % 12;
    size_t n_al = (nb >> 8) % 10;
    uint32_t max_count = (flags & 64) ? SPACE : 48;

    struct idg_allotments al = {0};
    for (size_t k = 0; k < n_al; k++)
        if (idg_allotments_add(&al, take_range(&in, base, max_count), "fuzz", (uint32_t)k + 1) < 0)
            abort();
    idg_allotments_sort(&al);

    struct idg_extent *ext = calloc(n ? n : 1, sizeof(*ext));
    struct idg_grant *g1 = calloc(n ? n : 1, sizeof(*g1));
    struct idg_grant *g2 = calloc(n ? n : 1, sizeof(*g2));
    if (!ext || !g1 || !g2)
        abort();
    for (size_t i = 0; i < n; i++) {
        struct idg_range o = take_range(&in, base, max_count);
        uint32_t inside = take(&in, SPACE - o.count + 1);
        /* Inside ids live in their own space from 0: it is the namespace's. */
        ext[i] = (struct idg_extent){.inside = inside, .outside = o.start, .count = o.count};
        /* Now and then exactly an own id, which rule 7 accepts alone. */
        if (c.n_own && (take(&in, 0) & 3) == 0)
            ext[i].outside = c.own[i % c.n_own], ext[i].count = 1;
    }

    struct idg_verdict v1, v2;
    idg_decide(&c, &t, ext, n, al.v, al.n, &v1, g1);
    model(&c, &t, ext, n, al.v, al.n, &v2, g2);

    if (v1.code != v2.code || v1.extent != v2.extent || v1.other != v2.other)
        __builtin_trap();
    if (v1.code == IDG_DENY_NOT_ALLOTTED || v1.code == IDG_DENY_PARTLY_ALLOTTED)
        if (v1.gap.start != v2.gap.start || v1.gap.count != v2.gap.count)
            __builtin_trap();
    if (v1.code == IDG_ALLOW) {
        if (v1.via_allotment != v2.via_allotment || v1.maps_host_root != v2.maps_host_root)
            __builtin_trap();
        for (size_t i = 0; i < n; i++)
            if (g1[i].own_id != g2[i].own_id || g1[i].allotment != g2[i].allotment)
                __builtin_trap();
    }
    free(ext);
    free(g1);
    free(g2);
    idg_allotments_free(&al);
    return 0;
}
