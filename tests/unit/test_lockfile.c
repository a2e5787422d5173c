/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lockfile.h: shadow's two locks, in a temporary directory (never /etc):
 * <file>.lock holding a pid and a NUL, taken over when stale, left alone
 * when unreadable; and the fcntl lock on .pwd.lock, held by another process.
 *
 * Other holders are forked children that wait on a pipe: they end when the
 * test closes its end or dies, so a failed test leaves no process behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lockfile.h"
#include "tmpdir.h"
#include "unit.h"

/* ------------------------------------------------------------------------ */
/* Files in the temporary directory, time */

/* The whole file into buf; its length, or -1 if it does not exist. */
static ssize_t read_bytes(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        ck_assert_msg(errno == ENOENT, "open %s: %s", path, strerror(errno));
        return -1;
    }
    ssize_t n = read(fd, buf, cap);
    ck_assert_msg(n >= 0 && (size_t)n < cap, "read %s", path);
    close(fd);
    return n;
}

/* The lock file content shadow writes: the pid in decimal, then a NUL. */
static size_t shadow_lock_text(char *buf, size_t cap, pid_t pid)
{
    int n = snprintf(buf, cap, "%ld", (long)pid);
    ck_assert(n > 0 && (size_t)n < cap);
    return (size_t)n + 1;
}

