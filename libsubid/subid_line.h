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
 * Pure functions over a caller's buffer: no allocation, no I/O.
 */
#ifndef IDGATE_SUBID_LINE_H
#define IDGATE_SUBID_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
};

struct idg_entry {
    const char *owner; /* points into the line; not NUL-terminated */
    size_t owner_len;
    struct idg_range range;
};

/* Classify one line (without its '\n'); fills *e for IDG_LINE_ENTRY. */
enum idg_line_status idg_parse_line(const char *line, size_t len, struct idg_entry *e);

/* What is wrong with a malformed line, in words for a message. */
const char *idg_line_status_str(enum idg_line_status st);

/*
 * Who the lines are looked up for: a login name (may be NULL) and a uid.
 * An owner field matches if it equals the name or the uid in decimal.
 */
struct idg_owner {
    const char *name;
    size_t name_len;
    uint32_t uid;
    char uid_str[11];
    size_t uid_len;
};

void idg_owner_init(struct idg_owner *o, const char *name, uint32_t uid);
/* An owner known only by name (an account that no longer exists). */
void idg_owner_init_name(struct idg_owner *o, const char *name);
bool idg_owner_matches(const struct idg_owner *o, const char *owner, size_t len);

/*
 * Cheap test on a raw line: does it begin with "<name>:" or "<uid>:"?
 * Lines that fail it can be skipped without being parsed at all.
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

#endif
