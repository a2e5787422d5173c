/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "subid:" line of nsswitch.conf (and, with the same parser, "passwd:").
 * Checks: at most IDG_NSS_MAX_SOURCES names, each non-empty, terminated
 * within IDG_NSS_NAME_MAX bytes, without blanks, '#' or '['; each name
 * occurs in the input; no line means exactly "files" for the answers.
 *
 * And the helpers' passwd fast path, idg_nss_plain_files_first(), against
 * a second, literal reading of the file as glibc 2.36 reads it
 * (nss/nss_database.c, nss/nss_action_parse.c): each line copied and
 * NUL-terminated as getline() returns it, then walked with isspace() as
 * glibc walks it. The two must agree on every input.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nsswitch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A byte string search that does not need NUL-terminated input. */
static bool occurs(const char *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(buf + i, s, n) == 0)
            return true;
    return false;
}

static void check(const char *buf, size_t len, const struct idg_nss_sources *s, bool modules)
{
    if (s->n > IDG_NSS_MAX_SOURCES)
        __builtin_trap();
    if (!s->has_line && s->n != 0)
        __builtin_trap();
    for (size_t i = 0; i < s->n; i++) {
        const char *name = s->name[i];
        size_t n = strnlen(name, IDG_NSS_NAME_MAX);
        if (n == 0 || n == IDG_NSS_NAME_MAX)
            __builtin_trap();
        if (strpbrk(name, " \t\r\n#["))
            __builtin_trap();
        /* A subid module's name is never a path. */
        if (modules && !idg_nss_name_ok(name, n))
            __builtin_trap();
        if (!occurs(buf, len, name))
            __builtin_trap();
        if (!idg_nss_has(s, name))
            __builtin_trap();
    }
    if (!s->has_line && !idg_nss_has(s, "files"))
        __builtin_trap();
    (void)idg_nss_enumerable(s);
}

enum { REF_RETURN, REF_CONTINUE, REF_MERGE };
enum { REF_SUCCESS, REF_UNAVAIL, REF_NOTFOUND, REF_TRYAGAIN, REF_NSTATUS };

static const char *ref_skip(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* One list of services; -1: glibc's parse error. *files_first: the first
 * service is "files" and SUCCESS returns. */
static int ref_services(const char *p, bool *files_first)
{
    *files_first = false;
    for (int k = 0;; k++) {
        p = ref_skip(p);
        if (!*p)
            return 0;
        const char *name = p;
        while (*p && !isspace((unsigned char)*p) && *p != '[')
            p++;
        if (name == p)
            return 0;
        size_t name_len = (size_t)(p - name);
        int act[REF_NSTATUS] = {REF_RETURN, REF_CONTINUE, REF_CONTINUE, REF_CONTINUE};
        p = ref_skip(p);
        if (*p == '[') {
            p = ref_skip(p + 1);
            do {
                bool not = *p == '!';
                if (not )
                    p++;
                const char *w = p;
                while (*p && !isspace((unsigned char)*p) && *p != '=' && *p != ']')
                    p++;
                int st;
                if (p - w == 7 && strncasecmp(w, "SUCCESS", 7) == 0)
                    st = REF_SUCCESS;
                else if (p - w == 7 && strncasecmp(w, "UNAVAIL", 7) == 0)
                    st = REF_UNAVAIL;
                else if (p - w == 8 && strncasecmp(w, "NOTFOUND", 8) == 0)
                    st = REF_NOTFOUND;
                else if (p - w == 8 && strncasecmp(w, "TRYAGAIN", 8) == 0)
                    st = REF_TRYAGAIN;
                else
                    return -1;
                p = ref_skip(p);
                if (*p != '=')
                    return -1;
                p = ref_skip(p + 1);
                w = p;
                while (*p && !isspace((unsigned char)*p) && *p != '=' && *p != ']')
                    p++;
                int a;
                if (p - w == 6 && strncasecmp(w, "RETURN", 6) == 0)
                    a = REF_RETURN;
                else if (p - w == 8 && strncasecmp(w, "CONTINUE", 8) == 0)
                    a = REF_CONTINUE;
                else if (p - w == 5 && strncasecmp(w, "MERGE", 5) == 0)
                    a = REF_MERGE;
                else
                    return -1;
                if (not ) {
                    int keep = act[st];
                    for (int i = 0; i < REF_NSTATUS; i++)
                        act[i] = a;
                    act[st] = keep;
                } else {
                    act[st] = a;
                }
                p = ref_skip(p);
            } while (*p != ']');
            p++;
        }
        if (k == 0)
            *files_first =
                name_len == 5 && memcmp(name, "files", 5) == 0 && act[REF_SUCCESS] == REF_RETURN;
    }
}

static bool ref_database(const char *name)
{
    static const char *const dbs[] = {
        "aliases",    "ethers",   "group",    "group_compat", "gshadow",       "hosts",
        "initgroups", "netgroup", "networks", "passwd",       "passwd_compat", "protocols",
        "publickey",  "rpc",      "services", "shadow",       "shadow_compat"};
    for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
        if (strcmp(dbs[i], name) == 0)
            return true;
    return false;
}

/* glibc's answer for an entry of /etc/passwd comes from that file. */
static bool ref_passwd_files_first(const char *buf, size_t size)
{
    bool plain = false;
    size_t start = 0;
    for (size_t i = 0; i < size; i++) {
        if (buf[i] != '\n')
            continue;
        /* The line as getline() returns it, '\n' included; a last line
         * without '\n' never gets here (glibc drops it). */
        size_t n = i + 1 - start;
        char *line = malloc(n + 1);
        if (!line)
            abort();
        memcpy(line, buf + start, n);
        line[n] = '\0';
        start = i + 1;
        char *p = (char *)ref_skip(line), *name = p;
        while (*p && !isspace((unsigned char)*p) && *p != ':')
            p++;
        if (!*p || name == p) {
            free(line);
            continue;
        }
        while (*p && (isspace((unsigned char)*p) || *p == ':'))
            *p++ = '\0';
        bool files_first;
        int r = ref_database(name) ? ref_services(p, &files_first) : 0;
        if (r == 0 && ref_database(name) && strcmp(name, "passwd") == 0)
            plain = files_first;
        free(line);
        if (r < 0)
            return false; /* the file fails: every lookup fails */
    }
    return plain;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct idg_nss_sources s;
    memset(&s, 0xa5, sizeof(s)); /* the parser must set every field it reports */
    if (idg_nss_parse(buf, size, &s) == 0)
        check(buf, size, &s, true);
    memset(&s, 0x5a, sizeof(s));
    int r = idg_nss_parse_db(buf, size, "passwd", &s);
    if (r == 0)
        check(buf, size, &s, false);
    /* "Files first" for the helpers' no-fork path: exactly when glibc reads
     * the file so. */
    if (idg_nss_plain_files_first(buf, size, "passwd") != ref_passwd_files_first(buf, size))
        __builtin_trap();
    free(buf);
    return 0;
}
