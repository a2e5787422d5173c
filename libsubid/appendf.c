/* SPDX-License-Identifier: BSD-3-Clause */
#include "appendf.h"

#include <stdarg.h>
#include <stdio.h>

void idg_appendf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    if (*pos + 1 >= len) { /* full: still leave it terminated */
        if (len > 0)
            buf[*pos < len ? *pos : len - 1] = '\0';
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = (size_t)n >= len - *pos ? len - 1 : *pos + (size_t)n;
}
