/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idgate's libsubid: the public API of shadow-utils' <shadow/subid.h>, with
 * the same names, types, struct layouts and numbering, so that programs
 * built against shadow's header (containers/storage, apptainer, toolbox)
 * run unchanged against this library (soname libsubid.so.4).
 *
 * Where the answers come from: the "subid:" line of /etc/nsswitch.conf,
 * its sources asked in order ("files": /etc/subuid, /etc/subgid and
 * /etc/id_permission; a NAME: the module libsubid_NAME.so). See libsubid(3).
 *
 * The library never exits and prints nothing unless subid_init() was given
 * a stream. Every function may be called from several threads at once.
 */
#ifndef SUBID_RANGE_DEFINED
#define SUBID_RANGE_DEFINED 1

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* The ABI this library implements: shadow's, version 4.0.0. */
#define SUBID_ABI_VERSION 4.0.0
#define SUBID_ABI_MAJOR 4
#define SUBID_ABI_MINOR 0
#define SUBID_ABI_MICRO 0

/* A range of ids: start, start + 1, ..., start + count - 1. */
struct subid_range {
    unsigned long start;
    unsigned long count;
};

/* A range with its owner (a login name, or a uid in decimal). */
struct subordinate_range {
    const char *owner;
    unsigned long start;
    unsigned long count;
};

enum subid_type {
    ID_TYPE_UID = 1,
    ID_TYPE_GID = 2,
};

enum subid_status {
    SUBID_STATUS_SUCCESS = 0,
    SUBID_STATUS_UNKNOWN_USER = 1,
    SUBID_STATUS_ERROR_CONN = 2,
    SUBID_STATUS_ERROR = 3,
};

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Name the program in messages and choose where they go. logfd NULL: no
 * messages at all (the default before any call). progname NULL: "libsubid".
 * Returns true; false only when out of memory.
 */
bool subid_init(const char *progname, FILE *logfd);

/*
 * The ranges of subordinate uids (gids) allotted to owner, as shadow's
 * library finds them: lines whose owner field is the text owner, and lines
 * keyed by a number equal to the uid of the account named owner (for gids:
 * the gid of the group named owner). *ranges receives a malloc()ed array
 * in source order (NULL when there are none; free it with subid_free() or
 * free()). Returns the number of ranges, or -1 when a source failed
 * (unreadable, untrusted or, as in shadow, missing /etc/subuid; an
 * unreachable module).
 */
int subid_get_uid_ranges(const char *owner, struct subid_range **ranges);
int subid_get_gid_ranges(const char *owner, struct subid_range **ranges);

/*
 * The uids of the owners whose subordinate uid (gid) ranges contain id,
 * each once: an owner field is a login name, or a uid in decimal.
 * *owner receives a malloc()ed array (NULL when none). Returns the count,
 * or -1 when a source failed (also, as in shadow, a missing /etc/subuid)
 * or, as in shadow, a line holding id names an owner that is neither.
 */
int subid_get_uid_owners(uid_t uid, uid_t **owner);
int subid_get_gid_owners(gid_t gid, uid_t **owner);

/*
 * Allot range->count ids to range->owner in /etc/subuid (/etc/subgid):
 * with reuse, an existing range of the owner at least that large is
 * returned in *range; otherwise the first free run at or above
 * range->start, which never overlaps another range nor contains an
 * account's id or an id up to UID_MAX of login.defs. Written under
 * shadow's locks, atomically. Needs root. Returns true on success, with
 * range->start (and count) set.
 */
bool subid_grant_uid_range(struct subordinate_range *range, bool reuse);
bool subid_grant_gid_range(struct subordinate_range *range, bool reuse);

/*
 * Take ids start..start+count-1 back from range->owner, matching lines
 * whose owner field is that exact text (as shadow does): lines wholly
 * inside go; a line cut at one end keeps the rest in its place; a line cut
 * in the middle keeps its head in place and its tail as a new last line.
 * Needs root. Returns true on success, also when nothing matched.
 */
bool subid_ungrant_uid_range(struct subordinate_range *range);
bool subid_ungrant_gid_range(struct subordinate_range *range);

/* Free what the functions above returned. */
void subid_free(void *ptr);

#ifdef __cplusplus
}
#endif

#define SUBID_NFIELDS 3

#endif
