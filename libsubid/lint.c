/* SPDX-License-Identifier: BSD-3-Clause */
#include "lint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"

static int by_name(const void *x, const void *y)
{
    return strcmp((*(const struct idg_id_name *const *)x)->name,
                  (*(const struct idg_id_name *const *)y)->name);
}

int idg_owner_index_load(struct idg_owner_index *x)
{
    struct idg_id_list users;
    *x = (struct idg_owner_index){0};
    if (idg_account_ids(0, &users) < 0)
        return -ENOMEM;
    return idg_owner_index_adopt(x, &users);
}

int idg_owner_index_adopt(struct idg_owner_index *x, struct idg_id_list *users)
{
    *x = (struct idg_owner_index){.users = *users};
    *users = (struct idg_id_list){0};
    x->by_name = reallocarray(NULL, x->users.n ? x->users.n : 1, sizeof(*x->by_name));
    if (!x->by_name) {
        idg_id_list_free(&x->users);
        return -ENOMEM;
    }
    for (size_t i = 0; i < x->users.n; i++)
        x->by_name[i] = &x->users.v[i];
    qsort(x->by_name, x->users.n, sizeof(*x->by_name), by_name);
    return 0;
}

void idg_owner_index_free(struct idg_owner_index *x)
{
    free(x->by_name);
    idg_id_list_free(&x->users);
    *x = (struct idg_owner_index){0};
}

const struct idg_id_name *idg_owner_index_name(const struct idg_owner_index *x, const char *name)
{
    struct idg_id_name key = {.name = (char *)name};
    const struct idg_id_name *k = &key;
    const struct idg_id_name *const *hit =
        x->users.n ? bsearch(&k, x->by_name, x->users.n, sizeof(*x->by_name), by_name) : NULL;
    return hit ? *hit : NULL;
}

int64_t idg_owner_index_uid(const struct idg_owner_index *x, const char *owner, size_t len)
{
    char name[IDG_NAME_MAX];
    size_t n = len < IDG_NAME_MAX - 1 ? len : IDG_NAME_MAX - 1;
    memcpy(name, owner, n);
    name[n] = '\0';
    const struct idg_id_name *u = idg_owner_index_name(x, name);
    uint32_t uid;
    if (u)
        return u->id;
    return idg_parse_u32(name, IDG_ID_MAX, &uid) == 0 ? (int64_t)uid : -1;
}

/* A line of an account inside a window that stays within that account's
 * own slot: the same owner's ids twice, not two owners sharing them. */
static bool within_own_slot(const struct idg_owner_index *x, const struct idg_entry *w,
                            const struct idg_entry *b)
{
    int64_t u = idg_owner_index_uid(x, b->owner, b->owner_len);
    struct idg_range slot;
    return u >= 0 && idg_window_slot(w, (uint32_t)u, &slot) && idg_range_contains(slot, b->range);
}

bool idg_lint_same_owner(const struct idg_owner_index *x, const struct idg_entry *a,
                         const struct idg_entry *b)
{
    if (a->window || b->window) {
        if (a->window && b->window)
            return false; /* two windows share ids between different uids */
        return a->window ? within_own_slot(x, a, b) : within_own_slot(x, b, a);
    }
    if (a->owner_len == b->owner_len && memcmp(a->owner, b->owner, a->owner_len) == 0)
        return true;
    int64_t ua = idg_owner_index_uid(x, a->owner, a->owner_len);
    return ua >= 0 && ua == idg_owner_index_uid(x, b->owner, b->owner_len);
}

/* Entry indices ordered by start, then line (qsort has no argument). */
static const struct idg_subid_file *sort_file;

static int by_start(const void *x, const void *y)
{
    const struct idg_file_entry *a = &sort_file->v[*(const size_t *)x];
    const struct idg_file_entry *b = &sort_file->v[*(const size_t *)y];
    if (a->e.range.start != b->e.range.start)
        return a->e.range.start < b->e.range.start ? -1 : 1;
    return a->lineno < b->lineno ? -1 : a->lineno > b->lineno;
}

int idg_lint_overlaps(const struct idg_subid_file *f, const struct idg_owner_index *x,
                      idg_overlap_fn fn, void *arg)
{
    size_t *idx = reallocarray(NULL, f->n ? f->n : 1, sizeof(*idx));
    if (!idx)
        return -ENOMEM;
    for (size_t i = 0; i < f->n; i++)
        idx[i] = i;
    sort_file = f;
    qsort(idx, f->n, sizeof(*idx), by_start);
    const struct idg_file_entry *reach = NULL; /* the entry reaching furthest so far */
    int rc = 0;
    for (size_t i = 0; i < f->n && rc >= 0; i++) {
        const struct idg_file_entry *e = &f->v[idx[i]];
        if (reach && e->e.range.start <= idg_range_last(reach->e.range) &&
            !idg_lint_same_owner(x, &e->e, &reach->e))
            rc = fn(arg, e, reach);
        if (!reach || idg_range_last(e->e.range) > idg_range_last(reach->e.range))
            reach = e;
    }
    free(idx);
    return rc < 0 ? rc : 0;
}

enum idg_lint_acct idg_lint_account(struct idg_range r, const struct idg_id_list *accts,
                                    uint32_t acct_max, const struct idg_id_name **hit)
{
    *hit = idg_id_list_within(accts, r.start, idg_range_last(r));
    if (*hit)
        return IDG_LINT_ACCT_ID;
    struct idg_range acct_space = {0, acct_max + 1};
    return idg_range_overlaps(r, acct_space) ? IDG_LINT_ACCT_RESERVED : IDG_LINT_ACCT_NONE;
}
