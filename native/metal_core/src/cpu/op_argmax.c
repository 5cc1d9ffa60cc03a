/* op_argmax.c — out[r] = the smallest index of the maximum of x[r]. Many rows: one row per
 * work item. Fewer rows than threads (greedy decoding: one row of ~150k logits): each thread
 * scans a slice of the row and thread 0 combines the slices. */
#include "cpu_backend.h"

#include <math.h>

typedef struct slice_result {
    float value;
    int32_t index; /* -1: empty slice */
} slice_result;

void mc_cpu_op_argmax(mc_cpu_exec *exec, const mc_op_desc *op) {
    const mc_tensor *x = &op->t[0], *out = &op->t[1];
    const int32_t n = x->cols;
    if (x->rows >= exec->threads) {
        for (int64_t r; (r = mc_pool_next_chunk(exec->pool)) < x->rows;) {
            float max;
            int32_t index = exec->kernels->argmax((const float *)mc_cpu_row(x, r), n, &max);
            memcpy(mc_cpu_row(out, r), &index, sizeof index);
        }
        return;
    }
    slice_result *slices = (slice_result *)exec->scratch_shared;
    for (int64_t r = 0; r < x->rows; r++) {
        int32_t begin = (int32_t)((int64_t)n * exec->thread / exec->threads);
        int32_t end = (int32_t)((int64_t)n * (exec->thread + 1) / exec->threads);
        slice_result mine = {-INFINITY, -1};
        if (end > begin) {
            const float *row = (const float *)mc_cpu_row(x, r);
            mine.index = begin + exec->kernels->argmax(row + begin, end - begin, &mine.value);
        }
        slices[exec->thread] = mine;
        mc_pool_barrier(exec->pool);
        if (exec->thread == 0) {
            /* Slices are in index order: a later slice wins only with a strictly greater value,
             * or when everything before it was only NaN and -inf (index 0 is kept then). */
            slice_result best = {-INFINITY, 0};
            for (int i = 0; i < exec->threads; i++) {
                if (slices[i].index >= 0 && slices[i].value > best.value) {
                    best = slices[i];
                }
            }
            memcpy(mc_cpu_row(out, r), &best.index, sizeof best.index);
        }
        mc_pool_barrier(exec->pool); /* the slices are reused by the next row */
    }
}
