/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one number parser of idgate.
 *
 * Rules it keeps (user_namespaces(7), newuidmap(1)):
 *  - base 10 only: no sign, no whitespace, no "0x", no leading zero
 *    ("0" itself is fine), at least one digit;
 *  - the value fits in uint32_t and is <= the caller's maximum.
 * Everything that reads an id or a count, from argv or from a file, goes
 * through here, so "010" can never mean 8 and "-1" can never mean 4294967295.
 */
#ifndef IDGATE_NUMBER_H
#define IDGATE_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* The largest valid id: (uid_t)-1 means "no id" to the kernel. */
#define IDG_ID_MAX UINT32_C(4294967294)
/* The largest count: 0 + 4294967295 reaches the end of the id space. */
#define IDG_COUNT_MAX UINT32_C(4294967295)

/*
 * Parse exactly `len` bytes at `s` (no NUL needed) as a decimal in [0, max].
 * Returns 0 and sets *out, -EINVAL for anything that is not a plain decimal,
 * -ERANGE for a plain decimal above max. *out is untouched on error.
 */
int idg_parse_u32n(const char *s, size_t len, uint32_t max, uint32_t *out);

/* The same for a NUL-terminated string. */
int idg_parse_u32(const char *s, uint32_t max, uint32_t *out);

/* Write `v` in decimal to buf (at least 11 bytes); returns the length. */
size_t idg_format_u32(char buf[static 11], uint32_t v);

#endif
