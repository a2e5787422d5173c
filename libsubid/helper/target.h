/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The target process, opened once and then only reached through that fd
 * (step 4 of the order in helper.c).
 *
 * Rules this file keeps:
 *  - /proc/PID is opened with O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC, or taken from
 *    the caller's fd:N, which must be a directory on procfs or a pidfd;
 *  - with a pidfd, the pidfd's process must still be alive after /proc/PID
 *    was opened: then /proc/PID is that process, not a reuse of its pid;
 *  - a target that has exited (a zombie, or reaped) is reported as exited,
 *    not with the kernel's bare EPERM or ESRCH; one whose main thread
 *    exited while other threads run has not: it is mapped, through a
 *    running thread's task/TID, as the kernel and shadow allow;
 *  - every fact (owner, user namespace, map state) is read through the fd.
 */
#ifndef IDGATE_TARGET_H
#define IDGATE_TARGET_H

#include <stddef.h>
#include <sys/types.h>

#include "../decide.h"
#include "../request.h"

struct idg_target_fd {
    int proc;  /* the /proc/PID directory */
    int pidfd; /* the caller's pidfd, or -1 */
    uint32_t pid;
};

/* Open. Returns 0, or -1 with a message (what, why, what to do) in err. */
int idg_target_open(const struct idg_target_arg *a, struct idg_target_fd *t, char *err,
                    size_t errlen);

/* Read the facts idg_decide() needs. Returns 0, or -1 with a message. */
int idg_target_facts(const struct idg_target_fd *t, enum idg_kind k, struct idg_target *f,
                     char *err, size_t errlen);

/* Is the process still running: not a zombie, not reaped and, with a
 * pidfd, still the pidfd's process? */
bool idg_target_alive(const struct idg_target_fd *t);

/* "process N has exited; nothing was written; ..." for a target found gone. */
void idg_target_exited_msg(const struct idg_target_fd *t, enum idg_kind k, char *err,
                           size_t errlen);

/* The directory to open the target's uid_map, gid_map, setgroups in for
 * writing: a new fd of /proc/PID, or, when its main thread has exited and
 * other threads run, of /proc/PID/task/TID of a running thread in the same
 * user namespace. -1 with errno (ESRCH: no thread runs). */
int idg_target_write_dir(const struct idg_target_fd *t);

void idg_target_close(struct idg_target_fd *t);

/* "uid_map" or "gid_map". */
const char *idg_map_file(enum idg_kind k);

#endif
