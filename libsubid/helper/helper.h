/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IDGATE_HELPER_H
#define IDGATE_HELPER_H

#include "../decide.h"

/* The whole of newuidmap (IDG_KIND_UID) or newgidmap (IDG_KIND_GID). */
int idg_helper_main(enum idg_kind kind, int argc, char **argv);

#endif
