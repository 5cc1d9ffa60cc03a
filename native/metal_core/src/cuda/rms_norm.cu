/* rms_norm.cu — out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight. Long rows (the hidden state)
 * get a whole block of 256 threads and a block-wide reduction; short rows (per-head q/k norms)
 * get one warp each, eight rows per block. 16-byte loads where the views allow. */
#include "cuda_internal.h"
#include "device_common.cuh"

namespace {

constexpr int kThreads = 256;

struct rms_args {
    const float *x;
    const float *weight;
    float *out;
    int64_t x_stride, out_stride; /* elements */
    int rows, d;
    float eps;
};

template <int TPR, int VEC>
__global__ __launch_bounds__(kThreads) void rms_norm_kernel(rms_args a) {
    MC_TIMELINE_KERNEL(MC_TL_RMS_NORM, 0);
    __shared__ float partial[kThreads / 32];
    mc_pdl_launch_dependents();
    mc_pdl_wait();
    constexpr int ROWS = kThreads / TPR;
    const int row = blockIdx.x * ROWS + threadIdx.x / TPR;
    const int lane = threadIdx.x % TPR;
    const bool active = row < a.rows;
    const float *x = a.x + (active ? row : 0) * a.x_stride;
    float sum = 0.0f;
    if (active) {
        for (int i = lane * VEC; i < a.d; i += TPR * VEC) {
            if (VEC == 4) {
                float4 v = *reinterpret_cast<const float4 *>(x + i);
                sum += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
            } else {
                sum += x[i] * x[i];
            }
        }
    }
    sum = TPR == 32 ? mc_warp_sum(sum) : mc_block_sum<kThreads>(sum, partial);
    if (!active) {
        return;
    }
    const float scale = 1.0f / sqrtf(sum / (float)a.d + a.eps); /* the CPU backend's formula */
    float *out = a.out + row * a.out_stride;
    for (int i = lane * VEC; i < a.d; i += TPR * VEC) {
        if (VEC == 4) {
            float4 v = *reinterpret_cast<const float4 *>(x + i);
            float4 w = *reinterpret_cast<const float4 *>(a.weight + i);
            *reinterpret_cast<float4 *>(out + i) = make_float4(
                v.x * scale * w.x, v.y * scale * w.y, v.z * scale * w.z, v.w * scale * w.w);
        } else {
            out[i] = x[i] * scale * a.weight[i];
        }
    }
}

bool aligned16(const void *p, int64_t stride_elements) {
    return (reinterpret_cast<uintptr_t>(p) % 16) == 0 && (stride_elements % 4) == 0;
}

template <int TPR> mc_status launch(mc_cuda *self, const rms_args &a, bool vec) {
    dim3 grid((a.rows + kThreads / TPR - 1) / (kThreads / TPR));
    if (vec) {
        return mc_cuda_launch(self, TPR == 32 ? "rms_norm_warp" : "rms_norm_block",
                              rms_norm_kernel<TPR, 4>, grid, dim3(kThreads), 0, a);
    }
    return mc_cuda_launch(self, TPR == 32 ? "rms_norm_warp" : "rms_norm_block",
                          rms_norm_kernel<TPR, 1>, grid, dim3(kThreads), 0, a);
}

} // namespace

mc_status mc_cuda_op_rms_norm(mc_cuda *self, const mc_op_desc *op) {
    rms_args a;
    a.x = reinterpret_cast<const float *>(mc_cuda_ptr(&op->t[0]));
    a.weight = reinterpret_cast<const float *>(mc_cuda_ptr(&op->t[1]));
    a.out = reinterpret_cast<float *>(mc_cuda_ptr(&op->t[2]));
    a.x_stride = (int64_t)(op->t[0].row_stride / 4);
    a.out_stride = (int64_t)(op->t[2].row_stride / 4);
    a.rows = op->t[0].rows;
    a.d = op->t[0].cols;
    a.eps = op->f[0];
    bool vec = a.d % 4 == 0 && aligned16(a.x, a.x_stride) && aligned16(a.out, a.out_stride) &&
               aligned16(a.weight, 0);
    /* A warp per row up to 512 elements (16 per lane); beyond, the whole block. */
    return a.d <= 512 ? launch<32>(self, a, vec) : launch<kThreads>(self, a, vec);
}
