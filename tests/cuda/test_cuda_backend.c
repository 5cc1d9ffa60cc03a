/* test_cuda_backend.c — every op of the CUDA backend against the CPU backend (itself tested
 * against double-precision references in tests/native) on the same random inputs, through the
 * public ABI; then a small decoder step recorded as a CUDA graph (with the decode fusions) and
 * replayed for several tokens against the same ops run eagerly on the CPU.
 *
 * Tolerances. Both backends compute the same sums in different orders, so f32 results differ by
 * rounding: |d| <= 2 K 2^-24 sum|w x| (+ a tiny absolute term). Where either side rounds the
 * activations (quantized weights: 8-bit blocks as d = amax / 127 on both; the prompt-path
 * products on the tensor cores: bf16 or f16 activations), each side's error is at most
 * sum_k |w_k| amax_b(x) / 254, so they differ by at most sum_k |w_k| amax_b(x) / 127. Exact
 * operations (embedding of f32/f16/bf16 rows, kv_append of f32, argmax) must match exactly.
 *
 * Exit code 77 (ctest: skipped) when no CUDA device is available. */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define U (1.0 / 16777216.0)
#define GEMM_MIN_ROWS 9 /* the CUDA backend's default cuda.gemm_min_rows */

static mc_context *cpu, *gpu;

/* The same tensor on both contexts. */
typedef struct both {
    mc_tensor c, g;
    size_t bytes;
} both;

static both make_both(const void *data, size_t bytes, int dtype, int rows, int cols,
                      uint64_t offset, uint64_t stride) {
    both b;
    b.c = test_tensor(cpu, data, bytes, dtype, rows, cols, offset, stride);
    b.g = test_tensor(gpu, data, bytes, dtype, rows, cols, offset, stride);
    b.bytes = bytes;
    return b;
}

static void free_both(both *b) {
    test_free(&b->c);
    test_free(&b->g);
}

static float *random_floats(test_rng *rng, size_t n, double scale) {
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)rng_uniform(rng, -scale, scale);
    }
    return x;
}

/* Compares the float contents of both buffers element by element: |gpu - cpu| <= tol[i] (or
 * the scalar tolerance when tol is NULL). */
static void compare(const char *what, both *b, const double *tol, double scalar) {
    size_t n = b->bytes / 4;
    float *x = malloc(b->bytes), *y = malloc(b->bytes);
    test_read(&b->c, x, b->bytes);
    test_read(&b->g, y, b->bytes);
    int reported = 0;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double allowed = tol != NULL ? tol[i] : scalar;
        double d = fabs((double)x[i] - (double)y[i]);
        if (!(d <= allowed) && !(isnan(x[i]) && isnan(y[i]))) {
            if (reported++ < 3) {
                test_check(0, "%s: element %zu: cpu %.9g cuda %.9g (allowed %.3g)", what, i, x[i],
                           y[i], allowed);
            }
        }
        worst = d > worst ? d : worst;
    }
    test_check(reported == 0, "%s: %d of %zu elements differ (largest %.3g)", what, reported, n,
               worst);
    if (getenv("MC_TEST_VERBOSE") != NULL) {
        printf("%s: largest difference %.3g\n", what, worst);
    }
    free(x);
    free(y);
}

/* ---- embedding, rms_norm, rope, kv_append ------------------------------------------------- */

static const int weight_dtypes[] = {MC_DTYPE_F32,  MC_DTYPE_F16,  MC_DTYPE_BF16, MC_DTYPE_Q8_0,
                                    MC_DTYPE_Q4_0, MC_DTYPE_Q4_1, MC_DTYPE_Q5_0, MC_DTYPE_Q5_1};
#define DTYPE_COUNT ((int)(sizeof weight_dtypes / sizeof weight_dtypes[0]))

static void test_embedding(test_rng *rng) {
    for (int d = 0; d < DTYPE_COUNT; d++) {
        int dtype = weight_dtypes[d], vocab = 50, cols = 96;
        size_t row = ref_row_bytes(dtype, cols);
        uint8_t *table = malloc(row * vocab);
        for (int r = 0; r < vocab; r++) {
            ref_random_row(rng, dtype, cols, 1.0, table + row * r);
        }
        int32_t tokens[5] = {3, 49, 0, 17, 3};
        both t = make_both(table, row * vocab, dtype, vocab, cols, 0, row);
        both ids = make_both(tokens, sizeof tokens, MC_DTYPE_I32, 5, 1, 0, 4);
        both out = make_both(NULL, 5 * cols * 4, MC_DTYPE_F32, 5, cols, 0, cols * 4);
        TEST_OK(mc_op_embedding(cpu, &t.c, &ids.c, &out.c));
        TEST_OK(mc_op_embedding(gpu, &t.g, &ids.g, &out.g));
        char what[64];
        snprintf(what, sizeof what, "embedding dtype %d", dtype);
        compare(what, &out, NULL, 0.0);
        free_both(&t);
        free_both(&ids);
        free_both(&out);
        free(table);
    }
}

