/* bench_cpu.c — speed of the CPU backend on its own, without the managed layer (built with the
 * tests, not run by ctest). It runs the same op sequence as the managed forward pass
 * (src/Managed/MetalCore/Models/DecoderForward.cs) on random weights with the exact shapes of
 * Qwen3-0.6B or Llama-3.2-1B: a prompt in one batch, then single-token steps replayed from a
 * recorded graph, and reports tok/s, the bytes a decode step reads and the fraction of this
 * machine's read bandwidth that implies, with a per-op profile. Useful under callgrind too
 * (`valgrind --tool=callgrind bench_cpu model qwen3-0.6b q8_0 1 1 8 4`): the instruction count of
 * each kernel is a noise-free measure on a machine shared with other work.
 *
 *   bench_cpu bandwidth [threads=2]
 *   bench_cpu model SHAPE DTYPE [threads=2] [runs=5] [prompt=64] [gen=32] [kv=f16|f32|bf16]
 *     SHAPE: qwen3-0.6b | llama-3.2-1b; DTYPE: q8_0 | q4_0 | q4_1 | q5_0 | q5_1 | f16 | bf16
 *   bench_cpu matvec DTYPE N K [threads=2] [runs=5]
 *
 * Set MC_BENCH_PROFILE=1 for the per-op profile (adds a timer around every op). */
#define _GNU_SOURCE
#include "metal_core.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* CPU time of the whole process (all threads), user + system, in seconds. */
static double cpu_s(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec * 1e-6 +
           (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec * 1e-6;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        if ((call) != MC_OK) {                                                                     \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, mc_last_error()); \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, min and max of n samples (sorted in place). */
typedef struct summary {
    double median, low, high;
} summary;

static summary summarize(double *samples, int n) {
    qsort(samples, (size_t)n, sizeof *samples, compare_doubles);
    summary s = {n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]), samples[0],
                 samples[n - 1]};
    return s;
}

/* ---- read bandwidth: threads summing disjoint parts of 1 GiB ----------------------------------
 */

typedef struct sum_part {
    const uint64_t *data;
    size_t count;
    uint64_t result;
} sum_part;

static void *sum_words(void *argument) {
    sum_part *part = argument;
    /* Eight independent sums: vectorized by the compiler (integers need no reassociation). */
    uint64_t s[8] = {0};
    for (size_t i = 0; i + 8 <= part->count; i += 8) {
        for (int j = 0; j < 8; j++) {
            s[j] += part->data[i + j];
        }
    }
    part->result = s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
    return NULL;
}

static summary read_bandwidth(int threads, int repetitions) {
    size_t bytes = (size_t)1 << 30;
    uint64_t *data = aligned_alloc(4096, bytes);
    memset(data, 1, bytes); /* real pages, not the shared zero page */
    double samples[64];
    uint64_t check = 0;
    for (int r = 0; r < repetitions; r++) {
        pthread_t ids[64];
        sum_part parts[64];
        size_t per = bytes / 8 / (size_t)threads;
        double start = now_s();
        for (int t = 0; t < threads; t++) {
            parts[t] = (sum_part){data + per * t, per, 0};
            pthread_create(&ids[t], NULL, sum_words, &parts[t]);
        }
        for (int t = 0; t < threads; t++) {
            pthread_join(ids[t], NULL);
            check += parts[t].result;
        }
        samples[r] = (double)bytes / (now_s() - start) / 1e9;
    }
    free(data);
    if (check == 42) {
        printf(" "); /* keeps the sums alive */
    }
    return summarize(samples, repetitions);
}

/* ---- tensors with random contents --------------------------------------------------------- */

static uint64_t rng_state = 88172645463325252ull;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static mc_context *context;
static size_t weight_bytes; /* every weight made so far */

/* A weight matrix [n x k] in host memory wrapped without copying, as a mapped file would be.
 * Quantized blocks get small f16 scales (high byte 0x20..0x23: about 0.008..0.016) and mins;
 * float weights small values, so that activations stay finite through the layers. */
