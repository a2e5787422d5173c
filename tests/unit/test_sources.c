/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sources.h: the subid: line of a temporary nsswitch.conf (never /etc),
 * "files" on temporary subuid/subgid files, and modules loaded with dlopen()
 * through shadow's plugin ABI: the test modules of tests/plugin, found through
 * LD_LIBRARY_PATH (set by meson). libsubid_idgtest.so answers from the file
 * named by IDGATE_TEST_PLUGIN_DATA and logs every call, so that a test can
 * tell what the module was asked; libsubid_idgbroken.so lacks
 * shadow_subid_has_range.
 *
 * nsswitch.conf must be owned by root, so the tests that write one skip
 * (saying so) when not run as root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sources.h"
#include "tmpdir.h"
#include "unit.h"

#define OWNER_NAME "alice"
#define OWNER_UID 1001

/* ------------------------------------------------------------------------ */
/* One test's files, in a directory of its own under tmpdir. */

struct ctx {
    char dir[128]; /* tmpdir and a short tag */
    char nss[PATH_MAX], subuid[PATH_MAX], subgid[PATH_MAX], idperm[PATH_MAX];
    char data[PATH_MAX], log[PATH_MAX];
    struct idg_files files;
    struct idg_sources s;
    struct idg_allotments a;
    const struct idg_source *failed;
    struct idg_file_problem pb;
};

static void ctx_init(struct ctx *c, const char *tag, int i)
{
    memset(c, 0, sizeof(*c));
    path_of(c->dir, sizeof(c->dir), "%s-%d", tag, i);
    ck_assert_int_eq(mkdir(c->dir, 0755), 0);
    snprintf(c->nss, sizeof(c->nss), "%s/nsswitch.conf", c->dir);
    snprintf(c->subuid, sizeof(c->subuid), "%s/subuid", c->dir);
    snprintf(c->subgid, sizeof(c->subgid), "%s/subgid", c->dir);
    snprintf(c->idperm, sizeof(c->idperm), "%s/uids", c->dir);
    snprintf(c->data, sizeof(c->data), "%s/plugin-data", c->dir);
    snprintf(c->log, sizeof(c->log), "%s/plugin-log", c->dir);
    c->files = (struct idg_files){.subid = {NULL, c->subuid, c->subgid},
                                  .idperm = {NULL, NULL, NULL},
                                  .trusted_owner = geteuid()};
    /* The module reads its answers from here; an empty file is no answer. */
    ck_assert_int_eq(setenv("IDGATE_TEST_PLUGIN_DATA", c->data, 1), 0);
}

/* The module's data: "log PATH" then the given lines. */
static void ctx_data(struct ctx *c, const char *lines)
{
    char *text = NULL;
    ck_assert_int_ge(asprintf(&text, "log %s\n%s", c->log, lines), 0);
    write_str(c->data, text, 0644);
    free(text);
}

/*
 * idg_sources_open() on nsswitch.conf holding `text` (NULL: no such file),
 * which must succeed. False when the test must skip: nsswitch.conf must be
 * owned by root.
 */
static bool ctx_open(struct ctx *c, const char *text)
{
    if (text) {
        if (geteuid() != 0) {
            fprintf(stderr, "%s: skipped, nsswitch.conf must be owned by root\n", c->dir);
            return false;
        }
        write_str(c->nss, text, 0644);
    }
    struct idg_sources_error err = {{0}};
    int r = idg_sources_open(&c->s, c->nss, &c->files, &err);
    ck_assert_msg(r == 0, "idg_sources_open: %d: %s", r, err.why);
    return true;
}

static enum idg_src_status ctx_list(struct ctx *c, enum idg_src_kind kind,
                                    const struct idg_owner *o)
{
    idg_allotments_free(&c->a);
    memset(&c->pb, 0xa5, sizeof(c->pb));
    c->failed = (const void *)&c->pb; /* anything but NULL: it must be set */
    return idg_sources_list(&c->s, kind, o, &c->a, NULL, NULL, &c->failed, &c->pb);
}

