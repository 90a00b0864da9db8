/* SPDX-License-Identifier: MIT */
#ifndef GVIRTUS_FUZZ_FAKES_H
#define GVIRTUS_FUZZ_FAKES_H

#include "worker_internal.h"

/* Puts the generated fake driver behind w's generated calls. */
void fz_install_fakes(struct gvw_worker *w);

#endif
