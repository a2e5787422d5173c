/* SPDX-License-Identifier: BSD-3-Clause */
#include "lockdown.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* An x32 build (x86_64 with ILP32) makes every call with the x32 bit,
 * which the filter below refuses: it gets no ARCH, so no filter. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define ARCH AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define ARCH AUDIT_ARCH_S390X
#endif

/* The calls that change credentials or start a program. */
static const long forbidden[] = {
    SYS_setuid,      SYS_setgid,     SYS_setreuid,   SYS_setregid,    SYS_setresuid,
    SYS_setresgid,   SYS_setfsuid,   SYS_setfsgid,   SYS_setgroups,   SYS_execve,
#ifdef SYS_execveat
    SYS_execveat,
#endif
#ifdef SYS_setuid32 /* the 32-bit uid calls of i386 and arm */
    SYS_setuid32,    SYS_setgid32,   SYS_setreuid32, SYS_setregid32,  SYS_setresuid32,
    SYS_setresgid32, SYS_setfsuid32, SYS_setfsgid32, SYS_setgroups32,
#endif
};

#define N_FORBIDDEN (sizeof(forbidden) / sizeof(forbidden[0]))

bool idg_lockdown_supported(void)
{
#ifdef ARCH
    return true;
#else
    return false;
#endif
}

#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP(code, k, jt, jf))

int idg_lockdown(void)
{
#ifndef ARCH
    return -ENOSYS;
#else
    struct sock_filter prog[6 + 2 * N_FORBIDDEN + 1];
    size_t n = 0;
    /* A call through another ABI of this kernel (its numbers differ): killed. */
    prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0);
    prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__) && !defined(__ILP32__)
    /* x32 numbers carry bit 30 and share the x86_64 arch value. */
    prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
    prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
    for (size_t i = 0; i < N_FORBIDDEN; i++) {
        prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)forbidden[i], 0, 1);
        prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
    }
    prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog fp = {.len = (unsigned short)n, .filter = prog};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0)
        return -errno;
    return 0;
#endif
}
