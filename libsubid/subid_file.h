/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A whole subuid/subgid file in memory, for the tools that edit or lint it
 * (subid-add). The helpers never use this: they stream (allotment.h).
 *
 * Editing keeps every byte it is not asked to change: comments, unknown
 * lines and order stay; removed lines vanish; new lines go at the end.
 */
#ifndef IDGATE_SUBID_FILE_H
#define IDGATE_SUBID_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "subid_line.h"
#include "trust.h"

/* Files larger than this are refused (-EFBIG): 64 MiB is ~2.5 M entries. */
#define IDG_SUBID_FILE_MAX (64u << 20)

struct idg_file_entry {
    struct idg_entry e; /* owner points into the file's buffer */
    uint32_t lineno;
    size_t off, len; /* the line's bytes, without its '\n' */
};

struct idg_file_bad {
    uint32_t lineno;
    enum idg_line_status st;
};

struct idg_subid_file {
    char *buf;
    size_t len;
    bool exists;
    struct idg_file_entry *v; /* the valid entries, in file order */
    size_t n, cap;
    struct idg_file_bad *bad; /* the malformed lines, in file order */
    size_t n_bad, cap_bad;
    bool sorted; /* entries are in ascending start order */
};

/*
 * Read and parse `path`, which must pass the trust rules (trust.h) for
 * trusted_owner. A missing file is an empty one (exists false).
 * Returns 0; -1 with *pb filled for an untrusted or unreadable file;
 * -EFBIG or -ENOMEM.
 */
int idg_subid_file_load(const char *path, uid_t trusted_owner, struct idg_subid_file *f,
                        struct idg_file_problem *pb);

/* The same without parsing: buf, len and exists only (idg_add_scan reads
 * the bytes itself); idg_subid_file_adopt(f, f->buf, f->len) parses later. */
int idg_subid_file_read(const char *path, uid_t trusted_owner, struct idg_subid_file *f,
                        struct idg_file_problem *pb);

/* Parse a buffer the file takes ownership of (malloc'ed). 0 or -ENOMEM. */
int idg_subid_file_adopt(struct idg_subid_file *f, char *buf, size_t len);

void idg_subid_file_free(struct idg_subid_file *f);

/* Does entry i belong to the owner (by name or decimal uid)? */
bool idg_subid_file_owned(const struct idg_subid_file *f, size_t i, const struct idg_owner *o);

/*
 * The file's new content: every line except the entries whose drop[i] is
 * true (drop may be NULL), then `append` (whole lines, each ending in '\n').
 * A last line without '\n' gets one before the appended text.
 * *out is malloc'ed. 0 or -ENOMEM.
 */
int idg_subid_file_edit(const struct idg_subid_file *f, const bool *drop, const char *append,
                        size_t append_len, char **out, size_t *out_len);

/* The same, and a dropped entry i with replace[i] non-NULL gets that line
 * (without '\n') in its place, as shadow edits a line it cuts. */
int idg_subid_file_rewrite(const struct idg_subid_file *f, const bool *drop,
                           const char *const *replace, const char *append, size_t append_len,
                           char **out, size_t *out_len);

/*
 * Appending only, without a copy: the pieces of the new content (the old
 * bytes, a '\n' if the last line lacks one, then `append`) in iov[0..2].
 * They point into f and append. Returns the number of pieces.
 */
int idg_subid_file_append_iov(const struct idg_subid_file *f, const char *append, size_t append_len,
                              struct iovec iov[3]);

/*
 * "owner:start:count\n" into buf. -EINVAL if the owner could not be read
 * back as the same owner field (empty, blanks, ':', '#' first, control
 * bytes) or makes the line a window (FIRST-LAST), -ENOSPC if buf is too
 * small; else the length.
 */
int idg_entry_format(char *buf, size_t len, const char *owner, struct idg_range r);

#endif
