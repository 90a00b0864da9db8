/* SPDX-License-Identifier: MIT */
/*
 * Attribute values whose size depends on the attribute: how many bytes of
 * the caller's value a call reads or writes, for each attribute the wire
 * carries; 0 for one it does not (the call fails with an invalid value
 * before it is sent).  The guest stub copies exactly that many bytes, so a
 * 4-byte int is never written past; the host dispatch recomputes the size
 * from the request's attribute.  gen/annot_cuda.py's ATTR_VALUES names the
 * calls.
 */
#ifndef GVIRTUS_ATTR_VALUES_H
#define GVIRTUS_ATTR_VALUES_H

#include <cuda.h>
#include <stddef.h>

/* The most bytes an attribute value takes on the wire. */
#define GV_ATTR_VALUE_MAX 64

_Static_assert(sizeof(CUlaunchAttributeValue) <= GV_ATTR_VALUE_MAX,
	       "a launch attribute value fits the wire's value");

/* cuMemPool{Get,Set}Attribute: the reuse flags are ints, the rest 64-bit. */
static inline size_t gv_mempool_attr_bytes(int attr)
{
	switch (attr) {
	case CU_MEMPOOL_ATTR_REUSE_FOLLOW_EVENT_DEPENDENCIES:
	case CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC:
	case CU_MEMPOOL_ATTR_REUSE_ALLOW_INTERNAL_DEPENDENCIES:
		return sizeof(int);
	case CU_MEMPOOL_ATTR_RELEASE_THRESHOLD:
	case CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT:
	case CU_MEMPOOL_ATTR_RESERVED_MEM_HIGH:
	case CU_MEMPOOL_ATTR_USED_MEM_CURRENT:
	case CU_MEMPOOL_ATTR_USED_MEM_HIGH:
		return sizeof(cuuint64_t);
	default:
		return 0;
	}
}

/* cuDevice{Get,Set}GraphMemAttribute: every one is a 64-bit count. */
static inline size_t gv_graphmem_attr_bytes(int attr)
{
	switch (attr) {
	case CU_GRAPH_MEM_ATTR_USED_MEM_CURRENT:
	case CU_GRAPH_MEM_ATTR_USED_MEM_HIGH:
	case CU_GRAPH_MEM_ATTR_RESERVED_MEM_CURRENT:
	case CU_GRAPH_MEM_ATTR_RESERVED_MEM_HIGH:
		return sizeof(cuuint64_t);
	default:
		return 0;
	}
}

/*
 * Launch attributes whose values are plain numbers.  The ones holding an
 * event or a graph node would hand the driver a guest's value as a host
 * object, so they are not carried.  The access-policy window holds a device
 * address: a hint for the L2 cache, which the host checks against the
 * session's memory (gvg_access_window).
 */
static inline int gv_launch_attr_plain(int id)
{
	switch (id) {
	case CU_LAUNCH_ATTRIBUTE_IGNORE:
	case CU_LAUNCH_ATTRIBUTE_COOPERATIVE:
	case CU_LAUNCH_ATTRIBUTE_SYNCHRONIZATION_POLICY:
	case CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION:
	case CU_LAUNCH_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
	case CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION:
	case CU_LAUNCH_ATTRIBUTE_PRIORITY:
	case CU_LAUNCH_ATTRIBUTE_MEM_SYNC_DOMAIN_MAP:
	case CU_LAUNCH_ATTRIBUTE_MEM_SYNC_DOMAIN:
	case CU_LAUNCH_ATTRIBUTE_PREFERRED_CLUSTER_DIMENSION:
	case CU_LAUNCH_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
	case CU_LAUNCH_ATTRIBUTE_NVLINK_UTIL_CENTRIC_SCHEDULING:
		return 1;
	default:
		return 0;
	}
}

/*
 * cuStream{Get,Set}Attribute: the value is a whole CUstreamAttrValue.  The
 * driver decides which attributes a stream takes, and answers for the
 * others as natively; only those that hold host objects stop here.
 */
static inline size_t gv_stream_attr_bytes(int attr)
{
	if (attr == CU_LAUNCH_ATTRIBUTE_ACCESS_POLICY_WINDOW || gv_launch_attr_plain(attr))
		return sizeof(CUstreamAttrValue);
	return 0;
}

#endif
