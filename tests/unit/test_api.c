/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_core.h: what the public subid_* functions do, on files of a temporary
 * directory (never /etc), with a struct idg_api_conf built by hand: subuid,
 * subgid, nsswitch.conf, login.defs and .pwd.lock in a directory per test,
 * files trusted when owned by the test's euid, a short lock timeout.
 *
 * Owners are the host's real accounts where an account is needed (root,
 * and one other account found in the passwd database; groups from the group
 * database for gid lines), and names that are no account ("idg-noacct-1")
 * where only the text of a line can match.
 *
 * Grants and ungrants write files owned by root:root (txn.h) and read them
 * as root's: those tests skip, saying so, when not run as root. The module
 * tests use libsubid_idgtest.so of tests/plugin, found through
 * LD_LIBRARY_PATH (set by meson); IDGATE_TEST_PLUGIN_DATA names its data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api_core.h"
#include "tmpdir.h"
#include "unit.h"

#define LOCK_TIMEOUT_MS 300
#define NO_ACCT "idg-noacct-1"

/* ------------------------------------------------------------------------ */
/* One test's files, in a directory of its own under tmpdir. */

struct ctx {
    char dir[128];
    char subuid[PATH_MAX], subgid[PATH_MAX], idperm[PATH_MAX], nss[PATH_MAX], defs[PATH_MAX];
    char pwdlock[PATH_MAX], data[PATH_MAX];
    struct idg_api_conf conf;
    char why[1024];
};

/* The conf every test starts from: no nsswitch.conf (so "files"), no
 * login.defs (so shadow's defaults), no id_permission. */
static void ctx_init(struct ctx *c, const char *tag, int i)
{
    memset(c, 0, sizeof(*c));
    path_of(c->dir, sizeof(c->dir), "%s-%d", tag, i);
    ck_assert_int_eq(mkdir(c->dir, 0755), 0);
    snprintf(c->subuid, sizeof(c->subuid), "%s/subuid", c->dir);
    snprintf(c->subgid, sizeof(c->subgid), "%s/subgid", c->dir);
    snprintf(c->idperm, sizeof(c->idperm), "%s/uids", c->dir);
    snprintf(c->nss, sizeof(c->nss), "%s/nsswitch.conf", c->dir);
    snprintf(c->defs, sizeof(c->defs), "%s/login.defs", c->dir);
    snprintf(c->pwdlock, sizeof(c->pwdlock), "%s/.pwd.lock", c->dir);
    snprintf(c->data, sizeof(c->data), "%s/plugin-data", c->dir);
    c->conf = (struct idg_api_conf){
        .files = {.subid = {NULL, c->subuid, c->subgid},
                  .idperm = {NULL, NULL, NULL},
                  .trusted_owner = geteuid()},
        .nsswitch = c->nss,
        .logindefs = c->defs,
        .pwdlock = c->pwdlock,
        .lock_timeout_ms = LOCK_TIMEOUT_MS,
    };
    ck_assert_int_eq(setenv("IDGATE_TEST_PLUGIN_DATA", c->data, 1), 0);
}

static const char *subid_path(const struct ctx *c, enum idg_src_kind kind)
{
    return kind == IDG_SRC_GID ? c->subgid : c->subuid;
}

/* "Needs root": grants and ungrants write root:root files. */
static bool need_root(const struct ctx *c)
{
    if (geteuid() == 0)
        return true;
    fprintf(stderr, "%s: skipped, grants and ungrants write root-owned files: run as root\n",
            c->dir);
    return false;
}

