/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "userns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appendf.h"
#include "readfile.h"

#define OVERFLOW_UID 65534 /* /proc/sys/kernel/overflowuid's default */

int idg_userns_read(const char *path, struct idg_userns *u)
{
    *u = (struct idg_userns){.initial = true};
    char *text;
    size_t len;
    /* uid_map has no size in stat: idg_read_fd grows its buffer. */
    int rc = idg_read_small(path ? path : "/proc/self/uid_map", 64u << 10, &text, &len);
    if (rc < 0)
        return rc;
    u->initial = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long in, out, count;
        if (sscanf(line, "%lu %lu %lu", &in, &out, &count) != 3 || in > UINT32_MAX ||
            out > UINT32_MAX || count > UINT32_MAX)
            continue;
        if (u->n < IDG_USERNS_KEEP)
            u->ext[u->n++] = (struct idg_extent){(uint32_t)in, (uint32_t)out, (uint32_t)count};
        u->total++;
    }
    u->initial = u->total == 1 && u->ext[0].inside == 0 && u->ext[0].outside == 0 &&
                 u->ext[0].count == UINT32_MAX;
    free(text);
    return 0;
}

bool idg_userns_maps(const struct idg_userns *u, uint32_t uid)
{
    if (u->initial)
        return true;
    for (size_t i = 0; i < u->n; i++)
        if (uid >= u->ext[i].inside && uid - u->ext[i].inside < u->ext[i].count)
            return true;
    return u->total > u->n; /* not all kept: cannot tell, so say mapped */
}

bool idg_userns_unmapped_owner(const struct idg_userns *u, uint32_t uid)
{
    return !u->initial && (uid == OVERFLOW_UID || !idg_userns_maps(u, uid));
}

const char *idg_userns_format(char *buf, size_t len, const struct idg_userns *u)
{
    size_t pos = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < u->n; i++)
        idg_appendf(buf, len, &pos, "%s%u %u %u", i ? ", " : "", u->ext[i].inside,
                    u->ext[i].outside, u->ext[i].count);
    if (u->total > u->n)
        idg_appendf(buf, len, &pos, ", ...");
    if (u->total == 0)
        idg_appendf(buf, len, &pos, "empty: no uid is mapped");
    return buf;
}