static mc_tensor weight(int dtype, int n, int k) {
    uint64_t row;
    CHECK(mc_dtype_row_size(dtype, k, &row));
    size_t bytes = (size_t)row * (size_t)n;
    uint8_t *host = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    for (size_t i = 0; i < bytes; i += 8) {
        uint64_t v = next_random();
        memcpy(host + i, &v, bytes - i < 8 ? bytes - i : 8);
    }
    uint64_t block = 0; /* bytes of one 32-value block of a quantized type, 0 for the others */
    if (dtype != MC_DTYPE_F32 && dtype != MC_DTYPE_F16 && dtype != MC_DTYPE_BF16) {
        CHECK(mc_dtype_row_size(dtype, 32, &block));
    }
    for (size_t b = 0; block != 0 && b + block <= bytes; b += block) {
        host[b + 1] = (uint8_t)(0x20 | (host[b + 1] & 0x03));
        if (dtype == MC_DTYPE_Q4_1 || dtype == MC_DTYPE_Q5_1) {
            host[b + 3] = (uint8_t)(0x20 | (host[b + 3] & 0x03));
        }
    }
    if (dtype == MC_DTYPE_F16 || dtype == MC_DTYPE_BF16) {
        uint8_t high = dtype == MC_DTYPE_F16 ? 0x20 : 0x3c; /* about 0.01 */
        for (size_t i = 1; i < bytes; i += 2) {
            host[i] = (uint8_t)((host[i] & 0x80) | high | (host[i] & 0x01));
        }
    }
    mc_buffer *buffer;
    CHECK(mc_buffer_wrap_host(context, host, bytes, &buffer));
    weight_bytes += bytes;
    return (mc_tensor){buffer, 0, 0, dtype, n, k, 0};
}

static mc_tensor floats(int rows, int cols, float low, float high) {
    mc_buffer *buffer;
    size_t count = (size_t)rows * (size_t)cols;
    CHECK(mc_buffer_create(context, count * 4, &buffer));
    float *values = malloc(count * 4);
    for (size_t i = 0; i < count; i++) {
        values[i] = low + (high - low) * (float)(next_random() % 10001) / 10000.0f;
    }
    CHECK(mc_buffer_write(buffer, 0, values, count * 4));
    free(values);
    return (mc_tensor){buffer, 0, 0, MC_DTYPE_F32, rows, cols, 0};
}

static mc_tensor buffer_of(int dtype, int rows, int cols) {
    uint64_t row;
    CHECK(mc_dtype_row_size(dtype, cols, &row));
    mc_buffer *buffer;
    CHECK(mc_buffer_create(context, row * (uint64_t)rows, &buffer));
    return (mc_tensor){buffer, 0, 0, dtype, rows, cols, 0};
}

static mc_tensor rows_of(mc_tensor t, int first, int count) {
    uint64_t row;
    CHECK(mc_dtype_row_size(t.dtype, t.cols, &row));
    t.offset += row * (uint64_t)first;
    t.rows = count;
    return t;
}

static mc_tensor reshape(mc_tensor t, int rows, int cols) {
    t.rows = rows;
    t.cols = cols;
    return t;
}

/* ---- the model ------------------------------------------------------------------------------ */

typedef struct shape {
    const char *name;
    int qwen3, hidden, layers, heads, kv_heads, head_dim, ffn, vocab;
    float theta, eps;
} shape;

static const shape shapes[] = {
    {"qwen3-0.6b", 1, 1024, 28, 16, 8, 128, 3072, 151936, 1e6f, 1e-6f},
    {"llama-3.2-1b", 0, 2048, 16, 32, 8, 64, 8192, 128256, 5e5f, 1e-5f},
};

typedef struct layer {
    mc_tensor attn_norm, wq, wk, wv, wo, q_norm, k_norm, ffn_norm, gate, up, down, k_cache, v_cache;
} layer;

