/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one number parser of idgate.
 *
 * Rules it keeps (user_namespaces(7), newuidmap(1)):
 *  - base 10 only: no sign, no whitespace, no "0x", no leading zero
 *    ("0" itself is fine), at least one digit;
 *  - the value fits in uint32_t and is <= the caller's maximum.
 * Everything that reads an id or a count, from argv or from a file, goes
 * through here, so "010" can never mean 8 and "-1" can never mean 4294967295.
 */
#ifndef IDGATE_NUMBER_H
#define IDGATE_NUMBER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "swar.h"

/* The largest valid id: (uid_t)-1 means "no id" to the kernel. */
#define IDG_ID_MAX UINT32_C(4294967294)
/* The largest count: 0 + 4294967295 reaches the end of the id space. */
#define IDG_COUNT_MAX UINT32_C(4294967295)

/*
 * Read the run of digits at *p (before end) as a decimal in [0, max]: *p
 * moves past every digit of the run. 0 with *out set; -EINVAL for no digit
 * or a leading zero; -ERANGE for more than 10 digits or a value above max.
 * This is the reference; idg_scan_u32() gives the same answers faster.
 */
static inline int idg_scan_u32_bytes(const char **p, const char *end, uint32_t max, uint32_t *out)
{
    const char *s = *p, *q = s;
    uint64_t v = 0;
    for (; q < end && (unsigned)(unsigned char)*q - '0' <= 9; q++)
        if (q - s < 10)
            v = v * 10 + (unsigned)(unsigned char)*q - '0'; /* 10 digits cannot wrap */
    *p = q;
    if (q == s || (*s == '0' && q - s > 1))
        return -EINVAL; /* "007" is refused, not read as 7 (or as octal 7) */
    if (q - s > 10 || v > max)
        return -ERANGE;
    *out = (uint32_t)v;
    return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The value of 8 digits in a word (as idg_load8 gives them, minus '0'). */
static inline uint64_t idg_value8(uint64_t t)
{
    t = ((t & UINT64_C(0x0f0f0f0f0f0f0f0f)) * 2561) >> 8;
    t = ((t & UINT64_C(0x00ff00ff00ff00ff)) * 6553601) >> 16;
    return ((t & UINT64_C(0x0000ffff0000ffff)) * UINT64_C(42949672960001)) >> 32;
}
#endif

/*
 * idg_scan_u32_bytes() with up to 16 digits read as two words, where 16
 * bytes can be read at *p (a file reader calls it for every field of every
 * line; the fuzz harness and the unit tests hold it to the reference).
 */
static inline __attribute__((always_inline)) int idg_scan_u32(const char **p, const char *end,
                                                              uint32_t max, uint32_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const char *s = *p;
    if (end - s >= 16) {
        uint64_t x = idg_load8(s), m = idg_nondigits(x);
        unsigned n = m ? (unsigned)__builtin_ctzll(m) / 8 : 8;
        if (n == 8) {
            uint64_t m2 = idg_nondigits(idg_load8(s + 8));
            n = m2 ? 8 + (unsigned)__builtin_ctzll(m2) / 8 : 16;
        }
        if (n < 16) { /* else: let the bytes reader find the run's end */
            *p = s + n;
            if (n == 0 || (*s == '0' && n > 1))
                return -EINVAL;
            if (n > 10)
                return -ERANGE;
            uint64_t t = x ^ UINT64_C(0x3030303030303030), v;
            if (n <= 8) {
                v = idg_value8(t << (8 * (8 - n)));
            } else {
                v = idg_value8(t);
                for (unsigned k = 8; k < n; k++)
                    v = v * 10 + (unsigned)(unsigned char)s[k] - '0';
            }
            if (v > max)
                return -ERANGE;
            *out = (uint32_t)v;
            return 0;
        }
    }
#endif
    return idg_scan_u32_bytes(p, end, max, out);
}

/*
 * Parse exactly `len` bytes at `s` (no NUL needed) as a decimal in [0, max].
 * Returns 0 and sets *out, -EINVAL for anything that is not a plain decimal,
 * -ERANGE for a plain decimal above max. *out is untouched on error.
 */
int idg_parse_u32n(const char *s, size_t len, uint32_t max, uint32_t *out);

/* The same for a NUL-terminated string. */
int idg_parse_u32(const char *s, uint32_t max, uint32_t *out);

/* Write `v` in decimal to buf (at least 11 bytes); returns the length. */
size_t idg_format_u32(char buf[static 11], uint32_t v);

#endif
