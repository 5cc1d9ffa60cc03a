/* test_cpu_elementwise.c — embedding, rms_norm, rope, kv_append and argmax on the CPU backend
 * against references written here in double precision, at every SIMD level the machine has,
 * with 1, 2 and 3 threads (3 on a 2-core machine: threads that are late to their work), with
 * small ops run on one thread (the default) and shared by all (serial_op_values 0), on sizes
 * that are not multiples of the vector widths and on strided views.
 *
 * Tolerances. embedding: exact (d * q + m rounds once in f32: 1 ulp). rms_norm: the sum of
 * squares in f32 is within (n + 2) u of the exact one (u = 2^-24), so the scale is within
 * (n / 2 + 4) u, and out = x * scale * w adds 2 roundings. rope: cos and sin are the correctly
 * rounded f32 values of the angle computed in double (relative error of the angle ~1e-16 * pos),
 * and x0 * c - x1 * s rounds 3 times: 4 u (|x0| + |x1|) + the angle's error. kv_append: f16 and
 * bf16 round to nearest even, exactly as the reference encoders. argmax: exact. */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U (1.0 / 16777216.0)

typedef struct config {
    int level, threads, serial; /* serial: 1 default, 0 serial_op_values = 0 */
} config;

static char what_buffer[256];
static const char *what(const config *c, const char *op, const char *detail) {
    snprintf(what_buffer, sizeof what_buffer, "%s [level %d, threads %d, serial %d] %s", op,
             c->level, c->threads, c->serial, detail);
    return what_buffer;
}

static float *random_floats(test_rng *rng, size_t n, double low, double high) {
    float *values = malloc(n * sizeof *values);
    for (size_t i = 0; i < n; i++) {
        values[i] = (float)rng_uniform(rng, low, high);
    }
    return values;
}

static mc_tensor int_tensor(mc_context *context, const int32_t *values, int n) {
    return test_tensor(context, values, (size_t)n * 4, MC_DTYPE_I32, n, 1, 0, 0);
}

/* ---- embedding ----------------------------------------------------------------------------- */

static void check_embedding(mc_context *context, const config *c, test_rng *rng, int dtype,
                            int vocab, int dim, int tokens) {
    size_t row = ref_row_bytes(dtype, dim);
    uint8_t *table = malloc(row * (size_t)vocab);
    for (int v = 0; v < vocab; v++) {
        ref_random_row(rng, dtype, dim, 2.0, table + row * (size_t)v);
    }
    int32_t *ids = malloc((size_t)tokens * 4);
    for (int t = 0; t < tokens; t++) {
        ids[t] = t == tokens - 1 && tokens > 2 ? vocab + 3 : rng_int(rng, 0, vocab - 1);
    }
    mc_tensor tt = test_tensor(context, table, row * (size_t)vocab, dtype, vocab, dim, 0, 0);
    mc_tensor it = int_tensor(context, ids, tokens);
    size_t out_bytes = (size_t)tokens * dim * 4;
    float *out = malloc(out_bytes);
    memset(out, 0x7f, out_bytes); /* not zero: the out-of-range row must be cleared */
    mc_tensor ot = test_tensor(context, out, out_bytes, MC_DTYPE_F32, tokens, dim, 0, 0);
    char detail[96];
    snprintf(detail, sizeof detail, "dtype %d vocab %d dim %d tokens %d", dtype, vocab, dim,
             tokens);
    if (TEST_OK(mc_op_embedding(context, &tt, &it, &ot))) {
        test_read(&ot, out, out_bytes);
        int bad = 0;
        for (int t = 0; t < tokens && !bad; t++) {
            for (int e = 0; e < dim && !bad; e++) {
                double want = ids[t] < vocab ? ref_value(dtype, table + row * (size_t)ids[t], e)
                                             : 0.0; /* outside the vocabulary: a zero row */
                double got = out[(size_t)t * dim + e];
                bad = !test_check(fabs(got - want) <= U * fabs(want),
                                  "%s: out[%d][%d] = %.9g, expected %.9g",
                                  what(c, "embedding", detail), t, e, got, want);
            }
        }
    }
    test_free(&tt);
    test_free(&it);
    test_free(&ot);
    free(table);
    free(ids);
    free(out);
}

