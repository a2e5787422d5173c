/* SPDX-License-Identifier: BSD-3-Clause */
#include "subid_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "number.h"
#include "readfile.h"

static int push_entry(struct idg_subid_file *f, const struct idg_file_entry *e)
{
    struct idg_file_entry *v = idg_grow(f->v, f->n, &f->cap, sizeof(*v));
    if (!v)
        return -ENOMEM;
    f->v = v;
    f->v[f->n++] = *e;
    return 0;
}

static int push_bad(struct idg_subid_file *f, uint32_t lineno, enum idg_line_status st)
{
    struct idg_file_bad *v = idg_grow(f->bad, f->n_bad, &f->cap_bad, sizeof(*v));
    if (!v)
        return -ENOMEM;
    f->bad = v;
    f->bad[f->n_bad++] = (struct idg_file_bad){.lineno = lineno, .st = st};
    return 0;
}

int idg_subid_file_adopt(struct idg_subid_file *f, char *buf, size_t len)
{
    f->buf = buf;
    f->len = len;
    f->sorted = true;
    /* Size the array once: growing it by doubling touches twice the memory. */
    size_t lines = 1;
    for (const char *p = buf, *end = buf + len; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        lines++;
    if (len && !f->v) {
        f->v = reallocarray(NULL, lines, sizeof(*f->v));
        if (!f->v)
            return -ENOMEM;
        f->cap = lines;
        idg_prefault(f->v, lines * sizeof(*f->v));
    }
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        struct idg_file_entry e = {.lineno = it.lineno, .off = (size_t)(line - buf), .len = n};
        enum idg_line_status st = idg_parse_line(line, n, &e.e);
        int rc = 0;
        if (st == IDG_LINE_ENTRY) {
            if (f->n && e.e.range.start < f->v[f->n - 1].e.range.start)
                f->sorted = false;
            rc = push_entry(f, &e);
        } else if (st != IDG_LINE_COMMENT) {
            rc = push_bad(f, it.lineno, st);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

void idg_subid_file_free(struct idg_subid_file *f)
{
    free(f->buf);
    free(f->v);
    free(f->bad);
    *f = (struct idg_subid_file){0};
}

int idg_subid_file_read(const char *path, uid_t trusted_owner, struct idg_subid_file *f,
                        struct idg_file_problem *pb)
{
    *f = (struct idg_subid_file){0};
    int fd = idg_open_trusted(path, trusted_owner, pb);
    if (fd < 0) {
        if (pb->why != IDG_TRUST_MISSING)
            return -1;
        f->buf = malloc(1);
        return f->buf ? 0 : -ENOMEM;
    }
    int rc = idg_read_fd(fd, IDG_SUBID_FILE_MAX, &f->buf, &f->len);
    close(fd);
    if (rc < 0) {
        if (rc == -EFBIG || rc == -ENOMEM)
            return rc;
        *pb = (struct idg_file_problem){.path = path, .why = IDG_TRUST_IO, .err = -rc};
        return -1;
    }
    f->exists = true;
    return 0;
}

int idg_subid_file_load(const char *path, uid_t trusted_owner, struct idg_subid_file *f,
                        struct idg_file_problem *pb)
{
    int rc = idg_subid_file_read(path, trusted_owner, f, pb);
    if (rc < 0)
        return rc;
    bool exists = f->exists;
    rc = idg_subid_file_adopt(f, f->buf, f->len);
    if (rc < 0) {
        idg_subid_file_free(f);
        return rc;
    }
    f->exists = exists;
    return 0;
}

bool idg_subid_file_owned(const struct idg_subid_file *f, size_t i, const struct idg_owner *o)
{
    return idg_owner_matches(o, f->v[i].e.owner, f->v[i].e.owner_len);
}

int idg_subid_file_edit(const struct idg_subid_file *f, const bool *drop, const char *append,
                        size_t append_len, char **out, size_t *out_len)
{
    return idg_subid_file_rewrite(f, drop, NULL, append, append_len, out, out_len);
}

size_t idg_rewrite_pieces(const struct idg_cut *cuts, size_t n, size_t file_len, bool open_line,
                          const char *append, size_t append_len, struct idg_piece *out)
{
    size_t k = 0, from = 0; /* the file's bytes from `from` are still to go */
    bool nl = true;         /* what is out so far is empty or ends in '\n' */
    for (size_t i = 0; i < n; i++) {
        const struct idg_cut *c = &cuts[i];
        if (c->off > from) { /* up to a line's start: ends in '\n' */
            out[k++] = (struct idg_piece){NULL, from, c->off - from};
            nl = true;
        }
        from = c->off + c->len;
        bool had_nl = from < file_len;
        if (c->repl) { /* the new line where the old one was */
            size_t n_repl = strlen(c->repl);
            out[k++] = (struct idg_piece){c->repl, 0, n_repl};
            if (n_repl)
                nl = c->repl[n_repl - 1] == '\n';
            if (had_nl) {
                out[k++] = (struct idg_piece){"\n", 0, 1};
                nl = true;
            }
        }
        if (had_nl) /* the cut line's '\n' */
            from++;
    }
    if (file_len > from) {
        out[k++] = (struct idg_piece){NULL, from, file_len - from};
        nl = !open_line;
    }
    if (append_len) {
        if (!nl)
            out[k++] = (struct idg_piece){"\n", 0, 1};
        out[k++] = (struct idg_piece){append, 0, append_len};
    }
    return k;
}

int idg_subid_file_rewrite(const struct idg_subid_file *f, const bool *drop,
                           const char *const *replace, const char *append, size_t append_len,
                           char **out, size_t *out_len)
{
    size_t n = 0;
    for (size_t i = 0; drop && i < f->n; i++)
        n += drop[i];
    struct idg_cut *cuts = reallocarray(NULL, n ? n : 1, sizeof(*cuts));
    struct idg_piece *pc = reallocarray(NULL, 3 * n + 3, sizeof(*pc));
    if (!cuts || !pc) {
        free(cuts);
        free(pc);
        return -ENOMEM;
    }
    n = 0;
    for (size_t i = 0; drop && i < f->n; i++)
        if (drop[i])
            cuts[n++] = (struct idg_cut){f->v[i].off, f->v[i].len, replace ? replace[i] : NULL};
    bool open_line = f->len && f->buf[f->len - 1] != '\n';
    size_t k = idg_rewrite_pieces(cuts, n, f->len, open_line, append, append_len, pc);
    size_t len = 0;
    for (size_t i = 0; i < k; i++)
        len += pc[i].len;
    char *buf = malloc(len + 1), *p = buf;
    if (buf) {
        for (size_t i = 0; i < k; i++) {
            memcpy(p, pc[i].mem ? pc[i].mem : f->buf + pc[i].off, pc[i].len);
            p += pc[i].len;
        }
        *out = buf;
        *out_len = len;
    }
    free(cuts);
    free(pc);
    return buf ? 0 : -ENOMEM;
}

static int owned_chunk(void *arg, const char *chunk, size_t len, size_t base)
{
    struct idg_owned *ow = arg;
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, chunk, len);
    while (idg_lines_next(&it, &line, &n)) {
        uint32_t lineno = ++ow->lines;
        struct idg_entry e;
        enum idg_line_status st = idg_parse_line(line, n, &e);
        if (st != IDG_LINE_ENTRY) {
            if (st != IDG_LINE_COMMENT && !ow->bad_line) {
                ow->bad_line = lineno;
                ow->bad = st;
            }
            continue;
        }
        if (!idg_owner_matches(ow->owner, e.owner, e.owner_len))
            continue;
        struct idg_owned_line *v = idg_grow(ow->v, ow->n, &ow->cap, sizeof(*v));
        if (v)
            ow->v = v;
        char *text = v ? idg_line_keep(line, n, &e) : NULL;
        if (!text)
            return -ENOMEM;
        ow->v[ow->n++] = (struct idg_owned_line){
            .lineno = lineno, .off = base + (size_t)(line - chunk), .len = n, .e = e, .text = text};
    }
    return 0;
}

int idg_owned_scan_fd(int fd, size_t chunk, struct idg_owned *ow, struct idg_chunks_read *rd)
{
    ow->bad_line = 0;
    ow->v = NULL;
    ow->n = ow->cap = 0;
    ow->lines = 0;
    int rc = idg_read_chunks(fd, chunk, IDG_SUBID_FILE_MAX, owned_chunk, ow, rd);
    if (rc < 0)
        idg_owned_free(ow);
    return rc;
}

void idg_owned_free(struct idg_owned *ow)
{
    for (size_t i = 0; i < ow->n; i++)
        free(ow->v[i].text);
    free(ow->v);
    ow->v = NULL;
    ow->n = ow->cap = 0;
}

int idg_entry_format(char *buf, size_t len, const char *owner, struct idg_range r)
{
    char start[11], count[11];
    start[idg_format_u32(start, r.start)] = '\0';
    count[idg_format_u32(count, r.count)] = '\0';
    size_t olen = strlen(owner);
    size_t need = olen + 1 + strlen(start) + 1 + strlen(count) + 1;
    if (need + 1 > len)
        return -ENOSPC;
    char *p = buf;
    memcpy(p, owner, olen);
    p += olen;
    *p++ = ':';
    p = stpcpy(p, start);
    *p++ = ':';
    p = stpcpy(p, count);
    /* Read it back: it must be one entry with exactly this owner, or the
     * file would gain a line that grants something else, or nothing. An
     * owner "N-N" would make a window, which grants uid N, not the name. */
    struct idg_entry e;
    if (idg_parse_line(buf, (size_t)(p - buf), &e) != IDG_LINE_ENTRY || e.window ||
        e.owner_len != olen || memcmp(e.owner, owner, olen) != 0 || e.range.start != r.start ||
        e.range.count != r.count)
        return -EINVAL;
    *p++ = '\n';
    *p = '\0';
    return (int)need;
}
