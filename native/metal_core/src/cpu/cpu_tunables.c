/* cpu_tunables.c — the CPU backend's tunables, set by name through mc_context_set_tunable:
 *
 *   simd_level            kernel table: 0 scalar, 1 AVX2 (arm64: NEON), 2 AVX-512 (arm64:
 *                         NEON + dotprod), 3 AVX-512 VNNI. Default: the best the CPU has;
 *                         a level it lacks is MC_ERROR_UNSUPPORTED.
 *   matvec_rows_per_task  output rows per work item of a one-token matmul (1..4096)
 *   gemm_rows_per_task    output rows per work item of a multi-token matmul (1..4096)
 *   gemm_tile_tokens      tokens per kernel call inside a multi-token work item (1..256)
 *   attention_block       keys per online-softmax step (1..4096)
 *   spin_us               microseconds idle workers spin before sleeping (0..100000)
 *   serial_op_values      rms_norm, rope, kv_append, embedding and argmax ops touching at most
 *                         this many values run on one thread without a barrier after them when
 *                         the next op is also one of those (0..1048576; 0: never)
 */
#include "cpu_backend.h"
#include "cpu_features.h"

#include <string.h>

void mc_cpu_tunables_default(mc_cpu_tunables *tunables, int best_simd_level) {
    tunables->simd_level = best_simd_level;
    tunables->matvec_rows_per_task = 16;
    tunables->gemm_rows_per_task = 64;
    tunables->gemm_tile_tokens = 32;
    tunables->attention_block = 64;
    tunables->spin_us = 200;
    tunables->serial_op_values = 8192;
}

typedef struct tunable {
    const char *name;
    size_t offset; /* of the int field in mc_cpu_tunables */
    int32_t min, max;
} tunable;

static const tunable known[] = {
    {"simd_level", offsetof(mc_cpu_tunables, simd_level), 0, MC_SIMD_LEVELS - 1},
    {"matvec_rows_per_task", offsetof(mc_cpu_tunables, matvec_rows_per_task), 1, 4096},
    {"gemm_rows_per_task", offsetof(mc_cpu_tunables, gemm_rows_per_task), 1, 4096},
    {"gemm_tile_tokens", offsetof(mc_cpu_tunables, gemm_tile_tokens), 1, 256},
    {"attention_block", offsetof(mc_cpu_tunables, attention_block), 1, 4096},
    {"spin_us", offsetof(mc_cpu_tunables, spin_us), 0, 100000},
    {"serial_op_values", offsetof(mc_cpu_tunables, serial_op_values), 0, 1 << 20},
};

mc_status mc_cpu_set_tunable(void *self, const char *name, int32_t value) {
    mc_cpu_state *backend = self;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(name, known[i].name) != 0) {
            continue;
        }
        if (value < known[i].min || value > known[i].max) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "mc_context_set_tunable: %s = %d is outside [%d, %d]", name,
                                (int)value, (int)known[i].min, (int)known[i].max);
        }
        if (strcmp(name, "simd_level") == 0) {
            const mc_cpu_kernels *kernels = mc_cpu_kernels_for_level(value);
            if (kernels == NULL) {
                return mc_set_error(MC_ERROR_UNSUPPORTED,
                                    "mc_context_set_tunable: simd_level %d is not available on "
                                    "this CPU (best: %d)",
                                    (int)value, mc_cpu_info_get()->best_level);
            }
            backend->kernels = kernels;
        }
        if (strcmp(name, "spin_us") == 0) {
            mc_pool_set_spin_us(backend->pool, value);
        }
        memcpy((char *)&backend->tunables + known[i].offset, &value, sizeof value);
        return MC_OK;
    }
    return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                        "mc_context_set_tunable: the CPU backend has no tunable named '%s' "
                        "(simd_level, matvec_rows_per_task, gemm_rows_per_task, "
                        "gemm_tile_tokens, attention_block, spin_us, serial_op_values)",
                        name);
}
