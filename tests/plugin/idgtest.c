/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsubid_idgtest.so: a subid source module for the tests, with shadow's
 * plugin ABI (the functions SSSD's libsubid_sss.so exports). It answers from
 * a data file read afresh on every call, so tests change its answers
 * without rebuilding it:
 *
 *   $IDGATE_TEST_PLUGIN_DATA if set (the unit tests), else
 *   /etc/idgate-test-plugin (the integration sandbox's overlay /etc). Read
 *   with plain getenv(), as a careless third-party module might, not
 *   secure_getenv(): the helpers must empty the environment before any
 *   module runs (test-plugin.sh t_user_environment_cannot_redirect_the_module
 *   fails if they do not). A missing file is an empty one.
 *
 * One directive per line; blank lines and lines starting with '#' are
 * ignored; words are separated by blanks:
 *
 *   log PATH               append one line per call to PATH (created 0666)
 *   OWNER u START COUNT    OWNER has uids START..START+COUNT-1
 *   OWNER g START COUNT    the same for gids (START and COUNT are unsigned
 *                          long, so tests can hand out ranges past 2^32)
 *   OWNER status STATUS    calls about OWNER return STATUS: unknown, conn,
 *                          error, or a decimal (garbage statuses); "ok"
 *                          answers from the ranges as usual
 *   * status STATUS        the same for every owner, and for
 *                          shadow_subid_find_subid_owners
 *   OWNER sleep SECONDS    calls about OWNER ("*": every call) first sleep,
 *                          as a module whose server does not answer
 *   OWNER count N          list_owner_ranges succeeds with *count = N (may
 *                          be negative); *ranges is NULL when OWNER has no
 *                          range of that type, so "count 3" with none is a
 *                          count without an array
 *
 * The first status line that applies wins. A malformed line makes every
 * call fail with SUBID_STATUS_ERROR and is logged as "baddata LINE".
 *
 * Log lines, each ending in " uid=RUID euid=EUID capeff=HEX" (CapEff of
 * /proc/self/status, so tests can prove who called the module):
 *
 *   list OWNER u|g                       shadow_subid_list_owner_ranges
 *   has OWNER u|g START COUNT            shadow_subid_has_range
 *   owners ID u|g                        shadow_subid_find_subid_owners
 *   free                                 shadow_subid_free
 *
 * Test code only: never installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#if __has_include(<shadow/subid.h>)
#include <shadow/subid.h> /* the real definitions, when libsubid-dev is there */
#else
struct subid_range {
    unsigned long start;
    unsigned long count;
};
enum subid_type { ID_TYPE_UID = 1, ID_TYPE_GID = 2 };
enum subid_status {
    SUBID_STATUS_SUCCESS = 0,
    SUBID_STATUS_UNKNOWN_USER = 1,
    SUBID_STATUS_ERROR_CONN = 2,
    SUBID_STATUS_ERROR = 3,
};
#endif

#define DATA_ENV "IDGATE_TEST_PLUGIN_DATA"
#define DATA_PATH "/etc/idgate-test-plugin"

/* shadow's plugin ABI (shadow's lib/nss.c looks these up with dlsym). */
enum subid_status shadow_subid_list_owner_ranges(const char *owner, enum subid_type id_type,
                                                 struct subid_range **ranges, int *count);
enum subid_status shadow_subid_has_range(const char *owner, unsigned long start,
                                         unsigned long count, enum subid_type id_type,
                                         bool *result);
enum subid_status shadow_subid_find_subid_owners(unsigned long id, enum subid_type id_type,
                                                 uid_t **uids, int *count);
void shadow_subid_free(void *ptr);

struct entry {
    char *owner;
    char what; /* 'u', 'g', 's' (status), 'c' (count), 'z' (sleep) */
    unsigned long start, count;
    int status;
    long n;
};

struct data {
    char *log;
    bool bad;
    char *bad_line;
    struct entry *v;
    size_t n;
};

static void data_free(struct data *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].owner);
    free(d->v);
    free(d->log);
    free(d->bad_line);
    *d = (struct data){0};
}

static bool parse_ulong(const char *s, unsigned long *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno == 0 && *end == '\0';
}

static bool parse_long(const char *s, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return errno == 0 && *end == '\0';
}

