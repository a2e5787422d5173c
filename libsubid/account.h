/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who a USER argument names, looked up in the passwd database (NSS).
 *
 * The rule, used by getsubids and subid-add alike: USER is first a login
 * name; if no account has that name and USER is a strict decimal, it is a
 * uid. Lines of the subid files belong to the account if their owner field
 * is its name or its uid in decimal (subid_line.h, struct idg_owner).
 */
#ifndef IDGATE_ACCOUNT_H
#define IDGATE_ACCOUNT_H

#include <stdint.h>

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

#endif