static void ctx_done(struct ctx *c)
{
    idg_allotments_free(&c->a);
    idg_sources_close(&c->s);
}

/* The module's log, "" when it was never called; free() it. */
static char *read_log(const struct ctx *c)
{
    FILE *f = fopen(c->log, "re");
    if (!f) {
        ck_assert_int_eq(errno, ENOENT);
        return strdup("");
    }
    char *buf = calloc(1, 65536);
    ck_assert_ptr_nonnull(buf);
    size_t n = fread(buf, 1, 65535, f);
    ck_assert(n < 65535);
    fclose(f);
    return buf;
}

/* How many lines of the log begin with prefix. */
static size_t log_count(const struct ctx *c, const char *prefix)
{
    char *log = read_log(c);
    size_t n = 0;
    for (char *p = log; *p;) {
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            n++;
        char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : p + strlen(p);
    }
    free(log);
    return n;
}

static void expect_log_has(const struct ctx *c, const char *text)
{
    char *log = read_log(c);
    ck_assert_str_has(log, text);
    free(log);
}

static void expect_log_empty(const struct ctx *c)
{
    char *log = read_log(c);
    ck_assert_msg(log[0] == '\0', "the module was called: %s", log);
    free(log);
}

struct want {
    uint32_t start, count;
    const char *source; /* a path of struct ctx, or a module's name */
    uint32_t line;
};

static void expect_allotments(const struct ctx *c, const struct want *w, size_t n)
{
    ck_assert_msg(c->a.n == n, "%zu allotments, want %zu", c->a.n, n);
    for (size_t i = 0; i < n; i++) {
        const struct idg_allotment *x = &c->a.v[i];
        ck_assert_msg(x->range.start == w[i].start && x->range.count == w[i].count &&
                          x->line == w[i].line && strcmp(x->source, w[i].source) == 0,
                      "allotment %zu is %u+%u from %s:%u, want %u+%u from %s:%u", i, x->range.start,
                      x->range.count, x->source, x->line, w[i].start, w[i].count, w[i].source,
                      w[i].line);
    }
}

static void owner_init(struct idg_owner *o)
{
    idg_owner_init(o, OWNER_NAME, OWNER_UID);
}

/* ------------------------------------------------------------------------ */
/* Opening: which sources the subid: line names, and loading the modules */

struct line_case {
    const char *nss; /* NULL: no nsswitch.conf */
    size_t n;
    const char *names[3];
};

static const struct line_case line_cases[] = {
    {NULL, 1, {"files"}},
    {"passwd: files\ngroup: files\n", 1, {"files"}},
    {"passwd: files\nsubid:\n", 1, {"files"}},
    {"subid: files\n", 1, {"files"}},
    {"passwd: files systemd\nsubid: files idgtest\n", 2, {"files", "idgtest"}},
    {"subid:\tidgtest   files # comment\nsubid: idgbroken\n", 2, {"idgtest", "files"}},
    {"subid: idgtest\n", 1, {"idgtest"}},
};

START_TEST(test_open_line)
{
    const struct line_case *lc = &line_cases[_i];
    struct ctx c;
    ctx_init(&c, "line", _i);
    if (!ctx_open(&c, lc->nss))
        return;
    ck_assert_uint_eq(c.s.n, lc->n);
    bool files = false;
    for (size_t i = 0; i < lc->n; i++) {
        const struct idg_source *src = &c.s.v[i];
        ck_assert_str_eq(src->name, lc->names[i]);
        ck_assert_int_eq(src->files, strcmp(lc->names[i], "files") == 0);
        files |= src->files;
        if (src->files) {
            ck_assert_ptr_null(src->handle);
            continue;
        }
        /* The test module loads, with all of shadow's plugin functions. */
        ck_assert_msg(src->handle != NULL, "%s not loaded: %s", src->name, src->error);
        ck_assert_str_eq(src->error, "");
        ck_assert(src->list_owner_ranges != NULL);
        ck_assert(src->has_range != NULL);
        ck_assert(src->find_subid_owners != NULL);
        ck_assert(src->free != NULL);
    }
    ck_assert_int_eq(idg_sources_have_files(&c.s), files);
    /* The paths of "files" are the caller's. */
    ck_assert_ptr_eq(c.s.files.subid[IDG_SRC_UID], c.subuid);
    ck_assert_ptr_eq(c.s.files.subid[IDG_SRC_GID], c.subgid);
    ctx_done(&c);
    ck_assert_uint_eq(c.s.n, 0);
}
END_TEST

