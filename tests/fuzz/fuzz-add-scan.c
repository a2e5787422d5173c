/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential: idg_add_scan() (alloc.h) against a slow reading of the same
 * bytes written from subid_line.h alone (subid-model.h). The file is either
 * generated (entries of a few owners near each other, comments, malformed
 * lines, raw bytes) or the input's bytes as they are. Both must agree on:
 *  - the first malformed line and what is wrong with it;
 *  - the owner's first entry that serves the request (equal to `want` when
 *    exact, else of at least `count` ids), where it is, and its fields: a
 *    line naming the owner serves with its range, a window serves a uid of
 *    its own (never a name) with that uid's slot, which `have` then holds;
 *  - when exact, the first entry in file order that overlaps `want` (a
 *    window with its whole span, whoever asks);
 *  - the ids every entry takes (a window: its span), kept as ranges that
 *    neither overlap nor touch, ascending;
 * and every out field is this call's answer (they start out as garbage),
 * the bytes and the in fields are left as they were. idg_add_scan_fd()
 * over the same bytes in a memfd, read in chunks of 1 to 256 bytes (lines
 * across chunk edges, lines longer than a chunk), answers the same, its
 * hits holding a copy of their line.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"
#include "subid-model.h"
#include "subid_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_start_count(const void *x, const void *y)
{
    const struct idg_range *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->count < b->count ? -1 : a->count > b->count;
}

/* A range moved by one in one of four ways, if still valid. */
static struct idg_range nudge(uint64_t start, uint64_t count, uint32_t how)
{
    uint64_t s = start, c = count;
    switch (how % 5) {
    case 1:
        s++;
        break;
    case 2:
        s--;
        break;
    case 3:
        c++;
        break;
    case 4:
        c--;
        break;
    }
    if (s > M_ID_MAX || c == 0 || s + c > 4294967295u)
        return (struct idg_range){(uint32_t)start, (uint32_t)count};
    return (struct idg_range){(uint32_t)s, (uint32_t)c};
}

/* A scan's request, every other field garbage. */
static void garbage_scan(struct idg_add_scan *sc, int fill, const struct idg_owner *o, bool exact,
                         struct idg_range want, uint32_t count)
{
    memset(sc, fill, sizeof(*sc));
    sc->owner = o;
    sc->exact = exact;
    sc->want = want;
    sc->count = count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gen g = {{data, size}, 0};
    uint32_t flags = take16(&g.in);
    g.base = m_bases[(flags & 3) % M_ARRAY_SIZE(m_bases)];
    bool exact = flags & 4, raw = flags & 8, last_nl = flags & 16, clean = flags & 32;
    uint32_t name_pick = flags >> 6 & 7, uid_pick = flags >> 10 & 3;
    bool has_uid = flags & 0x200, want_from_entry = flags & 0x1000,
         count_from_entry = flags & 0x2000;
    uint32_t k = take8(&g.in), how = take8(&g.in);
    uint32_t uid = gen_id(&g);
    struct idg_range want = gen_range(&g);
    uint32_t count = gen_count(&g);

    struct text t = {0};
    put(&t, "", 0); /* allocated even when empty */
    if (raw)
        put(&t, g.in.p, g.in.left);
    else
        gen_file(&g, clean, last_nl, &t);
    struct m_file f;
    char *buf = m_copy_read(&t, &f);
    size_t len = t.n;
    const struct m_line *ek = f.n ? &f.v[k % f.n] : NULL;

    /* Who asks: a name, a uid, or both; often the owner of entry k. */
    char ek_owner[64];
    uint64_t ek_uid = 1001;
    m_owner_str(buf, ek, ek_owner, sizeof(ek_owner), "x");
    if (!m_decimal(ek_owner, strlen(ek_owner), 4294967295u, &ek_uid))
        ek_uid = 1001;
    if (ek && ek->window) /* a uid of the window, its ends often */
        ek_uid =
            ek->first + (how >> 2 & 1 ? ek->last - ek->first : how % (ek->last - ek->first + 1));
    static const char *const names[] = {NULL, "alice", "bob", "1001", "alicex", NULL, "", "root"};
    const char *name = name_pick == 5 ? ek_owner : names[name_pick];
    static const uint32_t uids[] = {1001, 1002};
    if (uid_pick < 2)
        uid = uids[uid_pick];
    else if (uid_pick == 2)
        uid = (uint32_t)ek_uid;
    if (!name)
        has_uid = true;
    struct idg_owner o;
    if (has_uid)
        idg_owner_init(&o, name, uid);
    else
        idg_owner_init_name(&o, name);
    /* What entry k gives: its range, or for a window the slot of ek_uid
     * (the span now and then). */
    uint64_t ek_start = ek ? ek->start : 0, ek_count = ek ? ek->count : 1;
    if (ek && ek->window && (how & 0x40) == 0) {
        ek_start = ek->start + (ek_uid - ek->first) * ek->per;
        ek_count = ek->per;
    }
    if (ek && want_from_entry)
        want = nudge(ek_start, ek_count, how);
    if (ek && count_from_entry)
        count = (uint32_t)ek_count + (how >> 4) % 3 - 1;

