/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * subid-doctor: why a user's rootless containers do or do not get their
 * ids, one check at a time, each with what it saw and what fixes it.
 * main.c reads the options and prints; ranges.c, system.c and trial.c run
 * the checks. Every rule a check applies is libsubid's (sources, trust,
 * lint, the helpers' privilege rule), so the doctor and the helpers cannot
 * disagree; this folder only gathers facts and words them.
 *
 * Rules this program keeps:
 *  - it changes nothing: the live trial maps a namespace of its own child,
 *    which it kills and reaps before it returns;
 *  - every wait is bounded (DR_WAIT_MS): a source, a helper or a child that
 *    does not answer is killed and reported, never waited for;
 *  - run as root it checks USER as USER: it drops to the account first.
 */
#ifndef IDGATE_DOCTOR_H
#define IDGATE_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "allotment.h"

#define PROG "subid-doctor"
/* The longest any one source, helper or child is waited for. */
#define DR_WAIT_MS 5000

enum dr_status { DR_OK, DR_WARN, DR_FAIL };

struct dr_check {
    const char *id; /* stable: subid-doctor(1) lists them */
    enum dr_status st;
    char msg[1024];
    char fix[1024];
};

#define DR_CHECKS_MAX 16

struct dr_report {
    struct dr_check v[DR_CHECKS_MAX];
    size_t n;
};

/* The user checked. */
struct dr_user {
    char name[256]; /* the login name, or the uid in decimal */
    bool has_name;
    uint32_t uid, gid;
    char home[1024];
    char runtime_dir[1024]; /* XDG_RUNTIME_DIR, "" when unset */
};

/* What the sources gave, per kind ([0] uids, [1] gids). */
struct dr_ranges {
    bool listed[2]; /* the sources answered */
    struct idg_allotments a[2];
    char why[2][1024]; /* !listed: why, in the library's words */
    enum { DR_SRC_FILES, DR_SRC_SILENT, DR_SRC_UNLOADED } failed[2]; /* what failed */
    char failed_name[2][64];                                         /* the module's name */
    char bad[2][512]; /* the user's malformed lines, "" for none */
    char where[2][256];
};

/* Add a check; returns it, so that msg and fix can be written. */
__attribute__((format(printf, 4, 5))) struct dr_check *
dr_add(struct dr_report *r, const char *id, enum dr_status st, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void dr_fix(struct dr_check *c, const char *fmt, ...);

/* Run argv[0] (an absolute path) with argv, stdin /dev/null, for at most
 * timeout_ms; the first line of its stdout and of its stderr into out/err.
 * Returns its wait status, or -ETIMEDOUT (it was killed), or -errno. */
int dr_run(char *const argv[], int timeout_ms, char *out, size_t outlen, char *err, size_t errlen);

/* Wait for child pid at most timeout_ms; kill it after that. Its status. */
int dr_reap(pid_t pid, int timeout_ms);

/* The checks, in order. */
void dr_gather_ranges(const struct dr_user *u, struct dr_ranges *rg);
void dr_check_ranges(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg);
void dr_check_helpers(struct dr_report *r, char paths[2][1024]);
/* Returns false when no user namespace can be created here. */
bool dr_check_kernel(struct dr_report *r);
void dr_check_trial(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg,
                    char paths[2][1024], bool userns_ok);
void dr_check_runtime(struct dr_report *r, const struct dr_user *u, const struct dr_ranges *rg);

/* "100000-165535 (/etc/subuid:3), ..." for a list of allotments. */
void dr_allotments_str(char *buf, size_t len, const struct idg_allotments *a);

#endif
