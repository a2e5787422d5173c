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

bool idg_nss_plain_files_first(const char *buf, size_t len, const char *db)
{
    size_t dlen = strlen(db);
    int lines = 0;
    bool plain = false;
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        const char *p = line, *end = line + n;
        while (p < end && blank(*p))
            p++;
        const char *w = p;
        while (p < end && !blank(*p) && *p != ':')
            p++;
        if ((size_t)(p - w) != dlen || strncasecmp(w, db, dlen) != 0)
            continue;
        lines++;
        while (p < end && blank(*p))
            p++;
        plain = p < end && *p == ':' && !memchr(p, '[', (size_t)(end - p)) &&
                !memchr(p, '#', (size_t)(end - p));
        if (!plain)
            continue;
        p++;
        while (p < end && blank(*p))
            p++;
        plain = end - p >= 5 && memcmp(p, "files", 5) == 0 && (end - p == 5 || blank(p[5]));
    }
    return lines == 1 && plain;
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
