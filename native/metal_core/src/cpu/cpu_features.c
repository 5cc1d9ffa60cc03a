/* cpu_features.c — run-time detection of the SIMD level, the model name and the number of
 * physical cores (Linux, macOS; other systems get the scalar level and one core per CPU). */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity */
#endif

#include "cpu_features.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(_M_X64)
#define MC_X86 1
#include <cpuid.h>
#elif defined(__aarch64__)
#define MC_ARM64 1
#endif

#if defined(__linux__)
#include <sched.h>
#if defined(MC_ARM64)
#include <sys/auxv.h>
#endif
#endif

#if defined(__APPLE__)
#include <sys/sysctl.h>
#endif

static mc_cpu_info detected;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

#if defined(MC_X86)
static uint64_t read_xcr0(void) {
    uint32_t low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((uint64_t)high << 32) | low;
}

static int x86_level(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) {
        return MC_SIMD_SCALAR;
    }
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx) {
        return MC_SIMD_SCALAR;
    }
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6 || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        return MC_SIMD_SCALAR; /* the OS does not save the AVX registers */
    }
    int avx2 = (b >> 5) & 1;
    if (!avx2 || !fma || !f16c) {
        return MC_SIMD_SCALAR;
    }
    /* AVX-512 needs the OS to save the mask and upper ZMM registers too (XCR0 bits 5-7). */
    int avx512 = (b >> 16) & 1 && (b >> 30) & 1 && (b >> 31) & 1 && (xcr0 & 0xe6) == 0xe6;
    if (!avx512) {
        return MC_SIMD_BASE;
    }
    return (c >> 11) & 1 ? MC_SIMD_EXTENDED_DOT : MC_SIMD_EXTENDED;
}

static void x86_model(char *model, size_t size) {
    unsigned regs[12];
    unsigned top = __get_cpuid_max(0x80000000u, NULL);
    if (top < 0x80000004u) {
        return;
    }
    for (unsigned leaf = 0; leaf < 3; leaf++) {
        __get_cpuid(0x80000002u + leaf, &regs[leaf * 4], &regs[leaf * 4 + 1], &regs[leaf * 4 + 2],
                    &regs[leaf * 4 + 3]);
    }
    char brand[49];
    memcpy(brand, regs, 48);
    brand[48] = '\0';
    snprintf(model, size, "%s", brand);
}
#endif

#if defined(MC_ARM64)
static int arm64_level(void) {
    int dotprod = 0;
#if defined(__linux__)
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
    dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
    int value = 0;
    size_t length = sizeof value;
    if (sysctlbyname("hw.optional.arm.FEAT_DotProd", &value, &length, NULL, 0) == 0) {
        dotprod = value != 0;
    }
#endif
    return dotprod ? MC_SIMD_EXTENDED : MC_SIMD_BASE; /* NEON + dotprod : NEON */
}
#endif

#if defined(__linux__)
/* Reads one small integer from a sysfs file; -1 when absent. */
static long read_number(const char *path) {
    FILE *file = fopen(path, "r");
    long value = -1;
    if (file != NULL) {
        if (fscanf(file, "%ld", &value) != 1) {
            value = -1;
        }
        fclose(file);
    }
    return value;
}

/* Cores in this process's affinity set, counting each (package, core) pair once. */
static int linux_physical_cores(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        return (int)sysconf(_SC_NPROCESSORS_ONLN);
    }
    long seen[CPU_SETSIZE][2];
    int cores = 0, cpus = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set)) {
            continue;
        }
        cpus++;
        char path[128];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
        long core = read_number(path);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id",
                 cpu);
        long package = read_number(path);
        if (core < 0) {
            return CPU_COUNT(&set); /* no topology: count logical CPUs */
        }
        int known = 0;
        for (int i = 0; i < cores && !known; i++) {
            known = seen[i][0] == package && seen[i][1] == core;
        }
        if (!known) {
            seen[cores][0] = package;
            seen[cores][1] = core;
            cores++;
        }
    }
    return cores > 0 ? cores : cpus;
}

