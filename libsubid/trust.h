/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which configuration files may grant ids (SECURITY.md, "What is trusted").
 *
 * Rules, checked on the opened fd, never on the path (no TOCTOU):
 *  - opened with O_NOFOLLOW: a symlink in the final component is refused;
 *  - a regular file;
 *  - owned by the trusted owner (root in the helpers);
 *  - not writable by group or others.
 */
#ifndef IDGATE_TRUST_H
#define IDGATE_TRUST_H

#include <sys/types.h>

enum idg_trust {
    IDG_TRUST_OK,
    IDG_TRUST_MISSING,     /* ENOENT: not an error for optional sources */
    IDG_TRUST_SYMLINK,     /* final component is a symbolic link */
    IDG_TRUST_NOT_REGULAR, /* directory, fifo, device, socket */
    IDG_TRUST_BAD_OWNER,   /* not owned by the trusted owner */
    IDG_TRUST_WRITABLE,    /* group- or other-writable */
    IDG_TRUST_IO,          /* open/read failed: see err */
};

struct idg_file_problem {
    enum idg_trust why;
    int err; /* errno for IDG_TRUST_IO */
    mode_t mode;
    uid_t uid;
    const char *path; /* the file, as given to idg_open_trusted */
};

/* Open `path` read-only if it passes the rules. Returns an fd, or -1 with
 * *pb saying why (IDG_TRUST_MISSING when it does not exist). */
int idg_open_trusted(const char *path, uid_t trusted_owner, struct idg_file_problem *pb);

/* Why, and what to do, in words: "is writable by group or others (mode 0666);
 * run: chmod go-w PATH". Writes into buf. */
const char *idg_file_problem_str(char *buf, size_t len, const char *path,
                                 const struct idg_file_problem *pb);

#endif
