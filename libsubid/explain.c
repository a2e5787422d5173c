/* SPDX-License-Identifier: BSD-3-Clause */
#include "explain.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "appendf.h"
#include "config.h"

/* How many allotments a message lists before "and N more". */
#define LIST_MAX 3

const char *idg_kind_str(enum idg_kind k)
{
    return k == IDG_KIND_UID ? "uid" : "gid";
}

int idg_extent_format(char *buf, size_t len, struct idg_extent e)
{
    char in[IDG_RANGE_STRLEN], out[IDG_RANGE_STRLEN];
    idg_range_format(in, sizeof(in), idg_extent_inside(e));
    idg_range_format(out, sizeof(out), idg_extent_outside(e));
    return snprintf(buf, len, "%s -> %s", in, out);
}

static void who(char *buf, size_t len, size_t *pos, const struct idg_explain *x)
{
    if (x->name)
        idg_appendf(buf, len, pos, "%s (uid %u)", x->name, x->caller->uid);
    else
        idg_appendf(buf, len, pos, "uid %u", x->caller->uid);
}

size_t idg_explain_allotments(char *buf, size_t len, const struct idg_explain *x)
{
    size_t pos = 0;
    if (len)
        buf[0] = '\0';
    if (x->name)
        idg_appendf(buf, len, &pos, "%s", x->name);
    else
        idg_appendf(buf, len, &pos, "uid %u", x->caller->uid);
    if (x->n_allot == 0) {
        idg_appendf(buf, len, &pos, " has no %s ranges in %s; ask an administrator to allot some",
                    idg_kind_str(x->kind), x->where);
        return pos;
    }
    idg_appendf(buf, len, &pos, " has");
    for (size_t i = 0; i < x->n_allot && i < LIST_MAX; i++) {
        char r[IDG_RANGE_STRLEN];
        idg_range_format(r, sizeof(r), x->allot[i].range);
        idg_appendf(buf, len, &pos, "%s %s in ", i ? "," : "", r);
        idg_allotment_origin(buf, len, &pos, &x->allot[i]);
    }
    if (x->n_allot > LIST_MAX)
        idg_appendf(buf, len, &pos, " and %zu more", x->n_allot - LIST_MAX);
    return pos;
}

void idg_allotment_origin(char *buf, size_t len, size_t *pos, const struct idg_allotment *a)
{
    /* A file names its line; a module (no line) is named as a source. */
    if (!a->line) {
        idg_appendf(buf, len, pos, "source %s", a->source);
        return;
    }
    idg_appendf(buf, len, pos, "%s:%u", a->source, a->line);
    if (a->window)
        idg_appendf(buf, len, pos, ", window %u-%u", a->first, a->last);
}

