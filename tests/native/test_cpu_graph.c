/* test_cpu_graph.c — recorded graphs on the CPU backend: a small decoder's step (every op kind)
 * recorded once and replayed per token with new token ids and positions written to their
 * buffers must give bit for bit what the same ops give when called one by one on a context with
 * one thread: every output value is computed whole by one work item, whichever thread runs it,
 * so neither the thread count (3 on a 2-core machine: threads late to their phases) nor the
 * replay may change a bit. Also: the graph calls' state errors, and a replay that fails
 * (a position past the cache) reports the error and leaves the context usable. */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HIDDEN = 96, HEADS = 3, KV_HEADS = 1, HEAD_DIM = 32, FFN = 160, VOCAB = 50, CAPACITY = 12 };

/* The weights (host arrays, shared by both contexts) and one context's buffers. */
typedef struct weights {
    uint8_t *embedding, *wq, *wk, *wv, *wo, *gate, *up, *down, *output;
    float norm[HIDDEN], factors[HEAD_DIM / 2];
} weights;

typedef struct model {
    mc_context *context;
    mc_tensor embedding, norm, wq, wk, wv, wo, gate, up, down, output, factors;
    mc_tensor tokens, positions, x, h, q, k, v, att, ffn, k_cache, v_cache, logits, next;
} model;

static uint8_t *random_matrix(test_rng *rng, int dtype, int rows, int cols) {
    size_t row = ref_row_bytes(dtype, cols);
    uint8_t *data = malloc(row * (size_t)rows);
    for (int r = 0; r < rows; r++) {
        ref_random_row(rng, dtype, cols, 0.2, data + row * (size_t)r);
    }
    return data;
}

static mc_tensor matrix(mc_context *context, const uint8_t *data, int dtype, int rows, int cols) {
    return test_tensor(context, data, ref_row_bytes(dtype, cols) * (size_t)rows, dtype, rows, cols,
                       0, 0);
}

static mc_tensor zeros(mc_context *context, int dtype, int rows, int cols) {
    return test_tensor(context, NULL, ref_row_bytes(dtype, cols) * (size_t)rows, dtype, rows, cols,
                       0, 0);
}

static model make_model(const weights *w, int threads, int level) {
    model m;
    memset(&m, 0, sizeof m);
    m.context = test_context(threads, level);
    if (m.context == NULL) {
        return m;
    }
    mc_context *c = m.context;
    m.embedding = matrix(c, w->embedding, MC_DTYPE_Q8_0, VOCAB, HIDDEN);
    m.norm = test_tensor(c, w->norm, sizeof w->norm, MC_DTYPE_F32, 1, HIDDEN, 0, 0);
    m.wq = matrix(c, w->wq, MC_DTYPE_Q4_0, HEADS * HEAD_DIM, HIDDEN);
    m.wk = matrix(c, w->wk, MC_DTYPE_Q4_0, KV_HEADS * HEAD_DIM, HIDDEN);
    m.wv = matrix(c, w->wv, MC_DTYPE_Q4_0, KV_HEADS * HEAD_DIM, HIDDEN);
    m.wo = matrix(c, w->wo, MC_DTYPE_F16, HIDDEN, HEADS * HEAD_DIM);
    m.gate = matrix(c, w->gate, MC_DTYPE_Q5_1, FFN, HIDDEN);
    m.up = matrix(c, w->up, MC_DTYPE_Q5_1, FFN, HIDDEN);
    m.down = matrix(c, w->down, MC_DTYPE_BF16, HIDDEN, FFN);
    m.output = matrix(c, w->output, MC_DTYPE_Q8_0, VOCAB, HIDDEN);
    m.factors = test_tensor(c, w->factors, sizeof w->factors, MC_DTYPE_F32, 1, HEAD_DIM / 2, 0, 0);
    m.tokens = zeros(c, MC_DTYPE_I32, 1, 1);
    m.positions = zeros(c, MC_DTYPE_I32, 1, 1);
    m.x = zeros(c, MC_DTYPE_F32, 1, HIDDEN);
    m.h = zeros(c, MC_DTYPE_F32, 1, HIDDEN);
    m.q = zeros(c, MC_DTYPE_F32, 1, HEADS * HEAD_DIM);
    m.k = zeros(c, MC_DTYPE_F32, 1, KV_HEADS * HEAD_DIM);
    m.v = zeros(c, MC_DTYPE_F32, 1, KV_HEADS * HEAD_DIM);
    m.att = zeros(c, MC_DTYPE_F32, 1, HEADS * HEAD_DIM);
    m.ffn = zeros(c, MC_DTYPE_F32, 1, FFN);
    m.k_cache = zeros(c, MC_DTYPE_F16, CAPACITY, KV_HEADS * HEAD_DIM);
    m.v_cache = zeros(c, MC_DTYPE_F16, CAPACITY, KV_HEADS * HEAD_DIM);
    m.logits = zeros(c, MC_DTYPE_F32, 1, VOCAB);
    m.next = zeros(c, MC_DTYPE_I32, 1, 1);
    return m;
}

