/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * logindefs.h: shadow's defaults, Debian's real login.defs, and every value
 * of ours that must be refused with its line and name rather than guessed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "logindefs.h"
#include "tmpdir.h"
#include "unit.h"

#define U 0 /* pool[0]: uids */
#define G 1 /* pool[1]: gids */

/* What a pool should hold after a parse. */
struct want_pool {
    uint32_t min, max, count;
    bool det;
    uint32_t acct_min, acct_max;
};

static const struct want_pool shadow_default = {100000, 600100000, 65536, false, 1000, 60000};

static void check_pool(const struct idg_pool *p, const struct want_pool *w, const char *which)
{
    ck_assert_msg(p->min == w->min, "%s min %u, want %u", which, p->min, w->min);
    ck_assert_msg(p->max == w->max, "%s max %u, want %u", which, p->max, w->max);
    ck_assert_msg(p->count == w->count, "%s count %u, want %u", which, p->count, w->count);
    ck_assert_msg(p->deterministic == w->det, "%s deterministic %d, want %d", which,
                  p->deterministic, w->det);
    ck_assert_msg(p->acct_min == w->acct_min, "%s acct_min %u, want %u", which, p->acct_min,
                  w->acct_min);
    ck_assert_msg(p->acct_max == w->acct_max, "%s acct_max %u, want %u", which, p->acct_max,
                  w->acct_max);
}

/* Parse `text` (without its NUL: an exact-size heap copy, so ASan sees any
 * read past the end) over the defaults. */
static int parse(const char *text, struct idg_logindefs *d, struct idg_logindefs_error *err)
{
    size_t len = strlen(text);
    char *buf = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, text, len);
    memset(d, 0xa5, sizeof(*d));
    idg_logindefs_default(d);
    memset(err, 0, sizeof(*err));
    int r = idg_logindefs_parse(buf, len, d, err);
    free(buf);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Defaults */

