/* SPDX-License-Identifier: MIT */
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input
 * PRF", 2012): a keyed MAC whose 64-bit output reveals nothing of its
 * 128-bit key.  Gate keys are made with it, so a session that holds its
 * own key cannot work back to the worker's secret.
 */
#ifndef GVIRTUS_SIPHASH_H
#define GVIRTUS_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define GVW_SIPHASH_KEY_BYTES 16

uint64_t gvw_siphash24(const uint8_t key[GVW_SIPHASH_KEY_BYTES], const void *msg, size_t len);

#endif
