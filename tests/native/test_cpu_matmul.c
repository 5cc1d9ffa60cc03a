/* test_cpu_matmul.c — matmul, matmul_qkv and gate_up_silu on the CPU backend against a
 * double-precision reference, for every weight dtype, SIMD level and 1 to 3 threads; shapes
 * that are not multiples of the kernels' tiles, one and many tokens, strided views, the
 * residual add (also aliasing out) and small work-item tunables.
 *
 * Tolerances. Float weights (f32/f16/bf16): the backend sums K products in f32, so
 * |error| <= (K + 32) * 2^-24 * sum_k |w_k x_k| (the standard bound for any summation order).
 * Quantized weights: the backend first quantizes each block of 32 activations to
 * x^ = d * q with d = amax / 127 and |q| <= 127, so |x - x^| <= d / 2 per element, and then
 * sums exact integer block products in f32. Two checks follow:
 *  1. against the exact product: |error| <= sum_k |w_k| d_b / 2 (quantization) plus the f32
 *     bound above over the blocks;
 *  2. against the product with x^ computed here the documented way (f32 d = amax / 127,
 *     q = round(x * (1 / d))): only f32 rounding remains, so the integer kernels are checked
 *     tightly. An element whose x / d lies within 1e-6 of a half-integer may round either way
 *     (ties, fused multiply-add); it widens the tolerance by |w_k| d_b. */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U (1.0 / 16777216.0) /* 2^-24, the unit roundoff of f32 */

static const int all_dtypes[] = {MC_DTYPE_F32,  MC_DTYPE_F16,  MC_DTYPE_BF16, MC_DTYPE_Q8_0,
                                 MC_DTYPE_Q4_0, MC_DTYPE_Q4_1, MC_DTYPE_Q5_0, MC_DTYPE_Q5_1};

static int is_quantized(int dtype) {
    return ref_block_bytes(dtype) != 0;
}

/* A weight matrix in host memory, possibly a strided view inside a larger allocation. */
typedef struct weights {
    int dtype, rows, cols;
    uint8_t *data;
    size_t bytes;
    uint64_t offset, stride;
} weights;

static weights make_weights(test_rng *rng, int dtype, int rows, int cols, int strided) {
    weights w = {dtype, rows, cols, NULL, 0, 0, ref_row_bytes(dtype, cols)};
    if (strided) { /* rows further apart than their size, the first one not at offset 0 */
        w.stride += is_quantized(dtype) ? (uint64_t)ref_block_bytes(dtype) : 12u;
        w.offset = 8;
    }
    w.bytes = w.offset + w.stride * (size_t)rows;
    w.data = calloc(1, w.bytes);
    for (int r = 0; r < rows; r++) {
        ref_random_row(rng, dtype, cols, 1.0, w.data + w.offset + w.stride * (size_t)r);
    }
    return w;
}

static double weight_at(const weights *w, int r, int k) {
    return ref_value(w->dtype, w->data + w->offset + w->stride * (size_t)r, k);
}

/* The min of q4_1 / q5_1 blocks (0 for the other types), for the magnitude bound. */
static double weight_min_at(const weights *w, int r, int k) {
    if (w->dtype != MC_DTYPE_Q4_1 && w->dtype != MC_DTYPE_Q5_1) {
        return 0.0;
    }
    const uint8_t *block =
        w->data + w->offset + w->stride * (size_t)r + (size_t)(k / 32) * ref_block_bytes(w->dtype);
    return fabs(ref_f16_to_double((uint16_t)(block[2] | (block[3] << 8))));
}

/* Activations: values, and for quantized weights their 8-bit approximation made here. */
typedef struct activations {
    int tokens, cols;
    float *x;          /* [tokens x cols] packed */
    double *xq;        /* x^ = d * q */
    double *half_step; /* d / 2 of the element's block */
    unsigned char *ambiguous;
} activations;

static activations make_activations(test_rng *rng, int tokens, int cols) {
    activations a = {tokens, cols, NULL, NULL, NULL, NULL};
    size_t n = (size_t)tokens * cols;
    a.x = malloc(n * sizeof *a.x);
    a.xq = malloc(n * sizeof *a.xq);
    a.half_step = malloc(n * sizeof *a.half_step);
    a.ambiguous = calloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        a.x[i] = (float)rng_uniform(rng, -1.0, 1.0);
    }
    for (size_t b = 0; b + 32 <= n && cols % 32 == 0; b += 32) {
        float amax = 0.0f;
        for (int e = 0; e < 32; e++) {
            amax = fmaxf(amax, fabsf(a.x[b + e]));
        }
        float d = amax / 127.0f;
        float inverse = d != 0.0f ? 1.0f / d : 0.0f;
        for (int e = 0; e < 32; e++) {
            float v = a.x[b + e] * inverse;
            double nearest = nearbyint((double)v);
            a.xq[b + e] = (double)d * nearest;
            a.half_step[b + e] = (double)d / 2.0;
            a.ambiguous[b + e] =
                fabs(fabs((double)v - floor((double)v)) - 0.5) < 1e-6 * (1.0 + fabs(v));
        }
    }
    return a;
}

