// matvec.metal — out[r, n] = x[r, :] · w[n, :] (+ residual[r, n]) for few x rows (decode).
// Grid: (ceil(n / (rows * simdgroups)), x rows); each simdgroup owns MC_FC_MATVEC_ROWS output
// rows. Weight types: f32, f16, bf16, q8_0, q4_0 (MC_FC_MATVEC_WTYPE). With
// MC_FC_MATVEC_RESIDUAL the residual add of the output projection is fused in (residual may
// alias out: each element is read, then written, by the same lane).
#include "mc_matvec.h"
#include <metal_stdlib>
using namespace metal;

constant int mc_matvec_wtype [[function_constant(MC_FC_MATVEC_WTYPE)]];
constant int mc_matvec_rows_per_simdgroup [[function_constant(MC_FC_MATVEC_ROWS)]];
constant bool mc_matvec_residual [[function_constant(MC_FC_MATVEC_RESIDUAL)]];

kernel void mc_matvec(constant mc_matvec_args &args [[buffer(0)]],
                      device const float *x [[buffer(1)]], device const char *w [[buffer(2)]],
                      device const float *residual [[buffer(3)]], device float *out [[buffer(4)]],
                      uint2 tg [[threadgroup_position_in_grid]],
                      ushort lane [[thread_index_in_simdgroup]],
                      ushort simdgroup [[simdgroup_index_in_threadgroup]],
                      ushort simdgroups [[simdgroups_per_threadgroup]]) {
    int rows = mc_matvec_rows_per_simdgroup;
    int row0 = (int)(tg.x * simdgroups + simdgroup) * rows;
    float sums[MC_MATVEC_MAX_ROWS];
    mc_matvec_rows(w, args.w_stride, args.n, row0, rows, mc_matvec_wtype,
                   x + (ulong)tg.y * args.x_stride, args.k, lane, sums);
    if (lane != 0)
        return;
    for (short r = 0; r < MC_MATVEC_MAX_ROWS; ++r) {
        int n = row0 + r;
        if (r >= rows || n >= args.n)
            break;
        float v = sums[r];
        if (mc_matvec_residual)
            v += residual[(ulong)tg.y * args.residual_stride + n];
        out[(ulong)tg.y * args.out_stride + n] = v;
    }
}
