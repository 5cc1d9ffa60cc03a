/* cpu_fp16.h — scalar conversions between f32 and the 16-bit float formats (IEEE half, bfloat16),
 * for code paths without hardware conversion instructions. All round to nearest, ties to even. */
#ifndef METAL_CORE_CPU_FP16_H
#define METAL_CORE_CPU_FP16_H

#include <stdint.h>
#include <string.h>

static inline uint32_t mc_f32_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static inline float mc_f32_from_bits(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline float mc_f16_to_f32(uint16_t half) {
    uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
    uint32_t exponent = (half >> 10) & 0x1fu;
    uint32_t mantissa = half & 0x3ffu;
    if (exponent == 0x1f) { /* infinity or NaN (payload kept) */
        return mc_f32_from_bits(sign | 0x7f800000u | (mantissa << 13));
    }
    if (exponent == 0) { /* zero or subnormal: mantissa * 2^-24, exact in f32 */
        float magnitude = (float)mantissa * 0x1p-24f;
        return mc_f32_from_bits(sign | mc_f32_bits(magnitude));
    }
    /* Rebias the exponent from 15 to 127. */
    return mc_f32_from_bits(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

static inline uint16_t mc_f32_to_f16(float value) {
    uint32_t bits = mc_f32_bits(value);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) { /* infinity stays infinity, NaN stays a (quiet) NaN */
        return (uint16_t)(sign | 0x7c00u | (magnitude > 0x7f800000u ? 0x200u : 0u));
    }
    if (magnitude >= 0x477ff000u) { /* >= 65520 rounds to infinity */
        return (uint16_t)(sign | 0x7c00u);
    }
    if (magnitude < 0x38800000u) { /* below 2^-14: a subnormal half (or zero) */
        /* Scale to units of 2^-24; adding and removing 2^23 rounds to an integer, ties to
         * even, in the default rounding mode. 1024 units carry over into the smallest normal. */
        float units = mc_f32_from_bits(magnitude) * 0x1p24f;
        float rounded = (units + 0x1p23f) - 0x1p23f;
        return (uint16_t)(sign | (uint16_t)rounded);
    }
    /* Normal: rebias the exponent (-112 << 23), then round the 13 dropped bits to nearest even;
     * a carry out of the mantissa correctly bumps the exponent. */
    uint32_t odd = (magnitude >> 13) & 1u;
    magnitude += 0xc8000fffu + odd;
    return (uint16_t)(sign | (magnitude >> 13));
}

static inline float mc_bf16_to_f32(uint16_t value) {
    return mc_f32_from_bits((uint32_t)value << 16);
}

static inline uint16_t mc_f32_to_bf16(float value) {
    uint32_t bits = mc_f32_bits(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u) { /* NaN: keep it a quiet NaN */
        return (uint16_t)((bits >> 16) | 0x40u);
    }
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

#endif /* METAL_CORE_CPU_FP16_H */
