/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * atomic.h: replacing a file in a temporary directory (never /etc): the new
 * content, mode and owner; the backup as a hard link of the old version; a
 * leftover <path>+ removed, never followed; failures named by step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "tmpdir.h"
#include "unit.h"

/* ------------------------------------------------------------------------ */
/* Files in the temporary directory */

/* The file (not followed if a symlink) holds exactly data. */
static void check_content(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_msg(S_ISREG(st.st_mode), "%s is not a regular file", path);
    ck_assert_msg((size_t)st.st_size == len, "%s has %lld bytes, want %zu", path,
                  (long long)st.st_size, len);
    char *buf = malloc(len + 1);
    ck_assert_ptr_nonnull(buf);
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd, buf + got, len + 1 - got)) > 0)
        got += (size_t)n;
    ck_assert_int_ge(n, 0);
    close(fd);
    ck_assert_msg(got == len && memcmp(buf, data, len) == 0, "%s: content differs", path);
    free(buf);
}

static void check_str(const char *path, const char *text)
{
    check_content(path, text, strlen(text));
}

static struct stat stat_of(const char *path)
{
    struct stat st;
    ck_assert_msg(lstat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
    return st;
}

static struct idg_replace opts(mode_t mode, bool backup)
{
    return (struct idg_replace){
        .uid = geteuid(), .gid = getegid(), .mode = mode, .backup = backup, .step = NULL};
}

static int replace_str(const char *path, const char *text, struct idg_replace *o)
{
    int r = idg_replace_file(path, text, strlen(text), o);
    ck_assert_msg(r == 0, "replace %s: %d (%s) at step %s", path, r, strerror(-r),
                  o->step ? o->step : "(none)");
    return r;
}

static const char old_text[] = "bob:100000:65536\n";
static const char new_text[] = "bob:100000:65536\nalice:165536:65536\n";

/* ------------------------------------------------------------------------ */
/* Replacing */

struct mode_case {
    mode_t old_mode, mode;
    bool backup;
    bool old_backup; /* a <path>- from an earlier run is there */
};

static const struct mode_case mode_cases[] = {
    {0600, 0644, true, false},  {0644, 0644, true, false}, {0644, 0640, true, false},
    {0644, 0600, false, false}, {0444, 0444, true, false}, {0600, 0400, false, false},
    {0644, 0644, true, true},   {0644, 0644, false, true}, {0755, 0644, true, false},
};

START_TEST(test_replace_existing)
{
    const struct mode_case *c = &mode_cases[_i];
    char name[32], path[PATH_MAX], backup[PATH_MAX], plus[PATH_MAX];
    snprintf(name, sizeof(name), "mode-%d", _i);
    path_of(path, sizeof(path), "%s", name);
    path_of(backup, sizeof(backup), "%s-", name);
    path_of(plus, sizeof(plus), "%s+", name);
    write_str(path, old_text, c->old_mode);
    if (c->old_backup)
        write_str(backup, "older\n", 0600);
    struct stat old = stat_of(path);

    struct idg_replace o = opts(c->mode, c->backup);
    replace_str(path, new_text, &o);

    check_str(path, new_text);
    struct stat st = stat_of(path);
    ck_assert_msg((st.st_mode & 07777) == c->mode, "mode %04o, want %04o", st.st_mode & 07777,
                  c->mode);
    ck_assert_uint_eq(st.st_uid, geteuid());
    ck_assert_uint_eq(st.st_gid, getegid());
    ck_assert_uint_eq(st.st_nlink, 1);
    ck_assert_msg(st.st_ino != old.st_ino, "the file was rewritten in place, not replaced");
    ck_assert(!exists(plus));

    char b_name[40];
    snprintf(b_name, sizeof(b_name), "%s-", name);
    const char *const with_backup[] = {name, b_name};
    if (c->backup) {
        /* the old version itself, by a hard link: same inode, same mode */
        check_str(backup, old_text);
        struct stat b = stat_of(backup);
        ck_assert_msg(b.st_ino == old.st_ino, "the backup is a copy, not the old file");
        ck_assert_uint_eq(b.st_mode & 07777, c->old_mode);
        check_entries(name, with_backup, 2);
    } else if (c->old_backup) {
        check_str(backup, "older\n"); /* not ours to touch */
        check_entries(name, with_backup, 2);
    } else {
        ck_assert(!exists(backup));
        check_entries(name, with_backup, 1);
    }
}
END_TEST

/* A missing file is created; there is nothing to back up. */
START_TEST(test_replace_missing)
{
    char path[PATH_MAX], backup[PATH_MAX], plus[PATH_MAX];
    path_of(path, sizeof(path), "new");
    path_of(backup, sizeof(backup), "new-");
    path_of(plus, sizeof(plus), "new+");
    struct idg_replace o = opts(0644, true);
    replace_str(path, new_text, &o);
    check_str(path, new_text);
    ck_assert_uint_eq(stat_of(path).st_mode & 07777, 0644);
    ck_assert(!exists(backup));
    ck_assert(!exists(plus));
    static const char *const only[] = {"new"};
    check_entries("new", only, 1);
}
END_TEST

/* Twice in a row: the backup holds the first replacement. */
START_TEST(test_replace_twice)
{
    char path[PATH_MAX], backup[PATH_MAX];
    path_of(path, sizeof(path), "twice");
    path_of(backup, sizeof(backup), "twice-");
    write_str(path, old_text, 0644);
    struct idg_replace o = opts(0644, true);
    replace_str(path, "first\n", &o);
    check_str(backup, old_text);
    o = opts(0644, true);
    replace_str(path, "second\n", &o);
    check_str(path, "second\n");
    check_str(backup, "first\n");
    static const char *const both[] = {"twice", "twice-"};
    check_entries("twice", both, 2);
}
END_TEST

/* The mode asked, whatever the umask. */
START_TEST(test_replace_ignores_umask)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "umask");
    write_str(path, old_text, 0600);
    mode_t saved = umask(0777);
    struct idg_replace o = opts(0644, false);
    int r = idg_replace_file(path, new_text, strlen(new_text), &o);
    umask(saved);
    ck_assert_int_eq(r, 0);
    check_str(path, new_text);
    ck_assert_uint_eq(stat_of(path).st_mode & 07777, 0644);
}
END_TEST

