/* SPDX-License-Identifier: BSD-3-Clause */
#include "subid_line.h"

#include <stdlib.h>
#include <string.h>

#include "number.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool owner_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!idg_owner_byte_ok((unsigned char)s[i]))
            return false;
    return true;
}

enum idg_line_status idg_parse_line(const char *line, size_t len, struct idg_entry *e)
{
    size_t i = 0;
    while (i < len && is_blank(line[i]))
        i++;
    if (i == len || line[i] == '#')
        return IDG_LINE_COMMENT;

    const char *c1 = memchr(line, ':', len);
    if (!c1)
        return IDG_LINE_BAD_FIELDS;
    const char *rest = c1 + 1;
    size_t rest_len = len - (size_t)(rest - line);
    const char *c2 = memchr(rest, ':', rest_len);
    if (!c2)
        return IDG_LINE_BAD_FIELDS;
    const char *cnt = c2 + 1;
    size_t cnt_len = len - (size_t)(cnt - line);
    if (memchr(cnt, ':', cnt_len))
        return IDG_LINE_BAD_FIELDS;

    size_t owner_len = (size_t)(c1 - line);
    if (!owner_ok(line, owner_len))
        return IDG_LINE_BAD_OWNER;

    uint32_t start, count;
    if (idg_parse_u32n(rest, (size_t)(c2 - rest), IDG_ID_MAX, &start) < 0)
        return IDG_LINE_BAD_START;
    if (idg_parse_u32n(cnt, cnt_len, IDG_COUNT_MAX, &count) < 0 || count == 0)
        return IDG_LINE_BAD_COUNT;
    if (idg_range_check(start, count) < 0)
        return IDG_LINE_BAD_RANGE;

    *e = (struct idg_entry){
        .owner = line, .owner_len = owner_len, .range = {.start = start, .count = count}};
    size_t dash = idg_window_dash(line, owner_len);
    if (!dash)
        return IDG_LINE_ENTRY;
    /* A window: the span is computed in 64 bits, where it cannot wrap. */
    uint32_t first, last;
    if (idg_parse_u32n(line, dash, IDG_ID_MAX, &first) < 0 ||
        idg_parse_u32n(line + dash + 1, owner_len - dash - 1, IDG_ID_MAX, &last) < 0 ||
        first > last)
        return IDG_LINE_BAD_WINDOW;
    e->window = true;
    e->first = first;
    e->last = last;
    e->per = count;
    uint64_t span = ((uint64_t)last - first + 1) * count;
    if ((uint64_t)start + span - 1 > IDG_ID_MAX)
        return IDG_LINE_BAD_SPAN;
    e->range.count = (uint32_t)span;
    return IDG_LINE_ENTRY;
}

bool idg_window_slot(const struct idg_entry *e, uint32_t uid, struct idg_range *out)
{
    if (!e->window || uid < e->first || uid > e->last)
        return false;
    /* Inside the span, which idg_parse_line checked ends by 4294967294. */
    *out = (struct idg_range){e->range.start + (uid - e->first) * e->per, e->per};
    return true;
}

uint32_t idg_window_uid(const struct idg_entry *e, uint32_t id)
{
    return e->first + (id - e->range.start) / e->per;
}

const char *idg_line_status_str(enum idg_line_status st)
{
    switch (st) {
    case IDG_LINE_ENTRY:
        return "valid entry";
    case IDG_LINE_COMMENT:
        return "comment";
    case IDG_LINE_BAD_FIELDS:
        return "expected three fields, owner:start:count";
    case IDG_LINE_BAD_OWNER:
        return "owner is empty or contains blanks or control characters";
    case IDG_LINE_BAD_START:
        return "start is not a plain decimal from 0 to 4294967294";
    case IDG_LINE_BAD_COUNT:
        return "count is not a plain decimal from 1 to 4294967295";
    case IDG_LINE_BAD_RANGE:
        return "start + count passes 4294967295, the end of the id space";
    case IDG_LINE_TOO_LONG:
        return "the line is longer than 64 KiB";
    case IDG_LINE_BAD_WINDOW:
        return "window owner FIRST-LAST is not two plain decimal uids with FIRST <= LAST";
    case IDG_LINE_BAD_SPAN:
        return "the window's span, START + (LAST - FIRST + 1) * COUNT ids, passes 4294967294, "
               "the end of the id space";
    }
    return "unknown line status";
}

void idg_owner_init(struct idg_owner *o, const char *name, uint32_t uid)
{
    o->name = name;
    o->name_len = name ? strlen(name) : 0;
    o->uid = uid;
    o->uid_len = idg_format_u32(o->uid_str, uid);
    o->has_wuid = true;
    o->wuid = uid;
}

void idg_owner_init_name(struct idg_owner *o, const char *name)
{
    *o = (struct idg_owner){.name = name, .name_len = strlen(name)};
}

static bool has_prefix_colon(const char *line, size_t len, const char *key, size_t key_len)
{
    return key_len != 0 && len > key_len && line[key_len] == ':' && memcmp(line, key, key_len) == 0;
}

/* Does the line begin like a window, "DIGITS-DIGITS:"? */
static bool looks_like_window(const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    return colon && idg_window_dash(line, (size_t)(colon - line)) != 0;
}

bool idg_line_may_belong(const struct idg_owner *o, const char *line, size_t len)
{
    return has_prefix_colon(line, len, o->uid_str, o->uid_len) ||
           (o->name && has_prefix_colon(line, len, o->name, o->name_len)) ||
           (o->has_wuid && len && line[0] >= '0' && line[0] <= '9' && looks_like_window(line, len));
}

void idg_lines_init(struct idg_lines *it, const char *buf, size_t len)
{
    it->p = buf;
    it->end = buf + len;
    it->lineno = 0;
}

bool idg_lines_next(struct idg_lines *it, const char **line, size_t *len)
{
    if (it->p >= it->end)
        return false;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    const char *stop = nl ? nl : it->end;
    *line = it->p;
    *len = (size_t)(stop - it->p);
    it->p = nl ? nl + 1 : it->end;
    it->lineno++;
    return true;
}

char *idg_line_keep(const char *line, size_t len, struct idg_entry *e)
{
    char *text = malloc(len + 1);
    if (!text)
        return NULL;
    memcpy(text, line, len);
    text[len] = '\0';
    e->owner = text + (e->owner - line);
    return text;
}
