/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * getsubids [-g] USER: list the subordinate id ranges allotted to USER, in
 * the output format of shadow's getsubids, which kubelet and rootlesskit
 * parse:
 *
 *     0: alice 100000 65536
 *
 * Rules this file keeps (DESIGN.md "Command contracts"):
 *  - one line per allotment, "INDEX: USER START COUNT", numbered from 0,
 *    USER exactly as given, in file order (subuid or subgid first, then
 *    id_permission), never sorted: shadow lists in file order too;
 *  - USER is resolved once, by libsubid's account rule (name, then uid), and
 *    lines match that account's name or uid, as they do for the helpers;
 *  - nothing goes to standard output unless every source was read: a caller
 *    would take a partial list for the whole one;
 *  - exit 0 with nothing printed for a known user without ranges; exit 1 for
 *    an unknown user, a failing source, bad usage, or a failed write;
 *  - every error is one line on standard error: what, why, what to do.
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
           "List the subordinate uid ranges allotted to USER, one per line:\n"
           "INDEX: USER START COUNT, numbered from 0.\n"
           "\n"
           "  USER       a login name, or a uid in decimal\n"
           "  -g         list the subordinate gid ranges instead\n"
           "  -h, --help show this help\n"
           "  --version  show the version\n"
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

/* Resolve USER or die saying why. `shown` is USER fit for a message. */
static void lookup_or_die(const char *user, const char *shown, struct idg_account *acct)
{
    int rc = idg_account_lookup(user, acct);
    uint32_t uid;
    if (rc == -ENOENT && idg_parse_u32(user, IDG_ID_MAX, &uid) == 0)
        die("no user named %s and no user with uid %s in the passwd database; check with: "
            "getent passwd %s",
            shown, shown, shown);
    if (rc == -ENOENT)
        die("no user named %s in the passwd database; check the name with: getent passwd %s", shown,
            shown);
    if (rc == -ENAMETOOLONG)
        die("the login name of %s has %d bytes or more, longer than getsubids handles", shown,
            IDG_NAME_MAX);
    if (rc < 0)
        die("cannot look up %s in the passwd database: %s; check the passwd line of "
            "/etc/nsswitch.conf and the name service it names",
            shown, strerror(-rc));
}

int main(int argc, char **argv)
{
    enum { OPT_VERSION = 256 };
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    bool group = false;
    char shown[IDG_NAME_MAX];

    opterr = 0; /* one line per error, in our words */
    /* '+': options end at the first operand, so "USER -g" is not taken for
       "-g USER" (shadow would list uid ranges for it). */
    for (int c; (c = getopt_long(argc, argv, "+gh", longopts, NULL)) != -1;) {
        switch (c) {
        case 'g':
            group = true;
            break;
        case 'h':
            usage();
            return finish_stdout();
        case OPT_VERSION:
            printf("%s (idgate) %s\n", PROG, IDG_VERSION);
            return finish_stdout();
        default:
            if (optopt >= 0x20 && optopt < 0x7f && optopt != 'g' && optopt != 'h')
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

    struct idg_account acct;
    lookup_or_die(user, shown, &acct);

    struct idg_owner o;
    idg_owner_init(&o, acct.name, acct.uid);
    struct warn_ctx w = {.who = acct.name};
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

    for (size_t i = 0; i < found.n; i++)
        printf("%zu: %s %" PRIu32 " %" PRIu32 "\n", i, user, found.v[i].range.start,
               found.v[i].range.count);
    idg_allotments_free(&found);
    idg_sources_close(&src);
    return finish_stdout();
}
