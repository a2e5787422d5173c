/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vector candidate pass, written once and built by linescan.c for each
 * vector width (LS_V, LS_W bytes) through the LS_ macros it defines before
 * including this file. Not a header to include anywhere else.
 *
 * The pass looks at 64 positions p at a time and asks two things of each:
 * does a line begin there (buf[p - 1] is '\n': an unaligned load one byte
 * back gives it without shifting across lanes), and is buf[p] in the set.
 * Lines are counted in byte-wide counters, added up every 63 blocks (at
 * most 4 per counter per block). Only a block with a candidate leaves the
 * straight path, which has no branch that depends on the data.
 */
#define LS_K (64 / LS_W) /* vectors per block */
#define LS_CAT2(a, b) a##b
#define LS_CAT(a, b) LS_CAT2(a, b)
#define LS_FN(x) LS_CAT(LS_NAME, x)

#ifndef LS_KINDS
#define LS_KINDS
enum { LS_NONE, LS_BYTES, LS_BYTES_AND_DIGITS }; /* the kinds of set */
#endif

LS_TARGET static inline LS_V LS_FN(_in_set)(LS_V v, LS_V a, LS_V b, int kind)
{
    LS_V c = LS_OR(LS_EQ(v, a), LS_EQ(v, b));
    if (kind == LS_BYTES_AND_DIGITS) {
        LS_V d = LS_SUB8(v, LS_SET1('0')); /* '0'..'9' become 0..9 */
        c = LS_OR(c, LS_EQ(LS_MIN8(d, LS_SET1(9)), d));
    }
    return c;
}

LS_TARGET static inline uint64_t LS_FN(_counted)(LS_V acc)
{
    uint64_t lane[LS_W / 8];
    LS_V sums = LS_SAD(acc);
    LS_LANES64(sums, lane);
    uint64_t n = 0;
    for (int k = 0; k < LS_W / 8; k++)
        n += lane[k];
    return n;
}

LS_TARGET static inline int LS_FN(_kinded)(const char *buf, size_t end,
                                           const struct idg_firstbytes *fb, int kind,
                                           idg_linestart_fn fn, void *arg, uint32_t *lines)
{
    int r = in_set(fb, (unsigned char)buf[0]) ? fn(arg, 0, 1) : 0;
    if (r)
        return r;
    const LS_V a = LS_SET1(fb->byte[0]), b = LS_SET1(fb->byte[fb->n > 1 ? 1 : 0]);
    const LS_V nl = LS_SET1('\n');
    uint64_t begun = 1; /* lines begun before the counters' lines */
    LS_V acc = LS_ZERO();
    unsigned blocks = 0;
    size_t i = 1; /* positions i .. i + 63, bytes i - 1 .. i + 63 */
    for (; i + 64 <= end; i += 64) {
        const char *q = buf + i;
        LS_V s[LS_K], c[LS_K], sum = LS_ZERO(), any = LS_ZERO();
        for (int k = 0; k < LS_K; k++) {
            s[k] = LS_EQ(LS_LOADU(q - 1 + k * LS_W), nl);
            sum = LS_ADD8(sum, s[k]);
        }
        if (kind != LS_NONE) {
            for (int k = 0; k < LS_K; k++) {
                c[k] = LS_AND(s[k], LS_FN(_in_set)(LS_LOADU(q + k * LS_W), a, b, kind));
                any = LS_OR(any, c[k]);
            }
            if (__builtin_expect(LS_MASK(any) != 0, 0)) {
                uint64_t starts = 0, cand = 0;
                for (int k = 0; k < LS_K; k++) {
                    starts |= LS_MASK(s[k]) << (k * LS_W);
                    cand |= LS_MASK(c[k]) << (k * LS_W);
                }
                r = report_block(i, starts, cand, begun + LS_FN(_counted)(acc), fn, arg);
                if (r)
                    return r;
            }
        }
        /* Each s is 0 or -1 per byte: subtracting their sum counts them. */
        acc = LS_SUB8(acc, sum);
        if (++blocks == 63) {
            begun += LS_FN(_counted)(acc);
            acc = LS_ZERO();
            blocks = 0;
        }
    }
    begun += LS_FN(_counted)(acc);
    return scan_tail(buf, i, end, fb, begun, fn, arg, lines);
}

LS_TARGET static int LS_NAME(const char *buf, size_t end, const struct idg_firstbytes *fb,
                             idg_linestart_fn fn, void *arg, uint32_t *lines)
{
    if (end == 0) {
        *lines = 0;
        return 0;
    }
    /* One specialised copy of the loop per kind of set. */
    if (fb->n == 0 && !fb->digits)
        return LS_FN(_kinded)(buf, end, fb, LS_NONE, fn, arg, lines);
    if (!fb->digits)
        return LS_FN(_kinded)(buf, end, fb, LS_BYTES, fn, arg, lines);
    struct idg_firstbytes d = *fb;
    if (d.n == 0) { /* a digit stands in for "no byte": it is in the set anyway */
        d.byte[0] = '0';
        d.n = 1;
    }
    return LS_FN(_kinded)(buf, end, &d, LS_BYTES_AND_DIGITS, fn, arg, lines);
}

#undef LS_K
#undef LS_CAT2
#undef LS_CAT
#undef LS_FN
#undef LS_NAME
#undef LS_TARGET
#undef LS_V
#undef LS_W
#undef LS_SET1
#undef LS_ZERO
#undef LS_LOADU
#undef LS_EQ
#undef LS_OR
#undef LS_AND
#undef LS_ADD8
#undef LS_SUB8
#undef LS_MIN8
#undef LS_MASK
#undef LS_SAD
#undef LS_LANES64
