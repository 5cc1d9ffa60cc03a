/* mc_metal_plan.c — op descriptors to Metal dispatch plans (see mc_metal_plan.h). */
#include "mc_metal_plan.h"

#include "kernels/mc_kernel_args.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

void mc_plan_defaults(mc_plan_tunables *t) {
    t->rms_norm_threads = 512; /* seed 002: best in isolation for hidden 2048 */
    t->argmax_threads = 1024;  /* seed 002: 32 simdgroups over the vocabulary */
    t->matvec_rows = 4;
    t->matvec_simdgroups = 2;
    t->matmul_min_rows = 8;
    t->attention_simdgroups = 4;
    t->attention_block = 512;
    t->elementwise_threads = 256;
}

typedef struct tunable_info {
    const char *name;
    size_t offset;
    int32_t min, max, multiple;
} tunable_info;

static const tunable_info tunables_table[] = {
    {"rms_norm.threads", offsetof(mc_plan_tunables, rms_norm_threads), 32, 1024, 32},
    {"argmax.threads", offsetof(mc_plan_tunables, argmax_threads), 32, 1024, 32},
    {"matvec.rows", offsetof(mc_plan_tunables, matvec_rows), 1, MC_MATVEC_MAX_ROWS, 1},
    {"matvec.simdgroups", offsetof(mc_plan_tunables, matvec_simdgroups), 1, 32, 1},
    {"matmul.min_rows", offsetof(mc_plan_tunables, matmul_min_rows), 1, INT32_MAX, 1},
    {"attention.simdgroups", offsetof(mc_plan_tunables, attention_simdgroups), 1, 32, 1},
    {"attention.block", offsetof(mc_plan_tunables, attention_block), 1, INT32_MAX, 1},
    {"elementwise.threads", offsetof(mc_plan_tunables, elementwise_threads), 32, 1024, 32},
};

mc_status mc_plan_set_tunable(mc_plan_tunables *tunables, const char *name, int32_t value) {
    for (size_t i = 0; i < sizeof tunables_table / sizeof tunables_table[0]; ++i) {
        const tunable_info *info = &tunables_table[i];
        if (strcmp(info->name, name) != 0)
            continue;
        if (value < info->min || value > info->max || value % info->multiple != 0) {
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                                "mc_context_set_tunable: %s = %d, expected %d..%d in steps of %d",
                                name, (int)value, (int)info->min, (int)info->max,
                                (int)info->multiple);
        }
        *(int32_t *)((char *)tunables + info->offset) = value;
        return MC_OK;
    }
    return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                        "mc_context_set_tunable: the Metal backend has no tunable '%s'", name);
}

/* ---- building dispatches ---------------------------------------------------------------- */

static mc_plan_dispatch *begin(mc_plan_dispatch *d, const char *kernel, const void *args,
                               uint32_t args_size) {
    memset(d, 0, sizeof *d);
    d->kernel = kernel;
    d->threadgroups[0] = d->threadgroups[1] = d->threadgroups[2] = 1;
    d->threads[0] = d->threads[1] = d->threads[2] = 1;
    memcpy(d->args, args, args_size);
    d->args_size = args_size;
    d->buffers[0].kind = MC_PLAN_BIND_ARGS;
    d->buffer_count = 1;
    return d;
}

static void set_buffer(mc_plan_dispatch *d, int32_t index, mc_plan_binding binding) {
    d->buffers[index] = binding;
    if (index + 1 > d->buffer_count)
        d->buffer_count = index + 1;
}

static void bind_tensor(mc_plan_dispatch *d, int32_t index, const mc_op_desc *op, int32_t slot,
                        int32_t access) {
    const mc_tensor *t = &op->t[slot];
    mc_plan_binding b = {MC_PLAN_BIND_TENSOR, slot, access, 0, (uint64_t)t->rows * t->row_stride};
    set_buffer(d, index, b);
}

/* An optional tensor, or `fallback` as a placeholder the kernel never reads (Metal's validation
 * wants every buffer argument bound). */
