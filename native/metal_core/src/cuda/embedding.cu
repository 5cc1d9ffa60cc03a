/* embedding.cu — out[t] = table[tokens[t]] converted to f32, for any table dtype; the token id is
 * read on the device. A block per token; quantized rows are decoded a block of 32 per thread. An
 * id outside the vocabulary gives a zero row and a device flag (a warning at the next
 * synchronize), as the CPU backend logs one. */
#include "cuda_internal.h"
#include "device_common.cuh"
#include "quant_formats.cuh"

namespace {

struct embedding_args {
    const uint8_t *table;
    int64_t table_stride; /* bytes */
    int vocab, cols;
    const int32_t *tokens;
    int64_t token_stride;
    float *out;
    int64_t out_stride;
    int32_t *flags;
};

template <int DTYPE> __global__ __launch_bounds__(256) void embedding_kernel(embedding_args a) {
    MC_TIMELINE_KERNEL(MC_TL_EMBEDDING, 0);
    mc_pdl_launch_dependents();
    mc_pdl_wait();
    const int t = blockIdx.x;
    const int token = a.tokens[t * a.token_stride];
    float *out = a.out + t * a.out_stride;
    if (token < 0 || token >= a.vocab) {
        for (int i = threadIdx.x; i < a.cols; i += blockDim.x) {
            out[i] = 0.0f;
        }
        if (threadIdx.x == 0) {
            a.flags[MC_CUDA_FLAG_TOKEN] = 1;
        }
        return;
    }
    const uint8_t *row = a.table + (int64_t)token * a.table_stride;
    if constexpr (DTYPE == MC_DTYPE_F32 || DTYPE == MC_DTYPE_F16 || DTYPE == MC_DTYPE_BF16) {
        for (int i = threadIdx.x; i < a.cols; i += blockDim.x) {
            float v;
            if (DTYPE == MC_DTYPE_F32) {
                v = reinterpret_cast<const float *>(row)[i];
            } else {
                const uint16_t bits = reinterpret_cast<const uint16_t *>(row)[i];
                v = DTYPE == MC_DTYPE_F16 ? mc_f16_to_f32(bits) : mc_bf16_to_f32(bits);
            }
            out[i] = v;
        }
    } else {
        for (int b = threadIdx.x; b < a.cols / 32; b += blockDim.x) {
            mc_for_block<DTYPE>(row, b, [&](int e, float v) { out[b * 32 + e] = v; });
        }
    }
}

template <int DTYPE> mc_status launch(mc_cuda *self, const embedding_args &a, int tokens) {
    return mc_cuda_launch(self, "embedding", embedding_kernel<DTYPE>, dim3(tokens), dim3(256), 0,
                          a);
}

} // namespace

mc_status mc_cuda_op_embedding(mc_cuda *self, const mc_op_desc *op) {
    embedding_args a;
    a.table = mc_cuda_ptr(&op->t[0]);
    a.table_stride = (int64_t)op->t[0].row_stride;
    a.vocab = op->t[0].rows;
    a.cols = op->t[0].cols;
    a.tokens = reinterpret_cast<const int32_t *>(mc_cuda_ptr(&op->t[1]));
    a.token_stride = (int64_t)(op->t[1].row_stride / 4);
    a.out = reinterpret_cast<float *>(mc_cuda_ptr(&op->t[2]));
    a.out_stride = (int64_t)(op->t[2].row_stride / 4);
    a.flags = self->error_flags_device;
    const int tokens = op->t[1].rows;
    switch (op->t[0].dtype) {
    case MC_DTYPE_F32: return launch<MC_DTYPE_F32>(self, a, tokens);
    case MC_DTYPE_F16: return launch<MC_DTYPE_F16>(self, a, tokens);
    case MC_DTYPE_BF16: return launch<MC_DTYPE_BF16>(self, a, tokens);
    case MC_DTYPE_Q8_0: return launch<MC_DTYPE_Q8_0>(self, a, tokens);
    case MC_DTYPE_Q4_0: return launch<MC_DTYPE_Q4_0>(self, a, tokens);
    case MC_DTYPE_Q4_1: return launch<MC_DTYPE_Q4_1>(self, a, tokens);
    case MC_DTYPE_Q5_0: return launch<MC_DTYPE_Q5_0>(self, a, tokens);
    case MC_DTYPE_Q5_1: return launch<MC_DTYPE_Q5_1>(self, a, tokens);
    default:
        return mc_set_error(MC_ERROR_UNSUPPORTED, "mc_op_embedding: table dtype %d on CUDA",
                            (int)op->t[0].dtype);
    }
}
