/* tunables.cu — the CUDA backend's tunables (mc_context_set_tunable) and their defaults, the
 * values measured best on an H100 (docs/CUDA.md). The environment variable MC_CUDA_TUNABLES
 * ("name=value,name=value") overrides the defaults of every new context, so a tool that knows
 * nothing of tunables (the CLI's bench) can still compare settings. */
#include "cuda_internal.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

mc_status set(mc_cuda_tunables *t, const char *name, int32_t value) {
    if (strcmp(name, "cuda.pdl") == 0 || strcmp(name, "cuda.fuse") == 0) {
        if (value != 0 && value != 1) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "tunable %s is 0 or 1, not %d", name,
                                (int)value);
        }
        if (name[5] == 'p') {
            t->pdl = value * MC_CUDA_HAVE_PDL;
        } else {
            t->fuse = value;
        }
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
    if (strcmp(name, "cuda.mv_slices") == 0) {
        if (value != 0 && value != 1 && value != 2 && value != 4 && value != 8 && value != 16) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "tunable cuda.mv_slices is 0 (automatic), 1, 2, 4, 8 or 16, not %d",
                                (int)value);
        }
        t->mv_slices = value;
        return MC_OK;
    }
    if (strcmp(name, "cuda.mv_prefetch") == 0) {
        if (value < 0 || value > 2) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "tunable cuda.mv_prefetch is 0, 1 or 2, not %d", (int)value);
        }
        t->mv_prefetch = value;
        return MC_OK;
    }
    if (strcmp(name, "cuda.mv_blocks_per_sm") == 0) {
        if (value < 0 || value > 4) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "tunable cuda.mv_blocks_per_sm is 0 (as many as fit) to 4, not %d",
                                (int)value);
        }
        t->mv_blocks_per_sm = value;
        return MC_OK;
    }
    if (strcmp(name, "cuda.mv_stages") == 0) {
        if (value != 0 && (value < 2 || value > MC_CUDA_MV_MAX_STAGES)) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "tunable cuda.mv_stages is 0 (loads into registers) or 2 to %d "
                                "(stages streamed through shared memory), not %d",
                                MC_CUDA_MV_MAX_STAGES, (int)value);
        }
        t->mv_stages = value;
        return MC_OK;
    }
    if (strcmp(name, "cuda.attn_chunk") == 0) {
        if (value != 16 && value != 32 && value != 64 && value != 128 && value != 256) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "tunable cuda.attn_chunk is 16, 32, 64, 128 or 256, not %d",
                                (int)value);
        }
        t->attn_chunk = value;
        return MC_OK;
    }
    return mc_set_error(
        MC_ERROR_INVALID_ARGUMENT,
        "the cuda backend has no tunable named '%s' (cuda.pdl, cuda.fuse, cuda.gemm_min_rows, "
        "cuda.attn_chunk, cuda.mv_slices, cuda.mv_prefetch, cuda.mv_blocks_per_sm, cuda.mv_stages)",
        name);
}

} // namespace

mc_status mc_cuda_default_tunables(mc_cuda_tunables *tunables) {
    tunables->pdl = MC_CUDA_HAVE_PDL;
    tunables->fuse = 1;
    tunables->gemm_min_rows = 9;
    tunables->attn_chunk = 16;
    tunables->mv_slices = 0;
    tunables->mv_prefetch = 1;
    tunables->mv_blocks_per_sm = 0;
    tunables->mv_stages = 2;
    const char *overrides = getenv("MC_CUDA_TUNABLES");
    if (overrides == nullptr) {
        return MC_OK;
    }
    char copy[512];
    snprintf(copy, sizeof copy, "%s", overrides);
    char *state = nullptr;
    for (char *item = strtok_r(copy, ",", &state); item != nullptr;
         item = strtok_r(nullptr, ",", &state)) {
        char *equals = strchr(item, '=');
        char *end = nullptr;
        long value = equals != nullptr ? strtol(equals + 1, &end, 10) : 0;
        if (equals == nullptr || end == equals + 1 || *end != '\0') {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "MC_CUDA_TUNABLES: '%s' is not name=integer (e.g. cuda.fuse=0)",
                                item);
        }
        *equals = '\0';
        MC_TRY(set(tunables, item, (int32_t)value));
    }
    return MC_OK;
}

mc_status mc_cuda_set_tunable(void *opaque, const char *name, int32_t value) {
    return set(&static_cast<mc_cuda *>(opaque)->tunables, name, value);
}
