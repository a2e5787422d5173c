/* SPDX-License-Identifier: BSD-3-Clause */
#include "alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int idg_taken_add(struct idg_taken_set *s, struct idg_range r, enum idg_taken_kind kind,
                  const char *what, uint32_t line)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct idg_taken *v = reallocarray(s->v, cap, sizeof(*v));
        if (!v)
            return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    if (s->n == 0)
        s->sorted = true;
    else if (r.start < s->v[s->n - 1].range.start)
        s->sorted = false;
    s->v[s->n++] = (struct idg_taken){.range = r, .kind = kind, .what = what, .line = line};
    return 0;
}

static int by_start(const void *x, const void *y)
{
    const struct idg_taken *a = x, *b = y;
    if (a->range.start != b->range.start)
        return a->range.start < b->range.start ? -1 : 1;
    return 0;
}

void idg_taken_sort(struct idg_taken_set *s)
{
    if (s->sorted || s->n < 2) {
        s->sorted = true;
        return;
    }
    /* Files written by allocators are in order already, and account ids
     * come after them: sort the tail after the ordered head, then merge,
     * rather than sort 100,000 entries that are nearly in place. */
    size_t head = 1;
    while (head < s->n && s->v[head].range.start >= s->v[head - 1].range.start)
        head++;
    size_t tail = s->n - head;
    qsort(s->v + head, tail, sizeof(s->v[0]), by_start);
    struct idg_taken *t = reallocarray(NULL, tail, sizeof(*t));
    if (!t) { /* no memory for the merge: sort in place instead */
        qsort(s->v, s->n, sizeof(s->v[0]), by_start);
        s->sorted = true;
        return;
    }
    memcpy(t, s->v + head, tail * sizeof(*t));
    /* Merge from the back: the head's slots are free to overwrite. */
    size_t i = head, j = tail, k = s->n;
    while (j > 0) {
        if (i > 0 && s->v[i - 1].range.start > t[j - 1].range.start)
            s->v[--k] = s->v[--i];
        else
            s->v[--k] = t[--j];
    }
    free(t);
    s->sorted = true;
}

int idg_taken_build(struct idg_taken_set *s, const struct idg_subid_file *f,
                    const struct idg_id_list *accts, const struct idg_pool *p)
{
    *s = (struct idg_taken_set){0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f->n; i++)
        rc = idg_taken_add(s, f->v[i].e.range, IDG_TAKEN_RANGE, NULL, f->v[i].lineno);
    for (size_t i = 0; rc == 0 && accts && i < accts->n; i++)
        rc = idg_taken_add(s, (struct idg_range){accts->v[i].id, 1}, IDG_TAKEN_ACCOUNT,
                           accts->v[i].name, 0);
    if (rc == 0)
        rc = idg_taken_add(s, (struct idg_range){0, p->acct_max + 1}, IDG_TAKEN_POOL, NULL, 0);
    if (rc < 0) {
        idg_taken_free(s);
        return rc;
    }
    idg_taken_sort(s);
    return 0;
}

void idg_taken_free(struct idg_taken_set *s)
{
    free(s->v);
    *s = (struct idg_taken_set){0};
}

/* The first index whose start is > id (binary search on a sorted set). */
static size_t upper_bound(const struct idg_taken_set *s, uint32_t id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].range.start <= id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct idg_taken *idg_taken_conflict(const struct idg_taken_set *s, struct idg_range r)
{
    /* Intervals may nest (an account id inside an owner's range), so their
     * ends are not in order: test every one that starts by r's last id. */
    size_t top = upper_bound(s, idg_range_last(r));
    for (size_t i = 0; i < top; i++)
        if (idg_range_overlaps(s->v[i].range, r))
            return &s->v[i];
    return NULL;
}

enum idg_alloc_status idg_alloc_first_fit(const struct idg_taken_set *s, uint32_t min, uint32_t max,
                                          uint32_t count, struct idg_range *out)
{
    if (count == 0 || min > max || count - 1 > max - min)
        return IDG_ALLOC_BAD_REQUEST;
    /* cand is the lowest id not yet known to be taken; 64 bits so that
     * stepping past 4294967294 cannot wrap. */
    uint64_t cand = min;
    for (size_t i = 0; i < s->n; i++) {
        struct idg_range t = s->v[i].range;
        uint64_t last = idg_range_last(t);
        if (last < cand)
            continue;
        if (t.start > cand && (uint64_t)t.start - cand >= count)
            break;
        cand = last + 1;
        if (cand + count - 1 > max)
            return IDG_ALLOC_EXHAUSTED;
    }
    if (cand + count - 1 > max)
        return IDG_ALLOC_EXHAUSTED;
    *out = (struct idg_range){.start = (uint32_t)cand, .count = count};
    return IDG_ALLOC_OK;
}

enum idg_alloc_status idg_alloc_deterministic(const struct idg_taken_set *s,
                                              const struct idg_pool *p, uint32_t uid,
                                              uint32_t count, struct idg_range *out,
                                              const struct idg_taken **conflict)
{
    *conflict = NULL;
    if (count == 0 || p->min > p->max || count - 1 > p->max - p->min)
        return IDG_ALLOC_BAD_REQUEST;
    if (uid < p->acct_min)
        return IDG_ALLOC_BELOW_ACCT;
    /* (uid - acct_min) * count < 2^32 * 2^32: fits in 64 bits. */
    uint64_t start = p->min + (uint64_t)(uid - p->acct_min) * count;
    if (start + count - 1 > p->max)
        return IDG_ALLOC_OUTSIDE;
    struct idg_range r = {.start = (uint32_t)start, .count = count};
    *conflict = idg_taken_conflict(s, r);
    if (*conflict)
        return IDG_ALLOC_COLLIDES;
    *out = r;
    return IDG_ALLOC_OK;
}
