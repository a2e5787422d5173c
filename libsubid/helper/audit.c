/* SPDX-License-Identifier: BSD-3-Clause */
#include "audit.h"

#include <stdio.h>
#include <syslog.h>

#include "../appendf.h"
#include "../explain.h"

/* Long enough for 340 extents with their grants. */
#define LINE_MAX_BYTES 32768

void idg_audit_log(const struct idg_audit *a, bool allowed, const char *reason)
{
    static char line[LINE_MAX_BYTES];
    size_t pos = 0;
    idg_appendf(line, sizeof(line), &pos, "caller uid %u (%s) target %s map", a->uid,
                a->name ? a->name : "?", a->target ? a->target : "?");
    for (size_t i = 0; i < a->n_ext; i++) {
        idg_appendf(line, sizeof(line), &pos, "%s %u %u %u", i ? "," : "", a->ext[i].inside,
                    a->ext[i].outside, a->ext[i].count);
        if (allowed && a->grants) {
            const struct idg_grant *g = &a->grants[i];
            if (g->own_id)
                idg_appendf(line, sizeof(line), &pos, " (own id)");
            else if (g->allotment < a->n_allot) {
                idg_appendf(line, sizeof(line), &pos, " (");
                idg_allotment_origin(line, sizeof(line), &pos, &a->allot[g->allotment]);
                idg_appendf(line, sizeof(line), &pos, ")");
            }
        }
    }
    if (a->n_ext == 0)
        idg_appendf(line, sizeof(line), &pos, " -");
    idg_appendf(line, sizeof(line), &pos, ": %s%s%s", allowed ? "allowed" : "refused",
                reason ? ": " : "", reason ? reason : "");
    openlog(a->prog, LOG_PID, LOG_AUTHPRIV);
    syslog(LOG_AUTHPRIV | (allowed ? LOG_INFO : LOG_NOTICE), "%s", line);
    closelog();
}
