/* SPDX-License-Identifier: MIT */
/*
 * The occupancy calculator (cuOccupancyMaxPotentialBlockSize*): the block
 * size that keeps the most threads resident on a multiprocessor.  Its
 * callback (dynamic shared memory per block size) is guest code, so the
 * search runs here, asking the host for the occupancy of each candidate.
 * Candidates go from the largest allowed block size down in warps; a
 * smaller one wins only with strictly more resident threads, and the search
 * stops once a multiprocessor is full.
 */
#include "gvcu.h"

static CUresult attr(int *v, CUdevice_attribute a, CUdevice d)
{
	return cuDeviceGetAttribute(v, a, d);
}

static CUresult search(int *min_grid, int *block, CUfunction f, CUoccupancyB2DSize smem_of,
		       size_t smem, int limit, unsigned int flags)
{
	int warp, max_block, sm_threads, sms, fn_max, best = 0, best_blocks = 0, best_threads = 0;
	CUdevice d;
	CUresult e;

	if (!min_grid || !block || limit < 0)
		return CUDA_ERROR_INVALID_VALUE;
	if (!f)
		return CUDA_ERROR_INVALID_HANDLE;
	e = cuCtxGetDevice(&d);
	if (!e)
		e = attr(&warp, CU_DEVICE_ATTRIBUTE_WARP_SIZE, d);
	if (!e)
		e = attr(&max_block, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, d);
	if (!e)
		e = attr(&sm_threads, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, d);
	if (!e)
		e = attr(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, d);
	if (!e)
		e = cuFuncGetAttribute(&fn_max, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f);
	if (e)
		return e;
	if (fn_max < max_block)
		max_block = fn_max;
	if (limit && limit < max_block)
		max_block = limit;
	if (warp <= 0 || max_block <= 0)
		return CUDA_ERROR_INVALID_VALUE;
	for (int size = max_block; size > 0;) {
		size_t s = smem_of ? smem_of(size) : smem;
		int blocks = 0;

		e = cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(&blocks, f, size, s,
									 flags);
		if (e)
			return e;
		if (blocks * size > best_threads) {
			best = size;
			best_blocks = blocks;
			best_threads = blocks * size;
		}
		if (best_threads == sm_threads)
			break;
		/* The next candidate: the largest multiple of the warp below size. */
		size = size % warp ? size - size % warp : size - warp;
	}
	*block = best;
	*min_grid = best_blocks * sms;
	return CUDA_SUCCESS;
}

GVCU_EXPORT CUresult cuOccupancyMaxPotentialBlockSize(int *min_grid, int *block, CUfunction f,
						      CUoccupancyB2DSize smem_of, size_t smem,
						      int limit)
{
	return search(min_grid, block, f, smem_of, smem, limit, CU_OCCUPANCY_DEFAULT);
}

GVCU_EXPORT CUresult cuOccupancyMaxPotentialBlockSizeWithFlags(int *min_grid, int *block,
							       CUfunction f,
							       CUoccupancyB2DSize smem_of,
							       size_t smem, int limit,
							       unsigned int flags)
{
	return search(min_grid, block, f, smem_of, smem, limit, flags);
}

/* The occupancy of clusters: the configuration as the runtime's, carried as launches carry it. */
static CUresult clusters(uint32_t which, int *out, CUfunction f, const CUlaunchConfig *c)
{
	struct gv_occupancy_clusters_req q = {.which = which};
	struct gv_int_resp r = {0};
	cudaLaunchConfig_t rc;
	CUresult e = gvcu_need_ctx();

	if (e)
		return e;
	if (!out || !c || !f)
		return CUDA_ERROR_INVALID_VALUE;
	_Static_assert(sizeof(cudaLaunchAttribute) == sizeof(CUlaunchAttribute),
		       "the runtime's launch attributes are the driver's");
	rc = (cudaLaunchConfig_t){.gridDim = {c->gridDimX, c->gridDimY, c->gridDimZ},
				  .blockDim = {c->blockDimX, c->blockDimY, c->blockDimZ},
				  .dynamicSmemBytes = c->sharedMemBytes,
				  .stream = (cudaStream_t)c->hStream,
				  .attrs = (cudaLaunchAttribute *)c->attrs,
				  .numAttrs = c->numAttrs};
	e = gvcu_result(gv_cluster_config(&q, (uintptr_t)f, &rc));
	if (!e)
		e = GVCU_RPC(OCCUPANCY_CLUSTERS, &q, &r, NULL, 0);
	if (!e)
		*out = r.value;
	return e;
}

GVCU_EXPORT CUresult cuOccupancyMaxActiveClusters(int *numClusters, CUfunction f,
						  const CUlaunchConfig *config)
{
	return clusters(GV_OCC_MAX_ACTIVE_CLUSTERS, numClusters, f, config);
}

GVCU_EXPORT CUresult cuOccupancyMaxPotentialClusterSize(int *clusterSize, CUfunction f,
							const CUlaunchConfig *config)
{
	return clusters(GV_OCC_MAX_POTENTIAL_CLUSTER_SIZE, clusterSize, f, config);
}
