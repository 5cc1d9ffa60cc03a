// mc_kv_cache.h — reading one element of a KV-cache row of f32, f16 or bf16.
#ifndef MC_KV_CACHE_H
#define MC_KV_CACHE_H

#include "mc_kernel_common.h"

static inline float mc_cache_load(device const char *row, int i, int type) {
    if (type == MC_KT_F16)
        return float(((device const half *)row)[i]);
    if (type == MC_KT_BF16)
        return float(((device const bfloat *)row)[i]);
    return ((device const float *)row)[i];
}

static inline int mc_cache_element_size(int type) {
    return type == MC_KT_F32 ? 4 : 2;
}

// Softmax maxima start from a finite floor rather than -inf, so exp(m_old - m_new) stays a
// well-defined 0 whatever the compiler assumes about infinities.
#define MC_SOFTMAX_FLOOR (-FLT_MAX / 2)

#endif // MC_KV_CACHE_H