/* ---- rms_norm ------------------------------------------------------------------------------ */

/* x [rows x n] in a strided view; out separate or aliasing x. */
static void check_rms_norm(mc_context *context, const config *c, test_rng *rng, int rows, int n,
                           int in_place) {
    const int stride = n + 3;
    float *x = random_floats(rng, (size_t)rows * stride, -3.0, 3.0);
    float *w = random_floats(rng, (size_t)n, 0.5, 1.5);
    float *out = calloc((size_t)rows * stride, sizeof *out);
    const float eps = 1e-5f;
    size_t bytes = (size_t)rows * stride * 4;
    mc_tensor xt = test_tensor(context, x, bytes, MC_DTYPE_F32, rows, n, 0, (uint64_t)stride * 4);
    mc_tensor wt = test_tensor(context, w, (size_t)n * 4, MC_DTYPE_F32, 1, n, 0, 0);
    mc_tensor ot =
        in_place ? xt
                 : test_tensor(context, out, bytes, MC_DTYPE_F32, rows, n, 0, (uint64_t)stride * 4);
    char detail[64];
    snprintf(detail, sizeof detail, "rows %d n %d in_place %d", rows, n, in_place);
    if (TEST_OK(mc_op_rms_norm(context, &xt, &wt, eps, &ot))) {
        test_read(&ot, out, bytes);
        int bad = 0;
        for (int r = 0; r < rows && !bad; r++) {
            double squares = 0.0;
            for (int i = 0; i < n; i++) {
                squares += (double)x[r * stride + i] * x[r * stride + i];
            }
            double scale = 1.0 / sqrt(squares / n + eps);
            for (int i = 0; i < n && !bad; i++) {
                double want = x[r * stride + i] * scale * w[i];
                double tolerance = (n / 2.0 + 8.0) * U * fabs(want) + 1e-30;
                bad = !test_check(fabs(out[r * stride + i] - want) <= tolerance,
                                  "%s: out[%d][%d] = %.9g, expected %.9g",
                                  what(c, "rms_norm", detail), r, i, out[r * stride + i], want);
            }
            /* The padding between rows is left alone. */
            for (int i = n; i < stride && !bad && r + 1 < rows; i++) {
                float expected = in_place ? x[r * stride + i] : 0.0f;
                bad = !test_check(out[r * stride + i] == expected, "%s: padding [%d][%d] changed",
                                  what(c, "rms_norm", detail), r, i);
            }
        }
    }
    test_free(&xt);
    test_free(&wt);
    if (!in_place) {
        test_free(&ot);
    }
    free(x);
    free(w);
    free(out);
}

/* ---- rope ---------------------------------------------------------------------------------- */