/* A module that does not load is kept, with why, and asking it fails. */
struct broken_case {
    const char *nss;
    const char *name;
    const char *errors[3];
};

static const struct broken_case broken_cases[] = {
    {"subid: idgbroken\n", "idgbroken", {"libsubid_idgbroken.so lacks", "shadow_subid_has_range"}},
    {"subid: nosuchmodule\n", "nosuchmodule", {"libsubid_nosuchmodule.so cannot be loaded"}},
    {"subid: nosuchmodule files\n",
     "nosuchmodule",
     {"libsubid_nosuchmodule.so cannot be loaded", "No such file"}},
};

START_TEST(test_open_broken)
{
    const struct broken_case *bc = &broken_cases[_i];
    struct ctx c;
    ctx_init(&c, "broken", _i);
    /* "files" would grant: a failing module must still refuse. */
    write_str(c.subuid, OWNER_NAME ":100000:65536\n", 0644);
    ctx_data(&c, OWNER_NAME " u 600000 65536\n");
    if (!ctx_open(&c, bc->nss))
        return;
    const struct idg_source *src = &c.s.v[0];
    ck_assert_str_eq(src->name, bc->name);
    ck_assert(!src->files);
    ck_assert_ptr_null(src->handle);
    for (size_t i = 0; i < ARRAY_SIZE(bc->errors) && bc->errors[i]; i++)
        ck_assert_str_has(src->error, bc->errors[i]);

    struct idg_owner o;
    owner_init(&o);
    for (enum idg_src_kind k = IDG_SRC_UID; k <= IDG_SRC_GID; k++) {
        ck_assert_int_eq(ctx_list(&c, k, &o), IDG_SRC_UNREACHABLE);
        ck_assert_ptr_eq(c.failed, src);
        ck_assert_str_eq(c.failed->name, bc->name);
        ck_assert_uint_eq(c.a.n, 0);
    }
    ctx_done(&c);
}
END_TEST

/* nsswitch.conf itself must be trusted: refused, not read as "files". */
enum nss_kind { N_MODE, N_SYMLINK, N_DIR, N_CHOWN };

struct untrusted_case {
    enum nss_kind kind;
    mode_t mode;
    const char *why;
};

static const struct untrusted_case untrusted_cases[] = {
    {N_MODE, 0664, "writable by group or others (mode 0664)"},
    {N_MODE, 0646, "writable by group or others (mode 0646)"},
    {N_SYMLINK, 0644, "symbolic link"},
    {N_DIR, 0755, "not a regular file"},
    {N_CHOWN, 0644, "owned by uid 4321"},
};

START_TEST(test_open_untrusted)
{
    const struct untrusted_case *uc = &untrusted_cases[_i];
    struct ctx c;
    ctx_init(&c, "untrusted", _i);
    if (geteuid() != 0) {
        fprintf(stderr, "%s: skipped, nsswitch.conf must be owned by root\n", c.dir);
        return;
    }
    char real[PATH_MAX + 8];
    switch (uc->kind) {
    case N_MODE:
        write_str(c.nss, "subid: idgtest\n", uc->mode);
        break;
    case N_SYMLINK:
        snprintf(real, sizeof(real), "%s.real", c.nss);
        write_str(real, "subid: idgtest\n", uc->mode);
        ck_assert_int_eq(symlink(real, c.nss), 0);
        break;
    case N_DIR:
        ck_assert_int_eq(mkdir(c.nss, uc->mode), 0);
        break;
    case N_CHOWN:
        write_str(c.nss, "subid: idgtest\n", uc->mode);
        ck_assert_int_eq(chown(c.nss, 4321, 4321), 0);
        break;
    }
    struct idg_sources_error err = {{0}};
    ck_assert_int_eq(idg_sources_open(&c.s, c.nss, &c.files, &err), -1);
    ck_assert_str_has(err.why, "refusing to use");
    ck_assert_str_has(err.why, c.nss);
    ck_assert_str_has(err.why, uc->why);
    ck_assert_uint_eq(c.s.n, 0);
    idg_sources_close(&c.s);
}
END_TEST

