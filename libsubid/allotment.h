/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A caller's allotments: the ranges the sources grant them, each with where
 * it came from (file and line), so that a refusal can show them.
 */
#ifndef IDGATE_ALLOTMENT_H
#define IDGATE_ALLOTMENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "range.h"
#include "readfile.h"
#include "subid_line.h"
#include "trust.h"

struct idg_allotment {
    struct idg_range range;
    const char *source;   /* a path, or a source's name; static or caller-owned */
    uint32_t line;        /* 0 when the source has no lines */
    bool window;          /* the range is a slot of a window line: */
    uint32_t first, last; /* its uids */
};

struct idg_allotments {
    struct idg_allotment *v;
    size_t n, cap;
};

void idg_allotments_free(struct idg_allotments *a);
int idg_allotments_add(struct idg_allotments *a, struct idg_range r, const char *source,
                       uint32_t line);
/* Order by start (then by count), as idg_decide() wants them. */
void idg_allotments_sort(struct idg_allotments *a);

/*
 * A line of IDG_LINE_MAX bytes or more (without its '\n') is
 * IDG_LINE_TOO_LONG, never parsed; the reader reads IDG_READ_CHUNK bytes at
 * a time (readfile.h).
 */
#define IDG_LINE_MAX (64 * 1024)

/* Told about each malformed line that belongs to the owner. */
typedef void (*idg_bad_line_fn)(void *arg, const char *path, uint32_t line,
                                enum idg_line_status st);

/*
 * Read `path` (a subuid/subgid or id_permission file) in one pass with a
 * bounded buffer and append the owner's valid entries to *out.
 * A file that does not exist adds nothing and returns 0. A file that fails
 * the trust rules, or cannot be read, returns -1 with *pb filled.
 * Returns 0, or -ENOMEM.
 */
int idg_collect_allotments(const char *path, uid_t trusted_owner, const struct idg_owner *o,
                           struct idg_allotments *out, idg_bad_line_fn bad, void *arg,
                           struct idg_file_problem *pb);

/* The same over a buffer already in memory (used by tests and fuzzers). */
int idg_collect_from_buffer(const char *buf, size_t len, const char *path,
                            const struct idg_owner *o, struct idg_allotments *out,
                            idg_bad_line_fn bad, void *arg);

/* Told about each valid entry whose range holds the id; a return below 0
 * stops the scan and is returned. */
typedef int (*idg_holding_fn)(void *arg, const struct idg_entry *e, uint32_t line);

/*
 * Every valid entry of `path` whose range holds `id`, in file order, by the
 * same bounded one-pass reader (malformed lines are skipped silently). A
 * missing file: 0. Untrusted or unreadable: -1 with *pb filled. Else 0, or
 * what fn returned below 0 (-ENOMEM from the reader).
 */
int idg_entries_holding(const char *path, uid_t trusted_owner, uint32_t id, idg_holding_fn fn,
                        void *arg, struct idg_file_problem *pb);

#endif
