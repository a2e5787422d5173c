/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * getsubids [-g] USER: list the subordinate id ranges of USER, with the
 * answers of shadow's getsubids, which kubelet, podman and rootlesskit
 * parse:
 *
 *     0: alice 100000 65536
 *
 * Rules this file keeps:
 *  - standard output and the exit status are shadow's for every query a
 *    client makes: the lines are the owner's by shadow's libsubid rule
 *    (idg_owner_for_query: USER's own text, and the uid of the account named
 *    USER; with -g, the gid of the group named USER), one output line per
 *    file line, "INDEX: USER START COUNT" numbered from 0, USER exactly as
 *    given, in file order (subuid or subgid first, then id_permission);
 *  - exit 1 with nothing on standard output when USER has no range, as
 *    shadow does: rootlesskit asks by name and by uid and joins the answers,
 *    so "getsubids 1000" must not repeat the lines of the name;
 *  - nothing goes to standard output unless every source was read: a caller
 *    would take a partial list for the whole one;
 *  - every error is one line on standard error: what, why, what to do
 *    (shadow prints "Error fetching ranges"; no client reads standard error).
 * getsubids(1) lists where idgate is stricter than shadow on purpose.
 * Not privileged: the files are read with the caller's credentials.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "allotment.h"
#include "config.h"
#include "number.h"
#include "request.h"
#include "sources.h"

#define PROG "getsubids"
#define USAGE "usage: " PROG " [-g] USER"

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_FAILURE);
}

/* Standard output must have reached its file: a list cut short by a full
 * disk or a closed pipe is not a list. */
static int finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        die("cannot write to standard output: %s", strerror(errno));
    return EXIT_SUCCESS;
}

static void usage(void)
{
    printf("Usage: %s [-g] USER\n"
           "List the subordinate uid ranges of USER, one per line:\n"
           "INDEX: USER START COUNT, numbered from 0. Exit 1 when there is none.\n"
           "\n"
           "  USER           an owner as the files write it: the lines keyed by USER,\n"
           "                 and, when USER is a login name, those keyed by its uid\n"
           "                 (with -g: by the gid of the group named USER)\n"
           "  -g             list the subordinate gid ranges instead\n"
           "  -h, --help     show this help\n"
           "  -V, --version  show the version\n"
           "\n"
           "Ranges come from the sources of the subid: line of %s\n"
           "(files: %s and %s, with -g %s and %s).\n"
           "See %s(1).\n",
           PROG, IDG_NSSWITCH, IDG_SUBUID, IDG_IDPERM_UIDS, IDG_SUBGID, IDG_IDPERM_GIDS, PROG);
}

struct warn_ctx {
    const char *who;
};

static void warn_bad_line(void *arg, const char *path, uint32_t line, enum idg_line_status st)
{
    const struct warn_ctx *w = arg;
    fprintf(stderr,
            "%s: warning: %s:%" PRIu32 ": line for %s ignored: %s; ask an administrator to "
            "fix it\n",
            PROG, path, line, w->who, idg_line_status_str(st));
}

/* The sources asked, for a message: "/etc/subuid" for files alone (saying
 * so when it does not exist), else "the sources files, sss of the subid:
 * line of /etc/nsswitch.conf". */
