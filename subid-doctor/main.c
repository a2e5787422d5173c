/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * subid-doctor [--json] [USER]: the options, the user checked, and the
 * output (a checklist, or one JSON object). The checks are in ranges.c,
 * system.c and trial.c.
 *
 * Rules this file keeps:
 *  - exit 0 when no check fails (a rootless container would get its full
 *    mapping), 1 when one does, 2 on a usage error;
 *  - --json prints exactly one object and nothing else on standard output;
 *    every string in it goes through json_str();
 *  - root checks USER as USER (initgroups, setresgid, setresuid), so that
 *    what the user can reach and run is what is tested.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "account.h"
#include "config.h"
#include "doctor.h"
#include "request.h"

#define USAGE "Usage: " PROG " [--json] [USER]"

__attribute__((noreturn, format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("; " USAGE "\n", stderr);
    va_end(ap);
    exit(2);
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void help(void)
{
    printf(USAGE "\n"
                 "Check whether rootless containers of USER (default: you) get their\n"
                 "subordinate ids here, and say what to fix: ranges, helpers, kernel, a live\n"
                 "trial of the helpers, runtime state. Changes nothing.\n"
                 "\n"
                 "  USER           the user to check; only root may name another user\n"
                 "      --json     print one JSON object instead of the checklist\n"
                 "  -h, --help     show this help\n"
                 "  -V, --version  show the version\n"
                 "\n"
                 "Exit 0 when no check fails, 1 when one does, 2 on a usage error.\n"
                 "See " PROG "(1).\n");
}

struct dr_check *dr_add(struct dr_report *r, const char *id, enum dr_status st, const char *fmt,
                        ...)
{
    if (r->n == DR_CHECKS_MAX)
        abort(); /* a programming error: the list is fixed */
    struct dr_check *c = &r->v[r->n++];
    *c = (struct dr_check){.id = id, .st = st};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
    va_end(ap);
    return c;
}

void dr_fix(struct dr_check *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
    va_end(ap);
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlong form, no surrogate, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t n;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* A JSON string (RFC 8259): quote, backslash and every control byte
 * escaped, well-formed UTF-8 as it is, and any other byte (a file name's
 * stray Latin-1) as U+FFFD, so that the output always parses. */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n;
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p++, f);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p++);
        } else if (*p < 0x80) {
            fputc(*p++, f);
        } else if ((n = utf8_len(p)) > 0) {
            fwrite(p, 1, n, f);
            p += n;
        } else {
            fputs("\\ufffd", f);
            p++;
        }
    }
    fputc('"', f);
}

/* A message on one line of the checklist: control bytes (from a path in
 * the environment, say) shown as '?'. */
static void text_line(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    fputc('\n', f);
}

static const char *status_word(enum dr_status st)
{
    return st == DR_OK ? "ok" : st == DR_WARN ? "warn" : "fail";
}

static bool report_ok(const struct dr_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].st == DR_FAIL)
            return false;
    return true;
}

static void print_json(const struct dr_report *r, const struct dr_user *u)
{
    printf("{\"ok\": %s, \"user\": ", report_ok(r) ? "true" : "false");
    json_str(stdout, u->name);
    fputs(", \"checks\": [", stdout);
    for (size_t i = 0; i < r->n; i++) {
        const struct dr_check *c = &r->v[i];
        fputs(i ? ",\n  {\"id\": " : "\n  {\"id\": ", stdout);
        json_str(stdout, c->id);
        printf(", \"status\": \"%s\", \"message\": ", status_word(c->st));
        json_str(stdout, c->msg);
        fputs(", \"fix\": ", stdout);
        json_str(stdout, c->fix);
        fputc('}', stdout);
    }
    fputs("\n]}\n", stdout);
}

static void print_text(const struct dr_report *r, const struct dr_user *u)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct dr_check *c = &r->v[i];
        const char *w = c->st == DR_OK ? "ok  " : c->st == DR_WARN ? "warn" : "FAIL";
        printf("%s %s: ", w, c->id);
        text_line(stdout, c->msg);
        if (c->fix[0]) {
            fputs("     fix: ", stdout);
            text_line(stdout, c->fix);
        }
    }
    if (report_ok(r))
        printf("%s: rootless containers of %s should get their full mapping here\n", PROG, u->name);
    else
        printf("%s: rootless containers of %s will not work here; fix the first FAIL first\n", PROG,
               u->name);
}

