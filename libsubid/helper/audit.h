/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One syslog line per call (LOG_AUTHPRIV): who, which process, which
 * extents, and either what granted them or why they were refused.
 * LOG_INFO for grants, LOG_NOTICE for refusals.
 */
#ifndef IDGATE_AUDIT_H
#define IDGATE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../decide.h"

struct idg_audit {
    const char *prog;
    uint32_t uid;
    const char *name;             /* may be NULL */
    const char *target;           /* as given on the command line, sanitized */
    const struct idg_extent *ext; /* may be NULL */
    size_t n_ext;
    const struct idg_grant *grants; /* may be NULL */
    const struct idg_allotment *allot;
    size_t n_allot;
};

void idg_audit_log(const struct idg_audit *a, bool allowed, const char *reason);

#endif
