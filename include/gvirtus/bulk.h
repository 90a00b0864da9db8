/* SPDX-License-Identifier: MIT */
/* Directions of bulk buffers, the same on every transport. */
#ifndef GVIRTUS_BULK_H
#define GVIRTUS_BULK_H

#define GV_BULK_TO_HOST 1u	/* the host reads it (host-to-device data) */
#define GV_BULK_FROM_HOST 2u	/* the host writes it (device-to-host data) */

#endif
