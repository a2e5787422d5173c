/* SPDX-License-Identifier: BSD-3-Clause */
/* lint.h: the overlap sweep and the account-id rule that subid-add --check
 * and subid-doctor share, over tables of files and accounts. */
#include <stdio.h>
#include <string.h>

#include "lint.h"
#include "unit.h"

/* Accounts of the tables: no NSS, the same on every host. */
static void index_of(struct idg_owner_index *x)
{
    struct idg_id_list l = {0};
    ck_assert_int_eq(idg_id_list_add(&l, 0, "root"), 0);
    ck_assert_int_eq(idg_id_list_add(&l, 1000, "alice"), 0);
    ck_assert_int_eq(idg_id_list_add(&l, 1001, "bob"), 0);
    ck_assert_int_eq(idg_id_list_add(&l, 5001, "dir1"), 0);
    ck_assert_int_eq(idg_id_list_add(&l, 100005, "high"), 0);
    idg_id_list_sort(&l);
    ck_assert_int_eq(idg_owner_index_adopt(x, &l), 0);
}

struct overlap_case {
    const char *file;
    const char *pairs; /* "LINE/OTHER " for each report, in sweep order */
};

static const struct overlap_case overlap_cases[] = {
    {"alice:100000:10\nbob:100005:10\n", "2/1 "},
    {"alice:100000:10\nbob:100010:10\n", ""}, /* touching is not sharing */
    {"bob:100005:10\nalice:100000:10\n", "1/2 "},
    {"alice:100000:10\n1000:100005:10\n", ""},     /* alice's name and uid: one owner */
    {"alice:100000:10\nalice:100000:10\n", ""},    /* the same line twice */
    {"alice:100000:10\n1001:100005:10\n", "2/1 "}, /* bob's uid */
    {"carol:100000:10\n999:100005:10\n", "2/1 "},  /* unknown name, another uid */
    {"alice:100000:100\nbob:100020:10\nroot:100050:10\n", "2/1 3/1 "},
    /* dir1 (uid 5001) in a window, inside its own slot, then outside it */
    {"5000-5009:1000000:100\ndir1:1000100:100\n", ""},
    {"5000-5009:1000000:100\ndir1:1000150:100\n", "2/1 "},
    {"5000-5009:1000000:100\nalice:1000100:1\n", "2/1 "},
    {"5000-5009:1000000:100\n6000-6009:1000500:100\n", "2/1 "}, /* two windows */
    {"# comment\n\nalice:100000:10\nbad line\nbob:100009:1\n", "5/3 "},
};

static int collect(void *arg, const struct idg_file_entry *e, const struct idg_file_entry *other)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%u/%u ", e->lineno, other->lineno);
    return 0;
}

static int stop(void *arg, const struct idg_file_entry *e, const struct idg_file_entry *other)
{
    (*(int *)arg)++;
    return -7;
}

START_TEST(test_overlaps)
{
    const struct overlap_case *c = &overlap_cases[_i];
    struct idg_owner_index x;
    index_of(&x);
    struct idg_subid_file f = {0};
    size_t len = strlen(c->file);
    char *buf = malloc(len + 1);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, c->file, len + 1);
    ck_assert_int_eq(idg_subid_file_adopt(&f, buf, len), 0);
    char got[256] = "";
    ck_assert_int_eq(idg_lint_overlaps(&f, &x, collect, got), 0);
    ck_assert_msg(strcmp(got, c->pairs) == 0, "case %d: got '%s', want '%s'", _i, got, c->pairs);
    /* A callback's negative return stops the sweep and is returned. */
    int calls = 0;
    ck_assert_int_eq(idg_lint_overlaps(&f, &x, stop, &calls), c->pairs[0] ? -7 : 0);
    ck_assert_int_eq(calls, c->pairs[0] ? 1 : 0);
    idg_subid_file_free(&f);
    idg_owner_index_free(&x);
}
END_TEST

struct acct_case {
    uint32_t start, count, acct_max;
    enum idg_lint_acct want;
    uint32_t hit;
};

static const struct acct_case acct_cases[] = {
    {100000, 65536, 60000, IDG_LINT_ACCT_ID, 100005}, /* CVE-2024-56433 */
    {100006, 65536, 60000, IDG_LINT_ACCT_NONE, 0},
    {1000, 1, 60000, IDG_LINT_ACCT_ID, 1000},
    {1002, 3999, 0, IDG_LINT_ACCT_NONE, 0},         /* between accounts, acct_max 0: */
    {1002, 3999, 60000, IDG_LINT_ACCT_RESERVED, 0}, /* but under UID_MAX */
    {60000, 1, 60000, IDG_LINT_ACCT_RESERVED, 0},
    {60001, 1, 60000, IDG_LINT_ACCT_NONE, 0},
    {0, 1, 60000, IDG_LINT_ACCT_ID, 0},
    {200000, 4294767295u, 60000, IDG_LINT_ACCT_NONE, 0}, /* up to 4294967294 */
};

START_TEST(test_account)
{
    const struct acct_case *c = &acct_cases[_i];
    struct idg_owner_index x;
    index_of(&x);
    const struct idg_id_name *hit = NULL;
    enum idg_lint_acct v =
        idg_lint_account((struct idg_range){c->start, c->count}, &x.users, c->acct_max, &hit);
    ck_assert_msg(v == c->want, "case %d: %d, want %d", _i, v, c->want);
    if (v == IDG_LINT_ACCT_ID) {
        ck_assert_ptr_nonnull(hit);
        ck_assert_uint_eq(hit->id, c->hit);
    } else {
        ck_assert_ptr_null(hit);
    }
    idg_owner_index_free(&x);
}
END_TEST

START_TEST(test_index)
{
    struct idg_owner_index x;
    index_of(&x);
    ck_assert_int_eq(idg_owner_index_uid(&x, "alice", 5), 1000);
    ck_assert_int_eq(idg_owner_index_uid(&x, "alicex", 5), 1000); /* only len bytes */
    ck_assert_int_eq(idg_owner_index_uid(&x, "4242", 4), 4242);
    ck_assert_int_eq(idg_owner_index_uid(&x, "0042", 4), -1); /* strict decimal */
    ck_assert_int_eq(idg_owner_index_uid(&x, "nobody", 6), -1);
    ck_assert_ptr_null(idg_owner_index_name(&x, "carol"));
    ck_assert_str_eq(idg_owner_index_name(&x, "bob")->name, "bob");
    idg_owner_index_free(&x);
    /* An empty database: nothing found, nothing read past. */
    struct idg_id_list none = {0};
    ck_assert_int_eq(idg_owner_index_adopt(&x, &none), 0);
    ck_assert_ptr_null(idg_owner_index_name(&x, "alice"));
    ck_assert_int_eq(idg_owner_index_uid(&x, "7", 1), 7);
    idg_owner_index_free(&x);
}
END_TEST

static Suite *lint_suite(void)
{
    Suite *s = suite_create("lint");
    TCase *tc = tcase_create("lint");
    tcase_add_loop_test(tc, test_overlaps, 0, (int)ARRAY_SIZE(overlap_cases));
    tcase_add_loop_test(tc, test_account, 0, (int)ARRAY_SIZE(acct_cases));
    tcase_add_test(tc, test_index);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(lint_suite());
}