static void bind_optional(mc_plan_dispatch *d, int32_t index, const mc_op_desc *op, int32_t slot,
                          int32_t fallback, int32_t access) {
    if (op->t[slot].buffer != NULL) {
        bind_tensor(d, index, op, slot, access);
    } else {
        bind_tensor(d, index, op, fallback, 0);
    }
}

static void bind_special(mc_plan_dispatch *d, int32_t index, int32_t kind, uint64_t offset,
                         uint64_t size, int32_t access) {
    mc_plan_binding b = {kind, 0, access, offset, size};
    set_buffer(d, index, b);
}

static void add_constant(mc_plan_dispatch *d, int32_t index, int32_t is_bool, int32_t value) {
    mc_plan_constant c = {index, is_bool, value};
    d->constants[d->constant_count++] = c;
}

static void set_grid(mc_plan_dispatch *d, uint32_t gx, uint32_t gy, uint32_t gz, uint32_t threads) {
    d->threadgroups[0] = gx;
    d->threadgroups[1] = gy;
    d->threadgroups[2] = gz;
    d->threads[0] = threads;
}

static uint32_t ceil_div(uint64_t a, uint64_t b) {
    return (uint32_t)((a + b - 1) / b);
}

/* Threads for a one-threadgroup-per-row reduction: the tunable, but no more than the row needs. */
static uint32_t row_threads(int32_t cols, int32_t tunable) {
    uint32_t needed = ceil_div((uint64_t)cols, 32) * 32;
    return needed < (uint32_t)tunable ? needed : (uint32_t)tunable;
}

static int32_t floats(uint64_t bytes) {
    return (int32_t)(bytes / sizeof(float));
}

static int weight_type_supported(int32_t dtype) {
    return dtype == MC_DTYPE_F32 || dtype == MC_DTYPE_F16 || dtype == MC_DTYPE_BF16 ||
           dtype == MC_DTYPE_Q8_0 || dtype == MC_DTYPE_Q4_0;
}

static mc_status unsupported_weights(const char *op, int32_t dtype) {
    return mc_set_error(MC_ERROR_UNSUPPORTED,
                        "%s: the Metal backend has no kernel for weights of dtype %d (it takes "
                        "f32, f16, bf16, q8_0 and q4_0)",
                        op, (int)dtype);
}

/* Every stride and count the kernels take must fit their int32 arguments. */
static int fits_int32(const mc_op_desc *op) {
    for (int i = 0; i < MC_OP_MAX_TENSORS; ++i) {
        if (op->t[i].buffer != NULL && op->t[i].row_stride > (uint64_t)INT32_MAX)
            return 0;
    }
    return 1;
}

/* ---- per op ----------------------------------------------------------------------------- */

static mc_status plan_embedding(const mc_op_desc *op, const mc_plan_tunables *tun,
                                mc_plan_dispatch *d) {
    const mc_tensor *table = &op->t[0], *tokens = &op->t[1], *out = &op->t[2];
    if (!weight_type_supported(table->dtype))
        return unsupported_weights("mc_op_embedding", table->dtype);
    mc_embedding_args a = {tokens->rows,
                           table->cols,
                           table->rows,
                           (int32_t)table->row_stride,
                           (int32_t)tokens->row_stride,
                           floats(out->row_stride)};
    begin(d, "mc_embedding", &a, sizeof a);
    add_constant(d, MC_FC_EMBEDDING_TYPE, 0, table->dtype);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ);
    bind_tensor(d, 2, op, 1, MC_PLAN_READ);
    bind_tensor(d, 3, op, 2, MC_PLAN_WRITE);
    bind_special(d, 4, MC_PLAN_BIND_STATUS, 0, MC_STATUS_WORDS * 4, MC_PLAN_WRITE);
    uint64_t threads = (uint64_t)tokens->rows * ceil_div((uint64_t)table->cols, 8);
    set_grid(d, ceil_div(threads, (uint64_t)tun->elementwise_threads), 1, 1,
             (uint32_t)tun->elementwise_threads);
    return MC_OK;
}