/* A subid source that is not a module name (a '/' would make dlopen() take
 * a path relative to the cwd) refuses the whole line, naming file:line. */
START_TEST(test_open_bad_module_name)
{
    struct ctx c;
    ctx_init(&c, "badname", 0);
    if (geteuid() != 0) {
        fprintf(stderr, "%s: skipped, nsswitch.conf must be owned by root\n", c.dir);
        return;
    }
    write_str(c.nss, "passwd: files\n\nsubid: files x/idgtest\n", 0644);
    struct idg_sources_error err = {{0}};
    ck_assert_int_eq(idg_sources_open(&c.s, c.nss, &c.files, &err), -1);
    ck_assert_str_has(err.why, c.nss);
    ck_assert_str_has(err.why, ":3: subid source 'x/idgtest' is not a module name");
    ck_assert_str_has(err.why, "ask an administrator");
    ck_assert_uint_eq(c.s.n, 0);
    idg_sources_close(&c.s);
}
END_TEST

/* The loader keeps the rule too, whoever fills the names. */
START_TEST(test_load_refuses_path_name)
{
    struct ctx c;
    ctx_init(&c, "loadpath", 0);
    struct idg_nss_sources names = {.has_line = true, .n = 2};
    strcpy(names.name[0], "idgtest");
    strcpy(names.name[1], "../idgtest");
    idg_sources_load(&c.s, &names, &c.files);
    ck_assert_uint_eq(c.s.n, 2);
    ck_assert_ptr_nonnull(c.s.v[0].handle);
    ck_assert_ptr_null(c.s.v[1].handle);
    ck_assert_str_has(c.s.v[1].error, "not a module name");
    idg_sources_close(&c.s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Listing */

#define SUBUID                                                                                     \
    "# test\n"                                                                                     \
    "bob:300000:65536\n"                                                                           \
    "alice:100000:65536\n"                                                                         \
    "1001:170000:10\n"
#define SUBGID "alice:200000:5\n"

START_TEST(test_list_files_only)
{
    struct ctx c;
    ctx_init(&c, "files-only", 0);
    write_str(c.subuid, SUBUID, 0644);
    write_str(c.subgid, SUBGID, 0644);
    ctx_data(&c, OWNER_NAME " u 600000 65536\n");
    ctx_open(&c, NULL);
    struct idg_owner o;
    owner_init(&o);
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_OK);
    ck_assert_ptr_null(c.failed);
    ck_assert_int_eq(c.pb.why, IDG_TRUST_OK);
    const struct want wu[] = {{100000, 65536, c.subuid, 3}, {170000, 10, c.subuid, 4}};
    expect_allotments(&c, wu, ARRAY_SIZE(wu));
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_GID, &o), IDG_SRC_OK);
    const struct want wg[] = {{200000, 5, c.subgid, 1}};
    expect_allotments(&c, wg, ARRAY_SIZE(wg));
    expect_log_empty(&c); /* no module on the line: never called */
    ctx_done(&c);
}
END_TEST

/* id_permission comes after the subid file, within "files". */
START_TEST(test_list_files_idperm)
{
    struct ctx c;
    ctx_init(&c, "idperm", 0);
    write_str(c.subuid, SUBUID, 0644);
    write_str(c.idperm, "1001:700000:7\n", 0644);
    c.files.idperm[IDG_SRC_UID] = c.idperm;
    ctx_open(&c, NULL);
    struct idg_owner o;
    owner_init(&o);
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_OK);
    const struct want w[] = {
        {100000, 65536, c.subuid, 3}, {170000, 10, c.subuid, 4}, {700000, 7, c.idperm, 1}};
    expect_allotments(&c, w, ARRAY_SIZE(w));
    /* No subgid file: nothing, and no error. */
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_GID, &o), IDG_SRC_OK);
    ck_assert_uint_eq(c.a.n, 0);
    ctx_done(&c);
}
END_TEST

