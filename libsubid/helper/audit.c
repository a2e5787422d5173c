/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "audit.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../appendf.h"
#include "../explain.h"

/* Long enough for 340 extents with their grants. */
#define LINE_MAX_BYTES 32768

static int log_fd = -1;
static int log_type; /* SOCK_DGRAM, or SOCK_STREAM for a stream /dev/log */

/* The reader child (gather.c) has no line to send: it keeps no socket. */
static void close_in_child(void)
{
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
}

static int try_connect(int type)
{
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, IDG_AUDIT_PATH, sizeof(IDG_AUDIT_PATH));
    if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int idg_audit_open(void)
{
    static bool registered;
    if (!registered && pthread_atfork(NULL, NULL, close_in_child) == 0)
        registered = true;
    if (log_fd >= 0)
        return 0;
    int fd = try_connect(SOCK_DGRAM);
    log_type = SOCK_DGRAM;
    if (fd == -EPROTOTYPE) { /* as glibc's syslog(): a stream socket */
        fd = try_connect(SOCK_STREAM);
        log_type = SOCK_STREAM;
    }
    if (fd < 0)
        return fd;
    log_fd = fd;
    return 0;
}

static int send_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = send(log_fd, buf, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        if (log_type == SOCK_DGRAM && (size_t)w != len)
            return -EMSGSIZE;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* One try, and one more on a fresh socket (the logger may have restarted). */
static int send_line(const char *buf, size_t len)
{
    int rc = -EBADF;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (attempt > 0 && log_fd >= 0) {
            close(log_fd);
            log_fd = -1;
        }
        rc = idg_audit_open();
        if (rc == 0)
            /* A stream logger reads up to a NUL, as glibc sends it. */
            rc = send_all(buf, log_type == SOCK_STREAM ? len + 1 : len);
        if (rc == 0)
            return 0;
    }
    return rc;
}

int idg_audit_log(const struct idg_audit *a, enum idg_audit_outcome what, const char *reason)
{
    static char line[LINE_MAX_BYTES];
    bool allowed = what == IDG_AUDIT_ALLOWED;
    size_t pos = 0;
    /* The header glibc's syslog() writes: <PRI>TIMESTAMP TAG[PID]: */
    char stamp[32] = "";
    struct tm tm;
    time_t now = time(NULL);
    if (localtime_r(&now, &tm))
        strftime(stamp, sizeof(stamp), "%h %e %T", &tm);
    idg_appendf(line, sizeof(line), &pos,
                "<%d>%s %s[%d]: ", LOG_AUTHPRIV | (allowed ? LOG_INFO : LOG_NOTICE), stamp, a->prog,
                (int)getpid());
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
    static const char *const words[] = {"allowed", "refused", "not written"};
    idg_appendf(line, sizeof(line), &pos, ": %s%s%s", words[what], reason ? ": " : "",
                reason ? reason : "");
    return send_line(line, pos);
}
