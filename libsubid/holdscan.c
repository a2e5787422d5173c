/* SPDX-License-Identifier: BSD-3-Clause */
#include "holdscan.h"

#include <string.h>

#include "number.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

void idg_holdfilter_init(struct idg_holdfilter *f, uint32_t id)
{
    char text[11];
    f->id = id;
    f->len = (unsigned)idg_format_u32(text, id);
    memcpy(f->digits, text, f->len);
    uint64_t top[11]; /* top[k]: the largest number of k digits */
    top[0] = 0;
    for (int k = 1; k <= 10; k++)
        top[k] = top[k - 1] * 10 + 9;
    /* A line holds X when START + COUNT - 1 >= X (and START <= X). */
    for (int a = 0; a <= 10; a++)
        for (int b = 0; b <= 10; b++)
            f->reach[a][b] = a > 0 && b > 0 && top[a] + top[b] - 1 >= id;
    /* reach[][] grows with both lengths: a line whose numbers are both
       shorter than `run` digits cannot reach X. */
    f->run = 1;
    while (f->run < 10 && !f->reach[f->run][f->run])
        f->run++;
    for (int b = 0; b <= 10; b++) {
        f->lo_len[b] = 0;
        if (b > 0 && top[b] <= id) { /* X - top[b] + 1 >= 1 */
            f->lo_len[b] = (unsigned)idg_format_u32(text, (uint32_t)(id - top[b] + 1));
            memcpy(f->lo[b], text, f->lo_len[b]);
        }
    }
}

/* Can the plain line with its colons at c1 and c2 and its '\n' at nl hold
   the id? false only when the parser would find it holds no such id. The
   lengths rule out most lines; the few left have their numbers read. */
static inline bool may_hold(const struct idg_holdfilter *f, const char *buf, size_t c1, size_t c2,
                            size_t nl)
{
    size_t ls = c2 - c1 - 1, lc = nl - c2 - 1;
    if (lc > 10)
        return true; /* not a number the parser takes, or one with a '\r': let it judge */
    if (ls > 10)
        return false; /* START is no number of 32 bits: no entry */
    if (ls > f->len || !f->reach[ls][lc])
        return false; /* START above X, or START + COUNT below it; reach[0][] and [][0]: empty */
    if (ls == f->len && memcmp(buf + c1 + 1, f->digits, ls) > 0)
        return false; /* START above X */
    if (ls == f->lo_len[lc] && memcmp(buf + c1 + 1, f->lo[lc], ls) < 0)
        return false; /* START + COUNT below X (same lengths: as text) */
    const char *p = buf + c1 + 1, *q = buf + c2 + 1;
    uint32_t start, count;
    if (idg_scan_u32_bytes(&p, buf + c2, IDG_ID_MAX, &start) < 0 ||
        idg_scan_u32_bytes(&q, buf + nl, IDG_COUNT_MAX, &count) < 0)
        return false; /* not numbers the parser takes: no entry */
    return p == buf + c2 && q == buf + nl && start <= f->id && f->id - start < count;
}

struct marks {
    uint64_t colon, nl, dash, digit;
};

/* The ':', '\n', '-' and digits of 64 bytes at p, one bit each: eight
   bytes in a word at a time (the reference, and other processors' pass). */
static inline struct marks marks_portable(const char *p)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
    struct marks m = {0, 0, 0, 0};
    for (unsigned k = 0; k < 8; k++) {
        uint64_t w = idg_load8(p + 8 * k);
        /* Digits exactly: idg_nondigits over the low seven bits of each
           byte, and no byte of 0x80 or more is a digit. */
        uint64_t other = idg_nondigits(w & ~high) | (w & high);
        m.colon |= (uint64_t)idg_high_bits8(idg_zero_bytes(w ^ (ones * ':'))) << (8 * k);
        m.nl |= (uint64_t)idg_high_bits8(idg_zero_bytes(w ^ (ones * '\n'))) << (8 * k);
        m.dash |= (uint64_t)idg_high_bits8(idg_zero_bytes(w ^ (ones * '-'))) << (8 * k);
        m.digit |= (uint64_t)idg_high_bits8(~other & high) << (8 * k);
    }
    return m;
}