static void free_activations(activations *a) {
    free(a->x);
    free(a->xq);
    free(a->half_step);
    free(a->ambiguous);
}

/* The expected value of x[t] . w[r] and its tolerance (see the file comment). */
typedef struct expected {
    double value, tolerance;
} expected;

static expected expect(const weights *w, const activations *a, int t, int r) {
    const float *x = a->x + (size_t)t * a->cols;
    double exact = 0.0, magnitude = 0.0;
    if (!is_quantized(w->dtype)) {
        for (int k = 0; k < w->cols; k++) {
            double wk = weight_at(w, r, k);
            exact += wk * x[k];
            magnitude += fabs(wk * x[k]);
        }
        expected e = {exact, (w->cols + 32) * U * magnitude + 1e-30};
        return e;
    }
    /* Quantized: both checks folded into one: the result must be within the tight bound of
     * the product with x^, and that product within the quantization bound of the exact one. */
    double with_xq = 0.0, quantization = 0.0, ambiguity = 0.0;
    const double *xq = a->xq + (size_t)t * a->cols;
    const double *half = a->half_step + (size_t)t * a->cols;
    const unsigned char *unsure = a->ambiguous + (size_t)t * a->cols;
    for (int k = 0; k < w->cols; k++) {
        double wk = weight_at(w, r, k);
        double size = fabs(wk) + 2.0 * weight_min_at(w, r, k);
        exact += wk * x[k];
        with_xq += wk * xq[k];
        quantization += fabs(wk) * half[k];
        magnitude += size * (fabs(xq[k]) + 2.0 * half[k]);
        if (unsure[k]) {
            ambiguity += fabs(wk) * 2.0 * half[k];
        }
    }
    double rounding = (w->cols / 32 + 32) * U * magnitude + 1e-30;
    /* Check 1 (quantization bound) is asserted here, on the reference side. */
    test_check(fabs(with_xq - exact) <= 1.0001 * quantization + rounding,
               "reference: x^ product %.9g vs exact %.9g beyond the quantization bound %.3g",
               with_xq, exact, quantization);
    expected e = {with_xq, rounding + ambiguity};
    return e;
}

/* One output tensor: [tokens x n] f32, possibly strided and offset. */
typedef struct output {
    mc_tensor tensor;
    size_t bytes;
    float *host;
} output;

static output make_output(mc_context *context, int tokens, int n, int strided,
                          const float *initial) {
    output o;
    uint64_t stride = (uint64_t)(n + (strided ? 3 : 0)) * 4u;
    uint64_t offset = strided ? 4u : 0u;
    o.bytes = offset + stride * (size_t)tokens;
    o.host = calloc(1, o.bytes);
    if (initial != NULL) {
        for (int t = 0; t < tokens; t++) {
            memcpy((uint8_t *)o.host + offset + stride * t, initial + (size_t)t * n, 4u * n);
        }
    }
    o.tensor = test_tensor(context, o.host, o.bytes, MC_DTYPE_F32, tokens, n, offset,
                           strided ? stride : 0);
    return o;
}

static float output_at(const output *o, int t, int r) {
    uint64_t stride = o->tensor.row_stride ? o->tensor.row_stride : 4u * (uint64_t)o->tensor.cols;
    float v;
    memcpy(&v, (const uint8_t *)o->host + o->tensor.offset + stride * t + 4u * r, 4);
    return v;
}

static void read_output(output *o) {
    test_read(&o->tensor, o->host, o->bytes);
}

static void free_output(output *o) {
    test_free(&o->tensor);
    free(o->host);
}

static mc_tensor x_tensor(mc_context *context, const activations *a, int strided, size_t *bytes) {
    uint64_t stride = (uint64_t)(a->cols + (strided ? 5 : 0)) * 4u;
    uint64_t offset = strided ? 8u : 0u;
    *bytes = offset + stride * (size_t)a->tokens;
    uint8_t *host = calloc(1, *bytes);
    for (int t = 0; t < a->tokens; t++) {
        memcpy(host + offset + stride * t, a->x + (size_t)t * a->cols, 4u * a->cols);
    }
    mc_tensor x = test_tensor(context, host, *bytes, MC_DTYPE_F32, a->tokens, a->cols, offset,
                              strided ? stride : 0);
    free(host);
    return x;
}

