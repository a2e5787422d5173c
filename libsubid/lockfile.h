/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The locks shadow's tools (useradd, usermod, vipw...) take, so that
 * subid-add running beside them loses nothing:
 *
 *  1. an fcntl write lock on <confdir>/.pwd.lock, what lckpwdf(3) takes
 *     first; shadow's tools wait for it (glibc: up to 15 s);
 *  2. per file, <file>.lock, made atomically with link() from
 *     <file>.<pid>, a file holding the pid in decimal and a NUL as shadow
 *     writes it. A lock naming a process that no longer exists is stale
 *     (its holder was killed) and is taken over; since every taker holds
 *     lock 1 first, two cannot take over the same stale lock at once.
 *
 * Paths are given, never assumed, so tests lock files in temp dirs.
 */
#ifndef IDGATE_LOCKFILE_H
#define IDGATE_LOCKFILE_H

#include <sys/types.h>

/* Lock 1. Waits up to timeout_ms. An fd to pass to idg_pwdlock_release,
 * or -ETIMEDOUT, or another -errno. */
int idg_pwdlock_acquire(const char *path, unsigned timeout_ms);
void idg_pwdlock_release(int fd);

/*
 * Lock 2 for `file` (the lock is file + ".lock"). Retries while a live
 * process holds it, up to timeout_ms. 0; -EBUSY with *holder set when
 * it is still held at the end; -EINVAL when the lock file holds no pid
 * (*holder 0) — it is left alone, for a human to look at; another -errno.
 */
int idg_filelock_acquire(const char *file, unsigned timeout_ms, pid_t *holder);
/* Remove the lock, if it is ours. 0 or -errno. */
int idg_filelock_release(const char *file);

#endif