static mc_status plan_rms_norm(const mc_op_desc *op, const mc_plan_tunables *tun,
                               mc_plan_dispatch *d) {
    const mc_tensor *x = &op->t[0], *out = &op->t[2];
    mc_rms_norm_args a = {x->rows, x->cols, floats(x->row_stride), floats(out->row_stride),
                          op->f[0]};
    begin(d, "mc_rms_norm", &a, sizeof a);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ);
    bind_tensor(d, 2, op, 1, MC_PLAN_READ);
    bind_tensor(d, 3, op, 2, MC_PLAN_WRITE);
    set_grid(d, (uint32_t)x->rows, 1, 1, row_threads(x->cols, tun->rms_norm_threads));
    d->threadgroup_memory = 32 * sizeof(float);
    return MC_OK;
}

static mc_status plan_argmax(const mc_op_desc *op, const mc_plan_tunables *tun,
                             mc_plan_dispatch *d) {
    const mc_tensor *x = &op->t[0], *out = &op->t[1];
    mc_argmax_args a = {x->rows, x->cols, floats(x->row_stride), (int32_t)(out->row_stride / 4)};
    begin(d, "mc_argmax", &a, sizeof a);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ);
    bind_tensor(d, 2, op, 1, MC_PLAN_WRITE);
    set_grid(d, (uint32_t)x->rows, 1, 1, row_threads(x->cols, tun->argmax_threads));
    d->threadgroup_memory = 64 * sizeof(float); /* 32 values + 32 indices */
    return MC_OK;
}

/* Threadgroups along x for n output rows of the matvec kernels. */
static uint32_t matvec_groups(int32_t n, const mc_plan_tunables *tun) {
    return ceil_div((uint64_t)n, (uint64_t)tun->matvec_rows * tun->matvec_simdgroups);
}

/* One mc_matmul dispatch: out slot `out` = x · (w slot)ᵀ [, gate/up with w2] [+ residual]. */
static void plan_matmul_tiles(const mc_op_desc *op, int32_t w, int32_t w2, int32_t residual,
                              int32_t out, mc_plan_dispatch *d) {
    const mc_tensor *x = &op->t[0], *wt = &op->t[w], *o = &op->t[out];
    int gate_up = w2 >= 0, has_residual = residual >= 0 && op->t[residual].buffer != NULL;
    mc_matmul_args a = {x->rows,
                        wt->rows,
                        x->cols,
                        floats(x->row_stride),
                        (int32_t)wt->row_stride,
                        gate_up ? (int32_t)op->t[w2].row_stride : 0,
                        floats(o->row_stride),
                        has_residual ? floats(op->t[residual].row_stride) : 0};
    begin(d, "mc_matmul", &a, sizeof a);
    add_constant(d, MC_FC_MATMUL_WTYPE, 0, wt->dtype);
    add_constant(d, MC_FC_MATMUL_RESIDUAL, 1, has_residual);
    add_constant(d, MC_FC_MATMUL_GATE_UP, 1, gate_up);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ);
    bind_tensor(d, 2, op, w, MC_PLAN_READ);
    if (gate_up) {
        bind_tensor(d, 3, op, w2, MC_PLAN_READ);
    } else {
        bind_tensor(d, 3, op, w, 0);
    }
    if (has_residual) {
        bind_tensor(d, 4, op, residual, MC_PLAN_READ);
    } else {
        bind_tensor(d, 4, op, 0, 0);
    }
    bind_tensor(d, 5, op, out, MC_PLAN_WRITE);
    set_grid(d, ceil_div((uint64_t)wt->rows, MC_MATMUL_TILE),
             ceil_div((uint64_t)x->rows, MC_MATMUL_TILE), 1, MC_MATMUL_THREADS);
    d->threadgroup_memory = (gate_up ? 3 : 2) * MC_MATMUL_TILE * MC_MATMUL_TILE * sizeof(float);
}

