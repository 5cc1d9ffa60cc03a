/* tunables.cu — the CUDA backend's tunables (mc_context_set_tunable) and their defaults, the
 * values measured best on an H100 (docs/CUDA.md). The environment variable MC_CUDA_TUNABLES
 * ("name=value,name=value") overrides the defaults of every new context, so a tool that knows
 * nothing of tunables (the CLI's bench) can still compare settings. */
#include "cuda_internal.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

#define MC_STRINGIFY_(x) #x
#define MC_STRINGIFY(x) MC_STRINGIFY_(x)

bool is_power_of_two(int32_t v) {
    return v > 0 && (v & (v - 1)) == 0;
}

/* Every tunable: its field, the values it takes and how an error message names them. */
struct tunable {
    const char *name;
    int32_t mc_cuda_tunables::*field;
    bool (*allowed)(int32_t);
    const char *values;
};

const tunable kTunables[] = {
    /* 1 without PDL in the CUDA runtime is accepted and changes nothing (mc_cuda_launch) */
    {"cuda.pdl", &mc_cuda_tunables::pdl, [](int32_t v) { return v == 0 || v == 1; }, "0 or 1"},
    {"cuda.fuse", &mc_cuda_tunables::fuse, [](int32_t v) { return v == 0 || v == 1; }, "0 or 1"},
    {"cuda.gemm_min_rows", &mc_cuda_tunables::gemm_min_rows, [](int32_t v) { return v >= 2; },
     "2 or more"},
    {"cuda.attn_chunk", &mc_cuda_tunables::attn_chunk,
     [](int32_t v) { return v >= 16 && v <= 256 && is_power_of_two(v); }, "16, 32, 64, 128 or 256"},
    {"cuda.mv_slices", &mc_cuda_tunables::mv_slices,
     [](int32_t v) { return v == 0 || (v <= 16 && is_power_of_two(v)); },
     "0 (automatic), 1, 2, 4, 8 or 16"},
    {"cuda.mv_prefetch", &mc_cuda_tunables::mv_prefetch, [](int32_t v) { return v >= 0 && v <= 2; },
     "0, 1 or 2"},
    {"cuda.mv_blocks_per_sm", &mc_cuda_tunables::mv_blocks_per_sm,
     [](int32_t v) { return v >= 0 && v <= 4; }, "0 (as many as fit) to 4"},
    {"cuda.mv_stages", &mc_cuda_tunables::mv_stages,
     [](int32_t v) { return v == 0 || (v >= 2 && v <= MC_CUDA_MV_MAX_STAGES); },
     "0 (loads into registers) or 2 to " MC_STRINGIFY(
         MC_CUDA_MV_MAX_STAGES) " (stages streamed through shared memory)"},
};

mc_status set(mc_cuda_tunables *t, const char *name, int32_t value) {
    char known[256] = "";
    for (const tunable &entry : kTunables) {
        if (strcmp(name, entry.name) == 0) {
            if (!entry.allowed(value)) {
                return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "tunable %s is %s, not %d", name,
                                    entry.values, (int)value);
            }
            t->*entry.field = value;
            return MC_OK;
        }
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                 known[0] != '\0' ? ", " : "", entry.name);
    }
    return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                        "the cuda backend has no tunable named '%s' (%s)", name, known);
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
