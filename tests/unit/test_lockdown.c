/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/lockdown.h: after idg_lockdown() no call may change credentials
 * or start a program, whatever capabilities the process holds (as root in
 * CI it holds all of them), and a call through another ABI kills it. Each
 * test runs in its own forked process (Check's default), so the filter
 * stays there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper/lockdown.h"
#include "unit.h"

static void lock(void)
{
    ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
    ck_assert_int_eq(idg_lockdown(), 0);
}

/* Before the filter these calls succeed for any process (they change
 * nothing); after it each fails with EPERM. */
START_TEST(test_id_calls_refused)
{
    uid_t u = getuid();
    gid_t g = getgid();
    ck_assert_int_eq(setresuid(u, u, u), 0);
    ck_assert_int_eq(setresgid(g, g, g), 0);
    lock();
    errno = 0;
    ck_assert_int_eq(setresuid(u, u, u), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(setresgid(g, g, g), -1);
    ck_assert_int_eq(syscall(SYS_setuid, u), -1);
    ck_assert_int_eq(syscall(SYS_setgid, g), -1);
    ck_assert_int_eq(syscall(SYS_setreuid, u, u), -1);
    ck_assert_int_eq(syscall(SYS_setregid, g, g), -1);
    /* setfs*id return the old id, never an error: they must not take effect. */
    ck_assert_int_eq(syscall(SYS_setfsuid, u), -1);
    ck_assert_int_eq(syscall(SYS_setfsgid, g), -1);
    ck_assert_int_eq(errno, EPERM);
    gid_t none[1] = {g};
    ck_assert_int_eq(syscall(SYS_setgroups, 1, none), -1);
    ck_assert_int_eq(errno, EPERM);
    /* Other calls still work. */
    ck_assert_int_eq(getpid(), syscall(SYS_getpid));
}
END_TEST

/* As root (CI), the way back would be setuid(0) with CAP_SETUID held. */
START_TEST(test_no_way_to_uid_0)
{
    lock();
    ck_assert_int_eq(syscall(SYS_setresuid, 0, 0, 0), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(syscall(SYS_setuid, 0), -1);
    ck_assert_int_eq(errno, EPERM);
}
END_TEST

START_TEST(test_exec_refused)
{
    lock();
    char *const argv[] = {"true", NULL};
    char *const envp[] = {NULL};
    ck_assert_int_eq(execve("/bin/true", argv, envp), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(syscall(SYS_execveat, -100, "/bin/true", argv, envp, 0), -1);
    ck_assert_int_eq(errno, EPERM);
}
END_TEST

#if defined(__x86_64__)
/* getpid through the x32 ABI (bit 30 set): killed with SIGSYS, whether or
 * not the kernel has x32 (without the filter: the pid, or ENOSYS). The
 * i386 ABI is refused by the arch test, which this kernel may not reach
 * (int 0x80 faults when ia32 emulation is off). */
START_TEST(test_x32_abi_killed)
{
    lock();
    long ret = syscall(0x40000000L | SYS_getpid);
    ck_abort_msg("the x32 call returned %ld", ret);
}
END_TEST
#endif

/* Without no_new_privs (and without CAP_SYS_ADMIN, which root is made to
 * drop here) the kernel refuses a filter: the helper sets no_new_privs
 * first, and a failure is fatal there. */
START_TEST(test_needs_no_new_privs)
{
    cap_t c = cap_get_proc();
    ck_assert_ptr_nonnull(c);
    cap_value_t admin = CAP_SYS_ADMIN;
    ck_assert_int_eq(cap_set_flag(c, CAP_EFFECTIVE, 1, &admin, CAP_CLEAR), 0);
    ck_assert_int_eq(cap_set_proc(c), 0);
    cap_free(c);
    ck_assert_int_eq(idg_lockdown(), -EACCES);
}
END_TEST

static Suite *lockdown_suite(void)
{
    Suite *s = suite_create("lockdown");
    TCase *tc = tcase_create("lockdown");
    if (!idg_lockdown_supported())
        return s;
    tcase_add_test(tc, test_id_calls_refused);
    tcase_add_test(tc, test_no_way_to_uid_0);
    tcase_add_test(tc, test_exec_refused);
#if defined(__x86_64__)
    tcase_add_test_raise_signal(tc, test_x32_abi_killed, SIGSYS);
#endif
    tcase_add_test(tc, test_needs_no_new_privs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(lockdown_suite());
}
