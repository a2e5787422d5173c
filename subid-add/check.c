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
#include "lint.h"
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

/* The passwd database, enumerated once (lint.h). Only when nsswitch.conf
 * names a source that may not enumerate (sss, ldap...) is a name missing
 * from the list asked for. */
static struct idg_owner_index users;
static bool users_complete;

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
    return idg_owner_index_load(&users);
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
    if (idg_owner_index_name(&users, name) ||
        (idg_parse_u32(name, IDG_ID_MAX, &uid) == 0 && idg_id_list_within(&users.users, uid, uid)))
        return true;
    if (users_complete)
        return false;
    struct idg_account a;
    return idg_account_lookup(name, &a) != -ENOENT;
}

/* Lines of different owners that share ids. */
static int report_overlap(void *arg, const struct idg_file_entry *e,
                          const struct idg_file_entry *other)
{
    const char *path = arg;
    char mine[512], theirs[512];
    sa_describe(mine, sizeof(mine), &e->e, NULL, e->lineno);
    sa_describe(theirs, sizeof(theirs), &other->e, path, other->lineno);
    report("%s:%u: %s overlaps %s: two owners share these ids; remove one (subid-add "
           "--remove OWNER --range FIRST-LAST) and allocate again\n",
           path, e->lineno, mine, theirs);
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
    if (idg_account_ids(kind, &accts) < 0 ||
        idg_lint_overlaps(&f, &users, report_overlap, (void *)path) < 0) {
        idg_subid_file_free(&f);
        warnx("out of memory");
        return -1;
    }
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
        const struct idg_id_name *hit;
        switch (idg_lint_account(e->e.range, &accts, pool->acct_max, &hit)) {
        case IDG_LINT_ACCT_ID:
            report("%s:%u: %s contains %s %u of %s %s: that %s can be impersonated inside a "
                   "namespace (CVE-2024-56433); remove the line and allocate again\n",
                   path, e->lineno, d, w, hit->id, kind ? "group" : "account", hit->name,
                   kind ? "group" : "account");
            break;
        case IDG_LINT_ACCT_RESERVED:
            report("%s:%u: %s overlaps %ss 0-%u (up to %s_MAX of login.defs), where system and "
                   "regular %s get their ids; remove the line and allocate again\n",
                   path, e->lineno, d, w, pool->acct_max, sa_kind_acct(kind),
                   kind ? "groups" : "accounts");
            break;
        case IDG_LINT_ACCT_NONE:
            break;
        }
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
