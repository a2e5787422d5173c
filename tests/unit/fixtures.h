/* SPDX-License-Identifier: BSD-3-Clause */
/* The caller and target most decision and message tests start from. */
#ifndef IDGATE_UNIT_FIXTURES_H
#define IDGATE_UNIT_FIXTURES_H

#include "decide.h"

/* alice: uid and gid 1001, her own uid as her one own id. */
static const struct idg_caller alice = {.uid = 1001, .gid = 1001, .own = {1001}, .n_own = 1};

/* A target that passes every target rule for alice. */
static const struct idg_target good_target = {.uid = 1001,
                                              .gid = 1001,
                                              .same_ns = false,
                                              .child_ns = true,
                                              .ns_owner = 1001,
                                              .map_written = false};

#endif
