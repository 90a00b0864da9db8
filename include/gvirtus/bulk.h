/* SPDX-License-Identifier: MIT */
/* Directions of bulk buffers, the same on every transport. */
#ifndef GVIRTUS_BULK_H
#define GVIRTUS_BULK_H

#define GV_BULK_TO_HOST	  1u /* the host reads it (host-to-device data) */
#define GV_BULK_FROM_HOST 2u /* the host writes it (device-to-host data) */
/*
 * The host reads and writes it: it writes only parts (the rows of a 2D
 * copy), and the rest must keep the bytes the guest has.
 */
#define GV_BULK_UPDATE 3u

#define GV_BULK_HOST_READS(dir)	 ((dir) == GV_BULK_TO_HOST || (dir) == GV_BULK_UPDATE)
#define GV_BULK_HOST_WRITES(dir) ((dir) == GV_BULK_FROM_HOST || (dir) == GV_BULK_UPDATE)

#endif
