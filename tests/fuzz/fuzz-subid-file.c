/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A whole subid file in memory (subid_file.h): idg_subid_file_adopt() must
 * index exactly the lines idg_parse_line() calls entries and malformed
 * (a window with its uids and COUNT too), and
 * idg_subid_file_rewrite(), which copies the bytes between dropped lines in
 * bulk, must produce what a line-by-line rebuild produces: every line kept
 * as it is, a dropped entry gone with its '\n', a replaced one in its place,
 * then the appended text after a '\n' if the file lacked a last one.
 * Which entries are dropped or replaced comes from a generator seeded by
 * the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "subid_file.h"
#include "subid_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t next(uint64_t *s)
{
    /* xorshift64 */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct out {
    char *p;
    size_t n, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 16;
        o->p = realloc(o->p, o->cap);
        if (!o->p)
            abort();
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const lines[] = {"alice:100000:65536", "",      "#",
                                        "1000:1:1",           "b:c:d", "1000-1010:300000:10"};
    static const char *const appends[] = {"", "new:200000:65536\n", "x:1:1\ny:2:2\n",
                                          "0-3:4294967290:1\n"};

    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 0x100000001b3u;
    if (seed == 0)
        seed = 1;

    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct idg_subid_file f = {0};
    if (idg_subid_file_adopt(&f, buf, size) < 0)
        abort();

    /* The index against a reading of each line. */
    struct idg_lines it;
    const char *line;
    size_t len, ne = 0, nb = 0;
    bool sorted = true;
    idg_lines_init(&it, buf, size);
    while (idg_lines_next(&it, &line, &len)) {
        struct idg_entry e;
        enum idg_line_status st = idg_parse_line(line, len, &e);
        if (st == IDG_LINE_ENTRY) {
            if (ne >= f.n)
                __builtin_trap();
            const struct idg_file_entry *fe = &f.v[ne];
            if (fe->lineno != it.lineno || fe->off != (size_t)(line - buf) || fe->len != len ||
                fe->e.range.start != e.range.start || fe->e.range.count != e.range.count ||
                fe->e.owner != e.owner || fe->e.owner_len != e.owner_len ||
                fe->e.window != e.window ||
                (e.window &&
                 (fe->e.first != e.first || fe->e.last != e.last || fe->e.per != e.per)))
                __builtin_trap();
            if (ne && e.range.start < f.v[ne - 1].e.range.start)
                sorted = false;
            ne++;
        } else if (st != IDG_LINE_COMMENT) {
            if (nb >= f.n_bad || f.bad[nb].lineno != it.lineno || f.bad[nb].st != st)
                __builtin_trap();
            nb++;
        }
    }
    if (ne != f.n || nb != f.n_bad || sorted != f.sorted)
        __builtin_trap();

    /* A drop/replace pattern. */
    bool *drop = calloc(f.n ? f.n : 1, sizeof(*drop));
    const char **replace = calloc(f.n ? f.n : 1, sizeof(*replace));
    if (!drop || !replace)
        abort();
    for (size_t i = 0; i < f.n; i++) {
        uint64_t r = next(&seed);
        drop[i] = r & 1;
        if (drop[i] && (r & 6))
            replace[i] = lines[(r >> 3) % (sizeof(lines) / sizeof(lines[0]))];
    }
    const char *app = appends[next(&seed) % (sizeof(appends) / sizeof(appends[0]))];
    bool with_replace = next(&seed) & 1;

    char *got;
    size_t got_len;
    if (idg_subid_file_rewrite(&f, drop, with_replace ? replace : NULL, app, strlen(app), &got,
                               &got_len) < 0)
        abort();

    /* The reference: line by line. */
    struct out want = {0};
    size_t k = 0;
    idg_lines_init(&it, buf, size);
    while (idg_lines_next(&it, &line, &len)) {
        bool has_nl = line + len < buf + size; /* idg_lines stops at '\n' or the end */
        struct idg_entry e;
        bool entry = idg_parse_line(line, len, &e) == IDG_LINE_ENTRY;
        size_t idx = k;
        if (entry)
            k++;
        if (entry && drop[idx]) {
            if (with_replace && replace[idx]) {
                put(&want, replace[idx], strlen(replace[idx]));
                if (has_nl)
                    put(&want, "\n", 1);
            }
            continue;
        }
        put(&want, line, len);
        if (has_nl)
            put(&want, "\n", 1);
    }
    if (*app) {
        if (want.n && want.p[want.n - 1] != '\n')
            put(&want, "\n", 1);
        put(&want, app, strlen(app));
    }
    if (got_len != want.n || (got_len && memcmp(got, want.p, got_len) != 0))
        __builtin_trap();

    free(got);
    free(want.p);
    free(drop);
    free(replace);
    idg_subid_file_free(&f);
    return 0;
}
