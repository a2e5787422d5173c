/* SPDX-License-Identifier: BSD-3-Clause */
#include "allotment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Lines longer than this are malformed; it also bounds the reader's memory. */
#define READ_CHUNK (64 * 1024)

void idg_allotments_free(struct idg_allotments *a)
{
    free(a->v);
    *a = (struct idg_allotments){0};
}

int idg_allotments_add(struct idg_allotments *a, struct idg_range r, const char *source,
                       uint32_t line)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        struct idg_allotment *v = reallocarray(a->v, cap, sizeof(*v));
        if (!v)
            return -ENOMEM;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = (struct idg_allotment){.range = r, .source = source, .line = line};
    return 0;
}

static int by_start(const void *x, const void *y)
{
    const struct idg_allotment *a = x, *b = y;
    if (a->range.start != b->range.start)
        return a->range.start < b->range.start ? -1 : 1;
    if (a->range.count != b->range.count)
        return a->range.count < b->range.count ? -1 : 1;
    return 0;
}

void idg_allotments_sort(struct idg_allotments *a)
{
    if (a->n > 1)
        qsort(a->v, a->n, sizeof(a->v[0]), by_start);
}

struct scan {
    const char *path;
    const struct idg_owner *o;
    struct idg_allotments *out;
    idg_bad_line_fn bad;
    void *arg;
    uint32_t lineno;
};

static int scan_line(struct scan *s, const char *line, size_t len)
{
    s->lineno++;
    /* The fast path: most lines belong to someone else and are never parsed. */
    if (!idg_line_may_belong(s->o, line, len))
        return 0;
    struct idg_entry e;
    enum idg_line_status st = idg_parse_line(line, len, &e);
    if (st == IDG_LINE_ENTRY)
        return idg_allotments_add(s->out, e.range, s->path, s->lineno);
    if (st != IDG_LINE_COMMENT && s->bad)
        s->bad(s->arg, s->path, s->lineno, st);
    return 0;
}

/* Scan the complete lines of buf; return how many bytes were consumed. */
static int scan_lines(struct scan *s, const char *buf, size_t len, size_t *used)
{
    const char *p = buf, *end = buf + len;
    const char *nl;
    while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        int r = scan_line(s, p, (size_t)(nl - p));
        if (r < 0)
            return r;
        p = nl + 1;
    }
    *used = (size_t)(p - buf);
    return 0;
}

int idg_collect_from_buffer(const char *buf, size_t len, const char *path,
                            const struct idg_owner *o, struct idg_allotments *out,
                            idg_bad_line_fn bad, void *arg)
{
    struct scan s = {.path = path, .o = o, .out = out, .bad = bad, .arg = arg};
    size_t used;
    int r = scan_lines(&s, buf, len, &used);
    if (r == 0 && used < len)
        r = scan_line(&s, buf + used, len - used); /* last line, no '\n' */
    return r;
}

static int scan_fd(struct scan *s, int fd, struct idg_file_problem *pb)
{
    char *buf = malloc(READ_CHUNK);
    if (!buf)
        return -ENOMEM;
    size_t have = 0;
    bool skipping = false; /* inside an over-long line */
    int r = 0;
    for (;;) {
        ssize_t got = read(fd, buf + have, READ_CHUNK - have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            pb->why = IDG_TRUST_IO;
            pb->err = errno;
            r = -1;
            break;
        }
        have += (size_t)got;
        size_t start = 0;
        if (skipping) {
            char *nl = memchr(buf, '\n', have);
            if (!nl) {
                have = 0;
                if (got == 0)
                    break;
                continue;
            }
            start = (size_t)(nl - buf) + 1;
            skipping = false;
        }
        size_t used;
        r = scan_lines(s, buf + start, have - start, &used);
        if (r < 0)
            break;
        used += start;
        if (got == 0) {
            if (used < have)
                r = scan_line(s, buf + used, have - used);
            break;
        }
        if (used == 0 && have == READ_CHUNK) {
            /* A line that fills the whole buffer: report it once, skip the rest. */
            s->lineno++;
            if (idg_line_may_belong(s->o, buf, have) && s->bad)
                s->bad(s->arg, s->path, s->lineno, IDG_LINE_TOO_LONG);
            skipping = true;
            have = 0;
            continue;
        }
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    free(buf);
    return r;
}

int idg_collect_allotments(const char *path, uid_t trusted_owner, const struct idg_owner *o,
                           struct idg_allotments *out, idg_bad_line_fn bad, void *arg,
                           struct idg_file_problem *pb)
{
    int fd = idg_open_trusted(path, trusted_owner, pb);
    if (fd < 0)
        return pb->why == IDG_TRUST_MISSING ? 0 : -1;
    struct scan s = {.path = path, .o = o, .out = out, .bad = bad, .arg = arg};
    int r = scan_fd(&s, fd, pb);
    close(fd);
    return r;
}
