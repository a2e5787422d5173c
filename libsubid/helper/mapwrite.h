/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The only writes the helpers make (steps 6 and 7 of the order in helper.c).
 *
 * Rules this file keeps:
 *  - setgroups gets "deny" before a gid map that only the caller's own gid
 *    granted (CVE-2018-7169: else the namespace could drop supplementary
 *    groups that deny it access);
 *  - the map is written once, whole, by one write();
 *  - the capability is effective only around the openat() and the write():
 *    the kernel checks the opener's and the writer's credentials.
 */
#ifndef IDGATE_MAPWRITE_H
#define IDGATE_MAPWRITE_H

#include <stddef.h>

#include "posture.h"
#include "target.h"

int idg_write_setgroups_deny(const struct idg_target_fd *t, char *err, size_t errlen);

int idg_write_map(const struct idg_target_fd *t, enum idg_kind k, const struct idg_posture *p,
                  const char *text, size_t len, char *err, size_t errlen);

#endif