static void test_rms_norm(test_rng *rng) {
    const int dims[] = {16, 64, 100, 2048, 3000};
    for (int i = 0; i < 5; i++) {
        int d = dims[i], rows = 3;
        for (int in_place = 0; in_place < 2; in_place++) {
            float *x = random_floats(rng, (size_t)rows * d, 2.0), *w = random_floats(rng, d, 1.5);
            both bx = make_both(x, (size_t)rows * d * 4, MC_DTYPE_F32, rows, d, 0, (uint64_t)d * 4);
            both bw = make_both(w, (size_t)d * 4, MC_DTYPE_F32, 1, d, 0, (uint64_t)d * 4);
            both bo =
                make_both(NULL, (size_t)rows * d * 4, MC_DTYPE_F32, rows, d, 0, (uint64_t)d * 4);
            both *out = in_place ? &bx : &bo;
            TEST_OK(mc_op_rms_norm(cpu, &bx.c, &bw.c, 1e-6f, &out->c));
            TEST_OK(mc_op_rms_norm(gpu, &bx.g, &bw.g, 1e-6f, &out->g));
            char what[64];
            snprintf(what, sizeof what, "rms_norm d %d in place %d", d, in_place);
            compare(what, out, NULL, 3.0 * 1.5 * 4 * d * U * 10 + 1e-6);
            free_both(&bx);
            free_both(&bw);
            free_both(&bo);
            free(x);
            free(w);
        }
    }
}

static void test_rope(test_rng *rng) {
    const int head_dims[] = {16, 64, 128}, modes[] = {MC_ROPE_NORMAL, MC_ROPE_NEOX};
    for (int h = 0; h < 3; h++) {
        for (int m = 0; m < 2; m++) {
            for (int factors = 0; factors < 2; factors++) {
                int head_dim = head_dims[h], heads = 3, tokens = 4;
                int rope_dims = factors ? head_dim : head_dim / 2;
                size_t n = (size_t)tokens * heads * head_dim;
                float *x = random_floats(rng, n, 1.0);
                int32_t positions[4] = {0, 7, 4095, 70000};
                float *f = malloc((size_t)rope_dims / 2 * 4);
                for (int i = 0; i < rope_dims / 2; i++) {
                    f[i] = (float)rng_uniform(rng, 1.0, 8.0);
                }
                both bx = make_both(x, n * 4, MC_DTYPE_F32, tokens, heads * head_dim, 0,
                                    (uint64_t)heads * head_dim * 4);
                both bp = make_both(positions, sizeof positions, MC_DTYPE_I32, tokens, 1, 0, 4);
                both bf = make_both(f, (size_t)rope_dims / 2 * 4, MC_DTYPE_F32, 1, rope_dims / 2, 0,
                                    (uint64_t)rope_dims / 2 * 4);
                TEST_OK(mc_op_rope(cpu, &bx.c, &bp.c, heads, head_dim, rope_dims, 10000.0f,
                                   factors ? &bf.c : NULL, modes[m]));
                TEST_OK(mc_op_rope(gpu, &bx.g, &bp.g, heads, head_dim, rope_dims, 10000.0f,
                                   factors ? &bf.g : NULL, modes[m]));
                char what[80];
                snprintf(what, sizeof what, "rope head_dim %d mode %d factors %d", head_dim,
                         modes[m], factors);
                compare(what, &bx, NULL, 4e-6);
                free_both(&bx);
                free_both(&bp);
                free_both(&bf);
                free(x);
                free(f);
            }
        }
    }
}

static const int cache_dtypes[] = {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16};

static void test_kv_append(test_rng *rng) {
    for (int c = 0; c < 3; c++) {
        int dtype = cache_dtypes[c], width = 48, capacity = 16, sequences = 2, tokens = 3;
        size_t element = dtype == MC_DTYPE_F32 ? 4 : 2;
        float *k = random_floats(rng, (size_t)tokens * width, 3.0),
              *v = random_floats(rng, (size_t)tokens * width, 3.0);
        int32_t positions[3] = {0, 15, 6}, seqs[3] = {1, 0, 1};
        size_t cache_bytes = (size_t)sequences * capacity * width * element;
        both bk = make_both(k, (size_t)tokens * width * 4, MC_DTYPE_F32, tokens, width, 0,
                            (uint64_t)width * 4);
        both bv = make_both(v, (size_t)tokens * width * 4, MC_DTYPE_F32, tokens, width, 0,
                            (uint64_t)width * 4);
        both kc = make_both(NULL, cache_bytes, dtype, sequences * capacity, width, 0,
                            (uint64_t)width * element);
        both vc = make_both(NULL, cache_bytes, dtype, sequences * capacity, width, 0,
                            (uint64_t)width * element);
        both bp = make_both(positions, sizeof positions, MC_DTYPE_I32, tokens, 1, 0, 4);
        both bs = make_both(seqs, sizeof seqs, MC_DTYPE_I32, tokens, 1, 0, 4);
        TEST_OK(mc_op_kv_append(cpu, &bk.c, &bv.c, &kc.c, &vc.c, &bp.c, &bs.c, capacity));
        TEST_OK(mc_op_kv_append(gpu, &bk.g, &bv.g, &kc.g, &vc.g, &bp.g, &bs.g, capacity));
        uint8_t *x = malloc(cache_bytes), *y = malloc(cache_bytes);
        test_read(&kc.c, x, cache_bytes);
        test_read(&kc.g, y, cache_bytes);
        test_check(memcmp(x, y, cache_bytes) == 0, "kv_append dtype %d: key caches differ", dtype);
        test_read(&vc.c, x, cache_bytes);
        test_read(&vc.g, y, cache_bytes);
        test_check(memcmp(x, y, cache_bytes) == 0, "kv_append dtype %d: value caches differ",
                   dtype);
        /* A position outside the cache: reported at the next synchronize. */
        int32_t bad = capacity;
        TEST_OK(mc_buffer_write(bp.g.buffer, 0, &bad, 4));
        TEST_OK(mc_op_kv_append(gpu, &bk.g, &bv.g, &kc.g, &vc.g, &bp.g, &bs.g, capacity));
        test_check(mc_context_synchronize(gpu) == MC_ERROR_OUT_OF_RANGE,
                   "kv_append with position %d: expected MC_ERROR_OUT_OF_RANGE (%s)", bad,
                   mc_last_error());
        test_check(mc_context_synchronize(gpu) == MC_OK,
                   "the error flag is cleared after it was reported");
        free(x);
        free(y);
        free(k);
        free(v);
        free_both(&bk);
        free_both(&bv);
        free_both(&kc);
        free_both(&vc);
        free_both(&bp);
        free_both(&bs);
    }
}