/* The whole file, NUL-terminated and malloc()ed; NULL when it does not exist. */
static char *slurp(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        ck_assert_msg(errno == ENOENT, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    ssize_t r;
    while ((r = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)r;
    ck_assert_msg(r == 0 && len < cap - 1, "read %s", path);
    close(fd);
    buf[len] = '\0';
    return buf;
}

/* path holds exactly text (NULL: path does not exist). */
static void expect_content(const char *path, const char *text)
{
    char *got = slurp(path);
    if (!text)
        ck_assert_msg(!got, "%s exists, holding \"%s\"", path, got ? got : "");
    else
        ck_assert_msg(got && strcmp(got, text) == 0, "%s holds \"%s\", want \"%s\"", path,
                      got ? got : "(no file)", text);
    free(got);
}

static void expect_root_0644(const char *path)
{
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644 && st.st_uid == 0 &&
                      st.st_gid == 0,
                  "%s: mode %04o uid %u gid %u, want a regular file 0644 root:root", path,
                  (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
}

/* Nothing of an edit is left beside path: lock, temp files. */
static void expect_no_leftovers(const char *path)
{
    static const char *const suffixes[] = {".lock", "+", "-+"};
    char p[PATH_MAX + 32];
    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        ck_assert_msg(!exists(p), "%s left behind", p);
    }
    snprintf(p, sizeof(p), "%s.%ld", path, (long)getpid());
    ck_assert_msg(!exists(p), "%s left behind", p);
}

/* A refused or empty edit: path holds old (NULL: no file) byte for byte, and
 * no backup was made. */
static void expect_untouched(const char *path, const char *old)
{
    expect_content(path, old);
    char backup[PATH_MAX + 2];
    snprintf(backup, sizeof(backup), "%s-", path);
    ck_assert_msg(!exists(backup), "%s made for an edit that wrote nothing", backup);
    expect_no_leftovers(path);
}

/* A done edit: path holds text, root:root 0644; path- holds old. */
static void expect_written(const char *path, const char *old, const char *text)
{
    expect_content(path, text);
    expect_root_0644(path);
    char backup[PATH_MAX + 2];
    snprintf(backup, sizeof(backup), "%s-", path);
    expect_content(backup, old);
    expect_no_leftovers(path);
}

/* ------------------------------------------------------------------------ */
/* The host's accounts */

/* An account other than root that a subid line can name, looked up back by
 * name; false when the host has none. */
static bool other_account(char *name, size_t len, uid_t *uid)
{
    bool found = false;
    setpwent();
    struct passwd *pw;
    while (!found && (pw = getpwent())) {
        if (pw->pw_uid == 0 || pw->pw_uid == 4242 || strlen(pw->pw_name) >= len ||
            strpbrk(pw->pw_name, ": \t#") ||
            strspn(pw->pw_name, "0123456789") == strlen(pw->pw_name))
            continue;
        strcpy(name, pw->pw_name);
        *uid = pw->pw_uid;
        found = true;
    }
    endpwent();
    if (!found)
        return false;
    pw = getpwnam(name);
    return pw && pw->pw_uid == *uid;
}

/* Is there an account (kind UID) or group (GID) whose id is in
 * [first, last]? Its id in *id. */
static bool account_within(enum idg_src_kind kind, uint64_t first, uint64_t last, uint32_t *id)
{
    bool found = false;
    if (kind == IDG_SRC_UID) {
        setpwent();
        struct passwd *pw;
        while (!found && (pw = getpwent()))
            if (pw->pw_uid >= first && pw->pw_uid <= last)
                found = true, *id = pw->pw_uid;
        endpwent();
    } else {
        setgrent();
        struct group *gr;
        while (!found && (gr = getgrent()))
            if (gr->gr_gid >= first && gr->gr_gid <= last)
                found = true, *id = gr->gr_gid;
        endgrent();
    }
    return found;
}

static bool id_exists(enum idg_src_kind kind, uint32_t id)
{
    return kind == IDG_SRC_UID ? getpwuid(id) != NULL : getgrgid(id) != NULL;
}

/* A group whose name is no login name (with_account false), or is also the
 * name of an account whose uid differs from the group's gid (true); *uid is
 * that account's. False when the host has none. */
static bool find_group(bool with_account, char *name, size_t len, gid_t *gid, uid_t *uid)
{
    char cand[64][64];
    gid_t gids[64];
    size_t n = 0;
    setgrent();
    struct group *gr;
    while (n < ARRAY_SIZE(cand) && (gr = getgrent()))
        if (strlen(gr->gr_name) < sizeof(cand[0]) && strlen(gr->gr_name) < len &&
            !strpbrk(gr->gr_name, ": \t#")) {
            strcpy(cand[n], gr->gr_name);
            gids[n++] = gr->gr_gid;
        }
    endgrent();
    for (size_t i = 0; i < n; i++) {
        struct group *byname = getgrnam(cand[i]);
        if (!byname || byname->gr_gid != gids[i])
            continue;
        struct passwd *pw = getpwnam(cand[i]);
        if (with_account ? pw && pw->pw_uid != gids[i] : !pw) {
            strcpy(name, cand[i]);
            *gid = gids[i];
            *uid = pw ? pw->pw_uid : 0;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Other processes, for the locks: children that wait on a pipe and end when
 * the test closes its end or dies. */

struct child {
    pid_t pid;
    int keep;
};

/* A child that waits; if fcntl_path, it first takes an fcntl write lock on it. */
static struct child spawn(const char *fcntl_path)
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
        if (fcntl_path) {
            int fd = open(fcntl_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
            if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0)
                ok = 'n';
        }
        if (write(ready[1], &ok, 1) != 1)
            _exit(2);
        char ch;
        while (read(ctl[0], &ch, 1) < 0 && errno == EINTR)
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

static void end_child(struct child *ch)
{
    kill(ch->pid, SIGKILL);
    close(ch->keep);
    int status;
    ck_assert_int_eq(waitpid(ch->pid, &status, 0), ch->pid);
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

/* <path>.lock as shadow writes it: the pid in decimal and a NUL. */
static void write_shadow_lock(const char *path, pid_t pid)
{
    char lock[PATH_MAX + 8], text[32];
    snprintf(lock, sizeof(lock), "%s.lock", path);
    int n = snprintf(text, sizeof(text), "%ld", (long)pid);
    write_file(lock, text, (size_t)n + 1, 0644);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------------ */
/* idg_api_ranges */

struct rg {
    unsigned long start, count;
};

/* *out holds exactly the n ranges of want, in order; n is what was returned. */
static void expect_ranges(int n, const struct idg_plugin_range *out, const struct rg *want,
                          size_t n_want, const char *what)
{
    ck_assert_msg(n == (int)n_want, "%s: %d ranges, want %zu", what, n, n_want);
    if (n_want == 0) {
        ck_assert_msg(out == NULL, "%s: no range but *out is not NULL", what);
        return;
    }
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < n_want; i++)
        ck_assert_msg(out[i].start == want[i].start && out[i].count == want[i].count,
                      "%s: range %zu is %lu+%lu, want %lu+%lu", what, i, out[i].start, out[i].count,
                      want[i].start, want[i].count);
}

#define RANGES_SUBUID                                                                              \
    "# idgate unit test\n"                                                                         \
    "root:100000:10\n" NO_ACCT ":200000:5\n"                                                       \
    "0:300000:20\n"                                                                                \
    "rootx:400000:1\n"                                                                             \
    "root:notanumber:5\n" /* malformed: grants nothing, the rest counts */                         \
    "idg-noacct-10:210000:5\n"                                                                     \
    "00:500000:1\n"                                                                                \
    "\n"                                                                                           \
    "root:110000:7\n"                                                                              \
    "IDG-NOACCT-1:220000:5\n" NO_ACCT ":230000:6\n"                                                \
    "root:120000:1" /* the last line, without its '\n' */

#define RANGES_SUBGID                                                                              \
    "root:600000:3\n"                                                                              \
    "0:610000:4\n" NO_ACCT ":620000:5\n"

struct ranges_case {
    const char *owner;
    enum idg_src_kind kind;
    size_t n;
    struct rg want[4];
};

static const struct ranges_case ranges_cases[] = {
    /* An account: its name's lines and its uid's, in file order. */
    {"root", IDG_SRC_UID, 4, {{100000, 10}, {300000, 20}, {110000, 7}, {120000, 1}}},
    /* GID reads the gid file. */
    {"root", IDG_SRC_GID, 2, {{600000, 3}, {610000, 4}}},
    /* A decimal argument is a name to getpwnam(): "0" is no login name, so
     * only lines saying "0" match, not root's (shadow's rule). */
    {"0", IDG_SRC_UID, 1, {{300000, 20}}},
    {"0", IDG_SRC_GID, 1, {{610000, 4}}},
    {"00", IDG_SRC_UID, 1, {{500000, 1}}},
    /* A name that is no account: its exact text only. */
    {NO_ACCT, IDG_SRC_UID, 2, {{200000, 5}, {230000, 6}}},
    {NO_ACCT, IDG_SRC_GID, 1, {{620000, 5}}},
    {"idg-noacct-10", IDG_SRC_UID, 1, {{210000, 5}}},
    {"IDG-NOACCT-1", IDG_SRC_UID, 1, {{220000, 5}}},
    {"rootx", IDG_SRC_UID, 1, {{400000, 1}}},
    /* None: 0 and NULL. */
    {"idg-noacct-2", IDG_SRC_UID, 0, {{0}}},
    {"idg-noacct", IDG_SRC_UID, 0, {{0}}},
    {"roo", IDG_SRC_UID, 0, {{0}}},
    {"rootx", IDG_SRC_GID, 0, {{0}}},
};

START_TEST(test_ranges_files)
{
    const struct ranges_case *rc = &ranges_cases[_i];
    struct ctx c;
    ctx_init(&c, "ranges", _i);
    write_str(c.subuid, RANGES_SUBUID, 0644);
    write_str(c.subgid, RANGES_SUBGID, 0644);
    struct idg_plugin_range *out = (void *)&c; /* anything but NULL: it must be set */
    int n = idg_api_ranges(&c.conf, rc->owner, rc->kind, &out, c.why, sizeof(c.why));
    char what[128];
    snprintf(what, sizeof(what), "case %d: %s %s", _i, rc->owner,
             rc->kind == IDG_SRC_UID ? "uid" : "gid");
    expect_ranges(n, out, rc->want, rc->n, what);
    free(out);
    /* Reading changes nothing. */
    expect_untouched(c.subuid, RANGES_SUBUID);
    expect_untouched(c.subgid, RANGES_SUBGID);
}
END_TEST

/* An account other than root: its name's lines and its uid's. */
START_TEST(test_ranges_other_account)
{
    struct ctx c;
    ctx_init(&c, "ranges-other", 0);
    char name[64];
    uid_t uid;
    if (!other_account(name, sizeof(name), &uid)) {
        fprintf(stderr, "%s: skipped, the host has no account but root\n", c.dir);
        return;
    }
    char *text = NULL;
    ck_assert_int_ge(asprintf(&text,
                              "%u:700000:1\n"
                              "root:710000:2\n"
                              "%s:720000:3\n"
                              "%sx:730000:4\n"
                              "%u0:740000:5\n"
                              "%u:750000:6\n",
                              (unsigned)uid, name, name, (unsigned)uid, (unsigned)uid),
                     0);
    write_str(c.subuid, text, 0644);
    free(text);
    struct idg_plugin_range *out = NULL;
    int n = idg_api_ranges(&c.conf, name, IDG_SRC_UID, &out, c.why, sizeof(c.why));
    const struct rg want[] = {{700000, 1}, {720000, 3}, {750000, 6}};
    expect_ranges(n, out, want, ARRAY_SIZE(want), name);
    free(out);
}
END_TEST

/* As in shadow, a missing subuid (subgid) fails the call when "files" is a
 * source; an empty one is none. A module alone needs no file. */
struct missing_case {
    const char *nss;     /* NULL: no nsswitch.conf */
    bool subuid, subgid; /* which exist, empty */
    enum idg_src_kind kind;
    int n; /* -1: failure, naming the missing file */
};

static const struct missing_case missing_cases[] = {
    {NULL, false, false, IDG_SRC_UID, -1},
    {NULL, false, false, IDG_SRC_GID, -1},
    {NULL, true, false, IDG_SRC_UID, 0},
    {NULL, true, false, IDG_SRC_GID, -1},
    {NULL, false, true, IDG_SRC_UID, -1},
    {NULL, false, true, IDG_SRC_GID, 0},
    {"subid: files\n", false, true, IDG_SRC_UID, -1},
    {"subid: idgtest files\n", false, false, IDG_SRC_UID, -1},
    {"subid: idgtest\n", false, false, IDG_SRC_UID, 1},
    {"subid: idgtest\n", false, false, IDG_SRC_GID, 0},
};

START_TEST(test_ranges_missing)
{
    const struct missing_case *mc = &missing_cases[_i];
    struct ctx c;
    ctx_init(&c, "ranges-missing", _i);
    if (mc->subuid)
        write_str(c.subuid, "", 0644);
    if (mc->subgid)
        write_str(c.subgid, "", 0644);
    if (mc->nss)
        write_str(c.nss, mc->nss, 0644);
    write_str(c.data, "root u 800000 5\n", 0644);
    struct idg_plugin_range *out = (void *)&c;
    int n = idg_api_ranges(&c.conf, "root", mc->kind, &out, c.why, sizeof(c.why));
    ck_assert_msg(n == mc->n, "case %d: %d, want %d (%s)", _i, n, mc->n, c.why);
    if (n <= 0)
        ck_assert_ptr_null(out);
    if (n < 0) {
        ck_assert_str_has(c.why, subid_path(&c, mc->kind));
        ck_assert_str_has(c.why, "does not exist");
    }
    if (n == 1)
        ck_assert(out[0].start == 800000 && out[0].count == 5);
    free(out);
}
END_TEST

/* Gid lines: a number matches the gid of the group named owner, not the uid
 * of the account of that name; uid lines the reverse. */
START_TEST(test_ranges_group_name)
{
    struct ctx c;
    ctx_init(&c, "ranges-group", _i);
    char name[64], *text = NULL;
    gid_t gid;
    uid_t uid;
    if (!find_group(_i == 1, name, sizeof(name), &gid, &uid)) {
        fprintf(stderr, "%s: skipped, the host has no group %s\n", c.dir,
                _i ? "named as an account of another id" : "that is no account");
        return;
    }
    ck_assert_int_ge(asprintf(&text,
                              "%s:100000:1\n"
                              "%u:110000:2\n"
                              "%u:120000:3\n"
                              "%s0:130000:4\n",
                              name, (unsigned)gid, (unsigned)uid, name),
                     0);
    write_str(c.subuid, text, 0644);
    write_str(c.subgid, text, 0644);
    free(text);
    struct idg_plugin_range *out = NULL;
    int n = idg_api_ranges(&c.conf, name, IDG_SRC_GID, &out, c.why, sizeof(c.why));
    const struct rg want_g[] = {{100000, 1}, {110000, 2}};
    expect_ranges(n, out, want_g, ARRAY_SIZE(want_g), "gid, by the group's gid");
    free(out);
    n = idg_api_ranges(&c.conf, name, IDG_SRC_UID, &out, c.why, sizeof(c.why));
    if (_i == 1) {
        /* An account too: its uid's lines. */
        const struct rg want_u[] = {{100000, 1}, {120000, 3}};
        expect_ranges(n, out, want_u, ARRAY_SIZE(want_u), "uid, by the account's uid");
    } else {
        const struct rg want_u[] = {{100000, 1}};
        expect_ranges(n, out, want_u, ARRAY_SIZE(want_u), "uid, no account: the text only");
    }
    free(out);
}
END_TEST

/* id_permission comes after the subid file. */
START_TEST(test_ranges_idperm)
{
    struct ctx c;
    ctx_init(&c, "ranges-idperm", 0);
    write_str(c.subuid, "root:100000:10\n", 0644);
    write_str(c.idperm, "0:700000:7\nidg-noacct-2:710000:1\nroot:720000:2\n", 0644);
    c.conf.files.idperm[IDG_SRC_UID] = c.idperm;
    struct idg_plugin_range *out = NULL;
    int n = idg_api_ranges(&c.conf, "root", IDG_SRC_UID, &out, c.why, sizeof(c.why));
    const struct rg want[] = {{100000, 10}, {700000, 7}, {720000, 2}};
    expect_ranges(n, out, want, ARRAY_SIZE(want), "idperm");
    free(out);
    /* Only the uid side was given one. */
    write_str(c.subgid, "root:200000:1\n", 0644);
    n = idg_api_ranges(&c.conf, "root", IDG_SRC_GID, &out, c.why, sizeof(c.why));
    const struct rg want_g[] = {{200000, 1}};
    expect_ranges(n, out, want_g, 1, "idperm, gid");
    free(out);
}
END_TEST

/* A file that fails the trust rules fails the call, saying what to do. */
struct untrusted_case {
    enum idg_src_kind kind;
    mode_t mode;
    bool chown; /* to uid 4321: root only */
    const char *fix;
};

static const struct untrusted_case untrusted_cases[] = {
    {IDG_SRC_UID, 0664, false, "chmod go-w"},
    {IDG_SRC_UID, 0646, false, "chmod go-w"},
    {IDG_SRC_GID, 0666, false, "chmod go-w"},
    {IDG_SRC_UID, 0644, true, "chown root:root"},
};

START_TEST(test_ranges_untrusted)
{
    const struct untrusted_case *uc = &untrusted_cases[_i];
    struct ctx c;
    ctx_init(&c, "ranges-untrusted", _i);
    const char *bad = subid_path(&c, uc->kind);
    const char *good = subid_path(&c, uc->kind == IDG_SRC_UID ? IDG_SRC_GID : IDG_SRC_UID);
    write_str(bad, "root:100000:10\n", uc->mode);
    write_str(good, "root:200000:10\n", 0644);
    if (uc->chown) {
        if (geteuid() != 0) {
            fprintf(stderr, "%s: skipped, chown needs root\n", c.dir);
            return;
        }
        ck_assert_int_eq(chown(bad, 4321, 4321), 0);
    }
    struct idg_plugin_range *out = (void *)&c;
    ck_assert_int_eq(idg_api_ranges(&c.conf, "root", uc->kind, &out, c.why, sizeof(c.why)), -1);
    ck_assert_ptr_null(out);
    ck_assert_str_has(c.why, bad);
    ck_assert_str_has(c.why, uc->fix);
    /* The other kind reads only its own file. */
    enum idg_src_kind other = uc->kind == IDG_SRC_UID ? IDG_SRC_GID : IDG_SRC_UID;
    int n = idg_api_ranges(&c.conf, "root", other, &out, c.why, sizeof(c.why));
    const struct rg want[] = {{200000, 10}};
    expect_ranges(n, out, want, 1, "the trusted file");
    free(out);
    /* owners reads the same file: the same refusal. */
    uid_t *uids = (void *)&c;
    c.why[0] = '\0';
    ck_assert_int_eq(idg_api_owners(&c.conf, 100000, uc->kind, &uids, c.why, sizeof(c.why)), -1);
    ck_assert_ptr_null(uids);
    ck_assert_str_has(c.why, bad);
    ck_assert_str_has(c.why, uc->fix);
}
END_TEST

/* The subid: line of nsswitch.conf: which sources answer, in order. */
struct nss_case {
    const char *nss; /* NULL: no nsswitch.conf */
    mode_t mode;
    const char *owner;
    enum idg_src_kind kind;
    int n; /* -1: failure, with why holding whys[] */
    struct rg want[4];
    const char *whys[3];
};

#define NSS_SUBUID "root:100000:10\n" NO_ACCT ":110000:1\n"
#define NSS_DATA                                                                                   \
    "root u 800000 5\n"                                                                            \
    "root u 810000 6\n"                                                                            \
    "root g 820000 7\n" NO_ACCT " u 830000 1\n"                                                    \
    "0 u 840000 1\n"

static const struct nss_case nss_cases[] = {
    {NULL, 0, "root", IDG_SRC_UID, 1, {{100000, 10}}, {NULL}},
    {NULL, 0, "root", IDG_SRC_GID, 1, {{150000, 10}}, {NULL}},
    {"passwd: files\n", 0644, "root", IDG_SRC_UID, 1, {{100000, 10}}, {NULL}},
    {"subid: files\n", 0644, "root", IDG_SRC_UID, 1, {{100000, 10}}, {NULL}},
    /* The module only: the file is not read. */
    {"subid: idgtest\n", 0644, "root", IDG_SRC_UID, 2, {{800000, 5}, {810000, 6}}, {NULL}},
    {"subid: idgtest\n", 0644, "root", IDG_SRC_GID, 1, {{820000, 7}}, {NULL}},
    {"subid: idgtest\n", 0644, NO_ACCT, IDG_SRC_UID, 1, {{830000, 1}}, {NULL}},
    {"subid: idgtest\n", 0644, "0", IDG_SRC_UID, 1, {{840000, 1}}, {NULL}},
    {"subid: idgtest\n", 0644, "idg-noacct-2", IDG_SRC_UID, 0, {{0}}, {NULL}},
    /* Both, in the order of the line. */
    {"subid: files idgtest\n",
     0644,
     "root",
     IDG_SRC_UID,
     3,
     {{100000, 10}, {800000, 5}, {810000, 6}},
     {NULL}},
    {"subid: idgtest files\n",
     0644,
     "root",
     IDG_SRC_UID,
     3,
     {{800000, 5}, {810000, 6}, {100000, 10}},
     {NULL}},
    /* A module that cannot be loaded fails the call, naming it, even after
     * "files" answered. */
    {"subid: files nosuchmodule\n",
     0644,
     "root",
     IDG_SRC_UID,
     -1,
     {{0}},
     {"nosuchmodule", "libsubid_nosuchmodule.so", "unreachable"}},
    {"subid: nosuchmodule files\n", 0644, NO_ACCT, IDG_SRC_GID, -1, {{0}}, {"nosuchmodule"}},
    /* nsswitch.conf itself must be trusted. */
    {"subid: files\n", 0664, "root", IDG_SRC_UID, -1, {{0}}, {"refusing to use", "chmod go-w"}},
};

START_TEST(test_ranges_nsswitch)
{
    const struct nss_case *nc = &nss_cases[_i];
    struct ctx c;
    ctx_init(&c, "ranges-nss", _i);
    write_str(c.subuid, NSS_SUBUID, 0644);
    write_str(c.subgid, "root:150000:10\n", 0644);
    write_str(c.data, NSS_DATA, 0644);
    if (nc->nss)
        write_str(c.nss, nc->nss, nc->mode);
    struct idg_plugin_range *out = (void *)&c;
    int n = idg_api_ranges(&c.conf, nc->owner, nc->kind, &out, c.why, sizeof(c.why));
    char what[160];
    snprintf(what, sizeof(what), "case %d (%s)", _i, nc->nss ? nc->nss : "no nsswitch.conf");
    if (nc->n < 0) {
        ck_assert_msg(n == -1, "%s: %d, want -1", what, n);
        ck_assert_ptr_null(out);
        for (size_t i = 0; i < ARRAY_SIZE(nc->whys) && nc->whys[i]; i++)
            ck_assert_str_has(c.why, nc->whys[i]);
        ck_assert_str_has(c.why, c.nss);
        return;
    }
    expect_ranges(n, out, nc->want, (size_t)nc->n, what);
    free(out);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* idg_api_owners */

#define OTHER_UID UINT32_MAX /* stands for the other account's uid in the table */

struct owners_case {
    unsigned long id;
    enum idg_src_kind kind;
    int n; /* -1: the call fails */
    uint32_t uids[3];
};

/*
 *   root:100000:100          100000..100099
 *   0:100050:100             100050..100149
 *   OTHER:100090:20          100090..100109
 *   4242:100120:5            100120..100124: a decimal is a uid
 *   OTHER:300000:1           300000
 *   idg-noacct-1:400000:10   400000..400009: no account, not a decimal
 *   root:4294967290:5        up to the last id
 * subgid: OTHER:100000:10
 */
static const struct owners_case owners_cases[] = {
    {99999, IDG_SRC_UID, 0, {0}},
    {100000, IDG_SRC_UID, 1, {0}},
    {100049, IDG_SRC_UID, 1, {0}},
    {100050, IDG_SRC_UID, 1, {0}}, /* root and 0: the same uid, once */
    {100089, IDG_SRC_UID, 1, {0}},
    {100090, IDG_SRC_UID, 2, {0, OTHER_UID}},
    {100099, IDG_SRC_UID, 2, {0, OTHER_UID}},
    {100109, IDG_SRC_UID, 2, {0, OTHER_UID}},
    {100110, IDG_SRC_UID, 1, {0}},
    {100120, IDG_SRC_UID, 2, {0, 4242}},
    {100124, IDG_SRC_UID, 2, {0, 4242}},
    {100125, IDG_SRC_UID, 1, {0}},
    {100149, IDG_SRC_UID, 1, {0}},
    {100150, IDG_SRC_UID, 0, {0}},
    {299999, IDG_SRC_UID, 0, {0}},
    {300000, IDG_SRC_UID, 1, {OTHER_UID}},
    {300001, IDG_SRC_UID, 0, {0}},
    /* An owner that is neither a login name nor a decimal, holding the id:
     * the call fails (shadow's rule); ids outside its line are unaffected. */
    {399999, IDG_SRC_UID, 0, {0}},
    {400000, IDG_SRC_UID, -1, {0}},
    {400009, IDG_SRC_UID, -1, {0}},
    {400010, IDG_SRC_UID, 0, {0}},
    {4294967289ul, IDG_SRC_UID, 0, {0}},
    {4294967290ul, IDG_SRC_UID, 1, {0}},
    {4294967294ul, IDG_SRC_UID, 1, {0}},
    {4294967295ul, IDG_SRC_UID, 0, {0}},
    {4294967296ul, IDG_SRC_UID, 0, {0}},
    {4294967296ul + 100000, IDG_SRC_UID, 0, {0}}, /* not 100000 modulo 2^32 */
    {ULONG_MAX, IDG_SRC_UID, 0, {0}},
    /* GID reads the gid file. */
    {100005, IDG_SRC_GID, 1, {OTHER_UID}},
    {100010, IDG_SRC_GID, 0, {0}},
    {300000, IDG_SRC_GID, 0, {0}},
    {400000, IDG_SRC_GID, 0, {0}},
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

START_TEST(test_owners)
{
    const struct owners_case *oc = &owners_cases[_i];
    struct ctx c;
    ctx_init(&c, "owners", _i);
    char name[64];
    uid_t other;
    if (!other_account(name, sizeof(name), &other)) {
        fprintf(stderr, "%s: skipped, the host has no account but root\n", c.dir);
        return;
    }
    char *text = NULL;
    ck_assert_int_ge(asprintf(&text,
                              "root:100000:100\n"
                              "0:100050:100\n"
                              "%s:100090:20\n"
                              "4242:100120:5\n"
                              "%s:300000:1\n" NO_ACCT ":400000:10\n"
                              "root:4294967290:5\n",
                              name, name),
                     0);
    write_str(c.subuid, text, 0644);
    free(text);
    ck_assert_int_ge(asprintf(&text, "%s:100000:10\n", name), 0);
    write_str(c.subgid, text, 0644);
    free(text);

    uid_t *out = (void *)&c; /* anything but NULL: it must be set */
    int n = idg_api_owners(&c.conf, oc->id, oc->kind, &out, c.why, sizeof(c.why));
    ck_assert_msg(n == oc->n, "id %lu: %d owners, want %d (%s)", oc->id, n, oc->n, c.why);
    if (oc->n <= 0) {
        ck_assert_ptr_null(out);
        if (oc->n < 0) {
            char id[32];
            snprintf(id, sizeof(id), "%lu", oc->id);
            ck_assert_str_has(c.why, id);
        }
        return;
    }
    ck_assert_ptr_nonnull(out);
    /* Each once, in any order. */
    uint32_t got[3], want[3];
    size_t nw = (size_t)oc->n;
    for (size_t i = 0; i < nw; i++) {
        got[i] = (uint32_t)out[i];
        want[i] = oc->uids[i] == OTHER_UID ? (uint32_t)other : oc->uids[i];
    }
    free(out);
    qsort(got, nw, sizeof(got[0]), cmp_u32);
    qsort(want, nw, sizeof(want[0]), cmp_u32);
    for (size_t i = 0; i < nw; i++)
        ck_assert_msg(got[i] == want[i], "id %lu: owner %zu is %u, want %u", oc->id, i, got[i],
                      want[i]);
}
END_TEST

/* id_permission and a module answer too; each uid still once. */
START_TEST(test_owners_sources)
{
    struct ctx c;
    ctx_init(&c, "owners-sources", 0);
    write_str(c.subuid, "root:100000:10\n", 0644);
    write_str(c.idperm, "4242:100000:10\n0:100000:1\n", 0644);
    c.conf.files.idperm[IDG_SRC_UID] = c.idperm;
    write_str(c.data, "root u 100000 5\n4343 u 100000 1\n", 0644);
    write_str(c.nss, "subid: files idgtest\n", 0644);
    uid_t *out = NULL;
    int n = idg_api_owners(&c.conf, 100000, IDG_SRC_UID, &out, c.why, sizeof(c.why));
    ck_assert_msg(n == 3, "%d owners, want 3 (%s)", n, c.why);
    uint32_t got[3] = {out[0], out[1], out[2]};
    free(out);
    qsort(got, 3, sizeof(got[0]), cmp_u32);
    ck_assert_uint_eq(got[0], 0);
    ck_assert_uint_eq(got[1], 4242);
    ck_assert_uint_eq(got[2], 4343);
}
END_TEST

START_TEST(test_owners_unreachable)
{
    struct ctx c;
    ctx_init(&c, "owners-unreachable", 0);
    write_str(c.subuid, "root:100000:10\n", 0644);
    write_str(c.nss, "subid: files nosuchmodule\n", 0644);
    uid_t *out = (void *)&c;
    ck_assert_int_eq(idg_api_owners(&c.conf, 100000, IDG_SRC_UID, &out, c.why, sizeof(c.why)), -1);
    ck_assert_ptr_null(out);
    ck_assert_str_has(c.why, "nosuchmodule");
    /* Past the last id nothing is asked: 0, not the module's failure. */
    out = (void *)&c;
    ck_assert_int_eq(idg_api_owners(&c.conf, 4294967295ul, IDG_SRC_UID, &out, c.why, sizeof(c.why)),
                     0);
    ck_assert_ptr_null(out);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* idg_api_grant (root) */

struct grant_case {
    const char *file; /* NULL: no subid file */
    const char *defs; /* NULL: no login.defs (shadow's defaults) */
    const char *owner;
    enum idg_src_kind kind;
    unsigned long start, count;
    bool reuse;
    bool ok;
    unsigned long want_start, want_count;
    bool writes; /* a new line "owner:want_start:want_count" is appended */
};

#define OTHERS "idg-noacct-2:100000:10\nroot:100010:5\n"

static const struct grant_case grant_cases[] = {
    /* 0: an empty (missing) file: at start */
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 100000, 10, false, true, 100000, 10, true},
    {"", NULL, NO_ACCT, IDG_SRC_GID, 100000, 10, false, true, 100000, 10, true},
    {NULL, NULL, "root", IDG_SRC_UID, 123457, 65536, false, true, 123457, 65536, true},
    /* 3: never at or below UID_MAX (GID_MAX): 60000 by default */
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 0, 10, false, true, 60001, 10, true},
    {NULL, NULL, NO_ACCT, IDG_SRC_GID, 0, 10, false, true, 60001, 10, true},
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 59995, 10, false, true, 60001, 10, true},
    {NULL, "UID_MAX 70000\nGID_MAX 80000\n", NO_ACCT, IDG_SRC_UID, 0, 10, false, true, 70001, 10,
     true},
    {NULL, "UID_MAX 70000\nGID_MAX 80000\n", NO_ACCT, IDG_SRC_GID, 0, 10, false, true, 80001, 10,
     true},
    {NULL, "UID_MAX 70000\n", NO_ACCT, IDG_SRC_UID, 75000, 10, false, true, 75000, 10, true},
    /* 9: other owners' ranges are skipped, whoever's they are */
    {OTHERS, NULL, NO_ACCT, IDG_SRC_UID, 100000, 10, false, true, 100015, 10, true},
    {OTHERS, NULL, NO_ACCT, IDG_SRC_UID, 100003, 10, false, true, 100015, 10, true},
    {"idg-noacct-2:100000:10\nroot:100015:10\n", NULL, NO_ACCT, IDG_SRC_UID, 100000, 10, false,
     true, 100025, 10, true}, /* the gap of 5 is too small */
    {"idg-noacct-2:100000:10\nroot:100015:10\n", NULL, NO_ACCT, IDG_SRC_UID, 100000, 5, false, true,
     100010, 5, true}, /* the gap fits exactly */
    {"root:100020:10\nidg-noacct-2:100000:10\n", NULL, NO_ACCT, IDG_SRC_UID, 100000, 10, false,
     true, 100010, 10, true}, /* out of order */
    {"# c\n0:100000:10\n", NULL, "root", IDG_SRC_UID, 100000, 10, false, true, 100010, 10, true},
    {"root:100000:10", NULL, NO_ACCT, IDG_SRC_UID, 100000, 10, false, true, 100010, 10, true},
    /* 16: reuse: the owner's range of at least count, as it is */
    {"idg-noacct-2:100000:10\nroot:200000:65536\n", NULL, "root", IDG_SRC_UID, 100000, 10, true,
     true, 200000, 65536, false},
    {"0:200000:65536\n", NULL, "root", IDG_SRC_UID, 0, 65536, true, true, 200000, 65536, false},
    {NO_ACCT ":200000:100\n", NULL, NO_ACCT, IDG_SRC_UID, 0, 100, true, true, 200000, 100, false},
    {"root:200000:5\nroot:300000:20\n", NULL, "root", IDG_SRC_UID, 100000, 10, true, true, 300000,
     20, false}, /* the first big enough */
    {"root:200000:5\n", NULL, "root", IDG_SRC_UID, 100000, 10, true, true, 100000, 10, true},
    {"idg-noacct-10:200000:100\n", NULL, NO_ACCT, IDG_SRC_UID, 100000, 10, true, true, 100000, 10,
     true}, /* not the same name */
    {"0:200000:65536\n", NULL, "root", IDG_SRC_GID, 0, 10, true, true, 200000, 65536, false},
    /* 23: without reuse, a new range even so, off the owner's own */
    {"root:200000:65536\n", NULL, "root", IDG_SRC_UID, 200000, 10, false, true, 265536, 10, true},
    {"root:100000:65536\n", NULL, "root", IDG_SRC_UID, 100000, 10, false, true, 165536, 10, true},
    /* 25: the end of the id space */
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 4294967290ul, 5, false, true, 4294967290ul, 5, true},
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 4294967290ul, 6, false, false, 0, 0, false},
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 4294967294ul, 1, false, true, 4294967294ul, 1, true},
    {"x:4294967200:95\n", NULL, NO_ACCT, IDG_SRC_UID, 4294967200ul, 1, false, false, 0, 0, false},
    /* 29: requests that are no range */
    {"root:100000:10\n", NULL, "root", IDG_SRC_UID, 100000, 0, false, false, 0, 0, false},
    {"root:100000:10\n", NULL, "root", IDG_SRC_UID, 100000, 0, true, false, 0, 0, false},
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 4294967295ul, 1, false, false, 0, 0, false},
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 100000, 4294967296ul, false, false, 0, 0, false},
    {NULL, NULL, NO_ACCT, IDG_SRC_UID, 4294967296ul + 100000, 10, false, false, 0, 0, false},
};

START_TEST(test_grant)
{
    const struct grant_case *gc = &grant_cases[_i];
    struct ctx c;
    ctx_init(&c, "grant", _i);
    if (!need_root(&c))
        return;
    const char *path = subid_path(&c, gc->kind);
    if (gc->file)
        write_str(path, gc->file, 0644);
    if (gc->defs)
        write_str(c.defs, gc->defs, 0644);
    uint32_t acct;
    if (gc->writes &&
        account_within(gc->kind, gc->want_start, gc->want_start + gc->want_count - 1, &acct)) {
        fprintf(stderr, "%s: skipped, the host has an account with id %u in %lu+%lu\n", c.dir, acct,
                gc->want_start, gc->want_count);
        return;
    }
    unsigned long start = gc->start, count = gc->count;
    bool ok = idg_api_grant(&c.conf, gc->owner, &start, &count, gc->reuse, gc->kind, c.why,
                            sizeof(c.why));
    ck_assert_msg(ok == gc->ok, "case %d: %s (%s)", _i, ok ? "granted" : "refused", c.why);
    if (!ok) {
        ck_assert_msg(c.why[0] != '\0', "case %d: refused without a reason", _i);
        expect_untouched(path, gc->file);
        return;
    }
    ck_assert_msg(start == gc->want_start && count == gc->want_count,
                  "case %d: got %lu+%lu, want %lu+%lu", _i, start, count, gc->want_start,
                  gc->want_count);
    /* The rules, whatever the case says: above UID_MAX, at or above start,
     * no account's id. */
    ck_assert_uint_gt(start, 60000);
    ck_assert_uint_ge(start, gc->start);
    ck_assert_msg(!account_within(gc->kind, start, start + count - 1, &acct),
                  "case %d: %lu+%lu holds the id %u of an account", _i, start, count, acct);
    if (!gc->writes) {
        expect_untouched(path, gc->file);
    } else {
        /* The old bytes as they were (with a '\n' ended), then the line. */
        const char *old = gc->file ? gc->file : "";
        size_t len = strlen(old);
        char *want = NULL;
        ck_assert_int_ge(asprintf(&want, "%s%s%s:%lu:%lu\n", old,
                                  len && old[len - 1] != '\n' ? "\n" : "", gc->owner, start, count),
                         0);
        expect_written(path, gc->file, want);
        free(want);
    }
    /* The other kind's file was not made. */
    ck_assert(!exists(subid_path(&c, gc->kind == IDG_SRC_UID ? IDG_SRC_GID : IDG_SRC_UID)));
}
END_TEST

/* Each kind edits its own file: root's uids neither serve a gid request nor
 * take gids, and the uid file is not touched. */
START_TEST(test_grant_kind_own_file)
{
    struct ctx c;
    ctx_init(&c, "grant-kind", 0);
    if (!need_root(&c))
        return;
    const char *uids = "root:100000:65536\n";
    write_str(c.subuid, uids, 0644);
    unsigned long start = 100000, count = 10;
    ck_assert_msg(
        idg_api_grant(&c.conf, "root", &start, &count, true, IDG_SRC_GID, c.why, sizeof(c.why)),
        "%s", c.why);
    ck_assert_uint_eq(start, 100000);
    ck_assert_uint_eq(count, 10);
    expect_written(c.subgid, NULL, "root:100000:10\n");
    expect_untouched(c.subuid, uids);
}
END_TEST

/* The first gap would hold the id 65534 of nobody (nogroup): skipped. */
START_TEST(test_grant_skips_account_id)
{
    enum idg_src_kind kind = _i == 0 ? IDG_SRC_UID : IDG_SRC_GID;
    struct ctx c;
    ctx_init(&c, "grant-acct", _i);
    if (!need_root(&c))
        return;
    if (!id_exists(kind, 65534)) {
        fprintf(stderr, "%s: skipped, the host has no %s 65534\n", c.dir,
                kind == IDG_SRC_UID ? "account with uid" : "group with gid");
        return;
    }
    /* 60001..65530 taken: the first 10 free ids would be 65531..65540. */
    const char *file = "idg-noacct-2:60001:5530\n";
    const char *path = subid_path(&c, kind);
    write_str(path, file, 0644);
    unsigned long start = 0, count = 10;
    ck_assert_msg(
        idg_api_grant(&c.conf, NO_ACCT, &start, &count, false, kind, c.why, sizeof(c.why)), "%s",
        c.why);
    ck_assert_uint_eq(count, 10);
    ck_assert_msg(start > 65534 || start + count - 1 < 65534, "%lu+%lu holds 65534", start, count);
    ck_assert_uint_ge(start, 65531);
    uint32_t acct;
    ck_assert_msg(!account_within(kind, start, start + count - 1, &acct),
                  "%lu+%lu holds the id %u of an account", start, count, acct);
    /* Just past it, unless the host has more accounts there. */
    if (!account_within(kind, 65535, 65544, &acct))
        ck_assert_uint_eq(start, 65535);
    char want[128];
    snprintf(want, sizeof(want), "%s" NO_ACCT ":%lu:10\n", file, start);
    expect_written(path, file, want);
}
END_TEST

/* A malformed line anywhere: no edit, and why says where. */
struct bad_case {
    const char *file;
    unsigned line;
};

static const struct bad_case bad_cases[] = {
    {"x:1\n", 1},
    {"root:100000:10\nthis is not a line\n", 2},
    {"root:100000:10\nroot:abc:1\n", 2},
    {"# c\n\nroot:1:0\n", 3},
    {"root:200000:65536\nidg-noacct-2:4294967290:10\n", 2},
    {"root:200000:65536\n" NO_ACCT ":1:1\nx:010:5", 3}, /* no leading zero */
};

START_TEST(test_grant_malformed)
{
    const struct bad_case *bc = &bad_cases[_i];
    struct ctx c;
    ctx_init(&c, "grant-bad", _i);
    if (!need_root(&c))
        return;
    write_str(c.subuid, bc->file, 0644);
    char where[PATH_MAX + 16];
    snprintf(where, sizeof(where), "%s:%u:", c.subuid, bc->line);
    /* With reuse too: root's range would serve it, the file is still refused. */
    for (int reuse = 0; reuse < 2; reuse++) {
        unsigned long start = 100000, count = 10;
        c.why[0] = '\0';
        ck_assert(!idg_api_grant(&c.conf, "root", &start, &count, reuse, IDG_SRC_UID, c.why,
                                 sizeof(c.why)));
        ck_assert_str_has(c.why, where);
        expect_untouched(c.subuid, bc->file);
    }
    /* Ungrant refuses it the same way. */
    c.why[0] = '\0';
    ck_assert(!idg_api_ungrant(&c.conf, "root", 200000, 10, IDG_SRC_UID, c.why, sizeof(c.why)));
    ck_assert_str_has(c.why, where);
    expect_untouched(c.subuid, bc->file);
}
END_TEST

/* An owner the line grammar cannot hold, that is no account: there is no
 * uid to write instead, so nothing may be written for anyone else. */
static const char *const unwritable_owners[] = {"idg noacct", "idg:noacct", "#idg-noacct"};

START_TEST(test_grant_unwritable_owner)
{
    struct ctx c;
    ctx_init(&c, "grant-unwritable", _i);
    if (!need_root(&c))
        return;
    const char *file = "idg-noacct-2:100000:10\n";
    write_str(c.subuid, file, 0644);
    unsigned long start = 200000, count = 10;
    bool ok = idg_api_grant(&c.conf, unwritable_owners[_i], &start, &count, false, IDG_SRC_UID,
                            c.why, sizeof(c.why));
    char *now = slurp(c.subuid);
    ck_assert_msg(!ok, "\"%s\" (no account) was granted %lu+%lu; the file now holds \"%s\"",
                  unwritable_owners[_i], start, count, now ? now : "");
    free(now);
    expect_untouched(c.subuid, file);
}
END_TEST

/* The locks: a live holder of <file>.lock makes the edit fail after the
 * timeout, naming it; a dead one's lock is taken over. */
START_TEST(test_edit_locked)
{
    bool ungrant = _i == 1;
    struct ctx c;
    ctx_init(&c, "locked", _i);
    if (!need_root(&c))
        return;
    const char *file = "root:100000:100\n";
    write_str(c.subuid, file, 0644);
    struct child holder = spawn(NULL);
    write_shadow_lock(c.subuid, holder.pid);
    unsigned long start = 100000, count = 10;
    double t0 = now_ms();
    bool ok =
        ungrant ? idg_api_ungrant(&c.conf, "root", start, count, IDG_SRC_UID, c.why, sizeof(c.why))
                : idg_api_grant(&c.conf, "root", &start, &count, false, IDG_SRC_UID, c.why,
                                sizeof(c.why));
    double waited = now_ms() - t0;
    end_child(&holder);
    ck_assert_msg(!ok, "edited under %ld's lock", (long)holder.pid);
    ck_assert_msg(waited >= LOCK_TIMEOUT_MS * 0.9, "gave up after %.0f ms, timeout %d ms", waited,
                  LOCK_TIMEOUT_MS);
    char pid[32];
    snprintf(pid, sizeof(pid), "%ld", (long)holder.pid);
    ck_assert_str_has(c.why, pid);
    ck_assert_str_has(c.why, c.subuid);
    expect_content(c.subuid, file);
    /* The holder's lock is the holder's: left alone. */
    char lock[PATH_MAX + 8];
    snprintf(lock, sizeof(lock), "%s.lock", c.subuid);
    char *held = slurp(lock);
    ck_assert_ptr_nonnull(held);
    ck_assert_str_eq(held, pid);
    free(held);
    ck_assert_int_eq(unlink(lock), 0);

    /* A dead holder: its lock is stale, taken over, and removed after. */
    write_shadow_lock(c.subuid, dead_pid());
    ok = ungrant ? idg_api_ungrant(&c.conf, "root", start, count, IDG_SRC_UID, c.why, sizeof(c.why))
                 : idg_api_grant(&c.conf, "root", &start, &count, false, IDG_SRC_UID, c.why,
                                 sizeof(c.why));
    ck_assert_msg(ok, "%s", c.why);
    expect_written(c.subuid, file,
                   ungrant ? "root:100010:90\n" : "root:100000:100\nroot:100100:10\n");
}
END_TEST

/* .pwd.lock held by another process: the edit fails, naming it. */
START_TEST(test_edit_pwdlock_held)
{
    struct ctx c;
    ctx_init(&c, "pwdlock", 0);
    if (!need_root(&c))
        return;
    const char *file = "root:100000:100\n";
    write_str(c.subuid, file, 0644);
    struct child holder = spawn(c.pwdlock);
    unsigned long start = 100000, count = 10;
    bool granted =
        idg_api_grant(&c.conf, "root", &start, &count, false, IDG_SRC_UID, c.why, sizeof(c.why));
    char why2[1024] = "";
    bool ungranted = idg_api_ungrant(&c.conf, "root", 100000, 10, IDG_SRC_UID, why2, sizeof(why2));
    end_child(&holder);
    ck_assert(!granted);
    ck_assert(!ungranted);
    ck_assert_str_has(c.why, c.pwdlock);
    ck_assert_str_has(why2, c.pwdlock);
    expect_untouched(c.subuid, file);
}
END_TEST

/* Files the edit may not trust, and a login.defs it cannot use. */
START_TEST(test_grant_refusals)
{
    struct ctx c;
    ctx_init(&c, "grant-refused", 0);
    if (!need_root(&c))
        return;
    const char *file = "root:100000:100\n";
    write_str(c.subuid, file, 0664);
    unsigned long start = 100000, count = 10;
    ck_assert(
        !idg_api_grant(&c.conf, "root", &start, &count, false, IDG_SRC_UID, c.why, sizeof(c.why)));
    ck_assert_str_has(c.why, c.subuid);
    ck_assert_str_has(c.why, "chmod go-w");
    ck_assert(!idg_api_ungrant(&c.conf, "root", 100000, 10, IDG_SRC_UID, c.why, sizeof(c.why)));
    ck_assert_str_has(c.why, "chmod go-w");
    expect_untouched(c.subuid, file);

    ctx_init(&c, "grant-refused", 1);
    write_str(c.subuid, file, 0644);
    write_str(c.defs, "UID_MIN 1000\nUID_MAX sixty\n", 0644);
    ck_assert(
        !idg_api_grant(&c.conf, "root", &start, &count, false, IDG_SRC_UID, c.why, sizeof(c.why)));
    ck_assert_str_has(c.why, c.defs);
    ck_assert_str_has(c.why, "UID_MAX");
    expect_untouched(c.subuid, file);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* idg_api_ungrant (root) */

#define UNGRANT_FILE                                                                               \
    "# keep me\n"                                                                                  \
    "root:100000:100\n"                                                                            \
    "idg-noacct-2:100000:100\n"                                                                    \
    "0:300000:50\n" NO_ACCT ":500000:10\n"

struct ungrant_case {
    const char *file;
    const char *owner;
    enum idg_src_kind kind;
    unsigned long start, count;
    bool ok;
    const char *want; /* the new file; NULL: unchanged, no backup */
};

#define TAIL "idg-noacct-2:100000:100\n0:300000:50\n" NO_ACCT ":500000:10\n"

static const struct ungrant_case ungrant_cases[] = {
    /* 0: a whole line goes; the other owner's overlapping line stays */
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100000, 100, true, "# keep me\n" TAIL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 99000, 5000, true, "# keep me\n" TAIL},
    /* 2: a cut in the middle: the head in place, the tail a new last line,
     * both with the line's owner text */
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100010, 20, true,
     "# keep me\nroot:100000:10\n" TAIL "root:100030:70\n"},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100050, 1, true,
     "# keep me\nroot:100000:50\n" TAIL "root:100051:49\n"},
    {UNGRANT_FILE, "0", IDG_SRC_UID, 300010, 10, true,
     "# keep me\nroot:100000:100\nidg-noacct-2:100000:100\n0:300000:10\n" NO_ACCT
     ":500000:10\n0:300020:30\n"},
    {UNGRANT_FILE, NO_ACCT, IDG_SRC_UID, 500002, 3, true,
     "# keep me\nroot:100000:100\nidg-noacct-2:100000:100\n0:300000:50\n" NO_ACCT
     ":500000:2\n" NO_ACCT ":500005:5\n"},
    /* 6: cut at the start, at the end: the rest stays in its place */
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100000, 10, true, "# keep me\nroot:100010:90\n" TAIL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 99990, 11, true, "# keep me\nroot:100001:99\n" TAIL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100090, 10, true, "# keep me\nroot:100000:90\n" TAIL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100099, 500, true, "# keep me\nroot:100000:99\n" TAIL},
    /* 10: across several of the owner's lines */
    {"root:100000:100\nroot:200000:10\nidg-noacct-2:200000:10\nroot:300000:50\n", "root",
     IDG_SRC_UID, 100050, 199960, true, "root:100000:50\nidg-noacct-2:200000:10\nroot:300010:40\n"},
    {"root:100000:100\nroot:100000:100\n", "root", IDG_SRC_UID, 100010, 10, true,
     "root:100000:10\nroot:100000:10\nroot:100020:80\nroot:100020:80\n"},
    /* 12: nothing of the owner's there: success, nothing written */
    {UNGRANT_FILE, "idg-noacct-3", IDG_SRC_UID, 100000, 100, true, NULL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 200000, 100, true, NULL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100100, 1, true, NULL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 99999, 1, true, NULL},
    {NULL, "root", IDG_SRC_GID, 100000, 100, true, NULL}, /* no subgid file */
    {NULL, "root", IDG_SRC_UID, 100000, 100, true, NULL}, /* no subuid file */
    /* 18: the owner text only: "root" is not "0", nor the reverse */
    {UNGRANT_FILE, "root", IDG_SRC_UID, 300000, 50, true, NULL},
    {UNGRANT_FILE, "0", IDG_SRC_UID, 100000, 100, true, NULL},
    {UNGRANT_FILE, "0", IDG_SRC_UID, 300000, 50, true,
     "# keep me\nroot:100000:100\nidg-noacct-2:100000:100\n" NO_ACCT ":500000:10\n"},
    {UNGRANT_FILE, "idg-noacct", IDG_SRC_UID, 100000, 100, true, NULL},
    /* 22: GID edits the gid file */
    {"root:100000:10\n", "root", IDG_SRC_GID, 100002, 2, true, "root:100000:2\nroot:100004:6\n"},
    /* 23: a last line without its '\n' */
    {"root:100000:100", "root", IDG_SRC_UID, 100010, 20, true, "root:100000:10\nroot:100030:70\n"},
    {"root:100000:100\nidg-noacct-2:1:1", "root", IDG_SRC_UID, 100000, 10, true,
     "root:100010:90\nidg-noacct-2:1:1"},
    {"idg-noacct-2:1:1\nroot:100000:100", "root", IDG_SRC_UID, 100000, 10, true,
     "idg-noacct-2:1:1\nroot:100010:90"},
    {"root:100000:100\nidg-noacct-2:1:1", "root", IDG_SRC_UID, 100000, 100, true,
     "idg-noacct-2:1:1"},
    /* 27: the top of the id space */
    {"root:4294967290:5\n", "root", IDG_SRC_UID, 4294967294ul, 1, true, "root:4294967290:4\n"},
    /* 28: no range: refused */
    {UNGRANT_FILE, "root", IDG_SRC_UID, 4294967290ul, 10, false, NULL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 4294967295ul, 1, false, NULL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 1, 4294967295ul, false, NULL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100000, 0, false, NULL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 4294967296ul + 100000, 100, false, NULL},
    {UNGRANT_FILE, "root", IDG_SRC_UID, 100000, 4294967296ul + 100, false, NULL},
};