/* Any bytes, any length: empty, NULs, larger than a page. */
START_TEST(test_replace_content)
{
    char path[PATH_MAX], name[32];
    snprintf(name, sizeof(name), "content-%d", _i);
    path_of(path, sizeof(path), "%s", name);
    write_str(path, old_text, 0644);
    size_t len = _i == 0 ? 0 : _i == 1 ? 7 : (size_t)1 << 20;
    char *data = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(data);
    if (_i == 1)
        memcpy(data, "a\0b\0\0c\n", 7);
    else
        for (size_t k = 0; k < len; k++)
            data[k] = (char)(k * 131 + 7);
    struct idg_replace o = opts(0600, true);
    ck_assert_int_eq(idg_replace_file(path, data, len, &o), 0);
    check_content(path, data, len);
    char backup[PATH_MAX];
    path_of(backup, sizeof(backup), "%s-", name);
    check_str(backup, old_text);
    free(data);
}
END_TEST

/* Another owner and group (needs root to chown). */
START_TEST(test_replace_owner)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_replace_owner: not root, owner change not checked\n");
        return;
    }
    char path[PATH_MAX];
    path_of(path, sizeof(path), "owner");
    write_str(path, old_text, 0644);
    struct idg_replace o = {.uid = 12345, .gid = 23456, .mode = 0640, .backup = true};
    replace_str(path, new_text, &o);
    struct stat st = stat_of(path);
    ck_assert_uint_eq(st.st_uid, 12345);
    ck_assert_uint_eq(st.st_gid, 23456);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    char backup[PATH_MAX];
    path_of(backup, sizeof(backup), "owner-");
    struct stat b = stat_of(backup);
    ck_assert_uint_eq(b.st_uid, geteuid()); /* the old file, as it was */
}
END_TEST

/* ------------------------------------------------------------------------ */
/* A leftover <path>+ of a killed run */

enum leftover { LEFT_FILE, LEFT_SYMLINK, LEFT_DANGLING, LEFT_HARDLINK };