/* ---- matmul kinds --------------------------------------------------------------------------- */

typedef struct host_weights {
    uint8_t *data;
    size_t bytes, stride;
} host_weights;

static host_weights random_weights(test_rng *rng, int dtype, int rows, int cols, double scale) {
    host_weights w;
    w.stride = ref_row_bytes(dtype, cols);
    w.bytes = w.stride * rows;
    w.data = malloc(w.bytes);
    for (int r = 0; r < rows; r++) {
        ref_random_row(rng, dtype, cols, scale, w.data + w.stride * r);
    }
    return w;
}

/* Tolerance of out[t, n] = x[t] · w[n] between the backends (header). */
static double product_tolerance(const host_weights *w, int dtype, const float *x, int n, int cols,
                                int rounded) {
    const uint8_t *row = w->data + w->stride * n;
    double mass = 0.0, bound = 0.0;
    for (int b = 0; b < cols / 32 || (b == 0 && cols < 32); b++) {
        double amax = 0.0;
        int end = (b + 1) * 32 < cols ? (b + 1) * 32 : cols;
        for (int k = b * 32; k < end; k++) {
            amax = fmax(amax, fabs(x[k]));
        }
        for (int k = b * 32; k < end; k++) {
            double wk = fabs(ref_value(dtype, row, k));
            mass += wk * fabs(x[k]);
            bound += wk * amax / 127.0;
        }
    }
    return 2.0 * (cols + 64) * U * mass * 4 + (rounded ? bound : 0.0) + 1e-6;
}

/* Weights an op computes on the device: the matvecs read their first weights before waiting for
 * the previous kernel, and the embedding lets its successor launch at its start. So in
 *   slow embedding (long rows, few blocks) -> embedding writing W -> matmul reading W
 * the second embedding starts at once and waits for the first, and a matmul launched overlapping
 * it would load W's first rows tens of microseconds before they are written. The backend
 * launches such a matmul without overlap (mc_cuda_serial_launches). W starts as zeros, so a
 * stale read gives a visibly wrong product. */
static void test_weights_written_by_ops(test_rng *rng) {
    enum { slow_rows = 64, slow_cols = 32768 }; /* a block per row, 128 KB each: slow */
    const int rows = 256, cols = 1024;
    float *slow_table = random_floats(rng, (size_t)slow_rows * slow_cols, 1.0);
    float *table = random_floats(rng, (size_t)rows * cols, 1.0);
    int32_t *tokens = malloc((size_t)rows * sizeof *tokens);
    for (int r = 0; r < rows; r++) {
        tokens[r] = (int32_t)((r * 7 + 3) % rows); /* a permutation: every row differs */
    }
    int32_t slow_tokens[slow_rows];
    for (int r = 0; r < slow_rows; r++) {
        slow_tokens[r] = r;
    }
    float *x = random_floats(rng, cols, 1.0);
    both st = make_both(slow_table, (size_t)slow_rows * slow_cols * 4, MC_DTYPE_F32, slow_rows,
                        slow_cols, 0, slow_cols * 4);
    both slow_ids = make_both(slow_tokens, (size_t)slow_rows * 4, MC_DTYPE_I32, slow_rows, 1, 0, 4);
    both slow_out = make_both(NULL, (size_t)slow_rows * slow_cols * 4, MC_DTYPE_F32, slow_rows,
                              slow_cols, 0, slow_cols * 4);
    both t = make_both(table, (size_t)rows * cols * 4, MC_DTYPE_F32, rows, cols, 0, cols * 4);
    both ids = make_both(tokens, (size_t)rows * 4, MC_DTYPE_I32, rows, 1, 0, 4);
    both xs = make_both(x, (size_t)cols * 4, MC_DTYPE_F32, 1, cols, 0, cols * 4);
    both out = make_both(NULL, (size_t)rows * 4, MC_DTYPE_F32, 1, rows, 0, (uint64_t)rows * 4);
    for (int round = 0; round < 3; round++) {
        both w = make_both(NULL, (size_t)rows * cols * 4, MC_DTYPE_F32, rows, cols, 0, cols * 4);
        TEST_OK(mc_op_embedding(cpu, &t.c, &ids.c, &w.c));
        TEST_OK(mc_op_matmul(cpu, &xs.c, &w.c, NULL, &out.c));
        TEST_OK(mc_op_embedding(gpu, &st.g, &slow_ids.g, &slow_out.g));
        TEST_OK(mc_op_embedding(gpu, &t.g, &ids.g, &w.g));
        TEST_OK(mc_op_matmul(gpu, &xs.g, &w.g, NULL, &out.g));
        char what[96];
        snprintf(what, sizeof what, "matmul of weights the op before wrote (round %d)", round);
        compare(what, &out, NULL, 1e-3);
        free_both(&w);
    }
    free_both(&st);
    free_both(&slow_ids);
    free_both(&slow_out);
    free_both(&t);
    free_both(&ids);
    free_both(&xs);
    free_both(&out);
    free(slow_table);
    free(table);
    free(tokens);
    free(x);
}

/* Quantized matvecs run both kernels: weights loaded into registers (cuda.mv_stages=0) and
 * streamed through shared memory (4 stages, then the default 2); K = 2304 spans several of the
 * streamed kernel's segments (32 blocks of Q8_0, 64 of the others), the last one partial. */
