/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The line grammar of /etc/subuid, /etc/subgid and /etc/id_permission/{uids,gids}:
 *
 *     owner:start:count
 *
 * owner is a login name or a decimal uid; start and count are strict
 * decimals (number.h) forming a valid range (range.h). A line that is empty,
 * only blanks, or whose first non-blank byte is '#' is a comment. Anything
 * else is malformed: it grants nothing, and the rest of the file still counts.
 *
 * A window line has the owner FIRST-LAST, two strict decimal uids with
 * FIRST <= LAST: uid U of the window is allotted COUNT ids from
 * START + (U - FIRST) * COUNT, computed, with no line of its own. The line
 * claims its whole span, START .. START + (LAST - FIRST + 1) * COUNT - 1,
 * which must end at 4294967294 at most. A window belongs to uids, never to
 * a name: in /etc/subgid too it is keyed by the user's uid.
 *
 * Pure functions over a caller's buffer: no allocation, no I/O.
 */
#ifndef IDGATE_SUBID_LINE_H
#define IDGATE_SUBID_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "number.h"
#include "range.h"

enum idg_line_status {
    IDG_LINE_ENTRY,      /* a valid owner:start:count */
    IDG_LINE_COMMENT,    /* blank, or '#' comment */
    IDG_LINE_BAD_FIELDS, /* not exactly three ':'-separated fields */
    IDG_LINE_BAD_OWNER,  /* empty owner, or blanks/control bytes in it */
    IDG_LINE_BAD_START,  /* start is not a decimal in 0..4294967294 */
    IDG_LINE_BAD_COUNT,  /* count is not a decimal in 1..4294967295 */
    IDG_LINE_BAD_RANGE,  /* start + count passes 4294967295 */
    IDG_LINE_TOO_LONG,   /* longer than a reader takes (64 KiB) */
    IDG_LINE_BAD_WINDOW, /* owner DIGITS-DIGITS that is no FIRST <= LAST of plain uids */
    IDG_LINE_BAD_SPAN,   /* a window whose span passes 4294967294 */
};

struct idg_entry {
    const char *owner; /* points into the line; not NUL-terminated */
    size_t owner_len;
    struct idg_range range; /* a window's whole span */
    bool window;            /* owner is FIRST-LAST: */
    uint32_t first, last;   /* the window's uids */
    uint32_t per;           /* ids for each uid: the line's COUNT */
};

/* Classify one line (without its '\n'); fills *e for IDG_LINE_ENTRY, and
 * e->window, first and last for IDG_LINE_BAD_SPAN (whose uids it fails). */
enum idg_line_status idg_parse_line(const char *line, size_t len, struct idg_entry *e);

/* Owners are printed in messages and audit lines: no blanks, no control bytes. */
static inline bool idg_owner_byte_ok(unsigned char c)
{
    return c > ' ' && c != 0x7f;
}

/* Where the '-' of a window owner "DIGITS-DIGITS" is, or 0 for any other
 * owner (a name may hold digits and dashes, but not only these two runs). */
static inline size_t idg_window_dash(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0 || i + 1 >= n || s[i] != '-')
        return 0;
    for (size_t j = i + 1; j < n; j++)
        if (s[j] < '0' || s[j] > '9')
            return 0;
    return i;
}

/*
 * The common line, "owner:START:COUNT", read in one pass from p (before
 * end) without looking for its end first: true with *e as idg_parse_line
 * fills it and *eol at the line's '\n' (or at end) when the line is such
 * an entry, not a window; false for every other line, which idg_parse_line
 * judges (the fuzz harness holds the two to the same answers). Inline: a
 * scan calls it for every line, and its entry then stays in registers.
 */