static void free_model(model *m) {
    mc_tensor *all[] = {&m->embedding, &m->norm, &m->wq,      &m->wk,      &m->wv,      &m->wo,
                        &m->gate,      &m->up,   &m->down,    &m->output,  &m->factors, &m->tokens,
                        &m->positions, &m->x,    &m->h,       &m->q,       &m->k,       &m->v,
                        &m->att,       &m->ffn,  &m->k_cache, &m->v_cache, &m->logits,  &m->next};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        test_free(all[i]);
    }
    mc_context_destroy(m->context);
}

/* One decode step: every op kind, in a decoder's order. Returns the first failing status. */
static mc_status step(model *m) {
    mc_context *c = m->context;
    mc_tensor q_heads = m->q;
    q_heads.rows = HEADS;
    q_heads.cols = HEAD_DIM;
    mc_tensor head_norm = m->norm; /* its first HEAD_DIM weights */
    head_norm.cols = HEAD_DIM;
    mc_status s;
#define STEP(call)                                                                                 \
    if ((s = (call)) != MC_OK) {                                                                   \
        return s;                                                                                  \
    }
    STEP(mc_op_embedding(c, &m->embedding, &m->tokens, &m->x));
    STEP(mc_op_rms_norm(c, &m->x, &m->norm, 1e-5f, &m->h));
    STEP(mc_op_matmul_qkv(c, &m->h, &m->wq, &m->wk, &m->wv, &m->q, &m->k, &m->v));
    STEP(mc_op_rms_norm(c, &q_heads, &head_norm, 1e-6f, &q_heads)); /* per head */
    STEP(mc_op_rope(c, &m->q, &m->positions, HEADS, HEAD_DIM, HEAD_DIM, 10000.0f, &m->factors,
                    MC_ROPE_NEOX));
    STEP(mc_op_rope(c, &m->k, &m->positions, KV_HEADS, HEAD_DIM, HEAD_DIM, 10000.0f, NULL,
                    MC_ROPE_NORMAL));
    STEP(mc_op_kv_append(c, &m->k, &m->v, &m->k_cache, &m->v_cache, &m->positions, NULL, CAPACITY));
    STEP(mc_op_attention(c, &m->q, &m->k_cache, &m->v_cache, &m->positions, NULL, CAPACITY, HEADS,
                         KV_HEADS, HEAD_DIM, 0.17f, &m->att));
    STEP(mc_op_matmul(c, &m->att, &m->wo, &m->x, &m->x));
    STEP(mc_op_rms_norm(c, &m->x, &m->norm, 1e-5f, &m->h));
    STEP(mc_op_matmul_gate_up_silu(c, &m->h, &m->gate, &m->up, &m->ffn));
    STEP(mc_op_matmul(c, &m->ffn, &m->down, &m->x, &m->x));
    STEP(mc_op_matmul(c, &m->x, &m->output, NULL, &m->logits));
    STEP(mc_op_argmax(c, &m->logits, &m->next));
#undef STEP
    return MC_OK;
}

static void set_inputs(model *m, int32_t token, int32_t position) {
    TEST_OK(mc_buffer_write(m->tokens.buffer, 0, &token, 4));
    TEST_OK(mc_buffer_write(m->positions.buffer, 0, &position, 4));
}

/* Replays a recorded step per token on `threads` threads and compares logits, the chosen token
 * and the caches bit for bit with the ops called one by one on one thread. */
