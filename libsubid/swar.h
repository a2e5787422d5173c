/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Eight bytes in a word at a time: the byte tests that the number parser
 * and the portable passes of the line scans share. Each works on a word as
 * idg_load8() gives it, byte 0 in the low bits, and marks a byte by the
 * high bit of that byte.
 */
#ifndef IDGATE_SWAR_H
#define IDGATE_SWAR_H

#include <stdint.h>
#include <string.h>

/* Eight bytes at p as a word, the first in the low byte. */
static inline uint64_t idg_load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof(x));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

/* One in the high bit of each byte of x that is zero, and nowhere else
   (exact for every byte: no carry crosses from one byte to the next). */
static inline uint64_t idg_zero_bytes(uint64_t x)
{
    const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
    return ~(((x & low7) + low7) | x | low7);
}

/* The high bit of each byte of x that is not '0'..'9': exact for every
   byte when no byte has its high bit set (a digit xor '0' is 0..9, and
   0x76 added to anything else below 0x80 sets the high bit); otherwise
   exact up to the first such byte, which is all the number parser uses,
   since a carry may flag the bytes after it. */
static inline uint64_t idg_nondigits(uint64_t x)
{
    uint64_t t = x ^ UINT64_C(0x3030303030303030);
    return ((t + UINT64_C(0x7676767676767676)) | t) & UINT64_C(0x8080808080808080);
}

/* The high bits of the eight bytes of m (as idg_zero_bytes gives them) as
   eight bits, byte 0's lowest: each lands on its own bit of the top byte. */
static inline unsigned idg_high_bits8(uint64_t m)
{
    return (unsigned)(((m >> 7) * UINT64_C(0x0102040810204080)) >> 56);
}

#endif
