/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsubid_idgbroken.so: a module that lacks shadow_subid_has_range, as a
 * module built for another ABI might. The source layer must refuse to load
 * it, say which functions are missing, and never call what it does export:
 * these answer SUBID_STATUS_ERROR so that a call would show.
 *
 * Test code only: never installed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct subid_range {
    unsigned long start;
    unsigned long count;
};

int shadow_subid_list_owner_ranges(const char *owner, int id_type, struct subid_range **ranges,
                                   int *count);
int shadow_subid_find_subid_owners(unsigned long id, int id_type, uid_t **uids, int *count);

enum { SUBID_STATUS_ERROR = 3 };

int shadow_subid_list_owner_ranges(const char *owner, int id_type, struct subid_range **ranges,
                                   int *count)
{
    *ranges = NULL;
    *count = 0;
    return SUBID_STATUS_ERROR;
}

int shadow_subid_find_subid_owners(unsigned long id, int id_type, uid_t **uids, int *count)
{
    *uids = NULL;
    *count = 0;
    return SUBID_STATUS_ERROR;
}
