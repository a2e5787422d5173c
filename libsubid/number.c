/* SPDX-License-Identifier: BSD-3-Clause */
#include "number.h"

#include <errno.h>
#include <string.h>

int idg_parse_u32n(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    const char *p = s;
    uint32_t v;
    int rc = idg_scan_u32(&p, s + len, max, &v);
    if (p != s + len)
        return -EINVAL; /* something other than a digit */
    if (rc == 0)
        *out = v;
    return rc;
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