typedef struct model {
    shape s;
    layer *layers;
    mc_tensor embedding, out_norm, freq_factors;
    int has_freq_factors, capacity;
    /* activations for up to max_tokens tokens */
    mc_tensor x, h, q, k, v, att, ffn, logits, tokens, positions;
} model;

static model make_model(const shape *s, int dtype, int kv_dtype, int max_tokens, int capacity) {
    model m;
    memset(&m, 0, sizeof m);
    m.s = *s;
    m.capacity = capacity;
    int q_width = s->heads * s->head_dim, kv_width = s->kv_heads * s->head_dim;
    m.layers = calloc((size_t)s->layers, sizeof *m.layers);
    for (int l = 0; l < s->layers; l++) {
        layer *w = &m.layers[l];
        w->attn_norm = floats(1, s->hidden, 0.9f, 1.1f);
        w->ffn_norm = floats(1, s->hidden, 0.9f, 1.1f);
        w->q_norm = floats(1, s->head_dim, 0.9f, 1.1f);
        w->k_norm = floats(1, s->head_dim, 0.9f, 1.1f);
        w->wq = weight(dtype, q_width, s->hidden);
        w->wk = weight(dtype, kv_width, s->hidden);
        w->wv = weight(dtype, kv_width, s->hidden);
        w->wo = weight(dtype, s->hidden, q_width);
        w->gate = weight(dtype, s->ffn, s->hidden);
        w->up = weight(dtype, s->ffn, s->hidden);
        w->down = weight(dtype, s->hidden, s->ffn);
        w->k_cache = buffer_of(kv_dtype, capacity, kv_width);
        w->v_cache = buffer_of(kv_dtype, capacity, kv_width);
    }
    m.embedding = weight(dtype, s->vocab, s->hidden); /* tied: also the output projection */
    m.out_norm = floats(1, s->hidden, 0.9f, 1.1f);
    m.has_freq_factors = !s->qwen3; /* Llama 3 scaling: any factors >= 1 exercise the path */
    m.freq_factors = floats(1, s->head_dim / 2, 1.0f, 8.0f);
    m.x = buffer_of(MC_DTYPE_F32, max_tokens, s->hidden);
    m.h = buffer_of(MC_DTYPE_F32, max_tokens, s->hidden);
    m.q = buffer_of(MC_DTYPE_F32, max_tokens, q_width);
    m.k = buffer_of(MC_DTYPE_F32, max_tokens, kv_width);
    m.v = buffer_of(MC_DTYPE_F32, max_tokens, kv_width);
    m.att = buffer_of(MC_DTYPE_F32, max_tokens, q_width);
    m.ffn = buffer_of(MC_DTYPE_F32, max_tokens, s->ffn);
    m.logits = buffer_of(MC_DTYPE_F32, 1, s->vocab);
    m.tokens = buffer_of(MC_DTYPE_I32, max_tokens, 1);
    m.positions = buffer_of(MC_DTYPE_I32, max_tokens, 1);
    return m;
}

/* Enqueues the forward pass of `n` tokens (ids and positions already in their buffers), the
 * logits of the last one and their argmax into tokens[0]: DecoderForward.Enqueue. */
