/* op_matmul.c — matmul, the fused Q/K/V projection and the fused gate/up + SiLU.
 *
 * Quantized weights: the activation rows are first quantized to 8-bit blocks (once per op,
 * shared by all threads), then the integer kernels run. Float weights (f32/f16/bf16) multiply
 * the f32 rows directly. Work items are chunks of output rows; one item covers all tokens,
 * `gemm_tile_tokens` at a time, so a chunk of weight rows is read from memory once per op and
 * reused from cache for every token (prompt processing), while a single token (decode) streams
 * each weight row exactly once. Results go through a per-thread tile so the epilogue (residual
 * add, which may alias out, or SiLU(gate) * up) reads its inputs before writing. */
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

/* Layout of the quantized activations in the shared scratch. */
static mc_q8_rows q8_layout(uint8_t *scratch, int tokens, int64_t k) {
    mc_q8_rows rows;
    rows.blocks = k / MC_QK;
    rows.q_stride = (int64_t)mc_cpu_align64((size_t)k);
    rows.q = (int8_t *)scratch;
    rows.d = (float *)(scratch + mc_cpu_align64((size_t)(rows.q_stride * tokens)));
    rows.ds = rows.d + rows.blocks * tokens;
    return rows;
}

mc_cpu_scratch_need mc_cpu_matmul_scratch(const mc_cpu_tunables *tunables, const mc_op_desc *op) {
    matmul_parts p = parts_of(op);
    int tokens = p.x->rows;
    int64_t k = p.x->cols;
    mc_cpu_scratch_need need = {0, 0};
    if (mc_dtype_is_quantized(p.w[0]->dtype)) {
        need.shared = mc_cpu_align64((size_t)(mc_cpu_align64((size_t)k) * (size_t)tokens)) +
                      mc_cpu_align64(2 * sizeof(float) * (size_t)(k / MC_QK) * (size_t)tokens);
    }
    size_t tile = (size_t)rows_per_task(tunables, tokens) * (size_t)tile_tokens(tunables, tokens);
    need.per_thread = mc_cpu_align64(tile * sizeof(float)) * (p.gate_up ? 2 : 1);
    return need;
}

static mc_weight_view weight_view(const mc_tensor *w) {
    mc_weight_view view = {mc_cpu_row(w, 0), w->row_stride, w->dtype, w->cols};
    return view;
}

/* tile[t * rows + r] = x[t0 + t] . w[row0 + r] for t < tokens. */
static void multiply(mc_cpu_exec *exec, const matmul_parts *p, const mc_tensor *w,
                     const mc_q8_rows *q8, int64_t row0, int rows, int t0, int tokens,
                     float *tile) {
    mc_weight_view view = weight_view(w);
    if (mc_dtype_is_quantized(w->dtype)) {
        mc_q8_rows part = *q8;
        part.q += t0 * part.q_stride;
        part.d += t0 * part.blocks;
        part.ds += t0 * part.blocks;
        exec->kernels->matmul_quant(&view, row0, rows, &part, tokens, tile, rows);
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
    mc_q8_rows q8 = q8_layout(exec->scratch_shared, tokens, k);

    if (quantized) { /* phase 1: quantize the activation rows */
        for (int64_t t; (t = mc_pool_next_chunk(exec->pool)) < tokens;) {
            exec->kernels->quantize_row_q8((const float *)mc_cpu_row(p.x, t), k,
                                           q8.q + t * q8.q_stride, q8.d + t * q8.blocks,
                                           q8.ds + t * q8.blocks);
        }
        mc_pool_barrier(exec->pool);
    }

    /* Phase 2: work items = chunks of rows of each output, in order. */
    const int chunk = rows_per_task(tunables, tokens);
    const int step = tile_tokens(tunables, tokens);
    int64_t items[MAX_WEIGHTS], total = 0;
    for (int m = 0; m < p.weights; m++) {
        items[m] = (p.w[m]->rows + chunk - 1) / chunk;
        total += items[m];
    }
    float *tile = (float *)exec->scratch_thread;
    float *up = tile + mc_cpu_align64((size_t)chunk * (size_t)step * sizeof(float)) / sizeof(float);
    for (int64_t item; (item = mc_pool_next_chunk(exec->pool)) < total;) {
        int m = 0;
        while (item >= items[m]) {
            item -= items[m++];
        }
        int64_t row0 = item * chunk;
        int rows = (int)(p.w[m]->rows - row0 < chunk ? p.w[m]->rows - row0 : chunk);
        for (int t0 = 0; t0 < tokens; t0 += step) {
            int count = tokens - t0 < step ? tokens - t0 : step;
            multiply(exec, &p, p.w[m], &q8, row0, rows, t0, count, tile);
            if (p.gate_up) {
                multiply(exec, &p, p.w[1], &q8, row0, rows, t0, count, up);
            }
            store_tile(&p, m, row0, rows, t0, count, tile, up);
        }
    }
}
