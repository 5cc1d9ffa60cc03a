/* op_kv_append.c — writes each token's k and v rows into the caches (f32, f16 or bf16),
 * tokens in parallel, after checking every destination row first so that a bad position
 * leaves the caches untouched. */
#include "cpu_backend.h"
#include "cpu_cache_rows.h"

void mc_cpu_op_kv_append(mc_cpu_exec *exec, const mc_op_desc *op) {
    const mc_tensor *k = &op->t[0], *v = &op->t[1], *k_cache = &op->t[2], *v_cache = &op->t[3];
    const mc_tensor *positions = &op->t[4], *seq_ids = &op->t[5];
    const int32_t capacity = op->i[0];
    if (!mc_cpu_check_cache_rows(exec, "mc_op_kv_append", positions, seq_ids, capacity,
                                 k_cache->rows)) {
        return;
    }
    for (int64_t t; (t = mc_cpu_next_item(exec, k->rows)) >= 0;) {
        int64_t row = mc_cpu_cache_row(positions, seq_ids, capacity, t);
        exec->kernels->store_row(mc_cpu_row(k_cache, row), k_cache->dtype,
                                 (const float *)mc_cpu_row(k, t), k->cols);
        exec->kernels->store_row(mc_cpu_row(v_cache, row), v_cache->dtype,
                                 (const float *)mc_cpu_row(v, t), v->cols);
    }
}
