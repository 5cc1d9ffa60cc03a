/* kv_append.cu — writes each token's k and v rows into the caches (f32, f16 or bf16), at cache
 * row seq_ids[t] * seq_capacity + positions[t], both read from device memory. A position or
 * sequence outside the cache skips the token and raises a device flag that the next synchronize
 * reports as MC_ERROR_OUT_OF_RANGE. */
#include "cuda_internal.h"
#include "device_common.cuh"

namespace {

struct kv_args {
    const float *k, *v;
    int64_t k_stride, v_stride; /* elements */
    uint8_t *k_cache, *v_cache;
    int64_t k_cache_stride, v_cache_stride; /* bytes */
    const int32_t *positions, *seq_ids;
    int64_t position_stride, seq_stride;
    int capacity, sequences, width, dtype;
    int32_t *flags;
};

__global__ __launch_bounds__(256) void kv_append_kernel(kv_args a) {
    MC_TIMELINE_KERNEL(MC_TL_KV_APPEND, 0);
    mc_pdl_launch_dependents();
    mc_pdl_wait();
    const int token = blockIdx.x;
    const int position = a.positions[token * a.position_stride];
    const int sequence = a.seq_ids != nullptr ? a.seq_ids[token * a.seq_stride] : 0;
    if (position < 0 || position >= a.capacity || sequence < 0 || sequence >= a.sequences) {
        if (threadIdx.x == 0) {
            a.flags[MC_CUDA_FLAG_KV_POSITION] = 1;
        }
        return;
    }
    const int64_t row = (int64_t)sequence * a.capacity + position;
    uint8_t *k_row = a.k_cache + row * a.k_cache_stride;
    uint8_t *v_row = a.v_cache + row * a.v_cache_stride;
    const float *k = a.k + token * a.k_stride;
    const float *v = a.v + token * a.v_stride;
    for (int i = threadIdx.x; i < a.width; i += blockDim.x) {
        mc_store_element(k_row, a.dtype, i, k[i]);
        mc_store_element(v_row, a.dtype, i, v[i]);
    }
}

} // namespace

mc_status mc_cuda_op_kv_append(mc_cuda *self, const mc_op_desc *op) {
    kv_args a;
    a.k = reinterpret_cast<const float *>(mc_cuda_ptr(&op->t[0]));
    a.v = reinterpret_cast<const float *>(mc_cuda_ptr(&op->t[1]));
    a.k_stride = (int64_t)(op->t[0].row_stride / 4);
    a.v_stride = (int64_t)(op->t[1].row_stride / 4);
    a.k_cache = mc_cuda_ptr(&op->t[2]);
    a.v_cache = mc_cuda_ptr(&op->t[3]);
    a.k_cache_stride = (int64_t)op->t[2].row_stride;
    a.v_cache_stride = (int64_t)op->t[3].row_stride;
    a.positions = reinterpret_cast<const int32_t *>(mc_cuda_ptr(&op->t[4]));
    a.position_stride = (int64_t)(op->t[4].row_stride / 4);
    a.seq_ids = op->t[5].buffer != nullptr
                    ? reinterpret_cast<const int32_t *>(mc_cuda_ptr(&op->t[5]))
                    : nullptr;
    a.seq_stride = op->t[5].buffer != nullptr ? (int64_t)(op->t[5].row_stride / 4) : 0;
    a.capacity = op->i[0];
    a.sequences = op->t[2].rows / op->i[0];
    a.width = op->t[0].cols;
    a.dtype = op->t[2].dtype;
    a.flags = self->error_flags_device;
    return mc_cuda_launch(self, "kv_append", kv_append_kernel, dim3(op->t[0].rows), dim3(256), 0,
                          a);
}
