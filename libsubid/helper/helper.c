/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * newuidmap/newgidmap, in this order (SECURITY.md says why each step is where it is):
 *   1. sanitize fds, environment, umask          (posture.c)
 *   2. drop to the caller, keep one capability   (posture.c)
 *   3. parse argv; the passwd entry and the sources: here when they are
 *      root's files alone, else in a child without capabilities (gather.c)
 *   4. open the target once, gather its facts    (target.c)
 *   5. decide                                    (../decide.c)
 *   6. the audit line, sent before anything is written (audit.c)
 *   7. newgidmap: setgroups "deny" if needed     (mapwrite.c)
 *   8. one write of the whole map                (mapwrite.c)
 * Nothing is read or parsed before step 2 except argv[1], to learn which fd
 * to keep; the only file opened is /dev/null, for a closed fd 0-2. Right
 * after step 2, before the target or any file is opened, the log socket is
 * connected, so that no fd limit leaves it without a slot; every refusal
 * sends its line before it prints (die()), and a grant's line goes out
 * before the write, or nothing is written.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../allotment.h"
#include "../explain.h"
#include "../request.h"
#include "../userns.h"
#include "audit.h"
#include "config.h"
#include "gather.h"
#include "mapwrite.h"
#include "posture.h"
#include "target.h"

#define MSG_MAX 2048

struct run {
    enum idg_kind kind;
    const char *prog;
    struct idg_posture posture;
    struct idg_audit audit;
    bool logged_grant; /* the "allowed" line went out: a failure now is "not written" */
    char target_text[64];
};

static struct run run; /* for die(): one call, one audit line */

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* The line first: printing can fail or kill (RLIMIT_FSIZE on a stderr
     * that is a file, before SIGXFSZ was ignored; a signal meanwhile). */
    idg_audit_log(&run.audit, run.logged_grant ? IDG_AUDIT_UNWRITTEN : IDG_AUDIT_REFUSED, msg);
    fprintf(stderr, "%s: %s\n", run.prog, msg);
    exit(EXIT_FAILURE);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: %s PID|fd:N INSIDE OUTSIDE COUNT [INSIDE OUTSIDE COUNT]...\n"
            "Write the %s of a process in a new user namespace that you own.\n"
            "\n"
            "  PID       the target process; or fd:N, an inherited fd that is an\n"
            "            open /proc/PID directory or a pidfd\n"
            "  INSIDE    first %s inside the namespace\n"
            "  OUTSIDE   first %s outside it: your own %s (COUNT 1), or ids allotted to\n"
            "            you in %s\n"
            "  COUNT     how many ids\n"
            "\n"
            "  -h, --help     show this help\n"
            "  -V, --version  show the version\n"
            "\n"
            "See %s(1).\n",
            run.prog, idg_map_file(run.kind), idg_kind_str(run.kind), idg_kind_str(run.kind),
            idg_kind_str(run.kind), run.kind == IDG_KIND_UID ? IDG_SUBUID : IDG_SUBGID, run.prog);
}

/* In a nested container, a refusal names the namespace: its map, or NULL
 * in the initial namespace. */
static const char *nested_map(enum idg_kind kind)
{
    static char map[128];
    struct idg_userns u;
    if (idg_userns_read(kind == IDG_KIND_UID ? "/proc/self/uid_map" : "/proc/self/gid_map", &u) <
            0 ||
        u.initial)
        return NULL;
    return idg_userns_format(map, sizeof(map), &u);
}

