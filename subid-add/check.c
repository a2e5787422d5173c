/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * subid-add --check: every problem in both files, one line each, with
 * file:line, so that an administrator can fix them before the helpers
 * refuse or, worse, grant what was not meant.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "config.h"
#include "nsswitch.h"
#include "number.h"
#include "readfile.h"
#include "subid-add.h"
#include "subid_file.h"

static size_t problems;

#define report(...)                                                                                \
    do {                                                                                           \
        printf("subid-add: " __VA_ARGS__);                                                         \
        problems++;                                                                                \
    } while (0)

/* The passwd database, enumerated once: 100,000 lines must not mean
 * 100,000 lookups. Only when nsswitch.conf names a source that may not
 * enumerate (sss, ldap...) is a name missing from the list asked for. */
static struct idg_id_list users;
static const struct idg_id_name **users_by_name;
static bool users_complete;

static int by_name(const void *x, const void *y)
{
    return strcmp((*(const struct idg_id_name *const *)x)->name,
                  (*(const struct idg_id_name *const *)y)->name);
}

static int load_users(void)
{
    char *conf;
    size_t len;
    users_complete = false;
    if (idg_read_small(IDG_NSSWITCH, 1u << 20, &conf, &len) == 0) {
        struct idg_nss_sources src;
        idg_nss_parse_db(conf, len, "passwd", &src);
        users_complete = idg_nss_enumerable(&src);
        free(conf);
    }
    if (idg_account_ids(0, &users) < 0)
        return -1;
    users_by_name = reallocarray(NULL, users.n ? users.n : 1, sizeof(*users_by_name));
    if (!users_by_name)
        return -1;
    for (size_t i = 0; i < users.n; i++)
        users_by_name[i] = &users.v[i];
    qsort(users_by_name, users.n, sizeof(*users_by_name), by_name);
    return 0;
}

/* The account of that login name, from the enumerated list. */
static const struct idg_id_name *user_named(const char *name)
{
    struct idg_id_name key = {.name = (char *)name};
    const struct idg_id_name *k = &key;
    const struct idg_id_name *const *hit =
        bsearch(&k, users_by_name, users.n, sizeof(*users_by_name), by_name);
    return hit ? *hit : NULL;
}

/* An entry's owner field as a string (cut at IDG_NAME_MAX - 1 bytes). */
static void owner_text(const struct idg_file_entry *e, char name[static IDG_NAME_MAX])
{
    size_t n = e->e.owner_len < IDG_NAME_MAX - 1 ? e->e.owner_len : IDG_NAME_MAX - 1;
    memcpy(name, e->e.owner, n);
    name[n] = '\0';
}

static bool owner_exists(const char *name)
{
    uint32_t uid;
    if (user_named(name) ||
        (idg_parse_u32(name, IDG_ID_MAX, &uid) == 0 && idg_id_list_within(&users, uid, uid)))
        return true;
    if (users_complete)
        return false;
    struct idg_account a;
    return idg_account_lookup(name, &a) != -ENOENT;
}

/* The uid an owner field names (a login name or a decimal uid), or -1. */
static int64_t owner_uid(const struct idg_file_entry *e)
{
    char name[IDG_NAME_MAX];
    owner_text(e, name);
    const struct idg_id_name *u = user_named(name);
    uint32_t uid;
    if (u)
        return u->id;
    return idg_parse_u32(name, IDG_ID_MAX, &uid) == 0 ? (int64_t)uid : -1;
}

/* Entry indices ordered by start, for the overlap sweep. */
static const struct idg_subid_file *sort_file;

static int by_start(const void *x, const void *y)
{
    const struct idg_file_entry *a = &sort_file->v[*(const size_t *)x];
    const struct idg_file_entry *b = &sort_file->v[*(const size_t *)y];
    if (a->e.range.start != b->e.range.start)
        return a->e.range.start < b->e.range.start ? -1 : 1;
    return a->lineno < b->lineno ? -1 : a->lineno > b->lineno;
}

/* A line of an account inside a window that stays within that account's
 * own slot: the same owner's ids twice, not two owners sharing them. */
static bool within_own_slot(const struct idg_file_entry *w, const struct idg_file_entry *b)
{
    int64_t u = owner_uid(b);
    struct idg_range slot;
    return u >= 0 && idg_window_slot(&w->e, (uint32_t)u, &slot) &&
           idg_range_contains(slot, b->e.range);
}

/* The same text, or two fields naming one account ("alice" and "1000"). */
static bool same_owner(const struct idg_file_entry *a, const struct idg_file_entry *b)
{
    if (a->e.window || b->e.window) {
        if (a->e.window && b->e.window)
            return false; /* two windows share ids between different uids */
        return a->e.window ? within_own_slot(a, b) : within_own_slot(b, a);
    }
    if (a->e.owner_len == b->e.owner_len && memcmp(a->e.owner, b->e.owner, a->e.owner_len) == 0)
        return true;
    int64_t ua = owner_uid(a);
    return ua >= 0 && ua == owner_uid(b);
}

