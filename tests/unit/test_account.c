/* SPDX-License-Identifier: BSD-3-Clause */
/* account.h: idg_passwd_file_uid(), the caller's passwd line without NSS;
 * idg_owner_for_query(), shadow's rule for whose lines a query names. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "account.h"
#include "tmpdir.h"
#include "unit.h"

struct pw_case {
    const char *text; /* NULL: no file */
    mode_t mode;
    uint32_t uid;
    int ret;
    const char *name;
    uint32_t gid;
};

static const struct pw_case pw_cases[] = {
    {"root:x:0:0::/root:/bin/sh\nalice:x:1001:100::/home/a:/bin/sh\n", 0644, 1001, 0, "alice", 100},
    {"root:x:0:0::/root:/bin/sh\n", 0644, 0, 0, "root", 0},
    {"root:x:0:0::/root:/bin/sh\n", 0644, 1001, -ENOENT, NULL, 0},
    /* the first line with the uid counts, as in glibc's files source */
    {"alice:x:1001:100::/:/bin/sh\nbob:x:1001:200::/:/bin/sh\n", 0644, 1001, 0, "alice", 100},
    /* +/- lines (compat syntax) are no accounts for files */
    {"+alice:x:1001:100::/:/bin/sh\n-x:x:1001:1::/:\nbob:x:1001:200::/:/bin/sh\n", 0644, 1001, 0,
     "bob", 200},
    /* a line glibc cannot parse is skipped, the next one counts */
    {"broken line\nalice:x:notanumber:1::/:\ncarol:x:1001:7::/:/bin/sh", 0644, 1001, 0, "carol", 7},
    {"alice:x:1001:100::/:/bin/sh\n", 0664, 1001, -EPERM, NULL, 0}, /* group-writable */
    {"alice:x:1001:100::/:/bin/sh\n", 0646, 1001, -EPERM, NULL, 0}, /* world-writable */
    {"", 0644, 1001, -ENOENT, NULL, 0},
    {NULL, 0, 1001, -ENOENT, NULL, 0},
};

START_TEST(test_passwd_file_uid)
{
    const struct pw_case *c = &pw_cases[_i];
    char path[256];
    path_of(path, sizeof(path), "passwd.%d", _i);
    if (c->text)
        write_str(path, c->text, c->mode);
    struct idg_account a;
    memset(&a, 0x5a, sizeof(a));
    int r = idg_passwd_file_uid(path, geteuid(), c->uid, &a);
    ck_assert_msg(r == c->ret, "case %d: returned %d, want %d", _i, r, c->ret);
    if (r == 0) {
        ck_assert_str_eq(a.name, c->name);
        ck_assert_uint_eq(a.uid, c->uid);
        ck_assert_uint_eq(a.gid, c->gid);
    }
}
END_TEST

/* A file owned by someone else than the trusted owner is refused. */
/* Over the host's passwd and group databases: every Debian system has
 * root (0) and daemon (1), users and groups both, and no account named by
 * a number. */
struct query_case {
    const char *query;
    bool group;
    int ret;
    const char *id; /* the decimal key that matches besides the text, or "" */
};

static const struct query_case query_cases[] = {
    {"root", false, 1, "0"},
    {"daemon", false, 1, "1"},
    {"root", true, 1, "0"},
    {"daemon", true, 1, "1"},
    /* a number is no account's name: only the lines keyed by it */
    {"0", false, 0, ""},
    {"1", true, 0, ""},
    /* an owner that is no account: podman's "containers" */
    {"idgate-no-such-owner", false, 0, ""},
    {"idgate-no-such-owner", true, 0, ""},
};

START_TEST(test_owner_for_query)
{
    const struct query_case *c = &query_cases[_i];
    struct idg_owner o;
    ck_assert_int_eq(idg_owner_for_query(c->query, c->group, &o), c->ret);
    ck_assert(idg_owner_matches(&o, c->query, strlen(c->query)));
    ck_assert_str_eq(o.uid_len ? o.uid_str : "", c->id);
    if (c->id[0])
        ck_assert(idg_owner_matches(&o, c->id, strlen(c->id)));
    /* never the uid lines of another account */
    ck_assert(!idg_owner_matches(&o, "2", 1));
}
END_TEST

START_TEST(test_passwd_file_foreign_owner)
{
    char path[256];
    path_of(path, sizeof(path), "passwd.foreign");
    write_str(path, "alice:x:1001:100::/:/bin/sh\n", 0644);
    struct idg_account a;
    ck_assert_int_eq(idg_passwd_file_uid(path, geteuid() + 1, 1001, &a), -EPERM);
}
END_TEST

/* A line longer than the 4 KiB the parser gets is not guessed at. */
START_TEST(test_passwd_file_long_line)
{
    char path[256], text[6000];
    path_of(path, sizeof(path), "passwd.long");
    int n = snprintf(text, sizeof(text), "alice:x:1001:100:");
    memset(text + n, 'g', 5000);
    strcpy(text + n + 5000, ":/:/bin/sh\n");
    write_str(path, text, 0644);
    struct idg_account a;
    ck_assert_int_eq(idg_passwd_file_uid(path, geteuid(), 1001, &a), -ERANGE);
}
END_TEST

/* A symlink is not followed (O_NOFOLLOW), whatever it points to. */
START_TEST(test_passwd_file_symlink)
{
    char path[256], link[256];
    path_of(path, sizeof(path), "passwd.real");
    path_of(link, sizeof(link), "passwd.link");
    write_str(path, "alice:x:1001:100::/:/bin/sh\n", 0644);
    ck_assert_int_eq(symlink(path, link), 0);
    struct idg_account a;
    ck_assert_int_eq(idg_passwd_file_uid(link, geteuid(), 1001, &a), -EPERM);
}
END_TEST

static Suite *account_suite(void)
{
    Suite *s = suite_create("account");
    TCase *tc = tcase_create("passwd_file");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_loop_test(tc, test_passwd_file_uid, 0, (int)ARRAY_SIZE(pw_cases));
    tcase_add_test(tc, test_passwd_file_foreign_owner);
    tcase_add_test(tc, test_passwd_file_long_line);
    tcase_add_test(tc, test_passwd_file_symlink);
    tcase_add_loop_test(tc, test_owner_for_query, 0, (int)ARRAY_SIZE(query_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(account_suite());
}