static void test_matmul(test_rng *rng) {
    const int token_counts[] = {1, 3, 8, 13};
    const int stage_counts[] = {0, 4, 2};
    for (int d = 0; d < DTYPE_COUNT; d++) {
        int dtype = weight_dtypes[d];
        int quantized = ref_block_bytes(dtype) != 0;
        for (int si = 0; si < (quantized ? 3 : 1); si++) {
            int stages = stage_counts[quantized ? si : 2];
            TEST_OK(mc_context_set_tunable(gpu, "cuda.mv_stages", stages));
            for (int ti = 0; ti < 4; ti++) {
                int tokens = token_counts[ti], k = ti % 2 ? 2304 : 256, n = 67;
                int rounded = quantized || (dtype != MC_DTYPE_F32 && tokens >= GEMM_MIN_ROWS);
                float *x = random_floats(rng, (size_t)tokens * k, 1.0);
                float *res = random_floats(rng, (size_t)tokens * n, 1.0);
                host_weights w[3];
                int rows[3] = {n, 32, 32};
                for (int i = 0; i < 3; i++) {
                    w[i] = random_weights(rng, dtype, rows[i], k, 1.0);
                }
                both bx = make_both(x, (size_t)tokens * k * 4, MC_DTYPE_F32, tokens, k, 0,
                                    (uint64_t)k * 4);
                both bw[3];
                for (int i = 0; i < 3; i++) {
                    bw[i] = make_both(w[i].data, w[i].bytes, dtype, rows[i], k, 0, w[i].stride);
                }
                char what[96];
                /* matmul with the residual aliasing out */
                both bo = make_both(res, (size_t)tokens * n * 4, MC_DTYPE_F32, tokens, n, 0,
                                    (uint64_t)n * 4);
                TEST_OK(mc_op_matmul(cpu, &bx.c, &bw[0].c, &bo.c, &bo.c));
                TEST_OK(mc_op_matmul(gpu, &bx.g, &bw[0].g, &bo.g, &bo.g));
                double *tol = malloc((size_t)tokens * n * sizeof *tol);
                for (int t = 0; t < tokens; t++) {
                    for (int j = 0; j < n; j++) {
                        tol[t * n + j] =
                            product_tolerance(&w[0], dtype, x + (size_t)t * k, j, k, rounded);
                    }
                }
                snprintf(what, sizeof what, "matmul+residual dtype %d tokens %d K %d stages %d",
                         dtype, tokens, k, stages);
                compare(what, &bo, tol, 0.0);
                free(tol);
                free_both(&bo);
                /* qkv */
                both bq[3];
                for (int i = 0; i < 3; i++) {
                    bq[i] = make_both(NULL, (size_t)tokens * rows[i] * 4, MC_DTYPE_F32, tokens,
                                      rows[i], 0, (uint64_t)rows[i] * 4);
                }
                TEST_OK(mc_op_matmul_qkv(cpu, &bx.c, &bw[0].c, &bw[1].c, &bw[2].c, &bq[0].c,
                                         &bq[1].c, &bq[2].c));
                TEST_OK(mc_op_matmul_qkv(gpu, &bx.g, &bw[0].g, &bw[1].g, &bw[2].g, &bq[0].g,
                                         &bq[1].g, &bq[2].g));
                for (int i = 0; i < 3; i++) {
                    tol = malloc((size_t)tokens * rows[i] * sizeof *tol);
                    for (int t = 0; t < tokens; t++) {
                        for (int j = 0; j < rows[i]; j++) {
                            tol[t * rows[i] + j] =
                                product_tolerance(&w[i], dtype, x + (size_t)t * k, j, k, rounded);
                        }
                    }
                    snprintf(what, sizeof what, "qkv part %d dtype %d tokens %d stages %d", i,
                             dtype, tokens, stages);
                    compare(what, &bq[i], tol, 0.0);
                    free(tol);
                    free_both(&bq[i]);
                }
                /* gate/up + SiLU: |silu(g) u - silu(g') u'| <= |u| |dg| 1.1 + |silu(g)| |du| */
                both bg =
                    make_both(NULL, (size_t)tokens * 32 * 4, MC_DTYPE_F32, tokens, 32, 0, 32 * 4);
                TEST_OK(mc_op_matmul_gate_up_silu(cpu, &bx.c, &bw[1].c, &bw[2].c, &bg.c));
                TEST_OK(mc_op_matmul_gate_up_silu(gpu, &bx.g, &bw[1].g, &bw[2].g, &bg.g));
                tol = malloc((size_t)tokens * 32 * sizeof *tol);
                for (int t = 0; t < tokens; t++) {
                    for (int j = 0; j < 32; j++) {
                        double tg =
                            product_tolerance(&w[1], dtype, x + (size_t)t * k, j, k, rounded);
                        double tu =
                            product_tolerance(&w[2], dtype, x + (size_t)t * k, j, k, rounded);
                        double g = 0.0, u = 0.0;
                        for (int e = 0; e < k; e++) {
                            g += ref_value(dtype, w[1].data + w[1].stride * j, e) *
                                 x[(size_t)t * k + e];
                            u += ref_value(dtype, w[2].data + w[2].stride * j, e) *
                                 x[(size_t)t * k + e];
                        }
                        tol[t * 32 + j] = (fabs(u) + tu) * tg * 1.1 + (fabs(g) + tg) * tu +
                                          1e-5 * (fabs(g * u) + 1.0);
                    }
                }
                snprintf(what, sizeof what, "gate_up_silu dtype %d tokens %d stages %d", dtype,
                         tokens, stages);
                compare(what, &bg, tol, 0.0);
                free(tol);
                free_both(&bg);
                free_both(&bx);
                for (int i = 0; i < 3; i++) {
                    free_both(&bw[i]);
                    free(w[i].data);
                }
                free(x);
                free(res);
            }
        }
    }
}