#if defined(__x86_64__)
static inline struct marks marks_sse2(const char *p)
{
    const __m128i colon = _mm_set1_epi8(':'), nl = _mm_set1_epi8('\n'), dash = _mm_set1_epi8('-');
    /* '0'..'9' + 0x50 are 0x80..0x89, the only bytes below -118 signed. */
    const __m128i shift = _mm_set1_epi8(0x50), below = _mm_set1_epi8(-118);
    struct marks m = {0, 0, 0, 0};
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        m.colon |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, colon)) << (16 * k);
        m.nl |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * k);
        m.dash |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, dash)) << (16 * k);
        m.digit |=
            (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(v, shift), below))
            << (16 * k);
    }
    return m;
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx2"))) static inline struct marks marks_avx2(const char *p)
{
    const __m256i colon = _mm256_set1_epi8(':'), nl = _mm256_set1_epi8('\n'),
                  dash = _mm256_set1_epi8('-'), zero = _mm256_set1_epi8('0'),
                  nine = _mm256_set1_epi8(9);
    struct marks m = {0, 0, 0, 0};
    for (int k = 0; k < 2; k++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * k));
        __m256i d = _mm256_sub_epi8(v, zero); /* a digit: 0..9 */
        unsigned sh = 32u * (unsigned)k;
        m.colon |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, colon)) << sh;
        m.nl |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, nl)) << sh;
        m.dash |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, dash)) << sh;
        m.digit |=
            (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(d, nine), d))
            << sh;
    }
    return m;
}

__attribute__((target("avx512f,avx512bw"))) static inline struct marks marks_avx512(const char *p)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    struct marks m;
    m.colon = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(':'));
    m.nl = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
    m.dash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('-'));
    m.digit =
        _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
    return m;
}
#endif

/* The positions of this block where a run of k digits ends (k <= 10),
   counting the digits at the end of the block before (prev). */
static inline uint64_t run_ends(uint64_t d, uint64_t prev, unsigned k)
{
#if defined(__SIZEOF_INT128__)
    /* The two blocks as one 128-bit row; runs of at least n digits, n
       doubling, then of k (k - n <= n: the two runs overlap or touch). */
    __extension__ typedef unsigned __int128 u128;
    u128 t = (u128)d << 64 | prev;
    unsigned n = 1;
    for (; 2 * n <= k; n *= 2)
        t &= t << n;
    if (k > n)
        t &= t << (k - n);
    return (uint64_t)(t >> 64);
#else
    uint64_t r = d;
    for (unsigned j = 1; j < k; j++)
        r &= (d << j) | (prev >> (64 - j));
    return r;
#endif
}

/* Where the walk is inside the current line. */
struct walk {
    size_t start; /* the line's first byte */
    size_t c[2];  /* its first two colons */
    unsigned colons;
    bool dash;  /* a '-' before the first colon */
    bool blind; /* part of the line was passed over: colons, c[] and dash unknown */
    uint32_t n; /* lines ended so far */
};

/* A ':' (colon) or '-' at pos of the line being walked. */
static inline void walk_mark(struct walk *w, bool colon, size_t pos)
{
    if (!colon) {
        w->dash |= w->colons == 0;
        return;
    }
    if (w->colons < 2)
        w->c[w->colons] = pos;
    w->colons++;
}

/* The colons and the dash of the line buf[w->start..nl), read from its
   bytes: for a line part of which skip_block() passed over. */
static void reread_line(struct walk *w, const char *buf, size_t nl)
{
    w->colons = 0;
    w->dash = false;
    for (size_t k = w->start; k < nl; k++)
        if (buf[k] == ':' || buf[k] == '-')
            walk_mark(w, buf[k] == ':', k);
    w->blind = false;
}

static inline int walk_block(struct walk *w, const char *buf, size_t i, struct marks m,
                             const struct idg_holdfilter *f, idg_holdline_fn fn, void *arg)
{
    for (uint64_t ev = m.colon | m.nl | m.dash; ev; ev &= ev - 1) {
        uint64_t bit = ev & (~ev + 1);
        size_t pos = i + (size_t)__builtin_ctzll(ev);
        if (!(m.nl & bit)) {
            if (!w->blind) /* else reread_line() counts it at the line's end */
                walk_mark(w, (m.colon & bit) != 0, pos);
            continue;
        }
        if (w->blind)
            reread_line(w, buf, pos);
        w->n++;
        /* Only a line of two colons can be an entry. A window's owner
           begins with a digit and has a '-': its span is not
           START..COUNT, so the parser judges it. */
        bool window = w->dash && buf[w->start] >= '0' && buf[w->start] <= '9';
        if (w->colons == 2 && (window || may_hold(f, buf, w->c[0], w->c[1], pos))) {
            int r = fn(arg, w->start, pos - w->start, w->n);
            if (r)
                return r;
        }
        w->start = pos + 1;
        w->colons = 0;
        w->dash = false;
    }
    return 0;
}

