/* scratch.cu — the context's scratch arena: temporary device memory for ops (split-attention
 * partials, argmax partials, prefill conversions). One arena serves every op because work on the
 * stream runs in order. Growing retires the old arena instead of freeing it: a captured CUDA
 * graph keeps pointing into the arena that existed when it was captured. */
#include "cuda_internal.h"

#include <cstdlib>

mc_status mc_cuda_scratch(mc_cuda *self, size_t bytes, void **memory) {
    if (bytes <= self->scratch_size) {
        *memory = self->scratch;
        return MC_OK;
    }
    if (self->capturing) {
        return mc_set_error(
            MC_ERROR_INTERNAL,
            "CUDA graph capture: scratch of %zu bytes was not reserved before capture", bytes);
    }
    size_t size = self->scratch_size * 2 > bytes ? self->scratch_size * 2 : bytes;
    size = (size + 255) & ~size_t(255);
    void *grown = nullptr;
    MC_CUDA_TRY(cudaMalloc(&grown, size));
    if (self->scratch != nullptr) {
        void **retired = static_cast<void **>(
            realloc(self->retired, (size_t)(self->retired_count + 1) * sizeof(void *)));
        if (retired == nullptr) {
            cudaFree(grown);
            return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "scratch arena: out of host memory");
        }
        self->retired = retired;
        self->retired[self->retired_count++] = self->scratch;
    }
    self->scratch = grown;
    self->scratch_size = size;
    *memory = grown;
    return MC_OK;
}

size_t mc_cuda_op_scratch(const mc_cuda *self, const mc_op_desc *op) {
    switch (op->kind) {
    case MC_OPK_MATMUL:
    case MC_OPK_MATMUL_QKV:
    case MC_OPK_GATE_UP_SILU: return mc_cuda_matmul_scratch(self, op);
    case MC_OPK_ATTENTION: return mc_cuda_attention_scratch(self, op);
    case MC_OPK_ARGMAX: return mc_cuda_argmax_scratch(self, op);
    default: return 0;
    }
}
