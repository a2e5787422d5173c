/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* memrchr */
#include "allotment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "holdscan.h"
#include "linescan.h"
#include "readfile.h"

void idg_allotments_free(struct idg_allotments *a)
{
    free(a->v);
    *a = (struct idg_allotments){0};
}

int idg_allotments_add(struct idg_allotments *a, struct idg_range r, const char *source,
                       uint32_t line)
{
    struct idg_allotment *v = idg_grow(a->v, a->n, &a->cap, sizeof(*v));
    if (!v)
        return -ENOMEM;
    a->v = v;
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
    const struct idg_owner *o; /* NULL: every line holding `id` goes to `holding` */
    uint32_t id;
    struct idg_holdfilter hold; /* for `id` */
    idg_holding_fn holding;
    struct idg_allotments *out;
    idg_bad_line_fn bad;
    void *arg;
    uint32_t lineno;   /* lines wholly consumed so far */
    const char *chunk; /* the complete lines being scanned */
    size_t chunk_end;
    size_t max_line; /* from a file: longer lines are IDG_LINE_TOO_LONG */
    bool stopped;    /* a line's handling stopped the scan (not the reading) */
};

/* A line of IDG_LINE_MAX bytes or more in a file: reported once if it may
   be the owner's, never parsed. */
static void too_long(struct scan *s, const char *line, size_t len, uint32_t lineno)
{
    if (s->o && s->bad && idg_line_may_belong(s->o, line, len))
        s->bad(s->arg, s->path, lineno, IDG_LINE_TOO_LONG);
}

static int scan_line(struct scan *s, const char *line, size_t len, uint32_t lineno)
{
    if (s->max_line && len >= s->max_line) {
        too_long(s, line, len, lineno);
        return 0;
    }
    if (!s->o) { /* a line holdscan.h could not rule out: parsed */
        struct idg_entry e;
        if (idg_parse_line(line, len, &e) != IDG_LINE_ENTRY || !idg_range_has(e.range, s->id))
            return 0;
        return s->holding(s->arg, &e, lineno);
    }
    /* Most lines belong to someone else and are never parsed. */
    if (!idg_line_may_belong(s->o, line, len))
        return 0;
    struct idg_entry e;
    struct idg_range got;
    enum idg_line_status st = idg_parse_line(line, len, &e);
    /* The prefix test is not enough alone: a name "bob:1" would take bob's
       line "bob:1:5". The whole owner field must be the caller's, or the
       window hold the caller's uid. */
    if (st == IDG_LINE_ENTRY && !idg_owner_takes(s->o, &e, &got))
        return 0;
    if (st == IDG_LINE_ENTRY) {
        int r = idg_allotments_add(s->out, got, s->path, lineno);
        if (r == 0 && e.window) {
            struct idg_allotment *a = &s->out->v[s->out->n - 1];
            a->window = true;
            a->first = e.first;
            a->last = e.last;
        }
        return r;
    }
    /* A window too large for the id space is the concern of its uids. */
    if (st == IDG_LINE_BAD_SPAN &&
        !(s->o->has_wuid && s->o->wuid >= e.first && s->o->wuid <= e.last))
        return 0;
    if (st != IDG_LINE_COMMENT && s->bad)
        s->bad(s->arg, s->path, lineno, st);
    return 0;
}

/* The line starting at buf[p] (complete lines end before `end`). */
static int scan_at(struct scan *s, const char *buf, size_t p, size_t end, uint32_t lineno)
{
    const char *nl = memchr(buf + p, '\n', end - p);
    return scan_line(s, buf + p, (size_t)(nl - (buf + p)), lineno);
}

static int candidate(void *arg, size_t off, uint32_t lineno)
{
    struct scan *s = arg;
    return scan_at(s, s->chunk, off, s->chunk_end, s->lineno + lineno);
}

static int holding_line(void *arg, size_t off, size_t len, uint32_t lineno)
{
    struct scan *s = arg;
    return scan_line(s, s->chunk + off, len, s->lineno + lineno);
}

/*
 * Scan the complete lines of buf; *used is where the incomplete last line
 * (if any) starts. For an owner, only the lines whose first byte could
 * begin the owner's uid or name, or a window (any digit, for an owner with
 * a uid), are looked at further (linescan.h); for an id, only the lines
 * that may hold it (holdscan.h).
 */
static int scan_lines(struct scan *s, const char *buf, size_t len, size_t *used)
{
    const char *last = memrchr(buf, '\n', len);
    *used = 0;
    if (!last)
        return 0;
    const size_t end = (size_t)(last - buf) + 1;
    const uint32_t base = s->lineno;
    uint32_t nl = 0;
    int r = 0;
    s->chunk = buf;
    s->chunk_end = end;
    if (!s->o) { /* only the lines that may hold the id (holdscan.h) */
        r = idg_holdscan(buf, end, &s->hold, holding_line, s, &nl);
        if (r)
            return r;
        s->lineno = base + nl;
        *used = end;
        return 0;
    }
    struct idg_firstbytes fb = {.n = 0, .digits = s->o->has_wuid};
    if (s->o->uid_len)
        fb.byte[fb.n++] = (unsigned char)s->o->uid_str[0];
    if (s->o->name && s->o->name_len)
        fb.byte[fb.n++] = (unsigned char)s->o->name[0];
    r = idg_linescan(buf, end, &fb, candidate, s, &nl);
    if (r)
        return r;
    s->lineno = base + nl;
    *used = end;
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
        r = scan_line(&s, buf + used, len - used, s.lineno + 1); /* last line, no '\n' */
    return r;
}

/* The complete lines of one chunk, or the file's last line without its
   '\n' (idg_read_chunks). */
static int scan_chunk(void *arg, const char *buf, size_t len, size_t base)
{
    struct scan *s = arg;
    (void)base;
    size_t used;
    int r = scan_lines(s, buf, len, &used);
    if (r == 0 && used < len)
        r = scan_line(s, buf + used, len - used, s->lineno + 1);
    s->stopped = r != 0;
    return r;
}

/* A line of IDG_LINE_MAX bytes or more, not yet ended: reported once. */
static void scan_too_long(void *arg, const char *head, size_t len)
{
    struct scan *s = arg;
    s->lineno++;
    too_long(s, head, len, s->lineno);
}

static int scan_fd(struct scan *s, int fd, struct idg_file_problem *pb)
{
    s->max_line = IDG_LINE_MAX;
    const struct idg_chunks how = {.chunk = IDG_READ_CHUNK,
                                   .line_max = IDG_LINE_MAX,
                                   .too_long = scan_too_long,
                                   .prefault = true};
    struct idg_chunks_read rd;
    int r = idg_read_chunks_with(fd, &how, scan_chunk, s, &rd);
    if (r < 0 && !s->stopped && r != -ENOMEM) { /* read() failed */
        pb->why = IDG_TRUST_IO;
        pb->err = -r;
        return -1;
    }
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

int idg_entries_holding(const char *path, uid_t trusted_owner, uint32_t id, idg_holding_fn fn,
                        void *arg, struct idg_file_problem *pb)
{
    int fd = idg_open_trusted(path, trusted_owner, pb);
    if (fd < 0)
        return pb->why == IDG_TRUST_MISSING ? 0 : -1;
    struct scan s = {.path = path, .id = id, .holding = fn, .arg = arg};
    idg_holdfilter_init(&s.hold, id);
    int r = scan_fd(&s, fd, pb);
    close(fd);
    return r;
}
