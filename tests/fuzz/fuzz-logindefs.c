/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * login.defs, the settings subid-add allocates by. Checks: on success both
 * pools can hold a range (MIN <= MAX, COUNT >= 1, COUNT ids fit from MIN to
 * MAX, ACCT_MIN <= ACCT_MAX, ids below 4294967295); on failure the error
 * names a setting or a line and says why, in a terminated string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logindefs.h"
#include "number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct idg_logindefs d;
    struct idg_logindefs_error err;
    memset(&err, 0xa5, sizeof(err));
    idg_logindefs_default(&d);
    if (idg_logindefs_parse(buf, size, &d, &err) == 0) {
        for (int k = 0; k < 2; k++) {
            const struct idg_pool *p = &d.pool[k];
            if (p->count < 1 || p->min > p->max || p->max > IDG_ID_MAX)
                __builtin_trap();
            /* COUNT ids from MIN end by MAX: MIN + COUNT - 1 <= MAX, in 64 bits. */
            if ((uint64_t)p->min + p->count - 1 > p->max)
                __builtin_trap();
            if (p->acct_min > p->acct_max || p->acct_max > IDG_ID_MAX)
                __builtin_trap();
        }
    } else {
        if (!err.why || memchr(err.setting, '\0', sizeof(err.setting)) == NULL)
            __builtin_trap();
        if (err.line == 0 && err.setting[0] == '\0')
            __builtin_trap();
    }
    free(buf);
    return 0;
}
