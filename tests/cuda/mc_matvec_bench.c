/* mc_matvec_bench — the decode matmuls of one model shape, each kind timed on its own inside a
 * recorded graph (the way a decode step runs them: CUDA graph, programmatic dependent launches),
 * over enough distinct weight copies that the L2 cache cannot hold them. Prints microseconds per
 * matmul and the bandwidth it reaches; cuda.* tunables come from MC_CUDA_TUNABLES.
 *
 * Usage: mc_matvec_bench DTYPE HIDDEN FFN Q_WIDTH KV_WIDTH VOCAB
 *   DTYPE: f32 f16 bf16 q8_0 q4_0; e.g. Qwen3-1.7B: q8_0 2048 6144 2048 1024 151936 */
#include "metal_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                                                \
    do {                                                                                           \
        if ((call) != MC_OK) {                                                                     \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, mc_last_error());        \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static mc_context *ctx;
static int dtype;

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

static mc_tensor tensor(int type, int rows, int cols, int random) {
    uint64_t row = 0;
    CHECK(mc_dtype_row_size(type, cols, &row));
    mc_tensor t;
    memset(&t, 0, sizeof t);
    CHECK(mc_buffer_create(ctx, row * (uint64_t)rows, &t.buffer));
    if (random) { /* small finite values: f16 scales 2^-6 in every quantized block */
        size_t bytes = row * (size_t)rows;
        uint8_t *data = malloc(bytes);
        uint64_t state = 0x9e3779b97f4a7c15ull;
        for (size_t i = 0; i < bytes; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            data[i] = (uint8_t)(state >> 56);
        }
        int block = type == MC_DTYPE_Q8_0 ? 34 : type == MC_DTYPE_Q4_0 ? 18 : 0;
        for (size_t i = 0; block && i + 1 < bytes; i += (size_t)block) {
            data[i] = 0x00;
            data[i + 1] = 0x24;
        }
        if (type == MC_DTYPE_BF16 || type == MC_DTYPE_F16) {
            for (size_t i = 1; i < bytes; i += 2) {
                data[i] = (uint8_t)((data[i] & 0x80) | (type == MC_DTYPE_BF16 ? 0x3c : 0x20));
            }
        }
        if (type == MC_DTYPE_F32) {
            for (size_t i = 3; i < bytes; i += 4) {
                data[i] = (uint8_t)((data[i] & 0x80) | 0x3c);
            }
        }
        CHECK(mc_buffer_write(t.buffer, 0, data, bytes));
        free(data);
    }
    t.dtype = type;
    t.rows = rows;
    t.cols = cols;
    return t;
}

/* Times `copies` matmuls of one kind (0 plain, 1 qkv, 2 gate/up) recorded as one graph. */
static void run(const char *name, int kind, int n0, int n1, int k, int residual) {
    uint64_t row = 0;
    CHECK(mc_dtype_row_size(dtype, k, &row));
    const int parts = kind == 1 ? 3 : kind == 2 ? 2 : 1;
    const int rows[3] = {n0, n1, n1};
    double bytes = 0;
    for (int i = 0; i < parts; i++) {
        bytes += (double)row * rows[i];
    }
    int copies = (int)(512e6 / bytes);
    copies = copies < 1 ? 1 : copies > 64 ? 64 : copies;
    mc_tensor *w = calloc((size_t)copies * parts, sizeof *w);
    for (int c = 0; c < copies * parts; c++) {
        w[c] = tensor(dtype, rows[c % parts], k, 1);
    }
    mc_tensor x = tensor(MC_DTYPE_F32, 1, k, 1);
    mc_tensor out[3];
    for (int i = 0; i < 3; i++) {
        out[i] = tensor(MC_DTYPE_F32, 1, rows[i] > 0 ? rows[i] : 1, 0);
    }
    mc_graph *graph = NULL;
    CHECK(mc_graph_begin(ctx));
    for (int c = 0; c < copies; c++) {
        mc_tensor *wc = w + (size_t)c * parts;
        if (kind == 0) {
            CHECK(mc_op_matmul(ctx, &x, &wc[0], residual ? &out[0] : NULL, &out[0]));
        } else if (kind == 1) {
            CHECK(mc_op_matmul_qkv(ctx, &x, &wc[0], &wc[1], &wc[2], &out[0], &out[1], &out[2]));
        } else {
            CHECK(mc_op_matmul_gate_up_silu(ctx, &x, &wc[0], &wc[1], &out[0]));
        }
    }
    CHECK(mc_graph_end(ctx, &graph));
    for (int i = 0; i < 3; i++) {
        CHECK(mc_graph_launch(graph));
    }
    CHECK(mc_context_synchronize(ctx));
    const int launches = 20;
    double start = now_us();
    for (int i = 0; i < launches; i++) {
        CHECK(mc_graph_launch(graph));
    }
    CHECK(mc_context_synchronize(ctx));
    double us = (now_us() - start) / launches / copies;
    printf("%-8s N %6d K %5d  %8.2f us  %7.1f GB/s  (%d copies)\n", name, n0 + (parts - 1) * n1, k,
           us, bytes / us * 1e-3, copies);
    CHECK(mc_graph_destroy(graph));
    for (int c = 0; c < copies * parts; c++) {
        mc_buffer_destroy(w[c].buffer);
    }
    free(w);
    mc_buffer_destroy(x.buffer);
    for (int i = 0; i < 3; i++) {
        mc_buffer_destroy(out[i].buffer);
    }
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s DTYPE HIDDEN FFN Q_WIDTH KV_WIDTH VOCAB\n", argv[0]);
        return 2;
    }
    const char *names[] = {"f32", "f16", "bf16", "q8_0", "q4_0"};
    const int types[] = {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16, MC_DTYPE_Q8_0, MC_DTYPE_Q4_0};
    dtype = -1;
    for (int i = 0; i < 5; i++) {
        if (strcmp(argv[1], names[i]) == 0) {
            dtype = types[i];
        }
    }
    if (dtype < 0) {
        fprintf(stderr, "unknown dtype %s\n", argv[1]);
        return 2;
    }
    int hidden = atoi(argv[2]), ffn = atoi(argv[3]), qw = atoi(argv[4]), kvw = atoi(argv[5]);
    int vocab = atoi(argv[6]);
    mc_context_options options;
    CHECK(mc_context_options_init(&options));
    options.backend = MC_BACKEND_CUDA;
    options.priority = MC_PRIORITY_HIGH;
    CHECK(mc_context_create(&options, &ctx));
    printf("%s %s (MC_CUDA_TUNABLES=%s)\n", argv[1], argv[2],
           getenv("MC_CUDA_TUNABLES") ? getenv("MC_CUDA_TUNABLES") : "");
    run("qkv", 1, qw, kvw, hidden, 0);
    run("o+res", 0, hidden, 0, qw, 1);
    run("gate_up", 2, ffn, ffn, hidden, 0);
    run("down+res", 0, hidden, 0, ffn, 1);
    run("lm_head", 0, vocab, 0, hidden, 0);
    mc_context_destroy(ctx);
    return 0;
}
