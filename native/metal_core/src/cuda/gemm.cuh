/* gemm.cuh — prompt processing on the tensor cores: the matmul kinds as cuBLASLt products. */
#ifndef METAL_CORE_CUDA_GEMM_CUH
#define METAL_CORE_CUDA_GEMM_CUH

#include "cuda_internal.h"

/* Runs a matmul-kind op (many activation rows) through cuBLASLt. Returns MC_ERROR_UNSUPPORTED,
 * having enqueued nothing, when cuBLASLt has no algorithm for one of its products. */
mc_status mc_cuda_gemm_op(mc_cuda *self, const mc_op_desc *op);

/* Scratch bytes mc_cuda_gemm_op needs for the op. */
size_t mc_cuda_gemm_scratch(const mc_op_desc *op);

#endif /* METAL_CORE_CUDA_GEMM_CUH */
