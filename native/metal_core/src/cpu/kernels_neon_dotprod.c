/* kernels_neon_dotprod.c — the kernel table for arm64 with the dot product extension (sdot:
 * Apple M1 and later, Graviton 2 and later, Cortex-A76 and later). The code is
 * kernels_neon_impl.h; this file only sets the target. */
#include "cpu_kernels.h"

#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("dotprod"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")
#endif

#include <arm_neon.h>
#include <math.h>

#define MC_NEON_DOTPROD 1
#include "kernels_neon_impl.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

const mc_cpu_kernels *mc_cpu_kernels_neon_dotprod(void) {
    return &neon_kernels;
}

#else

const mc_cpu_kernels *mc_cpu_kernels_neon_dotprod(void) {
    return NULL;
}

#endif
