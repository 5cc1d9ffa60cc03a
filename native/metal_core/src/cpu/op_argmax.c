/* op_argmax.c — out[r] = the smallest index of the maximum of x[r]. Many rows: one row per
 * work item. Fewer rows than threads (greedy decoding: one row of ~150k logits): a first phase
 * scans slices of the rows, a second combines each row's slices in order. */
#include "cpu_backend.h"

#include <math.h>

typedef struct slice_result {
    float value;
    int32_t index; /* -1: empty slice */
} slice_result;

static int sliced(const mc_op_desc *op, int threads) {
    return op->t[0].rows < threads;
}

/* Slices per row: a few per thread, none shorter than 1024 values. */
static int64_t slices_per_row(const mc_op_desc *op, int threads) {
    int64_t by_length = op->t[0].cols / 1024;
    int64_t wanted = 4 * (int64_t)threads;
    return by_length < 1 ? 1 : (by_length < wanted ? by_length : wanted);
}

int mc_cpu_argmax_phases(const mc_op_desc *op, int threads) {
    return sliced(op, threads) ? 2 : 1;
}

mc_cpu_scratch_need mc_cpu_argmax_scratch(const mc_op_desc *op, int threads) {
    mc_cpu_scratch_need need = {0, 0};
    if (sliced(op, threads)) {
        need.shared = mc_cpu_align64((size_t)op->t[0].rows * (size_t)slices_per_row(op, threads) *
                                     sizeof(slice_result));
    }
    return need;
}

void mc_cpu_op_argmax(mc_cpu_exec *exec, const mc_op_desc *op) {
    const mc_tensor *x = &op->t[0], *out = &op->t[1];
    const int32_t n = x->cols;
    if (!sliced(op, exec->threads)) {
        for (int64_t r; (r = mc_cpu_next_item(exec, x->rows)) >= 0;) {
            float max;
            int32_t index = exec->kernels->argmax((const float *)mc_cpu_row(x, r), n, &max);
            memcpy(mc_cpu_row(out, r), &index, sizeof index);
        }
        return;
    }
    slice_result *slices = (slice_result *)exec->scratch_shared;
    const int64_t per_row = slices_per_row(op, exec->threads);
    for (int64_t item; (item = mc_cpu_next_item(exec, x->rows * per_row)) >= 0;) {
        int64_t r = item / per_row, s = item % per_row;
        int32_t begin = (int32_t)((int64_t)n * s / per_row);
        int32_t end = (int32_t)((int64_t)n * (s + 1) / per_row);
        slice_result mine = {-INFINITY, -1};
        if (end > begin) {
            const float *row = (const float *)mc_cpu_row(x, r);
            mine.index = begin + exec->kernels->argmax(row + begin, end - begin, &mine.value);
        }
        slices[item] = mine;
    }
    if (!mc_cpu_end_phase(exec)) {
        return;
    }
    for (int64_t r; (r = mc_cpu_next_item(exec, x->rows)) >= 0;) {
        /* Slices are in index order: a later slice wins only with a strictly greater value,
         * or when everything before it was only NaN and -inf (index 0 is kept then). */
        slice_result best = {-INFINITY, 0};
        for (int64_t s = 0; s < per_row; s++) {
            slice_result candidate = slices[r * per_row + s];
            if (candidate.index >= 0 && candidate.value > best.value) {
                best = candidate;
            }
        }
        memcpy(mc_cpu_row(out, r), &best.index, sizeof best.index);
    }
}
