/* SPDX-License-Identifier: BSD-3-Clause */
#include "logindefs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "readfile.h"
#include "subid_line.h"

enum field { F_MIN, F_MAX, F_COUNT, F_DET, F_ACCT_MIN, F_ACCT_MAX };

static const struct setting {
    const char *name;
    int kind; /* 0 uids, 1 gids */
    enum field field;
} settings[] = {
    {"SUB_UID_MIN", 0, F_MIN},           {"SUB_UID_MAX", 0, F_MAX},  {"SUB_UID_COUNT", 0, F_COUNT},
    {"SUB_UID_DETERMINISTIC", 0, F_DET}, {"UID_MIN", 0, F_ACCT_MIN}, {"UID_MAX", 0, F_ACCT_MAX},
    {"SUB_GID_MIN", 1, F_MIN},           {"SUB_GID_MAX", 1, F_MAX},  {"SUB_GID_COUNT", 1, F_COUNT},
    {"SUB_GID_DETERMINISTIC", 1, F_DET}, {"GID_MIN", 1, F_ACCT_MIN}, {"GID_MAX", 1, F_ACCT_MAX},
};

void idg_logindefs_default(struct idg_logindefs *d)
{
    for (int k = 0; k < 2; k++)
        d->pool[k] = (struct idg_pool){
            .min = 100000,
            .max = 600100000,
            .count = 65536,
            .deterministic = false,
            .acct_min = 1000,
            .acct_max = 60000,
        };
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void fail(struct idg_logindefs_error *err, uint32_t line, const char *setting,
                 const char *why)
{
    err->line = line;
    size_t n = strlen(setting);
    if (n >= sizeof(err->setting))
        n = sizeof(err->setting) - 1;
    memcpy(err->setting, setting, n);
    err->setting[n] = '\0';
    err->why = why;
}

static int set_value(struct idg_pool *p, enum field f, const char *v, size_t vlen)
{
    if (f == F_DET) {
        if (vlen == 3 && memcmp(v, "yes", 3) == 0)
            p->deterministic = true;
        else if (vlen == 2 && memcmp(v, "no", 2) == 0)
            p->deterministic = false;
        else
            return -EINVAL;
        return 0;
    }
    uint32_t n;
    if (idg_parse_u32n(v, vlen, f == F_COUNT ? IDG_COUNT_MAX : IDG_ID_MAX, &n) < 0)
        return -EINVAL;
    if (f == F_COUNT && n == 0)
        return -ERANGE;
    switch (f) {
    case F_MIN:
        p->min = n;
        break;
    case F_MAX:
        p->max = n;
        break;
    case F_COUNT:
        p->count = n;
        break;
    case F_ACCT_MIN:
        p->acct_min = n;
        break;
    case F_ACCT_MAX:
        p->acct_max = n;
        break;
    case F_DET:
        break;
    }
    return 0;
}

/* The settings must describe pools that can hold at least one range. */
static int check_pools(const struct idg_logindefs *d, struct idg_logindefs_error *err)
{
    static const char *const prefix[2] = {"SUB_UID", "SUB_GID"};
    for (int k = 0; k < 2; k++) {
        const struct idg_pool *p = &d->pool[k];
        char name[32];
        strcpy(name, prefix[k]);
        if (p->count == 0) {
            fail(err, 0, strcat(name, "_COUNT"), "is 0; a range holds at least one id");
            return -EINVAL;
        }
        if (p->min > p->max) {
            fail(err, 0, strcat(name, "_MIN"), "is above its _MAX; the pool is empty");
            return -EINVAL;
        }
        if (p->count - 1 > p->max - p->min) {
            fail(err, 0, strcat(name, "_COUNT"), "is larger than the pool from _MIN to _MAX");
            return -EINVAL;
        }
        if (p->acct_min > p->acct_max) {
            fail(err, 0, k ? "GID_MIN" : "UID_MIN", "is above its _MAX");
            return -EINVAL;
        }
    }
    return 0;
}

int idg_logindefs_parse(const char *buf, size_t len, struct idg_logindefs *d,
                        struct idg_logindefs_error *err)
{
    bool gid_det_set = false;
    struct idg_lines it;
    const char *line;
    size_t n;
    idg_lines_init(&it, buf, len);
    while (idg_lines_next(&it, &line, &n)) {
        const char *p = line, *end = line + n;
        while (p < end && is_blank(*p))
            p++;
        if (p == end || *p == '#')
            continue;
        const char *name = p;
        while (p < end && !is_blank(*p))
            p++;
        size_t name_len = (size_t)(p - name);
        const struct setting *s = NULL;
        for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
            if (strlen(settings[i].name) == name_len &&
                memcmp(settings[i].name, name, name_len) == 0)
                s = &settings[i];
        if (!s)
            continue;
        while (p < end && is_blank(*p))
            p++;
        const char *v = p;
        while (p < end && !is_blank(*p))
            p++;
        size_t vlen = (size_t)(p - v);
        while (p < end && is_blank(*p))
            p++;
        if (vlen == 0 || p != end) {
            fail(err, it.lineno, s->name, vlen ? "has more than one value" : "has no value");
            return -EINVAL;
        }
        int rc = set_value(&d->pool[s->kind], s->field, v, vlen);
        if (rc < 0) {
            fail(err, it.lineno, s->name,
                 s->field == F_DET ? "must be yes or no"
                 : rc == -ERANGE   ? "is 0; a range holds at least one id"
                                   : "is not a plain decimal id (no sign, hex, octal or "
                                     "leading zero; at most 4294967294)");
            return -EINVAL;
        }
        if (s->field == F_DET && s->kind == 1)
            gid_det_set = true;
    }
    if (!gid_det_set)
        d->pool[1].deterministic = d->pool[0].deterministic;
    return check_pools(d, err);
}

int idg_logindefs_load(const char *path, struct idg_logindefs *d, struct idg_logindefs_error *err)
{
    idg_logindefs_default(d);
    char *buf;
    size_t len;
    int rc = idg_read_small(path, 1u << 20, &buf, &len);
    if (rc == -ENOENT)
        return check_pools(d, err);
    if (rc == -EINVAL) {
        fail(err, 0, "", "is not a regular file");
        return rc;
    }
    if (rc < 0)
        return rc;
    rc = idg_logindefs_parse(buf, len, d, err);
    free(buf);
    return rc;
}
