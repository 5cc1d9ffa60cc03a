// matmul.metal — prompt processing: out [m x n] = x [m x k] · wᵀ on simdgroup_matrix 8x8
// tiles. A threadgroup (MC_MATMUL_THREADS = 4 simdgroups) computes a 32x32 output tile: per
// 32-wide step of k, all threads stage x and the dequantised weights in threadgroup memory,
// then each simdgroup multiplies its 16x16 quarter as 2x2 fragments. Edges (m, n, k not
// multiples of 32) load zeros and store only inside the matrix.
// Variants: MC_FC_MATMUL_WTYPE (weight type), MC_FC_MATMUL_RESIDUAL (fused residual add),
// MC_FC_MATMUL_GATE_UP (two weight matrices, out = silu(x·wᵀ) * (x·w2ᵀ)).
#include "mc_kernel_common.h"
#include <metal_stdlib>
using namespace metal;

constant int mc_matmul_wtype [[function_constant(MC_FC_MATMUL_WTYPE)]];
constant bool mc_matmul_residual [[function_constant(MC_FC_MATMUL_RESIDUAL)]];
constant bool mc_matmul_gate_up [[function_constant(MC_FC_MATMUL_GATE_UP)]];

#define MC_T MC_MATMUL_TILE

// Stages rows [row0, row0 + 32) x k-chunk `chunk` (8 wide) of a weight matrix, zeros past n.
static inline void mc_stage_weights(threadgroup float *tile, device const char *w, int w_stride,
                                    int n, int row0, int k, int k0, ushort tid) {
    int r = tid / 4, c = tid % 4;
    float v[8];
    if (row0 + r < n) {
        mc_dequant8(w + (ulong)(row0 + r) * w_stride, k0 / 8 + c, k, mc_matmul_wtype, v);
    } else {
        for (short i = 0; i < 8; ++i)
            v[i] = 0.0f;
    }
    for (short i = 0; i < 8; ++i)
        tile[r * MC_T + c * 8 + i] = v[i];
}

// acc[i][j] += this simdgroup's 16x16 quarter of xs · wsᵀ over one 32-wide k step.
static inline void mc_tile_multiply(threadgroup const float *xs, threadgroup const float *ws,
                                    ushort sm, ushort sn, thread simdgroup_float8x8 acc[2][2]) {
    for (short kk = 0; kk < MC_T; kk += 8) {
        simdgroup_float8x8 a[2], b[2];
        for (short i = 0; i < 2; ++i) {
            simdgroup_load(a[i], xs + (sm * 16 + i * 8) * MC_T + kk, MC_T);
            // b = wᵀ: element (k, n) is ws[n][k], a transposed load.
            simdgroup_load(b[i], ws + (sn * 16 + i * 8) * MC_T + kk, MC_T, ulong2(0, 0), true);
        }
        for (short i = 0; i < 2; ++i)
            for (short j = 0; j < 2; ++j)
                simdgroup_multiply_accumulate(acc[i][j], a[i], b[j], acc[i][j]);
    }
}

static inline void mc_tile_store(threadgroup float *stage, ushort sm, ushort sn,
                                 thread simdgroup_float8x8 acc[2][2]) {
    for (short i = 0; i < 2; ++i)
        for (short j = 0; j < 2; ++j)
            simdgroup_store(acc[i][j], stage + (sm * 16 + i * 8) * MC_T + sn * 16 + j * 8, MC_T);
}

kernel void mc_matmul(constant mc_matmul_args &args [[buffer(0)]],
                      device const float *x [[buffer(1)]], device const char *w [[buffer(2)]],
                      device const char *w2 [[buffer(3)]],
                      device const float *residual [[buffer(4)]], device float *out [[buffer(5)]],
                      threadgroup float *shared [[threadgroup(0)]],
                      uint2 tg [[threadgroup_position_in_grid]],
                      ushort tid [[thread_index_in_threadgroup]],
                      ushort simdgroup [[simdgroup_index_in_threadgroup]]) {
    threadgroup float *xs = shared;
    threadgroup float *ws = shared + MC_T * MC_T;
    threadgroup float *us = shared + 2 * MC_T * MC_T; // gate/up mode only
    int n0 = (int)tg.x * MC_T, m0 = (int)tg.y * MC_T;
    ushort sm = simdgroup / 2, sn = simdgroup % 2;

    simdgroup_float8x8 acc[2][2], acc_up[2][2];
    for (short i = 0; i < 2; ++i) {
        for (short j = 0; j < 2; ++j) {
            acc[i][j] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
            acc_up[i][j] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
        }
    }
    for (int k0 = 0; k0 < args.k; k0 += MC_T) {
        int r = tid / 4, c = tid % 4;
        float v[8];
        if (m0 + r < args.m) {
            mc_load8(x + (ulong)(m0 + r) * args.x_stride, k0 / 8 + c, args.k, v);
        } else {
            for (short i = 0; i < 8; ++i)
                v[i] = 0.0f;
        }
        for (short i = 0; i < 8; ++i)
            xs[r * MC_T + c * 8 + i] = v[i];
        mc_stage_weights(ws, w, args.w_stride, args.n, n0, args.k, k0, tid);
        if (mc_matmul_gate_up)
            mc_stage_weights(us, w2, args.w2_stride, args.n, n0, args.k, k0, tid);
        threadgroup_barrier(mem_flags::mem_threadgroup);
        mc_tile_multiply(xs, ws, sm, sn, acc);
        if (mc_matmul_gate_up)
            mc_tile_multiply(xs, us, sm, sn, acc_up);
        threadgroup_barrier(mem_flags::mem_threadgroup); // before the next step overwrites
    }
    // Through threadgroup memory to the output, so edge tiles store only inside the matrix.
    mc_tile_store(xs, sm, sn, acc);
    if (mc_matmul_gate_up)
        mc_tile_store(ws, sm, sn, acc_up);
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (int e = tid; e < MC_T * MC_T; e += MC_MATMUL_THREADS) {
        int r = e / MC_T, c = e % MC_T;
        if (m0 + r >= args.m || n0 + c >= args.n)
            continue;
        float v = xs[e];
        if (mc_matmul_gate_up)
            v = v / (1.0f + exp(-v)) * ws[e];
        if (mc_matmul_residual)
            v += residual[(ulong)(m0 + r) * args.residual_stride + n0 + c];
        out[(ulong)(m0 + r) * args.out_stride + n0 + c] = v;
    }
}