    /* The out fields start as garbage: each must be this call's answer. */
    struct idg_add_scan sc;
    garbage_scan(&sc, 0xa5, &o, exact, want, count);
    struct idg_owner o_before = o;
    if (idg_add_scan(buf, len, &sc) < 0)
        abort();

    /* The bytes and the in fields are as they were. */
    if (memcmp(buf, t.p, len) != 0 || memcmp(&o, &o_before, sizeof(o)) != 0 || sc.owner != &o ||
        sc.exact != exact || sc.want.start != want.start || sc.want.count != want.count ||
        sc.count != count)
        __builtin_trap();

    /* The first malformed line. */
    if (sc.bad_line != f.bad_line || (f.bad_line && sc.bad != f.bad))
        __builtin_trap();

    /* The owner's first entry that serves the request; the first overlap. */
    const struct m_line *have = NULL, *hit = NULL;
    uint64_t have_start = 0, have_count = 0;
    for (size_t i = 0; i < f.n; i++) {
        const struct m_line *m = &f.v[i];
        uint64_t s, c; /* what m gives the owner: its range, or their slot */
        if (!have && m_owner_range(buf, m, name, has_uid, uid, &s, &c) &&
            (exact ? s == want.start && c == want.count : c >= count)) {
            have = m;
            have_start = s;
            have_count = c;
        }
        if (!hit && exact &&
            m_meet(m->start, m->end, want.start, (uint64_t)want.start + want.count))
            hit = m;
    }
    if (sc.has != (have != NULL) ||
        (have && !m_same_hit(buf, &sc.have, have, have_start, have_count)))
        __builtin_trap();
    if (sc.conflict != (hit != NULL) ||
        (hit && !m_same_hit(buf, &sc.hit, hit, hit->start, hit->count)))
        __builtin_trap();

    /* The ids taken: the model's ranges sorted, then those that overlap or
       touch joined, one id interval [a, b) at a time. */
    struct idg_range *model = malloc((f.n ? f.n : 1) * sizeof(*model));
    if (!model)
        abort();
    for (size_t i = 0; i < f.n; i++)
        model[i] = (struct idg_range){(uint32_t)f.v[i].start, (uint32_t)f.v[i].count};
    qsort(model, f.n, sizeof(*model), by_start_count);
    size_t kept = 0;
    for (size_t i = 0; i < f.n; i++) {
        uint64_t a = model[i].start, b = a + model[i].count;
        if (kept) {
            uint64_t ka = model[kept - 1].start, kb = ka + model[kept - 1].count;
            if (a <= kb) {
                model[kept - 1].count = (uint32_t)((b > kb ? b : kb) - ka);
                continue;
            }
        }
        model[kept++] = model[i];
    }
    if (sc.n_ranges != kept || (kept && !sc.ranges) ||
        (kept && memcmp(model, sc.ranges, kept * sizeof(*model)) != 0))
        __builtin_trap();

    /* The chunked reading of the same bytes. */
    int fd = memfd_create("subuid", MFD_CLOEXEC);
    if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len) || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    struct idg_add_scan fs;
    garbage_scan(&fs, 0x5a, &o, exact, want, count);
    struct idg_chunks_read rd;
    if (idg_add_scan_fd(fd, 1 + how % 256, &fs, &rd) < 0)
        abort();
    close(fd);
    if (rd.len != len || rd.open_line != (len && buf[len - 1] != '\n') ||
        fs.bad_line != sc.bad_line || (fs.bad_line && fs.bad != sc.bad) || fs.has != sc.has ||
        fs.conflict != sc.conflict || fs.n_ranges != sc.n_ranges ||
        (kept && memcmp(fs.ranges, sc.ranges, kept * sizeof(*model)) != 0))
        __builtin_trap();
    const struct idg_scan_hit *pairs[2][2] = {{&fs.have, &sc.have}, {&fs.hit, &sc.hit}};
    for (int i = 0; i < 2; i++) {
        const struct idg_scan_hit *a = pairs[i][0], *b = pairs[i][1];
        if (!(i ? sc.conflict : sc.has))
            continue;
        if (!a->text || b->text || a->lineno != b->lineno || a->off != b->off || a->len != b->len ||
            memcmp(a->text, buf + b->off, b->len) != 0 || a->text[b->len] != '\0' ||
            a->e.owner != a->text + (b->e.owner - (buf + b->off)) ||
            a->e.owner_len != b->e.owner_len || a->e.range.start != b->e.range.start ||
            a->e.range.count != b->e.range.count || a->e.window != b->e.window)
            __builtin_trap();
    }
    idg_add_scan_free(&fs);

    free(model);
    idg_add_scan_free(&sc);
    free(f.v);
    free(buf);
    free(t.p);
    return 0;
}
