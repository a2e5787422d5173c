/* SPDX-License-Identifier: BSD-3-Clause */
/* nsswitch.h: the "subid:" line of /etc/nsswitch.conf. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nsswitch.h"
#include "unit.h"

#define MAXS 9

struct nss_case {
    const char *buf;
    int ret;
    bool has_line;
    size_t n;
    const char *names[MAXS];
};

static const struct nss_case nss_cases[] = {
    {"", 0, false, 0, {NULL}},
    {"passwd: files\ngroup: files systemd\n", 0, false, 0, {NULL}},
    {"subid: files\n", 0, true, 1, {"files"}},
    {"subid: sss\n", 0, true, 1, {"sss"}},
    {"subid:files sss", 0, true, 2, {"files", "sss"}}, /* no blank, no '\n' */
    {"  subid:\tfiles   sss  # sss first?\n", 0, true, 2, {"files", "sss"}},
    {"subid: files#sss\n", 0, true, 1, {"files"}}, /* '#' ends a word */
    {"subid: files [NOTFOUND=return] sss\n", 0, true, 2, {"files", "sss"}},
    {"subid: files[!UNAVAIL=return]sss\n", 0, true, 2, {"files", "sss"}},
    {"subid: files [NOTFOUND=return\n", 0, true, 1, {"files"}}, /* unclosed action */
    {"subid: files\r\n", 0, true, 1, {"files"}},                /* CRLF */
    {"subid:\n", 0, true, 0, {NULL}},                           /* an empty list */
    {"passwd: files\nsubid: sss files\ngroup: files\n", 0, true, 2, {"sss", "files"}},
    {"subid: sss\nsubid: files\n", 0, true, 1, {"sss"}},    /* the first line counts */
    {"#subid: sss\nsubid: files\n", 0, true, 1, {"files"}}, /* a comment is no line */
    {"  # subid: sss\n", 0, false, 0, {NULL}},
    /* The database name in any case, as shadow's strncasecmp(). */
    {"Subid: sss\n", 0, true, 1, {"sss"}},
    {"SUBID:\tidgtest files\n", 0, true, 2, {"idgtest", "files"}},
    {"sUbId: sss\nsubid: files\n", 0, true, 1, {"sss"}}, /* still the first line */
    {"#SUBID: sss\nSubid: files\n", 0, true, 1, {"files"}},
    {"SUBIDS: sss\n", 0, false, 0, {NULL}},
    {"subids: sss\n", 0, false, 0, {NULL}}, /* another database */
    {"xsubid: sss\n", 0, false, 0, {NULL}},
    {"subid sss\n", 0, false, 0, {NULL}},
    {"subid: a b c d e f g h\n", 0, true, 8, {"a", "b", "c", "d", "e", "f", "g", "h"}},
    {"subid: a b c d e f g h i\n", -E2BIG, true, 0, {NULL}}, /* nine sources */
    {"subid: abcdefghijklmnopqrstuvwxyz01234\n",
     0,
     true,
     1,
     {"abcdefghijklmnopqrstuvwxyz01234"}},                                  /* 31 bytes */
    {"subid: abcdefghijklmnopqrstuvwxyz012345\n", -E2BIG, true, 0, {NULL}}, /* 32 */
    {"subid: Ab-9_z\n", 0, true, 1, {"Ab-9_z"}},
    /* Not a module name: dlopen() would take a path (test_nss_name_rule). */
    {"subid: x/evil\n", -EINVAL, true, 0, {NULL}},
    {"subid: files ../evil\n", -EINVAL, true, 0, {NULL}},
    {"subid: sss.so\n", -EINVAL, true, 0, {NULL}},
};