static void check_rope(mc_context *context, const config *c, test_rng *rng, int tokens, int heads,
                       int head_dim, int rope_dims, int mode, int with_factors, int max_position) {
    int cols = heads * head_dim;
    float *x = random_floats(rng, (size_t)tokens * cols, -2.0, 2.0);
    float *out = malloc((size_t)tokens * cols * 4);
    float *factors = random_floats(rng, (size_t)rope_dims / 2, 1.0, 8.0);
    int32_t *pos = malloc((size_t)tokens * 4);
    for (int t = 0; t < tokens; t++) {
        pos[t] = t == 0 ? 0 : rng_int(rng, 0, max_position);
    }
    const float base = 10000.0f;
    size_t bytes = (size_t)tokens * cols * 4;
    mc_tensor xt = test_tensor(context, x, bytes, MC_DTYPE_F32, tokens, cols, 0, 0);
    mc_tensor pt = int_tensor(context, pos, tokens);
    mc_tensor ft =
        test_tensor(context, factors, (size_t)rope_dims * 2, MC_DTYPE_F32, 1, rope_dims / 2, 0, 0);
    char detail[128];
    snprintf(detail, sizeof detail,
             "tokens %d heads %d head_dim %d rope_dims %d mode %d factors %d max_pos %d", tokens,
             heads, head_dim, rope_dims, mode, with_factors, max_position);
    if (TEST_OK(mc_op_rope(context, &xt, &pt, heads, head_dim, rope_dims, base,
                           with_factors ? &ft : NULL, mode))) {
        test_read(&xt, out, bytes);
        int bad = 0;
        for (int t = 0; t < tokens && !bad; t++) {
            for (int h = 0; h < heads && !bad; h++) {
                const float *in = x + (size_t)t * cols + (size_t)h * head_dim;
                const float *got = out + (size_t)t * cols + (size_t)h * head_dim;
                double want[1024];
                for (int i = 0; i < head_dim; i++) {
                    want[i] = in[i]; /* dimensions past rope_dims pass through */
                }
                double tolerance[1024] = {0};
                for (int i = 0; i < rope_dims / 2; i++) {
                    int a = mode == MC_ROPE_NEOX ? i : 2 * i;
                    int b = mode == MC_ROPE_NEOX ? i + rope_dims / 2 : 2 * i + 1;
                    double theta = pow(base, -2.0 * i / rope_dims);
                    double angle = pos[t] * theta / (with_factors ? factors[i] : 1.0);
                    want[a] = in[a] * cos(angle) - in[b] * sin(angle);
                    want[b] = in[a] * sin(angle) + in[b] * cos(angle);
                    double size = fabs(in[a]) + fabs(in[b]);
                    tolerance[a] = tolerance[b] = (4.0 * U + 1e-14 * (1.0 + angle)) * size;
                }
                for (int i = 0; i < head_dim && !bad; i++) {
                    bad = !test_check(fabs(got[i] - want[i]) <= tolerance[i] + 1e-30,
                                      "%s: token %d (pos %d) head %d [%d] = %.9g, expected %.9g",
                                      what(c, "rope", detail), t, pos[t], h, i, got[i], want[i]);
                }
            }
        }
    }
    test_free(&xt);
    test_free(&pt);
    test_free(&ft);
    free(x);
    free(out);
    free(factors);
    free(pos);
}

/* ---- kv_append ----------------------------------------------------------------------------- */

static uint16_t encode16(int dtype, float v) {
    return dtype == MC_DTYPE_F16 ? ref_double_to_f16(v) : ref_double_to_bf16(v);
}

