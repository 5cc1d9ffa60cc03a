/* op_rope.c — rotary position embedding in place, tokens in parallel.
 * Pair i (i < rope_dims / 2) of every head rotates by angle = pos * theta_i with
 * theta_i = base^(-2i / rope_dims) / freq_factors[i]; NORMAL pairs elements (2i, 2i + 1), NEOX
 * pairs (i, i + rope_dims / 2). Angles are computed in double: pos * theta reaches ~1e5 radians
 * at long contexts, where a float angle would be off by ~0.01 radians. Each thread computes the
 * thetas once per op, then only a sine and cosine per pair and token. */
#include "cpu_backend.h"

#include <math.h>

/* Per-thread scratch: theta [half] doubles, then cos and sin [half] floats each. */
mc_cpu_scratch_need mc_cpu_rope_scratch(const mc_op_desc *op) {
    size_t half = (size_t)op->i[2] / 2;
    mc_cpu_scratch_need need = {0, mc_cpu_align64(half * sizeof(double)) +
                                       mc_cpu_align64(2 * half * sizeof(float))};
    return need;
}

void mc_cpu_op_rope(mc_cpu_exec *exec, const mc_op_desc *op) {
    const mc_tensor *x = &op->t[0], *positions = &op->t[1];
    const int32_t heads = op->i[0], head_dim = op->i[1], rope_dims = op->i[2], mode = op->i[3];
    const int32_t half = rope_dims / 2;
    const float *factors = op->t[2].buffer != NULL ? (const float *)mc_cpu_row(&op->t[2], 0) : NULL;
    double *theta = (double *)exec->scratch_thread;
    float *cosines =
        (float *)(exec->scratch_thread + mc_cpu_align64((size_t)half * sizeof(double)));
    float *sines = cosines + half;
    int have_theta = 0;
    for (int64_t t; (t = mc_cpu_next_item(exec, x->rows)) >= 0;) {
        if (!have_theta) {
            for (int32_t i = 0; i < half; i++) {
                theta[i] = pow((double)op->f[0], -2.0 * i / rope_dims) /
                           (factors != NULL ? (double)factors[i] : 1.0);
            }
            have_theta = 1;
        }
        double position = (double)mc_cpu_i32(positions, t);
        for (int32_t i = 0; i < half; i++) {
            double angle = position * theta[i];
            cosines[i] = (float)cos(angle);
            sines[i] = (float)sin(angle);
        }
        float *row = (float *)mc_cpu_row(x, t);
        for (int32_t h = 0; h < heads; h++) {
            float *head = row + (int64_t)h * head_dim;
            if (mode == MC_ROPE_NEOX) {
                for (int32_t i = 0; i < half; i++) {
                    float x0 = head[i], x1 = head[i + half];
                    head[i] = x0 * cosines[i] - x1 * sines[i];
                    head[i + half] = x0 * sines[i] + x1 * cosines[i];
                }
            } else {
                for (int32_t i = 0; i < half; i++) {
                    float x0 = head[2 * i], x1 = head[2 * i + 1];
                    head[2 * i] = x0 * cosines[i] - x1 * sines[i];
                    head[2 * i + 1] = x0 * sines[i] + x1 * cosines[i];
                }
            }
        }
    }
}
