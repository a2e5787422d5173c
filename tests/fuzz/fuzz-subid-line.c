/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The subuid/subgid line grammar and the streaming reader of allotments.
 *
 * Checks, beyond "no crash, no sanitizer report":
 *  - every line idg_parse_line() calls an entry is a valid range
 *    (idg_range_check) with a non-empty owner inside the line;
 *  - a window (owner FIRST-LAST) is read as the text says, against a
 *    reading in 64 bits: the owner field is digits, '-', digits exactly when
 *    the entry is a window (or the line BAD_WINDOW/BAD_SPAN), FIRST, LAST
 *    and COUNT are the line's, the span (LAST - FIRST + 1) * COUNT ids from
 *    START ends by 4294967294 (BAD_SPAN: passes it);
 *  - for such a window and uids at, inside and outside its ends:
 *    idg_window_slot() and idg_owner_takes() give COUNT ids from
 *    START + (uid - FIRST) * COUNT, or nothing outside FIRST..LAST; an owner
 *    known by name only, even the window's own text, never takes it;
 *    idg_window_uid() gives the uid back for the first, a middle and the
 *    last id of its slot; slots of two uids never overlap and lie within
 *    the span (for a window of at most 64 uids, they tile it exactly);
 *  - idg_collect_from_buffer(), which skips most lines by their first byte
 *    and scans eight bytes at a time, returns exactly the entries a plain
 *    line-by-line reading gives for the same owner (a line naming it, or
 *    the slot of a window holding its uid), with the same line numbers, in
 *    the same order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allotment.h"
#include "number.h"
#include "range.h"
#include "subid_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID_MAX UINT64_C(4294967294)

