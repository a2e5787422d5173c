/* SPDX-License-Identifier: BSD-3-Clause */
/* For the line-scan harnesses: the input's complete lines, copied. */
#ifndef IDGATE_FUZZ_LINES_H
#define IDGATE_FUZZ_LINES_H

#include <stdlib.h>
#include <string.h>

/* A private copy of text up to its last '\n' (*end bytes, maybe 0), so
   that ASan sees a scan read past the end; NULL if out of memory. */
static inline char *complete_lines_copy(const char *text, size_t size, size_t *end)
{
    while (size && text[size - 1] != '\n')
        size--;
    char *buf = malloc(size ? size : 1);
    if (buf)
        memcpy(buf, text, size);
    *end = size;
    return buf;
}

#endif
