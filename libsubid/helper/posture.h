/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The helpers' process posture, fixed before anything is parsed or read
 * (steps 1 and 2 of the order in helper.c).
 *
 * Rules this file keeps:
 *  - fds 0-2 are open (on /dev/null if the caller closed them), every other
 *    fd is closed except the fd:N target;
 *  - the environment is empty but for LC_ALL=C and a fixed PATH; umask 077;
 *    SIGCHLD is at its default and SIGPIPE, SIGXFSZ and SIGXCPU ignored,
 *    whatever the caller set;
 *  - real, effective and saved uid and gid are the caller's;
 *  - the permitted capabilities are only CAP_SETUID (newuidmap) or CAP_SETGID
 *    (newgidmap), plus CAP_SETFCAP for newuidmap until it is known not to be
 *    needed; nothing is effective except around the map write; the bounding
 *    and ambient sets are empty where we may empty them; no_new_privs is set
 *    and the process is not dumpable;
 *  - last, a seccomp filter (lockdown.h) makes every set*id call, setgroups
 *    and exec fail, so the capability left can never lead back to uid 0;
 *  - every one of these is verified after it is done; a failure is fatal.
 */
#ifndef IDGATE_POSTURE_H
#define IDGATE_POSTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/types.h>

enum idg_priv {
    IDG_PRIV_OK,
    IDG_PRIV_NONE,   /* neither setuid root nor file capabilities */
    IDG_PRIV_NNP,    /* no_new_privs made the kernel ignore them */
    IDG_PRIV_NOSUID, /* the binary is on a nosuid mount */
    IDG_PRIV_TRACED, /* started under ptrace: the kernel ignored them */
    IDG_PRIV_USERNS, /* a user namespace that does not map the file's owner */
};

struct idg_posture {
    uid_t uid; /* the caller */
    gid_t gid;
    cap_value_t cap; /* CAP_SETUID or CAP_SETGID */
    enum idg_priv priv;
    long tracer; /* IDG_PRIV_TRACED: TracerPid */
    bool has_setfcap;
};

/* Step 1. keep_fd is the fd:N target, or -1. Returns 0 or -errno. */
int idg_sanitize_process(int keep_fd);

/* Step 2. Returns 0 (see p->priv) or -errno when a step or its check failed. */
int idg_drop_privileges(cap_value_t cap, struct idg_posture *p);

/* Give up CAP_SETFCAP for good (not needed unless host id 0 is mapped). */
int idg_drop_setfcap(struct idg_posture *p);

/* Make p->cap (and CAP_SETFCAP if still held) effective, or not. */
int idg_cap_effective(const struct idg_posture *p, bool on);

/* Why the helper has no privilege, and what to do, for p->priv != OK. */
const char *idg_priv_problem(char *buf, size_t len, const char *prog, const struct idg_posture *p);

/* The same for the binary `file` (shown as `exe`), as seen from outside. */
const char *idg_priv_problem_at(char *buf, size_t len, const char *prog, const char *file,
                                const char *exe, cap_value_t cap, enum idg_priv priv);

/*
 * The one rule for "would the kernel give the helper its privilege":
 * no_new_privs, then a nosuid mount, make it ignore the setuid bit and file
 * capabilities; without either there is none to give.
 */
enum idg_priv idg_priv_why(bool installed, bool nosuid, bool nnp);

/* How a helper binary is installed, as this process would run it. */
struct idg_priv_file {
    mode_t mode;
    uid_t uid;
    bool setuid_root;   /* mode 4xxx, owner root */
    bool file_cap;      /* the capability in the file's permitted and effective sets */
    char caps[128];     /* the file's capabilities as text, "" for none */
    bool nosuid;        /* on a filesystem mounted nosuid */
    bool executable;    /* access(X_OK) for this process */
    enum idg_priv priv; /* idg_priv_why(), no_new_privs from this process */
};

/* Inspect `path` for capability `cap`. 0, or -errno when it cannot be opened. */
int idg_priv_of_file(const char *path, cap_value_t cap, struct idg_priv_file *f);

#endif
