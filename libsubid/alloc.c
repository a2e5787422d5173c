/* SPDX-License-Identifier: BSD-3-Clause */
#include "alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "number.h"
#include "readfile.h"

int idg_taken_add(struct idg_taken_set *s, struct idg_range r, enum idg_taken_kind kind,
                  const char *what, uint32_t line)
{
    struct idg_taken *v = idg_grow(s->v, s->n, &s->cap, sizeof(*v));
    if (!v)
        return -ENOMEM;
    s->v = v;
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
    if (f->sorted) {
        s->file = f;
        s->hit = malloc(sizeof(*s->hit));
        if (!s->hit)
            rc = -ENOMEM;
    }
    for (size_t i = 0; rc == 0 && !s->file && i < f->n; i++)
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
    free(s->hit);
    *s = (struct idg_taken_set){0};
}

/* The set's own intervals and its file's entries, merged in start order. */
struct cursor {
    const struct idg_taken_set *s;
    size_t i, j; /* next of s->v, next of s->file->v */
};

static bool cursor_next(struct cursor *c, struct idg_range *r, const struct idg_taken **t,
                        size_t *file_index)
{
    const struct idg_subid_file *f = c->s->file;
    bool have_v = c->i < c->s->n, have_f = f && c->j < f->n;
    if (!have_v && !have_f)
        return false;
    if (have_f && (!have_v || f->v[c->j].e.range.start < c->s->v[c->i].range.start)) {
        *t = NULL;
        *file_index = c->j;
        *r = f->v[c->j++].e.range;
    } else {
        *t = &c->s->v[c->i++];
        *r = (*t)->range;
    }
    return true;
}

const struct idg_taken *idg_taken_conflict(const struct idg_taken_set *s, struct idg_range r)
{
    /* Intervals may nest (an account id inside an owner's range), so their
     * ends are not in order: test every one that starts by r's last id. */
    struct cursor c = {.s = s};
    struct idg_range t;
    const struct idg_taken *tk;
    size_t fi = 0;
    uint32_t last = idg_range_last(r);
    while (cursor_next(&c, &t, &tk, &fi) && t.start <= last) {
        if (!idg_range_overlaps(t, r))
            continue;
        if (tk)
            return tk;
        *s->hit =
            (struct idg_taken){.range = t, .kind = IDG_TAKEN_RANGE, .line = s->file->v[fi].lineno};
        return s->hit;
    }
    return NULL;
}

void idg_fit_init(struct idg_fit *fit, const struct idg_taken_set *extra, uint32_t min,
                  uint32_t max, uint32_t count)
{
    /* 4294967295 is no id (range.h): no range reaches it, whatever max says. */
    if (max > IDG_ID_MAX)
        max = IDG_ID_MAX;
    *fit = (struct idg_fit){.extra = extra, .max = max, .count = count, .cand = min};
    if (count == 0 || min > max || count - 1 > max - min) {
        fit->st = IDG_ALLOC_BAD_REQUEST;
        fit->done = true;
    }
}

/* The rule, once: the gap before t holds the range, or the candidate moves
 * past t (64 bits: stepping past 4294967294 cannot wrap). */
static void fit_step(struct idg_fit *fit, struct idg_range t)
{
    uint64_t last = idg_range_last(t);
    if (fit->done || last < fit->cand)
        return;
    if (t.start > fit->cand && (uint64_t)t.start - fit->cand >= fit->count) {
        fit->st = IDG_ALLOC_OK;
        fit->done = true;
        return;
    }
    fit->cand = last + 1;
    if (fit->cand + fit->count - 1 > fit->max) {
        fit->st = IDG_ALLOC_EXHAUSTED;
        fit->done = true;
    }
}

void idg_fit_feed(struct idg_fit *fit, struct idg_range t)
{
    const struct idg_taken_set *x = fit->extra;
    while (x && fit->j < x->n && x->v[fit->j].range.start <= t.start)
        fit_step(fit, x->v[fit->j++].range);
    fit_step(fit, t);
}

enum idg_alloc_status idg_fit_result(struct idg_fit *fit, struct idg_range *out)
{
    const struct idg_taken_set *x = fit->extra;
    while (x && fit->j < x->n)
        fit_step(fit, x->v[fit->j++].range);
    if (!fit->done)
        fit->st = fit->cand + fit->count - 1 > fit->max ? IDG_ALLOC_EXHAUSTED : IDG_ALLOC_OK;
    fit->done = true;
    if (fit->st == IDG_ALLOC_OK)
        *out = (struct idg_range){.start = (uint32_t)fit->cand, .count = fit->count};
    return fit->st;
}

