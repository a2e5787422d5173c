/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential over the allocator (alloc.h):
 *  - idg_alloc_first_fit() over a sorted taken set, idg_fit fed online (part
 *    of the intervals fed in order, the rest merged from `extra`), and a
 *    brute force over a 4096-id space must give the same status and range.
 *    The space lies either at 0 or at the very end of the ids (its last id
 *    4294967294), where a careless sum wraps.
 *  - idg_ranges_sort() must give the order qsort() gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPACE 4096u
#define TOP_BASE (UINT32_C(4294967295) - SPACE)

struct input {
    const uint8_t *p;
    size_t left;
};

static uint32_t take16(struct input *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 2 && in->left; i++, in->p++, in->left--)
        v = v << 8 | *in->p;
    return v;
}

static uint32_t take32(struct input *in)
{
    return take16(in) << 16 | take16(in);
}

/* The lowest start in [min, max] whose count ids are all free. */
static enum idg_alloc_status brute(const bool *taken, uint32_t min, uint32_t max, uint32_t count,
                                   uint32_t *start)
{
    if (count == 0 || min > max || count - 1 > max - min)
        return IDG_ALLOC_BAD_REQUEST;
    for (uint64_t s = min; s + count - 1 <= max; s++) {
        uint32_t k = 0;
        while (k < count && !taken[s + k])
            k++;
        if (k == count) {
            *start = (uint32_t)s;
            return IDG_ALLOC_OK;
        }
        s += k; /* taken[s + k]: no start up to there can fit */
    }
    return IDG_ALLOC_EXHAUSTED;
}

static int by_start_count(const void *x, const void *y)
{
    const struct idg_range *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->count < b->count ? -1 : a->count > b->count;
}

static void check_sort(struct input *in)
{
    uint32_t mode = take16(in);
    size_t n = in->left / 8;
    struct idg_range *a = malloc((n ? n : 1) * sizeof(*a));
    struct idg_range *b = malloc((n ? n : 1) * sizeof(*b));
    if (!a || !b)
        abort();
    for (size_t i = 0; i < n; i++)
        a[i] = (struct idg_range){take32(in), take32(in)};
    /* Mostly in order with a few strays (the merge path) or not at all
     * (the radix path). */
    if (mode & 1)
        qsort(a, n - n / 16, sizeof(*a), by_start_count);
    memcpy(b, a, n * sizeof(*a));
    if (idg_ranges_sort(a, n) < 0)
        abort();
    qsort(b, n, sizeof(*b), by_start_count);
    for (size_t i = 0; i < n; i++)
        if (a[i].start != b[i].start)
            __builtin_trap();
    /* The same ranges, not only the same starts. */
    qsort(a, n, sizeof(*a), by_start_count);
    if (n && memcmp(a, b, n * sizeof(*a)) != 0)
        __builtin_trap();
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    uint32_t flags = take16(&in);
    if (flags & 0x8000) {
        check_sort(&in);
        return 0;
    }
    uint32_t base = flags & 1 ? TOP_BASE : 0;
    /* min and max as local ids; count may exceed the space (BAD_REQUEST). */
    uint32_t min = base + take16(&in) % SPACE;
    uint32_t max = base + take16(&in) % SPACE;
    uint32_t count = take16(&in) % (SPACE + 64);
    size_t n = take16(&in) % 64;

    static bool taken[(size_t)SPACE];
    memset(taken, 0, sizeof(taken));
    struct idg_taken_set all = {0}, fed = {0}, extra = {0};
    for (size_t i = 0; i < n; i++) {
        uint32_t s = take16(&in) % SPACE;
        uint32_t room = SPACE - s;
        uint32_t c = 1 + take16(&in) % (flags & 2 ? room : (room < 300 ? room : 300));
        struct idg_range r = {base + s, c};
        for (uint32_t k = 0; k < c; k++)
            taken[s + k] = true;
        if (idg_taken_add(&all, r, IDG_TAKEN_RANGE, NULL, 0) < 0 ||
            idg_taken_add((i & 1) ? &fed : &extra, r, IDG_TAKEN_RANGE, NULL, 0) < 0)
            abort();
    }
    idg_taken_sort(&all);
    idg_taken_sort(&fed);
    idg_taken_sort(&extra);
    for (size_t i = 1; i < all.n; i++)
        if (all.v[i].range.start < all.v[i - 1].range.start)
            __builtin_trap();

    struct idg_range r1 = {0}, r2 = {0};
    enum idg_alloc_status s1 = idg_alloc_first_fit(&all, min, max, count, &r1);

    struct idg_fit fit;
    idg_fit_init(&fit, &extra, min, max, count);
    for (size_t i = 0; i < fed.n; i++)
        idg_fit_feed(&fit, fed.v[i].range);
    enum idg_alloc_status s2 = idg_fit_result(&fit, &r2);

    uint32_t local = 0;
    /* brute() works on local ids: shift the bounds back. */
    enum idg_alloc_status s3 = brute(taken, min - base, max - base, count, &local);

    if (s1 != s3 || s2 != s3)
        __builtin_trap();
    if (s3 == IDG_ALLOC_OK) {
        if (r1.start != base + local || r1.count != count || r2.start != r1.start ||
            r2.count != count)
            __builtin_trap();
        if (idg_range_check(r1.start, r1.count) != 0 || idg_taken_conflict(&all, r1))
            __builtin_trap();
    }
    idg_taken_free(&all);
    idg_taken_free(&fed);
    idg_taken_free(&extra);
    return 0;
}
