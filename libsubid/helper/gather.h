/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the helpers learn about the caller from NSS and the subid sources,
 * gathered by a child process that holds no capability at all.
 *
 * Rules this file keeps:
 *  - NSS modules (getpwuid) and the file parsers never run in a process that
 *    holds CAP_SETUID/CAP_SETGID, even in its permitted set: a bug in them
 *    must not be able to raise the capability and setuid(0);
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

struct idg_gathered {
    char *name;                  /* the caller's login name, or NULL */
    bool has_pw;                 /* a passwd entry exists */
    uint32_t pw_gid;             /* its primary gid */
    struct idg_allotments allot; /* sorted; sources: static paths, or names in sources[] */
    char where[256];             /* the sources read, for messages */
    char sources[IDG_NSS_MAX_SOURCES][IDG_NSS_NAME_MAX]; /* module names, for allot */
};

/*
 * Fork, drop every capability in the child, look the caller up and read the
 * sources for `kind` there. Warnings about malformed lines go to stderr from
 * the child, prefixed with `prog`. Returns 0, or -1 with a message in err.
 */
int idg_gather(const char *prog, enum idg_kind kind, uint32_t uid, struct idg_gathered *g,
               char *err, size_t errlen);

void idg_gathered_free(struct idg_gathered *g);

#endif
