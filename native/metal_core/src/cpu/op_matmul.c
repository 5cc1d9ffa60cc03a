/* op_matmul.c — matmul, the fused Q/K/V projection and the fused gate/up + SiLU.
 *
 * Quantized weights: the activation rows are first quantized to 8-bit blocks, then the integer
 * kernels run. Many tokens are quantized once, shared by all threads (a barrier); a few (decode)
 * are quantized by every thread into its own scratch, which costs less than the barrier. Float
 * weights (f32/f16/bf16) multiply the f32 rows directly. Work items are chunks of output rows,
 * claimed in shrinking shares (few claims, balanced ends); one item covers all tokens,
 * `gemm_tile_tokens` at a time, so a chunk of weight rows is read from memory once per op and
 * reused from cache for every token (prompt processing), while a single token (decode) streams each
 * weight row exactly once. Results go through a per-thread tile so the epilogue (residual add,
 * which may alias out, or SiLU(gate) * up) reads its inputs before writing.
 */
#include "cpu_backend.h"

#include <math.h>

#define MAX_WEIGHTS 3

/* The op's operands, whatever its kind. */
typedef struct matmul_parts {
    const mc_tensor *x;
    const mc_tensor *w[MAX_WEIGHTS];
    const mc_tensor *out[MAX_WEIGHTS];
    const mc_tensor *residual; /* MATMUL only; NULL when absent */
    int weights;               /* separate outputs: 1 (matmul), 3 (qkv), 1 (gate_up) */
    int gate_up;               /* w[0] = gate, w[1] = up, out[0] = out */
} matmul_parts;

static matmul_parts parts_of(const mc_op_desc *op) {
    matmul_parts p;
    memset(&p, 0, sizeof p);
    p.x = &op->t[0];
    switch (op->kind) {
    case MC_OPK_MATMUL:
        p.w[0] = &op->t[1];
        p.residual = op->t[2].buffer != NULL ? &op->t[2] : NULL;
        p.out[0] = &op->t[3];
        p.weights = 1;
        break;
    case MC_OPK_MATMUL_QKV:
        for (int i = 0; i < 3; i++) {
            p.w[i] = &op->t[1 + i];
            p.out[i] = &op->t[4 + i];
        }
        p.weights = 3;
        break;
    default: /* MC_OPK_GATE_UP_SILU */
        p.w[0] = &op->t[1];
        p.w[1] = &op->t[2];
        p.out[0] = &op->t[3];
        p.weights = 1;
        p.gate_up = 1;
        break;
    }
    return p;
}

static int rows_per_task(const mc_cpu_tunables *tunables, int tokens) {
    return tokens == 1 ? tunables->matvec_rows_per_task : tunables->gemm_rows_per_task;
}

static int tile_tokens(const mc_cpu_tunables *tunables, int tokens) {
    return tokens < tunables->gemm_tile_tokens ? tokens : tunables->gemm_tile_tokens;
}

/* At most this many activation values are quantized by every thread for itself. */
#define PRIVATE_QUANTIZATION_VALUES 8192

static int private_quantization(int tokens, int64_t k) {
    return (int64_t)tokens * k <= PRIVATE_QUANTIZATION_VALUES;
}

/* The quantized activation rows: one per token, in the kernel table's format. */
typedef struct act_rows {
    uint8_t *data;
    uint64_t stride;
} act_rows;

static size_t act_bytes(const mc_cpu_kernels *kernels, int tokens, int64_t k) {
    return kernels->act_row_bytes(k) * (size_t)tokens;
}

static size_t tile_bytes(const mc_cpu_tunables *tunables, int tokens) {
    size_t tile = (size_t)rows_per_task(tunables, tokens) * (size_t)tile_tokens(tunables, tokens);
    return mc_cpu_align64(tile * sizeof(float));
}

mc_cpu_scratch_need mc_cpu_matmul_scratch(const mc_cpu_kernels *kernels,
                                          const mc_cpu_tunables *tunables, const mc_op_desc *op) {
    matmul_parts p = parts_of(op);
    int tokens = p.x->rows;
    int64_t k = p.x->cols;
    mc_cpu_scratch_need need = {0, tile_bytes(tunables, tokens) * (p.gate_up ? 2 : 1)};
    if (mc_dtype_is_quantized(p.w[0]->dtype)) {
        if (private_quantization(tokens, k)) {
            need.per_thread += act_bytes(kernels, tokens, k);
        } else {
            need.shared = act_bytes(kernels, tokens, k);
        }
    }
    return need;
}

int mc_cpu_matmul_phases(const mc_op_desc *op) {
    const mc_tensor *x = &op->t[0], *w = &op->t[1];
    return mc_dtype_is_quantized(w->dtype) && !private_quantization(x->rows, x->cols) ? 2 : 1;
}

