// mc_matvec.h — the dot products of the matrix-vector kernels: one simdgroup computes `rows`
// consecutive output rows for one x row. Lanes take 8-element chunks round-robin, load the x
// chunk once for all rows (seed 001: reuse activations across rows), dequantise each weight
// chunk in registers, and finish each row with one simd_sum.
#ifndef MC_MATVEC_H
#define MC_MATVEC_H

#include "mc_kernel_common.h"

// sums[r] = x · w[row0 + r] for r < rows (rows past n are left at 0).
static inline void mc_matvec_rows(device const char *w, int w_stride, int n, int row0, int rows,
                                  int type, device const float *x, int k, ushort lane,
                                  thread float *sums) {
    for (short r = 0; r < MC_MATVEC_MAX_ROWS; ++r)
        sums[r] = 0.0f;
    int chunks = (k + 7) / 8;
    for (int c = lane; c < chunks; c += 32) {
        float xv[8];
        mc_load8(x, c, k, xv);
        for (short r = 0; r < MC_MATVEC_MAX_ROWS; ++r) {
            if (r >= rows || row0 + r >= n)
                break;
            float wv[8];
            mc_dequant8(w + (ulong)(row0 + r) * w_stride, c, k, type, wv);
            float s = 0.0f;
            for (short i = 0; i < 8; ++i)
                s = fma(wv[i], xv[i], s);
            sums[r] += s;
        }
    }
    for (short r = 0; r < MC_MATVEC_MAX_ROWS; ++r) {
        if (r >= rows)
            break;
        sums[r] = simd_sum(sums[r]);
    }
}

#endif // MC_MATVEC_H