static mc_tensor w_tensor(mc_context *context, const weights *w) {
    return test_tensor(context, w->data, w->bytes, w->dtype, w->rows, w->cols, w->offset,
                       w->stride);
}

typedef struct config {
    int level, threads, small_tiles;
} config;

static void describe(char *text, size_t size, const config *c, const char *op, int dtype,
                     int tokens, int n, int k, int strided) {
    snprintf(text, size, "%s dtype %d level %d threads %d small_tiles %d tokens %d n %d k %d%s", op,
             dtype, c->level, c->threads, c->small_tiles, tokens, n, k, strided ? " strided" : "");
}

/* mc_op_matmul, with residual: 0 none, 1 separate, 2 aliasing out. */
static void check_matmul(mc_context *context, const config *c, test_rng *rng, int dtype, int tokens,
                         int n, int k, int strided, int residual) {
    char what[200];
    describe(what, sizeof what, c, "matmul", dtype, tokens, n, k, strided);
    weights w = make_weights(rng, dtype, n, k, strided);
    activations a = make_activations(rng, tokens, k);
    float *res = malloc(sizeof(float) * tokens * n);
    for (int i = 0; i < tokens * n; i++) {
        res[i] = (float)rng_uniform(rng, -2.0, 2.0);
    }
    size_t x_bytes;
    mc_tensor x = x_tensor(context, &a, strided, &x_bytes);
    mc_tensor wt = w_tensor(context, &w);
    output out = make_output(context, tokens, n, strided, residual == 2 ? res : NULL);
    output separate = make_output(context, tokens, n, 0, res);
    const mc_tensor *residual_tensor =
        residual == 0 ? NULL : (residual == 1 ? &separate.tensor : &out.tensor);
    if (TEST_OK(mc_op_matmul(context, &x, &wt, residual_tensor, &out.tensor))) {
        read_output(&out);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < n; r++) {
                expected e = expect(&w, &a, t, r);
                double want = e.value + (residual ? res[t * n + r] : 0.0);
                double tolerance = e.tolerance + (residual ? 2.0 * U * fabs(want) : 0.0);
                float got = output_at(&out, t, r);
                if (!test_check(fabs(got - want) <= tolerance,
                                "%s residual %d: out[%d][%d] = %.9g, expected %.9g +- %.3g", what,
                                residual, t, r, got, want, tolerance)) {
                    t = tokens;
                    break;
                }
            }
        }
    }
    test_free(&x);
    test_free(&wt);
    free_output(&out);
    free_output(&separate);
    free(res);
    free(w.data);
    free_activations(&a);
}

static void check_qkv(mc_context *context, const config *c, test_rng *rng, int dtype, int tokens,
                      int nq, int nkv, int k, int strided) {
    char what[200];
    describe(what, sizeof what, c, "matmul_qkv", dtype, tokens, nq, k, strided);
    weights w[3] = {make_weights(rng, dtype, nq, k, strided), make_weights(rng, dtype, nkv, k, 0),
                    make_weights(rng, dtype, nkv, k, strided)};
    activations a = make_activations(rng, tokens, k);
    size_t x_bytes;
    mc_tensor x = x_tensor(context, &a, strided, &x_bytes);
    mc_tensor wt[3];
    output out[3];
    for (int i = 0; i < 3; i++) {
        wt[i] = w_tensor(context, &w[i]);
        out[i] = make_output(context, tokens, w[i].rows, strided && i != 1, NULL);
    }
    if (TEST_OK(mc_op_matmul_qkv(context, &x, &wt[0], &wt[1], &wt[2], &out[0].tensor,
                                 &out[1].tensor, &out[2].tensor))) {
        for (int i = 0; i < 3; i++) {
            read_output(&out[i]);
            int bad = 0;
            for (int t = 0; t < tokens && !bad; t++) {
                for (int r = 0; r < w[i].rows && !bad; r++) {
                    expected e = expect(&w[i], &a, t, r);
                    float got = output_at(&out[i], t, r);
                    bad = !test_check(fabs(got - e.value) <= e.tolerance,
                                      "%s output %d: [%d][%d] = %.9g, expected %.9g +- %.3g", what,
                                      i, t, r, got, e.value, e.tolerance);
                }
            }
        }
    }
    test_free(&x);
    for (int i = 0; i < 3; i++) {
        test_free(&wt[i]);
        free_output(&out[i]);
        free(w[i].data);
    }
    free_activations(&a);
}

