/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The argv of newuidmap/newgidmap: TARGET INSIDE OUTSIDE COUNT...
 * The input is split on NUL into argument strings, as the kernel hands
 * them to main(). Checks: accepted targets and extents obey the rules of
 * request.h and range.h, each accepted number reads back as the same text
 * (plain decimal, nothing else), and a refusal names a real argument.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "number.h"
#include "range.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS (3 * IDG_MAX_EXTENTS + 4)

/* Is s exactly the decimal form of v? */
static bool reads_back(const char *s, uint32_t v)
{
    char b[11];
    size_t n = idg_format_u32(b, v);
    return strlen(s) == n && memcmp(s, b, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    char **argv = malloc(MAX_ARGS * sizeof(*argv));
    if (!buf || !argv) {
        free(buf);
        free(argv);
        return 0;
    }
    memcpy(buf, data, size);
    buf[size] = '\0';
    size_t argc = 0;
    for (char *p = buf; p <= buf + size && argc < MAX_ARGS; p += strlen(p) + 1)
        argv[argc++] = p;

    struct idg_target_arg t;
    if (idg_parse_target(argv[0], &t) == 0) {
        if (t.is_fd) {
            if (strncmp(argv[0], "fd:", 3) != 0 || t.value > IDG_FD_MAX ||
                !reads_back(argv[0] + 3, t.value))
                __builtin_trap();
        } else if (t.value == 0 || t.value > IDG_PID_MAX || !reads_back(argv[0], t.value)) {
            __builtin_trap();
        }
    }

    size_t n = (argc - 1) / 3;
    struct idg_extent *ext = malloc((n ? n : 1) * sizeof(*ext));
    if (!ext)
        goto out;
    struct idg_arg_error e;
    if (idg_parse_extents(argv + 1, n, ext, &e) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (ext[i].count == 0 || ext[i].inside > IDG_ID_MAX || ext[i].outside > IDG_ID_MAX)
                __builtin_trap();
            if (idg_range_check(ext[i].inside, ext[i].count) != 0 ||
                idg_range_check(ext[i].outside, ext[i].count) != 0)
                __builtin_trap();
            if (!reads_back(argv[1 + 3 * i], ext[i].inside) ||
                !reads_back(argv[2 + 3 * i], ext[i].outside) ||
                !reads_back(argv[3 + 3 * i], ext[i].count))
                __builtin_trap();
        }
        char map[4096];
        int len = idg_map_format(map, sizeof(map), ext, n);
        if (len >= 0 && ((size_t)len >= sizeof(map) || (n && map[len - 1] != '\n')))
            __builtin_trap();
    } else {
        if (e.triple < 1 || e.triple > n || (unsigned)e.field > IDG_FIELD_COUNT)
            __builtin_trap();
        if (e.text != argv[1 + 3 * (e.triple - 1) + (size_t)e.field])
            __builtin_trap();
        if (e.wraps && idg_range_check(e.start, e.count) == 0)
            __builtin_trap();
        char msg[256];
        idg_arg_error_str(msg, sizeof(msg), &e);
    }
    free(ext);
out:
    free(argv);
    free(buf);
    return 0;
}
