/* matvec.cuh — what the matvec kernels share: the arguments of the three matmul kinds as one
 * "virtual" weight matrix whose rows map to up to three weights (Q/K/V stacked; gate and up
 * interleaved, so a pair lands in the same block and the SwiGLU happens in the epilogue), and
 * the epilogue that writes a finished row (plus the fused residual). */
#ifndef METAL_CORE_CUDA_MATVEC_CUH
#define METAL_CORE_CUDA_MATVEC_CUH

#include "cuda_internal.h"
#include "device_common.cuh"

/* The largest number of activation rows one matvec launch handles (more: several launches, or
 * the cuBLASLt path from cuda.gemm_min_rows on). */
#define MC_MATVEC_MAX_ROWS 8

struct mc_mv_segment {
    const uint8_t *w;
    int64_t w_stride; /* bytes */
    float *out;
    int64_t out_stride; /* elements */
    int rows;
};

struct mc_mv_args {
    const float *x;
    int64_t x_stride; /* elements; rows 16-byte aligned */
    int m;            /* activation rows in this launch (<= the kernel's MT) */
    int k;            /* columns */
    int blocks;       /* k / 32 for quantized weights */
    mc_mv_segment seg[3];
    int segments;
    int total_rows;   /* virtual rows */
    const float *residual; /* MATMUL only; may alias seg[0].out */
    int64_t residual_stride;
    int gate_up;      /* virtual row 2f = gate f (seg 0), 2f + 1 = up f (seg 1) */
};

/* The weight row behind virtual row v, or nullptr past the end. */
__device__ __forceinline__ const uint8_t *mc_mv_row(const mc_mv_args &a, int v) {
    if (v >= a.total_rows) {
        return nullptr;
    }
    if (a.gate_up) {
        const mc_mv_segment &s = a.seg[v & 1];
        return s.w + (int64_t)(v >> 1) * s.w_stride;
    }
#pragma unroll
    for (int i = 0; i < 3; i++) {
        if (i < a.segments && v < a.seg[i].rows) {
            return a.seg[i].w + (int64_t)v * a.seg[i].w_stride;
        }
        v -= a.seg[i].rows;
    }
    return nullptr;
}

__device__ __forceinline__ float mc_silu(float g) { return g / (1.0f + __expf(-g)); }

/* Writes the result of virtual row v for activation row r (not for gate_up). */
__device__ __forceinline__ void mc_mv_store(const mc_mv_args &a, int v, int r, float value) {
#pragma unroll
    for (int i = 0; i < 3; i++) {
        if (i < a.segments && v < a.seg[i].rows) {
            if (a.residual != nullptr) {
                value += a.residual[r * a.residual_stride + v];
            }
            a.seg[i].out[r * a.seg[i].out_stride + v] = value;
            return;
        }
        v -= a.seg[i].rows;
    }
}

/* Writes out[r, f] = silu(gate) * up. */
__device__ __forceinline__ void mc_mv_store_gate_up(const mc_mv_args &a, int f, int r, float gate, float up) {
    a.seg[0].out[r * a.seg[0].out_stride + f] = mc_silu(gate) * up;
}

/* Launchers (matvec_quant.cu, matvec_dense.cu) for `mt` = 1, 2, 4 or 8 activation rows. */
mc_status mc_cuda_matvec_quant(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a);
mc_status mc_cuda_matvec_dense(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a);

#endif /* METAL_CORE_CUDA_MATVEC_CUH */