START_TEST(test_defaults)
{
    struct idg_logindefs d;
    memset(&d, 0xa5, sizeof(d));
    idg_logindefs_default(&d);
    check_pool(&d.pool[U], &shadow_default, "uid");
    check_pool(&d.pool[G], &shadow_default, "gid");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Buffers that parse */

/* An excerpt of Debian 12's /etc/login.defs, byte for byte (tabs, the blanks
 * before values, trailing blanks on comment lines, non-numeric values of
 * other settings). */
#define DEBIAN_HEAD                                                                                \
    "HUSHLOGIN_FILE\t.hushlogin\n"                                                                 \
    "#HUSHLOGIN_FILE\t/etc/hushlogins\n"                                                           \
    "\n"                                                                                           \
    "#\n"                                                                                          \
    "# *REQUIRED*  The default PATH settings, for superuser and normal users.\n"                   \
    "#\n"                                                                                          \
    "# (they are minimal, add the rest in the shell startup files)\n"                              \
    "ENV_SUPATH\tPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"              \
    "ENV_PATH\tPATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games\n"                    \
    "\n"                                                                                           \
    "# Users can still allow other people to write them by issuing \n"                             \
    "# the \"mesg y\" command.\n"                                                                  \
    "\n"                                                                                           \
    "TTYGROUP\ttty\n"                                                                              \
    "TTYPERM\t\t0600\n"                                                                            \
    "\n"                                                                                           \
    "#\n"                                                                                          \
    "# Login configuration initializations:\n"                                                     \
    "#\n"                                                                                          \
    "#\tERASECHAR\tTerminal ERASE character ('\\010' = backspace).\n"                              \
    "#\tKILLCHAR\tTerminal KILL character ('\\025' = CTRL/U).\n"                                   \
    "#\tUMASK\t\tDefault \"umask\" value.\n"                                                       \
    "#\n"                                                                                          \
    "# The ERASECHAR and KILLCHAR are used only on System V machines.\n"                           \
    "# \n"                                                                                         \
    "# Prefix these values with \"0\" to get octal, \"0x\" to get hexadecimal.\n"                  \
    "#\n"                                                                                          \
    "ERASECHAR\t0177\n"                                                                            \
    "KILLCHAR\t025\n"                                                                              \
    "UMASK\t\t022\n"                                                                               \
    "\n"                                                                                           \
    "#HOME_MODE\t0700\n"                                                                           \
    "\n"                                                                                           \
    "PASS_MAX_DAYS\t99999\n"                                                                       \
    "PASS_MIN_DAYS\t0\n"                                                                           \
    "PASS_WARN_AGE\t7\n"                                                                           \
    "\n"                                                                                           \
    "#\n"                                                                                          \
    "# Min/max values for automatic uid selection in useradd\n"                                    \
    "#\n"

#define DEBIAN_MID                                                                                 \
    "#\n"                                                                                          \
    "# Min/max values for automatic gid selection in groupadd\n"                                   \
    "#\n"

#define DEBIAN_TAIL                                                                                \
    "\n"                                                                                           \
    "#\n"                                                                                          \
    "# Max number of login retries if password is bad.\n"                                          \
    "#\n"                                                                                          \
    "LOGIN_RETRIES\t\t5\n"                                                                         \
    "LOGIN_TIMEOUT\t\t60\n"                                                                        \
    "CHFN_RESTRICT\t\trwh\n"                                                                       \
    "DEFAULT_HOME\tyes\n"                                                                          \
    "USERGROUPS_ENAB yes\n"                                                                        \
    "ENCRYPT_METHOD SHA512\n"

/* Debian's block for one kind, with its exact layout and the given values. */
#define DEBIAN_BLOCK(K, amin, amax, smin, smax, scount)                                            \
    K "ID_MIN\t\t\t " amin "\n" K "ID_MAX\t\t\t" amax "\n"                                         \
      "# System accounts\n"                                                                        \
      "#SYS_" K "ID_MIN\t\t  100\n"                                                                \
      "#SYS_" K "ID_MAX\t\t  999\n"                                                                \
      "# Extra per user " K "ids\n"                                                                \
      "SUB_" K "ID_MIN\t\t   " smin "\n"                                                           \
      "SUB_" K "ID_MAX\t\t" smax "\n"                                                              \
      "SUB_" K "ID_COUNT\t\t    " scount "\n"

static const char debian_text[] = DEBIAN_HEAD DEBIAN_BLOCK(
    "U", "1000", "60000", "100000", "600100000",
    "65536") "\n" DEBIAN_MID DEBIAN_BLOCK("G", "1000", "60000", "100000", "600100000", "65536")
    DEBIAN_TAIL;

/* The same layout with every value of ours changed, uids and gids apart. */
static const char debian_edited[] =
    DEBIAN_HEAD DEBIAN_BLOCK("U", "2000", "59999", "200000", "500000000",
                             "10000") "\n" DEBIAN_MID DEBIAN_BLOCK("G", "3000", "49999", "300000",
                                                                   "400000000", "1000") DEBIAN_TAIL;

struct ok_case {
    const char *name;
    const char *text;
    struct want_pool u, g;
};

#define DEF shadow_default

static const struct ok_case ok_cases[] = {
    {"debian", debian_text, DEF, DEF},
    {"debian-edited",
     debian_edited,
     {200000, 500000000, 10000, false, 2000, 59999},
     {300000, 400000000, 1000, false, 3000, 49999}},
    {"empty", "", DEF, DEF},
    {"only-comments", "# SUB_UID_MIN 5\n\n   # SUB_UID_COUNT 0x10\n\t#\n\n", DEF, DEF},
    /* other settings are not ours, whatever their values */
    {"unrelated",
     "ENV_PATH PATH=/usr/bin:/bin\nUMASK 022\nERASECHAR 0177\nMAIL_DIR\nFOO -1\nBAR 0x10\n"
     "SUB_UID_MINIMUM junk\nXSUB_UID_MIN junk\nsub_uid_min 7\nSYS_UID_MIN 0100\n",
     DEF, DEF},
    /* single blanks, spaces only, no final '\n' */
    {"spaces",
     "SUB_UID_MIN 1\nSUB_UID_MAX 100\nSUB_UID_COUNT 10",
     {1, 100, 10, false, 1000, 60000},
     DEF},
    /* blanks around the name and after the value */
    {"blanks",
     "  SUB_GID_MIN\t 5 \nSUB_GID_COUNT 5\t\n",
     {100000, 600100000, 65536, false, 1000, 60000},
     {5, 600100000, 5, false, 1000, 60000}},
    /* bounds of a plain decimal */
    {"zero-and-top",
     "SUB_UID_MIN 0\nSUB_UID_MAX 4294967294\nSUB_UID_COUNT 4294967295\n",
     {0, 4294967294u, 4294967295u, false, 1000, 60000},
     DEF},
    {"whole-space-count",
     "SUB_UID_MIN 0\nSUB_UID_MAX 4294967294\n",
     {0, 4294967294u, 65536, false, 1000, 60000},
     DEF},
    /* a count exactly as wide as the pool */
    {"count-fills-pool",
     "SUB_GID_MIN 10\nSUB_GID_MAX 19\nSUB_GID_COUNT 10\n",
     DEF,
     {10, 19, 10, false, 1000, 60000}},
    {"min-equals-max",
     "SUB_UID_MIN 7\nSUB_UID_MAX 7\nSUB_UID_COUNT 1\n",
     {7, 7, 1, false, 1000, 60000},
     DEF},
    {"accounts",
     "UID_MIN 500\nUID_MAX 999\nGID_MIN 2000\nGID_MAX 2999\n",
     {100000, 600100000, 65536, false, 500, 999},
     {100000, 600100000, 65536, false, 2000, 2999}},
    /* deterministic: SUB_GID_DETERMINISTIC follows SUB_UID_DETERMINISTIC when absent */
    {"det-uid-yes",
     "SUB_UID_DETERMINISTIC yes\n",
     {100000, 600100000, 65536, true, 1000, 60000},
     {100000, 600100000, 65536, true, 1000, 60000}},
    {"det-uid-no", "SUB_UID_DETERMINISTIC no\n", DEF, DEF},
    {"det-uid-yes-gid-no",
     "SUB_UID_DETERMINISTIC yes\nSUB_GID_DETERMINISTIC no\n",
     {100000, 600100000, 65536, true, 1000, 60000},
     DEF},
    {"det-gid-no-before-uid-yes",
     "SUB_GID_DETERMINISTIC no\nSUB_UID_DETERMINISTIC yes\n",
     {100000, 600100000, 65536, true, 1000, 60000},
     DEF},
    {"det-gid-yes-only",
     "SUB_GID_DETERMINISTIC yes\n",
     DEF,
     {100000, 600100000, 65536, true, 1000, 60000}},
    {"det-uid-no-gid-yes",
     "SUB_UID_DETERMINISTIC\tno\nSUB_GID_DETERMINISTIC\tyes\n",
     DEF,
     {100000, 600100000, 65536, true, 1000, 60000}},
};

START_TEST(test_parse_ok)
{
    const struct ok_case *c = &ok_cases[_i];
    struct idg_logindefs d;
    struct idg_logindefs_error err;
    int r = parse(c->text, &d, &err);
    ck_assert_msg(r == 0, "%s: returned %d (line %u, %s: %s)", c->name, r, err.line, err.setting,
                  err.why ? err.why : "(null)");
    char which[64];
    snprintf(which, sizeof(which), "%s: uid", c->name);
    check_pool(&d.pool[U], &c->u, which);
    snprintf(which, sizeof(which), "%s: gid", c->name);
    check_pool(&d.pool[G], &c->g, which);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Buffers that are refused */

struct bad_case {
    const char *name;
    const char *text;
    uint32_t line;          /* 0: a problem between settings */
    const char *setting[3]; /* the names that may be blamed (first one alone if one) */
};

static const struct bad_case bad_cases[] = {
    {"hex", "# x\nSUB_UID_MIN 0x10\n", 2, {"SUB_UID_MIN"}},
    {"hex-count", "SUB_GID_COUNT\t0x10000\n", 1, {"SUB_GID_COUNT"}},
    {"octal", "\n\n\nSUB_UID_MIN\t0100000\n", 4, {"SUB_UID_MIN"}},
    {"octal-acct", "UID_MIN 01000\n", 1, {"UID_MIN"}},
    {"plus", "SUB_UID_COUNT +65536\n", 1, {"SUB_UID_COUNT"}},
    {"minus", "SUB_GID_MAX -1\n", 1, {"SUB_GID_MAX"}},
    {"junk-after", "SUB_UID_MAX 600100000x\n", 1, {"SUB_UID_MAX"}},
    {"second-word", "SUB_UID_COUNT 65536 65536\n", 1, {"SUB_UID_COUNT"}},
    {"decimal-point", "GID_MAX 60000.0\n", 1, {"GID_MAX"}},
    {"quoted", "SUB_UID_MIN \"100000\"\n", 1, {"SUB_UID_MIN"}},
    {"missing", "SUB_UID_MIN 100000\nSUB_UID_MAX\n", 2, {"SUB_UID_MAX"}},
    {"missing-blanks", "SUB_GID_MIN \t \n", 1, {"SUB_GID_MIN"}},
    {"too-big", "SUB_UID_MAX 4294967296\n", 1, {"SUB_UID_MAX"}},
    {"far-too-big", "GID_MIN 99999999999999999999999\n", 1, {"GID_MIN"}},
    {"count-zero", "# c\n\nSUB_UID_COUNT 0\n", 3, {"SUB_UID_COUNT"}},
    {"count-zero-gid", "SUB_GID_COUNT\t\t0\n", 1, {"SUB_GID_COUNT"}},
    {"min-above-max",
     "SUB_UID_MIN 200000\nSUB_UID_MAX 100000\n",
     0,
     {"SUB_UID_MIN", "SUB_UID_MAX"}},
    /* MIN above the default MAX */
    {"min-above-default-max", "SUB_GID_MIN 700000000\n", 0, {"SUB_GID_MIN", "SUB_GID_MAX"}},
    /* MIN + COUNT - 1 > MAX: 10..18 cannot hold 10 ids */
    {"count-does-not-fit",
     "SUB_UID_MIN 10\nSUB_UID_MAX 18\nSUB_UID_COUNT 10\n",
     0,
     {"SUB_UID_COUNT", "SUB_UID_MIN", "SUB_UID_MAX"}},
    /* the default count does not fit a small pool */
    {"default-count-does-not-fit",
     "SUB_GID_MIN 100000\nSUB_GID_MAX 165534\n",
     0,
     {"SUB_GID_COUNT", "SUB_GID_MIN", "SUB_GID_MAX"}},
    /* a count past the top of the id space (no wrap to a small end) */
    {"count-wraps",
     "SUB_UID_MIN 4294967200\nSUB_UID_MAX 4294967294\nSUB_UID_COUNT 4294967295\n",
     0,
     {"SUB_UID_COUNT", "SUB_UID_MIN", "SUB_UID_MAX"}},
    {"det-maybe", "SUB_UID_DETERMINISTIC maybe\n", 1, {"SUB_UID_DETERMINISTIC"}},
    {"det-number", "\nSUB_GID_DETERMINISTIC 1\n", 2, {"SUB_GID_DETERMINISTIC"}},
    {"det-missing", "SUB_UID_DETERMINISTIC\n", 1, {"SUB_UID_DETERMINISTIC"}},
    {"det-yes-junk", "SUB_UID_DETERMINISTIC yesno\n", 1, {"SUB_UID_DETERMINISTIC"}},
    /* the first bad line is reported, after good ones */
    {"after-debian", DEBIAN_HEAD "SUB_UID_MIN 0x1\n", 41, {"SUB_UID_MIN"}},
};

START_TEST(test_parse_bad)
{
    const struct bad_case *c = &bad_cases[_i];
    struct idg_logindefs d;
    struct idg_logindefs_error err;
    int r = parse(c->text, &d, &err);
    ck_assert_msg(r == -EINVAL, "%s: returned %d, want -EINVAL", c->name, r);
    ck_assert_msg(err.line == c->line, "%s: error at line %u, want %u (%s: %s)", c->name, err.line,
                  c->line, err.setting, err.why ? err.why : "(null)");
    ck_assert_msg(memchr(err.setting, '\0', sizeof(err.setting)) != NULL,
                  "%s: setting not NUL-terminated", c->name);
    bool named = false;
    for (size_t k = 0; k < ARRAY_SIZE(c->setting) && c->setting[k]; k++)
        named |= strcmp(err.setting, c->setting[k]) == 0;
    ck_assert_msg(named, "%s: blames \"%s\", want %s%s%s", c->name, err.setting, c->setting[0],
                  c->setting[1] ? " or " : "", c->setting[1] ? c->setting[1] : "");
    ck_assert_msg(err.why && err.why[0], "%s: no reason given", c->name);
}
END_TEST

/* The DEBIAN_HEAD line count the "after-debian" case relies on. */
START_TEST(test_debian_head_lines)
{
    size_t n = 0;
    for (const char *p = DEBIAN_HEAD; *p; p++)
        n += *p == '\n';
    ck_assert_uint_eq(n, 40);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Files in a temporary directory */

START_TEST(test_load_missing)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "no-such-login.defs");
    struct idg_logindefs d;
    struct idg_logindefs_error err;
    memset(&d, 0xa5, sizeof(d));
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(idg_logindefs_load(path, &d, &err), 0);
    check_pool(&d.pool[U], &shadow_default, "uid");
    check_pool(&d.pool[G], &shadow_default, "gid");
}
END_TEST

START_TEST(test_load_file)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "login.defs");
    write_str(path, debian_edited, 0644);
    struct idg_logindefs d;
    struct idg_logindefs_error err;
    memset(&d, 0xa5, sizeof(d));
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(idg_logindefs_load(path, &d, &err), 0);
    static const struct want_pool u = {200000, 500000000, 10000, false, 2000, 59999};
    static const struct want_pool g = {300000, 400000000, 1000, false, 3000, 49999};
    check_pool(&d.pool[U], &u, "uid");
    check_pool(&d.pool[G], &g, "gid");
}
END_TEST

