/* SPDX-License-Identifier: MIT */
/*
 * cuDNN's objects left by a session (math_libs.h): the handle, the legacy
 * descriptors, the fused-ops packs and plans, and the backend API's
 * descriptors.  Each kind is destroyed by its library's own call, as the
 * session ends.
 */
#include "gen_support_math.h"
#include "handles.h"
#include "math_libs.h"

int gvw_cudnn_kind(int kind)
{
	switch (kind) {
#define CUDNN_KIND(k) case GVW_H_##k:
		GVG_CUDNN_KINDS(CUDNN_KIND)
#undef CUDNN_KIND
		return 1;
	default:
		return 0;
	}
}

int gvw_counts_as_library_object(int kind)
{
	return kind != GVW_H_CUDNN_BACKEND;
}

#define DESCRIPTOR(KIND, Name)                                                                     \
	GVW_DESTROY_CASE(CUDNN_##KIND, cudnn##Name##Descriptor_t, cudnnDestroy##Name##Descriptor)

void gvw_cudnn_destroy(const struct gvg_cudnn_fns *t, struct gvw_handle_slot *h)
{
	switch (h->kind) {
		GVW_DESTROY_CASE(CUDNN, cudnnHandle_t, cudnnDestroy)
		GVW_DESTROY_CASE(CUDNN_BACKEND, cudnnBackendDescriptor_t,
				 cudnnBackendDestroyDescriptor)
		DESCRIPTOR(TENSOR, Tensor)
		DESCRIPTOR(FILTER, Filter)
		DESCRIPTOR(CONVOLUTION, Convolution)
		DESCRIPTOR(POOLING, Pooling)
		DESCRIPTOR(ACTIVATION, Activation)
		DESCRIPTOR(LRN, LRN)
		DESCRIPTOR(OPTENSOR, OpTensor)
		DESCRIPTOR(REDUCETENSOR, ReduceTensor)
		DESCRIPTOR(DROPOUT, Dropout)
		DESCRIPTOR(SPATIALTRANSFORMER, SpatialTransformer)
		DESCRIPTOR(CTCLOSS, CTCLoss)
		DESCRIPTOR(RNN, RNN)
		DESCRIPTOR(RNNDATA, RNNData)
		DESCRIPTOR(SEQDATA, SeqData)
		DESCRIPTOR(ATTN, Attn)
		DESCRIPTOR(TENSORTRANSFORM, TensorTransform)
		GVW_DESTROY_CASE(CUDNN_FUSED_CONST, cudnnFusedOpsConstParamPack_t,
				 cudnnDestroyFusedOpsConstParamPack)
		GVW_DESTROY_CASE(CUDNN_FUSED_VARIANT, cudnnFusedOpsVariantParamPack_t,
				 cudnnDestroyFusedOpsVariantParamPack)
		GVW_DESTROY_CASE(CUDNN_FUSED_PLAN, cudnnFusedOpsPlan_t, cudnnDestroyFusedOpsPlan)
	default:
		break;
	}
}
