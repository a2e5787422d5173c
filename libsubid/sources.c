/* SPDX-License-Identifier: BSD-3-Clause */
#include "sources.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "config.h"
#include "number.h"
#include "range.h"
#include "readfile.h"
#include "request.h"

/* How much of nsswitch.conf is read (glibc reads any size; ours is bounded). */
#define IDG_NSSWITCH_MAX (1u << 20)

static void load_module(struct idg_source *src)
{
    char lib[IDG_NSS_NAME_MAX + 32];
    /* A name with a '/' would be a path, relative to the caller's working
     * directory: never dlopen() it (idg_nss_parse() refuses it already). */
    if (!idg_nss_name_ok(src->name, strlen(src->name))) {
        snprintf(src->error, sizeof(src->error),
                 "it is not a module name (only letters, digits, '_' and '-')");
        return;
    }
    snprintf(lib, sizeof(lib), "libsubid_%s.so", src->name);
    /* RTLD_LOCAL: the module's symbols stay its own. The dynamic linker's
     * search path decides where it comes from, as in shadow; in a setuid
     * process that path ignores LD_LIBRARY_PATH (secure execution). */
    src->handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!src->handle) {
        const char *e = dlerror();
        snprintf(src->error, sizeof(src->error), "%s cannot be loaded: %s", lib,
                 e ? e : "unknown error");
        return;
    }
    /* Function pointers from dlsym(): POSIX guarantees the conversion. */
    *(void **)&src->list_owner_ranges = dlsym(src->handle, "shadow_subid_list_owner_ranges");
    *(void **)&src->has_range = dlsym(src->handle, "shadow_subid_has_range");
    *(void **)&src->find_subid_owners = dlsym(src->handle, "shadow_subid_find_subid_owners");
    *(void **)&src->free = dlsym(src->handle, "shadow_subid_free");
    if (!src->list_owner_ranges || !src->has_range || !src->find_subid_owners) {
        snprintf(src->error, sizeof(src->error), "%s lacks shadow's plugin function%s%s%s", lib,
                 src->list_owner_ranges ? "" : " shadow_subid_list_owner_ranges",
                 src->has_range ? "" : " shadow_subid_has_range",
                 src->find_subid_owners ? "" : " shadow_subid_find_subid_owners");
        dlclose(src->handle);
        src->handle = NULL;
    }
}

int idg_sources_names(const char *nsswitch, uid_t trusted_owner, struct idg_nss_sources *names,
                      bool *passwd_files_first, struct idg_sources_error *err)
{
    *names = (struct idg_nss_sources){0};
    if (passwd_files_first)
        *passwd_files_first = false;
    struct idg_file_problem pb;
    int fd = idg_open_trusted(nsswitch, trusted_owner, &pb);
    if (fd < 0 && pb.why != IDG_TRUST_MISSING) {
        char why[400];
        snprintf(err->why, sizeof(err->why), "refusing to use %s: %s", nsswitch,
                 idg_file_problem_str(why, sizeof(why), nsswitch, &pb));
        return -1;
    }
    if (fd >= 0) {
        /* The whole file, up to 1 MiB: a subid line further down counts. */
        char *buf;
        size_t n;
        struct stat st;
        int rc = idg_read_fd(fd, IDG_NSSWITCH_MAX, &buf, &n);
        if (rc < 0) {
            /* Too large or unreadable is the file's fault, not its subid line's. */
            if (rc == -EFBIG)
                snprintf(
                    err->why, sizeof(err->why),
                    "%s is too large (%jd bytes; at most %u are read), so its subid "
                    "line may lie past what is read; nothing was granted; ask an administrator to "
                    "shorten it",
                    nsswitch, fstat(fd, &st) == 0 ? (intmax_t)st.st_size : (intmax_t)-1,
                    IDG_NSSWITCH_MAX);
            else
                snprintf(err->why, sizeof(err->why),
                         "cannot read %s: %s; it should be a regular file, mode 0644, owner root",
                         nsswitch, strerror(-rc));
            close(fd);
            return -1;
        }
        close(fd);
        int pr = idg_nss_parse(buf, n, names);
        if (pr == -EINVAL) {
            char q[IDG_NSS_NAME_MAX];
            snprintf(err->why, sizeof(err->why),
                     "%s:%u: subid source '%s' is not a module name (only letters, digits, '_' "
                     "and '-', so that libsubid_NAME.so comes from the system's library "
                     "directories, never from a path); refusing to use that line; ask an "
                     "administrator to fix it",
                     nsswitch, names->line, idg_sanitize(q, sizeof(q), names->bad));
            free(buf);
            return -1;
        }
        bool bad = pr < 0;
        if (!bad && passwd_files_first)
            *passwd_files_first = idg_nss_plain_files_first(buf, n, "passwd");
        free(buf);
        if (bad) {
            snprintf(err->why, sizeof(err->why),
                     "cannot read the subid line of %s (too many sources, or a name longer "
                     "than %d bytes); fix that line",
                     nsswitch, IDG_NSS_NAME_MAX - 1);
            return -1;
        }
    }
    if (!names->has_line || names->n == 0) {
        names->n = 1;
        strcpy(names->name[0], "files");
    }
    return 0;
}

