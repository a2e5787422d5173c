/* SPDX-License-Identifier: BSD-3-Clause */
#include "account.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grow.h"
#include "number.h"
#include "readfile.h"
#include "trust.h"

/* getpw*_r with a buffer that grows on ERANGE. Returns 0, -ENOENT or -errno.
 * glibc says "no such user" with 0 and no entry; a non-zero return is a
 * source that failed (NSS_STATUS_UNAVAIL or TRYAGAIN), with the errno the
 * module set: SSSD's sets ENOENT when sssd does not run. With
 * `source_errno` that is -EIO, the errno in *source_errno; without,
 * ENOENT and ESRCH mean "none", as POSIX allows. */
static int lookup(const char *name, uint32_t uid, int *source_errno, struct idg_account *out)
{
    size_t size = 1024;
    for (;;) {
        char *buf = malloc(size);
        if (!buf)
            return -ENOMEM;
        struct passwd pw, *res = NULL;
        int rc = name ? getpwnam_r(name, &pw, buf, size, &res)
                      : getpwuid_r((uid_t)uid, &pw, buf, size, &res);
        if (rc == ERANGE && size < (1u << 20)) {
            free(buf);
            size *= 2;
            continue;
        }
        int ret = 0;
        if (rc != 0 && source_errno) {
            *source_errno = rc;
            ret = -EIO;
        } else if (rc != 0 && rc != ENOENT && rc != ESRCH)
            ret = -rc;
        else if (!res)
            ret = -ENOENT;
        else {
            /* ids even for a name too long to keep (the name is then ""). */
            out->uid = (uint32_t)pw.pw_uid;
            out->gid = (uint32_t)pw.pw_gid;
            out->name[0] = '\0';
            if (strlen(pw.pw_name) >= sizeof(out->name))
                ret = -ENAMETOOLONG;
            else
                strcpy(out->name, pw.pw_name);
        }
        free(buf);
        return ret;
    }
}

int idg_passwd_file_uid(const char *path, uid_t trusted_owner, uint32_t uid,
                        struct idg_account *out)
{
    struct idg_file_problem pb;
    int fd = idg_open_trusted(path, trusted_owner, &pb);
    if (fd < 0)
        return pb.why == IDG_TRUST_MISSING ? -ENOENT : -EPERM;
    /* Read whole, then parsed from memory: fgetpwent_r() on the file would
     * ask the kernel for its offset once per line. */
    char *text;
    size_t len;
    int rc = idg_read_fd(fd, 64u << 20, &text, &len);
    close(fd);
    if (rc < 0)
        return rc;
    FILE *f = len ? fmemopen(text, len, "r") : NULL;
    if (!f) {
        free(text);
        return len ? -errno : -ENOENT;
    }
    char buf[4096];
    struct passwd pw, *res;
    while ((rc = fgetpwent_r(f, &pw, buf, sizeof(buf), &res)) == 0) {
        if (pw.pw_uid != (uid_t)uid || pw.pw_name[0] == '+' || pw.pw_name[0] == '-')
            continue;
        if (strlen(pw.pw_name) >= sizeof(out->name)) {
            rc = ENAMETOOLONG;
            break;
        }
        strcpy(out->name, pw.pw_name);
        out->uid = uid;
        out->gid = (uint32_t)pw.pw_gid;
        break;
    }
    fclose(f);
    free(text);
    return -rc;
}

int idg_account_by_uid(uint32_t uid, struct idg_account *out, int *source_errno)
{
    *source_errno = 0;
    return lookup(NULL, uid, source_errno, out);
}

int idg_account_by_name(const char *name, struct idg_account *out)
{
    return name && *name ? lookup(name, 0, NULL, out) : -ENOENT;
}

int idg_group_by_name(const char *name, uint32_t *gid)
{
    if (!name || !*name)
        return -ENOENT;
    for (size_t size = 1024; size <= (1u << 20); size *= 2) {
        char *buf = malloc(size);
        if (!buf)
            return -ENOMEM;
        struct group gr, *res = NULL;
        int rc = getgrnam_r(name, &gr, buf, size, &res);
        if (res)
            *gid = (uint32_t)gr.gr_gid;
        free(buf);
        if (rc == ERANGE)
            continue;
        if (rc != 0 && rc != ENOENT && rc != ESRCH)
            return -rc;
        return res ? 0 : -ENOENT;
    }
    return -ERANGE;
}

int idg_owner_for_query(const char *query, bool group, struct idg_owner *o)
{
    struct idg_account a = {0};
    int rc = idg_account_by_name(query, &a);
    /* -ENAMETOOLONG: an account whose name is too long to copy; its ids
       are in `a` all the same. */
    const bool user = rc == 0 || rc == -ENAMETOOLONG;
    if (!user && rc != -ENOENT)
        return rc;
    bool named = user;
    uint32_t id = a.uid;
    if (group) {
        rc = idg_group_by_name(query, &id);
        if (rc < 0 && rc != -ENOENT)
            return rc;
        named = rc == 0;
    }
    if (named)
        idg_owner_init(o, query, id);
    else
        idg_owner_init_name(o, query);
    /* Window lines are keyed by the user's uid in both files. */
    o->has_wuid = user;
    o->wuid = a.uid;
    return named;
}

int idg_account_lookup(const char *user, struct idg_account *out)
{
    if (!user || !*user)
        return -ENOENT;
    int rc = lookup(user, 0, NULL, out);
    if (rc != -ENOENT)
        return rc;
    uint32_t uid;
    if (idg_parse_u32(user, IDG_ID_MAX, &uid) < 0)
        return -ENOENT;
    return lookup(NULL, uid, NULL, out);
}

int idg_id_list_add(struct idg_id_list *l, uint32_t id, const char *name)
{
    struct idg_id_name *v = idg_grow(l->v, l->n, &l->cap, sizeof(*v));
    if (!v)
        return -ENOMEM;
    l->v = v;
    char *copy = strdup(name);
    if (!copy)
        return -ENOMEM;
    l->v[l->n++] = (struct idg_id_name){.id = id, .name = copy};
    return 0;
}

static int by_id(const void *x, const void *y)
{
    const struct idg_id_name *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

void idg_id_list_sort(struct idg_id_list *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(l->v[0]), by_id);
}

void idg_id_list_free(struct idg_id_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    *l = (struct idg_id_list){0};
}

const struct idg_id_name *idg_id_list_within(const struct idg_id_list *l, uint32_t first,
                                             uint32_t last)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) { /* the first id >= first */
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].id < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && l->v[lo].id <= last ? &l->v[lo] : NULL;
}

int idg_account_ids(int kind, struct idg_id_list *out)
{
    *out = (struct idg_id_list){0};
    int rc = 0;
    if (kind == 0) {
        setpwent();
        struct passwd *pw;
        while (rc == 0 && (pw = getpwent()))
            rc = idg_id_list_add(out, (uint32_t)pw->pw_uid, pw->pw_name);
        endpwent();
    } else {
        setgrent();
        struct group *gr;
        while (rc == 0 && (gr = getgrent()))
            rc = idg_id_list_add(out, (uint32_t)gr->gr_gid, gr->gr_name);
        endgrent();
    }
    if (rc < 0)
        idg_id_list_free(out);
    else
        idg_id_list_sort(out);
    return rc;
}
