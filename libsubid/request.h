/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command line of newuidmap/newgidmap, exactly shadow's:
 *     TARGET INSIDE OUTSIDE COUNT [INSIDE OUTSIDE COUNT]...
 * TARGET is a decimal pid or "fd:N". Pure: no I/O.
 */
#ifndef IDGATE_REQUEST_H
#define IDGATE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "decide.h"

/* Linux pids are below PID_MAX_LIMIT (2^22); fds are ints. */
#define IDG_PID_MAX UINT32_C(4194303)
#define IDG_FD_MAX UINT32_C(2147483647)

struct idg_target_arg {
    bool is_fd;     /* "fd:N" */
    uint32_t value; /* the pid (>= 1), or N */
};

/* 0, or -EINVAL (not a pid, not fd:N), -ERANGE (out of range). */
int idg_parse_target(const char *s, struct idg_target_arg *t);

enum idg_field { IDG_FIELD_INSIDE, IDG_FIELD_OUTSIDE, IDG_FIELD_COUNT };

struct idg_arg_error {
    size_t triple; /* 1-based */
    enum idg_field field;
    int err;               /* -EINVAL: not a number; -ERANGE: too big */
    bool wraps;            /* the numbers parse, but start + count passes the id space */
    uint32_t start, count; /* when wraps */
    const char *text;      /* the offending argument */
};

/*
 * Parse n*3 strings into n extents. Returns 0, or -EINVAL with *e set.
 * A count of 0 is -EINVAL; a range passing 4294967295 is -ERANGE on the
 * field whose range wraps (inside or outside).
 */
int idg_parse_extents(char *const *args, size_t n, struct idg_extent *out, struct idg_arg_error *e);

/* "triple 2: OUTSIDE '12x' is not a plain decimal from 0 to 4294967294". */
const char *idg_arg_error_str(char *buf, size_t len, const struct idg_arg_error *e);

/* Copy at most `max` bytes of s into buf, replacing bytes that are not
 * printable ASCII with '?', so that argv can be quoted in messages and logs. */
const char *idg_sanitize(char *buf, size_t len, const char *s);

/*
 * The map text the kernel reads: "INSIDE OUTSIDE COUNT\n" per extent, into
 * buf of `cap` bytes. The kernel takes a map in one write of less than a
 * page, so pass cap = page size. Returns the length, or -E2BIG.
 */
int idg_map_format(char *buf, size_t cap, const struct idg_extent *ext, size_t n);
#endif