const char *idg_explain(char *buf, size_t len, const struct idg_explain *x,
                        const struct idg_verdict *v)
{
    const char *k = idg_kind_str(x->kind);
    const struct idg_target *t = x->target;
    const struct idg_caller *c = x->caller;
    char e1[2 * IDG_RANGE_STRLEN + 8] = "", e2[sizeof(e1)] = "";
    size_t pos = 0;
    if (len)
        buf[0] = '\0';
    if (v->extent < x->n_ext)
        idg_extent_format(e1, sizeof(e1), x->ext[v->extent]);

    switch (v->code) {
    case IDG_ALLOW:
        idg_appendf(buf, len, &pos, "allowed");
        break;
    case IDG_DENY_NO_EXTENTS:
        idg_appendf(buf, len, &pos, "no INSIDE OUTSIDE COUNT triple given");
        break;
    case IDG_DENY_TOO_MANY:
        idg_appendf(buf, len, &pos, "%zu ranges given; the kernel accepts at most %d per map",
                    x->n_ext, IDG_MAX_EXTENTS);
        break;
    case IDG_DENY_TARGET_UID:
        idg_appendf(buf, len, &pos,
                    "process %u belongs to uid %u, not to you (uid %u); you may only map your own "
                    "processes",
                    x->pid, t->uid, c->uid);
        break;
    case IDG_DENY_TARGET_GID:
        idg_appendf(buf, len, &pos,
                    "process %u runs with gid %u, not your gid %u; start it with your own group",
                    x->pid, t->gid, c->gid);
        break;
    case IDG_DENY_SAME_NS:
        idg_appendf(buf, len, &pos,
                    "process %u is not in a new user namespace (it shares yours); start it with "
                    "unshare -U or clone(CLONE_NEWUSER)",
                    x->pid);
        break;
    case IDG_DENY_NOT_CHILD:
        idg_appendf(buf, len, &pos,
                    "process %u is not in a direct child of your user namespace; the kernel lets "
                    "only the parent namespace write its map",
                    x->pid);
        break;
    case IDG_DENY_NS_OWNER:
        if (t->ns_hidden) {
            /* Its owner cannot be named: NS_GET_OWNER_UID needs an fd of
               the namespace, and the kernel refuses one (ptrace rules). */
            idg_appendf(buf, len, &pos,
                        "process %u is yours (uid %u) and dumpable, but its user namespace is "
                        "not: another user created it (or you did, from outside your user "
                        "namespace), so the kernel does not let you inspect it or write its "
                        "maps; start the process in a user namespace that you create (unshare "
                        "-U, clone(CLONE_NEWUSER))",
                        x->pid, c->uid);
            break;
        }
        idg_appendf(buf, len, &pos,
                    "the user namespace of process %u was created by uid %u, not by you (uid %u)",
                    x->pid, t->ns_owner, c->uid);
        break;
    case IDG_DENY_MAP_WRITTEN:
        idg_appendf(buf, len, &pos,
                    "%s_map of process %u was already written (the kernel allows one write)", k,
                    x->pid);
        break;
    case IDG_DENY_INSIDE_OVERLAP:
    case IDG_DENY_OUTSIDE_OVERLAP: {
        bool in = v->code == IDG_DENY_INSIDE_OVERLAP;
        struct idg_extent a = x->ext[v->extent], b = x->ext[v->other];
        char ra[IDG_RANGE_STRLEN], rb[IDG_RANGE_STRLEN];
        idg_range_format(ra, sizeof(ra), in ? idg_extent_inside(a) : idg_extent_outside(a));
        idg_range_format(rb, sizeof(rb), in ? idg_extent_inside(b) : idg_extent_outside(b));
        idg_appendf(buf, len, &pos,
                    "%s ranges overlap: %s and %s (triples %zu and %zu); each id may be "
                    "mapped once",
                    in ? "inside" : "outside", ra, rb, v->extent + 1, v->other + 1);
        break;
    }
    case IDG_DENY_HOST_ROOT:
        if (x->userns_map) /* id 0 here is this namespace's root, not the host's */
            idg_appendf(buf, len, &pos,
                        "%s range %s maps %s 0, the root of the user namespace this runs in, "
                        "which only that root may do (it would let the new namespace create "
                        "files owned by it); map your own %s or an allotted range instead",
                        k, e1, k, k);
        else
            idg_appendf(
                buf, len, &pos,
                "%s range %s maps host %s 0, which only root may do (it would let the namespace "
                "create files owned by host root); map your own %s or an allotted range instead",
                k, e1, k, k);
        break;
    case IDG_DENY_NOT_ALLOTTED:
    case IDG_DENY_PARTLY_ALLOTTED: {
        idg_appendf(buf, len, &pos, "%s range %s is %sallotted to ", k, e1,
                    v->code == IDG_DENY_NOT_ALLOTTED ? "not " : "only partly ");
        who(buf, len, &pos, x);
        if (v->code == IDG_DENY_PARTLY_ALLOTTED) {
            idg_range_format(e2, sizeof(e2), v->gap);
            idg_appendf(buf, len, &pos, " (%s is not)", e2);
        }
        idg_appendf(buf, len, &pos, "; ");
        if (x->lookup_err) {
            /* Not "has no ranges": lines naming the account were not matched. */
            idg_appendf(
                buf, len, &pos,
                "the passwd database could not be asked who uid %u is (passwd: %s in "
                "%s failed: %s), so lines of %s that name the account were not "
                "matched; try again when that source answers%s, or ask an administrator "
                "to check the passwd: line",
                c->uid, x->passwd_sources ? x->passwd_sources : "?", IDG_NSSWITCH,
                strerror(x->lookup_err), x->where,
                x->passwd_sources && strstr(x->passwd_sources, "sss") ? " (is sssd running?)" : "");
            if (x->n_allot) {
                idg_appendf(buf, len, &pos, "; ");
                pos += idg_explain_allotments(buf + pos, len - pos, x);
            }
            break; /* the switch: the namespace note follows */
        }
        pos += idg_explain_allotments(buf + pos, len - pos, x);
        break;
    }
    }
    /* Nested: every id above is this namespace's, and so are its files. */
    if (v->code != IDG_ALLOW && x->userns_map)
        idg_appendf(buf, len, &pos,
                    " (in a user namespace: ids, files and users are as it sees them; its %s_map: "
                    "%s)",
                    k, x->userns_map);
    return buf;
}

const char *idg_explain_hidden_target(char *buf, size_t len, uint32_t pid, int err)
{
    snprintf(buf, len,
             "process %u exists but cannot be accessed: opening /proc/%u fails (%s), as /proc "
             "mounted with hidepid=%s does for other users' processes; you may only map "
             "processes of your own: pass the pid of one",
             pid, pid, strerror(err), err == ENOENT ? "invisible (2)" : "noaccess (1)");
    return buf;
}

const char *idg_explain_root_unmapped(char *buf, size_t len, const char *map)
{
    snprintf(buf, len,
             "runs in a user namespace where root is not mapped (its uid_map: %s), so root "
             "outside it is no uid here (stat shows uid 65534) and the kernel ignores the setuid "
             "bit of root's programs",
             map);
    return buf;
}