int idg_sources_open(struct idg_sources *s, const char *nsswitch, const struct idg_files *files,
                     struct idg_sources_error *err)
{
    struct idg_nss_sources names;
    if (idg_sources_names(nsswitch, files->trusted_owner, &names, NULL, err) < 0) {
        *s = (struct idg_sources){.files = *files};
        return -1;
    }
    idg_sources_load(s, &names, files);
    return 0;
}

void idg_sources_load(struct idg_sources *s, const struct idg_nss_sources *names,
                      const struct idg_files *files)
{
    *s = (struct idg_sources){.files = *files};
    for (size_t i = 0; i < names->n; i++) {
        struct idg_source *src = &s->v[s->n++];
        strcpy(src->name, names->name[i]);
        src->files = strcmp(src->name, "files") == 0;
        if (!src->files)
            load_module(src);
    }
}

void idg_sources_close(struct idg_sources *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].handle)
            dlclose(s->v[i].handle);
    s->n = 0;
}

bool idg_sources_have_files(const struct idg_sources *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].files)
            return true;
    return false;
}

void idg_src_failure_str(char *msg, size_t len, const struct idg_source *src,
                         enum idg_src_status st, const struct idg_file_problem *pb,
                         const char *nsswitch)
{
    char why[512];
    if (src->files)
        snprintf(msg, len, "%s",
                 idg_file_problem_str(why, sizeof(why), pb->path ? pb->path : "a subid file", pb));
    else if (src->error[0])
        snprintf(msg, len,
                 "subid source %s (the subid: line of %s) is unreachable: %s; nothing was "
                 "granted; ask an administrator to install that module or remove it from the "
                 "line",
                 src->name, nsswitch, src->error);
    else
        snprintf(msg, len,
                 "subid source %s %s; nothing was granted, as it may hold your ranges; try "
                 "again later, or ask an administrator to check that service%s",
                 src->name, idg_src_status_str(st),
                 strcmp(src->name, "sss") == 0 ? " (is sssd running?)" : "");
}

void idg_files_default(struct idg_files *f)
{
    *f = (struct idg_files){.trusted_owner = 0};
    f->subid[IDG_SRC_UID] = IDG_SUBUID;
    f->subid[IDG_SRC_GID] = IDG_SUBGID;
    f->idperm[IDG_SRC_UID] = IDG_IDPERM_UIDS;
    f->idperm[IDG_SRC_GID] = IDG_IDPERM_GIDS;
}

const char *idg_src_status_str(enum idg_src_status st)
{
    switch (st) {
    case IDG_SRC_OK:
        return "answered";
    case IDG_SRC_UNKNOWN_USER:
        return "does not know the user";
    case IDG_SRC_UNREACHABLE:
        return "is unreachable";
    case IDG_SRC_ERROR:
        break;
    }
    return "failed";
}

