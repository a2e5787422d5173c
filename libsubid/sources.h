/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one source layer: where subordinate ids come from, as the "subid:"
 * line of nsswitch.conf lists them, in order. The helpers, getsubids,
 * subid-add and the public API all ask through it.
 *
 *  - "files": /etc/subuid or /etc/subgid, then /etc/id_permission/{uids,gids};
 *  - any other NAME: the module libsubid_NAME.so, loaded with dlopen() and
 *    called through shadow's plugin ABI (shadow_subid_list_owner_ranges,
 *    shadow_subid_has_range, shadow_subid_find_subid_owners, optional
 *    shadow_subid_free), as SSSD's libsubid_sss.so provides it.
 *
 * Rules:
 *  - every listed source is asked; a source that cannot be loaded or
 *    reached makes the whole answer an error naming it: never a grant by
 *    falling back to the sources that did answer;
 *  - every allotment says which source gave it (file:line, or the name);
 *  - no line: "files", as in shadow;
 *  - modules are loaded by the caller, so the setuid helpers load them only
 *    in their reader child, which holds no capability and the caller's ids.
 */
#ifndef IDGATE_SOURCES_H
#define IDGATE_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "allotment.h"
#include "nsswitch.h"
#include "subid_line.h"
#include "trust.h"

/* Which ids, in shadow's numbering (enum subid_type). */
enum idg_src_kind { IDG_SRC_UID = 1, IDG_SRC_GID = 2 };

/* What asking gave, in shadow's numbering (enum subid_status). */
enum idg_src_status {
    IDG_SRC_OK = 0,
    IDG_SRC_UNKNOWN_USER = 1,
    IDG_SRC_UNREACHABLE = 2, /* SUBID_STATUS_ERROR_CONN; also: could not be loaded */
    IDG_SRC_ERROR = 3,
};

/* More ranges than this from one module for one user is an error. */
#define IDG_SRC_MAX_RANGES 65536

struct idg_plugin_range {
    unsigned long start, count; /* struct subid_range */
};

struct idg_source {
    char name[IDG_NSS_NAME_MAX];
    bool files;
    void *handle; /* dlopen handle of libsubid_NAME.so */
    int (*list_owner_ranges)(const char *owner, int kind, struct idg_plugin_range **ranges,
                             int *count);
    int (*has_range)(const char *owner, unsigned long start, unsigned long count, int kind,
                     bool *result);
    int (*find_subid_owners)(unsigned long id, int kind, uid_t **uids, int *count);
    void (*free)(void *ptr);
    char error[256]; /* why it could not be loaded; "" if it was */
};

/* Where "files" reads from. */
struct idg_files {
    const char *subid[3];  /* [IDG_SRC_UID], [IDG_SRC_GID] */
    const char *idperm[3]; /* the same for id_permission; NULL: none */
    uid_t trusted_owner;   /* 0 */
};

struct idg_sources {
    size_t n;
    struct idg_source v[IDG_NSS_MAX_SOURCES];
    struct idg_files files;
};

/* Why opening failed: nsswitch.conf itself, in words, in `why`. */
struct idg_sources_error {
    char why[512];
};

/*
 * Read the subid line of `nsswitch` (a missing file: "files") and load every
 * module it names. A module that does not load is kept, with its error:
 * asking it answers IDG_SRC_UNREACHABLE. Returns 0, or -1 when nsswitch.conf
 * is untrusted or unreadable (err->why says so).
 */
int idg_sources_open(struct idg_sources *s, const char *nsswitch, const struct idg_files *files,
                     struct idg_sources_error *err);
void idg_sources_close(struct idg_sources *s);

/* Only the names on the subid line ("files" when there is none), loading
 * nothing: for a tool that needs to know the sources, not ask them. With
 * `passwd_files_first`, also idg_nss_plain_files_first() of the passwd line
 * (false when there is no nsswitch.conf). */
int idg_sources_names(const char *nsswitch, uid_t trusted_owner, struct idg_nss_sources *names,
                      bool *passwd_files_first, struct idg_sources_error *err);

/* The second half of idg_sources_open(): load the modules `names` lists. */
void idg_sources_load(struct idg_sources *s, const struct idg_nss_sources *names,
                      const struct idg_files *files);

/* Is "files" among the sources? (subid-add edits only files.) */
bool idg_sources_have_files(const struct idg_sources *s);

/*
 * The owner's allotments of `kind` from every source, in order, appended
 * to *out (files: path and line; a module: its name, line 0). `o` matches
 * lines by name or decimal id; modules are asked by o->name (or the
 * decimal id when there is no name). Malformed lines of the owner go to
 * `bad`. On failure *failed is the source at fault and, for files, *pb
 * says why. Returns IDG_SRC_OK, or the first failing source's status
 * (IDG_SRC_UNKNOWN_USER from a module counts as "nothing here"). On
 * failure *out may hold what earlier sources gave: callers discard it.
 */
enum idg_src_status idg_sources_list(const struct idg_sources *s, enum idg_src_kind kind,
                                     const struct idg_owner *o, struct idg_allotments *out,
                                     idg_bad_line_fn bad, void *arg,
                                     const struct idg_source **failed, struct idg_file_problem *pb);

/*
 * The uids of the owners whose `kind` ranges contain `id`, from every
 * source in order, each uid once. A file's owner field is resolved as a
 * login name, else as a decimal uid; one that is neither is skipped, or,
 * with strict (shadow's libsubid), fails the call: IDG_SRC_UNKNOWN_USER.
 * *uids is malloc()ed (NULL when none). Same returns as idg_sources_list.
 */
enum idg_src_status idg_sources_owners(const struct idg_sources *s, enum idg_src_kind kind,
                                       uint32_t id, bool strict, uid_t **uids, size_t *n,
                                       const struct idg_source **failed,
                                       struct idg_file_problem *pb);

/* The files of the build's confdir (config.h). */
void idg_files_default(struct idg_files *f);

/* Why idg_sources_list failed, as a refusal: what, why, what to do. */
void idg_src_failure_str(char *msg, size_t len, const struct idg_source *src,
                         enum idg_src_status st, const struct idg_file_problem *pb,
                         const char *nsswitch);

/* The status in words, for messages: "unreachable", "failed"... */
const char *idg_src_status_str(enum idg_src_status st);

#endif
