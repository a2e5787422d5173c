/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit trail: one syslog line (LOG_AUTHPRIV) per call, with who, which
 * process, which extents, and either what granted them or why they were
 * refused. LOG_INFO for grants, LOG_NOTICE for refusals.
 *
 * Rules this file keeps, so that no rlimit or signal the caller controls
 * can leave a written map without its line:
 *  - the socket to /dev/log is opened once, right after the privilege drop
 *    and before the target or any file, so no fd limit can starve it
 *    (idg_audit_open); a process forked afterwards does not keep it;
 *  - the line is built in static storage and sent with one send() on that
 *    socket: no allocation, no file, no stdio; whether it was sent is known
 *    (glibc's syslog() says nothing), so the helper can refuse to write a
 *    map that no line records;
 *  - a grant's line is sent before the map is written: a kill after the
 *    write cannot hide it; if the write then fails, a second line says so
 *    (IDG_AUDIT_UNWRITTEN).
 */
#ifndef IDGATE_AUDIT_H
#define IDGATE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../decide.h"

/* Where the system logger listens (glibc's _PATH_LOG). */
#define IDG_AUDIT_PATH "/dev/log"

enum idg_audit_outcome {
    IDG_AUDIT_ALLOWED,   /* sent before the write: "allowed" */
    IDG_AUDIT_REFUSED,   /* "refused: REASON" */
    IDG_AUDIT_UNWRITTEN, /* after an allowed line, the write failed: "not written: REASON" */
};

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

/* Open and connect the log socket. Returns 0 or -errno; a later
 * idg_audit_log() tries again when it failed. */
int idg_audit_open(void);

/* Send the call's line. Returns 0 when the system logger took it, or -errno
 * (nothing listens at /dev/log, no fd left, ...). */
int idg_audit_log(const struct idg_audit *a, enum idg_audit_outcome what, const char *reason);

#endif
