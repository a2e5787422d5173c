/* SPDX-License-Identifier: BSD-3-Clause */
/* userns.h: a uid_map read, asked and shown, from files in a temp dir. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>

#include "tmpdir.h"
#include "unit.h"
#include "userns.h"

struct map_case {
    const char *text; /* NULL: no such file */
    bool initial;
    const char *shown;
    uint32_t owner[2]; /* owner uids as stat shows them... */
    bool unmapped[2];  /* ...and whether each is a uid this namespace does not map */
};

static const struct map_case map_cases[] = {
    /* the initial namespace, and a file that cannot be read: nothing to say */
    {"         0          0 4294967295\n", true, "0 0 4294967295", {0, 65534}, {false, false}},
    {NULL, true, "", {0, 65534}, {false, false}},
    /* unshare -U: nothing mapped; unshare -r: only the caller, as root */
    {"", false, "empty: no uid is mapped", {0, 65534}, {true, true}},
    {"         0       4001          1\n", false, "0 4001 1", {0, 65534}, {false, true}},
    /* a nested container: 65,536 ids; the overflow uid counts as unmapped */
    {"         0    1000000      65536\n", false, "0 1000000 65536", {65533, 65534}, {false, true}},
    {"0 4001 1\n1 200000 65536\n",
     false,
     "0 4001 1, 1 200000 65536",
     {65536, 65537},
     {false, true}},
};

START_TEST(test_userns_read)
{
    const struct map_case *c = &map_cases[_i];
    char path[128];
    snprintf(path, sizeof(path), "%s/uid_map.%d", tmpdir, _i);
    if (c->text) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(c->text, f);
        fclose(f);
    }
    struct idg_userns u;
    ck_assert_int_eq(idg_userns_read(path, &u) == 0, c->text != NULL);
    ck_assert_int_eq(u.initial, c->initial);
    char buf[128];
    if (c->text)
        ck_assert_str_eq(idg_userns_format(buf, sizeof(buf), &u), c->shown);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(idg_userns_unmapped_owner(&u, c->owner[i]) == c->unmapped[i],
                      "case %d: owner %u unmapped is not %d", _i, c->owner[i], c->unmapped[i]);
}
END_TEST

START_TEST(test_userns_many_lines)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/uid_map.many", tmpdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < IDG_USERNS_KEEP + 2; i++)
        fprintf(f, "%d %d 1\n", i, 100000 + i);
    fclose(f);
    struct idg_userns u;
    ck_assert_int_eq(idg_userns_read(path, &u), 0);
    ck_assert_uint_eq(u.n, IDG_USERNS_KEEP);
    ck_assert_uint_eq(u.total, IDG_USERNS_KEEP + 2);
    char buf[256];
    ck_assert_str_has(idg_userns_format(buf, sizeof(buf), &u), ", ...");
    ck_assert(idg_userns_maps(&u, 9));
    ck_assert(!idg_userns_unmapped_owner(&u, 500));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("userns");
    TCase *tc = tcase_create("userns");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_loop_test(tc, test_userns_read, 0, (int)ARRAY_SIZE(map_cases));
    tcase_add_test(tc, test_userns_many_lines);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