enum idg_alloc_status idg_alloc_first_fit(const struct idg_taken_set *s, uint32_t min, uint32_t max,
                                          uint32_t count, struct idg_range *out)
{
    struct idg_fit fit;
    idg_fit_init(&fit, NULL, min, max, count);
    struct cursor c = {.s = s};
    struct idg_range t;
    const struct idg_taken *tk;
    size_t fi;
    while (!fit.done && cursor_next(&c, &t, &tk, &fi))
        idg_fit_feed(&fit, t);
    return idg_fit_result(&fit, out);
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
    if (start + count - 1 > IDG_ID_MAX) {
        /* No range: a placeholder such as 0+count would read as one, and an
         * entry at 0 of that size would pass for the slot (grant.h). */
        *out = (struct idg_range){0, 0};
        return IDG_ALLOC_OUTSIDE;
    }
    *out = (struct idg_range){.start = (uint32_t)start, .count = count};
    if (start + count - 1 > p->max)
        return IDG_ALLOC_OUTSIDE;
    *conflict = idg_taken_conflict(s, *out);
    return *conflict ? IDG_ALLOC_COLLIDES : IDG_ALLOC_OK;
}

static int range_cmp(const void *x, const void *y)
{
    const struct idg_range *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Four stable counting passes over the bytes of start, lowest first. */
static int radix_sort(struct idg_range *v, size_t n)
{
    struct idg_range *tmp = reallocarray(NULL, n, sizeof(*tmp));
    if (!tmp)
        return -ENOMEM;
    struct idg_range *from = v, *to = tmp;
    for (int shift = 0; shift < 32; shift += 8) {
        size_t pos[256] = {0};
        for (size_t i = 0; i < n; i++)
            pos[(from[i].start >> shift) & 0xff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 256; d++) {
            size_t c = pos[d];
            pos[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            to[pos[(from[i].start >> shift) & 0xff]++] = from[i];
        struct idg_range *t = from;
        from = to;
        to = t;
    }
    /* After an even number of passes the result is back in v. */
    free(tmp);
    return 0;
}

int idg_ranges_sort(struct idg_range *v, size_t n)
{
    /*
     * Files are mostly in order, with a few lines out of place (a gap
     * refilled, a line added by hand): keep the ascending run in place,
     * move the strays to the end, sort those and merge from the back.
     * Many strays: sort everything.
     */
    size_t k = 0;
    struct idg_range *strays = NULL;
    size_t m = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        if (k == 0 || v[i].start >= v[k - 1].start) {
            v[k++] = v[i];
            continue;
        }
        struct idg_range *ns = idg_grow(strays, m, &cap, sizeof(*ns));
        if (!ns) {
            free(strays);
            return -ENOMEM;
        }
        strays = ns;
        strays[m++] = v[i];
    }
    if (m)
        memcpy(v + k, strays, m * sizeof(*v));
    free(strays);
    if (m == 0)
        return 0;
    if (m > n / 8)
        return radix_sort(v, n);
    qsort(v + k, m, sizeof(*v), range_cmp);
    size_t a = k, b = n, out = n; /* merge v[0..k) and v[k..n) into v[0..n) */
    struct idg_range *tail = reallocarray(NULL, m, sizeof(*tail));
    if (!tail)
        return radix_sort(v, n);
    memcpy(tail, v + k, m * sizeof(*v));
    b = m;
    while (b > 0) {
        if (a > 0 && v[a - 1].start > tail[b - 1].start)
            v[--out] = v[--a];
        else
            v[--out] = tail[--b];
    }
    free(tail);
    return 0;
}

/* Keep range r as taken: joined to the last kept range when it starts
 * inside or right after it, else appended. 0 or -ENOMEM. Always inline,
 * as add_scan_entry: the add scan's loop without the two calls per line
 * took 16.9 ms instead of 18.4 at 1,000,000 lines (tests/bench/bench-alloc),
 * and the entry the inline parser fills stays in registers; read back from
 * memory as one word right after the parser stored it as two, its range
 * would wait for the stores on every line. */
static inline __attribute__((always_inline)) int keep_range(struct idg_add_scan *sc,
                                                            struct idg_range r)
{
    if (sc->n_ranges) {
        struct idg_range *last = &sc->ranges[sc->n_ranges - 1];
        uint64_t end = (uint64_t)last->start + last->count, r_end = (uint64_t)r.start + r.count;
        if (r.start >= last->start && r.start <= end) {
            if (r_end > end) /* at most 4294967295 - start: a count */
                last->count = (uint32_t)(r_end - last->start);
            return 0;
        }
        if (r.start < last->start)
            sc->sorted = false;
    }
    struct idg_range *v = idg_grow(sc->ranges, sc->n_ranges, &sc->cap_ranges, sizeof(*v));
    if (!v)
        return -ENOMEM;
    sc->ranges = v;
    sc->ranges[sc->n_ranges++] = r;
    return 0;
}

/* One entry of the file for idg_add_scan. */
static inline __attribute__((always_inline)) int add_scan_entry(struct idg_add_scan *sc,
                                                                const struct idg_entry *e,
                                                                uint32_t lineno, size_t off,
                                                                size_t len)
{
    struct idg_range mine;
    /* The owner's line, or their slot of a window: what serves them is
       the slot, while the whole span stays taken for everyone. */
    if (!sc->has && idg_owner_takes(sc->owner, e, &mine) &&
        (sc->exact ? mine.start == sc->want.start && mine.count == sc->want.count
                   : mine.count >= sc->count)) {
        sc->has = true;
        sc->have = (struct idg_scan_hit){lineno, off, len, *e, NULL};
        sc->have.e.range = mine;
    }
    if (sc->exact && !sc->conflict && idg_range_overlaps(e->range, sc->want)) {
        sc->conflict = true;
        sc->hit = (struct idg_scan_hit){lineno, off, len, *e, NULL};
    }
    return keep_range(sc, e->range);
}

static void add_scan_begin(struct idg_add_scan *sc)
{
    sc->ranges = NULL;
    sc->n_ranges = sc->cap_ranges = 0;
    sc->bad_line = 0; /* every out field is this call's answer */
    sc->has = sc->conflict = false;
    sc->have.text = sc->hit.text = NULL;
    sc->lines = 0;
    sc->sorted = true;
}

/* The lines of buf, whole (the last may lack its '\n'), which start at
 * byte `base` of the file. */
static int add_scan_lines(struct idg_add_scan *sc, const char *buf, size_t len, size_t base)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        uint32_t lineno = ++sc->lines;
        struct idg_entry e;
        const char *eol;
        /* Most lines are plain entries, read in one pass; the parser
           judges the rest (comments, windows, malformed lines). */
        if (idg_parse_plain(p, end, &e, &eol)) {
            if (add_scan_entry(sc, &e, lineno, base + (size_t)(p - buf), (size_t)(eol - p)) < 0)
                return -ENOMEM;
            p = eol < end ? eol + 1 : end;
            continue;
        }
        eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        enum idg_line_status st = idg_parse_line(p, (size_t)(eol - p), &e);
        if (st == IDG_LINE_ENTRY) {
            if (add_scan_entry(sc, &e, lineno, base + (size_t)(p - buf), (size_t)(eol - p)) < 0)
                return -ENOMEM;
        } else if (st != IDG_LINE_COMMENT && !sc->bad_line) {
            sc->bad_line = lineno;
            sc->bad = st;
        }
        p = eol < end ? eol + 1 : end; /* never past end: a last line may lack its '\n' */
    }
    return 0;
}