/* ---- attention --------------------------------------------------------------------------------
 */

/* `chunk`: cuda.attn_chunk, keys per split at least: 16 spreads the keys over up to 64 splits
 * that the last block merges, 256 keeps short contexts in one split. */
static void test_attention(test_rng *rng, int chunk) {
    TEST_OK(mc_context_set_tunable(gpu, "cuda.attn_chunk", chunk));
    struct {
        int heads, kv_heads, head_dim, tokens, first_position;
    } cases[] = {
        {4, 2, 16, 1, 0},   {4, 1, 24, 3, 5},    {16, 8, 128, 1, 700}, {32, 8, 64, 2, 1500},
        {32, 2, 64, 1, 90}, {8, 8, 32, 5, 4000}, {4, 4, 128, 6, 0},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        for (int c = 0; c < 3; c++) {
            int dtype = cache_dtypes[c];
            int heads = cases[ci].heads, kv_heads = cases[ci].kv_heads,
                head_dim = cases[ci].head_dim;
            int tokens = cases[ci].tokens, capacity = 4100, sequences = 2;
            int width = kv_heads * head_dim;
            size_t element = dtype == MC_DTYPE_F32 ? 4 : 2;
            size_t cache_bytes = (size_t)sequences * capacity * width * element;
            uint8_t *kc = malloc(cache_bytes), *vc = malloc(cache_bytes);
            for (size_t r = 0; r < (size_t)sequences * capacity; r++) {
                ref_random_row(rng, dtype, width, 1.0, kc + r * width * element);
                ref_random_row(rng, dtype, width, 1.0, vc + r * width * element);
            }
            float *q = random_floats(rng, (size_t)tokens * heads * head_dim, 1.0);
            int32_t positions[8], seqs[8];
            for (int t = 0; t < tokens; t++) {
                positions[t] = cases[ci].first_position + t;
                seqs[t] = t % 2;
            }
            both bq = make_both(q, (size_t)tokens * heads * head_dim * 4, MC_DTYPE_F32, tokens,
                                heads * head_dim, 0, (uint64_t)heads * head_dim * 4);
            both bk = make_both(kc, cache_bytes, dtype, sequences * capacity, width, 0,
                                (uint64_t)width * element);
            both bv = make_both(vc, cache_bytes, dtype, sequences * capacity, width, 0,
                                (uint64_t)width * element);
            both bp = make_both(positions, (size_t)tokens * 4, MC_DTYPE_I32, tokens, 1, 0, 4);
            both bs = make_both(seqs, (size_t)tokens * 4, MC_DTYPE_I32, tokens, 1, 0, 4);
            both bo = make_both(NULL, (size_t)tokens * heads * head_dim * 4, MC_DTYPE_F32, tokens,
                                heads * head_dim, 0, (uint64_t)heads * head_dim * 4);
            float scale = 1.0f / sqrtf((float)head_dim);
            TEST_OK(mc_op_attention(cpu, &bq.c, &bk.c, &bv.c, &bp.c, &bs.c, capacity, heads,
                                    kv_heads, head_dim, scale, &bo.c));
            TEST_OK(mc_op_attention(gpu, &bq.g, &bk.g, &bv.g, &bp.g, &bs.g, capacity, heads,
                                    kv_heads, head_dim, scale, &bo.g));
            char what[96];
            snprintf(what, sizeof what,
                     "attention %d/%d heads, head_dim %d, %d tokens from %d, cache %d, chunk %d",
                     heads, kv_heads, head_dim, tokens, cases[ci].first_position, dtype, chunk);
            /* Outputs are convex combinations of values in [-1, 1]: f32 rounding of the softmax. */
            compare(what, &bo, NULL, 2e-5);
            free_both(&bq);
            free_both(&bk);
            free_both(&bv);
            free_both(&bp);
            free_both(&bs);
            free_both(&bo);
            free(kc);
            free(vc);
            free(q);
        }
    }
}

/* ---- argmax -----------------------------------------------------------------------------------
 */

static void test_argmax(test_rng *rng) {
    const int lengths[] = {7, 4096, 5000, 151936};
    for (int li = 0; li < 4; li++) {
        int n = lengths[li], rows = 4;
        float *x = random_floats(rng, (size_t)rows * n, 10.0);
        /* row 1: a tie between two slices; row 2: NaN and -inf only; row 3: the last element */
        x[(size_t)n + n / 3] = 50.0f;
        x[(size_t)n + n - 1] = 50.0f;
        for (int i = 0; i < n; i++) {
            x[(size_t)2 * n + i] = i % 2 ? NAN : -INFINITY;
        }
        x[(size_t)3 * n + n - 1] = 99.0f;
        both bx = make_both(x, (size_t)rows * n * 4, MC_DTYPE_F32, rows, n, 0, (uint64_t)n * 4);
        both bo = make_both(NULL, (size_t)rows * 4, MC_DTYPE_I32, rows, 1, 0, 4);
        TEST_OK(mc_op_argmax(cpu, &bx.c, &bo.c));
        TEST_OK(mc_op_argmax(gpu, &bx.g, &bo.g));
        int32_t a[4], b[4];
        test_read(&bo.c, a, sizeof a);
        test_read(&bo.g, b, sizeof b);
        for (int r = 0; r < rows; r++) {
            test_check(a[r] == b[r], "argmax n %d row %d: cpu %d cuda %d", n, r, a[r], b[r]);
        }
        free_both(&bx);
        free_both(&bo);
        free(x);
    }
}

/* ---- a decoder step as a graph ------------------------------------------------------------- */