START_TEST(test_ungrant)
{
    const struct ungrant_case *uc = &ungrant_cases[_i];
    struct ctx c;
    ctx_init(&c, "ungrant", _i);
    if (!need_root(&c))
        return;
    const char *path = subid_path(&c, uc->kind);
    const char *other = subid_path(&c, uc->kind == IDG_SRC_UID ? IDG_SRC_GID : IDG_SRC_UID);
    if (uc->file)
        write_str(path, uc->file, 0644);
    /* For GID, the uid file holds the same lines: never touched. */
    if (uc->kind == IDG_SRC_GID)
        write_str(other, UNGRANT_FILE, 0644);
    bool ok =
        idg_api_ungrant(&c.conf, uc->owner, uc->start, uc->count, uc->kind, c.why, sizeof(c.why));
    ck_assert_msg(ok == uc->ok, "case %d: %s (%s)", _i, ok ? "done" : "refused", c.why);
    if (!ok)
        ck_assert_msg(c.why[0] != '\0', "case %d: refused without a reason", _i);
    if (uc->want)
        expect_written(path, uc->file, uc->want);
    else
        expect_untouched(path, uc->file);
    if (uc->kind == IDG_SRC_GID)
        expect_untouched(other, UNGRANT_FILE);
    else
        ck_assert(!exists(other));
}
END_TEST