static void check_kv_append(mc_context *context, const config *c, test_rng *rng, int dtype,
                            int tokens, int width, int sequences, int capacity) {
    size_t element = dtype == MC_DTYPE_F32 ? 4 : 2;
    size_t cache_bytes = (size_t)sequences * capacity * width * element;
    uint8_t *k_cache = malloc(cache_bytes), *v_cache = malloc(cache_bytes);
    for (size_t i = 0; i < cache_bytes; i++) {
        k_cache[i] = (uint8_t)i;
        v_cache[i] = (uint8_t)(i * 7);
    }
    float *k = random_floats(rng, (size_t)tokens * width, -4.0, 4.0);
    float *v = random_floats(rng, (size_t)tokens * width, -4.0, 4.0);
    int32_t *pos = malloc((size_t)tokens * 4), *seq = malloc((size_t)tokens * 4);
    for (int t = 0; t < tokens; t++) { /* distinct rows: position t of a random sequence */
        pos[t] = t;
        seq[t] = rng_int(rng, 0, sequences - 1);
    }
    int rows = sequences * capacity;
    mc_tensor kc = test_tensor(context, k_cache, cache_bytes, dtype, rows, width, 0, 0);
    mc_tensor vc = test_tensor(context, v_cache, cache_bytes, dtype, rows, width, 0, 0);
    mc_tensor kt =
        test_tensor(context, k, (size_t)tokens * width * 4, MC_DTYPE_F32, tokens, width, 0, 0);
    mc_tensor vt =
        test_tensor(context, v, (size_t)tokens * width * 4, MC_DTYPE_F32, tokens, width, 0, 0);
    mc_tensor pt = int_tensor(context, pos, tokens), st = int_tensor(context, seq, tokens);
    char detail[96];
    snprintf(detail, sizeof detail, "dtype %d tokens %d width %d sequences %d", dtype, tokens,
             width, sequences);
    const mc_tensor *seq_ids = sequences > 1 ? &st : NULL;
    if (sequences == 1) {
        memset(seq, 0, (size_t)tokens * 4);
    }
    if (TEST_OK(mc_op_kv_append(context, &kt, &vt, &kc, &vc, &pt, seq_ids, capacity))) {
        uint8_t *got_k = malloc(cache_bytes), *got_v = malloc(cache_bytes);
        test_read(&kc, got_k, cache_bytes);
        test_read(&vc, got_v, cache_bytes);
        /* The expected caches: the old bytes, with each token's row replaced. */
        for (int t = 0; t < tokens; t++) {
            size_t row = ((size_t)seq[t] * capacity + pos[t]) * width * element;
            for (int i = 0; i < width; i++) {
                const float *src[2] = {k, v};
                uint8_t *dst[2] = {k_cache, v_cache};
                for (int which = 0; which < 2; which++) {
                    float value = src[which][(size_t)t * width + i];
                    if (dtype == MC_DTYPE_F32) {
                        memcpy(dst[which] + row + 4 * (size_t)i, &value, 4);
                    } else {
                        uint16_t bits = encode16(dtype, value);
                        memcpy(dst[which] + row + 2 * (size_t)i, &bits, 2);
                    }
                }
            }
        }
        test_check(memcmp(got_k, k_cache, cache_bytes) == 0 &&
                       memcmp(got_v, v_cache, cache_bytes) == 0,
                   "%s: caches differ from the reference", what(c, "kv_append", detail));
        free(got_k);
        free(got_v);
    }
    /* A position outside the capacity is an error that leaves the caches as they were. */
    uint8_t *before = malloc(cache_bytes), *after = malloc(cache_bytes);
    test_read(&kc, before, cache_bytes);
    pos[tokens - 1] = capacity;
    TEST_OK(mc_buffer_write(pt.buffer, 0, pos, (size_t)tokens * 4));
    mc_status status = mc_op_kv_append(context, &kt, &vt, &kc, &vc, &pt, seq_ids, capacity);
    test_check(status == MC_ERROR_OUT_OF_RANGE && strstr(mc_last_error(), "positions[") != NULL,
               "%s: position %d: status %d, message '%s'", what(c, "kv_append", detail), capacity,
               (int)status, mc_last_error());
    test_read(&kc, after, cache_bytes);
    test_check(memcmp(before, after, cache_bytes) == 0, "%s: a failed append changed the cache",
               what(c, "kv_append", detail));
    free(before);
    free(after);
    test_free(&kc);
    test_free(&vc);
    test_free(&kt);
    test_free(&vt);
    test_free(&pt);
    test_free(&st);
    free(k_cache);
    free(v_cache);
    free(k);
    free(v);
    free(pos);
    free(seq);
}

/* ---- argmax -------------------------------------------------------------------------------- */

/* Rows of small integers (many ties), some with NaN and -inf; one row of only NaN and -inf. */
static void check_argmax(mc_context *context, const config *c, test_rng *rng, int rows, int n) {
    float *x = malloc((size_t)rows * n * 4);
    for (int r = 0; r < rows; r++) {
        for (int i = 0; i < n; i++) {
            float v = (float)rng_int(rng, -20, 20);
            int special = rng_int(rng, 0, 99);
            x[(size_t)r * n + i] = special == 0 ? NAN : (special == 1 ? -INFINITY : v);
        }
        if (r == 1) {
            for (int i = 0; i < n; i++) {
                x[(size_t)r * n + i] = i % 3 == 0 ? NAN : -INFINITY;
            }
        }
        if (r == 2 && n > 5) { /* the maximum only at the last index */
            x[(size_t)r * n + n - 1] = 1000.0f;
        }
    }
    int32_t *out = malloc((size_t)rows * 4);
    mc_tensor xt = test_tensor(context, x, (size_t)rows * n * 4, MC_DTYPE_F32, rows, n, 0, 0);
    mc_tensor ot = test_tensor(context, NULL, (size_t)rows * 4, MC_DTYPE_I32, rows, 1, 0, 0);
    char detail[64];
    snprintf(detail, sizeof detail, "rows %d n %d", rows, n);
    if (TEST_OK(mc_op_argmax(context, &xt, &ot))) {
        test_read(&ot, out, (size_t)rows * 4);
        for (int r = 0; r < rows; r++) {
            int best = 0; /* the smallest index of the maximum; NaN never wins */
            float value = -INFINITY;
            for (int i = 0; i < n; i++) {
                if (x[(size_t)r * n + i] > value) {
                    value = x[(size_t)r * n + i];
                    best = i;
                }
            }
            test_check(out[r] == best, "%s: row %d: %d, expected %d", what(c, "argmax", detail), r,
                       out[r], best);
        }
    }
    test_free(&xt);
    test_free(&ot);
    free(x);
    free(out);
}