START_TEST(test_replace_leftover)
{
    char name[32], path[PATH_MAX], plus[PATH_MAX], victim[PATH_MAX];
    snprintf(name, sizeof(name), "left-%d", _i);
    path_of(path, sizeof(path), "%s", name);
    path_of(plus, sizeof(plus), "%s+", name);
    char v_name[48];
    snprintf(v_name, sizeof(v_name), "victim-%d", _i);
    path_of(victim, sizeof(victim), "%s", v_name);
    static const char victim_text[] = "root:x:0:0:root:/root:/bin/bash\n";

    write_str(path, old_text, 0644);
    switch ((enum leftover)_i) {
    case LEFT_FILE:
        write_str(plus, "half written garbage", 0666);
        break;
    case LEFT_SYMLINK:
        write_str(victim, victim_text, 0644);
        ck_assert_int_eq(symlink(victim, plus), 0);
        break;
    case LEFT_DANGLING:
        ck_assert_int_eq(symlink(victim, plus), 0);
        break;
    case LEFT_HARDLINK:
        write_str(victim, victim_text, 0644);
        ck_assert_int_eq(link(victim, plus), 0);
        break;
    }
    struct stat v_before = {0};
    if (_i == LEFT_SYMLINK || _i == LEFT_HARDLINK)
        v_before = stat_of(victim);

    struct idg_replace o = opts(0640, false);
    replace_str(path, new_text, &o);

    check_str(path, new_text);
    ck_assert_uint_eq(stat_of(path).st_mode & 07777, 0640);
    ck_assert(!exists(plus));
    if (_i == LEFT_DANGLING) {
        ck_assert_msg(!exists(victim), "the dangling link's target was created");
    } else if (_i != LEFT_FILE) {
        /* the file the leftover pointed at is untouched */
        check_str(victim, victim_text);
        struct stat v = stat_of(victim);
        ck_assert_uint_eq(v.st_mode & 07777, 0644);
        ck_assert_uint_eq(v.st_uid, v_before.st_uid);
        ck_assert_msg(v.st_ino != stat_of(path).st_ino, "the victim became the file");
    }
    const char *const only[] = {name};
    check_entries(name, only, 1);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Failures */

START_TEST(test_replace_no_dir)
{
    char path[PATH_MAX], dir[PATH_MAX];
    path_of(dir, sizeof(dir), "no-such-dir");
    path_of(path, sizeof(path), "no-such-dir/subuid");
    struct idg_replace o = opts(0644, true);
    int r = idg_replace_file(path, new_text, strlen(new_text), &o);
    ck_assert_msg(r == -ENOENT, "returned %d, want -ENOENT", r);
    ck_assert_ptr_nonnull(o.step);
    ck_assert_msg(o.step[0] != '\0', "empty step");
    ck_assert(!exists(dir));
}
END_TEST

/* The path is a directory: refused with a step, the directory stays. */
START_TEST(test_replace_over_directory)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "adir");
    ck_assert_int_eq(mkdir(path, 0755), 0);
    struct idg_replace o = opts(0644, false);
    int r = idg_replace_file(path, new_text, strlen(new_text), &o);
    ck_assert_msg(r < 0, "returned %d, want -errno", r);
    ck_assert_ptr_nonnull(o.step);
    ck_assert(S_ISDIR(stat_of(path).st_mode));
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Replacing with a copy of the open file first (subid-add's additions) */

/* A file of n bytes of lines, then open for reading with its stat. */
static int source(const char *path, size_t n, char **text, struct stat *st)
{
    *text = malloc(n + 1);
    ck_assert_ptr_nonnull(*text);
    for (size_t i = 0; i < n; i++)
        (*text)[i] = i % 20 == 19 ? '\n' : (char)('a' + i % 26);
    (*text)[n] = '\0';
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert(n == 0 || write(fd, *text, n) == (ssize_t)n);
    close(fd);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, st), 0);
    return fd;
}

/* Sizes around the 128 KiB pieces; the copy stops at the length given. */
static const size_t copy_sizes[][2] = {
    {0, 0}, {40, 40}, {40, 20}, {300000, 300000}, {300000, 131073}};

START_TEST(test_replace_after_source)
{
    char path[PATH_MAX], backup[PATH_MAX], plus[PATH_MAX], *text;
    path_of(path, sizeof(path), "src-%d", _i);
    path_of(backup, sizeof(backup), "src-%d-", _i);
    path_of(plus, sizeof(plus), "src-%d+", _i);
    size_t size = copy_sizes[_i][0], len = copy_sizes[_i][1];
    struct stat st;
    int fd = source(path, size, &text, &st);
    struct idg_replace o = opts(0644, true);
    o.src_fd = fd;
    o.src_st = &st;
    struct idg_piece pc[] = {{NULL, 0, len}, {"alice:165536:65536\n", 0, 19}};
    int r = idg_replace_pieces(path, pc, 2, &o);
    ck_assert_msg(r == 0, "replace: %d (%s) at %s", r, strerror(-r), o.step ? o.step : "-");
    char *want = malloc(len + 20);
    ck_assert_ptr_nonnull(want);
    memcpy(want, text, len);
    memcpy(want + len, "alice:165536:65536\n", 19);
    check_content(path, want, len + 19);
    check_content(backup, text, size); /* the old inode, untouched */
    ck_assert_uint_eq(stat_of(backup).st_ino, st.st_ino);
    ck_assert(!exists(plus));
    close(fd);
    free(want);
    free(text);
}
END_TEST