static enum idg_src_status list_files(const struct idg_sources *s, enum idg_src_kind kind,
                                      const struct idg_owner *o, struct idg_allotments *out,
                                      idg_bad_line_fn bad, void *arg, struct idg_file_problem *pb)
{
    const char *paths[2] = {s->files.subid[kind], s->files.idperm[kind]};
    for (int i = 0; i < 2; i++) {
        if (!paths[i])
            continue;
        int rc = idg_collect_allotments(paths[i], s->files.trusted_owner, o, out, bad, arg, pb);
        if (rc == -1)
            return IDG_SRC_ERROR;
        if (rc < 0) {
            *pb = (struct idg_file_problem){.path = paths[i], .why = IDG_TRUST_IO, .err = -rc};
            return IDG_SRC_ERROR;
        }
    }
    return IDG_SRC_OK;
}

static enum idg_src_status list_module(const struct idg_source *src, enum idg_src_kind kind,
                                       const struct idg_owner *o, struct idg_allotments *out)
{
    if (!src->handle)
        return IDG_SRC_UNREACHABLE;
    /* Modules are asked by name; an owner without one, by decimal uid. */
    char name[IDG_NAME_MAX];
    if (o->name && o->name_len < sizeof(name)) {
        memcpy(name, o->name, o->name_len);
        name[o->name_len] = '\0';
    } else if (!o->name && o->uid_len) {
        memcpy(name, o->uid_str, o->uid_len);
        name[o->uid_len] = '\0';
    } else {
        return IDG_SRC_ERROR; /* a name too long to pass on whole */
    }
    struct idg_plugin_range *r = NULL;
    int count = 0;
    int st = src->list_owner_ranges(name, (int)kind, &r, &count);
    if (st == IDG_SRC_UNKNOWN_USER) {
        st = IDG_SRC_OK; /* the module has nothing for this user */
        count = 0;
    }
    enum idg_src_status ret = IDG_SRC_OK;
    if (st != IDG_SRC_OK)
        ret = st == IDG_SRC_UNREACHABLE ? IDG_SRC_UNREACHABLE : IDG_SRC_ERROR;
    else if (count < 0 || count > IDG_SRC_MAX_RANGES || (count > 0 && !r))
        ret = IDG_SRC_ERROR; /* a count we cannot believe: never read past the array */
    for (int i = 0; ret == IDG_SRC_OK && i < count; i++) {
        /* A module's answer is checked like a line of a file: a range the
         * kernel would refuse grants nothing. */
        if (r[i].start > UINT32_MAX || r[i].count > UINT32_MAX ||
            idg_range_check((uint32_t)r[i].start, (uint32_t)r[i].count) < 0)
            continue;
        struct idg_range rg = {(uint32_t)r[i].start, (uint32_t)r[i].count};
        if (idg_allotments_add(out, rg, src->name, 0) < 0)
            ret = IDG_SRC_ERROR;
    }
    if (r)
        (src->free ? src->free : free)(r);
    return ret;
}

enum idg_src_status idg_sources_list(const struct idg_sources *s, enum idg_src_kind kind,
                                     const struct idg_owner *o, struct idg_allotments *out,
                                     idg_bad_line_fn bad, void *arg,
                                     const struct idg_source **failed, struct idg_file_problem *pb)
{
    *failed = NULL;
    *pb = (struct idg_file_problem){.why = IDG_TRUST_OK};
    if (kind != IDG_SRC_UID && kind != IDG_SRC_GID)
        return IDG_SRC_ERROR;
    for (size_t i = 0; i < s->n; i++) {
        const struct idg_source *src = &s->v[i];
        enum idg_src_status st =
            src->files ? list_files(s, kind, o, out, bad, arg, pb) : list_module(src, kind, o, out);
        if (st != IDG_SRC_OK) {
            *failed = src;
            return st;
        }
    }
    return IDG_SRC_OK;
}

