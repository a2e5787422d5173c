/* SPDX-License-Identifier: BSD-3-Clause */
#include "helper/helper.h"

int main(int argc, char **argv)
{
    return idg_helper_main(IDG_KIND_UID, argc, argv);
}
