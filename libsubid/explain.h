/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A verdict in words: what was refused, why, and what would fix it, on one
 * line. Pure: formats into the caller's buffer.
 */
#ifndef IDGATE_EXPLAIN_H
#define IDGATE_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "decide.h"

struct idg_explain {
    enum idg_kind kind;
    const char *name; /* the caller's login name, or NULL */
    const struct idg_caller *caller;
    uint32_t pid;
    const struct idg_target *target;
    const struct idg_extent *ext;
    size_t n_ext;
    const struct idg_allotment *allot; /* sorted */
    size_t n_allot;
    const char *where; /* the sources read, for "has none in ...": "/etc/subuid" */
    int lookup_err;    /* the passwd lookup of the caller failed: its errno (0: it did not) */
    const char *passwd_sources; /* ...and the sources of the passwd line: "sss" */
    /* The helper runs in a user namespace other than the initial one (a
     * nested container): its uid_map (gid_map) on one line, for refusals to
     * name it; NULL in the initial namespace. */
    const char *userns_map;
};

/* "uid" or "gid". */
const char *idg_kind_str(enum idg_kind k);

const char *idg_explain(char *buf, size_t len, const struct idg_explain *x,
                        const struct idg_verdict *v);

/* "alice has 100000-165535 in /etc/subuid:3, 200000-200999 in ..." */
size_t idg_explain_allotments(char *buf, size_t len, const struct idg_explain *x);

/* Where an allotment comes from, appended at *pos: "/etc/subuid:3",
 * "/etc/subuid:2, window 50000-59999", or "source sss". */
void idg_allotment_origin(char *buf, size_t len, size_t *pos, const struct idg_allotment *a);

/* A process that exists but that /proc would not open for the caller
 * (`err`: the errno of opening /proc/PID; hidepid=1 gives EPERM, hidepid=2
 * ENOENT). */
const char *idg_explain_hidden_target(char *buf, size_t len, uint32_t pid, int err);

/* "runs in a user namespace where root is not mapped (uid_map: MAP)": why
 * the kernel ignored a setuid bit, and why root's files show as uid 65534
 * (userns.h formats MAP). */
const char *idg_explain_root_unmapped(char *buf, size_t len, const char *map);

/* "0-0 -> 1001-1001" for one extent. */
int idg_extent_format(char *buf, size_t len, struct idg_extent e);

#endif
