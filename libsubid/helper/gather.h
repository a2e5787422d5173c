/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the helpers learn about the caller from the passwd database and the
 * subid sources.
 *
 * Rules this file keeps:
 *  - no loadable code, neither an NSS module (getpwuid) nor a subid module,
 *    ever runs in a process that holds CAP_SETUID/CAP_SETGID, even in its
 *    permitted set: code that talks to a daemon or a directory must not be
 *    able to raise the capability and setuid(0). Those run in a reader
 *    child that holds no capability at all;
 *  - the helper reads the sources itself only when they are root-owned
 *    files alone: the subid line names files only, and the passwd line
 *    begins with files and no action item and /etc/passwd (trusted) has the
 *    caller. The parsers then see only root's files, as they see argv in
 *    any case, and the run costs no fork;
 *  - the child reports through a pipe in fixed binary records, which the
 *    parent checks for size and count; a child that dies or says anything
 *    malformed means a refusal, never a grant.
 */
#ifndef IDGATE_GATHER_H
#define IDGATE_GATHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../allotment.h"
#include "../decide.h"
#include "../nsswitch.h"

#define IDG_PW_SOURCES_MAX 128

struct idg_gathered {
    char *name;                  /* the caller's login name, or NULL */
    bool has_pw;                 /* a passwd entry exists */
    uint32_t pw_gid;             /* its primary gid */
    struct idg_allotments allot; /* sorted; sources: static paths, or names in sources[] */
    char where[256];             /* the sources read, for messages */
    char sources[IDG_NSS_MAX_SOURCES][IDG_NSS_NAME_MAX]; /* module names, for allot */
    int lookup_err;                                      /* the passwd lookup failed: the errno */
    char passwd_sources[IDG_PW_SOURCES_MAX];             /* ...and the passwd line's sources */
};

/*
 * Look the caller up and read the sources for `kind`: here when they are
 * root's files alone, else in a forked child that first drops every
 * capability. Warnings about malformed lines go to stderr, prefixed with
 * `prog`. Returns 0, or -1 with a message in err.
 */
int idg_gather(const char *prog, enum idg_kind kind, uint32_t uid, struct idg_gathered *g,
               char *err, size_t errlen);

void idg_gathered_free(struct idg_gathered *g);

#endif
