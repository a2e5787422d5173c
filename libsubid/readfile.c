/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE /* memrchr */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(MADV_HUGEPAGE) || defined(MADV_POPULATE_WRITE)
/* madvise() the whole units (a power of two) that lie inside p..p+len. */
static void advise_inside(void *p, size_t len, uintptr_t unit, int advice)
{
    uintptr_t a = ((uintptr_t)p + unit - 1) & ~(unit - 1);
    uintptr_t b = ((uintptr_t)p + len) & ~(unit - 1);
    if (b > a)
        madvise((void *)a, b - a, advice);
}
#endif

/*
 * Ask for huge pages (2 MiB, transparent) over the 2 MiB-aligned part of a
 * large allocation: a page fault per 4 KiB costs microseconds in a VM, and
 * touching 20 MiB page by page took 100 ms here; with huge pages, 2 ms.
 * Only a hint: ignored where transparent huge pages are off.
 */
void idg_hugepage_hint(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (len >= 2 * huge)
        advise_inside(p, len, huge, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

/*
 * Fault in a large fresh allocation in one call instead of a page fault per
 * 4 KiB page on first touch (huge pages where it is large enough). Only an
 * optimisation: errors (kernels before 5.14) are ignored.
 */
void idg_prefault(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || len < (size_t)page * 16)
        return;
    idg_hugepage_hint(p, len);
    advise_inside(p, len, (uintptr_t)page, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)len;
#endif
}

int idg_read_fd(int fd, size_t max, char **out, size_t *out_len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    if ((uintmax_t)st.st_size > max)
        return -EFBIG;
    /* One byte more than the size: the NUL, and a file that grew meanwhile
     * is noticed. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    idg_prefault(buf, cap);
    for (;;) {
        if (len == cap) {
            char *nb = cap > max ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return cap > max ? -EFBIG : -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return -e;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > max) {
        free(buf);
        return -EFBIG;
    }
    if (len == cap) { /* room for the NUL */
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            return -ENOMEM;
        }
        buf = nb;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

int idg_read_chunks(int fd, size_t chunk, size_t max, idg_chunk_fn fn, void *arg,
                    struct idg_chunks_read *rd)
{
    const struct idg_chunks how = {.chunk = chunk, .max = max};
    return idg_read_chunks_with(fd, &how, fn, arg, rd);
}

int idg_read_chunks_with(int fd, const struct idg_chunks *how, idg_chunk_fn fn, void *arg,
                         struct idg_chunks_read *rd)
{
    *rd = (struct idg_chunks_read){0};
    if (fd < 0) /* no file: an empty one */
        return 0;
    size_t cap = how->chunk ? how->chunk : 1, have = 0, base = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    /* A file that fills the buffer: its pages made in one call rather than
       a fault per 4 KiB on first use, which was a third of a helper's time
       at 100,000 lines on a VM (tests/bench/compare). */
    struct stat st;
    if (how->prefault && fstat(fd, &st) == 0 && st.st_size >= (off_t)cap)
        idg_prefault(buf, cap);
    bool skipping = false; /* inside a line of line_max bytes or more */
    int rc = 0;
    for (;;) {
        /* by offset: the pieces of an edit name bytes from the start */
        ssize_t got = pread(fd, buf + have, cap - have, (off_t)(base + have));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            break;
        }
        if (got == 0) { /* the end: a last line without its '\n' */
            rc = have && !skipping ? fn(arg, buf, have, base) : 0;
            break;
        }
        have += (size_t)got;
        rd->open_line = buf[have - 1] != '\n';
        if (how->max && base + have > how->max) {
            rc = -EFBIG;
            break;
        }
        size_t used = 0;
        if (skipping) { /* up to the end of the long line */
            const char *nl = memchr(buf, '\n', have);
            used = nl ? (size_t)(nl - buf) + 1 : have;
            skipping = nl == NULL;
        }
        const char *nl = memrchr(buf + used, '\n', have - used);
        if (nl) {
            size_t end = (size_t)(nl - buf) + 1;
            if ((rc = fn(arg, buf + used, end - used, base + used)) != 0)
                break;
            used = end;
        }
        if (!skipping && how->line_max && have - used >= how->line_max) {
            /* the unfinished line is too long already: told once, skipped */
            how->too_long(arg, buf + used, have - used);
            skipping = true;
            used = have;
        }
        base += used;
        memmove(buf, buf + used, have - used);
        have -= used;
        if (have == cap) { /* one line fills the chunk: make room for the rest of it */
            char *nb = how->max && cap > how->max ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                rc = -ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    rd->len = base + have;
    free(buf);
    return rc;
}

int idg_read_small(const char *path, size_t max, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    int rc = idg_read_fd(fd, max, buf, len);
    close(fd);
    return rc;
}

bool idg_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}
