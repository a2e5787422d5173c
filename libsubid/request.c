/* SPDX-License-Identifier: BSD-3-Clause */
#include "request.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "number.h"

int idg_parse_target(const char *s, struct idg_target_arg *t)
{
    bool is_fd = strncmp(s, "fd:", 3) == 0;
    uint32_t v;
    int r = idg_parse_u32(is_fd ? s + 3 : s, is_fd ? IDG_FD_MAX : IDG_PID_MAX, &v);
    if (r < 0)
        return r;
    if (!is_fd && v == 0)
        return -ERANGE; /* pid 0 is not a process */
    t->is_fd = is_fd;
    t->value = v;
    return 0;
}

int idg_parse_extents(char *const *args, size_t n, struct idg_extent *out, struct idg_arg_error *e)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t f[3];
        for (int k = 0; k < 3; k++) {
            const char *s = args[i * 3 + (size_t)k];
            uint32_t max = k == IDG_FIELD_COUNT ? IDG_COUNT_MAX : IDG_ID_MAX;
            int r = idg_parse_u32(s, max, &f[k]);
            if (r == 0 && k == IDG_FIELD_COUNT && f[k] == 0)
                r = -EINVAL;
            if (r < 0) {
                *e = (struct idg_arg_error){
                    .triple = i + 1, .field = (enum idg_field)k, .err = r, .text = s};
                return -EINVAL;
            }
        }
        for (int k = 0; k < 2; k++)
            if (idg_range_check(f[k], f[2]) < 0) {
                *e = (struct idg_arg_error){.triple = i + 1,
                                            .field = (enum idg_field)k,
                                            .err = -ERANGE,
                                            .wraps = true,
                                            .start = f[k],
                                            .count = f[2],
                                            .text = args[i * 3 + (size_t)k]};
                return -EINVAL;
            }
        out[i] = (struct idg_extent){.inside = f[0], .outside = f[1], .count = f[2]};
    }
    return 0;
}

const char *idg_sanitize(char *buf, size_t len, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (len)
        buf[i] = '\0';
    return buf;
}

const char *idg_arg_error_str(char *buf, size_t len, const struct idg_arg_error *e)
{
    static const char *const names[] = {"INSIDE", "OUTSIDE", "COUNT"};
    const char *name = names[e->field];
    char q[64];
    idg_sanitize(q, sizeof(q), e->text);
    if (e->wraps)
        snprintf(buf, len, "triple %zu: %s %u with COUNT %u ends past 4294967294, the largest id",
                 e->triple, name, e->start, e->count);
    else if (e->err == -ERANGE)
        snprintf(buf, len, "triple %zu: %s '%s' is larger than %s", e->triple, name, q,
                 e->field == IDG_FIELD_COUNT ? "4294967295" : "4294967294, the largest id");
    else if (e->field == IDG_FIELD_COUNT)
        snprintf(buf, len, "triple %zu: COUNT '%s' is not a plain decimal from 1 to 4294967295",
                 e->triple, q);
    else
        snprintf(
            buf, len,
            "triple %zu: %s '%s' is not a plain decimal (no sign, blanks, leading zeros or hex)",
            e->triple, name, q);
    return buf;
}

int idg_map_format(char *buf, size_t cap, const struct idg_extent *ext, size_t n)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + pos, cap - pos, "%u %u %u\n", ext[i].inside, ext[i].outside,
                         ext[i].count);
        /* snprintf keeps a byte for the NUL, so the text stays under `cap`
           bytes, as the kernel wants (count < PAGE_SIZE). */
        if (w < 0 || (size_t)w >= cap - pos)
            return -E2BIG;
        pos += (size_t)w;
    }
    return (int)pos;
}
