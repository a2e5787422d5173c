/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by fuzz-add-scan and fuzz-grant-plan:
 *  - numbers read from the fuzz input, clustered in a window (at 0, around
 *    shadow's pool, or at the end of the id space) so that ranges, account
 *    ids and bounds meet often, with the edge values and any u32 now and then;
 *  - a subid file generated from the input: entries of a few owners,
 *    window lines (FIRST-LAST, valid, ending at 4294967294, one past it,
 *    or malformed), comments, blank lines, malformed lines, raw bytes;
 *  - a slow reading of a subid file written from subid_line.h and number.h
 *    alone (no libsubid code), so that the harnesses compare the code with
 *    a model that shares none of it.
 */
#ifndef IDGATE_FUZZ_SUBID_MODEL_H
#define IDGATE_FUZZ_SUBID_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "subid_line.h"

#define M_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define M_ID_MAX UINT32_C(4294967294)
#define M_SPACE 4096u

struct input {
    const uint8_t *p;
    size_t left;
};

static uint32_t take8(struct input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static uint32_t take16(struct input *in)
{
    uint32_t hi = take8(in);
    return hi << 8 | take8(in);
}

static uint32_t take32(struct input *in)
{
    uint32_t hi = take16(in);
    return hi << 16 | take16(in);
}

/* Where an input's ids cluster. */
static const uint32_t m_bases[] = {0, 99000, UINT32_C(4294967295) - M_SPACE};
static const uint32_t m_ids[] = {0,         1,        999,         1000,        60000,
                                 60001,     65535,    65536,       100000,      165536,
                                 600100000, 1u << 31, 4294901759u, 4294967293u, M_ID_MAX};
static const uint32_t m_counts[] = {1, 2, 1000, 65535, 65536, 100000, 4294967294u, 4294967295u};

struct gen {
    struct input in;
    uint32_t base;
};

/* Any u32 (4294967295 too: the callers clamp or want it). */
static uint32_t gen_id(struct gen *g)
{
    uint32_t v = take16(&g->in);
    switch (v >> 14) {
    case 0:
    case 1:
        return g->base + v % M_SPACE;
    case 2:
        return m_ids[v % M_ARRAY_SIZE(m_ids)];
    default:
        return (v & 0x3fff) << 18 ^ take32(&g->in);
    }
}

/* Mostly small; 0 only as a full u32. */
static uint32_t gen_count(struct gen *g)
{
    uint32_t v = take16(&g->in);
    switch (v >> 14) {
    case 0:
    case 1:
        return 1 + v % 64;
    case 2:
        return 1 + v % M_SPACE;
    default:
        return v & 1 ? m_counts[(v >> 1) % M_ARRAY_SIZE(m_counts)] : take32(&g->in);
    }
}

/* A valid range (range.h): count >= 1, last id at most 4294967294. */
static struct idg_range gen_range(struct gen *g)
{
    uint32_t start = gen_id(g), count = gen_count(g);
    if (start > M_ID_MAX)
        start = M_ID_MAX;
    if (count == 0)
        count = 1;
    if (count > UINT32_C(4294967295) - start)
        count = UINT32_C(4294967295) - start;
    return (struct idg_range){start, count};
}

/* ---- a growing text ---- */

struct text {
    char *p;
    size_t n, cap;
};

static void put(struct text *t, const void *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (!t->p)
            abort();
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

/* ---- the generated file ---- */

static const char *const m_owners[] = {"alice",  "1001",  "bob",  "1002",
                                       "alicex", "10010", "root", "0"};
static const char *const m_bad_lines[] = {
    "alice:010:5", "alice:-1:5", "alice:1:1:1",        " alice:1:1",         "alice:5:0",
    "alice::1",    "alice:1",    "alice:4294967295:1", "alice:4294967294:2", "al ice:1:1",
    ":1:1",        "alice:+1:1", "alice:0x10:1",       "alice:1:4294967296", "alice:1:1 "};

/* Window owners: common shapes, the top of the uid space, malformed ones
 * (a leading zero, FIRST > LAST, a LAST that is no uid). */
static const char *const m_windows[] = {
    "1000-1010", "1001-1001", "0-3",  "999-1002", "4294967290-4294967294",
    "1001-1002", "1002-1063", "05-9", "9-5",      "1-4294967295"};
#define M_WINDOWS_GOOD 7 /* the first ones are FIRST <= LAST of plain uids */

/*
 * A window line: FIRST-LAST from the list or around uid 1000, START and
 * COUNT such that the span is valid, ends exactly at 4294967294, or passes
 * it by one (or anything, now and then). `clean`: valid windows only.
 */
static void gen_window(struct gen *g, bool clean, struct text *t)
{
    uint32_t k = take8(&g->in), how = take8(&g->in);
    char owner[32];
    uint64_t first, last;
    if (k & 1) {
        first = 990 + take8(&g->in) % 80;
        last = first + (k >> 1 & 15) % 9;
        snprintf(owner, sizeof(owner), "%llu-%llu", (unsigned long long)first,
                 (unsigned long long)last);
    } else {
        uint32_t n = clean ? M_WINDOWS_GOOD : M_ARRAY_SIZE(m_windows);
        const char *w = m_windows[(k >> 1) % n];
        snprintf(owner, sizeof(owner), "%s", w);
        first = strtoull(w, NULL, 10);
        last = strtoull(strchr(w, '-') + 1, NULL, 10);
        if (last < first)
            last = first;
    }
    uint64_t n = last - first + 1, count = gen_count(g), start = gen_id(g);
    if (count == 0)
        count = 1;
    if (n * count > 4294967295u) /* the span must fit the id space at all */
        count = 1 + count % (4294967295u / n);
    uint64_t span = n * count;
    uint32_t mode = how % 8;
    if (clean && (mode == 1 || mode == 2))
        mode = 3;
    switch (mode) {
    case 0: /* ends at 4294967294 exactly */
        start = 4294967295u - span;
        break;
    case 1: /* passes it by one */
        start = 4294967296u - span;
        break;
    case 2: /* anything */
        break;
    default: /* valid */
        if (start + span > 4294967295u)
            start = 4294967295u - span;
    }
    if (start > M_ID_MAX) /* 4294967295 is no start */
        start = M_ID_MAX;
    char buf[96];
    int w = snprintf(buf, sizeof(buf), "%s:%llu:%llu", owner, (unsigned long long)start,
                     (unsigned long long)count);
    put(t, buf, (size_t)w);
}

/*
 * Up to 40 lines; `clean` leaves out malformed lines and raw bytes (a file
 * with one is not added to, so most inputs should have none).
 */
static void gen_file(struct gen *g, bool clean, bool last_nl, struct text *t)
{
    uint32_t lines = take8(&g->in) % 41;
    for (uint32_t l = 0; l < lines; l++) {
        uint32_t k = take8(&g->in);
        uint32_t kind = k % 32;
        if (clean && (kind == 3 || kind == 4))
            kind = 5;
        char buf[64];
        switch (kind) {
        case 0:
            put(t, "# comment", 9);
            break;
        case 1:
            break;
        case 2:
            put(t, " \t\r", 3);
            break;
        case 3: {
            const char *s = m_bad_lines[(k >> 5 ^ take8(&g->in)) % M_ARRAY_SIZE(m_bad_lines)];
            put(t, s, strlen(s));
            break;
        }
        case 4: { /* raw bytes, '\n' included: any line the fuzzer can make */
            uint32_t n = take8(&g->in) % 24;
            if (n > g->in.left)
                n = (uint32_t)g->in.left;
            put(t, g->in.p, n);
            g->in.p += n;
            g->in.left -= n;
            break;
        }
        case 5:
        case 6:
        case 7:
        case 8:
        case 9:
            gen_window(g, clean, t);
            break;
        default: {
            struct idg_range r = gen_range(g);
            int w = snprintf(buf, sizeof(buf), "%s:%u:%u", m_owners[k >> 5], r.start, r.count);
            put(t, buf, (size_t)w);
            break;
        }
        }
        if (l + 1 < lines || last_nl)
            put(t, "\n", 1);
    }
}

/* ---- the model's reading ---- */

static bool m_blank(char c)
{
    /* isspace(3) in the C locale; '\n' ends the line */
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* number.h: base 10, at least one digit, no sign, no leading zero, <= max. */
static bool m_decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

struct m_line {
    uint32_t lineno;
    size_t off, len;
    enum idg_line_status st;
    size_t owner_len;           /* ENTRY: the owner is the line's first bytes */
    uint64_t start, count, end; /* ENTRY: end = start + count, one past the last id;
                                   a window's whole span */
    bool window;                /* owner FIRST-LAST: */
    uint64_t first, last, per;  /* its uids, and the line's COUNT */
};

/* The owner field is a window's: digits, one '-', digits. */
static bool m_window_shape(const char *s, size_t n)
{
    size_t dashes = 0, at = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-') {
            dashes++;
            at = i;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return dashes == 1 && at > 0 && at + 1 < n;
}

/* subid_line.h, in the order its statuses are listed. */
static enum idg_line_status m_classify(const char *s, size_t n, struct m_line *m)
{
    size_t i = 0;
    while (i < n && m_blank(s[i]))
        i++;
    if (i == n || s[i] == '#')
        return IDG_LINE_COMMENT;
    size_t colon[3], nc = 0;
    for (size_t k = 0; k < n; k++)
        if (s[k] == ':' && nc++ < 3)
            colon[nc - 1] = k;
    if (nc != 2)
        return IDG_LINE_BAD_FIELDS;
    if (colon[0] == 0)
        return IDG_LINE_BAD_OWNER;
    for (size_t k = 0; k < colon[0]; k++)
        if ((unsigned char)s[k] <= ' ' || (unsigned char)s[k] == 0x7f)
            return IDG_LINE_BAD_OWNER;
    uint64_t start, count;
    if (!m_decimal(s + colon[0] + 1, colon[1] - colon[0] - 1, M_ID_MAX, &start))
        return IDG_LINE_BAD_START;
    if (!m_decimal(s + colon[1] + 1, n - colon[1] - 1, 4294967295u, &count) || count == 0)
        return IDG_LINE_BAD_COUNT;
    if (start + count > 4294967295u)
        return IDG_LINE_BAD_RANGE;
    m->owner_len = colon[0];
    m->start = start;
    m->count = count;
    m->end = start + count;
    m->window = false;
    if (!m_window_shape(s, colon[0]))
        return IDG_LINE_ENTRY;
    /* FIRST-LAST: plain uids (4294967295 is none), FIRST <= LAST. */
    const char *dash = memchr(s, '-', colon[0]);
    size_t dl = (size_t)(dash - s);
    uint64_t first, last;
    if (!m_decimal(s, dl, M_ID_MAX, &first) ||
        !m_decimal(dash + 1, colon[0] - dl - 1, M_ID_MAX, &last) || first > last)
        return IDG_LINE_BAD_WINDOW;
    /* The span, (LAST - FIRST + 1) * COUNT ids from START, ends by 4294967294. */
    uint64_t span = (last - first + 1) * count;
    if (start + span - 1 > M_ID_MAX)
        return IDG_LINE_BAD_SPAN;
    m->window = true;
    m->first = first;
    m->last = last;
    m->per = count;
    m->count = span;
    m->end = start + span;
    return IDG_LINE_ENTRY;
}

struct m_file {
    struct m_line *v; /* entries only */
    size_t n;
    uint32_t bad_line; /* the first malformed line, 0: none */
    enum idg_line_status bad;
};

/* Lines end at '\n'; the last need not; an empty file has none. */
static void m_read(const char *buf, size_t len, struct m_file *f)
{
    *f = (struct m_file){0};
    f->v = malloc((len / 2 + 1) * sizeof(*f->v));
    if (!f->v)
        abort();
    uint32_t lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        struct m_line m = {.lineno = ++lineno, .off = pos, .len = end - pos};
        m.st = m_classify(buf + pos, end - pos, &m);
        if (m.st == IDG_LINE_ENTRY)
            f->v[f->n++] = m;
        else if (m.st != IDG_LINE_COMMENT && !f->bad_line) {
            f->bad_line = m.lineno;
            f->bad = m.st;
        }
        pos = nl ? end + 1 : len;
    }
}

/* An exact-size copy of the text (ASan sees a read past its last byte),
 * read by the model into *f. */
static char *m_copy_read(const struct text *t, struct m_file *f)
{
    char *buf = malloc(t->n ? t->n : 1);
    if (!buf)
        abort();
    if (t->n)
        memcpy(buf, t->p, t->n);
    m_read(buf, t->n, f);
    return buf;
}

/* Entry m's owner field as a string into out, or `dflt` without one. */
static void m_owner_str(const char *buf, const struct m_line *m, char *out, size_t size,
                        const char *dflt)
{
    snprintf(out, size, "%s", dflt);
    if (m && m->owner_len < size) {
        memcpy(out, buf + m->off, m->owner_len);
        out[m->owner_len] = '\0';
    }
}

/* subid_line.h: an owner field is the owner's if it equals the name (when
 * there is one) or the uid in decimal (when the owner has a uid). */
static bool m_owned(const char *buf, const struct m_line *m, const char *name, bool has_uid,
                    uint32_t uid)
{
    const char *o = buf + m->off;
    if (name && strlen(name) == m->owner_len && memcmp(o, name, m->owner_len) == 0)
        return true;
    char u[16];
    int n = snprintf(u, sizeof(u), "%u", uid);
    return has_uid && (size_t)n == m->owner_len && memcmp(o, u, m->owner_len) == 0;
}

/* What entry m gives the owner (name when not NULL; uid when has_uid):
 * a text-owned line its range when the field names them; a window, by the
 * uid only, the uid's slot: COUNT ids from START + (uid - FIRST) * COUNT. */
static bool m_owner_range(const char *buf, const struct m_line *m, const char *name, bool has_uid,
                          uint32_t uid, uint64_t *start, uint64_t *count)
{
    if (m->window) {
        if (!has_uid || uid < m->first || uid > m->last)
            return false;
        *start = m->start + (uid - m->first) * m->per;
        *count = m->per;
        return true;
    }
    if (!m_owned(buf, m, name, has_uid, uid))
        return false;
    *start = m->start;
    *count = m->count;
    return true;
}

/* [a, a_end) and [b, b_end) share an id (ends one past the last id). */
static bool m_meet(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
    return a < b_end && b < a_end;
}

/* A hit of the code (struct idg_scan_hit) is model line m of buf, with
 * range start+count: the span for a line hit, the owner's slot for what
 * they have. */
static bool m_same_hit(const char *buf, const struct idg_scan_hit *h, const struct m_line *m,
                       uint64_t start, uint64_t count)
{
    if (h->e.window != m->window ||
        (m->window && (h->e.first != m->first || h->e.last != m->last || h->e.per != m->per)))
        return false;
    return h->lineno == m->lineno && h->off == m->off && h->len == m->len &&
           h->e.owner == buf + m->off && h->e.owner_len == m->owner_len &&
           h->e.range.start == start && h->e.range.count == count;
}

#endif
