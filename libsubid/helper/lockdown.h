/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The last step of the posture: a seccomp filter that leaves no path back
 * to uid 0 once the helper runs as the caller.
 *
 * After the drop the helper still holds CAP_SETUID (or CAP_SETGID) in its
 * permitted set: it needs it for the map write. With that capability a
 * process could raise it and call setuid(0). The filter makes every call
 * that changes credentials fail with EPERM (the set*id family, setgroups)
 * and so does exec (no program can be started), whatever the capability
 * sets; a system call of another ABI (32-bit or x32 on x86_64) kills the
 * process. The filter is inherited by the reader child and cannot be lifted.
 */
#ifndef IDGATE_LOCKDOWN_H
#define IDGATE_LOCKDOWN_H

#include <stdbool.h>

/* Does this build know its architecture's seccomp number? */
bool idg_lockdown_supported(void);

/* Install the filter (no_new_privs must be set). 0, or -errno; -ENOSYS on
 * an architecture the build does not know. */
int idg_lockdown(void);

#endif