START_TEST(test_list_module_only)
{
    struct ctx c;
    ctx_init(&c, "module-only", 0);
    write_str(c.subuid, SUBUID, 0644); /* not on the line: not read */
    ctx_data(&c, "alice u 600000 65536\n"
                 "bob u 800000 10\n"
                 "alice g 700000 10\n"
                 "alice u 900000 1\n"
                 "1001 u 950000 1\n"); /* asked by name, so not alice's */
    if (!ctx_open(&c, "subid: idgtest\n"))
        return;
    struct idg_owner o;
    owner_init(&o);
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_OK);
    ck_assert_ptr_null(c.failed);
    const struct want wu[] = {{600000, 65536, "idgtest", 0}, {900000, 1, "idgtest", 0}};
    expect_allotments(&c, wu, ARRAY_SIZE(wu));
    ck_assert_uint_eq(log_count(&c, "list alice u "), 1);
    ck_assert_uint_eq(log_count(&c, "list "), 1);
    /* The array was handed back to the module's own shadow_subid_free. */
    ck_assert_uint_eq(log_count(&c, "free "), 1);

    ck_assert_int_eq(ctx_list(&c, IDG_SRC_GID, &o), IDG_SRC_OK);
    const struct want wg[] = {{700000, 10, "idgtest", 0}};
    expect_allotments(&c, wg, ARRAY_SIZE(wg));
    ck_assert_uint_eq(log_count(&c, "list alice g "), 1);
    ck_assert_uint_eq(log_count(&c, "list "), 2);
    /* Only listing is used; the other functions are not called. */
    ck_assert_uint_eq(log_count(&c, "has "), 0);
    ck_assert_uint_eq(log_count(&c, "owners "), 0);
    /* Called in this process, as it is (unit tests: no privilege games). */
    char who[64];
    snprintf(who, sizeof(who), "list alice u uid=%u euid=%u capeff=", (unsigned)getuid(),
             (unsigned)geteuid());
    expect_log_has(&c, who);
    ctx_done(&c);
}
END_TEST

/* An owner without a name is asked by decimal uid. */
START_TEST(test_list_module_owner_by_uid)
{
    struct ctx c;
    ctx_init(&c, "by-uid", 0);
    ctx_data(&c, "4242 u 600000 5\nalice u 700000 5\n");
    if (!ctx_open(&c, "subid: idgtest\n"))
        return;
    struct idg_owner o;
    idg_owner_init(&o, NULL, 4242);
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_OK);
    const struct want w[] = {{600000, 5, "idgtest", 0}};
    expect_allotments(&c, w, ARRAY_SIZE(w));
    ck_assert_uint_eq(log_count(&c, "list 4242 u "), 1);
    ck_assert_uint_eq(log_count(&c, "list "), 1);
    ctx_done(&c);
}
END_TEST

/* Several sources: every one is asked, in the order of the line, and each
 * allotment says which gave it. */
struct order_case {
    const char *nss;
    bool files_first;
};

static const struct order_case order_cases[] = {
    {"subid: files idgtest\n", true},
    {"subid: idgtest files\n", false},
};

