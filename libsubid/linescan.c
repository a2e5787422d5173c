/* SPDX-License-Identifier: BSD-3-Clause */
#include "linescan.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline bool in_set(const struct idg_firstbytes *fb, unsigned char c)
{
    return (fb->n > 0 && c == fb->byte[0]) || (fb->n > 1 && c == fb->byte[1]) ||
           (fb->digits && c >= '0' && c <= '9');
}

/*
 * Report the candidates of one 64-position block at buf[i]: bit k of cand
 * is a candidate at i + k, bit k of starts a line begun there, and
 * `before` the lines begun before the block. The vector passes share it.
 */
static inline int report_block(size_t i, uint64_t starts, uint64_t cand, uint64_t before,
                               idg_linestart_fn fn, void *arg)
{
    for (; cand; cand &= cand - 1) {
        unsigned bit = (unsigned)__builtin_ctzll(cand);
        uint64_t upto = bit == 63 ? starts : starts & ((UINT64_C(2) << bit) - 1);
        int r = fn(arg, i + bit, (uint32_t)(before + idg_popcount64(upto)));
        if (r)
            return r;
    }
    return 0;
}

/* The last positions after a vector pass's blocks, byte by byte, from
   buf[i] (i >= 1) with `begun` lines begun before it. */
static inline int scan_tail(const char *buf, size_t i, size_t end, const struct idg_firstbytes *fb,
                            uint64_t begun, idg_linestart_fn fn, void *arg, uint32_t *lines)
{
    for (; i < end; i++) {
        if (buf[i - 1] != '\n')
            continue;
        begun++;
        int r;
        if (in_set(fb, (unsigned char)buf[i]) && (r = fn(arg, i, (uint32_t)begun)) != 0)
            return r;
    }
    *lines = (uint32_t)begun;
    return 0;
}

int idg_linescan_portable(const char *buf, size_t end, const struct idg_firstbytes *fb,
                          idg_linestart_fn fn, void *arg, uint32_t *lines)
{
    bool first[256] = {false};
    for (int k = 0; k < fb->n; k++)
        first[fb->byte[k]] = true;
    if (fb->digits)
        memset(first + '0', true, 10);
    if (end == 0) {
        *lines = 0;
        return 0;
    }
    int r = first[(unsigned char)buf[0]] ? fn(arg, 0, 1) : 0;
    uint32_t n = 1; /* lines begun so far */
    size_t i = 0;
    /* A '\n' at end - 1 begins no line: the words stop before it. */
    for (; r == 0 && i + 8 < end; i += 8) {
        uint64_t w = idg_load8(buf + i);
        for (uint64_t m = idg_zero_bytes(w ^ UINT64_C(0x0a0a0a0a0a0a0a0a)); m && r == 0;
             m &= m - 1) {
            size_t p = i + (size_t)(__builtin_ctzll(m) >> 3) + 1;
            n++;
            if (first[(unsigned char)buf[p]])
                r = fn(arg, p, n);
        }
    }
    for (; r == 0 && i + 1 < end; i++)
        if (buf[i] == '\n' && ++n && first[(unsigned char)buf[i + 1]])
            r = fn(arg, i + 1, n);
    if (r == 0)
        *lines = n;
    return r;
}

#if defined(__x86_64__)

/* Two builds of one loop (linescan_vec.h): 16-byte SSE2 vectors, which every
   x86-64 processor has, and 32-byte AVX2 vectors where the processor has
   them (asked once, of the processor itself: no environment is read). */
