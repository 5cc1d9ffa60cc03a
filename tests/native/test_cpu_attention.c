/* test_cpu_attention.c — causal attention over the KV cache on the CPU backend against a
 * double-precision softmax written here, at every SIMD level the machine has and 1 to 3 threads:
 * MHA, GQA and MQA, f32/f16/bf16 caches, several tokens of one prompt (each sees its prefix),
 * several sequences (seq_ids), head sizes that are not multiples of the vector width, contexts
 * of several attention blocks (also with a small attention_block tunable) and a long one.
 *
 * Tolerance. With exact scores s_j, weights p_j = exp(s_j - max) and o = sum p_j v_j / sum p_j,
 * the backend's f32 dot products give scores within d_j = scale (n + 4) u sum_i |q_i k_ji|
 * (u = 2^-24), and its exp and online rescaling weights within a relative e = 2 max d_j +
 * 16 u (blocks + 2). A relative error e_j on each weight moves o by at most
 * sum p_j e_j |v_j - o| / sum p_j <= 2 e max |v|; the f32 sums add (keys + 8) u (sum p_j |v_j| /
 * sum p_j + |o|). */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U (1.0 / 16777216.0)

typedef struct config {
    int level, threads, block; /* block: attention_block tunable, 0 = default */
} config;

typedef struct cache_case {
    int dtype, heads, kv_heads, head_dim, sequences, capacity;
    int tokens; /* query tokens */
    int prompt; /* 1: token t of sequence 0 at position first + t; 0: random positions */
    int first;  /* prompt: position of token 0 */
} cache_case;

static void fill_cache(test_rng *rng, int dtype, uint8_t *cache, size_t values) {
    for (size_t i = 0; i < values; i++) {
        double v = rng_uniform(rng, -1.0, 1.0);
        if (dtype == MC_DTYPE_F32) {
            float f = (float)v;
            memcpy(cache + 4 * i, &f, 4);
        } else {
            uint16_t bits = dtype == MC_DTYPE_F16 ? ref_double_to_f16(v) : ref_double_to_bf16(v);
            memcpy(cache + 2 * i, &bits, 2);
        }
    }
}