START_TEST(test_list_files_and_module)
{
    const struct order_case *oc = &order_cases[_i];
    struct ctx c;
    ctx_init(&c, "order", _i);
    write_str(c.subuid, SUBUID, 0644);
    write_str(c.subgid, SUBGID, 0644);
    ctx_data(&c, "alice u 600000 65536\nalice g 700000 10\n");
    if (!ctx_open(&c, oc->nss))
        return;
    struct idg_owner o;
    owner_init(&o);
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_OK);
    const struct want files_u[] = {{100000, 65536, c.subuid, 3}, {170000, 10, c.subuid, 4}};
    const struct want mod_u = {600000, 65536, "idgtest", 0};
    struct want wu[3];
    if (oc->files_first) {
        wu[0] = files_u[0], wu[1] = files_u[1], wu[2] = mod_u;
    } else {
        wu[0] = mod_u, wu[1] = files_u[0], wu[2] = files_u[1];
    }
    expect_allotments(&c, wu, ARRAY_SIZE(wu));

    ck_assert_int_eq(ctx_list(&c, IDG_SRC_GID, &o), IDG_SRC_OK);
    const struct want files_g = {200000, 5, c.subgid, 1}, mod_g = {700000, 10, "idgtest", 0};
    const struct want wg[2] = {oc->files_first ? files_g : mod_g,
                               oc->files_first ? mod_g : files_g};
    expect_allotments(&c, wg, ARRAY_SIZE(wg));
    ck_assert_uint_eq(log_count(&c, "list alice u "), 1);
    ck_assert_uint_eq(log_count(&c, "list alice g "), 1);
    ctx_done(&c);
}
END_TEST

/* What the module says about the owner, with "files" before it granting. */
struct status_case {
    const char *data;
    enum idg_src_status want;
    size_t n_mod; /* the module's allotments on success */
};

static const struct status_case status_cases[] = {
    {"alice u 600000 1\n", IDG_SRC_OK, 1},
    {"alice status ok\nalice u 600000 1\n", IDG_SRC_OK, 1},
    {"alice status unknown\nalice u 600000 1\n", IDG_SRC_OK, 0}, /* unknown: nothing here */
    {"alice status conn\nalice u 600000 1\n", IDG_SRC_UNREACHABLE, 0},
    {"* status conn\n", IDG_SRC_UNREACHABLE, 0},
    {"alice status error\nalice u 600000 1\n", IDG_SRC_ERROR, 0},
    {"* status error\n", IDG_SRC_ERROR, 0},
    {"alice status 42\n", IDG_SRC_ERROR, 0},                /* not a status of the ABI */
    {"alice status -1\n", IDG_SRC_ERROR, 0},                /* nor this */
    {"bob status conn\nalice u 600000 1\n", IDG_SRC_OK, 1}, /* someone else's */
    {"alice status ok\n* status conn\nalice u 600000 1\n", IDG_SRC_OK, 1}, /* first wins */
    {"alice count -1\nalice u 600000 1\n", IDG_SRC_ERROR, 0},              /* a negative count */
    {"alice count 3\n", IDG_SRC_ERROR, 0},                /* a count without an array */
    {"alice count 0\nalice u 600000 1\n", IDG_SRC_OK, 0}, /* an array of none */
    {"alice count 1\nalice u 600000 1\nalice u 700000 1\n", IDG_SRC_OK, 1},
};

START_TEST(test_list_module_status)
{
    const struct status_case *sc = &status_cases[_i];
    struct ctx c;
    ctx_init(&c, "status", _i);
    write_str(c.subuid, SUBUID, 0644);
    ctx_data(&c, sc->data);
    if (!ctx_open(&c, "subid: files idgtest\n"))
        return;
    struct idg_owner o;
    owner_init(&o);
    enum idg_src_status st = ctx_list(&c, IDG_SRC_UID, &o);
    ck_assert_msg(st == sc->want, "case %d: status %d, want %d", _i, st, sc->want);
    ck_assert_uint_eq(log_count(&c, "list alice u "), 1);
    if (st == IDG_SRC_OK) {
        ck_assert_ptr_null(c.failed);
        ck_assert_uint_eq(c.a.n, 2 + sc->n_mod);
        if (sc->n_mod) {
            const struct want w = {600000, 1, "idgtest", 0};
            expect_allotments(
                &c,
                (const struct want[]){{100000, 65536, c.subuid, 3}, {170000, 10, c.subuid, 4}, w},
                3);
        }
    } else {
        /* The module failed: the answer is the module's failure, whatever
         * "files" granted before it. */
        ck_assert_ptr_eq(c.failed, &c.s.v[1]);
        ck_assert_str_eq(c.failed->name, "idgtest");
    }
    ctx_done(&c);
}
END_TEST