static void forward(model *m, int n) {
    const shape *s = &m->s;
    mc_tensor x = rows_of(m->x, 0, n), h = rows_of(m->h, 0, n), q = rows_of(m->q, 0, n);
    mc_tensor k = rows_of(m->k, 0, n), v = rows_of(m->v, 0, n), att = rows_of(m->att, 0, n);
    mc_tensor ffn = rows_of(m->ffn, 0, n), tokens = rows_of(m->tokens, 0, n);
    mc_tensor positions = rows_of(m->positions, 0, n);
    const mc_tensor *factors = m->has_freq_factors ? &m->freq_factors : NULL;
    CHECK(mc_op_embedding(context, &m->embedding, &tokens, &x));
    for (int l = 0; l < s->layers; l++) {
        layer *w = &m->layers[l];
        CHECK(mc_op_rms_norm(context, &x, &w->attn_norm, s->eps, &h));
        CHECK(mc_op_matmul_qkv(context, &h, &w->wq, &w->wk, &w->wv, &q, &k, &v));
        if (s->qwen3) {
            mc_tensor qh = reshape(q, n * s->heads, s->head_dim);
            mc_tensor kh = reshape(k, n * s->kv_heads, s->head_dim);
            CHECK(mc_op_rms_norm(context, &qh, &w->q_norm, s->eps, &qh));
            CHECK(mc_op_rms_norm(context, &kh, &w->k_norm, s->eps, &kh));
        }
        CHECK(mc_op_rope(context, &q, &positions, s->heads, s->head_dim, s->head_dim, s->theta,
                         factors, MC_ROPE_NEOX));
        CHECK(mc_op_rope(context, &k, &positions, s->kv_heads, s->head_dim, s->head_dim, s->theta,
                         factors, MC_ROPE_NEOX));
        CHECK(mc_op_kv_append(context, &k, &v, &w->k_cache, &w->v_cache, &positions, NULL,
                              m->capacity));
        CHECK(mc_op_attention(context, &q, &w->k_cache, &w->v_cache, &positions, NULL, m->capacity,
                              s->heads, s->kv_heads, s->head_dim, 1.0f / sqrtf((float)s->head_dim),
                              &att));
        CHECK(mc_op_matmul(context, &att, &w->wo, &x, &x));
        CHECK(mc_op_rms_norm(context, &x, &w->ffn_norm, s->eps, &h));
        CHECK(mc_op_matmul_gate_up_silu(context, &h, &w->gate, &w->up, &ffn));
        CHECK(mc_op_matmul(context, &ffn, &w->down, &x, &x));
    }
    mc_tensor last = rows_of(x, n - 1, 1), normed = rows_of(h, 0, 1);
    mc_tensor first_token = rows_of(m->tokens, 0, 1);
    CHECK(mc_op_rms_norm(context, &last, &m->out_norm, s->eps, &normed));
    CHECK(mc_op_matmul(context, &normed, &m->embedding, NULL, &m->logits));
    CHECK(mc_op_argmax(context, &m->logits, &first_token));
}

static void write_ints(mc_tensor t, const int32_t *values, int n) {
    CHECK(mc_buffer_write(t.buffer, t.offset, values, (uint64_t)n * 4));
}

static void print_profile(void) {
    int32_t count = 0;
    CHECK(mc_context_profile_count(context, &count));
    double total = 0.0;
    for (int32_t i = 0; i < count; i++) {
        mc_profile_entry e;
        CHECK(mc_context_profile_entry(context, i, &e));
        total += e.total_us;
    }
    for (int32_t i = 0; i < count; i++) {
        mc_profile_entry e;
        CHECK(mc_context_profile_entry(context, i, &e));
        printf("  %-22s %8llu calls %10.1f us %5.1f%%  %7.2f us/call\n", e.name,
               (unsigned long long)e.calls, e.total_us, 100.0 * e.total_us / total,
               e.total_us / (double)e.calls);
    }
    CHECK(mc_context_reset_stats(context));
}

static int parse_dtype(const char *name) {
    static const struct {
        const char *name;
        int dtype;
    } names[] = {{"q8_0", MC_DTYPE_Q8_0}, {"q4_0", MC_DTYPE_Q4_0}, {"q4_1", MC_DTYPE_Q4_1},
                 {"q5_0", MC_DTYPE_Q5_0}, {"q5_1", MC_DTYPE_Q5_1}, {"f16", MC_DTYPE_F16},
                 {"bf16", MC_DTYPE_BF16}, {"f32", MC_DTYPE_F32}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            return names[i].dtype;
        }
    }
    fprintf(stderr, "unknown dtype '%s'\n", name);
    exit(2);
}

