/* cpu_cache_rows.h — KV cache row addressing shared by kv_append and attention. */
#ifndef METAL_CORE_CPU_CACHE_ROWS_H
#define METAL_CORE_CPU_CACHE_ROWS_H

#include "cpu_backend.h"

/* Checks every token's position and sequence against the cache; on the first bad one, records
 * MC_ERROR_OUT_OF_RANGE and returns 0 (on every thread: then the op must return). */
int mc_cpu_check_cache_rows(mc_cpu_exec *exec, const char *function, const mc_tensor *positions,
                            const mc_tensor *seq_ids, int32_t capacity, int32_t cache_rows);

/* The cache row of token t (checked beforehand). */
int64_t mc_cpu_cache_row(const mc_tensor *positions, const mc_tensor *seq_ids, int32_t capacity,
                         int64_t t);

#endif /* METAL_CORE_CPU_CACHE_ROWS_H */
