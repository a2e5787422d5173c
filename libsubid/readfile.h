/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a file whole: login.defs, nsswitch.conf, a subid file to edit. */
#ifndef IDGATE_READFILE_H
#define IDGATE_READFILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read the regular file open at fd, at most `max` bytes, into a malloc'ed
 * *buf (NUL-terminated, *len without the NUL). The buffer is sized from
 * fstat and grows if the file grew meanwhile. 0; -EINVAL when not a regular
 * file; -EFBIG over max; -errno. fd stays open.
 */
int idg_read_fd(int fd, size_t max, char **buf, size_t *len);

/* The same by path (O_NOCTTY|O_NONBLOCK: a fifo must not hang the reader);
 * -ENOENT when it does not exist. */
int idg_read_small(const char *path, size_t max, char **buf, size_t *len);

/*
 * The readers of subid files read IDG_READ_CHUNK bytes at a time. 128 KiB,
 * measured in fresh processes as the helpers run (tests/bench/compare, on a
 * VM where a page fault costs 10 us): 64 KiB is as fast at 100,000 lines
 * but slower at 1,000,000 (more reads), 256 KiB slower at both (more pages
 * to fault in); reading beats mmap() here (tests/bench/bench-scan).
 */
#define IDG_READ_CHUNK (128 * 1024)

/*
 * Read the file open at fd from its start to its end (pread(): the fd's
 * offset is neither used nor moved; fd -1, a file that does not exist, is
 * an empty one) in chunks of about
 * `chunk` bytes, handing fn whole lines only: each call gets the lines of
 * one chunk, which start at byte `base` of what was read, and every one
 * ends in '\n' but the file's last (a line longer than the chunk grows it).
 * Memory does not grow with the file. *rd: how many bytes were read and
 * whether the last line lacks its '\n'. 0; fn's non-zero return; -ENOMEM;
 * -EFBIG past `max` bytes; -errno of read().
 */
struct idg_chunks_read {
    size_t len;
    bool open_line;
};
typedef int (*idg_chunk_fn)(void *arg, const char *lines, size_t len, size_t base);
int idg_read_chunks(int fd, size_t chunk, size_t max, idg_chunk_fn fn, void *arg,
                    struct idg_chunks_read *rd);

/* The same, told how: a line of line_max bytes or more (0: no limit) is
 * handed to too_long (what was read of it) and skipped, not buffered; a
 * max of 0 is no limit; prefault: the buffer's pages made at once when the
 * file fills it (a page fault costs microseconds in a VM). */
struct idg_chunks {
    size_t chunk, max, line_max;
    void (*too_long)(void *arg, const char *head, size_t len);
    bool prefault;
};
int idg_read_chunks_with(int fd, const struct idg_chunks *how, idg_chunk_fn fn, void *arg,
                         struct idg_chunks_read *rd);

/* Write all len bytes to fd (a pipe to a parent), retrying on EINTR and
 * short writes. False on any error. */
bool idg_write_all(int fd, const void *buf, size_t len);

/* Fault in a large fresh allocation at once (a page fault per 4 KiB page
 * costs microseconds in a VM); for the arrays built from what was read. */
void idg_prefault(void *p, size_t len);

/* Ask for transparent huge pages over a large allocation that is touched
 * only in part (each one then costs one fault per 2 MiB). */
void idg_hugepage_hint(void *p, size_t len);

#endif
