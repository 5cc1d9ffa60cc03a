// matvec_gate_up.metal — the fused SwiGLU input: out = silu(x·gateᵀ) * (x·upᵀ), both
// projections of a row computed by the same simdgroup, so neither intermediate is written.
#include "mc_matvec.h"
#include <metal_stdlib>
using namespace metal;

constant int mc_gate_up_wtype [[function_constant(MC_FC_GATE_UP_WTYPE)]];
constant int mc_gate_up_rows_per_simdgroup [[function_constant(MC_FC_GATE_UP_ROWS)]];

kernel void mc_matvec_gate_up(constant mc_matvec_gate_up_args &args [[buffer(0)]],
                              device const float *x [[buffer(1)]],
                              device const char *gate [[buffer(2)]],
                              device const char *up [[buffer(3)]], device float *out [[buffer(4)]],
                              uint2 tg [[threadgroup_position_in_grid]],
                              ushort lane [[thread_index_in_simdgroup]],
                              ushort simdgroup [[simdgroup_index_in_threadgroup]],
                              ushort simdgroups [[simdgroups_per_threadgroup]]) {
    int rows = mc_gate_up_rows_per_simdgroup;
    int row0 = (int)(tg.x * simdgroups + simdgroup) * rows;
    device const float *xr = x + (ulong)tg.y * args.x_stride;
    float g[MC_MATVEC_MAX_ROWS], u[MC_MATVEC_MAX_ROWS];
    mc_matvec_rows(gate, args.gate_stride, args.n, row0, rows, mc_gate_up_wtype, xr, args.k, lane,
                   g);
    mc_matvec_rows(up, args.up_stride, args.n, row0, rows, mc_gate_up_wtype, xr, args.k, lane, u);
    if (lane != 0)
        return;
    for (short r = 0; r < MC_MATVEC_MAX_ROWS; ++r) {
        if (r >= rows || row0 + r >= args.n)
            break;
        out[(ulong)tg.y * args.out_stride + row0 + r] = g[r] / (1.0f + exp(-g[r])) * u[r];
    }
}
