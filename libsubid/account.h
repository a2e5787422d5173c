/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who a USER argument names, looked up in the passwd database (NSS).
 *
 * Two rules, one for each kind of question:
 *  - subid-add's USER names an account: first a login name; if no account
 *    has that name and USER is a strict decimal, it is a uid
 *    (idg_account_lookup). Lines of the subid files belong to the account if
 *    their owner field is its name or its uid in decimal (subid_line.h,
 *    struct idg_owner).
 *  - a query for ranges (getsubids, subid_get_*_ranges) names an owner
 *    field, as shadow's libsubid reads it (idg_owner_for_query).
 */
#ifndef IDGATE_ACCOUNT_H
#define IDGATE_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "subid_line.h"

#define IDG_NAME_MAX 256

struct idg_account {
    char name[IDG_NAME_MAX];
    uint32_t uid;
    uint32_t gid; /* primary group */
};

/*
 * 0 and *out filled when USER names an account; -ENOENT when none does;
 * -ENAMETOOLONG for a name the database cannot hold here; another -errno
 * when the database failed (NSS error), which is not "no such user".
 */
int idg_account_lookup(const char *user, struct idg_account *out);

/* By login name only (shadow's libsubid resolves owners so). Same returns. */
int idg_account_by_name(const char *name, struct idg_account *out);

/* By uid (NSS). Same returns, except that a source that failed is never
 * "no such user" (glibc says that with no entry and no error): -EIO, with
 * the errno the source set in *source_errno (SSSD's module: ENOENT when
 * sssd does not run). With -ENAMETOOLONG, *out still has the uid and gid,
 * and an empty name. */
int idg_account_by_uid(uint32_t uid, struct idg_account *out, int *source_errno);

/* The gid of the group named `name`: 0, -ENOENT, or -errno. */
int idg_group_by_name(const char *name, uint32_t *gid);

/*
 * The owner a query for ranges names, by shadow's libsubid rule, so that
 * getsubids and the library answer as shadow's do (rootlesskit asks both
 * "getsubids NAME" and "getsubids UID" and joins the answers):
 *  - lines whose owner field is QUERY itself, whatever it is: podman's
 *    "containers" owner is no account;
 *  - and, when QUERY is the login name of an account (with `group`, the
 *    name of a group), lines keyed by its uid (gid) in decimal.
 * A numeric QUERY is not taken for a uid: "1000" names the lines keyed
 * "1000" only, so asking by name and by uid never lists a line twice.
 * A window line (subid_line.h) is QUERY's when QUERY is the login name of
 * an account whose uid is in the window, in both files.
 * Returns 1 when QUERY is the name of an account (group), 0 when it is not
 * (*o then matches the text alone), or -errno when the database failed.
 * *o points into QUERY.
 */
int idg_owner_for_query(const char *query, bool group, struct idg_owner *o);

/*
 * The account with `uid` in the passwd-format file `path`, found as glibc's
 * "files" source finds it (the first line with that uid whose name does not
 * start with '+' or '-'), without NSS: nothing is loaded, nothing asked.
 * The file must pass the trust rules for `trusted_owner`. 0 and *out
 * filled; -ENOENT when no line has the uid or there is no file; -EPERM when
 * the file is not trusted; -ERANGE for a line longer than 4 KiB;
 * -ENAMETOOLONG; another -errno.
 */
int idg_passwd_file_uid(const char *path, uid_t trusted_owner, uint32_t uid,
                        struct idg_account *out);

/* Every id an account (or group) has, with its name. */
struct idg_id_name {
    uint32_t id;
    char *name;
};

struct idg_id_list {
    struct idg_id_name *v; /* sorted by id */
    size_t n, cap;
};

/*
 * All uids the passwd database enumerates (kind 0), or all gids of the
 * group database (kind 1), sorted. Sources that do not enumerate (SSSD
 * without enumerate = true) contribute nothing: subid-add(8) says so.
 * 0 or -ENOMEM.
 */
int idg_account_ids(int kind, struct idg_id_list *out);
int idg_id_list_add(struct idg_id_list *l, uint32_t id, const char *name);
void idg_id_list_sort(struct idg_id_list *l);
void idg_id_list_free(struct idg_id_list *l);
/* The account whose id is the first in [first, last], or NULL. */
const struct idg_id_name *idg_id_list_within(const struct idg_id_list *l, uint32_t first,
                                             uint32_t last);

#endif
