/* SPDX-License-Identifier: BSD-3-Clause */
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explain.h"
#include "userns.h"

int idg_open_trusted(const char *path, uid_t trusted_owner, struct idg_file_problem *pb)
{
    *pb = (struct idg_file_problem){.path = path, .why = IDG_TRUST_OK};
    /* O_NONBLOCK: a fifo planted at the path must not hang a setuid helper. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        pb->err = errno;
        pb->why = errno == ENOENT  ? IDG_TRUST_MISSING
                  : errno == ELOOP ? IDG_TRUST_SYMLINK
                                   : IDG_TRUST_IO;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        pb->err = errno;
        pb->why = IDG_TRUST_IO;
    } else {
        pb->mode = st.st_mode;
        pb->uid = st.st_uid;
        if (!S_ISREG(st.st_mode))
            pb->why = IDG_TRUST_NOT_REGULAR;
        else if (st.st_uid != trusted_owner)
            pb->why = IDG_TRUST_BAD_OWNER;
        else if (st.st_mode & (S_IWGRP | S_IWOTH))
            pb->why = IDG_TRUST_WRITABLE;
    }
    if (pb->why != IDG_TRUST_OK) {
        close(fd);
        return -1;
    }
    return fd;
}

const char *idg_file_problem_str(char *buf, size_t len, const char *path,
                                 const struct idg_file_problem *pb)
{
    unsigned mode = (unsigned)(pb->mode & 07777);
    switch (pb->why) {
    case IDG_TRUST_OK:
        snprintf(buf, len, "%s is trusted", path);
        break;
    case IDG_TRUST_MISSING:
        snprintf(buf, len, "%s does not exist", path);
        break;
    case IDG_TRUST_SYMLINK:
        snprintf(buf, len,
                 "%s is a symbolic link, which is never trusted; replace it with a regular file",
                 path);
        break;
    case IDG_TRUST_NOT_REGULAR:
        snprintf(buf, len, "%s is not a regular file; replace it with one (mode 0644, owner root)",
                 path);
        break;
    case IDG_TRUST_BAD_OWNER: {
        /* Under unshare -r or -U, root's files are nobody's: say so rather
           than ask for a chown that cannot help. */
        struct idg_userns u;
        char map[128], ns[384];
        if (idg_userns_read(NULL, &u) == 0 && idg_userns_unmapped_owner(&u, (uint32_t)pb->uid)) {
            idg_explain_root_unmapped(ns, sizeof(ns), idg_userns_format(map, sizeof(map), &u));
            snprintf(buf, len,
                     "%s is owned by uid %u, which this user namespace does not map, so it is "
                     "not trusted: this process %s; run it outside this user namespace (not "
                     "under unshare -U or -r)",
                     path, (unsigned)pb->uid, ns);
            break;
        }
        snprintf(buf, len,
                 "%s is owned by uid %u, not root, so it is not trusted; run: chown root:root %s",
                 path, (unsigned)pb->uid, path);
        break;
    }
    case IDG_TRUST_WRITABLE:
        snprintf(buf, len,
                 "%s is writable by group or others (mode %04o), so it is not trusted; run: chmod "
                 "go-w %s",
                 path, mode, path);
        break;
    case IDG_TRUST_IO:
        if (pb->err == EMFILE || pb->err == ENFILE) /* the caller's RLIMIT_NOFILE, not the file */
            snprintf(buf, len,
                     "cannot open %s: %s; raise the limit on open files (ulimit -n) and try "
                     "again",
                     path, strerror(pb->err));
        else
            snprintf(buf, len,
                     "cannot read %s: %s; it should be a regular file, mode 0644, owner root", path,
                     strerror(pb->err));
        break;
    }
    return buf;
}