/* A grant then its ungrant give the file back as it was. */
START_TEST(test_grant_ungrant_round_trip)
{
    struct ctx c;
    ctx_init(&c, "round-trip", 0);
    if (!need_root(&c))
        return;
    const char *file = "# c\nroot:100000:65536\nidg-noacct-2:165536:10\n";
    write_str(c.subuid, file, 0644);
    unsigned long start = 100000, count = 65536;
    ck_assert_msg(
        idg_api_grant(&c.conf, NO_ACCT, &start, &count, false, IDG_SRC_UID, c.why, sizeof(c.why)),
        "%s", c.why);
    ck_assert_uint_eq(start, 165546);
    ck_assert_uint_eq(count, 65536);
    /* What the owner has now, by the same library. */
    struct idg_plugin_range *out = NULL;
    int n = idg_api_ranges(&c.conf, NO_ACCT, IDG_SRC_UID, &out, c.why, sizeof(c.why));
    const struct rg want[] = {{165546, 65536}};
    expect_ranges(n, out, want, 1, "after the grant");
    free(out);
    ck_assert(idg_api_ungrant(&c.conf, NO_ACCT, start, count, IDG_SRC_UID, c.why, sizeof(c.why)));
    expect_content(c.subuid, file);
    n = idg_api_ranges(&c.conf, NO_ACCT, IDG_SRC_UID, &out, c.why, sizeof(c.why));
    expect_ranges(n, out, NULL, 0, "after the ungrant");
}
END_TEST