/* Lines of different owners that share ids. */
static int check_overlaps(const struct idg_subid_file *f, const char *path)
{
    size_t *idx = reallocarray(NULL, f->n ? f->n : 1, sizeof(*idx));
    if (!idx)
        return -1;
    for (size_t i = 0; i < f->n; i++)
        idx[i] = i;
    sort_file = f;
    qsort(idx, f->n, sizeof(*idx), by_start);
    const struct idg_file_entry *reach = NULL; /* the entry reaching furthest so far */
    for (size_t i = 0; i < f->n; i++) {
        const struct idg_file_entry *e = &f->v[idx[i]];
        if (reach && e->e.range.start <= idg_range_last(reach->e.range) && !same_owner(e, reach)) {
            char mine[512], other[512];
            sa_describe(mine, sizeof(mine), &e->e, NULL, e->lineno);
            sa_describe(other, sizeof(other), &reach->e, path, reach->lineno);
            report("%s:%u: %s overlaps %s: two owners share these ids; remove one (subid-add "
                   "--remove OWNER --range FIRST-LAST) and allocate again\n",
                   path, e->lineno, mine, other);
        }
        if (!reach || idg_range_last(e->e.range) > idg_range_last(reach->e.range))
            reach = e;
    }
    free(idx);
    return 0;
}

static int check_kind(int kind, const struct idg_logindefs *defs, size_t *entries)
{
    const char *path = sa_kind_path(kind), *w = sa_kind_word(kind);
    const struct idg_pool *pool = &defs->pool[kind];
    struct idg_subid_file f;
    struct idg_file_problem pb;
    int rc = idg_subid_file_load(path, 0, &f, &pb);
    if (rc == -1) {
        char why[512];
        report("%s\n", idg_file_problem_str(why, sizeof(why), path, &pb));
        return 0;
    }
    if (rc < 0) {
        warnx("cannot read %s: %s", path, strerror(-rc));
        return -1;
    }
    *entries += f.n;
    for (size_t i = 0; i < f.n_bad; i++) {
        enum idg_line_status st = f.bad[i].st;
        report("%s:%u: %s%s; the line grants nothing; fix or remove it\n", path, f.bad[i].lineno,
               st == IDG_LINE_BAD_RANGE ? "ids beyond 4294967294: " : "", idg_line_status_str(st));
    }

    struct idg_id_list accts;
    if (idg_account_ids(kind, &accts) < 0 || check_overlaps(&f, path) < 0) {
        idg_subid_file_free(&f);
        warnx("out of memory");
        return -1;
    }
    struct idg_range acct_space = {0, pool->acct_max + 1};
    for (size_t i = 0; i < f.n; i++) {
        const struct idg_file_entry *e = &f.v[i];
        char d[512], name[IDG_NAME_MAX];
        sa_describe(d, sizeof(d), &e->e, NULL, e->lineno);
        /* The owner must be an account: a name or a uid the database knows.
           A window serves uids whether or not they exist yet. */
        owner_text(e, name);
        if (!e->e.window && !owner_exists(name))
            report("%s:%u: owner %s is not an account in the passwd database; remove the line "
                   "(subid-add --remove %s) or create the account\n",
                   path, e->lineno, name, name);
        const struct idg_id_name *hit =
            idg_id_list_within(&accts, e->e.range.start, idg_range_last(e->e.range));
        if (hit)
            report("%s:%u: %s contains %s %u of %s %s: that %s can be impersonated inside a "
                   "namespace (CVE-2024-56433); remove the line and allocate again\n",
                   path, e->lineno, d, w, hit->id, kind ? "group" : "account", hit->name,
                   kind ? "group" : "account");
        else if (idg_range_overlaps(e->e.range, acct_space))
            report("%s:%u: %s overlaps %ss 0-%u (up to %s_MAX of login.defs), where system and "
                   "regular %s get their ids; remove the line and allocate again\n",
                   path, e->lineno, d, w, pool->acct_max, sa_kind_acct(kind),
                   kind ? "groups" : "accounts");
    }
    idg_id_list_free(&accts);
    idg_subid_file_free(&f);
    return 0;
}

int sa_check(const struct idg_logindefs *defs)
{
    size_t entries = 0;
    if (load_users() < 0) {
        warnx("out of memory reading the passwd database");
        return 1;
    }
    for (int k = 0; k < 2; k++)
        if (check_kind(k, defs, &entries) < 0)
            return 1;
    if (problems) {
        fflush(stdout);
        warnx("%zu problem%s found in %s and %s", problems, problems == 1 ? "" : "s",
              sa_kind_path(0), sa_kind_path(1));
        return 1;
    }
    printf("subid-add: %s and %s: %zu entries, no problems\n", sa_kind_path(0), sa_kind_path(1),
           entries);
    return 0;
}