START_TEST(test_nss_parse)
{
    const struct nss_case *c = &nss_cases[_i];
    size_t len = strlen(c->buf);
    char *p = malloc(len ? len : 1); /* no NUL: ASan sees any read past len */
    ck_assert_ptr_nonnull(p);
    memcpy(p, c->buf, len);
    struct idg_nss_sources s;
    memset(&s, 0x5a, sizeof(s));
    int r = idg_nss_parse(p, len, &s);
    ck_assert_msg(r == c->ret, "case %d: returned %d, want %d", _i, r, c->ret);
    ck_assert_int_eq(s.has_line, c->has_line);
    if (r == 0) {
        ck_assert_uint_eq(s.n, c->n);
        for (size_t i = 0; i < c->n; i++)
            ck_assert_str_eq(s.name[i], c->names[i]);
    }
    free(p);
}
END_TEST

struct name_case {
    const char *name;
    bool ok;
};

/* A subid module's NAME: only [A-Za-z0-9_-], so that libsubid_NAME.so is
 * never a path (a '/' makes dlopen() open it relative to the cwd). */
static const struct name_case name_cases[] = {
    {"files", true},  {"sss", true},     {"idgtest", true},  {"A-Z_a-z0-9", true}, {"-", true},
    {"", false},      {"x/evil", false}, {"../evil", false}, {"/lib/x", false},    {"evil/", false},
    {".", false},     {"..", false},     {"a.b", false},     {"a\vb", false},      {"a\fb", false},
    {"a\x80", false}, {"a:b", false},    {"a\\b", false},    {"a$b", false},       {"a%sb", false},
};

START_TEST(test_nss_name_rule)
{
    const struct name_case *c = &name_cases[_i];
    ck_assert_msg(idg_nss_name_ok(c->name, strlen(c->name)) == c->ok, "\"%s\": want %d", c->name,
                  c->ok);
    /* The same rule for the name on a subid line. */
    if (!c->name[0] || strpbrk(c->name, " \t\r#["))
        return;
    char buf[64];
    snprintf(buf, sizeof(buf), "passwd: files\nsubid: files %s\n", c->name);
    struct idg_nss_sources s;
    int r = idg_nss_parse(buf, strlen(buf), &s);
    ck_assert_int_eq(r, c->ok ? 0 : -EINVAL);
    ck_assert_uint_eq(s.line, 2);
    if (!c->ok)
        ck_assert_str_eq(s.bad, c->name);
}
END_TEST

/* Only the name's first bytes are kept for the message; any length is refused. */
START_TEST(test_nss_bad_name_long)
{
    static const char buf[] = "subid: ../../../../../../../../../../../tmp/evil\n";
    struct idg_nss_sources s;
    ck_assert_int_eq(idg_nss_parse(buf, strlen(buf), &s), -EINVAL);
    ck_assert_uint_eq(strlen(s.bad), IDG_NSS_NAME_MAX - 1);
    ck_assert_uint_eq(s.line, 1);
    /* A passwd line is glibc's: not held to the module name rule. */
    ck_assert_int_eq(idg_nss_parse_db("passwd: a.b\n", 12, "passwd", &s), 0);
    ck_assert_str_eq(s.name[0], "a.b");
}
END_TEST

/* Only the subid line's name is matched without case (shadow); glibc
 * matches the names of its databases exactly. */
START_TEST(test_nss_parse_db_case)
{
    struct idg_nss_sources s;
    ck_assert_int_eq(idg_nss_parse_db("PASSWD: sss\n", 12, "passwd", &s), 0);
    ck_assert(!s.has_line);
    ck_assert_int_eq(idg_nss_parse("SubId: sss\n", 11, &s), 0);
    ck_assert(s.has_line);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_str_eq(s.name[0], "sss");
}
END_TEST

/* Only `len` bytes are read. */
START_TEST(test_nss_parse_len)
{
    static const char buf[] = "subid: files sss\n";
    struct idg_nss_sources s;
    ck_assert_int_eq(idg_nss_parse(buf, 12, &s), 0); /* "subid: files" */
    ck_assert_uint_eq(s.n, 1);
    ck_assert_str_eq(s.name[0], "files");
    ck_assert_int_eq(idg_nss_parse(buf, 5, &s), 0); /* "subid", no ':' */
    ck_assert(!s.has_line);
}
END_TEST