static bool parse_status(const char *s, int *out)
{
    static const struct {
        const char *word;
        int status;
    } words[] = {{"ok", SUBID_STATUS_SUCCESS},
                 {"unknown", SUBID_STATUS_UNKNOWN_USER},
                 {"conn", SUBID_STATUS_ERROR_CONN},
                 {"error", SUBID_STATUS_ERROR}};
    for (size_t i = 0; s && i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(s, words[i].word) == 0) {
            *out = words[i].status;
            return true;
        }
    long n;
    if (!parse_long(s, &n) || n < -1000000 || n > 1000000)
        return false;
    *out = (int)n;
    return true;
}

/* One line into *e, or false when it is malformed. */
static bool parse_line(char *line, struct data *d, struct entry *e, bool *is_entry)
{
    char *save = NULL;
    char *w[5] = {0};
    size_t n = 0;
    for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == 5)
            return false;
        w[n++] = t;
    }
    *is_entry = false;
    if (n == 0 || w[0][0] == '#')
        return true;
    if (strcmp(w[0], "log") == 0) {
        if (n != 2)
            return false;
        free(d->log);
        d->log = strdup(w[1]);
        return d->log != NULL;
    }
    *e = (struct entry){0};
    if (n == 4 && (strcmp(w[1], "u") == 0 || strcmp(w[1], "g") == 0)) {
        e->what = w[1][0];
        if (!parse_ulong(w[2], &e->start) || !parse_ulong(w[3], &e->count))
            return false;
    } else if (n == 3 && strcmp(w[1], "status") == 0) {
        e->what = 's';
        if (!parse_status(w[2], &e->status))
            return false;
    } else if (n == 3 && strcmp(w[1], "sleep") == 0) {
        e->what = 'z';
        if (!parse_long(w[2], &e->n) || e->n < 0 || e->n > 3600)
            return false;
    } else if (n == 3 && strcmp(w[1], "count") == 0) {
        e->what = 'c';
        if (!parse_long(w[2], &e->n) || e->n < -1000000 || e->n > 1000000)
            return false;
    } else {
        return false;
    }
    e->owner = strdup(w[0]);
    *is_entry = e->owner != NULL;
    return e->owner != NULL;
}

/* The data file, or an empty one when there is none. */
static void data_load(struct data *d)
{
    *d = (struct data){0};
    const char *path = getenv(DATA_ENV); /* not secure_getenv: see the top */
    FILE *f = fopen(path ? path : DATA_PATH, "re");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0, have = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[len - 1] = '\0';
        char *copy = strdup(line);
        if (have == d->n) {
            size_t ncap = have ? have * 2 : 16;
            struct entry *v = realloc(d->v, ncap * sizeof(*v));
            if (!v) {
                free(copy);
                d->bad = true;
                break;
            }
            d->v = v;
            have = ncap;
        }
        bool is_entry = false;
        if (!copy || !parse_line(line, d, &d->v[d->n], &is_entry)) {
            if (!d->bad)
                d->bad_line = copy ? copy : strdup("?");
            else
                free(copy);
            d->bad = true;
            continue;
        }
        free(copy);
        if (is_entry)
            d->n++;
    }
    free(line);
    fclose(f);
}

static char type_char(enum subid_type t)
{
    return t == ID_TYPE_UID ? 'u' : t == ID_TYPE_GID ? 'g' : '?';
}

/* One line to the log named by the data, with who called. */
static void log_call(const struct data *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_call(const struct data *d, const char *fmt, ...)
{
    if (!d->log)
        return;
    char capeff[32] = "?";
    FILE *st = fopen("/proc/self/status", "re");
    if (st) {
        char l[256];
        while (fgets(l, sizeof(l), st))
            if (sscanf(l, "CapEff: %31s", capeff) == 1)
                break;
        fclose(st);
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return;
    int m = snprintf(buf + n, sizeof(buf) - (size_t)n, " uid=%u euid=%u capeff=%s\n",
                     (unsigned)getuid(), (unsigned)geteuid(), capeff);
    if (m < 0 || (size_t)m >= sizeof(buf) - (size_t)n)
        return;
    int fd = open(d->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0)
        return;
    /* One write with O_APPEND: lines of concurrent callers do not mix. */
    if (write(fd, buf, (size_t)(n + m)) < 0) {
        /* nothing to do: the test will miss the line and say so */
    }
    close(fd);
}

/* "Answer normally": no status line applies, or it says "ok". */
#define NORMAL INT_MIN

/* The status the data sets for owner (NULL: only "*" applies). */
static int status_of(const struct data *d, const char *owner)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].what == 's' &&
            (strcmp(d->v[i].owner, "*") == 0 || (owner && strcmp(d->v[i].owner, owner) == 0)))
            return d->v[i].status == SUBID_STATUS_SUCCESS ? NORMAL : d->v[i].status;
    return NORMAL;
}