static const char *where(char *buf, size_t len, const struct idg_sources *src, bool group)
{
    if (src->n == 1 && src->v[0].files) {
        const char *path = group ? IDG_SUBGID : IDG_SUBUID;
        bool gone = access(path, F_OK) < 0 && errno == ENOENT;
        snprintf(buf, len, "%s%s", path, gone ? " (which does not exist)" : "");
        return buf;
    }
    size_t at = (size_t)snprintf(buf, len, "the sources");
    for (size_t i = 0; i < src->n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s %s", i ? "," : "", src->v[i].name);
    if (at < len)
        snprintf(buf + at, len - at, " of the subid: line of %s", IDG_NSSWITCH);
    return buf;
}

/* No range for USER: exit 1, as shadow does, saying why in our words. */
__attribute__((noreturn)) static void no_ranges(const char *shown, const struct idg_owner *o,
                                                bool named, bool group,
                                                const struct idg_sources *src)
{
    char in[512];
    const char *kind = group ? "gid" : "uid";
    where(in, sizeof(in), src, group);
    if (named)
        die("%s has no subordinate %s range: none has the owner %s or %s (the %s of %s) in %s; "
            "an administrator can allot one with: subid-add %s",
            shown, kind, shown, o->uid_str, kind, shown, in, shown);
    uint32_t id;
    if (idg_parse_u32(shown, IDG_ID_MAX, &id) == 0)
        die("no subordinate %s range has the owner %s in %s (a number lists only the ranges "
            "keyed by that number; give the login name to list all of an account's ranges)",
            kind, shown, in);
    die("no subordinate %s range has the owner %s in %s, and %s is no %s; check the name "
        "with: getent %s %s",
        kind, shown, in, shown,
        group ? "group in the group database" : "user in the passwd database",
        group ? "group" : "passwd", shown);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bool group = false;
    char shown[IDG_NAME_MAX];

    opterr = 0; /* one line per error, in our words */
    /* '+': options end at the first operand, so "USER -g" is not taken for
       "-g USER" (shadow would list uid ranges for it). */
    for (int c; (c = getopt_long(argc, argv, "+ghV", longopts, NULL)) != -1;) {
        switch (c) {
        case 'g':
            group = true;
            break;
        case 'h':
            usage();
            return finish_stdout();
        case 'V':
            printf("%s (idgate) %s\n", PROG, IDG_VERSION);
            return finish_stdout();
        default:
            if (optopt >= 0x20 && optopt < 0x7f && optopt != 'g' && optopt != 'h' && optopt != 'V')
                die("unknown option '-%c'; " USAGE, optopt);
            die("unknown option '%s'; " USAGE,
                idg_sanitize(shown, sizeof(shown), argv[optind - 1]));
        }
    }
    if (optind == argc)
        die("no USER given; " USAGE);
    if (argc - optind > 1)
        die("expected one USER, got %d arguments; options such as -g go before USER; " USAGE,
            argc - optind);
    const char *user = argv[optind];
    if (!*user)
        die("USER is empty; give a login name or a uid; " USAGE);
    idg_sanitize(shown, sizeof(shown), user);

    struct idg_owner o;
    int named = idg_owner_for_query(user, group, &o);
    if (named < 0)
        die("cannot look up %s in the %s database: %s; check the %s line of %s and the name "
            "service it names",
            shown, group ? "group" : "passwd", strerror(-named), group ? "group" : "passwd",
            IDG_NSSWITCH);
    struct warn_ctx w = {.who = shown};
    struct idg_allotments found = {0};
    struct idg_files files;
    idg_files_default(&files);
    struct idg_sources src;
    struct idg_sources_error serr;
    if (idg_sources_open(&src, IDG_NSSWITCH, &files, &serr) < 0)
        die("cannot list the %s ranges of %s: %s", group ? "gid" : "uid", shown, serr.why);
    const struct idg_source *failed;
    struct idg_file_problem pb;
    enum idg_src_status st = idg_sources_list(&src, group ? IDG_SRC_GID : IDG_SRC_UID, &o, &found,
                                              warn_bad_line, &w, &failed, &pb);
    if (st != IDG_SRC_OK) {
        char why[1024];
        idg_src_failure_str(why, sizeof(why), failed, st, &pb, IDG_NSSWITCH);
        die("cannot list the %s ranges of %s: %s", group ? "gid" : "uid", shown, why);
    }

    if (found.n == 0)
        no_ranges(shown, &o, named > 0, group, &src);
    for (size_t i = 0; i < found.n; i++)
        printf("%zu: %s %" PRIu32 " %" PRIu32 "\n", i, user, found.v[i].range.start,
               found.v[i].range.count);
    idg_allotments_free(&found);
    idg_sources_close(&src);
    return finish_stdout();
}