/* A tiny Qwen3-like layer stack: every op of a decode step, in the model loop's order. */
typedef struct step_model {
    int vocab, hidden, heads, kv_heads, head_dim, ffn, layers, capacity, weight_dtype, qk_norm,
        cache_dtype;
    both table, out_norm, output, tokens, positions, x, h, q, k, v, att, ff, logits, next;
    both norm1[2], norm2[2], qn[2], kn[2], wq[2], wk[2], wv[2], wo[2], wg[2], wu[2], wd[2], kc[2],
        vc[2];
} step_model;

static both weight_both(test_rng *rng, int dtype, int rows, int cols) {
    /* Variance 1 / cols: activations stay O(1) through the layers. */
    host_weights w = random_weights(rng, dtype, rows, cols, sqrt(3.0 / cols));
    both b = make_both(w.data, w.bytes, dtype, rows, cols, 0, w.stride);
    free(w.data);
    return b;
}

static both norm_both(test_rng *rng, int d) {
    float *w = random_floats(rng, d, 0.2);
    for (int i = 0; i < d; i++) {
        w[i] += 1.0f;
    }
    both b = make_both(w, (size_t)d * 4, MC_DTYPE_F32, 1, d, 0, (uint64_t)d * 4);
    free(w);
    return b;
}

static both zeros(int dtype, int rows, int cols) {
    size_t element = dtype == MC_DTYPE_F32 || dtype == MC_DTYPE_I32 ? 4 : 2;
    return make_both(NULL, (size_t)rows * cols * element, dtype, rows, cols, 0,
                     (uint64_t)cols * element);
}

static void build(step_model *m, test_rng *rng) {
    int qw = m->heads * m->head_dim, kw = m->kv_heads * m->head_dim;
    m->table = weight_both(rng, m->weight_dtype, m->vocab, m->hidden);
    m->out_norm = norm_both(rng, m->hidden);
    m->output = weight_both(rng, m->weight_dtype, m->vocab, m->hidden);
    m->tokens = zeros(MC_DTYPE_I32, 1, 1);
    m->positions = zeros(MC_DTYPE_I32, 1, 1);
    m->x = zeros(MC_DTYPE_F32, 1, m->hidden);
    m->h = zeros(MC_DTYPE_F32, 1, m->hidden);
    m->q = zeros(MC_DTYPE_F32, 1, qw);
    m->k = zeros(MC_DTYPE_F32, 1, kw);
    m->v = zeros(MC_DTYPE_F32, 1, kw);
    m->att = zeros(MC_DTYPE_F32, 1, qw);
    m->ff = zeros(MC_DTYPE_F32, 1, m->ffn);
    m->logits = zeros(MC_DTYPE_F32, 1, m->vocab);
    m->next = zeros(MC_DTYPE_I32, 1, 1);
    for (int l = 0; l < m->layers; l++) {
        m->norm1[l] = norm_both(rng, m->hidden);
        m->norm2[l] = norm_both(rng, m->hidden);
        m->qn[l] = norm_both(rng, m->head_dim);
        m->kn[l] = norm_both(rng, m->head_dim);
        m->wq[l] = weight_both(rng, m->weight_dtype, qw, m->hidden);
        m->wk[l] = weight_both(rng, m->weight_dtype, kw, m->hidden);
        m->wv[l] = weight_both(rng, m->weight_dtype, kw, m->hidden);
        m->wo[l] = weight_both(rng, m->weight_dtype, m->hidden, qw);
        m->wg[l] = weight_both(rng, m->weight_dtype, m->ffn, m->hidden);
        m->wu[l] = weight_both(rng, m->weight_dtype, m->ffn, m->hidden);
        m->wd[l] = weight_both(rng, m->weight_dtype, m->hidden, m->ffn);
        m->kc[l] = zeros(m->cache_dtype, m->capacity, kw);
        m->vc[l] = zeros(m->cache_dtype, m->capacity, kw);
    }
}

#define PICK(b) (on_gpu ? &(b).g : &(b).c)

static void enqueue_step(step_model *m, mc_context *ctx, int on_gpu) {
    TEST_OK(mc_op_embedding(ctx, PICK(m->table), PICK(m->tokens), PICK(m->x)));
    for (int l = 0; l < m->layers; l++) {
        TEST_OK(mc_op_rms_norm(ctx, PICK(m->x), PICK(m->norm1[l]), 1e-6f, PICK(m->h)));
        TEST_OK(mc_op_matmul_qkv(ctx, PICK(m->h), PICK(m->wq[l]), PICK(m->wk[l]), PICK(m->wv[l]),
                                 PICK(m->q), PICK(m->k), PICK(m->v)));
        if (m->qk_norm) {
            mc_tensor qh = *PICK(m->q), kh = *PICK(m->k);
            qh.rows = m->heads;
            qh.cols = m->head_dim;
            qh.row_stride = (uint64_t)m->head_dim * 4;
            kh.rows = m->kv_heads;
            kh.cols = m->head_dim;
            kh.row_stride = (uint64_t)m->head_dim * 4;
            TEST_OK(mc_op_rms_norm(ctx, &qh, PICK(m->qn[l]), 1e-6f, &qh));
            TEST_OK(mc_op_rms_norm(ctx, &kh, PICK(m->kn[l]), 1e-6f, &kh));
        }
        TEST_OK(mc_op_rope(ctx, PICK(m->q), PICK(m->positions), m->heads, m->head_dim, m->head_dim,
                           1e6f, NULL, MC_ROPE_NEOX));
        TEST_OK(mc_op_rope(ctx, PICK(m->k), PICK(m->positions), m->kv_heads, m->head_dim,
                           m->head_dim, 1e6f, NULL, MC_ROPE_NEOX));
        TEST_OK(mc_op_kv_append(ctx, PICK(m->k), PICK(m->v), PICK(m->kc[l]), PICK(m->vc[l]),
                                PICK(m->positions), NULL, m->capacity));
        TEST_OK(mc_op_attention(ctx, PICK(m->q), PICK(m->kc[l]), PICK(m->vc[l]), PICK(m->positions),
                                NULL, m->capacity, m->heads, m->kv_heads, m->head_dim,
                                1.0f / sqrtf((float)m->head_dim), PICK(m->att)));
        TEST_OK(mc_op_matmul(ctx, PICK(m->att), PICK(m->wo[l]), PICK(m->x), PICK(m->x)));
        TEST_OK(mc_op_rms_norm(ctx, PICK(m->x), PICK(m->norm2[l]), 1e-6f, PICK(m->h)));
        TEST_OK(mc_op_matmul_gate_up_silu(ctx, PICK(m->h), PICK(m->wg[l]), PICK(m->wu[l]),
                                          PICK(m->ff)));
        TEST_OK(mc_op_matmul(ctx, PICK(m->ff), PICK(m->wd[l]), PICK(m->x), PICK(m->x)));
    }
    TEST_OK(mc_op_rms_norm(ctx, PICK(m->x), PICK(m->out_norm), 1e-6f, PICK(m->h)));
    TEST_OK(mc_op_matmul(ctx, PICK(m->h), PICK(m->output), NULL, PICK(m->logits)));
    TEST_OK(mc_op_argmax(ctx, PICK(m->logits), PICK(m->next)));
}