static void check_lock_holds(const char *lock, pid_t pid)
{
    char want[32], got[64];
    size_t n = shadow_lock_text(want, sizeof(want), pid);
    ssize_t m = read_bytes(lock, got, sizeof(got));
    ck_assert_msg(m >= 0, "%s does not exist", lock);
    ck_assert_msg((size_t)m == n && memcmp(got, want, n) == 0,
                  "%s holds \"%.*s\" (%zd bytes), want \"%s\" and a NUL (%zu bytes)", lock, (int)m,
                  got, m, want, n);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------------ */
/* Other processes */

struct child {
    pid_t pid;
    int keep; /* our end of its pipe: closing it ends the child */
};

/* A child that waits; if lock_path, it first takes an fcntl write lock on it. */
static struct child spawn(const char *lock_path)
{
    int ctl[2], ready[2];
    ck_assert_int_eq(pipe(ctl), 0);
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(ctl[1]);
        close(ready[0]);
        char ok = 'y';
        if (lock_path) {
            int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
            if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
                ok = 'n';
        }
        if (write(ready[1], &ok, 1) != 1)
            _exit(2);
        char c;
        while (read(ctl[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(ctl[0]);
    close(ready[1]);
    char ok = 0;
    ck_assert_int_eq(read(ready[0], &ok, 1), 1);
    close(ready[0]);
    ck_assert_msg(ok == 'y', "child could not take its lock");
    return (struct child){pid, ctl[1]};
}

static void end_child(struct child *c)
{
    kill(c->pid, SIGKILL);
    close(c->keep);
    int status;
    ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
}

/* The pid of a process that no longer exists (reaped). */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(kill(pid, 0) < 0 && errno == ESRCH, "pid %ld still exists", (long)pid);
    return pid;
}

/* Can another process take an fcntl write lock on path now? */
static bool other_can_lock(const char *path)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(path, O_RDWR | O_CLOEXEC);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fd < 0)
            _exit(2);
        _exit(fcntl(fd, F_SETLK, &fl) == 0 ? 0 : errno == EAGAIN || errno == EACCES ? 1 : 3);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_msg(WEXITSTATUS(status) < 2, "lock probe failed: %d", WEXITSTATUS(status));
    return WEXITSTATUS(status) == 0;
}

/* ------------------------------------------------------------------------ */
/* <file>.lock */

static const char file_content[] = "alice:100000:65536\n";

static void make_file(const char *name, char *file, char *lock, size_t len)
{
    path_of(file, len, "%s", name);
    path_of(lock, len, "%s.lock", name);
    write_str(file, file_content, 0644);
}

static void check_file_untouched(const char *file)
{
    char buf[64];
    ssize_t n = read_bytes(file, buf, sizeof(buf));
    ck_assert_int_eq(n, (ssize_t)strlen(file_content));
    ck_assert_mem_eq(buf, file_content, (size_t)n);
}

START_TEST(test_filelock_acquire_release)
{
    char file[PATH_MAX], lock[PATH_MAX];
    make_file("plain", file, lock, sizeof(file));
    pid_t holder = -7;
    ck_assert_int_eq(idg_filelock_acquire(file, 200, &holder), 0);
    check_lock_holds(lock, getpid());
    /* the lock and the file, and no <file>.<pid> or other temporary */
    static const char *const both[] = {"plain", "plain.lock"};
    check_entries("plain", both, 2);
    char tmp[PATH_MAX];
    path_of(tmp, sizeof(tmp), "plain.%ld", (long)getpid());
    ck_assert(!exists(tmp));

    ck_assert_int_eq(idg_filelock_release(file), 0);
    ck_assert(!exists(lock));
    static const char *const one[] = {"plain"};
    check_entries("plain", one, 1);
    check_file_untouched(file);

    /* and again: a released lock can be taken */
    ck_assert_int_eq(idg_filelock_acquire(file, 200, &holder), 0);
    check_lock_holds(lock, getpid());
    ck_assert_int_eq(idg_filelock_release(file), 0);
    ck_assert(!exists(lock));
}
END_TEST

/* The file being locked need not exist yet (a first subuid). */
START_TEST(test_filelock_missing_file)
{
    char file[PATH_MAX], lock[PATH_MAX];
    path_of(file, sizeof(file), "absent");
    path_of(lock, sizeof(lock), "absent.lock");
    pid_t holder = -7;
    ck_assert_int_eq(idg_filelock_acquire(file, 200, &holder), 0);
    check_lock_holds(lock, getpid());
    ck_assert(!exists(file));
    ck_assert_int_eq(idg_filelock_release(file), 0);
    ck_assert(!exists(lock));
}
END_TEST

/* A live process named in the lock: -EBUSY with its pid, after the timeout,
 * and the lock is still its. Shadow's form and hand-written forms. */
struct busy_case {
    const char *tail; /* bytes after the decimal pid */
    size_t tail_len;
};

static const struct busy_case busy_cases[] = {
    {"\0", 1}, /* shadow: pid and NUL */
    {"\n", 1}, /* pid and newline */
    {"", 0},   /* pid alone */
};

/* The pid in decimal and the case's tail; the length. */
static size_t pid_text(char *buf, size_t cap, pid_t pid, const struct busy_case *c)
{
    int n = snprintf(buf, cap, "%ld", (long)pid);
    ck_assert(n > 0 && (size_t)n + c->tail_len <= cap);
    memcpy(buf + n, c->tail, c->tail_len);
    return (size_t)n + c->tail_len;
}

START_TEST(test_filelock_busy)
{
    const struct busy_case *c = &busy_cases[_i];
    char file[PATH_MAX], lock[PATH_MAX], name[32];
    snprintf(name, sizeof(name), "busy-%d", _i);
    make_file(name, file, lock, sizeof(file));
    struct child ch = spawn(NULL);
    char text[32];
    size_t len = pid_text(text, sizeof(text), ch.pid, c);
    write_file(lock, text, len, 0644);

    pid_t holder = 0;
    double t0 = now_ms();
    int r = idg_filelock_acquire(file, 200, &holder);
    double ms = now_ms() - t0;
    ck_assert_msg(r == -EBUSY, "case %d: returned %d, want -EBUSY", _i, r);
    ck_assert_msg(holder == ch.pid, "case %d: holder %ld, want %ld", _i, (long)holder,
                  (long)ch.pid);
    ck_assert_msg(ms >= 180 && ms < 5000, "case %d: gave up after %.0f ms, timeout 200", _i, ms);
    /* the holder's lock is untouched, and nothing of ours is left */
    char got[64];
    ck_assert_int_eq(read_bytes(lock, got, sizeof(got)), (ssize_t)len);
    ck_assert_mem_eq(got, text, len);
    char lock_name[64];
    snprintf(lock_name, sizeof(lock_name), "%s.lock", name);
    const char *const both[] = {name, lock_name};
    check_entries(name, both, 2);

    /* release does not remove someone else's lock */
    idg_filelock_release(file);
    ck_assert_int_eq(read_bytes(lock, got, sizeof(got)), (ssize_t)len);
    ck_assert_mem_eq(got, text, len);
    end_child(&ch);
    check_file_untouched(file);
}
END_TEST

/* A lock naming a process that is gone is stale: taken over, then ours. */
START_TEST(test_filelock_stale)
{
    const struct busy_case *c = &busy_cases[_i];
    char file[PATH_MAX], lock[PATH_MAX], name[32];
    snprintf(name, sizeof(name), "stale-%d", _i);
    make_file(name, file, lock, sizeof(file));
    pid_t dead = dead_pid();
    char text[32];
    write_file(lock, text, pid_text(text, sizeof(text), dead, c), 0644);

    pid_t holder = -7;
    int r = idg_filelock_acquire(file, 200, &holder);
    ck_assert_msg(r == 0, "case %d: stale lock of pid %ld: returned %d, want 0", _i, (long)dead, r);
    check_lock_holds(lock, getpid());
    char lock_name[64];
    snprintf(lock_name, sizeof(lock_name), "%s.lock", name);
    const char *const both[] = {name, lock_name};
    check_entries(name, both, 2);
    ck_assert_int_eq(idg_filelock_release(file), 0);
    ck_assert(!exists(lock));
    check_file_untouched(file);
}
END_TEST

/* The holder dies while we wait: the lock is taken within the timeout. */
START_TEST(test_filelock_holder_dies)
{
    char file[PATH_MAX], lock[PATH_MAX];
    make_file("dies", file, lock, sizeof(file));
    /* children are reaped by the kernel, so a dead holder is not a zombie */
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct timespec t = {0, 100 * 1000 * 1000};
        nanosleep(&t, NULL);
        _exit(0);
    }
    char text[32];
    write_file(lock, text, shadow_lock_text(text, sizeof(text), pid), 0644);
    pid_t holder = -7;
    double t0 = now_ms();
    int r = idg_filelock_acquire(file, 5000, &holder);
    double ms = now_ms() - t0;
    ck_assert_msg(r == 0, "returned %d, want 0 once pid %ld is gone", r, (long)pid);
    ck_assert_msg(ms < 4000, "took %.0f ms", ms);
    check_lock_holds(lock, getpid());
    ck_assert_int_eq(idg_filelock_release(file), 0);
    ck_assert(!exists(lock));
}
END_TEST