static mc_weight_view weight_view(const mc_tensor *w) {
    mc_weight_view view = {mc_cpu_row(w, 0), w->row_stride, w->dtype, w->cols};
    return view;
}

/* tile[t * rows + r] = x[t0 + t] . w[row0 + r] for t < tokens. */
static void multiply(mc_cpu_exec *exec, const matmul_parts *p, const mc_tensor *w,
                     const act_rows *acts, int64_t row0, int rows, int t0, int tokens,
                     float *tile) {
    mc_weight_view view = weight_view(w);
    if (mc_dtype_is_quantized(w->dtype)) {
        exec->kernels->matmul_quant(&view, row0, rows, acts->data + t0 * acts->stride, acts->stride,
                                    tokens, tile, rows);
    } else {
        const float *x = (const float *)mc_cpu_row(p->x, t0);
        int64_t stride = (int64_t)(p->x->row_stride / sizeof(float));
        exec->kernels->matmul_float(&view, row0, rows, x, stride, tokens, tile, rows);
    }
}

static float silu(float g) {
    return g / (1.0f + expf(-g));
}

/* Writes a finished tile to its output (with the residual or the SiLU gate). */
static void store_tile(const matmul_parts *p, int m, int64_t row0, int rows, int t0, int tokens,
                       const float *tile, const float *up) {
    for (int t = 0; t < tokens; t++) {
        float *out = (float *)mc_cpu_row(p->out[m], t0 + t) + row0;
        const float *values = tile + t * rows;
        if (p->gate_up) {
            const float *u = up + t * rows;
            for (int r = 0; r < rows; r++) {
                out[r] = silu(values[r]) * u[r];
            }
        } else if (p->residual != NULL) {
            const float *res = (const float *)mc_cpu_row(p->residual, t0 + t) + row0;
            for (int r = 0; r < rows; r++) {
                out[r] = values[r] + res[r];
            }
        } else {
            memcpy(out, values, (size_t)rows * sizeof(float));
        }
    }
}

void mc_cpu_op_matmul(mc_cpu_exec *exec, const mc_op_desc *op) {
    matmul_parts p = parts_of(op);
    const mc_cpu_tunables *tunables = &exec->backend->tunables;
    const int tokens = p.x->rows;
    const int64_t k = p.x->cols;
    const int quantized = mc_dtype_is_quantized(p.w[0]->dtype);
    float *tile = (float *)exec->scratch_thread;
    const size_t tile_size = tile_bytes(tunables, tokens);
    float *up = tile + tile_size / sizeof(float);
    uint8_t *after_tiles = exec->scratch_thread + tile_size * (p.gate_up ? 2 : 1);

    act_rows acts = {NULL, quantized ? exec->kernels->act_row_bytes(k) : 0};
    int quantize_privately = quantized && private_quantization(tokens, k);
    if (quantize_privately) { /* done below, once this thread has claimed work */
        acts.data = after_tiles;
    } else if (quantized) { /* phase 1, shared: quantize the activation rows */
        acts.data = exec->scratch_shared;
        for (int64_t t; (t = mc_cpu_next_item(exec, tokens)) >= 0;) {
            exec->kernels->quantize_row_q8((const float *)mc_cpu_row(p.x, t), k,
                                           acts.data + t * acts.stride);
        }
        if (!mc_cpu_end_phase(exec)) {
            return;
        }
    }

    /* Phase 2: work items = chunks of rows of each output, in order. */
    const int chunk = rows_per_task(tunables, tokens);
    const int step = tile_tokens(tunables, tokens);
    int64_t items[MAX_WEIGHTS], total = 0;
    for (int m = 0; m < p.weights; m++) {
        items[m] = (p.w[m]->rows + chunk - 1) / chunk;
        total += items[m];
    }
    int64_t count;
    for (int64_t first; (first = mc_cpu_claim(exec, total, &count)), count > 0;) {
        if (quantize_privately) { /* x is final: this op's phase is running */
            for (int t = 0; t < tokens; t++) {
                exec->kernels->quantize_row_q8((const float *)mc_cpu_row(p.x, t), k,
                                               acts.data + t * acts.stride);
            }
            quantize_privately = 0;
        }
        for (int64_t claimed = first; claimed < first + count; claimed++) {
            int m = 0;
            int64_t item = claimed;
            while (item >= items[m]) {
                item -= items[m++];
            }
            int64_t row0 = item * chunk;
            int rows = (int)(p.w[m]->rows - row0 < chunk ? p.w[m]->rows - row0 : chunk);
            for (int t0 = 0; t0 < tokens; t0 += step) {
                int span = tokens - t0 < step ? tokens - t0 : step;
                multiply(exec, &p, p.w[m], &acts, row0, rows, t0, span, tile);
                if (p.gate_up) {
                    multiply(exec, &p, p.w[1], &acts, row0, rows, t0, span, up);
                }
                store_tile(&p, m, row0, rows, t0, span, tile, up);
            }
        }
    }
}