/* A file with only some settings: the rest are shadow's defaults, whatever
 * the struct held before. */
START_TEST(test_load_partial)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "partial.defs");
    write_str(path, "SUB_UID_COUNT 1000\nSUB_UID_DETERMINISTIC yes\n", 0644);
    struct idg_logindefs d;
    struct idg_logindefs_error err;
    memset(&d, 0xa5, sizeof(d));
    ck_assert_int_eq(idg_logindefs_load(path, &d, &err), 0);
    static const struct want_pool u = {100000, 600100000, 1000, true, 1000, 60000};
    static const struct want_pool g = {100000, 600100000, 65536, true, 1000, 60000};
    check_pool(&d.pool[U], &u, "uid");
    check_pool(&d.pool[G], &g, "gid");
}
END_TEST

START_TEST(test_load_bad_file)
{
    char path[PATH_MAX];
    path_of(path, sizeof(path), "bad.defs");
    write_str(path, "# login.defs\nUID_MIN 1000\nSUB_GID_COUNT 0x10\n", 0644);
    struct idg_logindefs d;
    struct idg_logindefs_error err;
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(idg_logindefs_load(path, &d, &err), -EINVAL);
    ck_assert_uint_eq(err.line, 3);
    ck_assert_str_eq(err.setting, "SUB_GID_COUNT");
    ck_assert_ptr_nonnull(err.why);
}
END_TEST