static uint64_t next(uint64_t *s)
{
    /* xorshift64 */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A decimal field in 64 bits, saturated (only its value matters here). */
static uint64_t value(const char *s, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && v < UINT64_C(1) << 40; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    return v;
}

/* Is the owner field digits, one '-', digits? Then its two numbers. */
static bool window_text(const char *s, size_t n, uint64_t *first, uint64_t *last)
{
    const char *dash = memchr(s, '-', n);
    if (!dash || dash == s || dash + 1 == s + n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s + i != dash && (s[i] < '0' || s[i] > '9'))
            return false;
    *first = value(s, (size_t)(dash - s));
    *last = value(dash + 1, n - (size_t)(dash - s) - 1);
    return true;
}

/* The slot of uid in window e, in 64 bits: [*start, *start + per). */
static bool slot64(const struct idg_entry *e, uint64_t uid, uint64_t *start)
{
    if (uid < e->first || uid > e->last)
        return false;
    *start = e->range.start + (uid - e->first) * (uint64_t)e->per;
    return true;
}

/* One uid against window e (owner text `owner`): slot, takes, inverse. */
static void check_uid(const struct idg_entry *e, const char *owner, uint64_t uid)
{
    uint64_t want = 0;
    bool in = uid <= UINT32_MAX && slot64(e, uid, &want);
    struct idg_range r = {0xa5a5a5a5u, 0xa5a5a5a5u}, got = r;
    bool has = uid <= UINT32_MAX && idg_window_slot(e, (uint32_t)uid, &r);
    if (has != in || (in && (r.start != want || r.count != e->per)))
        __builtin_trap();
    /* Within the span. */
    if (in && (want < e->range.start || want + e->per > (uint64_t)e->range.start + e->range.count))
        __builtin_trap();
    if (uid > UINT32_MAX)
        return;
    /* By uid only: a name, even the window's text, never takes it. */
    struct idg_owner o;
    idg_owner_init(&o, NULL, (uint32_t)uid);
    if (idg_owner_takes(&o, e, &got) != in || (in && (got.start != want || got.count != e->per)))
        __builtin_trap();
    idg_owner_init(&o, owner, (uint32_t)uid);
    if (idg_owner_takes(&o, e, &got) != in || idg_owner_matches(&o, e->owner, e->owner_len) != true)
        __builtin_trap();
    idg_owner_init_name(&o, owner);
    if (idg_owner_takes(&o, e, &got))
        __builtin_trap();
    if (!in)
        return;
    /* The uid whose slot holds an id is uid, at the slot's ends and middle. */
    uint64_t ids[] = {want, want + e->per / 2, want + e->per - 1};
    for (size_t i = 0; i < 3; i++)
        if (idg_window_uid(e, (uint32_t)ids[i]) != uid)
            __builtin_trap();
}

/* A window entry of `line` (len n) against a reading in 64 bits. */
static void check_window(const char *line, size_t n, const struct idg_entry *e, uint64_t seed)
{
    char owner[32];
    if (e->owner_len >= sizeof(owner)) /* "4294967294-4294967294" is 21 bytes */
        __builtin_trap();
    memcpy(owner, e->owner, e->owner_len);
    owner[e->owner_len] = '\0';
    size_t c2 = n; /* the last ':', before COUNT */
    while (line[--c2] != ':')
        ;
    uint64_t per = value(line + c2 + 1, n - c2 - 1);
    uint64_t uids = (uint64_t)e->last - e->first + 1;
    if (e->first > e->last || e->last > ID_MAX || e->per != per || e->range.count != uids * per ||
        e->range.start + uids * per - 1 > ID_MAX)
        __builtin_trap();
    if (seed == 0)
        seed = 1;
    uint64_t probe[] = {(uint64_t)e->first - 1,
                        e->first,
                        e->first + uids / 2,
                        e->last,
                        (uint64_t)e->last + 1,
                        0,
                        UINT32_MAX,
                        e->first + next(&seed) % uids,
                        e->first + next(&seed) % uids,
                        next(&seed) & UINT32_MAX};
    for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
        if (probe[i] <= UINT32_MAX) /* first - 1 of 0 wraps to 2^64 - 1 */
            check_uid(e, owner, probe[i]);
    /* Two uids: their slots never overlap. */
    uint64_t u1 = e->first + next(&seed) % uids, u2 = e->first + next(&seed) % uids, s1, s2;
    if (u1 != u2 && slot64(e, u1, &s1) && slot64(e, u2, &s2)) {
        struct idg_range r1, r2;
        if (!idg_window_slot(e, (uint32_t)u1, &r1) || !idg_window_slot(e, (uint32_t)u2, &r2) ||
            idg_range_overlaps(r1, r2) || (s1 < s2 ? s1 + per > s2 : s2 + per > s1))
            __builtin_trap();
    }
    /* A small window: the slots tile the span, in order. */
    if (uids <= 64) {
        uint64_t at = e->range.start;
        for (uint64_t u = e->first; u <= e->last; u++) {
            struct idg_range r;
            if (!idg_window_slot(e, (uint32_t)u, &r) || r.start != at || r.count != per)
                __builtin_trap();
            at += per;
        }
        if (at != (uint64_t)e->range.start + e->range.count)
            __builtin_trap();
    }
}

/* The line's shape, read without the parser: is the owner a window's, and
 * do its numbers, START and COUNT make the entry's span? */
static void check_shape(const char *line, size_t n, enum idg_line_status st,
                        const struct idg_entry *e, uint64_t seed)
{
    const char *c1 = memchr(line, ':', n);
    uint64_t first, last;
    bool shape = c1 && window_text(line, (size_t)(c1 - line), &first, &last);
    if (st == IDG_LINE_BAD_WINDOW && !shape)
        __builtin_trap();
    if (st == IDG_LINE_BAD_SPAN) {
        /* e->window, first and last are filled; the span passes the end. */
        const char *c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line));
        uint64_t start = value(c1 + 1, (size_t)(c2 - c1 - 1));
        uint64_t per = value(c2 + 1, n - (size_t)(c2 + 1 - line));
        if (!shape || !e->window || e->first != first || e->last != last || first > last ||
            start + (last - first + 1) * per - 1 <= ID_MAX)
            __builtin_trap();
    }
    if (st != IDG_LINE_ENTRY)
        return;
    if (e->window != shape || (shape && (e->first != first || e->last != last)))
        __builtin_trap();
    if (shape) {
        check_window(line, n, e, seed);
        return;
    }
    struct idg_range r;
    if (idg_window_slot(e, e->range.start, &r) || idg_window_slot(e, 0, &r) ||
        idg_window_slot(e, UINT32_MAX - 1, &r))
        __builtin_trap();
}

/*
 * The one-pass reader of plain lines (idg_parse_plain), from the line to the
 * end of the buffer, agrees with the parser: an entry it takes is the
 * parser's entry of that line, not a window, ending at the line's end; a
 * line it declines is a window or no entry. And the word-at-a-time number
 * reader agrees with the byte reader at every field of the line.
 */
static void check_plain(const char *buf, size_t len, const char *line, size_t n,
                        enum idg_line_status st, const struct idg_entry *want)
{
    struct idg_entry e;
    const char *eol;
    if (idg_parse_plain(line, buf + len, &e, &eol)) {
        if (st != IDG_LINE_ENTRY || want->window || eol != line + n || e.owner != want->owner ||
            e.owner_len != want->owner_len || e.range.start != want->range.start ||
            e.range.count != want->range.count || e.window)
            __builtin_trap();
    } else if (st == IDG_LINE_ENTRY && !want->window && line[0] != '#') {
        __builtin_trap(); /* a plain entry declined */
    }
    for (const char *f = line; f < line + n; f++) {
        if (f != line && f[-1] != ':')
            continue;
        const char *a = f, *b = f;
        uint32_t va = 0, vb = 0;
        int ra = idg_scan_u32(&a, buf + len, UINT32_MAX - 1, &va);
        int rb = idg_scan_u32_bytes(&b, buf + len, UINT32_MAX - 1, &vb);
        if (ra != rb || a != b || (ra == 0 && va != vb))
            __builtin_trap();
    }
}

