/* rope_math.cuh — rotation angles of the rope kernels (rope.cu, and the fused q/k preparation
 * of fusion.cu), computed like the CPU backend: angle = pos * base^(-2i / rope_dims) /
 * freq_factors[i] in double (at long contexts the angle reaches ~1e5 radians, where a float angle
 * is off by ~0.01). The inverse frequencies come from the host (a kernel parameter), so the
 * device never runs double-precision pow; the angle is reduced to [-pi, pi] in double and its
 * sine and cosine taken in float, within 2 ulp of the CPU's (float)sin / (float)cos. */
#ifndef METAL_CORE_CUDA_ROPE_MATH_CUH
#define METAL_CORE_CUDA_ROPE_MATH_CUH

#include <cmath>

#define MC_ROPE_MAX_PAIRS 128 /* head_dim <= 256 */

struct mc_rope_frequencies {
    double inverse[MC_ROPE_MAX_PAIRS]; /* base^(-2i / rope_dims) */
};

/* Fills the inverse frequencies of pairs [0, rope_dims / 2) (host). */
static inline void mc_rope_fill(mc_rope_frequencies *f, float base, int rope_dims) {
    for (int i = 0; i < rope_dims / 2 && i < MC_ROPE_MAX_PAIRS; i++) {
        f->inverse[i] = pow((double)base, -2.0 * i / rope_dims);
    }
}

/* Sine and cosine of pair i at `position`. */
__device__ __forceinline__ void mc_rope_sincos(const mc_rope_frequencies &f, const float *factors,
                                               int position, int i, float *s, float *c) {
    double angle = (double)position * f.inverse[i];
    if (factors != nullptr) {
        angle /= (double)factors[i];
    }
    /* 2 pi as a double plus the rest, so the reduction stays exact for angles up to ~1e9. */
    const double two_pi = 6.283185307179586, two_pi_rest = 2.4492935982947064e-16;
    const double turns = rint(angle * (1.0 / two_pi));
    const double reduced = fma(-turns, two_pi_rest, fma(-turns, two_pi, angle));
    sincosf((float)reduced, s, c);
}

#endif /* METAL_CORE_CUDA_ROPE_MATH_CUH */
