/* SPDX-License-Identifier: BSD-3-Clause */
#include "grant.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"

/* The new line; a login name the grammar cannot hold (blanks, a leading
 * '#') is written as the uid, which names the same account. Only an
 * account has one: any other owner must be writable as given. */
static void format_line(const struct idg_grant_req *rq, struct idg_grant_res *res)
{
    res->line_len =
        rq->name ? idg_entry_format(res->line, sizeof(res->line), rq->name, res->got) : -EINVAL;
    if (res->line_len < 0 && rq->has_uid) {
        char uid[11];
        uid[idg_format_u32(uid, rq->uid)] = '\0';
        res->line_len = idg_entry_format(res->line, sizeof(res->line), uid, res->got);
    }
    if (res->line_len < 0)
        res->st = IDG_ALLOC_BAD_REQUEST;
}

/* The file to decide over: bytes in memory, or an open file read in chunks. */
struct grant_src {
    const char *buf;
    size_t len;
    int fd; /* when buf is NULL */
    struct idg_chunks_read *rd;
};

static int grant_plan(const struct grant_src *src, const struct idg_id_list *accts,
                      const struct idg_grant_req *rq, struct idg_grant_res *res)
{
    *res = (struct idg_grant_res){.st = IDG_ALLOC_OK};
    const struct idg_pool *pool = rq->pool;
    /* What is taken besides the file: account ids and the ids up to UID_MAX. */
    struct idg_subid_file none = {0};
    struct idg_taken_set extra;
    if (idg_taken_build(&extra, &none, accts, pool) < 0)
        return -ENOMEM;

    /* The range to check, when it is not searched for. */
    const struct idg_taken *conflict = NULL;
    bool exact = rq->mode != IDG_GRANT_FIRST_FIT;
    uint32_t count = rq->mode == IDG_GRANT_EXACT ? rq->want.count : rq->count;
    if (rq->mode == IDG_GRANT_EXACT) {
        res->got = rq->want;
        conflict = idg_taken_conflict(&extra, res->got);
    } else if (rq->mode == IDG_GRANT_DETERMINISTIC) {
        res->st = idg_alloc_deterministic(&extra, pool, rq->uid, count, &res->got, &conflict);
    }

    /* One pass over the file: bad lines, what the owner has, collisions,
     * and every range for the first fit. Exact and deterministic: only an
     * entry equal to res->got serves; with no slot (count 0) none does. */
    struct idg_add_scan sc = {.owner = rq->owner, .exact = exact, .want = res->got, .count = count};
    int rc = src->buf ? idg_add_scan(src->buf, src->len, &sc)
                      : idg_add_scan_fd(src->fd, IDG_READ_CHUNK, &sc, src->rd);
    if (rc < 0)
        goto out;
    if (sc.bad_line) {
        res->bad_line = sc.bad_line;
        res->bad = sc.bad;
        res->st = IDG_ALLOC_BAD_REQUEST;
        goto out;
    }
    if (sc.has && (rq->reuse || exact)) {
        res->reused = true;
        res->have = sc.have; /* with its text, if any */
        sc.have.text = NULL;
        res->got = sc.have.e.range;
        res->st = IDG_ALLOC_OK;
        goto out;
    }
    if (exact) {
        if (conflict) {
            res->st = IDG_ALLOC_COLLIDES;
            res->conflict_taken = true;
            res->conflict = *conflict;
        } else if (res->st == IDG_ALLOC_OK && sc.conflict) {
            res->st = IDG_ALLOC_COLLIDES;
            res->hit = sc.hit;
            sc.hit.text = NULL;
        }
    } else {
        struct idg_fit fit;
        idg_fit_init(&fit, &extra, rq->min, rq->max, count);
        for (size_t i = 0; i < sc.n_ranges && !fit.done; i++)
            idg_fit_feed(&fit, sc.ranges[i]);
        res->st = idg_fit_result(&fit, &res->got);
    }
    if (res->st == IDG_ALLOC_OK && !rq->decide_only)
        format_line(rq, res);
out:
    idg_add_scan_free(&sc);
    idg_taken_free(&extra);
    return rc;
}

int idg_grant_plan(const char *buf, size_t len, const struct idg_id_list *accts,
                   const struct idg_grant_req *rq, struct idg_grant_res *res)
{
    const struct grant_src src = {.buf = buf ? buf : "", .len = len};
    return grant_plan(&src, accts, rq, res);
}

int idg_grant_plan_fd(int fd, struct idg_chunks_read *rd, const struct idg_id_list *accts,
                      const struct idg_grant_req *rq, struct idg_grant_res *res)
{
    const struct grant_src src = {.fd = fd, .rd = rd};
    return grant_plan(&src, accts, rq, res);
}

void idg_grant_res_free(struct idg_grant_res *res)
{
    free(res->have.text);
    free(res->hit.text);
    res->have.text = res->hit.text = NULL;
}