/* No pid in the lock: -EINVAL, holder 0, and the file is left for a human. */
struct garbage_case {
    const char *text;
    size_t len; /* UNIT_STRLEN: strlen(text) */
};

static const struct garbage_case garbage_cases[] = {
    {"abc", UNIT_STRLEN}, {"abc\0", 4},
    {"", UNIT_STRLEN},    {"\0", 1},
    {"\n", UNIT_STRLEN},  {"12abc\0", 6},
    {"0\0", 2},  /* kill(0, 0) would ask about our own process group */
    {"-1\0", 3}, /* kill(-1, 0) would ask about every process */
    {"-42\0", 4},         {"99999999999999999999\0", 21},
    {"0x10\0", 5},
};

START_TEST(test_filelock_garbage)
{
    const struct garbage_case *c = &garbage_cases[_i];
    char file[PATH_MAX], lock[PATH_MAX], name[32];
    snprintf(name, sizeof(name), "garbage-%d", _i);
    make_file(name, file, lock, sizeof(file));
    size_t len = c->len == UNIT_STRLEN ? strlen(c->text) : c->len;
    write_file(lock, c->text, len, 0644);
    pid_t holder = -7;
    int r = idg_filelock_acquire(file, 100, &holder);
    ck_assert_msg(r == -EINVAL, "case %d: returned %d, want -EINVAL", _i, r);
    ck_assert_msg(holder == 0, "case %d: holder %ld, want 0", _i, (long)holder);
    char got[64];
    ck_assert_int_eq(read_bytes(lock, got, sizeof(got)), (ssize_t)len);
    ck_assert_mem_eq(got, c->text, len);
    check_file_untouched(file);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* .pwd.lock */

START_TEST(test_pwdlock_acquire_release)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), ".pwd.lock-a");
    int fd = idg_pwdlock_acquire(path, 200);
    ck_assert_msg(fd >= 0, "acquire: %d", fd);
    ck_assert(exists(path));
    /* a real fcntl lock: another process cannot take it */
    ck_assert(!other_can_lock(path));
    idg_pwdlock_release(fd);
    ck_assert(other_can_lock(path));
    /* and again */
    fd = idg_pwdlock_acquire(path, 200);
    ck_assert_int_ge(fd, 0);
    ck_assert(!other_can_lock(path));
    idg_pwdlock_release(fd);
}
END_TEST