static void check_lines(const char *buf, size_t len)
{
    struct idg_lines it;
    const char *line;
    size_t n;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        if (line < buf || line + n > buf + len || memchr(line, '\n', n))
            __builtin_trap();
        for (size_t i = 0; i < n; i++)
            seed = (seed ^ (uint8_t)line[i]) * 0x100000001b3u;
        struct idg_entry e = {0};
        enum idg_line_status st = idg_parse_line(line, n, &e);
        check_shape(line, n, st, &e, seed);
        check_plain(buf, len, line, n, st, &e);
        if (st != IDG_LINE_ENTRY)
            continue;
        if (idg_range_check(e.range.start, e.range.count) != 0)
            __builtin_trap();
        if (e.owner != line || e.owner_len == 0 || e.owner_len >= n)
            __builtin_trap();
        if (memchr(e.owner, ':', e.owner_len))
            __builtin_trap();
    }
}

/* The reference: every line, parsed whole, kept if its owner field matches
 * or, for a window, the owner's uid is in it (then its slot, in 64 bits). */
static void reference(const char *buf, size_t len, const struct idg_owner *o,
                      struct idg_allotments *out)
{
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        struct idg_entry e;
        if (idg_parse_line(line, n, &e) != IDG_LINE_ENTRY)
            continue;
        struct idg_range r = e.range;
        uint64_t s;
        if (e.window) {
            if (!o->has_wuid || !slot64(&e, o->wuid, &s))
                continue;
            r = (struct idg_range){(uint32_t)s, e.per};
        } else if (!idg_owner_matches(o, e.owner, e.owner_len)) {
            continue;
        }
        if (idg_allotments_add(out, r, "ref", it.lineno) < 0)
            abort();
        out->v[out->n - 1].window = e.window;
        out->v[out->n - 1].first = e.window ? e.first : 0;
        out->v[out->n - 1].last = e.window ? e.last : 0;
    }
}

/* The first window entry of buf, if any. */
static bool first_window(const char *buf, size_t len, struct idg_entry *e)
{
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n))
        if (idg_parse_line(line, n, e) == IDG_LINE_ENTRY && e->window)
            return true;
    return false;
}

static void check_owner(const char *buf, size_t len, const struct idg_owner *o)
{
    struct idg_allotments got = {0}, want = {0};
    if (idg_collect_from_buffer(buf, len, "fuzz", o, &got, NULL, NULL) < 0)
        abort(); /* only -ENOMEM */
    reference(buf, len, o, &want);
    if (got.n != want.n)
        __builtin_trap();
    for (size_t i = 0; i < got.n; i++) {
        if (got.v[i].range.start != want.v[i].range.start ||
            got.v[i].range.count != want.v[i].range.count || got.v[i].line != want.v[i].line)
            __builtin_trap();
        if (got.v[i].window != want.v[i].window ||
            (want.v[i].window &&
             (got.v[i].first != want.v[i].first || got.v[i].last != want.v[i].last)))
            __builtin_trap();
        if (idg_range_check(got.v[i].range.start, got.v[i].range.count) != 0)
            __builtin_trap();
    }
    idg_allotments_free(&got);
    idg_allotments_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan sees any read past the end. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    check_lines(buf, size);

    struct idg_owner o;
    idg_owner_init(&o, "alice", 1000);
    check_owner(buf, size, &o);
    idg_owner_init(&o, "1", 0); /* a name that is also a uid's digits */
    check_owner(buf, size, &o);
    idg_owner_init(&o, NULL, 4294967294u);
    check_owner(buf, size, &o);
    idg_owner_init_name(&o, "a");
    check_owner(buf, size, &o);
    idg_owner_init(&o, "1000-1010", 1005);
    check_owner(buf, size, &o);
    idg_owner_init_name(&o, "1000-1010"); /* a window's text: never its owner */
    check_owner(buf, size, &o);

    /* A uid of the first window: at its ends, or inside. */
    struct idg_entry w;
    if (first_window(buf, size, &w)) {
        uint64_t span = (uint64_t)w.last - w.first;
        uint32_t u = w.first + (uint32_t)(size % 3 == 0   ? 0
                                          : size % 3 == 1 ? span
                                                          : size % (span + 1));
        idg_owner_init(&o, "w", u);
        check_owner(buf, size, &o);
    }

    /* An owner taken from the input's first line, so that the fuzzer can
     * steer matches on names it invents. */
    const char *colon = memchr(buf, ':', size);
    if (colon && colon > buf && colon - buf < 64) {
        char name[64];
        memcpy(name, buf, (size_t)(colon - buf));
        name[colon - buf] = '\0';
        if (strlen(name) == (size_t)(colon - buf)) {
            idg_owner_init(&o, name, (uint32_t)size);
            check_owner(buf, size, &o);
        }
    }
    free(buf);
    return 0;
}