#define LS_NAME scan_sse2
#define LS_TARGET
#define LS_V __m128i
#define LS_W 16
#define LS_SET1(x) _mm_set1_epi8((char)(x))
#define LS_ZERO() _mm_setzero_si128()
#define LS_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define LS_EQ(a, b) _mm_cmpeq_epi8((a), (b))
#define LS_OR(a, b) _mm_or_si128((a), (b))
#define LS_AND(a, b) _mm_and_si128((a), (b))
#define LS_ADD8(a, b) _mm_add_epi8((a), (b))
#define LS_SUB8(a, b) _mm_sub_epi8((a), (b))
#define LS_MIN8(a, b) _mm_min_epu8((a), (b))
#define LS_MASK(a) ((uint64_t)(unsigned)_mm_movemask_epi8(a))
#define LS_SAD(a) _mm_sad_epu8((a), _mm_setzero_si128())
#define LS_LANES64(v, out)                                                                         \
    do {                                                                                           \
        (out)[0] = (uint64_t)_mm_cvtsi128_si64(v);                                                 \
        (out)[1] = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64((v), (v)));                      \
    } while (0)
#include "linescan_vec.h"

#define LS_NAME scan_avx2
#define LS_TARGET __attribute__((target("avx2")))
#define LS_V __m256i
#define LS_W 32
#define LS_SET1(x) _mm256_set1_epi8((char)(x))
#define LS_ZERO() _mm256_setzero_si256()
#define LS_LOADU(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define LS_EQ(a, b) _mm256_cmpeq_epi8((a), (b))
#define LS_OR(a, b) _mm256_or_si256((a), (b))
#define LS_AND(a, b) _mm256_and_si256((a), (b))
#define LS_ADD8(a, b) _mm256_add_epi8((a), (b))
#define LS_SUB8(a, b) _mm256_sub_epi8((a), (b))
#define LS_MIN8(a, b) _mm256_min_epu8((a), (b))
#define LS_MASK(a) ((uint64_t)(unsigned)_mm256_movemask_epi8(a))
#define LS_SAD(a) _mm256_sad_epu8((a), _mm256_setzero_si256())
#define LS_LANES64(v, out)                                                                         \
    do {                                                                                           \
        (out)[0] = (uint64_t)_mm256_extract_epi64((v), 0);                                         \
        (out)[1] = (uint64_t)_mm256_extract_epi64((v), 1);                                         \
        (out)[2] = (uint64_t)_mm256_extract_epi64((v), 2);                                         \
        (out)[3] = (uint64_t)_mm256_extract_epi64((v), 3);                                         \
    } while (0)
#include "linescan_vec.h"

/*
 * AVX-512BW: the 64 positions of a block are one vector, and the compares
 * give bit masks directly (no movemask, no byte counters): a line start
 * mask, the candidates within it, a population count. About half the work
 * per block of the AVX2 pass, which the speed of memory in the caches
 * rewards (tests/bench/bench-scan).
 */
__attribute__((target("avx512f,avx512bw,popcnt"))) static inline int
scan_avx512_kinded(const char *buf, size_t end, const struct idg_firstbytes *fb, int kind,
                   idg_linestart_fn fn, void *arg, uint32_t *lines)
{
    int r = in_set(fb, (unsigned char)buf[0]) ? fn(arg, 0, 1) : 0;
    if (r)
        return r;
    const __m512i a = _mm512_set1_epi8((char)fb->byte[0]);
    const __m512i b = _mm512_set1_epi8((char)fb->byte[fb->n > 1 ? 1 : 0]);
    const __m512i nl = _mm512_set1_epi8('\n'), zero = _mm512_set1_epi8('0');
    const __m512i nine = _mm512_set1_epi8(9);
    uint64_t begun = 1;
    size_t i = 1;
    for (; i + 64 <= end; i += 64) {
        __mmask64 s = _mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void *)(buf + i - 1)), nl);
        if (kind != LS_NONE) {
            __m512i v = _mm512_loadu_si512((const void *)(buf + i));
            __mmask64 c =
                _mm512_mask_cmpeq_epi8_mask(s, v, a) | _mm512_mask_cmpeq_epi8_mask(s, v, b);
            if (kind == LS_BYTES_AND_DIGITS)
                c |= _mm512_mask_cmple_epu8_mask(s, _mm512_sub_epi8(v, zero), nine);
            if (__builtin_expect(c != 0, 0) && (r = report_block(i, s, c, begun, fn, arg)) != 0)
                return r;
        }
        begun += (uint64_t)_mm_popcnt_u64(s);
    }
    return scan_tail(buf, i, end, fb, begun, fn, arg, lines);
}