static inline bool idg_parse_plain(const char *p, const char *end, struct idg_entry *e,
                                   const char **eol)
{
    /* The owner: bytes idg_parse_line takes in an owner, up to a ':'. A
       '#' first makes a comment, a blank first is for the parser. */
    const char *q = p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes at a time to the first that ends an owner: a ':', a byte
       up to ' ', or DEL (the lowest flagged byte of each mask is exact). */
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    for (; end - q >= 8; q += 8) {
        uint64_t x = idg_load8(q), c = x ^ (ones * ':'), d = x ^ (ones * 0x7f);
        uint64_t stop = (((c - ones) & ~c) | ((d - ones) & ~d) | ((x - ones * 0x21) & ~x)) & high;
        if (stop) {
            q += __builtin_ctzll(stop) / 8;
            break;
        }
    }
#endif
    while (q < end && *q != ':' && idg_owner_byte_ok((unsigned char)*q))
        q++;
    if (q == p || q == end || *q != ':' || *p == '#')
        return false;
    size_t owner_len = (size_t)(q - p);
    uint32_t start, count;
    const char *n = q + 1;
    if (idg_scan_u32(&n, end, IDG_ID_MAX, &start) < 0 || n == end || *n != ':')
        return false;
    n++;
    if (idg_scan_u32(&n, end, IDG_COUNT_MAX, &count) < 0 || count == 0 ||
        (n != end && *n != '\n') || idg_range_check(start, count) < 0)
        return false;
    if (idg_window_dash(p, owner_len)) /* a window: the parser computes its span */
        return false;
    *e = (struct idg_entry){
        .owner = p, .owner_len = owner_len, .range = {.start = start, .count = count}};
    *eol = n;
    return true;
}

/* What is wrong with a malformed line, in words for a message. */
const char *idg_line_status_str(enum idg_line_status st);

/* The slot of `uid` in window e: COUNT ids from START + (uid - FIRST) * COUNT.
 * False when uid is outside FIRST..LAST (or e is no window). */
bool idg_window_slot(const struct idg_entry *e, uint32_t uid, struct idg_range *out);

/* The uid whose slot of window e holds `id`, an id of e's span. */
uint32_t idg_window_uid(const struct idg_entry *e, uint32_t id);

/*
 * Who the lines are looked up for: a login name (may be NULL) and a uid.
 * An owner field matches if it equals the name or the uid in decimal. A
 * window line is the owner's if `wuid` (the user's uid, also when `uid`
 * holds a group's gid) is in it.
 */
struct idg_owner {
    const char *name;
    size_t name_len;
    uint32_t uid;
    char uid_str[11];
    size_t uid_len;
    bool has_wuid;
    uint32_t wuid;
};

/* A user: windows are keyed by `uid` too. */
void idg_owner_init(struct idg_owner *o, const char *name, uint32_t uid);
/* An owner known only by name (an account that no longer exists): no window
 * is theirs. */
void idg_owner_init_name(struct idg_owner *o, const char *name);
/* Does the owner field, as text, name o? (Windows are never matched so.) */
static inline bool idg_owner_matches(const struct idg_owner *o, const char *owner, size_t len)
{
    if (o->name && len == o->name_len && memcmp(owner, o->name, len) == 0)
        return true;
    return len == o->uid_len && memcmp(owner, o->uid_str, len) == 0;
}

/* Is entry e o's, and what does it give o: the line's range, or o's slot of
 * a window. (Inline: the add scan asks it of every line.) */
static inline bool idg_owner_takes(const struct idg_owner *o, const struct idg_entry *e,
                                   struct idg_range *got)
{
    if (e->window)
        return o->has_wuid && idg_window_slot(e, o->wuid, got);
    if (!idg_owner_matches(o, e->owner, e->owner_len))
        return false;
    *got = e->range;
    return true;
}

/*
 * Cheap test on a raw line: does it begin with "<name>:" or "<uid>:", or,
 * for an owner with a uid, like a window ("DIGITS-DIGITS:")? Lines that
 * fail it can be skipped without being parsed at all.
 */
bool idg_line_may_belong(const struct idg_owner *o, const char *line, size_t len);

/*
 * Iterate over the lines of a buffer. The last line need not end in '\n'.
 */
struct idg_lines {
    const char *p, *end;
    uint32_t lineno; /* of the line last returned, from 1 */
};

void idg_lines_init(struct idg_lines *it, const char *buf, size_t len);
bool idg_lines_next(struct idg_lines *it, const char **line, size_t *len);

/* A copy of the line (len bytes, NUL-terminated, malloc'ed) for an entry
 * parsed from it that must outlive the buffer it was read into: e->owner
 * is moved into the copy. NULL when out of memory. */
char *idg_line_keep(const char *line, size_t len, struct idg_entry *e);

#endif