int idg_helper_main(enum idg_kind kind, int argc, char **argv)
{
    run.kind = kind;
    run.prog = kind == IDG_KIND_UID ? "newuidmap" : "newgidmap";
    run.audit.prog = run.prog;

    /* 1. Only argv[1] is looked at first, and only to keep an fd:N open. */
    struct idg_target_arg targ = {0};
    int targ_rc = argc > 1 ? idg_parse_target(argv[1], &targ) : -EINVAL;
    if (idg_sanitize_process(targ_rc == 0 && targ.is_fd ? (int)targ.value : -1) < 0) {
        fprintf(stderr, "%s: cannot set up a clean process (fds, environment); refusing to run\n",
                run.prog);
        return EXIT_FAILURE;
    }

    /* 2. Privilege posture, before any file is read. */
    int rc = idg_drop_privileges(kind == IDG_KIND_UID ? CAP_SETUID : CAP_SETGID, &run.posture);
    run.audit.uid = run.posture.uid;
    /* The log socket, before anything else takes an fd (the target, a
     * source). Failing here is not yet a refusal: it is tried again when
     * the line is sent, and only a grant that cannot be logged is refused. */
    idg_audit_open();
    if (rc < 0)
        die("cannot drop privileges safely (%s); refusing to run", strerror(-rc));

    /* No PID begins with '-', so these cannot hide a target. */
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return EXIT_SUCCESS;
    }
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("%s (idgate) %s\n", run.prog, IDG_VERSION);
        return EXIT_SUCCESS;
    }
    if (argc > 1)
        idg_sanitize(run.target_text, sizeof(run.target_text), argv[1]);
    run.audit.target = run.target_text;

    char msg[MSG_MAX];
    if (run.posture.priv != IDG_PRIV_OK)
        die("%s", idg_priv_problem(msg, sizeof(msg), run.prog, &run.posture));

    /* 3. Arguments. */
    if (argc < 5 || (argc - 2) % 3 != 0)
        die("expected PID|fd:N followed by INSIDE OUTSIDE COUNT triples, got %d argument%s; "
            "see --help",
            argc - 1, argc == 2 ? "" : "s");
    if (targ_rc < 0)
        die("'%s' is not a process: give a decimal pid from 1 to %u, or fd:N", run.target_text,
            IDG_PID_MAX);
    size_t n = (size_t)(argc - 2) / 3;
    struct idg_extent *ext = calloc(n, sizeof(*ext));
    struct idg_grant *grants = calloc(n, sizeof(*grants));
    if (!ext || !grants)
        die("out of memory for %zu ranges", n);
    struct idg_arg_error aerr;
    if (idg_parse_extents(argv + 2, n, ext, &aerr) < 0)
        die("%s", idg_arg_error_str(msg, sizeof(msg), &aerr));
    run.audit.ext = ext;
    run.audit.n_ext = n;
    /* CAP_SETFCAP matters only for a uid map of host id 0 (Linux >= 5.12),
       which only root may have. */
    bool keep_setfcap = run.posture.uid == 0 && idg_maps_host_root(ext, n);
    if (!keep_setfcap && idg_drop_setfcap(&run.posture) < 0)
        die("cannot drop CAP_SETFCAP; refusing to continue");

    /* ...and the passwd entry and the sources (gather.c says where). */
    struct idg_gathered g;
    if (idg_gather(run.prog, kind, run.posture.uid, &g, msg, sizeof(msg)) < 0)
        die("%s", msg);
    const char *name = g.name;
    run.audit.name = name;
    struct idg_caller caller = {.uid = run.posture.uid, .gid = run.posture.gid};
    if (kind == IDG_KIND_UID) {
        caller.own[caller.n_own++] = run.posture.uid;
    } else {
        caller.own[caller.n_own++] = run.posture.gid;
        if (g.has_pw && g.pw_gid != run.posture.gid)
            caller.own[caller.n_own++] = g.pw_gid;
    }
    struct idg_allotments allot = g.allot;
    const char *where = g.where;
    run.audit.allot = allot.v;
    run.audit.n_allot = allot.n;

    /* 4. The target, once. */
    struct idg_target_fd tfd;
    struct idg_target facts;
    if (idg_target_open(&targ, &tfd, msg, sizeof(msg)) < 0 ||
        idg_target_facts(&tfd, kind, &facts, msg, sizeof(msg)) < 0)
        die("%s", msg);
    if (targ.is_fd) /* the audit line names the process, not just the fd */
        snprintf(run.target_text, sizeof(run.target_text), "fd:%u (pid %u)", targ.value, tfd.pid);

    /* 5. Decide. */
    struct idg_verdict v;
    idg_decide(&caller, &facts, ext, n, allot.v, allot.n, &v, grants);
    if (v.code != IDG_ALLOW) {
        struct idg_explain x = {.kind = kind,
                                .name = name,
                                .caller = &caller,
                                .pid = tfd.pid,
                                .target = &facts,
                                .ext = ext,
                                .n_ext = n,
                                .allot = allot.v,
                                .n_allot = allot.n,
                                .where = where,
                                .lookup_err = g.lookup_err,
                                .passwd_sources = g.passwd_sources,
                                .userns_map = nested_map(kind)};
        die("%s", idg_explain(msg, sizeof(msg), &x, &v));
    }

    long page = sysconf(_SC_PAGESIZE);
    char *text = malloc((size_t)page);
    if (!text)
        die("out of memory");
    int len = idg_map_format(text, (size_t)page, ext, n);
    if (len < 0)
        die("the map is longer than the kernel takes in one write (%ld bytes); use fewer ranges",
            page - 1);

    /* The pid of a pidfd must still be that process right before writing. */
    if (!idg_target_alive(&tfd)) {
        idg_target_exited_msg(&tfd, kind, msg, sizeof(msg));
        die("%s", msg);
    }

    /* 6. The audit line, before anything is written: a kill after the write
     * cannot hide the grant, and a grant no log records is not made. */
    run.audit.grants = grants;
    rc = idg_audit_log(&run.audit, IDG_AUDIT_ALLOWED, NULL);
    if (rc < 0)
        die("cannot send the audit line to the system log at %s (%s); nothing was written, as "
            "every map must be logged; start the system logger (systemd-journald or rsyslog) "
            "and try again",
            IDG_AUDIT_PATH, strerror(-rc));
    run.logged_grant = true;

    /* 7. CVE-2018-7169: without a subgid grant, the namespace may not setgroups. */
    if (kind == IDG_KIND_GID && !v.via_allotment &&
        idg_write_setgroups_deny(&tfd, msg, sizeof(msg)) < 0)
        die("%s", msg);

    /* 8. One write. */
    if (idg_write_map(&tfd, kind, &run.posture, text, (size_t)len, msg, sizeof(msg)) < 0)
        die("%s", msg);

    idg_target_close(&tfd);
    free(text);
    idg_gathered_free(&g);
    free(ext);
    free(grants);
    return EXIT_SUCCESS;
}