static mc_status plan_matmul(const mc_op_desc *op, const mc_plan_tunables *tun,
                             mc_plan_dispatch *d) {
    const mc_tensor *x = &op->t[0], *w = &op->t[1], *out = &op->t[3];
    if (!weight_type_supported(w->dtype))
        return unsupported_weights("mc_op_matmul", w->dtype);
    if (x->rows >= tun->matmul_min_rows) {
        plan_matmul_tiles(op, 1, -1, 2, 3, d);
        return MC_OK;
    }
    int has_residual = op->t[2].buffer != NULL;
    mc_matvec_args a = {x->cols,
                        w->rows,
                        (int32_t)w->row_stride,
                        floats(x->row_stride),
                        floats(out->row_stride),
                        has_residual ? floats(op->t[2].row_stride) : 0};
    begin(d, "mc_matvec", &a, sizeof a);
    add_constant(d, MC_FC_MATVEC_WTYPE, 0, w->dtype);
    add_constant(d, MC_FC_MATVEC_ROWS, 0, tun->matvec_rows);
    add_constant(d, MC_FC_MATVEC_RESIDUAL, 1, has_residual);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ);
    bind_tensor(d, 2, op, 1, MC_PLAN_READ);
    bind_optional(d, 3, op, 2, 0, MC_PLAN_READ);
    bind_tensor(d, 4, op, 3, MC_PLAN_WRITE);
    set_grid(d, matvec_groups(w->rows, tun), (uint32_t)x->rows, 1,
             32u * (uint32_t)tun->matvec_simdgroups);
    return MC_OK;
}

static mc_status plan_qkv(const mc_op_desc *op, const mc_plan_tunables *tun, mc_plan_dispatch *d,
                          int32_t *count) {
    const mc_tensor *x = &op->t[0], *wq = &op->t[1], *wk = &op->t[2], *wv = &op->t[3];
    if (!weight_type_supported(wq->dtype))
        return unsupported_weights("mc_op_matmul_qkv", wq->dtype);
    if (x->rows >= tun->matmul_min_rows) {
        for (int32_t i = 0; i < 3; ++i)
            plan_matmul_tiles(op, 1 + i, -1, -1, 4 + i, &d[i]);
        *count = 3;
        return MC_OK;
    }
    uint32_t tg_q = matvec_groups(wq->rows, tun), tg_kv = matvec_groups(wk->rows, tun);
    mc_matvec_qkv_args a = {x->cols,
                            wq->rows,
                            wk->rows,
                            (int32_t)tg_q,
                            (int32_t)tg_kv,
                            (int32_t)wq->row_stride,
                            (int32_t)wk->row_stride,
                            (int32_t)wv->row_stride,
                            floats(x->row_stride),
                            floats(op->t[4].row_stride),
                            floats(op->t[5].row_stride),
                            floats(op->t[6].row_stride)};
    begin(d, "mc_matvec_qkv", &a, sizeof a);
    add_constant(d, MC_FC_QKV_WTYPE, 0, wq->dtype);
    add_constant(d, MC_FC_QKV_ROWS, 0, tun->matvec_rows);
    for (int32_t slot = 0; slot < 4; ++slot)
        bind_tensor(d, 1 + slot, op, slot, MC_PLAN_READ);
    for (int32_t slot = 4; slot < 7; ++slot)
        bind_tensor(d, 1 + slot, op, slot, MC_PLAN_WRITE);
    set_grid(d, tg_q + 2 * tg_kv, (uint32_t)x->rows, 1, 32u * (uint32_t)tun->matvec_simdgroups);
    *count = 1;
    return MC_OK;
}

static mc_status plan_gate_up(const mc_op_desc *op, const mc_plan_tunables *tun,
                              mc_plan_dispatch *d) {
    const mc_tensor *x = &op->t[0], *gate = &op->t[1], *up = &op->t[2], *out = &op->t[3];
    if (!weight_type_supported(gate->dtype)) {
        return unsupported_weights("mc_op_matmul_gate_up_silu", gate->dtype);
    }
    if (x->rows >= tun->matmul_min_rows) {
        plan_matmul_tiles(op, 1, 2, -1, 3, d);
        return MC_OK;
    }
    mc_matvec_gate_up_args a = {x->cols,
                                gate->rows,
                                (int32_t)gate->row_stride,
                                (int32_t)up->row_stride,
                                floats(x->row_stride),
                                floats(out->row_stride)};
    begin(d, "mc_matvec_gate_up", &a, sizeof a);
    add_constant(d, MC_FC_GATE_UP_WTYPE, 0, gate->dtype);
    add_constant(d, MC_FC_GATE_UP_ROWS, 0, tun->matvec_rows);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ);
    bind_tensor(d, 2, op, 1, MC_PLAN_READ);
    bind_tensor(d, 3, op, 2, MC_PLAN_READ);
    bind_tensor(d, 4, op, 3, MC_PLAN_WRITE);
    set_grid(d, matvec_groups(gate->rows, tun), (uint32_t)x->rows, 1,
             32u * (uint32_t)tun->matvec_simdgroups);
    return MC_OK;
}