/* A directory cannot be read: another -errno, or -EINVAL with *err saying
 * why, setting "" as the file itself is at fault. */
START_TEST(test_load_directory)
{
    struct idg_logindefs d;
    struct idg_logindefs_error err;
    memset(&err, 0, sizeof(err));
    int r = idg_logindefs_load(tmpdir, &d, &err);
    ck_assert_msg(r < 0, "load(directory) = %d, want an error", r);
    if (r == -EINVAL)
        ck_assert_msg(err.why != NULL && err.setting[0] == '\0' && err.line == 0,
                      "load(directory) = -EINVAL but *err does not blame the file (line %u, "
                      "setting \"%s\")",
                      err.line, err.setting);
}
END_TEST

static Suite *logindefs_suite(void)
{
    Suite *s = suite_create("logindefs");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_defaults);
    tcase_add_loop_test(tc, test_parse_ok, 0, (int)ARRAY_SIZE(ok_cases));
    tcase_add_loop_test(tc, test_parse_bad, 0, (int)ARRAY_SIZE(bad_cases));
    tcase_add_test(tc, test_debian_head_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_test(tc, test_load_missing);
    tcase_add_test(tc, test_load_file);
    tcase_add_test(tc, test_load_partial);
    tcase_add_test(tc, test_load_bad_file);
    tcase_add_test(tc, test_load_directory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(logindefs_suite());
}
