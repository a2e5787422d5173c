/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small shared helpers for the Check unit tests: the runner, and assertions
 * for messages ("contains", "does not contain").
 */
#ifndef IDGATE_UNIT_H
#define IDGATE_UNIT_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Length of a table string; SIZE_MAX in a table means "use strlen". */
#define UNIT_STRLEN SIZE_MAX

/* Run every test of `s`; the exit status of the test program. */
static inline int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#define ck_assert_str_has(hay, needle)                                                             \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (hay),        \
                  (needle))

#define ck_assert_str_lacks(hay, needle)                                                           \
    ck_assert_msg(strstr((hay), (needle)) == NULL, "\"%s\" contains \"%s\"", (hay), (needle))

#endif