struct has_case {
    const char *buf;
    const char *source;
    bool want;
};

static const struct has_case has_cases[] = {
    {"", "files", true}, /* no subid line: files, as in shadow */
    {"", "sss", false},
    {"passwd: sss\n", "files", true},
    {"subid: sss\n", "files", false},
    {"subid: sss\n", "sss", true},
    {"SUBID: sss\n", "files", false}, /* shadow obeys it: no fallback to files */
    {"Subid: sss\n", "sss", true},
    {"subid: files sss\n", "files", true},
    {"subid: files sss\n", "sss", true},
    {"subid: files sss\n", "ss", false},
    {"subid: files sss\n", "file", false},
    {"subid: filesx\n", "files", false},
    {"subid:\n", "files", false}, /* a line naming nothing names no files */
};

START_TEST(test_nss_has)
{
    const struct has_case *c = &has_cases[_i];
    struct idg_nss_sources s;
    ck_assert_int_eq(idg_nss_parse(c->buf, strlen(c->buf), &s), 0);
    ck_assert_msg(idg_nss_has(&s, c->source) == c->want, "\"%s\" has %s: want %d", c->buf,
                  c->source, c->want);
}
END_TEST

struct plain_case {
    const char *buf;
    size_t len; /* the whole literal: some hold a NUL */
    bool want;
};

#define PLAIN(text, want)                                                                          \
    {                                                                                              \
        text, sizeof(text) - 1, want                                                               \
    }

/* When may the helpers take glibc's passwd answer to be the first line of
 * /etc/passwd? When glibc 2.36 reads the file so (each row checked with
 * getpwuid() under that nsswitch.conf): the last passwd line wins, blanks
 * are isspace(), names are exact, a last line without '\n' is dropped, a
 * malformed action anywhere fails every lookup. */