static void linux_model(char *model, size_t size) {
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (file == NULL) {
        return;
    }
    char line[256];
    while (fgets(line, sizeof line, file) != NULL) {
        if (strncmp(line, "model name", 10) == 0 || strncmp(line, "Model", 5) == 0) {
            char *value = strchr(line, ':');
            if (value != NULL) {
                value += 1 + strspn(value + 1, " \t");
                value[strcspn(value, "\n")] = '\0';
                snprintf(model, size, "%s", value);
                break;
            }
        }
    }
    fclose(file);
}
#endif

#if defined(__APPLE__)
static int apple_physical_cores(void) {
    /* The performance cores only: a pool spread over efficiency cores waits for the slowest. */
    int value = 0;
    size_t length = sizeof value;
    if (sysctlbyname("hw.perflevel0.physicalcpu", &value, &length, NULL, 0) == 0 && value > 0) {
        return value;
    }
    length = sizeof value;
    if (sysctlbyname("hw.physicalcpu", &value, &length, NULL, 0) == 0 && value > 0) {
        return value;
    }
    return 1;
}
#endif

/* Trims leading and trailing spaces in place (x86 brand strings are padded). */
static void trim(char *text) {
    size_t start = strspn(text, " ");
    memmove(text, text + start, strlen(text + start) + 1);
    size_t end = strlen(text);
    while (end > 0 && text[end - 1] == ' ') {
        text[--end] = '\0';
    }
}

static const mc_cpu_kernels *table_for_level(int level) {
    switch (level) {
    case MC_SIMD_SCALAR: return mc_cpu_kernels_scalar();
#if defined(MC_ARM64)
    case MC_SIMD_BASE: return mc_cpu_kernels_neon();
    case MC_SIMD_EXTENDED: return mc_cpu_kernels_neon_dotprod();
#else
    case MC_SIMD_BASE: return mc_cpu_kernels_avx2();
    case MC_SIMD_EXTENDED: return mc_cpu_kernels_avx512();
    case MC_SIMD_EXTENDED_DOT: return mc_cpu_kernels_avx512_vnni();
#endif
    default: return NULL;
    }
}

static void detect(void) {
    snprintf(detected.model, sizeof detected.model, "CPU");
    detected.best_level = MC_SIMD_SCALAR;
    detected.physical_cores = 1;
#if defined(MC_X86)
    detected.best_level = x86_level();
    x86_model(detected.model, sizeof detected.model);
#elif defined(MC_ARM64)
    detected.best_level = arm64_level();
#endif
#if defined(__linux__)
    detected.physical_cores = linux_physical_cores();
    if (strcmp(detected.model, "CPU") == 0) {
        linux_model(detected.model, sizeof detected.model);
    }
#elif defined(__APPLE__)
    detected.physical_cores = apple_physical_cores();
    size_t length = sizeof detected.model;
    sysctlbyname("machdep.cpu.brand_string", detected.model, &length, NULL, 0);
#else
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    detected.physical_cores = cpus > 0 ? (int)cpus : 1;
#endif
    detected.model[sizeof detected.model - 1] = '\0';
    trim(detected.model);
    if (detected.physical_cores < 1) {
        detected.physical_cores = 1;
    }
    /* A level whose table is not built into this library (other compiler) is not usable. */
    while (detected.best_level > MC_SIMD_SCALAR && table_for_level(detected.best_level) == NULL) {
        detected.best_level--;
    }
}

const mc_cpu_info *mc_cpu_info_get(void) {
    pthread_once(&detect_once, detect);
    return &detected;
}

const mc_cpu_kernels *mc_cpu_kernels_for_level(int level) {
    if (level < 0 || level > mc_cpu_info_get()->best_level) {
        return NULL;
    }
    return table_for_level(level);
}
