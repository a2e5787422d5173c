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

#include "atomic.h"
#include "readfile.h"
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

/* A line a new version leaves out (off, len: without its '\n'), or puts
 * repl (a line without '\n') in place of. */
struct idg_cut {
    size_t off, len;
    const char *repl;
};

/*
 * The new version of a file of file_len bytes (open_line: its last line
 * lacks its '\n') as pieces (atomic.h): every byte but the cut lines and
 * their '\n', a replacement where given (with a '\n' where the cut line
 * had one), then `append` (whole lines), after a '\n' if what comes before
 * it lacks one. Pieces of the file itself have mem NULL. cuts ascending by
 * off; out has room for 3 * n + 3. Returns how many pieces.
 */
size_t idg_rewrite_pieces(const struct idg_cut *cuts, size_t n, size_t file_len, bool open_line,
                          const char *append, size_t append_len, struct idg_piece *out);

/*
 * The owner's entries of the file open at fd, read in chunks (readfile.h),
 * each with a copy of its line, and its first malformed line: what an edit
 * that removes or cuts an owner's lines needs, in memory that grows with
 * the owner's lines, not the file's.
 */
struct idg_owned_line {
    uint32_t lineno;
    size_t off, len;    /* the line, without its '\n' */
    struct idg_entry e; /* e.owner points into text */
    char *text;         /* the line, NUL-terminated */
};

struct idg_owned {
    const struct idg_owner *owner; /* in: by idg_owner_matches */
    uint32_t bad_line;             /* out: 0, or the first malformed line */
    enum idg_line_status bad;
    struct idg_owned_line *v; /* in file order */
    size_t n, cap;
    uint32_t lines; /* the scan's own */
};

/* 0, -ENOMEM, -EFBIG or -errno of read(); *rd: what was read. */
int idg_owned_scan_fd(int fd, size_t chunk, struct idg_owned *ow, struct idg_chunks_read *rd);
void idg_owned_free(struct idg_owned *ow);

/*
 * "owner:start:count\n" into buf. -EINVAL if the owner could not be read
 * back as the same owner field (empty, blanks, ':', '#' first, control
 * bytes) or makes the line a window (FIRST-LAST), -ENOSPC if buf is too
 * small; else the length.
 */
int idg_entry_format(char *buf, size_t len, const char *owner, struct idg_range r);

#endif