static int add_uid(uid_t **uids, size_t *n, uid_t u)
{
    for (size_t i = 0; i < *n; i++)
        if ((*uids)[i] == u)
            return 0;
    uid_t *v = reallocarray(*uids, *n + 1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v[(*n)++] = u;
    *uids = v;
    return 0;
}

struct owners_ctx {
    bool strict;
    uint32_t id;
    uid_t **uids;
    size_t *n;
};

/* An entry holding the id: its owner, as an account's uid or a plain uid. */
static int owner_of(void *arg, const struct idg_entry *e, uint32_t line)
{
    (void)line;
    struct owners_ctx *c = arg;
    /* A window's owner is the uid whose slot holds the id: the formula,
       inverted. */
    if (e->window)
        return add_uid(c->uids, c->n, (uid_t)idg_window_uid(e, c->id));
    char owner[IDG_NAME_MAX];
    if (e->owner_len >= sizeof(owner))
        return 0;
    memcpy(owner, e->owner, e->owner_len);
    owner[e->owner_len] = '\0';
    struct idg_account a;
    uint32_t u;
    if (idg_account_by_name(owner, &a) == 0)
        return add_uid(c->uids, c->n, (uid_t)a.uid);
    if (idg_parse_u32(owner, IDG_ID_MAX, &u) == 0)
        return add_uid(c->uids, c->n, (uid_t)u);
    return c->strict ? -ENOENT : 0;
}

static enum idg_src_status owners_files(const struct idg_sources *s, enum idg_src_kind kind,
                                        uint32_t id, bool strict, uid_t **uids, size_t *n,
                                        struct idg_file_problem *pb)
{
    const char *paths[2] = {s->files.subid[kind], s->files.idperm[kind]};
    struct owners_ctx c = {strict, id, uids, n};
    for (int i = 0; i < 2; i++) {
        if (!paths[i])
            continue;
        /* One bounded pass; only lines holding id are parsed whole. */
        int rc = idg_entries_holding(paths[i], s->files.trusted_owner, id, owner_of, &c, pb);
        if (rc == -ENOENT)
            return IDG_SRC_UNKNOWN_USER;
        if (rc == -ENOMEM)
            *pb = (struct idg_file_problem){.why = IDG_TRUST_IO, .err = ENOMEM, .path = paths[i]};
        if (rc < 0)
            return IDG_SRC_ERROR;
    }
    return IDG_SRC_OK;
}

static enum idg_src_status owners_module(const struct idg_source *src, enum idg_src_kind kind,
                                         uint32_t id, uid_t **uids, size_t *n)
{
    if (!src->handle)
        return IDG_SRC_UNREACHABLE;
    uid_t *got = NULL;
    int count = 0;
    int st = src->find_subid_owners(id, (int)kind, &got, &count);
    enum idg_src_status ret = IDG_SRC_OK;
    if (st == IDG_SRC_UNKNOWN_USER)
        count = 0;
    else if (st != IDG_SRC_OK)
        ret = st == IDG_SRC_UNREACHABLE ? IDG_SRC_UNREACHABLE : IDG_SRC_ERROR;
    else if (count < 0 || count > IDG_SRC_MAX_RANGES || (count > 0 && !got))
        ret = IDG_SRC_ERROR;
    for (int i = 0; ret == IDG_SRC_OK && i < count; i++)
        if (add_uid(uids, n, got[i]) < 0)
            ret = IDG_SRC_ERROR;
    if (got)
        (src->free ? src->free : free)(got);
    return ret;
}

enum idg_src_status idg_sources_owners(const struct idg_sources *s, enum idg_src_kind kind,
                                       uint32_t id, bool strict, uid_t **uids, size_t *n,
                                       const struct idg_source **failed,
                                       struct idg_file_problem *pb)
{
    *uids = NULL;
    *n = 0;
    *failed = NULL;
    *pb = (struct idg_file_problem){.why = IDG_TRUST_OK};
    if (kind != IDG_SRC_UID && kind != IDG_SRC_GID)
        return IDG_SRC_ERROR;
    for (size_t i = 0; i < s->n; i++) {
        const struct idg_source *src = &s->v[i];
        enum idg_src_status st = src->files ? owners_files(s, kind, id, strict, uids, n, pb)
                                            : owners_module(src, kind, id, uids, n);
        if (st != IDG_SRC_OK) {
            *failed = src;
            free(*uids);
            *uids = NULL;
            *n = 0;
            return st;
        }
    }
    return IDG_SRC_OK;
}
