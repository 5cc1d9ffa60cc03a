/* cpu_features.h — what the processor offers: SIMD level, model name, physical cores. */
#ifndef METAL_CORE_CPU_FEATURES_H
#define METAL_CORE_CPU_FEATURES_H

#include "cpu_kernels.h"

/* SIMD levels, ordered within an architecture; the "simd_level" tunable caps them. */
typedef enum mc_simd_level {
    MC_SIMD_SCALAR = 0,
    MC_SIMD_BASE = 1,         /* x86-64: AVX2 + FMA + F16C;  arm64: NEON */
    MC_SIMD_EXTENDED = 2,     /* x86-64: AVX-512 F/BW/VL;    arm64: NEON + dotprod */
    MC_SIMD_EXTENDED_DOT = 3, /* x86-64: AVX-512 with VNNI */
    MC_SIMD_LEVELS = 4
} mc_simd_level;

typedef struct mc_cpu_info {
    char model[96];     /* e.g. "AMD EPYC 9R45" ("CPU" when unknown) */
    int physical_cores; /* cores usable by this process, counting SMT siblings once; >= 1 */
    int best_level;     /* the highest mc_simd_level that is compiled in and supported */
} mc_cpu_info;

/* Detects once per process (thread-safe) and returns the result. */
const mc_cpu_info *mc_cpu_info_get(void);

/* The kernel table of a level at or below best_level (NULL above it or when not built). */
const mc_cpu_kernels *mc_cpu_kernels_for_level(int level);

#endif /* METAL_CORE_CPU_FEATURES_H */
