/* op_rope.c — rotary position embedding in place, tokens in parallel.
 * Pair i (i < rope_dims / 2) of every head rotates by angle = pos * base^(-2i / rope_dims)
 * / freq_factors[i]; NORMAL pairs elements (2i, 2i + 1), NEOX pairs (i, i + rope_dims / 2).
 * Angles are computed in double: pos * theta reaches ~1e5 radians at long contexts, where a
 * float angle would be off by ~0.01 radians. */
#include "cpu_backend.h"

#include <math.h>

mc_cpu_scratch_need mc_cpu_rope_scratch(const mc_op_desc *op) {
    mc_cpu_scratch_need need = {0, mc_cpu_align64((size_t)op->i[2] * sizeof(float))};
    return need;
}

void mc_cpu_op_rope(mc_cpu_exec *exec, const mc_op_desc *op) {
    const mc_tensor *x = &op->t[0], *positions = &op->t[1];
    const int32_t heads = op->i[0], head_dim = op->i[1], rope_dims = op->i[2], mode = op->i[3];
    const int32_t half = rope_dims / 2;
    const float *factors = op->t[2].buffer != NULL ? (const float *)mc_cpu_row(&op->t[2], 0) : NULL;
    /* cos in [0, half), sin in [half, rope_dims) of this thread's scratch. */
    float *cosines = (float *)exec->scratch_thread, *sines = cosines + half;
    for (int64_t t; (t = mc_pool_next_chunk(exec->pool)) < x->rows;) {
        double position = (double)mc_cpu_i32(positions, t);
        for (int32_t i = 0; i < half; i++) {
            double angle = position * pow((double)op->f[0], -2.0 * i / rope_dims);
            if (factors != NULL) {
                angle /= (double)factors[i];
            }
            cosines[i] = (float)cos(angle);
            sines[i] = (float)sin(angle);
        }
        float *row = (float *)mc_cpu_row(x, t);
        for (int32_t h = 0; h < heads; h++) {
            float *head = row + (int64_t)h * head_dim;
            for (int32_t i = 0; i < half; i++) {
                int32_t a = mode == MC_ROPE_NEOX ? i : 2 * i;
                int32_t b = mode == MC_ROPE_NEOX ? i + half : 2 * i + 1;
                float x0 = head[a], x1 = head[b];
                head[a] = x0 * cosines[i] - x1 * sines[i];
                head[b] = x0 * sines[i] + x1 * cosines[i];
            }
        }
    }
}