static const struct plain_case plain_cases[] = {
    PLAIN("passwd: files\n", true), PLAIN("passwd: files systemd sss\n", true),
    PLAIN("passwd:files\n", true), PLAIN("  passwd :\tfiles\tsss\r\n", true),
    PLAIN("group: sss\npasswd: files\nsubid: sss\n", true),
    PLAIN("#passwd: sss\npasswd: files\n", true), /* a comment line is no line */
    PLAIN("", false),                             /* no line: NSS decides */
    PLAIN("passwd: sss files\n", false), PLAIN("passwd: compat\n", false),
    PLAIN("passwd: filesx\n", false),
    PLAIN("passwd: files[NOTFOUND=return] sss\n", true), /* files still returns on SUCCESS */
    PLAIN("passwd: files [SUCCESS=continue] sss\n", false),
    PLAIN("passwd: files [!NOTFOUND=continue] sss\n", false), /* SUCCESS=continue too */
    PLAIN("passwd: files [!SUCCESS=continue] sss\n", true),
    PLAIN("passwd: files [ success = Return ]\n", true),
    PLAIN("passwd: files [SUCCESS=merge]\n", false),
    PLAIN("passwd: files#x\n", false),            /* glibc reads a service "files#x" */
    PLAIN("passwd: files # sss\n", true),         /* '#' is a word: after files */
    PLAIN("passwd: files\npasswd: sss\n", false), /* glibc takes the last line */
    PLAIN("passwd: sss\npasswd: files\n", true),
    PLAIN("passwd: files\nPASSWD: sss\n", true), /* names are exact: not passwd's */
    PLAIN("PASSWD: files\n", false), PLAIN("passwd files\n", true), /* no ':' needed */
    PLAIN("passwd: sss\npasswd:: files\n", true), PLAIN("passwd:\n", false),
    PLAIN("passwd: files\npasswd\n", false), /* an empty list wins */
    PLAIN("passwd: files\npasswd \r\n", false), PLAIN("passwdx: files\n", false),
    /* Any isspace() blank, where glibc skips blanks (issue 12). */
    PLAIN("passwd: files\n\vpasswd: sss\n", false), PLAIN("passwd: files\n\fpasswd: sss\n", false),
    PLAIN("passwd: files\n\rpasswd: sss\n", false),
    PLAIN("passwd: files\n\v\f\r passwd\v:\fsss\n", false), PLAIN("passwd:\vfiles\n", true),
    PLAIN("passwd\f:\rfiles\fsss\n", true), PLAIN("passwd: files\vsss\n", true),
    PLAIN("passwd: files\v[SUCCESS=continue] sss\n", false),
    PLAIN("passwd: sss\npasswd:\f\vfiles\r\n", true),
    /* A last line without '\n' is dropped. */
    PLAIN("passwd: files", false), PLAIN("passwd: files\npasswd: sss", true),
    PLAIN("passwd: sss\npasswd: files", false),
    /* A line ends at a NUL. */
    PLAIN("passwd: files\0 sss\n", true), PLAIN("passwd: sss\0\npasswd: files\n", true),
    PLAIN("passwd: files\n\0passwd: sss\n", true), PLAIN("passwd: files\npasswd\0: sss\n", true),
    PLAIN("passwd: files\npasswd \0: sss\n", false), /* "passwd" with no services */
    /* A malformed action on any of glibc's databases fails every lookup. */
    PLAIN("passwd: files\ngroup: files [NOTFOUND=return\n", false),
    PLAIN("passwd: files\nshadow_compat: x [y\n", false),
    PLAIN("passwd: files\ninitgroups: x [y=z]\n", false),
    PLAIN("group: files [x=return]\npasswd: files\n", false),
    PLAIN("passwd: files [NOTFOUND=return\n", false), PLAIN("passwd: files [NOTFOUND]\n", false),
    PLAIN("passwd: files [NOTFOUND=stop]\n", false), PLAIN("passwd: files []\n", false),
    /* ... but not on a line glibc does not read. */
    PLAIN("passwd: files\nsudoers: x [y\n", true), PLAIN("passwd: files\nautomount: x [y\n", true),
    PLAIN("passwd: files\nGroup: x [y\n", true),
    PLAIN("passwd: files [NOTFOUND=return] [x\n", true), /* '[' first: the list ends */
    PLAIN("passwd: [NOTFOUND=return] files\n", false),   /* an empty list */
};

START_TEST(test_nss_plain_files_first)
{
    const struct plain_case *c = &plain_cases[_i];
    char *p = malloc(c->len ? c->len : 1); /* no NUL after it: ASan sees any read past */
    ck_assert_ptr_nonnull(p);
    memcpy(p, c->buf, c->len);
    bool got = idg_nss_plain_files_first(p, c->len, "passwd");
    free(p);
    ck_assert_msg(got == c->want, "case %d \"%s\": want %d", _i, c->buf, c->want);
}
END_TEST

static Suite *nsswitch_suite(void)
{
    Suite *s = suite_create("nsswitch");
    TCase *tc = tcase_create("nsswitch");
    tcase_add_loop_test(tc, test_nss_parse, 0, (int)ARRAY_SIZE(nss_cases));
    tcase_add_test(tc, test_nss_parse_len);
    tcase_add_loop_test(tc, test_nss_name_rule, 0, (int)ARRAY_SIZE(name_cases));
    tcase_add_test(tc, test_nss_bad_name_long);
    tcase_add_test(tc, test_nss_parse_db_case);
    tcase_add_loop_test(tc, test_nss_has, 0, (int)ARRAY_SIZE(has_cases));
    tcase_add_loop_test(tc, test_nss_plain_files_first, 0, (int)ARRAY_SIZE(plain_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(nsswitch_suite());
}