static void check_replay(const weights *w, int level, int threads) {
    model direct = make_model(w, 1, level), replay = make_model(w, threads, level);
    if (direct.context == NULL || replay.context == NULL) {
        if (direct.context != NULL) {
            free_model(&direct);
        }
        return;
    }
    TEST_OK(mc_graph_begin(replay.context));
    TEST_OK(step(&replay));
    mc_graph *graph = NULL;
    TEST_OK(mc_graph_end(replay.context, &graph));
    int32_t token = 7;
    for (int position = 0; position < CAPACITY; position++) {
        set_inputs(&direct, token, position);
        set_inputs(&replay, token, position);
        TEST_OK(step(&direct));
        TEST_OK(mc_graph_launch(graph));
        float a[VOCAB], b[VOCAB];
        int32_t next_a, next_b;
        TEST_OK(mc_buffer_read(direct.logits.buffer, 0, a, sizeof a));
        TEST_OK(mc_buffer_read(replay.logits.buffer, 0, b, sizeof b));
        TEST_OK(mc_buffer_read(direct.next.buffer, 0, &next_a, 4));
        TEST_OK(mc_buffer_read(replay.next.buffer, 0, &next_b, 4));
        test_check(memcmp(a, b, sizeof a) == 0 && next_a == next_b && isfinite(a[0]),
                   "level %d threads %d position %d: replayed logits or token differ (%d vs %d)",
                   level, threads, position, next_a, next_b);
        token = next_a;
    }
    size_t cache_bytes = ref_row_bytes(MC_DTYPE_F16, KV_HEADS * HEAD_DIM) * CAPACITY;
    uint8_t *ka = malloc(cache_bytes), *kb = malloc(cache_bytes);
    TEST_OK(mc_buffer_read(direct.k_cache.buffer, 0, ka, cache_bytes));
    TEST_OK(mc_buffer_read(replay.k_cache.buffer, 0, kb, cache_bytes));
    test_check(memcmp(ka, kb, cache_bytes) == 0, "level %d threads %d: key caches differ", level,
               threads);
    free(ka);
    free(kb);

    /* A replay whose position is past the cache fails with a clear error... */
    set_inputs(&replay, 3, CAPACITY);
    mc_status status = mc_graph_launch(graph);
    test_check(status == MC_ERROR_OUT_OF_RANGE && strstr(mc_last_error(), "positions[0]") != NULL,
               "level %d threads %d: bad position gave %d '%s'", level, threads, (int)status,
               mc_last_error());
    /* ...and the context still runs the graph afterwards. */
    set_inputs(&direct, 3, 2);
    set_inputs(&replay, 3, 2);
    TEST_OK(step(&direct));
    TEST_OK(mc_graph_launch(graph));
    float a[VOCAB], b[VOCAB];
    TEST_OK(mc_buffer_read(direct.logits.buffer, 0, a, sizeof a));
    TEST_OK(mc_buffer_read(replay.logits.buffer, 0, b, sizeof b));
    test_check(memcmp(a, b, sizeof a) == 0, "level %d threads %d: replay after an error differs",
               level, threads);
    TEST_OK(mc_graph_destroy(graph));
    free_model(&direct);
    free_model(&replay);
}

static void check_state_errors(const weights *w) {
    model m = make_model(w, 2, 0);
    mc_graph *graph = NULL;
    test_check(mc_graph_end(m.context, &graph) == MC_ERROR_INVALID_STATE && graph == NULL,
               "mc_graph_end without mc_graph_begin: %s", mc_last_error());
    TEST_OK(mc_graph_begin(m.context));
    test_check(mc_graph_begin(m.context) == MC_ERROR_INVALID_STATE, "nested mc_graph_begin: %s",
               mc_last_error());
    test_check(mc_graph_end(m.context, &graph) == MC_ERROR_INVALID_ARGUMENT && graph == NULL,
               "an empty graph: %s", mc_last_error());
    TEST_OK(mc_graph_begin(m.context));
    TEST_OK(mc_op_argmax(m.context, &m.logits, &m.next));
    TEST_OK(mc_graph_end(m.context, &graph));
    TEST_OK(mc_graph_begin(m.context));
    test_check(mc_graph_launch(graph) == MC_ERROR_INVALID_STATE, "launch while recording: %s",
               mc_last_error());
    mc_graph *other = NULL;
    TEST_OK(mc_op_argmax(m.context, &m.logits, &m.next));
    TEST_OK(mc_graph_end(m.context, &other));
    TEST_OK(mc_graph_launch(graph));
    TEST_OK(mc_graph_destroy(other));
    TEST_OK(mc_graph_destroy(graph));
    TEST_OK(mc_graph_destroy(NULL));
    free_model(&m);
}

int main(void) {
    test_rng rng = {99};
    weights w;
    w.embedding = random_matrix(&rng, MC_DTYPE_Q8_0, VOCAB, HIDDEN);
    w.wq = random_matrix(&rng, MC_DTYPE_Q4_0, HEADS * HEAD_DIM, HIDDEN);
    w.wk = random_matrix(&rng, MC_DTYPE_Q4_0, KV_HEADS * HEAD_DIM, HIDDEN);
    w.wv = random_matrix(&rng, MC_DTYPE_Q4_0, KV_HEADS * HEAD_DIM, HIDDEN);
    w.wo = random_matrix(&rng, MC_DTYPE_F16, HIDDEN, HEADS * HEAD_DIM);
    w.gate = random_matrix(&rng, MC_DTYPE_Q5_1, FFN, HIDDEN);
    w.up = random_matrix(&rng, MC_DTYPE_Q5_1, FFN, HIDDEN);
    w.down = random_matrix(&rng, MC_DTYPE_BF16, HIDDEN, FFN);
    w.output = random_matrix(&rng, MC_DTYPE_Q8_0, VOCAB, HIDDEN);
    for (int i = 0; i < HIDDEN; i++) {
        w.norm[i] = (float)rng_uniform(&rng, 0.5, 1.5);
    }
    for (int i = 0; i < HEAD_DIM / 2; i++) {
        w.factors[i] = (float)rng_uniform(&rng, 1.0, 4.0);
    }
    for (int level = 0; level < TEST_SIMD_LEVELS; level++) {
        for (int threads = 1; threads <= 3; threads++) {
            check_replay(&w, level, threads);
        }
    }
    check_state_errors(&w);
    uint8_t *all[] = {w.embedding, w.wq, w.wk, w.wv, w.wo, w.gate, w.up, w.down, w.output};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        free(all[i]);
    }
    return test_finish("test_cpu_graph");
}
