/* op_rms_norm.c — out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight, rows in parallel. */
#include "cpu_backend.h"

#include <math.h>

/* Rows per work item: enough values that claiming a chunk costs little next to the work. */
static int64_t rows_per_chunk(int32_t cols) {
    return cols >= 4096 ? 1 : 4096 / cols;
}

void mc_cpu_op_rms_norm(mc_cpu_exec *exec, const mc_op_desc *op) {
    const mc_tensor *x = &op->t[0], *out = &op->t[2];
    const float *weight = (const float *)mc_cpu_row(&op->t[1], 0);
    const int32_t n = x->cols;
    const int64_t per_chunk = rows_per_chunk(n);
    const int64_t chunks = (x->rows + per_chunk - 1) / per_chunk;
    for (int64_t c; (c = mc_cpu_next_item(exec, chunks)) >= 0;) {
        int64_t end = (c + 1) * per_chunk < x->rows ? (c + 1) * per_chunk : x->rows;
        for (int64_t r = c * per_chunk; r < end; r++) {
            const float *in = (const float *)mc_cpu_row(x, r);
            float *result = (float *)mc_cpu_row(out, r);
            float scale = 1.0f / sqrtf(exec->kernels->sum_squares(in, n) / (float)n + op->f[0]);
            for (int32_t i = 0; i < n; i++) { /* in and result may alias: element-wise */
                result[i] = in[i] * scale * weight[i];
            }
        }
    }
}
