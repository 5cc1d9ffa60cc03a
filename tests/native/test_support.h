/* test_support.h — helpers shared by the CPU backend's native tests: a seeded random source,
 * independent reference conversions of the 16-bit float formats and of ggml's quantized
 * blocks (written from the format descriptions, not from the backend's code), contexts for
 * every SIMD level and thread count, and tensors made from host arrays. */
#ifndef METAL_CORE_TEST_SUPPORT_H
#define METAL_CORE_TEST_SUPPORT_H

#include "metal_core.h"

#include <stddef.h>
#include <stdint.h>

/* ---- checks ------------------------------------------------------------------------------ */

extern int test_failures;
extern int test_checks;

/* Records one check; prints the message (printf-style) when it fails. Returns the condition. */
int test_check(int condition, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Fails the test when status is not MC_OK, naming the call and mc_last_error(). */
#define TEST_OK(call)                                                                              \
    test_check((call) == MC_OK, "%s:%d: %s failed: %s", __FILE__, __LINE__, #call, mc_last_error())

/* Prints "N passed, N failed" style totals and returns the process exit code. */
int test_finish(const char *name);

/* ---- random values ----------------------------------------------------------------------- */

typedef struct test_rng {
    uint64_t state;
} test_rng;

uint64_t rng_next(test_rng *rng);
double rng_uniform(test_rng *rng, double low, double high); /* [low, high) */
int rng_int(test_rng *rng, int low, int high);              /* [low, high] */

/* ---- reference number formats (independent of the backend's code) ------------------------- */

double ref_f16_to_double(uint16_t bits);
double ref_bf16_to_double(uint16_t bits);
/* Nearest f16 / bf16 to v, ties to even (v finite and within range). */
uint16_t ref_double_to_f16(double v);
uint16_t ref_double_to_bf16(double v);

/* Block sizes (bytes per 32 values) of ggml's quantized types; 0 for others. */
int ref_block_bytes(int dtype);
/* Bytes of a row of `cols` values of dtype. */
size_t ref_row_bytes(int dtype, int cols);
/* Value e of a row stored in dtype (f32, f16, bf16 or quantized), as double. */
double ref_value(int dtype, const uint8_t *row, int e);
/* Fills a row of dtype with random values of magnitude about `scale` (for quantized types:
 * random scales, mins and quants, including the extreme codes). */
void ref_random_row(test_rng *rng, int dtype, int cols, double scale, uint8_t *row);

/* ---- contexts and tensors ------------------------------------------------------------------ */

/* The SIMD levels tried by the tests: all that the machine offers. */
#define TEST_SIMD_LEVELS 4

/* Creates a CPU context with `threads` threads at `simd_level`; returns NULL (and no failure)
 * when this CPU lacks the level. */
mc_context *test_context(int threads, int simd_level);

/* A tensor over a new buffer holding `bytes` of `data` (bytes >= the view's extent). */
mc_tensor test_tensor(mc_context *context, const void *data, size_t bytes, int dtype, int rows,
                      int cols, uint64_t offset, uint64_t row_stride);
/* Reads the whole buffer of a tensor made by test_tensor back into `data`. */
void test_read(const mc_tensor *tensor, void *data, size_t bytes);
void test_free(mc_tensor *tensor);

#endif /* METAL_CORE_TEST_SUPPORT_H */