static void run_config(const config *c, test_rng *rng) {
    mc_context *context = test_context(c->threads, c->level);
    if (context == NULL) {
        return;
    }
    if (!c->serial) {
        TEST_OK(mc_context_set_tunable(context, "serial_op_values", 0));
    }
    static const int table_dtypes[] = {MC_DTYPE_F32,  MC_DTYPE_F16,  MC_DTYPE_BF16, MC_DTYPE_Q8_0,
                                       MC_DTYPE_Q4_0, MC_DTYPE_Q4_1, MC_DTYPE_Q5_0, MC_DTYPE_Q5_1};
    for (size_t d = 0; d < sizeof table_dtypes / sizeof table_dtypes[0]; d++) {
        int quantized = ref_block_bytes(table_dtypes[d]) != 0;
        check_embedding(context, c, rng, table_dtypes[d], 37, quantized ? 96 : 43, 1);
        check_embedding(context, c, rng, table_dtypes[d], 50, quantized ? 160 : 77, 9);
    }
    static const int norm_shapes[][2] = {{1, 1},   {1, 13},   {1, 1024},
                                         {3, 100}, {48, 128}, {7, 4099}};
    for (size_t s = 0; s < sizeof norm_shapes / sizeof norm_shapes[0]; s++) {
        check_rms_norm(context, c, rng, norm_shapes[s][0], norm_shapes[s][1], (int)(s % 2));
    }
    for (int mode = 0; mode <= 2; mode += 2) {
        for (int factors = 0; factors <= 1; factors++) {
            check_rope(context, c, rng, 1, 16, 128, 128, mode, factors, 40000);
            check_rope(context, c, rng, 5, 3, 64, 32, mode, factors, 300);    /* partial rotation */
            check_rope(context, c, rng, 33, 2, 10, 6, mode, factors, 100000); /* odd sizes */
        }
    }
    static const int kv_dtypes[] = {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16};
    for (size_t d = 0; d < 3; d++) {
        check_kv_append(context, c, rng, kv_dtypes[d], 1, 1024, 1, 8);
        check_kv_append(context, c, rng, kv_dtypes[d], 6, 37, 3, 7);
        check_kv_append(context, c, rng, kv_dtypes[d], 40, 128, 2, 64);
    }
    static const int argmax_shapes[][2] = {{1, 1},      {1, 7},    {3, 5},
                                           {1, 151936}, {2, 4099}, {9, 300}};
    for (size_t s = 0; s < sizeof argmax_shapes / sizeof argmax_shapes[0]; s++) {
        check_argmax(context, c, rng, argmax_shapes[s][0], argmax_shapes[s][1]);
    }
    mc_context_destroy(context);
}

int main(void) {
    test_rng rng = {2024};
    for (int level = 0; level < TEST_SIMD_LEVELS; level++) {
        for (int threads = 1; threads <= 3; threads++) {
            for (int serial = 1; serial >= (threads > 1 ? 0 : 1); serial--) {
                config c = {level, threads, serial};
                run_config(&c, &rng);
            }
        }
    }
    return test_finish("test_cpu_elementwise");
}