static void free_model(step_model *m) {
    both *all[] = {&m->table, &m->out_norm, &m->output, &m->tokens, &m->positions,
                   &m->x,     &m->h,        &m->q,      &m->k,      &m->v,
                   &m->att,   &m->ff,       &m->logits, &m->next};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        free_both(all[i]);
    }
    for (int l = 0; l < m->layers; l++) {
        both *layer[] = {&m->norm1[l], &m->norm2[l], &m->qn[l], &m->kn[l], &m->wq[l],
                         &m->wk[l],    &m->wv[l],    &m->wo[l], &m->wg[l], &m->wu[l],
                         &m->wd[l],    &m->kc[l],    &m->vc[l]};
        for (size_t i = 0; i < sizeof layer / sizeof layer[0]; i++) {
            free_both(layer[i]);
        }
    }
}

/* The graph replays against the CPU run eagerly: logits close, same greedy token, for several
 * positions 7 apart (attention reads what earlier replays appended, rows never written are
 * zero on both sides, and from position 16 on the keys span several splits). `mv_stages`: the
 * quantized matvec kernel (cuda.mv_stages; float weights ignore it). */
static void test_graph_step(test_rng *rng, int weight_dtype, int qk_norm, int mv_stages,
                            int hidden) {
    TEST_OK(mc_context_set_tunable(gpu, "cuda.mv_stages", mv_stages));
    step_model m = {
        .vocab = 300,
        .hidden = hidden,
        .heads = 8,
        .kv_heads = 2,
        .head_dim = 32,
        .ffn = 512,
        .layers = 2,
        .capacity = 64,
        .weight_dtype = weight_dtype,
        .qk_norm = qk_norm,
        /* f32 caches with float weights: no f16 rounding that a 1-ulp difference could flip */
        .cache_dtype = ref_block_bytes(weight_dtype) ? MC_DTYPE_F16 : MC_DTYPE_F32};
    build(&m, rng);
    mc_graph *graph = NULL;
    TEST_OK(mc_graph_begin(gpu));
    enqueue_step(&m, gpu, 1);
    TEST_OK(mc_graph_end(gpu, &graph));
    mc_context_stats before, after;
    TEST_OK(mc_context_get_stats(gpu, &before));
    int same_token = 0;
    const int steps = 6;
    for (int s = 0; s < steps; s++) {
        int32_t token = (s * 37 + 5) % m.vocab, position = s * 7; /* past one split of keys */
        TEST_OK(mc_buffer_write(m.tokens.c.buffer, 0, &token, 4));
        TEST_OK(mc_buffer_write(m.positions.c.buffer, 0, &position, 4));
        TEST_OK(mc_buffer_write(m.tokens.g.buffer, 0, &token, 4));
        TEST_OK(mc_buffer_write(m.positions.g.buffer, 0, &position, 4));
        enqueue_step(&m, cpu, 0);
        TEST_OK(mc_graph_launch(graph));
        char what[96];
        snprintf(what, sizeof what,
                 "graph step %d (weights %d, qk norm %d, mv_stages %d, hidden %d): logits", s,
                 weight_dtype, qk_norm, mv_stages, hidden);
        /* Float weights: only f32 rounding differs. Quantized weights: both sides quantize the
         * same activations the same way, but a rounding boundary crossed on one side only (the
         * inputs differ in their last bits) moves one 8-bit activation by a step; seen through
         * the attention scores that moves the next layers by up to ~0.05 (seen: 0.048). */
        const double loose = ref_block_bytes(weight_dtype) ? 0.1 : 0.0;
        compare(what, &m.logits, NULL, loose > 0 ? loose : 2e-3);
        snprintf(what, sizeof what,
                 "graph step %d (weights %d, hidden %d): normalized hidden state", s, weight_dtype,
                 hidden);
        compare(what, &m.h, NULL, loose > 0 ? loose : 1e-3);
        int32_t a = -1, b = -2;
        test_read(&m.next.c, &a, 4);
        test_read(&m.next.g, &b, 4);
        same_token += a == b;
    }
    /* Greedy tokens may only differ at near-ties of the quantized logits. */
    test_check(same_token >= steps - 1, "graph: %d of %d greedy tokens equal the CPU's", same_token,
               steps);
    TEST_OK(mc_context_get_stats(gpu, &after));
    test_check(after.graph_launches - before.graph_launches == (uint64_t)steps,
               "graph launches counted");
    test_check(after.last_device_time_us > 0.0, "device time of the last replay is measured");
    TEST_OK(mc_graph_destroy(graph));
    free_model(&m);
}