/* As root: become USER, with their groups, and keep dumpable so that our
 * trial child's /proc entries stay the user's (the helpers require it). */
static void become(const struct dr_user *u)
{
    if ((u->has_name ? initgroups(u->name, u->gid) : setgroups(0, NULL)) < 0 ||
        setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0)
        die("cannot become %s (uid %u): %s", u->name, u->uid, strerror(errno));
    uid_t r, e, s;
    if (getresuid(&r, &e, &s) < 0 || r != u->uid || e != u->uid || s != u->uid)
        die("cannot become %s (uid %u)", u->name, u->uid);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static void find_user(const char *arg, struct dr_user *u)
{
    *u = (struct dr_user){0};
    struct idg_account a;
    uid_t me = getuid();
    int rc;
    if (arg) {
        char shown[IDG_NAME_MAX];
        idg_sanitize(shown, sizeof(shown), arg);
        rc = idg_account_lookup(arg, &a);
        if (rc == -ENOENT)
            usage_error("no user %s in the passwd database (check with: getent passwd %s)", shown,
                        shown);
        if (rc < 0)
            die("cannot look up %s in the passwd database: %s", shown, strerror(-rc));
        if (me != 0 && a.uid != me)
            usage_error("only root may check another user; run it as %s", shown);
    } else {
        if (me == 0)
            usage_error("run as root, it needs the USER to check (root's own containers are "
                        "not rootless)");
        int source_errno;
        rc = idg_account_by_uid(me, &a, &source_errno);
        if (rc < 0 && rc != -ENAMETOOLONG) {
            a = (struct idg_account){.uid = me, .gid = getgid()};
            a.name[0] = '\0';
        }
    }
    u->uid = a.uid;
    u->gid = me == 0 ? a.gid : getgid();
    u->has_name = a.name[0] != '\0';
    if (u->has_name)
        snprintf(u->name, sizeof(u->name), "%s", a.name);
    else
        snprintf(u->name, sizeof(u->name), "%u", a.uid);

    const char *home = NULL, *xdg = getenv("XDG_RUNTIME_DIR");
    char path[64];
    if (me == 0) {
        /* Root's environment is not the user's: their session's defaults. */
        snprintf(path, sizeof(path), "/run/user/%u", u->uid);
        xdg = path;
    } else {
        home = getenv("HOME");
    }
    if (!home || !*home) {
        struct passwd pw, *pp = NULL;
        char buf[4096];
        if (getpwuid_r(u->uid, &pw, buf, sizeof(buf), &pp) == 0 && pp)
            snprintf(u->home, sizeof(u->home), "%s", pw.pw_dir);
    } else {
        snprintf(u->home, sizeof(u->home), "%s", home);
    }
    snprintf(u->runtime_dir, sizeof(u->runtime_dir), "%s", xdg && *xdg ? xdg : "");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    char shown[IDG_NAME_MAX];
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1;) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'h':
            help();
            return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
        case 'V':
            printf("%s (idgate) %s\n", PROG, IDG_VERSION);
            return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
        default:
            if (optopt >= 0x20 && optopt < 0x7f)
                usage_error("unknown option '-%c'", optopt);
            usage_error("unknown option '%s'",
                        idg_sanitize(shown, sizeof(shown), argv[optind - 1]));
        }
    }
    if (argc - optind > 1)
        usage_error("expected at most one USER, got %d arguments", argc - optind);
    if (optind < argc && !argv[optind][0])
        usage_error("USER is empty");

    /* A SIGCHLD the caller set to "ignore" survives exec and would reap our
     * children before we can read their status. */
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);

    struct dr_user u;
    find_user(optind < argc ? argv[optind] : NULL, &u);
    if (getuid() == 0 || geteuid() == 0)
        become(&u);

    static struct dr_report r;
    static struct dr_ranges rg;
    char helpers[2][1024];
    dr_gather_ranges(&u, &rg);
    dr_check_ranges(&r, &u, &rg);
    dr_check_helpers(&r, helpers);
    bool userns = dr_check_kernel(&r);
    dr_check_trial(&r, &u, &rg, helpers, userns);
    dr_check_runtime(&r, &u, &rg);

    if (json)
        print_json(&r, &u);
    else
        print_text(&r, &u);
    if (fflush(stdout) != 0 || ferror(stdout))
        die("cannot write to standard output: %s", strerror(errno));
    idg_allotments_free(&rg.a[0]);
    idg_allotments_free(&rg.a[1]);
    return report_ok(&r) ? 0 : 1;
}
