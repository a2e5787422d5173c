/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "subid:" line of nsswitch.conf (and, with the same parser, "passwd:").
 * Checks: at most IDG_NSS_MAX_SOURCES names, each non-empty, terminated
 * within IDG_NSS_NAME_MAX bytes, without blanks, '#' or '['; each name
 * occurs in the input; no line means exactly "files" for the answers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    /* "Files first" for the helpers' no-fork path: whatever our own parser
     * reads on that line must then begin with files too. */
    if (idg_nss_plain_files_first(buf, size, "passwd") && r == 0 && s.has_line &&
        (s.n == 0 || strcmp(s.name[0], "files") != 0))
        __builtin_trap();
    free(buf);
    return 0;
}