static mc_status plan_rope(const mc_op_desc *op, const mc_plan_tunables *tun, mc_plan_dispatch *d) {
    const mc_tensor *x = &op->t[0];
    int has_ff = op->t[2].buffer != NULL;
    mc_rope_args a = {
        x->rows, op->i[0], op->i[1], op->i[2], floats(x->row_stride), op->i[3] == MC_ROPE_NEOX,
        has_ff,  op->f[0]};
    begin(d, "mc_rope", &a, sizeof a);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ | MC_PLAN_WRITE);
    bind_tensor(d, 2, op, 1, MC_PLAN_READ);
    bind_optional(d, 3, op, 2, 1, MC_PLAN_READ);
    uint64_t threads = (uint64_t)x->rows * op->i[0] * (op->i[2] / 2);
    set_grid(d, ceil_div(threads, (uint64_t)tun->elementwise_threads), 1, 1,
             (uint32_t)tun->elementwise_threads);
    return MC_OK;
}

static int cache_type_supported(int32_t dtype) {
    return dtype == MC_DTYPE_F32 || dtype == MC_DTYPE_F16 || dtype == MC_DTYPE_BF16;
}

static mc_status plan_kv_append(const mc_op_desc *op, const mc_plan_tunables *tun,
                                mc_plan_dispatch *d) {
    const mc_tensor *k = &op->t[0], *v = &op->t[1], *kc = &op->t[2], *vc = &op->t[3];
    if (!cache_type_supported(kc->dtype)) {
        return mc_set_error(MC_ERROR_UNSUPPORTED, "mc_op_kv_append: cache dtype %d",
                            (int)kc->dtype);
    }
    mc_kv_append_args a = {k->rows,
                           k->cols,
                           floats(k->row_stride),
                           floats(v->row_stride),
                           (int32_t)kc->row_stride,
                           (int32_t)vc->row_stride,
                           kc->rows,
                           op->i[0],
                           op->t[5].buffer != NULL};
    begin(d, "mc_kv_append", &a, sizeof a);
    add_constant(d, MC_FC_KV_APPEND_TYPE, 0, kc->dtype);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ);
    bind_tensor(d, 2, op, 1, MC_PLAN_READ);
    bind_tensor(d, 3, op, 2, MC_PLAN_WRITE);
    bind_tensor(d, 4, op, 3, MC_PLAN_WRITE);
    bind_tensor(d, 5, op, 4, MC_PLAN_READ);
    bind_optional(d, 6, op, 5, 4, MC_PLAN_READ);
    bind_special(d, 7, MC_PLAN_BIND_STATUS, 0, MC_STATUS_WORDS * 4, MC_PLAN_WRITE);
    uint64_t threads = (uint64_t)k->rows * k->cols;
    set_grid(d, ceil_div(threads, (uint64_t)tun->elementwise_threads), 1, 1,
             (uint32_t)tun->elementwise_threads);
    return MC_OK;
}

