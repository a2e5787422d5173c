/* SPDX-License-Identifier: BSD-3-Clause */
#include "number.h"

#include <errno.h>
#include <string.h>

int idg_parse_u32n(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    if (len == 0)
        return -EINVAL;
    /* One pass: each digit checked as it is added (at most 10 digits in
       64 bits: cannot wrap). */
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && i < 10; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return -EINVAL;
        v = v * 10 + d;
    }
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
    if (s[0] == '0' && len > 1)
        return -EINVAL; /* "007" is refused, not read as 7 (or as octal 7) */
    if (len > 10 || v > max)
        return -ERANGE; /* a plain decimal, but more than 32 bits */
    *out = (uint32_t)v;
    return 0;
}

int idg_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    return idg_parse_u32n(s, strlen(s), max, out);
}

size_t idg_format_u32(char buf[static 11], uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}