static void create_context(int threads, int profile) {
    mc_context_options options;
    CHECK(mc_context_options_init(&options));
    options.backend = MC_BACKEND_CPU;
    options.threads = threads;
    options.flags = profile ? MC_CONTEXT_FLAG_PROFILE_OPS : 0;
    CHECK(mc_context_create(&options, &context));
    const char *device;
    CHECK(mc_context_device_name(context, &device));
    printf("%s\n", device);
}

static int bench_model(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr,
                "usage: bench_cpu model SHAPE DTYPE [threads] [runs] [prompt] [gen] [kv]\n");
        return 2;
    }
    const shape *s = NULL;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        s = strcmp(argv[2], shapes[i].name) == 0 ? &shapes[i] : s;
    }
    if (s == NULL) {
        fprintf(stderr, "unknown shape '%s' (qwen3-0.6b, llama-3.2-1b)\n", argv[2]);
        return 2;
    }
    int dtype = parse_dtype(argv[3]);
    int threads = argc > 4 ? atoi(argv[4]) : 2;
    int runs = argc > 5 ? atoi(argv[5]) : 5;
    int prompt = argc > 6 ? atoi(argv[6]) : 64;
    int gen = argc > 7 ? atoi(argv[7]) : 32;
    int kv_dtype = argc > 8 ? parse_dtype(argv[8]) : MC_DTYPE_F16;
    int profile = getenv("MC_BENCH_PROFILE") != NULL;
    if (runs < 1 || runs > 64 || prompt < 1 || gen < 1) {
        fprintf(stderr, "runs must be 1..64, prompt and gen positive\n");
        return 2;
    }
    create_context(threads, profile);
    model m = make_model(s, dtype, kv_dtype, prompt, prompt + gen);

    mc_tensor first = rows_of(m.positions, 0, 1);
    int32_t *ids = malloc((size_t)prompt * 4);
    for (int i = 0; i < prompt; i++) {
        ids[i] = (int32_t)((i * 7919 + 11) % s->vocab);
    }
    CHECK(mc_graph_begin(context));
    forward(&m, 1);
    mc_graph *step;
    CHECK(mc_graph_end(context, &step));

    double prompt_rate[64], decode_rate[64], decode_cpu[64], prompt_cpu[64];
    for (int r = -1; r < runs; r++) { /* run -1: warm-up */
        if (r == 0 && profile) {
            CHECK(mc_context_reset_stats(context));
        }
        write_ints(m.tokens, ids, prompt);
        int32_t *pos = malloc((size_t)prompt * 4);
        for (int i = 0; i < prompt; i++) {
            pos[i] = i;
        }
        write_ints(m.positions, pos, prompt);
        free(pos);
        double start = now_s(), start_cpu = cpu_s();
        forward(&m, prompt);
        CHECK(mc_context_synchronize(context));
        double middle = now_s(), middle_cpu = cpu_s();
        if (r == 0 && profile) {
            printf("prompt profile (%d tokens, one batch):\n", prompt);
            print_profile();
        }
        for (int i = 0; i < gen; i++) {
            int32_t position = prompt + i;
            write_ints(first, &position, 1);
            CHECK(mc_graph_launch(step));
        }
        int32_t next;
        CHECK(mc_buffer_read(m.tokens.buffer, 0, &next, 4));
        double end = now_s(), end_cpu = cpu_s();
        if (r == 0 && profile) {
            printf("decode profile (%d steps):\n", gen);
            print_profile();
        }
        if (r >= 0) {
            prompt_rate[r] = prompt / (middle - start);
            decode_rate[r] = gen / (end - middle);
            decode_cpu[r] = (end_cpu - middle_cpu) / gen * 1e3;
            prompt_cpu[r] = (middle_cpu - start_cpu) / prompt * 1e3;
        }
    }
    summary p = summarize(prompt_rate, runs), d = summarize(decode_rate, runs);
    summary busy = summarize(decode_cpu, runs), prompt_busy = summarize(prompt_cpu, runs);
    /* A decode step reads every weight once, except the embedding table (one row) which is
     * also the output projection, plus the KV cache up to the average position. */
    double kv_element = kv_dtype == MC_DTYPE_F32 ? 4.0 : 2.0;
    double kv_bytes =
        (prompt + gen / 2.0) * s->layers * 2.0 * s->kv_heads * s->head_dim * kv_element;
    double step_bytes = (double)weight_bytes + kv_bytes;
    printf("%s %s, %d threads: prompt %.1f tok/s (%.1f..%.1f), decode %.2f tok/s (%.2f..%.2f)\n",
           s->name, argv[3], threads, p.median, p.low, p.high, d.median, d.low, d.high);
    printf("decode reads %.1f MB per token -> %.2f GB/s at the median; CPU time %.2f ms per token "
           "(all threads; %.2f..%.2f)\n",
           step_bytes / 1e6, step_bytes * d.median / 1e9, busy.median, busy.low, busy.high);
    printf("prompt CPU time %.2f ms per token (all threads; %.2f..%.2f)\n", prompt_busy.median,
           prompt_busy.low, prompt_busy.high);
    mc_graph_destroy(step);
    free(ids);
    mc_context_destroy(context);
    return 0;
}

