/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-floor: the least a map helper can do, for tests/bench/compare: no
 * posture, no source, no check; write argv's map to /proc/PID/uid_map (or
 * gid_map when the program's name contains "gid") in one write() and exit.
 * Installed setuid root only inside compare's private mount namespace, it
 * is the floor that exec, the dynamic linker and the write itself cost, so
 * that the table shows what idgate's checks add above it.
 *
 *   bench-floor PID INSIDE OUTSIDE COUNT [INSIDE OUTSIDE COUNT]...
 *
 * Exit 0, or 1 (nothing printed: the harness checks the map).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 5 || (argc - 2) % 3 != 0)
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
    snprintf(path, sizeof(path), "/proc/%s/%s_map", argv[1],
             strstr(argv[0], "gid") ? "gid" : "uid");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    return fd >= 0 && write(fd, text, len) == (ssize_t)len ? 0 : 1;
}
