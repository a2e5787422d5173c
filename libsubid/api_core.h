/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the public subid_* functions do (api/subid.c wraps these), with
 * every path given rather than assumed, so that unit tests run them on
 * temp files. Failures fill `why` with a reason for a message.
 */
#ifndef IDGATE_API_CORE_H
#define IDGATE_API_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sources.h"

struct idg_api_conf {
    struct idg_files files; /* where "files" reads and edits */
    const char *nsswitch, *logindefs, *pwdlock;
    unsigned lock_timeout_ms;
};

/* The build's paths (config.h). */
void idg_api_conf_default(struct idg_api_conf *c);

/* The owner's ranges, in source order: a malloc()ed array in *out (NULL
 * when none). The count, or -1. */
int idg_api_ranges(const struct idg_api_conf *c, const char *owner, enum idg_src_kind kind,
                   struct idg_plugin_range **out, char *why, size_t wlen);

/* The uids of the owners of `id`. The count, or -1. */
int idg_api_owners(const struct idg_api_conf *c, unsigned long id, enum idg_src_kind kind,
                   uid_t **out, char *why, size_t wlen);

/* subid_grant_*: *start and *count in and out. */
bool idg_api_grant(const struct idg_api_conf *c, const char *owner, unsigned long *start,
                   unsigned long *count, bool reuse, enum idg_src_kind kind, char *why,
                   size_t wlen);

/* subid_ungrant_*. */
bool idg_api_ungrant(const struct idg_api_conf *c, const char *owner, unsigned long start,
                     unsigned long count, enum idg_src_kind kind, char *why, size_t wlen);

#endif
