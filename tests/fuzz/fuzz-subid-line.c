/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The subuid/subgid line grammar and the streaming reader of allotments.
 *
 * Checks, beyond "no crash, no sanitizer report":
 *  - every line idg_parse_line() calls an entry is a valid range
 *    (idg_range_check) with a non-empty owner inside the line;
 *  - idg_collect_from_buffer(), which skips most lines by their first byte
 *    and scans eight bytes at a time, returns exactly the entries a plain
 *    line-by-line reading gives for the same owner, with the same line
 *    numbers, in the same order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allotment.h"
#include "range.h"
#include "subid_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lines(const char *buf, size_t len)
{
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        if (line < buf || line + n > buf + len || memchr(line, '\n', n))
            __builtin_trap();
        struct idg_entry e;
        if (idg_parse_line(line, n, &e) != IDG_LINE_ENTRY)
            continue;
        if (idg_range_check(e.range.start, e.range.count) != 0)
            __builtin_trap();
        if (e.owner != line || e.owner_len == 0 || e.owner_len >= n)
            __builtin_trap();
        if (memchr(e.owner, ':', e.owner_len))
            __builtin_trap();
    }
}

/* The reference: every line, parsed whole, kept if its owner field matches. */
static void reference(const char *buf, size_t len, const struct idg_owner *o,
                      struct idg_allotments *out)
{
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        struct idg_entry e;
        if (idg_parse_line(line, n, &e) == IDG_LINE_ENTRY &&
            idg_owner_matches(o, e.owner, e.owner_len))
            if (idg_allotments_add(out, e.range, "ref", it.lineno) < 0)
                abort();
    }
}

static void check_owner(const char *buf, size_t len, const struct idg_owner *o)
{
    struct idg_allotments got = {0}, want = {0};
    if (idg_collect_from_buffer(buf, len, "fuzz", o, &got, NULL, NULL) < 0)
        abort(); /* only -ENOMEM */
    reference(buf, len, o, &want);
    if (got.n != want.n)
        __builtin_trap();
    for (size_t i = 0; i < got.n; i++) {
        if (got.v[i].range.start != want.v[i].range.start ||
            got.v[i].range.count != want.v[i].range.count || got.v[i].line != want.v[i].line)
            __builtin_trap();
        if (idg_range_check(got.v[i].range.start, got.v[i].range.count) != 0)
            __builtin_trap();
    }
    idg_allotments_free(&got);
    idg_allotments_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan sees any read past the end. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    check_lines(buf, size);

    struct idg_owner o;
    idg_owner_init(&o, "alice", 1000);
    check_owner(buf, size, &o);
    idg_owner_init(&o, "1", 0); /* a name that is also a uid's digits */
    check_owner(buf, size, &o);
    idg_owner_init(&o, NULL, 4294967294u);
    check_owner(buf, size, &o);
    idg_owner_init_name(&o, "a");
    check_owner(buf, size, &o);

    /* An owner taken from the input's first line, so that the fuzzer can
     * steer matches on names it invents. */
    const char *colon = memchr(buf, ':', size);
    if (colon && colon > buf && colon - buf < 64) {
        char name[64];
        memcpy(name, buf, (size_t)(colon - buf));
        name[colon - buf] = '\0';
        if (strlen(name) == (size_t)(colon - buf)) {
            idg_owner_init(&o, name, (uint32_t)size);
            check_owner(buf, size, &o);
        }
    }
    free(buf);
    return 0;
}