/* Ranges that came out of order: sort them, then join what touches. */
static int add_scan_end(struct idg_add_scan *sc)
{
    if (sc->sorted)
        return 0;
    int rc = idg_ranges_sort(sc->ranges, sc->n_ranges);
    if (rc < 0)
        return rc;
    size_t n = sc->n_ranges;
    sc->n_ranges = 0;
    sc->sorted = true;
    for (size_t i = 0; i < n; i++)
        keep_range(sc, sc->ranges[i]); /* in place: never appends past i */
    return 0;
}

void idg_add_scan_free(struct idg_add_scan *sc)
{
    free(sc->ranges);
    free(sc->have.text);
    free(sc->hit.text);
    sc->ranges = NULL;
    sc->have.text = sc->hit.text = NULL;
}

int idg_add_scan(const char *buf, size_t len, struct idg_add_scan *sc)
{
    add_scan_begin(sc);
    int rc = add_scan_lines(sc, buf, len, 0);
    if (rc == 0)
        rc = add_scan_end(sc);
    if (rc < 0)
        idg_add_scan_free(sc);
    return rc;
}

/* A hit found in the chunk at `base` gets its own copy of its line before
 * the chunk is reused. */
static int keep_text(struct idg_scan_hit *h, const char *chunk, size_t base)
{
    h->text = idg_line_keep(chunk + (h->off - base), h->len, &h->e);
    return h->text ? 0 : -ENOMEM;
}

static int add_scan_chunk(void *arg, const char *chunk, size_t len, size_t base)
{
    struct idg_add_scan *sc = arg;
    bool had = sc->has, hit = sc->conflict;
    int rc = add_scan_lines(sc, chunk, len, base);
    if (rc == 0 && sc->has && !had)
        rc = keep_text(&sc->have, chunk, base);
    if (rc == 0 && sc->conflict && !hit)
        rc = keep_text(&sc->hit, chunk, base);
    return rc;
}

int idg_add_scan_fd(int fd, size_t chunk, struct idg_add_scan *sc, struct idg_chunks_read *rd)
{
    add_scan_begin(sc);
    int rc = idg_read_chunks(fd, chunk, IDG_SUBID_FILE_MAX, add_scan_chunk, sc, rd);
    if (rc == 0)
        rc = add_scan_end(sc);
    if (rc < 0)
        idg_add_scan_free(sc);
    return rc;
}