/* A failing source stops the listing: later sources are not asked, and an
 * earlier one that would grant does not make it a success. */
START_TEST(test_list_first_failure_wins)
{
    struct ctx c;
    ctx_init(&c, "first-failure", 0);
    write_str(c.subuid, SUBUID, 0664); /* untrusted */
    ctx_data(&c, "alice u 600000 1\n");
    if (!ctx_open(&c, "subid: files idgtest\n"))
        return;
    struct idg_owner o;
    owner_init(&o);
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_ERROR);
    ck_assert_ptr_eq(c.failed, &c.s.v[0]);
    ck_assert(c.failed->files);
    ck_assert_int_eq(c.pb.why, IDG_TRUST_WRITABLE);
    expect_log_empty(&c);
    ctx_done(&c);

    /* The module first, unreachable: files is not asked for a fallback. */
    ctx_init(&c, "first-failure", 1);
    write_str(c.subuid, SUBUID, 0664); /* would fail too, if it were read */
    ctx_data(&c, "* status conn\n");
    ck_assert(ctx_open(&c, "subid: idgtest files\n"));
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_UNREACHABLE);
    ck_assert_ptr_eq(c.failed, &c.s.v[0]);
    ck_assert_str_eq(c.failed->name, "idgtest");
    ck_assert_uint_eq(log_count(&c, "list "), 1);
    ctx_done(&c);
}
END_TEST

/* A module's ranges are checked as a file's lines are: those the kernel
 * would refuse, or that do not fit in 32 bits, grant nothing. */
START_TEST(test_list_module_bad_ranges)
{
    struct ctx c;
    ctx_init(&c, "bad-ranges", 0);
    ctx_data(&c, "alice u 4294967290 10\n"     /* ends past 4294967295 */
                 "alice u 4294967295 1\n"      /* the same by one */
                 "alice u 4294967296 1\n"      /* start past 32 bits */
                 "alice u 4295567296 100\n"    /* 600000 + 2^32: not 600000 */
                 "alice u 600000 4294967296\n" /* count past 32 bits */
                 "alice u 1 4294967295\n"      /* ends past 4294967295 */
                 "alice u 700000 0\n"          /* empty */
                 "alice u 18446744073709551615 1\n"
                 "alice u 600000 5\n"       /* the one good range */
                 "alice u 4294967294 1\n"); /* the last id: fine */
    if (!ctx_open(&c, "subid: idgtest\n"))
        return;
    struct idg_owner o;
    owner_init(&o);
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_OK);
    const struct want w[] = {{600000, 5, "idgtest", 0}, {4294967294u, 1, "idgtest", 0}};
    expect_allotments(&c, w, ARRAY_SIZE(w));
    ctx_done(&c);
}
END_TEST

/* Nothing to say about the owner: success, and nothing. */
START_TEST(test_list_module_nothing)
{
    struct ctx c;
    ctx_init(&c, "nothing", 0);
    ctx_data(&c, "bob u 600000 5\n");
    if (!ctx_open(&c, "subid: idgtest\n"))
        return;
    struct idg_owner o;
    owner_init(&o);
    ck_assert_int_eq(ctx_list(&c, IDG_SRC_UID, &o), IDG_SRC_OK);
    ck_assert_ptr_null(c.failed);
    ck_assert_uint_eq(c.a.n, 0);
    ck_assert_uint_eq(log_count(&c, "list alice u "), 1);
    ck_assert_uint_eq(log_count(&c, "free "), 0); /* no array, nothing to free */
    ctx_done(&c);
}
END_TEST

