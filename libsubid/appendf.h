/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IDGATE_APPENDF_H
#define IDGATE_APPENDF_H

#include <stddef.h>

/* printf at buf + *pos, never past len, the result always NUL-terminated;
 * *pos advances by what fitted. Messages are built piece by piece with it. */
__attribute__((format(printf, 4, 5))) void idg_appendf(char *buf, size_t len, size_t *pos,
                                                       const char *fmt, ...);

#endif