static int bench_matvec(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: bench_cpu matvec DTYPE N K [threads] [runs]\n");
        return 2;
    }
    int dtype = parse_dtype(argv[2]), n = atoi(argv[3]), k = atoi(argv[4]);
    int threads = argc > 5 ? atoi(argv[5]) : 2;
    int runs = argc > 6 ? atoi(argv[6]) : 5;
    if (runs < 1 || runs > 64 || n < 1 || k < 1) {
        fprintf(stderr, "runs must be 1..64, N and K positive\n");
        return 2;
    }
    create_context(threads, 0);
    /* Enough copies (>= 512 MiB) that every op reads its weights from memory, as in a model
     * whose layers evict one another from the caches. */
    mc_tensor probe = weight(dtype, n, k);
    size_t one = weight_bytes;
    int copies = (int)((512u << 20) / one) + 1;
    mc_tensor *w = malloc(sizeof *w * (size_t)copies);
    w[0] = probe;
    for (int c = 1; c < copies; c++) {
        w[c] = weight(dtype, n, k);
    }
    mc_tensor x = floats(1, k, -1.0f, 1.0f), out = buffer_of(MC_DTYPE_F32, 1, n);
    CHECK(mc_graph_begin(context));
    for (int c = 0; c < copies; c++) {
        CHECK(mc_op_matmul(context, &x, &w[c], NULL, &out));
    }
    mc_graph *graph;
    CHECK(mc_graph_end(context, &graph));
    CHECK(mc_graph_launch(graph)); /* warm-up */
    double samples[64];
    for (int r = 0; r < runs; r++) {
        double start = now_s();
        CHECK(mc_graph_launch(graph));
        CHECK(mc_context_synchronize(context));
        samples[r] = (double)one * copies / (now_s() - start) / 1e9;
    }
    summary g = summarize(samples, runs);
    printf("matvec %s %d x %d (%d copies): %.2f GB/s median (%.2f..%.2f), %.1f us per op\n",
           argv[2], n, k, copies, g.median, g.low, g.high, (double)one / g.median / 1e3);
    mc_graph_destroy(graph);
    mc_context_destroy(context);
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "bandwidth") == 0) {
        int threads = argc > 2 ? atoi(argv[2]) : 2;
        if (threads < 1 || threads > 64) {
            fprintf(stderr, "threads must be 1..64\n");
            return 2;
        }
        summary bw = read_bandwidth(threads, 9);
        printf("read bandwidth (%d threads, 1 GiB): %.2f GB/s median (%.2f..%.2f)\n", threads,
               bw.median, bw.low, bw.high);
        return 0;
    }
    if (strcmp(mode, "model") == 0) {
        return bench_model(argc, argv);
    }
    if (strcmp(mode, "matvec") == 0) {
        return bench_matvec(argc, argv);
    }
    fprintf(stderr, "usage: bench_cpu bandwidth|model|matvec ... (see the file's comment)\n");
    return 2;
}
