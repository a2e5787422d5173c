/* SPDX-License-Identifier: BSD-3-Clause */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "decide.h"
#include "number.h"
#include "subid-add.h"

static void usage(FILE *to)
{
    fputs("Usage: subid-add [options] USER\n"
          "       subid-add --window FIRST-LAST --start S [--count N] [--uid-only|--gid-only]\n"
          "       subid-add --check\n"
          "Give USER a subordinate uid range in " IDG_SUBUID " and a gid range in " IDG_SUBGID ",\n"
          "first fit in SUB_UID_MIN..SUB_UID_MAX of " IDG_LOGINDEFS ", never over another owner's\n"
          "range or an account's id. A user who already has one is shown it.\n"
          "\n"
          "  -c, --count N         ids per range (default SUB_UID_COUNT / SUB_GID_COUNT)\n"
          "      --range FIRST-LAST  this exact range instead of the first free one\n"
          "      --deterministic   start = SUB_UID_MIN + (uid - UID_MIN) * COUNT\n"
          "      --uid-only        only " IDG_SUBUID "\n"
          "      --gid-only        only " IDG_SUBGID "\n"
          "      --remove          drop USER's ranges (with --range: those inside it)\n"
          "      --dry-run         print what would change; change nothing\n"
          "      --check           lint both files; exit 1 if anything is wrong\n"
          "      --window FIRST-LAST --start S [--count N]\n"
          "                        write a window line: every uid U of FIRST..LAST gets N\n"
          "                        ids from S + (U - FIRST) * N; see subuid(5)\n"
          "  -h, --help            this text\n"
          "  -V, --version         the version\n"
          "See subid-add(8).\n",
          to);
}

static void bad_usage(const char *what)
{
    warnx("%s; see subid-add --help", what);
    exit(1);
}