/* A block with no line that may hold the id: the walk counts its lines and
   moves to the last one's end without looking at them; what the line it
   ends inside holds is read again if that line is walked (reread_line()). */
static inline void skip_block(struct walk *w, size_t i, struct marks m)
{
    if (m.nl) {
        w->n += idg_popcount64(m.nl);
        w->start = i + 64 - (size_t)__builtin_clzll(m.nl);
    }
    w->blind = true;
}

/*
 * The scan, with the marks of each block from MARKS (one copy per pass,
 * built for its instruction set). A block is walked line by line only if a
 * line in it may hold the id: one with a run of f->run digits (an entry
 * that holds X has one), or a '-' after a digit (a window), or the line
 * that goes on from such a block (hot). Most blocks of a large file have
 * neither.
 */
#define HOLD_PASS(NAME, TARGET, MARKS)                                                             \
    TARGET static int NAME(const char *buf, size_t end, const struct idg_holdfilter *f,            \
                           idg_holdline_fn fn, void *arg, uint32_t *lines)                         \
    {                                                                                              \
        struct walk w = {0};                                                                       \
        size_t i = 0;                                                                              \
        int r;                                                                                     \
        uint64_t prev = 0;                                                                         \
        bool hot = false;                                                                          \
        for (; i + 64 <= end; i += 64) {                                                           \
            struct marks m = MARKS(buf + i);                                                       \
            uint64_t cand =                                                                        \
                run_ends(m.digit, prev, f->run) | (m.dash & ((m.digit << 1) | (prev >> 63)));      \
            prev = m.digit;                                                                        \
            if (!cand && !hot) {                                                                   \
                skip_block(&w, i, m);                                                              \
                continue;                                                                          \
            }                                                                                      \
            if ((r = walk_block(&w, buf, i, m, f, fn, arg)) != 0)                                  \
                return r;                                                                          \
            if (m.nl) {                                                                            \
                unsigned last = 63u - (unsigned)__builtin_clzll(m.nl);                             \
                hot = last != 63 && (cand >> (last + 1)) != 0;                                     \
            } else {                                                                               \
                hot = true;                                                                        \
            }                                                                                      \
        }                                                                                          \
        if (i < end) {                                                                             \
            char tail[64] = {0}; /* NULs are no mark */                                            \
            memcpy(tail, buf + i, end - i);                                                        \
            if ((r = walk_block(&w, buf, i, marks_portable(tail), f, fn, arg)) != 0)               \
                return r;                                                                          \
        }                                                                                          \
        *lines = w.n;                                                                              \
        return 0;                                                                                  \
    }

HOLD_PASS(hold_portable, , marks_portable)
#if defined(__x86_64__)
HOLD_PASS(hold_sse2, , marks_sse2)
HOLD_PASS(hold_avx2, __attribute__((target("avx2"))), marks_avx2)
HOLD_PASS(hold_avx512, __attribute__((target("avx512f,avx512bw,popcnt"))), marks_avx512)
#endif

int idg_holdscan_with(enum idg_linescan_pass pass, const char *buf, size_t end,
                      const struct idg_holdfilter *f, idg_holdline_fn fn, void *arg,
                      uint32_t *lines)
{
    switch (pass) {
#if defined(__x86_64__)
    case IDG_PASS_SSE2:
        return hold_sse2(buf, end, f, fn, arg, lines);
    case IDG_PASS_AVX2:
        return hold_avx2(buf, end, f, fn, arg, lines);
    case IDG_PASS_AVX512:
        return hold_avx512(buf, end, f, fn, arg, lines);
#endif
    default:
        return hold_portable(buf, end, f, fn, arg, lines);
    }
}

int idg_holdscan(const char *buf, size_t end, const struct idg_holdfilter *f, idg_holdline_fn fn,
                 void *arg, uint32_t *lines)
{
    return idg_holdscan_with(idg_linescan_best(), buf, end, f, fn, arg, lines);
}
