/* cpu_cache_rows.c — where a token's keys and values live in a KV cache:
 * row = seq_ids[t] * seq_capacity + positions[t] (no seq_ids: sequence 0). */
#include "cpu_cache_rows.h"

int mc_cpu_check_cache_rows(mc_cpu_exec *exec, const char *function, const mc_tensor *positions,
                            const mc_tensor *seq_ids, int32_t capacity, int32_t cache_rows) {
    for (int64_t t = 0; t < positions->rows; t++) {
        int32_t position = mc_cpu_i32(positions, t);
        int32_t sequence = seq_ids->buffer != NULL ? mc_cpu_i32(seq_ids, t) : 0;
        if (position < 0 || position >= capacity) {
            mc_cpu_fail(exec, MC_ERROR_OUT_OF_RANGE,
                        "%s: positions[%lld] = %d is outside [0, seq_capacity = %d)", function,
                        (long long)t, (int)position, (int)capacity);
            return 0;
        }
        if (sequence < 0 || sequence >= cache_rows / capacity) {
            mc_cpu_fail(exec, MC_ERROR_OUT_OF_RANGE,
                        "%s: seq_ids[%lld] = %d is outside the cache's %d sequences", function,
                        (long long)t, (int)sequence, (int)(cache_rows / capacity));
            return 0;
        }
    }
    return 1;
}

int64_t mc_cpu_cache_row(const mc_tensor *positions, const mc_tensor *seq_ids, int32_t capacity,
                         int64_t t) {
    int32_t sequence = seq_ids->buffer != NULL ? mc_cpu_i32(seq_ids, t) : 0;
    return (int64_t)sequence * capacity + mc_cpu_i32(positions, t);
}
