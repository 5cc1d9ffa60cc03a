/* rope.cu — rotary position embedding in place. One block per token; each thread owns rotation
 * pairs and applies its angle (rope_math.cuh: computed like the CPU backend's) to every head. */
#include "cuda_internal.h"
#include "device_common.cuh"
#include "rope_math.cuh"

namespace {

struct rope_args {
    float *x;
    int64_t x_stride; /* elements */
    const int32_t *positions;
    int64_t position_stride;   /* elements */
    const float *freq_factors; /* NULL or rope_dims / 2 values */
    int heads, head_dim, rope_dims, neox;
    mc_rope_frequencies frequencies;
};

__global__ __launch_bounds__(128) void rope_kernel(rope_args a) {
    MC_TIMELINE_KERNEL(MC_TL_ROPE, 0);
    mc_pdl_launch_dependents();
    mc_pdl_wait();
    const int token = blockIdx.x;
    const int half = a.rope_dims / 2;
    const int position = a.positions[token * a.position_stride];
    float *row = a.x + token * a.x_stride;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        float sine, cosine;
        mc_rope_sincos(a.frequencies, a.freq_factors, position, i, &sine, &cosine);
        const int first = a.neox ? i : 2 * i;
        const int second = a.neox ? i + half : 2 * i + 1;
        for (int h = 0; h < a.heads; h++) {
            float *head = row + h * a.head_dim;
            const float x0 = head[first], x1 = head[second];
            head[first] = x0 * cosine - x1 * sine;
            head[second] = x0 * sine + x1 * cosine;
        }
    }
}

} // namespace

mc_status mc_cuda_op_rope(mc_cuda *self, const mc_op_desc *op) {
    rope_args a;
    a.x = reinterpret_cast<float *>(mc_cuda_ptr(&op->t[0]));
    a.x_stride = (int64_t)(op->t[0].row_stride / 4);
    a.positions = reinterpret_cast<const int32_t *>(mc_cuda_ptr(&op->t[1]));
    a.position_stride = (int64_t)(op->t[1].row_stride / 4);
    a.freq_factors = op->t[2].buffer != nullptr
                         ? reinterpret_cast<const float *>(mc_cuda_ptr(&op->t[2]))
                         : nullptr;
    a.heads = op->i[0];
    a.head_dim = op->i[1];
    a.rope_dims = op->i[2];
    a.neox = op->i[3] == MC_ROPE_NEOX;
    if (a.rope_dims / 2 > MC_ROPE_MAX_PAIRS) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "mc_op_rope: rope_dims %d is more than the CUDA kernel's %d",
                            a.rope_dims, 2 * MC_ROPE_MAX_PAIRS);
    }
    mc_rope_fill(&a.frequencies, op->f[0], a.rope_dims);
    int threads = a.rope_dims / 2 >= 128 ? 128 : ((a.rope_dims / 2 + 31) / 32) * 32;
    return mc_cuda_launch(self, "rope", rope_kernel, dim3(op->t[0].rows), dim3(threads), 0, a);
}
