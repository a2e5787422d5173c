/* SPDX-License-Identifier: BSD-3-Clause */
#include "nsswitch.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "subid_line.h"

/* A NUL byte ends a word too, so that no name carries one. */
static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\0';
}

bool idg_nss_name_ok(const char *name, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

static int parse_sources(const char *p, const char *end, bool modules, struct idg_nss_sources *s)
{
    while (p < end) {
        while (p < end && blank(*p))
            p++;
        if (p == end || *p == '#')
            break;
        if (*p == '[') { /* an action item such as [NOTFOUND=return] */
            const char *close = memchr(p, ']', (size_t)(end - p));
            p = close ? close + 1 : end;
            continue;
        }
        const char *w = p;
        while (p < end && !blank(*p) && *p != '#' && *p != '[')
            p++;
        size_t n = (size_t)(p - w);
        if (s->n == IDG_NSS_MAX_SOURCES)
            return -E2BIG;
        if (modules && !idg_nss_name_ok(w, n)) {
            size_t k = n < IDG_NSS_NAME_MAX - 1 ? n : IDG_NSS_NAME_MAX - 1;
            memcpy(s->bad, w, k);
            s->bad[k] = '\0';
            return -EINVAL;
        }
        if (n >= IDG_NSS_NAME_MAX)
            return -E2BIG;
        memcpy(s->name[s->n], w, n);
        s->name[s->n][n] = '\0';
        s->n++;
    }
    return 0;
}

static int parse_db(const char *buf, size_t len, const char *db, bool modules,
                    struct idg_nss_sources *s)
{
    size_t dlen = strlen(db);
    *s = (struct idg_nss_sources){0};
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        const char *p = line, *end = line + n;
        while (p < end && blank(*p))
            p++;
        /* shadow matches "subid:" with strncasecmp(): "Subid:" counts. */
        if ((size_t)(end - p) < dlen + 1 ||
            (modules ? strncasecmp(p, db, dlen) : memcmp(p, db, dlen)) != 0 || p[dlen] != ':')
            continue;
        /* The first line of the database counts. */
        s->has_line = true;
        s->line = it.lineno;
        return parse_sources(p + dlen + 1, end, modules, s);
    }
    return 0;
}

int idg_nss_parse(const char *buf, size_t len, struct idg_nss_sources *s)
{
    return parse_db(buf, len, "subid", true, s);
}

int idg_nss_parse_db(const char *buf, size_t len, const char *db, struct idg_nss_sources *s)
{
    return parse_db(buf, len, db, false, s);
}

/*
 * glibc's reading of nsswitch.conf (2.36: nss/nss_database.c and
 * nss/nss_action_parse.c; checked against getpwuid() under many files):
 *  - a line is what getline() returns, up to its first NUL; a last line
 *    without '\n' is dropped (the loop stops at end of file first);
 *  - blanks are isspace() in the C locale: ' ', \t, \n, \v, \f, \r;
 *  - "NAME" then any run of blanks and ':' (no ':' needed at all), then the
 *    services; NAME matched exactly, without case folding, against glibc's
 *    own databases; a line for another name ("sudoers", "#passwd", "Passwd")
 *    is skipped unread;
 *  - a service is a word up to a blank or '['; "[STATUS=ACTION ...]" after
 *    it, '!' allowed, case-insensitive names; a word that starts with '['
 *    ends the list; '#' is an ordinary byte ("files#x" is a service);
 *  - a malformed action on a line of any of its databases fails the whole
 *    file: every lookup then fails;
 *  - the last line for a database wins.
 */
static bool gspace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool glibc_database(const char *name, size_t n)
{
    static const char *const dbs[] = {
        "aliases",    "ethers",   "group",    "group_compat", "gshadow",       "hosts",
        "initgroups", "netgroup", "networks", "passwd",       "passwd_compat", "protocols",
        "publickey",  "rpc",      "services", "shadow",       "shadow_compat"};
    for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
        if (strlen(dbs[i]) == n && memcmp(dbs[i], name, n) == 0)
            return true;
    return false;
}