/* Common start of every call, after its log line: the status to force, or
 * NORMAL to answer from the ranges. */
static int begin(struct data *d, const char *owner, enum subid_type id_type)
{
    if (d->bad) {
        log_call(d, "baddata %s", d->bad_line ? d->bad_line : "?");
        return SUBID_STATUS_ERROR;
    }
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].what == 'z' &&
            (strcmp(d->v[i].owner, "*") == 0 || (owner && strcmp(d->v[i].owner, owner) == 0)))
            sleep((unsigned)d->v[i].n);
    int st = status_of(d, owner);
    if (st == NORMAL && type_char(id_type) == '?')
        return SUBID_STATUS_ERROR;
    return st;
}

enum subid_status shadow_subid_list_owner_ranges(const char *owner, enum subid_type id_type,
                                                 struct subid_range **ranges, int *count)
{
    struct data d;
    data_load(&d);
    log_call(&d, "list %s %c", owner ? owner : "(null)", type_char(id_type));
    *ranges = NULL;
    *count = 0;
    int st = owner ? begin(&d, owner, id_type) : SUBID_STATUS_ERROR;
    if (st != NORMAL) {
        data_free(&d);
        return (enum subid_status)st;
    }
    struct subid_range *v = NULL;
    int n = 0;
    bool forced = false;
    long forced_n = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct entry *e = &d.v[i];
        if (strcmp(e->owner, owner) != 0)
            continue;
        if (e->what == 'c' && !forced) {
            forced = true;
            forced_n = e->n;
        }
        if (e->what != type_char(id_type))
            continue;
        struct subid_range *nv = realloc(v, ((size_t)n + 1) * sizeof(*nv));
        if (!nv) {
            free(v);
            data_free(&d);
            return SUBID_STATUS_ERROR;
        }
        v = nv;
        v[n++] = (struct subid_range){e->start, e->count};
    }
    data_free(&d);
    *ranges = v;
    *count = forced ? (int)forced_n : n;
    return SUBID_STATUS_SUCCESS;
}

enum subid_status shadow_subid_has_range(const char *owner, unsigned long start,
                                         unsigned long count, enum subid_type id_type, bool *result)
{
    struct data d;
    data_load(&d);
    log_call(&d, "has %s %c %lu %lu", owner ? owner : "(null)", type_char(id_type), start, count);
    *result = false;
    int st = owner ? begin(&d, owner, id_type) : SUBID_STATUS_ERROR;
    for (size_t i = 0; st == NORMAL && i < d.n; i++) {
        const struct entry *e = &d.v[i];
        if (e->what == type_char(id_type) && strcmp(e->owner, owner) == 0 && start >= e->start &&
            count <= e->count && start - e->start <= e->count - count)
            *result = true;
    }
    data_free(&d);
    return st == NORMAL ? SUBID_STATUS_SUCCESS : (enum subid_status)st;
}

/* The uid an OWNER of the data stands for: a decimal, or a login name. */
static bool owner_uid(const char *owner, uid_t *uid)
{
    unsigned long n;
    if (parse_ulong(owner, &n) && n <= (uid_t)-2) {
        *uid = (uid_t)n;
        return true;
    }
    struct passwd *pw = getpwnam(owner);
    if (!pw)
        return false;
    *uid = pw->pw_uid;
    return true;
}

enum subid_status shadow_subid_find_subid_owners(unsigned long id, enum subid_type id_type,
                                                 uid_t **uids, int *count)
{
    struct data d;
    data_load(&d);
    log_call(&d, "owners %lu %c", id, type_char(id_type));
    *uids = NULL;
    *count = 0;
    int st = begin(&d, NULL, id_type);
    if (st != NORMAL) {
        data_free(&d);
        return (enum subid_status)st;
    }
    uid_t *v = NULL;
    int n = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct entry *e = &d.v[i];
        uid_t uid;
        if (e->what != type_char(id_type) || id < e->start || id - e->start >= e->count ||
            !owner_uid(e->owner, &uid))
            continue;
        uid_t *nv = realloc(v, ((size_t)n + 1) * sizeof(*nv));
        if (!nv) {
            free(v);
            data_free(&d);
            return SUBID_STATUS_ERROR;
        }
        v = nv;
        v[n++] = uid;
    }
    data_free(&d);
    *uids = v;
    *count = n;
    return SUBID_STATUS_SUCCESS;
}

void shadow_subid_free(void *ptr)
{
    struct data d;
    data_load(&d);
    log_call(&d, "free");
    data_free(&d);
    free(ptr);
}
