/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-floor: the least a map helper can do, for tests/bench/compare: no
 * posture, no source, no check; write argv's map to /proc/PID/uid_map (or
 * gid_map when the program's name contains "gid") in one write() and exit.
 * Installed setuid root only inside compare's private mount namespace, it
 * is the floor that exec, the dynamic linker and the write itself cost, so
 * that the table shows what idgate's checks add above it.
 *
 * Installed under a name containing "read", it first reads /etc/subuid (or
 * /etc/subgid) whole, 128 KiB at a time as idgate's reader does, with a
 * memchr() over each chunk: the floor for any helper that must read every
 * byte of the file in a fresh process.
 *
 *   bench-floor PID INSIDE OUTSIDE COUNT [INSIDE OUTSIDE COUNT]...
 *
 * Exit 0, or 1 (nothing printed: the harness checks the map).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read the file whole; the newlines seen, or -1. */
static long read_all(const char *path)
{
    enum { CHUNK = 128 * 1024 };
    char *buf = malloc(CHUNK);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long lines = 0;
    ssize_t got;
    if (!buf || fd < 0)
        return -1;
    while ((got = read(fd, buf, CHUNK)) > 0)
        for (char *p = buf, *end = buf + got; (p = memchr(p, '\n', (size_t)(end - p))); p++)
            lines++;
    close(fd);
    free(buf);
    return got < 0 ? -1 : lines;
}

int main(int argc, char **argv)
{
    if (argc < 5 || (argc - 2) % 3 != 0)
        return 1;
    bool gid = strstr(argv[0], "gid") != NULL;
    if (strstr(argv[0], "read") && read_all(gid ? "/etc/subgid" : "/etc/subuid") < 0)
        return 1;
    char text[4096], path[64];
    size_t len = 0;
    for (int i = 2; i + 2 < argc; i += 3) {
        int n = snprintf(text + len, sizeof(text) - len, "%s %s %s\n", argv[i], argv[i + 1],
                         argv[i + 2]);
        if (n < 0 || (size_t)n >= sizeof(text) - len)
            return 1;
        len += (size_t)n;
    }
    snprintf(path, sizeof(path), "/proc/%s/%s_map", argv[1], gid ? "gid" : "uid");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    return fd >= 0 && write(fd, text, len) == (ssize_t)len ? 0 : 1;
}