/* A kind that is neither uid nor gid is an error before any source. */
START_TEST(test_list_bad_kind)
{
    struct ctx c;
    ctx_init(&c, "bad-kind", 0);
    ctx_data(&c, "alice u 600000 5\n");
    if (!ctx_open(&c, "subid: idgtest\n"))
        return;
    struct idg_owner o;
    owner_init(&o);
    ck_assert_int_eq(ctx_list(&c, (enum idg_src_kind)0, &o), IDG_SRC_ERROR);
    ck_assert_int_eq(ctx_list(&c, (enum idg_src_kind)3, &o), IDG_SRC_ERROR);
    ck_assert_uint_eq(c.a.n, 0);
    expect_log_empty(&c);
    ctx_done(&c);
}
END_TEST

/* Malformed lines of "files" reach the callback, with the path. */
struct bad_seen {
    size_t n;
    char path[PATH_MAX];
    uint32_t line;
};

static void on_bad(void *arg, const char *path, uint32_t line, enum idg_line_status st)
{
    struct bad_seen *b = arg;
    b->n++;
    snprintf(b->path, sizeof(b->path), "%s", path);
    b->line = line;
}

START_TEST(test_list_bad_line_callback)
{
    struct ctx c;
    ctx_init(&c, "bad-line", 0);
    write_str(c.subuid, "alice:x:1\nalice:100000:5\n", 0644);
    ctx_data(&c, "alice u 600000 5\n");
    if (!ctx_open(&c, "subid: files idgtest\n"))
        return;
    struct idg_owner o;
    owner_init(&o);
    struct bad_seen b = {0};
    ck_assert_int_eq(idg_sources_list(&c.s, IDG_SRC_UID, &o, &c.a, on_bad, &b, &c.failed, &c.pb),
                     IDG_SRC_OK);
    ck_assert_uint_eq(b.n, 1);
    ck_assert_str_eq(b.path, c.subuid);
    ck_assert_uint_eq(b.line, 1);
    const struct want w[] = {{100000, 5, c.subuid, 2}, {600000, 5, "idgtest", 0}};
    expect_allotments(&c, w, ARRAY_SIZE(w));
    ctx_done(&c);
}
END_TEST

/* The statuses in words, for the helpers' messages. */
START_TEST(test_status_str)
{
    ck_assert_str_eq(idg_src_status_str(IDG_SRC_OK), "answered");
    ck_assert_str_eq(idg_src_status_str(IDG_SRC_UNKNOWN_USER), "does not know the user");
    ck_assert_str_eq(idg_src_status_str(IDG_SRC_UNREACHABLE), "is unreachable");
    ck_assert_str_eq(idg_src_status_str(IDG_SRC_ERROR), "failed");
    ck_assert_str_eq(idg_src_status_str((enum idg_src_status)42), "failed");
}
END_TEST

static Suite *sources_suite(void)
{
    Suite *s = suite_create("sources");
    /* One temporary directory, made and removed by the parent process; each
     * test works in a subdirectory of its own. */
    TCase *tc = tcase_create("open");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_loop_test(tc, test_open_line, 0, (int)ARRAY_SIZE(line_cases));
    tcase_add_loop_test(tc, test_open_broken, 0, (int)ARRAY_SIZE(broken_cases));
    tcase_add_loop_test(tc, test_open_untrusted, 0, (int)ARRAY_SIZE(untrusted_cases));
    tcase_add_test(tc, test_open_bad_module_name);
    tcase_add_test(tc, test_load_refuses_path_name);
    suite_add_tcase(s, tc);

    tc = tcase_create("list");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_test(tc, test_list_files_only);
    tcase_add_test(tc, test_list_files_idperm);
    tcase_add_test(tc, test_list_module_only);
    tcase_add_test(tc, test_list_module_owner_by_uid);
    tcase_add_loop_test(tc, test_list_files_and_module, 0, (int)ARRAY_SIZE(order_cases));
    tcase_add_loop_test(tc, test_list_module_status, 0, (int)ARRAY_SIZE(status_cases));
    tcase_add_test(tc, test_list_first_failure_wins);
    tcase_add_test(tc, test_list_module_bad_ranges);
    tcase_add_test(tc, test_list_module_nothing);
    tcase_add_test(tc, test_list_bad_kind);
    tcase_add_test(tc, test_list_bad_line_callback);
    tcase_add_test(tc, test_status_str);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(sources_suite());
}
