/* test_support.c — see test_support.h. */
#include "test_support.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int test_failures = 0;
int test_checks = 0;

int test_check(int condition, const char *format, ...) {
    test_checks++;
    if (!condition) {
        test_failures++;
        if (test_failures <= 50) { /* the first ones tell the story */
            va_list args;
            va_start(args, format);
            fprintf(stderr, "FAIL: ");
            vfprintf(stderr, format, args);
            fprintf(stderr, "\n");
            va_end(args);
        }
    }
    return condition;
}

int test_finish(const char *name) {
    printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
    return test_failures == 0 ? 0 : 1;
}

/* ---- random values (splitmix64) ----------------------------------------------------------- */

uint64_t rng_next(test_rng *rng) {
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double rng_uniform(test_rng *rng, double low, double high) {
    return low + (high - low) * (double)(rng_next(rng) >> 11) * 0x1p-53;
}

int rng_int(test_rng *rng, int low, int high) {
    return low + (int)(rng_next(rng) % (uint64_t)(high - low + 1));
}

/* ---- reference number formats -------------------------------------------------------------- */

/* Decodes a binary floating-point number with `mantissa_bits` and exponent `bias`. */
static double decode_float(uint32_t bits, int exponent_bits, int mantissa_bits) {
    int bias = (1 << (exponent_bits - 1)) - 1;
    uint32_t mantissa = bits & ((1u << mantissa_bits) - 1u);
    uint32_t exponent = (bits >> mantissa_bits) & ((1u << exponent_bits) - 1u);
    int negative = (bits >> (mantissa_bits + exponent_bits)) & 1u;
    double value;
    if (exponent == (1u << exponent_bits) - 1u) {
        value = mantissa != 0 ? NAN : INFINITY;
    } else if (exponent == 0) {
        value = ldexp((double)mantissa, 1 - bias - mantissa_bits);
    } else {
        value = ldexp(1.0 + ldexp((double)mantissa, -mantissa_bits), (int)exponent - bias);
    }
    return negative ? -value : value;
}

/* Rounds v to the nearest number with `mantissa_bits` (ties to even) and encodes it. */
static uint32_t encode_float(double v, int exponent_bits, int mantissa_bits) {
    int bias = (1 << (exponent_bits - 1)) - 1;
    uint32_t sign = signbit(v) ? 1u << (exponent_bits + mantissa_bits) : 0u;
    double a = fabs(v);
    if (a == 0.0) {
        return sign;
    }
    int e;
    frexp(a, &e);
    int exponent = e - 1 < 1 - bias ? 1 - bias : e - 1; /* subnormals share the least exponent */
    double ulp = ldexp(1.0, exponent - mantissa_bits);
    double units = nearbyint(a / ulp); /* the default rounding mode: ties to even */
    double rounded = units * ulp;
    int re;
    frexp(rounded, &re);
    uint32_t biased = (uint32_t)(re - 1 + bias);
    if (rounded < ldexp(1.0, 1 - bias)) { /* subnormal: the units are the mantissa */
        return sign | (uint32_t)units;
    }
    double mantissa = ldexp(rounded, -(re - 1)) - 1.0;
    return sign | (biased << mantissa_bits) | (uint32_t)ldexp(mantissa, mantissa_bits);
}

double ref_f16_to_double(uint16_t bits) {
    return decode_float(bits, 5, 10);
}
double ref_bf16_to_double(uint16_t bits) {
    return decode_float(bits, 8, 7);
}
uint16_t ref_double_to_f16(double v) {
    return (uint16_t)encode_float(v, 5, 10);
}
uint16_t ref_double_to_bf16(double v) {
    return (uint16_t)encode_float(v, 8, 7);
}

int ref_block_bytes(int dtype) {
    switch (dtype) {
    case MC_DTYPE_Q8_0: return 2 + 32;
    case MC_DTYPE_Q4_0: return 2 + 16;
    case MC_DTYPE_Q4_1: return 2 + 2 + 16;
    case MC_DTYPE_Q5_0: return 2 + 4 + 16;
    case MC_DTYPE_Q5_1: return 2 + 2 + 4 + 16;
    default: return 0;
    }
}

size_t ref_row_bytes(int dtype, int cols) {
    switch (dtype) {
    case MC_DTYPE_F32:
    case MC_DTYPE_I32: return 4u * (size_t)cols;
    case MC_DTYPE_F16:
    case MC_DTYPE_BF16: return 2u * (size_t)cols;
    default: return (size_t)(cols / 32) * (size_t)ref_block_bytes(dtype);
    }
}

static uint16_t u16_at(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}

/* ggml's blocks: value e of a block (see the format table in metal_core.h / GGUF). */
static double block_value(int dtype, const uint8_t *block, int e) {
    double d = ref_f16_to_double(u16_at(block));
    if (dtype == MC_DTYPE_Q8_0) {
        return d * (double)(int8_t)block[2 + e];
    }
    int has_min = dtype == MC_DTYPE_Q4_1 || dtype == MC_DTYPE_Q5_1;
    int five_bits = dtype == MC_DTYPE_Q5_0 || dtype == MC_DTYPE_Q5_1;
    const uint8_t *qh = block + 2 + (has_min ? 2 : 0);
    const uint8_t *qs = qh + (five_bits ? 4 : 0);
    int code = e < 16 ? (qs[e] & 15) : (qs[e - 16] >> 4);
    if (five_bits && (qh[e / 8] >> (e % 8)) & 1) {
        code += 16;
    }
    if (has_min) {
        return d * code + ref_f16_to_double(u16_at(block + 2));
    }
    return d * (code - (five_bits ? 16 : 8));
}

double ref_value(int dtype, const uint8_t *row, int e) {
    switch (dtype) {
    case MC_DTYPE_F32: {
        float v;
        memcpy(&v, row + 4 * e, 4);
        return v;
    }
    case MC_DTYPE_F16: return ref_f16_to_double(u16_at(row + 2 * e));
    case MC_DTYPE_BF16: return ref_bf16_to_double(u16_at(row + 2 * e));
    default: return block_value(dtype, row + (size_t)(e / 32) * ref_block_bytes(dtype), e % 32);
    }
}

static void put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void ref_random_row(test_rng *rng, int dtype, int cols, double scale, uint8_t *row) {
    if (dtype == MC_DTYPE_F32 || dtype == MC_DTYPE_F16 || dtype == MC_DTYPE_BF16) {
        for (int i = 0; i < cols; i++) {
            double v = rng_uniform(rng, -scale, scale);
            if (dtype == MC_DTYPE_F32) {
                float f = (float)v;
                memcpy(row + 4 * i, &f, 4);
            } else {
                put_u16(row + 2 * i,
                        dtype == MC_DTYPE_F16 ? ref_double_to_f16(v) : ref_double_to_bf16(v));
            }
        }
        return;
    }
    int bytes = ref_block_bytes(dtype);
    int has_min = dtype == MC_DTYPE_Q4_1 || dtype == MC_DTYPE_Q5_1;
    double levels =
        dtype == MC_DTYPE_Q8_0 ? 127 : (dtype == MC_DTYPE_Q4_0 || dtype == MC_DTYPE_Q4_1 ? 8 : 16);
    for (int b = 0; b < cols / 32; b++) {
        uint8_t *block = row + (size_t)b * bytes;
        for (int i = 0; i < bytes; i++) {
            block[i] = (uint8_t)rng_next(rng); /* every quant and high bit: all codes occur */
        }
        put_u16(block, ref_double_to_f16(scale / levels * rng_uniform(rng, 0.25, 1.5)));
        if (has_min) {
            put_u16(block + 2, ref_double_to_f16(rng_uniform(rng, -scale, scale)));
        }
    }
}

/* ---- contexts and tensors ------------------------------------------------------------------ */

mc_context *test_context(int threads, int simd_level) {
    mc_context_options options;
    mc_context_options_init(&options);
    options.backend = MC_BACKEND_CPU;
    options.threads = threads;
    mc_context *context = NULL;
    if (!TEST_OK(mc_context_create(&options, &context))) {
        return NULL;
    }
    mc_status status = mc_context_set_tunable(context, "simd_level", simd_level);
    if (status != MC_OK) {
        test_check(status == MC_ERROR_UNSUPPORTED, "simd_level %d: unexpected status %d: %s",
                   simd_level, (int)status, mc_last_error());
        mc_context_destroy(context);
        return NULL;
    }
    return context;
}

mc_tensor test_tensor(mc_context *context, const void *data, size_t bytes, int dtype, int rows,
                      int cols, uint64_t offset, uint64_t row_stride) {
    mc_tensor tensor;
    memset(&tensor, 0, sizeof tensor);
    TEST_OK(mc_buffer_create(context, bytes, &tensor.buffer));
    if (data != NULL) {
        TEST_OK(mc_buffer_write(tensor.buffer, 0, data, bytes));
    }
    tensor.offset = offset;
    tensor.row_stride = row_stride;
    tensor.dtype = dtype;
    tensor.rows = rows;
    tensor.cols = cols;
    return tensor;
}

void test_read(const mc_tensor *tensor, void *data, size_t bytes) {
    TEST_OK(mc_buffer_read(tensor->buffer, 0, data, bytes));
}

void test_free(mc_tensor *tensor) {
    mc_buffer_destroy(tensor->buffer);
    tensor->buffer = NULL;
}