/* A word of a criterion: up to a blank, '=' or ']'. */
static const char *crit_word(const char *p, const char *end)
{
    while (p < end && !gspace(*p) && *p != '=' && *p != ']')
        p++;
    return p;
}

static bool word_is(const char *w, const char *e, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(e - w) == n && strncasecmp(w, s, n) == 0;
}

/*
 * The services of one line as glibc parses them. Returns false on a parse
 * error; else *files_returns: the first service is "files" and it returns
 * on SUCCESS, so that glibc's answer for an entry in its file is that one.
 */
static bool glibc_services(const char *p, const char *end, bool *files_returns)
{
    *files_returns = false;
    for (int k = 0;; k++) {
        while (p < end && gspace(*p))
            p++;
        const char *w = p;
        while (p < end && !gspace(*p) && *p != '[')
            p++;
        if (p == w) /* the end, or a word that starts with '[' */
            return true;
        bool files = k == 0 && p - w == 5 && memcmp(w, "files", 5) == 0;
        bool success_returns = true;
        while (p < end && gspace(*p))
            p++;
        if (p < end && *p == '[') {
            p++;
            do {
                while (p < end && gspace(*p))
                    p++;
                bool not = p < end && *p == '!';
                if (not )
                    p++;
                const char *st = p;
                p = crit_word(p, end);
                bool success = word_is(st, p, "SUCCESS");
                if (!success && !word_is(st, p, "UNAVAIL") && !word_is(st, p, "NOTFOUND") &&
                    !word_is(st, p, "TRYAGAIN"))
                    return false;
                while (p < end && gspace(*p))
                    p++;
                if (p == end || *p != '=')
                    return false;
                p++;
                while (p < end && gspace(*p))
                    p++;
                const char *act = p;
                p = crit_word(p, end);
                bool ret = word_is(act, p, "RETURN");
                if (!ret && !word_is(act, p, "CONTINUE") && !word_is(act, p, "MERGE"))
                    return false;
                /* [!STATUS=ACTION] sets every other status to ACTION. */
                if (success != not )
                    success_returns = ret;
                while (p < end && gspace(*p))
                    p++;
            } while (p == end || *p != ']');
            p++;
        }
        if (k == 0)
            *files_returns = files && success_returns;
    }
}

bool idg_nss_plain_files_first(const char *buf, size_t len, const char *db)
{
    bool plain = false;
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        if (line + n == buf + len) /* no '\n': glibc drops it */
            break;
        const char *nul = memchr(line, '\0', n);
        const char *p = line, *end = nul ? nul : line + n;
        while (p < end && gspace(*p))
            p++;
        const char *w = p;
        while (p < end && !gspace(*p) && *p != ':')
            p++;
        /* glibc sees the '\n' after the name; a NUL there ends its line. */
        if (p == w || (p == end && nul))
            continue;
        const char *name_end = p;
        while (p < end && (gspace(*p) || *p == ':'))
            p++;
        if (!glibc_database(w, (size_t)(name_end - w)))
            continue;
        bool files_returns;
        if (!glibc_services(p, end, &files_returns))
            return false; /* glibc fails every lookup */
        if ((size_t)(name_end - w) == strlen(db) && memcmp(w, db, strlen(db)) == 0)
            plain = files_returns; /* the last line wins */
    }
    return plain;
}

bool idg_nss_has(const struct idg_nss_sources *s, const char *source)
{
    if (!s->has_line)
        return strcmp(source, "files") == 0;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], source) == 0)
            return true;
    return false;
}

bool idg_nss_enumerable(const struct idg_nss_sources *s)
{
    static const char *const local[] = {"files", "compat", "systemd", "db"};
    for (size_t i = 0; i < s->n; i++) {
        bool ok = false;
        for (size_t j = 0; j < sizeof(local) / sizeof(local[0]); j++)
            ok = ok || strcmp(s->name[i], local[j]) == 0;
        if (!ok)
            return false;
    }
    return true;
}