__attribute__((target("avx512f,avx512bw,popcnt"))) static int
scan_avx512(const char *buf, size_t end, const struct idg_firstbytes *fb, idg_linestart_fn fn,
            void *arg, uint32_t *lines)
{
    if (end == 0) {
        *lines = 0;
        return 0;
    }
    /* One specialised copy of the loop per kind of set, as above. */
    if (fb->n == 0 && !fb->digits)
        return scan_avx512_kinded(buf, end, fb, LS_NONE, fn, arg, lines);
    if (!fb->digits)
        return scan_avx512_kinded(buf, end, fb, LS_BYTES, fn, arg, lines);
    struct idg_firstbytes d = *fb;
    if (d.n == 0) {
        d.byte[0] = '0';
        d.n = 1;
    }
    return scan_avx512_kinded(buf, end, &d, LS_BYTES_AND_DIGITS, fn, arg, lines);
}

bool idg_linescan_has(enum idg_linescan_pass pass)
{
    switch (pass) {
    case IDG_PASS_PORTABLE:
    case IDG_PASS_SSE2:
        return true;
    case IDG_PASS_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    case IDG_PASS_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("popcnt");
    }
    return false;
}

int idg_linescan_with(enum idg_linescan_pass pass, const char *buf, size_t end,
                      const struct idg_firstbytes *fb, idg_linestart_fn fn, void *arg,
                      uint32_t *lines)
{
    switch (pass) {
    case IDG_PASS_SSE2:
        return scan_sse2(buf, end, fb, fn, arg, lines);
    case IDG_PASS_AVX2:
        return scan_avx2(buf, end, fb, fn, arg, lines);
    case IDG_PASS_AVX512:
        return scan_avx512(buf, end, fb, fn, arg, lines);
    case IDG_PASS_PORTABLE:
        break;
    }
    return idg_linescan_portable(buf, end, fb, fn, arg, lines);
}

enum idg_linescan_pass idg_linescan_best(void)
{
    static int best = -1; /* racing threads store the same value */
    if (best < 0)
        best = idg_linescan_has(IDG_PASS_AVX512) ? IDG_PASS_AVX512
               : idg_linescan_has(IDG_PASS_AVX2) ? IDG_PASS_AVX2
                                                 : IDG_PASS_SSE2;
    return (enum idg_linescan_pass)best;
}

#else

bool idg_linescan_has(enum idg_linescan_pass pass)
{
    return pass == IDG_PASS_PORTABLE;
}

int idg_linescan_with(enum idg_linescan_pass pass, const char *buf, size_t end,
                      const struct idg_firstbytes *fb, idg_linestart_fn fn, void *arg,
                      uint32_t *lines)
{
    (void)pass;
    return idg_linescan_portable(buf, end, fb, fn, arg, lines);
}

enum idg_linescan_pass idg_linescan_best(void)
{
    return IDG_PASS_PORTABLE;
}

#endif

int idg_linescan(const char *buf, size_t end, const struct idg_firstbytes *fb, idg_linestart_fn fn,
                 void *arg, uint32_t *lines)
{
    return idg_linescan_with(idg_linescan_best(), buf, end, fb, fn, arg, lines);
}

const char *idg_linescan_name(enum idg_linescan_pass pass)
{
    switch (pass) {
    case IDG_PASS_SSE2:
        return "SSE2";
    case IDG_PASS_AVX2:
        return "AVX2";
    case IDG_PASS_AVX512:
        return "AVX-512BW";
    case IDG_PASS_PORTABLE:
        break;
    }
    return "portable";
}