/* Per-kernel profile: a context with MC_CONTEXT_FLAG_PROFILE_OPS times each kernel. */
static void test_profile(void) {
    mc_context_options options;
    mc_context_options_init(&options);
    options.backend = MC_BACKEND_CUDA;
    options.flags = MC_CONTEXT_FLAG_PROFILE_OPS;
    options.priority = MC_PRIORITY_HIGH;
    mc_context *ctx = NULL;
    if (!TEST_OK(mc_context_create(&options, &ctx))) {
        return;
    }
    float x[64], w[64];
    for (int i = 0; i < 64; i++) {
        x[i] = (float)i * 0.1f - 3.0f;
        w[i] = 1.0f;
    }
    mc_tensor tx = test_tensor(ctx, x, sizeof x, MC_DTYPE_F32, 1, 64, 0, 256);
    mc_tensor tw = test_tensor(ctx, w, sizeof w, MC_DTYPE_F32, 1, 64, 0, 256);
    for (int i = 0; i < 3; i++) {
        TEST_OK(mc_op_rms_norm(ctx, &tx, &tw, 1e-5f, &tx));
    }
    TEST_OK(mc_context_synchronize(ctx));
    int32_t count = 0;
    TEST_OK(mc_context_profile_count(ctx, &count));
    test_check(count == 1, "profile: one kernel name, got %d", count);
    mc_profile_entry entry;
    if (count >= 1 && TEST_OK(mc_context_profile_entry(ctx, 0, &entry))) {
        test_check(entry.calls == 3 && entry.total_us > 0.0,
                   "profile: %s ran %llu times in %.3f us", entry.name,
                   (unsigned long long)entry.calls, entry.total_us);
    }
    TEST_OK(mc_capture_begin(ctx, "metalcore test capture"));
    TEST_OK(mc_op_rms_norm(ctx, &tx, &tw, 1e-5f, &tx));
    TEST_OK(mc_capture_end(ctx));
    test_free(&tx);
    test_free(&tw);
    mc_context_destroy(ctx);
}

/* Warnings the library logged about cuBLASLt (ctest's cuda_backend_without_cublaslt points
 * METALCORE_CUBLASLT at a missing file: the context must still be created, say why once per
 * process, and compute the prompt-sized products on the matvec kernels, which the matmul cases
 * then check). */
static int cublaslt_warnings;

static void count_cublaslt_warnings(mc_log_level level, const char *message, void *user_data) {
    (void)user_data;
    if (level == MC_LOG_WARNING && strstr(message, "cuBLASLt") != NULL) {
        cublaslt_warnings++;
        printf("logged: %s\n", message);
    }
}

int main(void) {
    mc_set_log_callback(count_cublaslt_warnings, NULL);
    int32_t available = 0;
    mc_backend_available(MC_BACKEND_CUDA, &available);
    if (!available) {
        printf("SKIPPED: the CUDA backend is not available: %s\n", mc_last_error());
        return 77;
    }
    mc_context_options options;
    mc_context_options_init(&options);
    options.backend = MC_BACKEND_CUDA;
    if (!TEST_OK(mc_context_create(&options, &gpu))) {
        return test_finish("cuda_backend");
    }
    options.backend = MC_BACKEND_CPU;
    if (!TEST_OK(mc_context_create(&options, &cpu))) {
        return test_finish("cuda_backend");
    }
    const char *name = NULL;
    mc_context_device_name(gpu, &name);
    printf("CUDA device: %s\n", name);
    const char *library = getenv("METALCORE_CUBLASLT");
    const int missing = library != NULL && library[0] != '\0' && access(library, F_OK) != 0;
    test_check(cublaslt_warnings == missing,
               "cuBLASLt warnings: %d, expected %d (METALCORE_CUBLASLT=%s)", cublaslt_warnings,
               missing, library != NULL ? library : "(unset)");
    test_rng rng = {0x5eed1234u};
    test_embedding(&rng);
    test_rms_norm(&rng);
    test_rope(&rng);
    test_kv_append(&rng);
    test_matmul(&rng);
    test_weights_written_by_ops(&rng);
    test_attention(&rng, 256);
    test_attention(&rng, 16); /* the default, last: the graph steps below use it */
    test_argmax(&rng);
    for (int d = 0; d < DTYPE_COUNT; d++) {
        /* quantized weights: with both matvec kernels (the default, streamed, last) */
        if (ref_block_bytes(weight_dtypes[d]) != 0) {
            test_graph_step(&rng, weight_dtypes[d], d % 2 == 0, 0, 256);
        }
        test_graph_step(&rng, weight_dtypes[d], d % 2 == 0, 2, 256);
    }
    /* Rows of more than four chunks per matvec thread (hidden > 8192): the fused norm's sum of
     * squares and normalized values take several groups (streamed and register kernels). */
    test_graph_step(&rng, MC_DTYPE_Q8_0, 1, 2, 8448);
    test_graph_step(&rng, MC_DTYPE_Q8_0, 1, 0, 8448);
    test_graph_step(&rng, MC_DTYPE_BF16, 1, 2, 8448);
    test_profile();
    mc_context_destroy(gpu);
    mc_context_destroy(cpu);
    return test_finish("cuda_backend");
}
