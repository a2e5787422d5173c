/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsubid.so.4: shadow's public subid_* API over idgate's core
 * (api_core.c does the work, with the build's paths).
 *
 * Rules this file keeps:
 *  - it never exits and never prints, unless subid_init() named a stream;
 *  - one mutex serialises every call: the NSS enumeration and dlopen'ed
 *    modules behind it need not be thread-safe themselves;
 *  - a failing source makes the call fail (-1 / false), never a partial list.
 */
#include "subid.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api_core.h"

#define API __attribute__((visibility("default")))

/* The plugin ABI's range and the public one are the same two fields. */
_Static_assert(sizeof(struct subid_range) == sizeof(struct idg_plugin_range) &&
                   offsetof(struct subid_range, count) == offsetof(struct idg_plugin_range, count),
               "struct subid_range layout");
_Static_assert((int)ID_TYPE_UID == (int)IDG_SRC_UID && (int)ID_TYPE_GID == (int)IDG_SRC_GID,
               "enum subid_type numbering");

static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_prog;
static FILE *log_fd;

/* With the lock held: the reason of a failure, only to the caller's stream. */
static void say(const char *why)
{
    if (log_fd && why[0])
        fprintf(log_fd, "%s: %s\n", log_prog ? log_prog : "libsubid", why);
}

static const struct idg_api_conf *conf(void)
{
    static struct idg_api_conf c;
    static bool set;
    if (!set) {
        idg_api_conf_default(&c);
        set = true;
    }
    return &c;
}

API bool subid_init(const char *progname, FILE *logfd)
{
    char *p = strdup(progname ? progname : "libsubid");
    pthread_mutex_lock(&api_lock);
    free(log_prog);
    log_prog = p;
    log_fd = logfd;
    pthread_mutex_unlock(&api_lock);
    return p != NULL;
}

API void subid_free(void *ptr)
{
    free(ptr);
}

static int get_ranges(const char *owner, enum idg_src_kind kind, struct subid_range **ranges)
{
    if (!ranges)
        return -1;
    *ranges = NULL;
    if (!owner)
        return -1;
    char why[1024] = "";
    pthread_mutex_lock(&api_lock);
    int n =
        idg_api_ranges(conf(), owner, kind, (struct idg_plugin_range **)ranges, why, sizeof(why));
    if (n < 0)
        say(why);
    pthread_mutex_unlock(&api_lock);
    return n;
}

API int subid_get_uid_ranges(const char *owner, struct subid_range **ranges)
{
    return get_ranges(owner, IDG_SRC_UID, ranges);
}

API int subid_get_gid_ranges(const char *owner, struct subid_range **ranges)
{
    return get_ranges(owner, IDG_SRC_GID, ranges);
}

static int get_owners(unsigned long id, enum idg_src_kind kind, uid_t **owners)
{
    if (!owners)
        return -1;
    char why[1024] = "";
    pthread_mutex_lock(&api_lock);
    int n = idg_api_owners(conf(), id, kind, owners, why, sizeof(why));
    if (n < 0)
        say(why);
    pthread_mutex_unlock(&api_lock);
    return n;
}

API int subid_get_uid_owners(uid_t uid, uid_t **owner)
{
    return get_owners(uid, IDG_SRC_UID, owner);
}

API int subid_get_gid_owners(gid_t gid, uid_t **owner)
{
    return get_owners(gid, IDG_SRC_GID, owner);
}

static bool grant(struct subordinate_range *range, bool reuse, enum idg_src_kind kind)
{
    if (!range || !range->owner || !*range->owner)
        return false;
    char why[1024] = "";
    pthread_mutex_lock(&api_lock);
    bool ok = idg_api_grant(conf(), range->owner, &range->start, &range->count, reuse, kind, why,
                            sizeof(why));
    if (!ok)
        say(why);
    pthread_mutex_unlock(&api_lock);
    return ok;
}

API bool subid_grant_uid_range(struct subordinate_range *range, bool reuse)
{
    return grant(range, reuse, IDG_SRC_UID);
}

API bool subid_grant_gid_range(struct subordinate_range *range, bool reuse)
{
    return grant(range, reuse, IDG_SRC_GID);
}

static bool ungrant(struct subordinate_range *range, enum idg_src_kind kind)
{
    if (!range || !range->owner || !*range->owner)
        return false;
    char why[1024] = "";
    pthread_mutex_lock(&api_lock);
    bool ok =
        idg_api_ungrant(conf(), range->owner, range->start, range->count, kind, why, sizeof(why));
    if (!ok)
        say(why);
    pthread_mutex_unlock(&api_lock);
    return ok;
}

API bool subid_ungrant_uid_range(struct subordinate_range *range)
{
    return ungrant(range, IDG_SRC_UID);
}

API bool subid_ungrant_gid_range(struct subordinate_range *range)
{
    return ungrant(range, IDG_SRC_GID);
}