static Suite *api_suite(void)
{
    Suite *s = suite_create("api");
    /* One temporary directory, made and removed by the parent process; each
     * test works in a subdirectory of its own. */
    TCase *tc = tcase_create("ranges");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_loop_test(tc, test_ranges_files, 0, (int)ARRAY_SIZE(ranges_cases));
    tcase_add_test(tc, test_ranges_other_account);
    tcase_add_loop_test(tc, test_ranges_missing, 0, (int)ARRAY_SIZE(missing_cases));
    tcase_add_loop_test(tc, test_ranges_group_name, 0, 2);
    tcase_add_test(tc, test_ranges_idperm);
    tcase_add_loop_test(tc, test_ranges_untrusted, 0, (int)ARRAY_SIZE(untrusted_cases));
    tcase_add_loop_test(tc, test_ranges_nsswitch, 0, (int)ARRAY_SIZE(nss_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("owners");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_add_loop_test(tc, test_owners, 0, (int)ARRAY_SIZE(owners_cases));
    tcase_add_test(tc, test_owners_sources);
    tcase_add_test(tc, test_owners_unreachable);
    suite_add_tcase(s, tc);

    tc = tcase_create("edit");
    tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_grant, 0, (int)ARRAY_SIZE(grant_cases));
    tcase_add_test(tc, test_grant_kind_own_file);
    tcase_add_loop_test(tc, test_grant_skips_account_id, 0, 2);
    tcase_add_loop_test(tc, test_grant_malformed, 0, (int)ARRAY_SIZE(bad_cases));
    tcase_add_loop_test(tc, test_grant_unwritable_owner, 0, (int)ARRAY_SIZE(unwritable_owners));
    tcase_add_loop_test(tc, test_edit_locked, 0, 2);
    tcase_add_test(tc, test_edit_pwdlock_held);
    tcase_add_test(tc, test_grant_refusals);
    tcase_add_loop_test(tc, test_ungrant, 0, (int)ARRAY_SIZE(ungrant_cases));
    tcase_add_test(tc, test_grant_ungrant_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(api_suite());
}