static double silu(double g) {
    return g / (1.0 + exp(-g));
}

static void check_gate_up(mc_context *context, const config *c, test_rng *rng, int dtype,
                          int tokens, int f, int k, int strided) {
    char what[200];
    describe(what, sizeof what, c, "gate_up_silu", dtype, tokens, f, k, strided);
    weights gate = make_weights(rng, dtype, f, k, strided), up = make_weights(rng, dtype, f, k, 0);
    activations a = make_activations(rng, tokens, k);
    size_t x_bytes;
    mc_tensor x = x_tensor(context, &a, strided, &x_bytes);
    mc_tensor gt = w_tensor(context, &gate), ut = w_tensor(context, &up);
    output out = make_output(context, tokens, f, strided, NULL);
    if (TEST_OK(mc_op_matmul_gate_up_silu(context, &x, &gt, &ut, &out.tensor))) {
        read_output(&out);
        int bad = 0;
        for (int t = 0; t < tokens && !bad; t++) {
            for (int r = 0; r < f && !bad; r++) {
                expected g = expect(&gate, &a, t, r), u = expect(&up, &a, t, r);
                double want = silu(g.value) * u.value;
                /* |silu'| <= 1.1: propagate both inputs' bounds, plus f32 evaluation error. */
                double tolerance = 1.1 * g.tolerance * (fabs(u.value) + u.tolerance) +
                                   (fabs(silu(g.value)) + 1.1 * g.tolerance) * u.tolerance +
                                   16.0 * U * (fabs(want) + fabs(g.value * u.value)) + 1e-30;
                float got = output_at(&out, t, r);
                bad = !test_check(fabs(got - want) <= tolerance,
                                  "%s: out[%d][%d] = %.9g, expected %.9g +- %.3g", what, t, r, got,
                                  want, tolerance);
            }
        }
    }
    test_free(&x);
    test_free(&gt);
    test_free(&ut);
    free_output(&out);
    free(gate.data);
    free(up.data);
    free_activations(&a);
}

/* Shapes: tokens x n x k; k a multiple of 32 for the quantized types. Chosen around the
 * kernels' 4 x 4 micro tiles, 2-block steps and the small tunables below. */
static const int shapes[][3] = {{1, 1, 32},    {1, 67, 96},    {3, 5, 320},  {7, 33, 64},
                                {37, 19, 160}, {1, 130, 1024}, {40, 23, 512}};
static const int float_only_shapes[][3] = {{1, 9, 17}, {5, 6, 100}, {6, 5, 1}};

static void run_config(const config *c, test_rng *rng) {
    mc_context *context = test_context(c->threads, c->level);
    if (context == NULL) {
        return;
    }
    if (c->small_tiles) { /* partial work items and token chunks everywhere */
        TEST_OK(mc_context_set_tunable(context, "matvec_rows_per_task", 3));
        TEST_OK(mc_context_set_tunable(context, "gemm_rows_per_task", 5));
        TEST_OK(mc_context_set_tunable(context, "gemm_tile_tokens", 3));
    }
    for (size_t d = 0; d < sizeof all_dtypes / sizeof all_dtypes[0]; d++) {
        int dtype = all_dtypes[d];
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int tokens = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            check_matmul(context, c, rng, dtype, tokens, n, k, (int)(s % 2), (int)(s % 3));
        }
        if (!is_quantized(dtype)) {
            for (size_t s = 0; s < sizeof float_only_shapes / sizeof float_only_shapes[0]; s++) {
                check_matmul(context, c, rng, dtype, float_only_shapes[s][0],
                             float_only_shapes[s][1], float_only_shapes[s][2], (int)(s % 2),
                             (int)(s % 3));
            }
        }
        check_qkv(context, c, rng, dtype, 1, 24, 8, 128, 0);
        check_qkv(context, c, rng, dtype, 9, 16, 5, 64, 1);
        check_gate_up(context, c, rng, dtype, 1, 37, 96, 1);
        check_gate_up(context, c, rng, dtype, 6, 20, 64, 0);
    }
    mc_context_destroy(context);
}

int main(void) {
    test_rng rng = {12345};
    for (int level = 0; level < TEST_SIMD_LEVELS; level++) {
        for (int threads = 1; threads <= 3; threads++) {
            for (int small = 0; small <= 1; small++) {
                config c = {level, threads, small};
                run_config(&c, &rng);
            }
        }
    }
    return test_finish("test_cpu_matmul");
}