static void check_attention(mc_context *context, const config *c, test_rng *rng,
                            const cache_case *k) {
    const int width = k->kv_heads * k->head_dim, q_width = k->heads * k->head_dim;
    const int rows = k->sequences * k->capacity;
    const size_t row_bytes = ref_row_bytes(k->dtype, width);
    uint8_t *k_cache = malloc(row_bytes * rows), *v_cache = malloc(row_bytes * rows);
    fill_cache(rng, k->dtype, k_cache, (size_t)rows * width);
    fill_cache(rng, k->dtype, v_cache, (size_t)rows * width);
    float *q = malloc((size_t)k->tokens * q_width * 4);
    for (int i = 0; i < k->tokens * q_width; i++) {
        q[i] = (float)rng_uniform(rng, -2.0, 2.0); /* scores of several units: a peaked softmax */
    }
    int32_t *pos = malloc((size_t)k->tokens * 4), *seq = malloc((size_t)k->tokens * 4);
    for (int t = 0; t < k->tokens; t++) {
        pos[t] = k->prompt ? k->first + t : rng_int(rng, 0, k->capacity - 1);
        seq[t] = k->prompt ? 0 : rng_int(rng, 0, k->sequences - 1);
    }
    const float scale = 1.0f / sqrtf((float)k->head_dim);
    mc_tensor kc = test_tensor(context, k_cache, row_bytes * rows, k->dtype, rows, width, 0, 0);
    mc_tensor vc = test_tensor(context, v_cache, row_bytes * rows, k->dtype, rows, width, 0, 0);
    mc_tensor qt = test_tensor(context, q, (size_t)k->tokens * q_width * 4, MC_DTYPE_F32, k->tokens,
                               q_width, 0, 0);
    mc_tensor pt =
        test_tensor(context, pos, (size_t)k->tokens * 4, MC_DTYPE_I32, k->tokens, 1, 0, 0);
    mc_tensor st =
        test_tensor(context, seq, (size_t)k->tokens * 4, MC_DTYPE_I32, k->tokens, 1, 0, 0);
    size_t out_bytes = (size_t)k->tokens * q_width * 4;
    float *out = malloc(out_bytes);
    mc_tensor ot = test_tensor(context, NULL, out_bytes, MC_DTYPE_F32, k->tokens, q_width, 0, 0);
    char what[200];
    snprintf(what, sizeof what,
             "attention [level %d threads %d block %d] dtype %d heads %d/%d dim %d seqs %d cap %d "
             "tokens %d",
             c->level, c->threads, c->block, k->dtype, k->heads, k->kv_heads, k->head_dim,
             k->sequences, k->capacity, k->tokens);
    const mc_tensor *seq_ids = k->sequences > 1 ? &st : NULL;
    if (TEST_OK(mc_op_attention(context, &qt, &kc, &vc, &pt, seq_ids, k->capacity, k->heads,
                                k->kv_heads, k->head_dim, scale, &ot))) {
        test_read(&ot, out, out_bytes);
        const int group = k->heads / k->kv_heads;
        const int block = c->block > 0 ? c->block : 64;
        double *score = malloc(sizeof(double) * (size_t)k->capacity);
        /* The caches' values, decoded once. */
        double *k_values = malloc(sizeof(double) * (size_t)rows * width);
        double *v_values = malloc(sizeof(double) * (size_t)rows * width);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < width; i++) {
                k_values[(size_t)r * width + i] = ref_value(k->dtype, k_cache + row_bytes * r, i);
                v_values[(size_t)r * width + i] = ref_value(k->dtype, v_cache + row_bytes * r, i);
            }
        }
        int bad = 0;
        for (int t = 0; t < k->tokens && !bad; t++) {
            for (int h = 0; h < k->heads && !bad; h++) {
                const int kv = h / group, keys = pos[t] + 1;
                const float *qh = q + (size_t)t * q_width + (size_t)h * k->head_dim;
                const size_t first_row = (size_t)seq[t] * k->capacity;
                const double *k_rows = k_values + first_row * width + (size_t)kv * k->head_dim;
                const double *v_rows = v_values + first_row * width + (size_t)kv * k->head_dim;
                double max = -INFINITY, max_error = 0.0;
                for (int j = 0; j < keys; j++) {
                    double dot = 0.0, size = 0.0;
                    for (int i = 0; i < k->head_dim; i++) {
                        double kj = k_rows[(size_t)j * width + i];
                        dot += qh[i] * kj;
                        size += fabs(qh[i] * kj);
                    }
                    score[j] = dot * scale;
                    max = fmax(max, score[j]);
                    max_error = fmax(max_error, scale * (k->head_dim + 4) * U * size);
                }
                double sum = 0.0;
                for (int j = 0; j < keys; j++) {
                    score[j] = exp(score[j] - max);
                    sum += score[j];
                }
                const double e = 2.0 * max_error + 16.0 * U * ((keys + block - 1) / block + 2);
                for (int i = 0; i < k->head_dim && !bad; i++) {
                    double o = 0.0, weighted = 0.0, max_v = 0.0;
                    for (int j = 0; j < keys; j++) {
                        double vj = v_rows[(size_t)j * width + i];
                        o += score[j] * vj;
                        weighted += score[j] * fabs(vj);
                        max_v = fmax(max_v, fabs(vj));
                    }
                    o /= sum;
                    double tolerance =
                        2.0 * e * max_v + (keys + 8) * U * (weighted / sum + fabs(o)) + 1e-30;
                    float got = out[(size_t)t * q_width + (size_t)h * k->head_dim + i];
                    bad = !test_check(fabs(got - o) <= tolerance,
                                      "%s: token %d (seq %d pos %d) head %d [%d] = %.9g, "
                                      "expected %.9g +- %.3g",
                                      what, t, seq[t], pos[t], h, i, got, o, tolerance);
                }
            }
        }
        free(score);
        free(k_values);
        free(v_values);
    }
    test_free(&kc);
    test_free(&vc);
    test_free(&qt);
    test_free(&pt);
    test_free(&st);
    test_free(&ot);
    free(k_cache);
    free(v_cache);
    free(q);
    free(pos);
    free(seq);
    free(out);
}

static void run_config(const config *c, test_rng *rng) {
    mc_context *context = test_context(c->threads, c->level);
    if (context == NULL) {
        return;
    }
    if (c->block > 0) {
        TEST_OK(mc_context_set_tunable(context, "attention_block", c->block));
    }
    static const int dtypes[] = {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16};
    for (int d = 0; d < 3; d++) {
        /* dtype, heads, kv_heads, head_dim, sequences, capacity, tokens, prompt, first */
        const cache_case cases[] = {
            {dtypes[d], 4, 4, 64, 1, 1, 1, 1, 0},       /* MHA, the first position only */
            {dtypes[d], 16, 8, 128, 1, 200, 1, 1, 150}, /* Qwen3-0.6B's heads, decode */
            {dtypes[d], 6, 2, 37, 1, 90, 13, 1, 70},    /* GQA, odd head_dim, a prompt */
            {dtypes[d], 5, 1, 24, 3, 50, 7, 0, 0},      /* MQA, three sequences */
            {dtypes[d], 2, 1, 8, 2, 130, 9, 0, 0},      /* head_dim below the vector width */
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            check_attention(context, c, rng, &cases[i]);
        }
    }
    mc_context_destroy(context);
}

int main(void) {
    test_rng rng = {77};
    for (int level = 0; level < TEST_SIMD_LEVELS; level++) {
        for (int threads = 1; threads <= 3; threads++) {
            config c = {level, threads, threads == 2 ? 7 : 0};
            run_config(&c, &rng);
        }
    }
    /* A long context (4096 positions, Llama-3.2-1B's heads) once per SIMD level. */
    for (int level = 0; level < TEST_SIMD_LEVELS; level++) {
        config c = {level, 2, 0};
        mc_context *context = test_context(c.threads, level);
        if (context != NULL) {
            const cache_case long_case = {MC_DTYPE_F16, 32, 8, 64, 1, 4096, 2, 1, 4094};
            check_attention(context, &c, &rng, &long_case);
            mc_context_destroy(context);
        }
    }
    return test_finish("test_cpu_attention");
}