START_TEST(test_pwdlock_held)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), ".pwd.lock-b");
    struct child ch = spawn(path);
    double t0 = now_ms();
    int r = idg_pwdlock_acquire(path, 200);
    double ms = now_ms() - t0;
    ck_assert_msg(r == -ETIMEDOUT, "returned %d, want -ETIMEDOUT", r);
    ck_assert_msg(ms >= 180 && ms < 5000, "gave up after %.0f ms, timeout 200", ms);
    end_child(&ch);
    int fd = idg_pwdlock_acquire(path, 200);
    ck_assert_msg(fd >= 0, "after the holder ended: %d", fd);
    ck_assert(!other_can_lock(path));
    idg_pwdlock_release(fd);
}
END_TEST

/* The holder lets go while we wait: we get the lock before the timeout. */
START_TEST(test_pwdlock_waits)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), ".pwd.lock-c");
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(ready[0]);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        char ok = fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(2);
        struct timespec t = {0, 150 * 1000 * 1000};
        nanosleep(&t, NULL);
        _exit(0);
    }
    close(ready[1]);
    char ok = 0;
    ck_assert_int_eq(read(ready[0], &ok, 1), 1);
    ck_assert(ok == 'y');
    double t0 = now_ms();
    int fd = idg_pwdlock_acquire(path, 5000);
    double ms = now_ms() - t0;
    ck_assert_msg(fd >= 0, "returned %d, want the lock once the holder exits", fd);
    ck_assert_msg(ms >= 50 && ms < 4000, "got it after %.0f ms", ms);
    ck_assert(!other_can_lock(path));
    idg_pwdlock_release(fd);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}
END_TEST

/* A directory that does not exist: an error, not a wait. */
START_TEST(test_pwdlock_bad_dir)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "no-such-dir/.pwd.lock");
    double t0 = now_ms();
    int r = idg_pwdlock_acquire(path, 1000);
    double ms = now_ms() - t0;
    ck_assert_msg(r == -ENOENT, "returned %d, want -ENOENT", r);
    ck_assert_msg(ms < 500, "took %.0f ms", ms);
}
END_TEST

static Suite *lockfile_suite(void)
{
    Suite *s = suite_create("lockfile");
    TCase *tc = tcase_create("filelock");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_filelock_acquire_release);
    tcase_add_test(tc, test_filelock_missing_file);
    tcase_add_loop_test(tc, test_filelock_busy, 0, (int)ARRAY_SIZE(busy_cases));
    tcase_add_loop_test(tc, test_filelock_stale, 0, (int)ARRAY_SIZE(busy_cases));
    tcase_add_test(tc, test_filelock_holder_dies);
    tcase_add_loop_test(tc, test_filelock_garbage, 0, (int)ARRAY_SIZE(garbage_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("pwdlock");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_pwdlock_acquire_release);
    tcase_add_test(tc, test_pwdlock_held);
    tcase_add_test(tc, test_pwdlock_waits);
    tcase_add_test(tc, test_pwdlock_bad_dir);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(lockfile_suite());
}
