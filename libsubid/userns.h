/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The user namespace the process runs in, as /proc/self/uid_map shows it:
 * for the messages that must name it (a helper run where root is not
 * mapped; a refusal inside a nested container).
 *
 * Rules:
 *  - a uid is "mapped" when an inside range of uid_map holds it; the kernel
 *    shows an unmapped owner as the overflow uid (65534), which may be a
 *    mapped uid as well, so that one counts as unmapped outside the initial
 *    namespace;
 *  - nothing here grants or refuses: the kernel and the trust rules do.
 */
#ifndef IDGATE_USERNS_H
#define IDGATE_USERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"

/* How many lines of uid_map are kept (the rest only counted). */
#define IDG_USERNS_KEEP 8

struct idg_userns {
    bool initial; /* "0 0 4294967295": the initial user namespace */
    size_t n;     /* lines kept in ext */
    size_t total; /* lines in the file */
    struct idg_extent ext[IDG_USERNS_KEEP];
};

/* Read /proc/self/uid_map (or `path`, for tests) into *u. 0 or -errno;
 * a file that cannot be read leaves *u as the initial namespace. */
int idg_userns_read(const char *path, struct idg_userns *u);

/* Is `uid` (as this namespace sees it) mapped to one outside? */
bool idg_userns_maps(const struct idg_userns *u, uint32_t uid);

/* Is `uid`, an owner as stat() showed it, a uid this namespace does not
 * map (or the overflow uid it shows for one), in a non-initial namespace? */
bool idg_userns_unmapped_owner(const struct idg_userns *u, uint32_t uid);

/* The map on one line, "0 4001 1" (lines joined by ", "; " ..." when
 * more than were kept). */
const char *idg_userns_format(char *buf, size_t len, const struct idg_userns *u);

#endif
