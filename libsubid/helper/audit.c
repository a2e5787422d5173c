/* SPDX-License-Identifier: BSD-3-Clause */
#include "audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

/* Long enough for 340 extents with their grants. */
#define LINE_MAX_BYTES 32768

static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    if (*pos + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = (size_t)n >= len - *pos ? len - 1 : *pos + (size_t)n;
}

void idg_audit_log(const struct idg_audit *a, bool allowed, const char *reason)
{
    static char line[LINE_MAX_BYTES];
    size_t pos = 0;
    put(line, sizeof(line), &pos, "caller uid %u (%s) target %s map", a->uid,
        a->name ? a->name : "?", a->target ? a->target : "?");
    for (size_t i = 0; i < a->n_ext; i++) {
        put(line, sizeof(line), &pos, "%s %u %u %u", i ? "," : "", a->ext[i].inside,
            a->ext[i].outside, a->ext[i].count);
        if (allowed && a->grants) {
            const struct idg_grant *g = &a->grants[i];
            if (g->own_id)
                put(line, sizeof(line), &pos, " (own id)");
            else if (g->allotment < a->n_allot)
                put(line, sizeof(line), &pos, " (%s:%u)", a->allot[g->allotment].source,
                    a->allot[g->allotment].line);
        }
    }
    if (a->n_ext == 0)
        put(line, sizeof(line), &pos, " -");
    put(line, sizeof(line), &pos, ": %s%s%s", allowed ? "allowed" : "refused", reason ? ": " : "",
        reason ? reason : "");
    openlog(a->prog, LOG_PID, LOG_AUTHPRIV);
    syslog(LOG_AUTHPRIV | (allowed ? LOG_INFO : LOG_NOTICE), "%s", line);
    closelog();
}
