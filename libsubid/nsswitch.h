/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "subid:" line of /etc/nsswitch.conf: which sources answer for
 * subordinate ids, in order. Pure: parses a caller's buffer.
 *
 * Grammar (nsswitch.conf(5)): "database: source [source]...", blanks between
 * words, '#' starts a comment, "[...]" action items are skipped. The first
 * subid line counts, its database name in any case ("Subid:", "SUBID:"), as
 * shadow compares it with strncasecmp(); no subid line means "files", as in
 * shadow.
 *
 * A subid source other than "files" names the module libsubid_NAME.so, so
 * a name is only letters, digits, '_' and '-' (idg_nss_name_ok): a '/'
 * would make dlopen() take a path, relative to the caller's working
 * directory, instead of searching the system's library directories.
 */
#ifndef IDGATE_NSSWITCH_H
#define IDGATE_NSSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDG_NSS_MAX_SOURCES 8
#define IDG_NSS_NAME_MAX 32

struct idg_nss_sources {
    bool has_line; /* a subid: line was present */
    uint32_t line; /* its line number, from 1 */
    size_t n;
    char name[IDG_NSS_MAX_SOURCES][IDG_NSS_NAME_MAX];
    char bad[IDG_NSS_NAME_MAX]; /* after -EINVAL: the start of the bad name */
};

/* Is name[0..len) fit to be a subid module's NAME? Only [A-Za-z0-9_-],
 * at least one byte. */
bool idg_nss_name_ok(const char *name, size_t len);

/* Fill *s from the buffer; names longer than IDG_NSS_NAME_MAX - 1 and
 * sources past IDG_NSS_MAX_SOURCES are returned as -E2BIG, a name that
 * fails idg_nss_name_ok() as -EINVAL (s->line and s->bad say where and
 * which). Returns 0. */
int idg_nss_parse(const char *buf, size_t len, struct idg_nss_sources *s);

/* The same for another database's line ("passwd", "group"), without the
 * module name rule (those are glibc's services). */
int idg_nss_parse_db(const char *buf, size_t len, const char *db, struct idg_nss_sources *s);

/*
 * Are all the sources local ones that list every entry when enumerated
 * (files, compat, systemd, db)? Network sources (sss, ldap, winbind) often
 * do not enumerate, so a name missing from getpwent() must be asked for.
 */
bool idg_nss_enumerable(const struct idg_nss_sources *s);

/*
 * Does glibc read the file so that its answer for an entry of `db`'s file
 * is that file's (the helpers' fast path, which reads /etc/passwd itself)?
 * Read as glibc 2.36 reads it (see nsswitch.c): the last line for db, of
 * the whole file glibc parses without error, names "files" first, and
 * "files" returns on SUCCESS. Anything else, however valid: false (the
 * helpers then ask NSS, in their reader child).
 */
bool idg_nss_plain_files_first(const char *buf, size_t len, const char *db);

/* Does the list name `source`? (No subid line: only "files".) */
bool idg_nss_has(const struct idg_nss_sources *s, const char *source);

#endif