static mc_status plan_attention(const mc_op_desc *op, const mc_plan_tunables *tun,
                                mc_plan_dispatch *d, int32_t *count, uint64_t *scratch) {
    const mc_tensor *q = &op->t[0], *kc = &op->t[1], *vc = &op->t[2], *out = &op->t[5];
    int32_t capacity = op->i[0], heads = op->i[1], head_dim = op->i[3];
    if (!cache_type_supported(kc->dtype) || head_dim > MC_ATTENTION_MAX_DIM) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "mc_op_attention: cache dtype %d, head_dim %d: the Metal kernel takes "
                            "f32/f16/bf16 caches and head_dim <= %d",
                            (int)kc->dtype, (int)head_dim, MC_ATTENTION_MAX_DIM);
    }
    int split = capacity > tun->attention_block;
    int32_t block = split ? tun->attention_block : capacity;
    int32_t blocks = (int32_t)ceil_div((uint64_t)capacity, (uint64_t)block);
    mc_attention_args a = {q->rows,
                           heads,
                           op->i[2],
                           head_dim,
                           floats(q->row_stride),
                           floats(out->row_stride),
                           (int32_t)kc->row_stride,
                           (int32_t)vc->row_stride,
                           capacity,
                           op->t[4].buffer != NULL,
                           block,
                           blocks,
                           op->f[0]};
    uint64_t partial_bytes = (uint64_t)q->rows * heads * blocks * (head_dim + 2) * sizeof(float);
    begin(d, "mc_attention", &a, sizeof a);
    add_constant(d, MC_FC_ATTENTION_TYPE, 0, kc->dtype);
    add_constant(d, MC_FC_ATTENTION_SPLIT, 1, split);
    bind_tensor(d, 1, op, 0, MC_PLAN_READ);
    bind_tensor(d, 2, op, 1, MC_PLAN_READ);
    bind_tensor(d, 3, op, 2, MC_PLAN_READ);
    bind_tensor(d, 4, op, 3, MC_PLAN_READ);
    bind_optional(d, 5, op, 4, 3, MC_PLAN_READ);
    if (split) {
        bind_special(d, 6, MC_PLAN_BIND_SCRATCH, 0, partial_bytes, MC_PLAN_WRITE);
    } else {
        bind_tensor(d, 6, op, 5, MC_PLAN_WRITE);
    }
    uint32_t simdgroups = (uint32_t)tun->attention_simdgroups;
    set_grid(d, (uint32_t)heads, (uint32_t)q->rows, (uint32_t)blocks, 32u * simdgroups);
    /* max[32], sum[32], acc[simdgroups][head_dim] */
    d->threadgroup_memory = ceil_div((64 + simdgroups * head_dim) * sizeof(float), 16) * 16;
    *count = 1;
    *scratch = 0;
    if (!split)
        return MC_OK;

    mc_plan_dispatch *r = begin(&d[1], "mc_attention_reduce", &a, sizeof a);
    bind_special(r, 1, MC_PLAN_BIND_SCRATCH, 0, partial_bytes, MC_PLAN_READ);
    bind_tensor(r, 2, op, 5, MC_PLAN_WRITE);
    set_grid(r, (uint32_t)heads, (uint32_t)q->rows, 1, row_threads(head_dim, 256));
    *count = 2;
    *scratch = partial_bytes;
    return MC_OK;
}

mc_status mc_plan_op(const mc_op_desc *op, const mc_plan_tunables *tunables,
                     mc_plan_dispatch dispatches[MC_PLAN_MAX_DISPATCHES], int32_t *count,
                     uint64_t *scratch_bytes) {
    *count = 1;
    *scratch_bytes = 0;
    if (!fits_int32(op)) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "Metal: a row stride of op %d exceeds the kernels' 32-bit arguments",
                            (int)op->kind);
    }
    switch (op->kind) {
    case MC_OPK_EMBEDDING: return plan_embedding(op, tunables, dispatches);
    case MC_OPK_RMS_NORM: return plan_rms_norm(op, tunables, dispatches);
    case MC_OPK_MATMUL: return plan_matmul(op, tunables, dispatches);
    case MC_OPK_MATMUL_QKV: return plan_qkv(op, tunables, dispatches, count);
    case MC_OPK_GATE_UP_SILU: return plan_gate_up(op, tunables, dispatches);
    case MC_OPK_ROPE: return plan_rope(op, tunables, dispatches);
    case MC_OPK_KV_APPEND: return plan_kv_append(op, tunables, dispatches);
    case MC_OPK_ATTENTION: return plan_attention(op, tunables, dispatches, count, scratch_bytes);
    case MC_OPK_ARGMAX: return plan_argmax(op, tunables, dispatches);
    default: return mc_set_error(MC_ERROR_INTERNAL, "Metal: unknown op kind %d", (int)op->kind);
    }
}
