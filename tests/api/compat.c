/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libsubid API from the command line, built from this one source twice
 * with shadow-utils' own header (Debian's libsubid-dev): compat-shadow,
 * linked against shadow's libsubid.so.4, and compat-idgate, linked against
 * ours. The integration test runs both on the same files and compares what
 * they print, byte for byte, which proves the ABI (structs, enums, calling
 * convention) and the answers at once.
 *
 *   compat [-i none|null|stderr] COMMAND ARGS...
 *
 *   ranges u|g OWNER
 *       "count N", then N lines "START COUNT" in the library's order;
 *       "error" when the call returned -1 (or any negative count).
 *   owners u|g ID
 *       "count N", then the N owner uids, one a line, SORTED numerically:
 *       shadow lists them in file order, and the order is no part of the
 *       contract. Duplicates are kept (they are part of the answer).
 *       "error" when the call failed.
 *   grant u|g OWNER START COUNT reuse|new
 *       "ok START COUNT" (the range the library returned) or "fail".
 *   ungrant u|g OWNER START COUNT
 *       "ok" or "fail".
 *   which
 *       the real path of the shared object that provides subid_init
 *       (dladdr), to prove which library the dynamic linker loaded.
 *
 * -i says how subid_init() is called before the command:
 *   none    not at all: each library's default (shadow's: messages on
 *           stderr; ours: no messages);
 *   null    subid_init("compat", NULL) (the default): no messages from
 *           either (shadow sends them to /dev/null);
 *   stderr  subid_init("compat", stderr).
 * Only the answers go to stdout; a library's messages, if any, go to
 * stderr, so the two programs' stdout can be compared whatever the
 * libraries print. Exit status: 0 when the call returned (whatever it
 * answered), 2 for bad usage, 1 when stdout cannot be written.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <shadow/subid.h>

static const char usage_text[] =
    "usage: compat [-i none|null|stderr] ranges u|g OWNER\n"
    "       compat [-i none|null|stderr] owners u|g ID\n"
    "       compat [-i none|null|stderr] grant u|g OWNER START COUNT reuse|new\n"
    "       compat [-i none|null|stderr] ungrant u|g OWNER START COUNT\n"
    "       compat which\n";

static int usage(void)
{
    fputs(usage_text, stderr);
    return 2;
}

/* A plain decimal that fits in unsigned long (and in max). */
static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

/* "u" or "g": sets *uid. */
static bool parse_kind(const char *s, bool *uid)
{
    if (strcmp(s, "u") == 0)
        *uid = true;
    else if (strcmp(s, "g") == 0)
        *uid = false;
    else
        return false;
    return true;
}

static int cmp_uid(const void *a, const void *b)
{
    uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

    return (x > y) - (x < y);
}

static int cmd_ranges(bool uid, const char *owner)
{
    struct subid_range *ranges = NULL;
    int n = uid ? subid_get_uid_ranges(owner, &ranges) : subid_get_gid_ranges(owner, &ranges);

    if (n < 0) {
        puts("error");
        return 0;
    }
    printf("count %d\n", n);
    for (int i = 0; i < n; i++)
        printf("%lu %lu\n", ranges[i].start, ranges[i].count);
    free(ranges);
    return 0;
}

static int cmd_owners(bool uid, unsigned long id)
{
    uid_t *owners = NULL;
    int n =
        uid ? subid_get_uid_owners((uid_t)id, &owners) : subid_get_gid_owners((gid_t)id, &owners);

    if (n < 0) {
        puts("error");
        return 0;
    }
    printf("count %d\n", n);
    if (n > 0)
        qsort(owners, (size_t)n, sizeof(*owners), cmp_uid);
    for (int i = 0; i < n; i++)
        printf("%lu\n", (unsigned long)owners[i]);
    free(owners);
    return 0;
}

static int cmd_grant(bool uid, const char *owner, unsigned long start, unsigned long count,
                     bool reuse)
{
    struct subordinate_range r = {.owner = owner, .start = start, .count = count};
    bool ok = uid ? subid_grant_uid_range(&r, reuse) : subid_grant_gid_range(&r, reuse);

    if (ok)
        printf("ok %lu %lu\n", r.start, r.count);
    else
        puts("fail");
    return 0;
}

static int cmd_ungrant(bool uid, const char *owner, unsigned long start, unsigned long count)
{
    struct subordinate_range r = {.owner = owner, .start = start, .count = count};
    bool ok = uid ? subid_ungrant_uid_range(&r) : subid_ungrant_gid_range(&r);

    puts(ok ? "ok" : "fail");
    return 0;
}

static int cmd_which(void)
{
    Dl_info info;
    char *path;

    /* The address of subid_init as the program calls it (a PIE: through
     * the GOT, so the library's own function, not a PLT stub). */
    if (dladdr((void *)(uintptr_t)&subid_init, &info) == 0 || info.dli_fname == NULL) {
        fputs("compat: dladdr cannot place subid_init\n", stderr);
        return 1;
    }
    path = realpath(info.dli_fname, NULL);
    puts(path != NULL ? path : info.dli_fname);
    free(path);
    return 0;
}

static int run(int argc, char **argv)
{
    unsigned long id, start, count;
    bool uid;

    if (argc == 1 && strcmp(argv[0], "which") == 0)
        return cmd_which();
    if (argc < 3 || !parse_kind(argv[1], &uid))
        return usage();
    if (argc == 3 && strcmp(argv[0], "ranges") == 0)
        return cmd_ranges(uid, argv[2]);
    if (argc == 3 && strcmp(argv[0], "owners") == 0) {
        if (!parse_ulong(argv[2], UINT32_MAX, &id))
            return usage();
        return cmd_owners(uid, id);
    }
    if ((argc == 5 || argc == 6) &&
        (strcmp(argv[0], "grant") == 0 || strcmp(argv[0], "ungrant") == 0)) {
        if (!parse_ulong(argv[3], ULONG_MAX, &start) || !parse_ulong(argv[4], ULONG_MAX, &count))
            return usage();
        if (argc == 5 && strcmp(argv[0], "ungrant") == 0)
            return cmd_ungrant(uid, argv[2], start, count);
        if (argc == 6 && strcmp(argv[0], "grant") == 0) {
            if (strcmp(argv[5], "reuse") == 0)
                return cmd_grant(uid, argv[2], start, count, true);
            if (strcmp(argv[5], "new") == 0)
                return cmd_grant(uid, argv[2], start, count, false);
        }
    }
    return usage();
}

int main(int argc, char **argv)
{
    const char *init = "null";
    int rc;

    if (argc >= 3 && strcmp(argv[1], "-i") == 0) {
        init = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc < 2)
        return usage();
    if (strcmp(init, "null") == 0) {
        if (!subid_init("compat", NULL)) {
            fputs("compat: subid_init failed\n", stderr);
            return 1;
        }
    } else if (strcmp(init, "stderr") == 0) {
        if (!subid_init("compat", stderr)) {
            fputs("compat: subid_init failed\n", stderr);
            return 1;
        }
    } else if (strcmp(init, "none") != 0) {
        return usage();
    }

    rc = run(argc - 1, argv + 1);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "compat: cannot write to standard output: %s\n", strerror(errno));
        return 1;
    }
    return rc;
}