/* FIRST-LAST, both plain decimals, FIRST <= LAST <= 4294967294. */
static int parse_range(const char *s, struct idg_range *out)
{
    const char *dash = strchr(s, '-');
    uint32_t first, last;
    if (!dash || idg_parse_u32n(s, (size_t)(dash - s), IDG_ID_MAX, &first) < 0 ||
        idg_parse_u32(dash + 1, IDG_ID_MAX, &last) < 0 || last < first)
        return -1;
    *out = (struct idg_range){.start = first, .count = last - first + 1};
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        OPT_RANGE = 256,
        OPT_DET,
        OPT_UID,
        OPT_GID,
        OPT_REMOVE,
        OPT_DRY,
        OPT_CHECK,
        OPT_WINDOW,
        OPT_START
    };
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'c'},
        {"range", required_argument, NULL, OPT_RANGE},
        {"deterministic", no_argument, NULL, OPT_DET},
        {"uid-only", no_argument, NULL, OPT_UID},
        {"gid-only", no_argument, NULL, OPT_GID},
        {"remove", no_argument, NULL, OPT_REMOVE},
        {"dry-run", no_argument, NULL, OPT_DRY},
        {"check", no_argument, NULL, OPT_CHECK},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"start", required_argument, NULL, OPT_START},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    struct sa_opts o = {.kind = {true, true}};
    bool uid_only = false, gid_only = false, check = false, count_set = false, start_set = false;
    int c;
    opterr = 0; /* one line per error, in our words */
    while ((c = getopt_long(argc, argv, ":c:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (idg_parse_u32(optarg, IDG_COUNT_MAX, &o.count) < 0 || o.count == 0) {
                warnx("invalid count '%s': it must be a plain decimal from 1 to 4294967295",
                      optarg);
                return 1;
            }
            count_set = true;
            break;
        case OPT_RANGE:
            if (parse_range(optarg, &o.range) < 0) {
                warnx("invalid range '%s': expected FIRST-LAST, plain decimals with FIRST <= "
                      "LAST <= 4294967294, e.g. --range 100000-165535",
                      optarg);
                return 1;
            }
            o.range_set = true;
            break;
        case OPT_DET:
            o.deterministic = true;
            break;
        case OPT_WINDOW:
            if (parse_range(optarg, &o.window) < 0) {
                warnx("invalid window '%s': expected FIRST-LAST, two plain decimal uids with "
                      "FIRST <= LAST, e.g. --window 50000-59999",
                      optarg);
                return 1;
            }
            o.window_set = true;
            break;
        case OPT_START:
            if (idg_parse_u32(optarg, IDG_ID_MAX, &o.start) < 0) {
                warnx("invalid start '%s': it must be a plain decimal from 0 to 4294967294",
                      optarg);
                return 1;
            }
            start_set = true;
            break;
        case OPT_UID:
            uid_only = true;
            break;
        case OPT_GID:
            gid_only = true;
            break;
        case OPT_REMOVE:
            o.remove = true;
            break;
        case OPT_DRY:
            o.dry_run = true;
            break;
        case OPT_CHECK:
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("subid-add (idgate) %s\n", IDG_VERSION);
            return 0;
        case ':':
            warnx("%s needs a value; see subid-add --help", argv[optind - 1]);
            return 1;
        default:
            if (optopt)
                warnx("unknown option '-%c'; see subid-add --help", optopt);
            else
                warnx("unknown option '%s'; see subid-add --help", argv[optind - 1]);
            return 1;
        }
    }
    if (uid_only && gid_only)
        bad_usage("--uid-only and --gid-only exclude each other; give neither for both files");
    if (count_set && o.range_set)
        bad_usage("--count and --range exclude each other: a range has its own size");
    if (o.remove && (count_set || o.deterministic))
        bad_usage("--remove takes no --count or --deterministic");
    if (o.deterministic && o.range_set)
        bad_usage("--deterministic and --range exclude each other");
    if (check && (optind != argc || o.remove || count_set || o.range_set || o.deterministic ||
                  o.window_set || start_set))
        bad_usage("--check takes no USER and no other option");
    if (start_set != o.window_set)
        bad_usage(start_set ? "--start goes with --window"
                            : "--window needs --start, the first id "
                              "of its span");
    if (o.window_set && (o.remove || o.range_set || o.deterministic))
        bad_usage("--window takes no --remove, --range or --deterministic (remove a window with: "
                  "subid-add --remove FIRST-LAST)");
    if (o.window_set && optind != argc)
        bad_usage("--window takes no USER: the window's line serves every uid in it");
    if (!check && !o.window_set && optind + 1 != argc)
        bad_usage(optind == argc ? "no USER given" : "one USER at a time");
    o.user = check || o.window_set ? NULL : argv[optind];
    o.kind[0] = !gid_only;
    o.kind[1] = !uid_only;

    /* --check only reads files every user may read: a user debugging their
       own setup can lint too. Edits take shadow's locks and need root. */
    if (!check && geteuid() != 0) {
        warnx("must run as root: it edits %s and %s under shadow's locks; run it as root (or "
              "with sudo); subid-add --check lints them as any user",
              IDG_SUBUID, IDG_SUBGID);
        return 1;
    }
    struct idg_logindefs defs;
    struct idg_logindefs_error lerr = {0};
    int rc = idg_logindefs_load(IDG_LOGINDEFS, &defs, &lerr);
    if (rc == -EINVAL) {
        if (!lerr.setting[0])
            warnx("%s %s; replace it with one (or remove it for shadow's defaults)", IDG_LOGINDEFS,
                  lerr.why);
        else if (lerr.line)
            warnx("%s:%u: %s %s; fix that line", IDG_LOGINDEFS, lerr.line, lerr.setting, lerr.why);
        else
            warnx("%s: %s %s; fix the setting", IDG_LOGINDEFS, lerr.setting, lerr.why);
        return 1;
    }
    if (rc < 0) {
        warnx("cannot read %s: %s; it should be a readable regular file", IDG_LOGINDEFS,
              strerror(-rc));
        return 1;
    }
    return check ? sa_check(&defs) : sa_edit(&o, &defs);
}
