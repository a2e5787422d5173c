/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The temporary directory the file tests work in (never /etc), and helpers
 * for the files in it. Include after defining _GNU_SOURCE (for nftw), and
 * register the directory with
 * tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir).
 */
#ifndef IDGATE_UNIT_TMPDIR_H
#define IDGATE_UNIT_TMPDIR_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

/* The directory, a fresh /tmp/idgate-unit-XXXXXX; empty when there is none. */
static char tmpdir[64];

/* Fixture: create tmpdir; no test can run without it, so abort on failure. */
static inline void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/idgate-unit-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        abort();
    }
}

/* nftw() callback of remove_tmpdir(): remove one entry, say so if it fails. */
static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (remove(path) < 0)
        perror(path);
    return 0;
}

/* Fixture: remove tmpdir and everything in it, links not followed. */
static inline void remove_tmpdir(void)
{
    if (tmpdir[0])
        nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    tmpdir[0] = '\0';
}

/* buf = tmpdir "/" and the printf-formatted name; it must fit in len. */
static inline void path_of(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void path_of(char *buf, size_t len, const char *fmt, ...)
{
    int n = snprintf(buf, len, "%s/", tmpdir);
    ck_assert(n > 0 && (size_t)n < len);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    ck_assert(m > 0 && (size_t)m < len - (size_t)n);
}

/* Create path (it must not exist) holding the len bytes of data, with exactly
 * this mode whatever the umask. */
static inline void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, (const char *)data + done, len - done);
        ck_assert_msg(w > 0, "write %s: %s", path, strerror(errno));
        done += (size_t)w;
    }
    ck_assert_int_eq(fchmod(fd, mode), 0);
    ck_assert_int_eq(close(fd), 0);
}

/* write_file() of the string text, without its NUL. */
static inline void write_str(const char *path, const char *text, mode_t mode)
{
    write_file(path, text, strlen(text), mode);
}

/* Whether path exists (a symlink, dangling or not, is not followed). */
static inline bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* The entries of tmpdir beginning with name are exactly the n_want of want. */
static inline void check_entries(const char *name, const char *const *want, size_t n_want)
{
    DIR *d = opendir(tmpdir);
    ck_assert_ptr_nonnull(d);
    size_t found = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, name, strlen(name)) != 0)
            continue;
        bool known = false;
        for (size_t k = 0; k < n_want; k++)
            known |= strcmp(de->d_name, want[k]) == 0;
        ck_assert_msg(known, "unexpected %s/%s left behind", tmpdir, de->d_name);
        found++;
    }
    closedir(d);
    ck_assert_msg(found == n_want, "%zu entries for %s, want %zu", found, name, n_want);
}

#endif
