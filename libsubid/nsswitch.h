/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "subid:" line of /etc/nsswitch.conf: which sources answer for
 * subordinate ids, in order. Pure: parses a caller's buffer.
 *
 * Grammar (nsswitch.conf(5)): "database: source [source]...", blanks between
 * words, '#' starts a comment, "[...]" action items are skipped. The first
 * subid line counts; no subid line means "files", as in shadow.
 */
#ifndef IDGATE_NSSWITCH_H
#define IDGATE_NSSWITCH_H

#include <stdbool.h>
#include <stddef.h>

#define IDG_NSS_MAX_SOURCES 8
#define IDG_NSS_NAME_MAX 32

struct idg_nss_sources {
    bool has_line; /* a subid: line was present */
    size_t n;
    char name[IDG_NSS_MAX_SOURCES][IDG_NSS_NAME_MAX];
};

/* Fill *s from the buffer; names longer than IDG_NSS_NAME_MAX - 1 and
 * sources past IDG_NSS_MAX_SOURCES are returned as -E2BIG. Returns 0. */
int idg_nss_parse(const char *buf, size_t len, struct idg_nss_sources *s);

/* The same for another database's line ("passwd", "group"). */
int idg_nss_parse_db(const char *buf, size_t len, const char *db, struct idg_nss_sources *s);

/*
 * Are all the sources local ones that list every entry when enumerated
 * (files, compat, systemd, db)? Network sources (sss, ldap, winbind) often
 * do not enumerate, so a name missing from getpwent() must be asked for.
 */
bool idg_nss_enumerable(const struct idg_nss_sources *s);

/*
 * Is the `db` line one that glibc can only read as "ask files first, and
 * stop at what it finds"? Exactly one line for db (names compared without
 * case, as glibc does), whose first word is "files" and which holds no
 * action item ('[') and no '#' anywhere. Anything else, however valid: false
 * (the helpers then ask NSS, in their reader child).
 */
bool idg_nss_plain_files_first(const char *buf, size_t len, const char *db);

/* Does the list name `source`? (No subid line: only "files".) */
bool idg_nss_has(const struct idg_nss_sources *s, const char *source);

#endif
