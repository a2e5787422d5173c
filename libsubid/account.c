/* SPDX-License-Identifier: BSD-3-Clause */
#include "account.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"

/* getpw*_r with a buffer that grows on ERANGE. Returns 0, -ENOENT or -errno. */
static int lookup(const char *name, uint32_t uid, struct idg_account *out)
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
        if (rc != 0 && rc != ENOENT && rc != ESRCH)
            ret = -rc;
        else if (!res)
            ret = -ENOENT;
        else if (strlen(pw.pw_name) >= sizeof(out->name))
            ret = -ENAMETOOLONG;
        else {
            strcpy(out->name, pw.pw_name);
            out->uid = (uint32_t)pw.pw_uid;
            out->gid = (uint32_t)pw.pw_gid;
        }
        free(buf);
        return ret;
    }
}

int idg_account_lookup(const char *user, struct idg_account *out)
{
    if (!user || !*user)
        return -ENOENT;
    int rc = lookup(user, 0, out);
    if (rc != -ENOENT)
        return rc;
    uint32_t uid;
    if (idg_parse_u32(user, IDG_ID_MAX, &uid) < 0)
        return -ENOENT;
    return lookup(NULL, uid, out);
}