/*
 * Where copy_file_range() is refused (an old kernel, a container's seccomp
 * profile: ENOSYS or EPERM), the pieces are copied by pread()/write(): the
 * same file. The refusal is made by a seccomp filter in a child.
 */
START_TEST(test_replace_without_copy_file_range)
{
    char path[PATH_MAX], *text;
    path_of(path, sizeof(path), "nocfr-%d", _i);
    struct stat st;
    int fd = source(path, 300000, &text, &st);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_copy_file_range, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (_i ? EPERM : ENOSYS)),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
            _exit(2);
        off_t at = 0; /* the filter works: the kernel's copy is refused */
        if (syscall(__NR_copy_file_range, fd, &at, fd, NULL, (size_t)1, 0) != -1 ||
            errno != (_i ? EPERM : ENOSYS))
            _exit(3);
        struct idg_replace o = opts(0644, true);
        o.src_fd = fd;
        o.src_st = &st;
        struct idg_piece pc[] = {{NULL, 0, 250000}, {"alice:165536:65536\n", 0, 19}};
        _exit(idg_replace_pieces(path, pc, 2, &o) == 0 ? 0 : 4);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: status %d", status);
    char *want = malloc(250000 + 19);
    ck_assert_ptr_nonnull(want);
    memcpy(want, text, 250000);
    memcpy(want + 250000, "alice:165536:65536\n", 19);
    check_content(path, want, 250000 + 19);
    close(fd);
    free(want);
    free(text);
}
END_TEST

/*
 * The source changed after it was opened (a writer that ignores the lock):
 * nothing is replaced, no backup is made, and the caller is told. Without
 * the check, the new file would hold bytes that no scan has seen.
 */
enum { GREW, SHRANK, REWRITTEN, CHMODDED };

START_TEST(test_replace_source_changed)
{
    char path[PATH_MAX], backup[PATH_MAX], plus[PATH_MAX], *text;
    path_of(path, sizeof(path), "changed-%d", _i);
    path_of(backup, sizeof(backup), "changed-%d-", _i);
    path_of(plus, sizeof(plus), "changed-%d+", _i);
    struct stat st;
    int fd = source(path, 200000, &text, &st);
    /* past the timestamp granularity of the file system */
    nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    int w = open(path, O_WRONLY | O_CLOEXEC);
    ck_assert_int_ge(w, 0);
    switch (_i) {
    case GREW:
        ck_assert_int_eq(pwrite(w, "mallory:0:1\n", 12, 200000), 12);
        break;
    case SHRANK:
        ck_assert_int_eq(ftruncate(w, 1000), 0);
        break;
    case REWRITTEN: /* the same size, other bytes */
        ck_assert_int_eq(pwrite(w, "mallory:0:1\n", 12, 100), 12);
        break;
    case CHMODDED:
        ck_assert_int_eq(fchmod(w, 0600), 0);
        break;
    }
    struct stat now;
    ck_assert_int_eq(fstat(w, &now), 0);
    close(w);
    struct idg_replace o = opts(0644, true);
    o.src_fd = fd;
    o.src_st = &st;
    struct idg_piece pc[] = {{NULL, 0, 200000}, {"alice:165536:65536\n", 0, 19}};
    int r = idg_replace_pieces(path, pc, 2, &o);
    ck_assert_msg(r == -ESTALE, "case %d: returned %d, want -ESTALE", _i, r);
    struct stat after = stat_of(path);
    ck_assert_msg(after.st_ino == st.st_ino && after.st_size == now.st_size,
                  "case %d: the file was replaced", _i);
    ck_assert(!exists(backup));
    ck_assert(!exists(plus));
    close(fd);
    free(text);
}
END_TEST

static Suite *atomic_suite(void)
{
    Suite *s = suite_create("atomic");
    TCase *tc = tcase_create("replace");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_replace_existing, 0, (int)ARRAY_SIZE(mode_cases));
    tcase_add_test(tc, test_replace_missing);
    tcase_add_test(tc, test_replace_twice);
    tcase_add_test(tc, test_replace_ignores_umask);
    tcase_add_loop_test(tc, test_replace_content, 0, 3);
    tcase_add_test(tc, test_replace_owner);
    tcase_add_loop_test(tc, test_replace_leftover, 0, 4);
    tcase_add_test(tc, test_replace_no_dir);
    tcase_add_test(tc, test_replace_over_directory);
    tcase_add_loop_test(tc, test_replace_after_source, 0, (int)ARRAY_SIZE(copy_sizes));
    tcase_add_loop_test(tc, test_replace_source_changed, GREW, CHMODDED + 1);
    tcase_add_loop_test(tc, test_replace_without_copy_file_range, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(atomic_suite());
}
