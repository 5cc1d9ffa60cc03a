/* kernels_avx512.c — the kernel table for AVX-512 F/BW/VL without VNNI (Skylake-X class).
 * The code is kernels_avx512_impl.h; this file only sets the target. */
#include "cpu_kernels.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>
#include <math.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c"))),   \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")
#endif

#define MC_AVX512_VNNI 0
#include "kernels_avx512_impl.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

const mc_cpu_kernels *mc_cpu_kernels_avx512(void) {
    return &avx512_kernels;
}

#else

const mc_cpu_kernels *mc_cpu_kernels_avx512(void) {
    return NULL;
}

#endif
