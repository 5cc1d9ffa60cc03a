/* tunables.cu — the CUDA backend's tunables (mc_context_set_tunable) and their defaults, which
 * are the values measured best on an H100 (docs/CUDA.md). */
#include "cuda_internal.h"

#include <cstring>

void mc_cuda_default_tunables(mc_cuda_tunables *tunables) {
    tunables->pdl = MC_CUDA_HAVE_PDL;
    tunables->gemm_min_rows = 9;
    tunables->attn_chunk = 64;
}

mc_status mc_cuda_set_tunable(void *opaque, const char *name, int32_t value) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    mc_cuda_tunables *t = &self->tunables;
    if (strcmp(name, "cuda.pdl") == 0) {
        if (value != 0 && value != 1) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "tunable cuda.pdl is 0 or 1, not %d", (int)value);
        }
        t->pdl = value && MC_CUDA_HAVE_PDL;
        return MC_OK;
    }
    if (strcmp(name, "cuda.gemm_min_rows") == 0) {
        if (value < 2) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "tunable cuda.gemm_min_rows must be >= 2, not %d", (int)value);
        }
        t->gemm_min_rows = value;
        return MC_OK;
    }
    if (strcmp(name, "cuda.attn_chunk") == 0) {
        if (value != 32 && value != 64 && value != 128 && value != 256) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "tunable cuda.attn_chunk is 32, 64, 128 or 256, not %d", (int)value);
        }
        t->attn_chunk = value;
        return MC_OK;
    }
    return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                        "the cuda backend has no tunable named '%s' (cuda.pdl, cuda.gemm_min_rows, "
                        "cuda.attn_chunk)", name);
}
