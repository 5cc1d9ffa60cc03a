/* ops.c — the public op entry points: validate every argument once, here, for all backends,
 * then hand a resolved descriptor to the backend (or to the graph being recorded). */
#include "common.h"

#include <math.h>
#include <string.h>

#define DTYPE_BIT(d) (1u << (d))
#define FLOAT_ONLY DTYPE_BIT(MC_DTYPE_F32)
#define INT_ONLY DTYPE_BIT(MC_DTYPE_I32)
#define CACHE_DTYPES (DTYPE_BIT(MC_DTYPE_F32) | DTYPE_BIT(MC_DTYPE_F16) | DTYPE_BIT(MC_DTYPE_BF16))
#define WEIGHT_DTYPES                                                                              \
    (CACHE_DTYPES | DTYPE_BIT(MC_DTYPE_Q8_0) | DTYPE_BIT(MC_DTYPE_Q4_0) |                          \
     DTYPE_BIT(MC_DTYPE_Q4_1) | DTYPE_BIT(MC_DTYPE_Q5_0) | DTYPE_BIT(MC_DTYPE_Q5_1))

/* What an op's validation needs to name in its messages. */
typedef struct op_check {
    const char *function;
    mc_context *context;
} op_check;

typedef enum access { READ_ONLY = 0, WRITTEN = 1 } access;

/* Checks one tensor argument and stores it, with its row stride resolved, in *resolved. */
static mc_status check_tensor(const op_check *check, const char *name, const mc_tensor *tensor,
                              uint32_t allowed_dtypes, access mode, mc_tensor *resolved) {
    if (tensor == NULL || tensor->buffer == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: %s is NULL", check->function, name);
    }
    if (tensor->buffer->context != check->context) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: %s belongs to another context",
                            check->function, name);
    }
    mc_dtype_layout layout;
    if (tensor->dtype < 0 || tensor->dtype > 31 || !mc_dtype_info(tensor->dtype, &layout)) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: %s has unknown dtype %d",
                            check->function, name, (int)tensor->dtype);
    }
    if ((allowed_dtypes & DTYPE_BIT(tensor->dtype)) == 0) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "%s: %s has dtype %s, which this op does not take", check->function,
                            name, layout.name);
    }
    if (tensor->rows <= 0 || tensor->cols <= 0 || tensor->reserved != 0) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "%s: %s is %d x %d (reserved %d): expected positive rows and columns "
                            "and reserved = 0",
                            check->function, name, (int)tensor->rows, (int)tensor->cols,
                            (int)tensor->reserved);
    }
    if (tensor->cols % layout.block_elements != 0) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT, "%s: %s has %d columns of %s: expected a multiple of %d",
            check->function, name, (int)tensor->cols, layout.name, (int)layout.block_elements);
    }
    uint64_t row_bytes = (uint64_t)(tensor->cols / layout.block_elements) * layout.block_bytes;
    uint64_t stride = tensor->row_stride == 0 ? row_bytes : tensor->row_stride;
    if (stride < row_bytes) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT,
            "%s: %s has a row stride of %llu bytes, less than its row of %llu bytes",
            check->function, name, (unsigned long long)stride, (unsigned long long)row_bytes);
    }
    uint64_t size = tensor->buffer->size;
    uint64_t last_row = (uint64_t)(tensor->rows - 1);
    /* Overflow-safe form of offset + last_row * stride + row_bytes <= size. */
    if (tensor->offset > size || row_bytes > size - tensor->offset ||
        (last_row > 0 && stride > (size - tensor->offset - row_bytes) / last_row)) {
        return mc_set_error(
            MC_ERROR_OUT_OF_RANGE,
            "%s: %s (%d x %d %s at offset %llu, stride %llu) extends past the end of "
            "its buffer of %llu bytes",
            check->function, name, (int)tensor->rows, (int)tensor->cols, layout.name,
            (unsigned long long)tensor->offset, (unsigned long long)stride,
            (unsigned long long)size);
    }
    if (mode == WRITTEN && tensor->buffer->wrapped) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT,
            "%s: %s is written by the op but its buffer wraps read-only host memory",
            check->function, name);
    }
    if (mode == WRITTEN) {
        /* Set before the op's other checks pass: where one fails, the mark only makes later
         * readers of the buffer wait for their predecessors (mc_cuda_serial_launches). */
        tensor->buffer->op_written = 1;
    }
    *resolved = *tensor;
    resolved->row_stride = stride;
    return MC_OK;
}

/* Like check_tensor, for arguments that may be NULL (left zeroed in the descriptor). */
static mc_status check_optional(const op_check *check, const char *name, const mc_tensor *tensor,
                                uint32_t allowed_dtypes, access mode, mc_tensor *resolved) {
    if (tensor == NULL) {
        memset(resolved, 0, sizeof *resolved);
        return MC_OK;
    }
    return check_tensor(check, name, tensor, allowed_dtypes, mode, resolved);
}

static mc_status check_shape(const op_check *check, const char *name, const mc_tensor *tensor,
                             int32_t rows, int32_t cols) {
    if (tensor->rows != rows || tensor->cols != cols) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: %s is %d x %d, expected %d x %d",
                            check->function, name, (int)tensor->rows, (int)tensor->cols, (int)rows,
                            (int)cols);
    }
    return MC_OK;
}

static mc_status begin(op_check *check, const char *function, mc_context *context, mc_op_desc *op,
                       mc_op_kind kind) {
    mc_clear_error();
    check->function = function;
    check->context = context;
    memset(op, 0, sizeof *op);
    op->kind = kind;
    if (context == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: context is NULL", function);
    }
    return MC_OK;
}

mc_status mc_op_embedding(mc_context *context, const mc_tensor *table, const mc_tensor *tokens,
                          const mc_tensor *out) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_embedding", context, &op, MC_OPK_EMBEDDING));
    MC_TRY(check_tensor(&c, "table", table, WEIGHT_DTYPES, READ_ONLY, &op.t[0]));
    MC_TRY(check_tensor(&c, "tokens", tokens, INT_ONLY, READ_ONLY, &op.t[1]));
    MC_TRY(check_tensor(&c, "out", out, FLOAT_ONLY, WRITTEN, &op.t[2]));
    MC_TRY(check_shape(&c, "tokens", &op.t[1], op.t[2].rows, 1));
    MC_TRY(check_shape(&c, "out", &op.t[2], op.t[1].rows, op.t[0].cols));
    return mc_context_submit(context, &op);
}

mc_status mc_op_rms_norm(mc_context *context, const mc_tensor *x, const mc_tensor *weight,
                         float eps, const mc_tensor *out) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_rms_norm", context, &op, MC_OPK_RMS_NORM));
    MC_TRY(check_tensor(&c, "x", x, FLOAT_ONLY, READ_ONLY, &op.t[0]));
    MC_TRY(check_tensor(&c, "weight", weight, FLOAT_ONLY, READ_ONLY, &op.t[1]));
    MC_TRY(check_tensor(&c, "out", out, FLOAT_ONLY, WRITTEN, &op.t[2]));
    MC_TRY(check_shape(&c, "weight", &op.t[1], 1, op.t[0].cols));
    MC_TRY(check_shape(&c, "out", &op.t[2], op.t[0].rows, op.t[0].cols));
    if (!(eps >= 0.0f) || !isfinite(eps)) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "mc_op_rms_norm: eps is %g, expected a finite "
                            "value >= 0",
                            (double)eps);
    }
    op.f[0] = eps;
    return mc_context_submit(context, &op);
}

/* The checks shared by the three matmul forms: x [rows x K], a weight [N x K]. */
static mc_status check_weight(const op_check *c, const char *name, const mc_tensor *w,
                              const mc_tensor *x, mc_tensor *resolved) {
    MC_TRY(check_tensor(c, name, w, WEIGHT_DTYPES, READ_ONLY, resolved));
    if (resolved->cols != x->cols) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "%s: %s has %d columns but x has %d: expected the same inner dimension",
                            c->function, name, (int)resolved->cols, (int)x->cols);
    }
    return MC_OK;
}

static mc_status check_same_dtype(const op_check *c, const char *name, const mc_tensor *a,
                                  const mc_tensor *b) {
    if (a->dtype != b->dtype) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "%s: %s has dtype %s, expected %s like the "
                            "other weights",
                            c->function, name, mc_dtype_name(b->dtype), mc_dtype_name(a->dtype));
    }
    return MC_OK;
}

mc_status mc_op_matmul(mc_context *context, const mc_tensor *x, const mc_tensor *w,
                       const mc_tensor *residual, const mc_tensor *out) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_matmul", context, &op, MC_OPK_MATMUL));
    MC_TRY(check_tensor(&c, "x", x, FLOAT_ONLY, READ_ONLY, &op.t[0]));
    MC_TRY(check_weight(&c, "w", w, &op.t[0], &op.t[1]));
    MC_TRY(check_tensor(&c, "out", out, FLOAT_ONLY, WRITTEN, &op.t[3]));
    MC_TRY(check_shape(&c, "out", &op.t[3], op.t[0].rows, op.t[1].rows));
    MC_TRY(check_optional(&c, "residual", residual, FLOAT_ONLY, READ_ONLY, &op.t[2]));
    if (residual != NULL) {
        MC_TRY(check_shape(&c, "residual", &op.t[2], op.t[0].rows, op.t[1].rows));
    }
    return mc_context_submit(context, &op);
}

mc_status mc_op_matmul_qkv(mc_context *context, const mc_tensor *x, const mc_tensor *wq,
                           const mc_tensor *wk, const mc_tensor *wv, const mc_tensor *q,
                           const mc_tensor *k, const mc_tensor *v) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_matmul_qkv", context, &op, MC_OPK_MATMUL_QKV));
    MC_TRY(check_tensor(&c, "x", x, FLOAT_ONLY, READ_ONLY, &op.t[0]));
    MC_TRY(check_weight(&c, "wq", wq, &op.t[0], &op.t[1]));
    MC_TRY(check_weight(&c, "wk", wk, &op.t[0], &op.t[2]));
    MC_TRY(check_weight(&c, "wv", wv, &op.t[0], &op.t[3]));
    MC_TRY(check_same_dtype(&c, "wk", &op.t[1], &op.t[2]));
    MC_TRY(check_same_dtype(&c, "wv", &op.t[1], &op.t[3]));
    MC_TRY(check_shape(&c, "wv", &op.t[3], op.t[2].rows, op.t[0].cols));
    MC_TRY(check_tensor(&c, "q", q, FLOAT_ONLY, WRITTEN, &op.t[4]));
    MC_TRY(check_tensor(&c, "k", k, FLOAT_ONLY, WRITTEN, &op.t[5]));
    MC_TRY(check_tensor(&c, "v", v, FLOAT_ONLY, WRITTEN, &op.t[6]));
    MC_TRY(check_shape(&c, "q", &op.t[4], op.t[0].rows, op.t[1].rows));
    MC_TRY(check_shape(&c, "k", &op.t[5], op.t[0].rows, op.t[2].rows));
    MC_TRY(check_shape(&c, "v", &op.t[6], op.t[0].rows, op.t[3].rows));
    return mc_context_submit(context, &op);
}

mc_status mc_op_matmul_gate_up_silu(mc_context *context, const mc_tensor *x,
                                    const mc_tensor *w_gate, const mc_tensor *w_up,
                                    const mc_tensor *out) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_matmul_gate_up_silu", context, &op, MC_OPK_GATE_UP_SILU));
    MC_TRY(check_tensor(&c, "x", x, FLOAT_ONLY, READ_ONLY, &op.t[0]));
    MC_TRY(check_weight(&c, "w_gate", w_gate, &op.t[0], &op.t[1]));
    MC_TRY(check_weight(&c, "w_up", w_up, &op.t[0], &op.t[2]));
    MC_TRY(check_same_dtype(&c, "w_up", &op.t[1], &op.t[2]));
    MC_TRY(check_shape(&c, "w_up", &op.t[2], op.t[1].rows, op.t[0].cols));
    MC_TRY(check_tensor(&c, "out", out, FLOAT_ONLY, WRITTEN, &op.t[3]));
    MC_TRY(check_shape(&c, "out", &op.t[3], op.t[0].rows, op.t[1].rows));
    return mc_context_submit(context, &op);
}

/* positions (and seq_ids): one i32 per token. */
static mc_status check_token_ints(const op_check *c, const char *name, const mc_tensor *tensor,
                                  int32_t tokens, int optional, mc_tensor *resolved) {
    if (optional) {
        MC_TRY(check_optional(c, name, tensor, INT_ONLY, READ_ONLY, resolved));
        return tensor == NULL ? MC_OK : check_shape(c, name, resolved, tokens, 1);
    }
    MC_TRY(check_tensor(c, name, tensor, INT_ONLY, READ_ONLY, resolved));
    return check_shape(c, name, resolved, tokens, 1);
}

mc_status mc_op_rope(mc_context *context, const mc_tensor *x, const mc_tensor *positions,
                     int32_t heads, int32_t head_dim, int32_t rope_dims, float base,
                     const mc_tensor *freq_factors, int32_t mode) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_rope", context, &op, MC_OPK_ROPE));
    MC_TRY(check_tensor(&c, "x", x, FLOAT_ONLY, WRITTEN, &op.t[0]));
    if (heads <= 0 || head_dim <= 0 || rope_dims <= 0 || rope_dims > head_dim ||
        rope_dims % 2 != 0) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "mc_op_rope: heads %d, head_dim %d, rope_dims %d: expected positive "
                            "values with an even rope_dims <= head_dim",
                            (int)heads, (int)head_dim, (int)rope_dims);
    }
    if ((int64_t)heads * head_dim != op.t[0].cols) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "mc_op_rope: x has %d columns, expected heads * head_dim = %d * %d",
                            (int)op.t[0].cols, (int)heads, (int)head_dim);
    }
    if (mode != MC_ROPE_NORMAL && mode != MC_ROPE_NEOX) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "mc_op_rope: mode %d, expected MC_ROPE_NORMAL (0) or MC_ROPE_NEOX (2)",
                            (int)mode);
    }
    if (!(base > 0.0f) || !isfinite(base)) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_op_rope: base is %g, expected > 0",
                            (double)base);
    }
    MC_TRY(check_token_ints(&c, "positions", positions, op.t[0].rows, 0, &op.t[1]));
    MC_TRY(check_optional(&c, "freq_factors", freq_factors, FLOAT_ONLY, READ_ONLY, &op.t[2]));
    if (freq_factors != NULL) {
        MC_TRY(check_shape(&c, "freq_factors", &op.t[2], 1, rope_dims / 2));
    }
    op.i[0] = heads;
    op.i[1] = head_dim;
    op.i[2] = rope_dims;
    op.i[3] = mode;
    op.f[0] = base;
    return mc_context_submit(context, &op);
}

/* A cache holds whole sequences of seq_capacity rows. */
static mc_status check_cache(const op_check *c, const char *name, const mc_tensor *cache,
                             int32_t width, int32_t seq_capacity, access mode,
                             mc_tensor *resolved) {
    MC_TRY(check_tensor(c, name, cache, CACHE_DTYPES, mode, resolved));
    if (resolved->cols != width) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "%s: %s has %d columns, expected %d",
                            c->function, name, (int)resolved->cols, (int)width);
    }
    if (seq_capacity <= 0 || resolved->rows % seq_capacity != 0) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "%s: %s has %d rows, expected a positive multiple of seq_capacity %d",
                            c->function, name, (int)resolved->rows, (int)seq_capacity);
    }
    return MC_OK;
}

mc_status mc_op_kv_append(mc_context *context, const mc_tensor *k, const mc_tensor *v,
                          const mc_tensor *k_cache, const mc_tensor *v_cache,
                          const mc_tensor *positions, const mc_tensor *seq_ids,
                          int32_t seq_capacity) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_kv_append", context, &op, MC_OPK_KV_APPEND));
    MC_TRY(check_tensor(&c, "k", k, FLOAT_ONLY, READ_ONLY, &op.t[0]));
    MC_TRY(check_tensor(&c, "v", v, FLOAT_ONLY, READ_ONLY, &op.t[1]));
    MC_TRY(check_shape(&c, "v", &op.t[1], op.t[0].rows, op.t[0].cols));
    MC_TRY(check_cache(&c, "k_cache", k_cache, op.t[0].cols, seq_capacity, WRITTEN, &op.t[2]));
    MC_TRY(check_cache(&c, "v_cache", v_cache, op.t[0].cols, seq_capacity, WRITTEN, &op.t[3]));
    MC_TRY(check_same_dtype(&c, "v_cache", &op.t[2], &op.t[3]));
    MC_TRY(check_shape(&c, "v_cache", &op.t[3], op.t[2].rows, op.t[2].cols));
    MC_TRY(check_token_ints(&c, "positions", positions, op.t[0].rows, 0, &op.t[4]));
    MC_TRY(check_token_ints(&c, "seq_ids", seq_ids, op.t[0].rows, 1, &op.t[5]));
    op.i[0] = seq_capacity;
    return mc_context_submit(context, &op);
}

mc_status mc_op_attention(mc_context *context, const mc_tensor *q, const mc_tensor *k_cache,
                          const mc_tensor *v_cache, const mc_tensor *positions,
                          const mc_tensor *seq_ids, int32_t seq_capacity, int32_t heads,
                          int32_t kv_heads, int32_t head_dim, float scale, const mc_tensor *out) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_attention", context, &op, MC_OPK_ATTENTION));
    if (heads <= 0 || kv_heads <= 0 || head_dim <= 0 || heads % kv_heads != 0) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT,
            "mc_op_attention: heads %d, kv_heads %d, head_dim %d: expected positive "
            "values with heads a multiple of kv_heads",
            (int)heads, (int)kv_heads, (int)head_dim);
    }
    if (!isfinite(scale)) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_op_attention: scale is not finite");
    }
    MC_TRY(check_tensor(&c, "q", q, FLOAT_ONLY, READ_ONLY, &op.t[0]));
    if ((int64_t)heads * head_dim != op.t[0].cols) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT,
            "mc_op_attention: q has %d columns, expected heads * head_dim = %d * %d",
            (int)op.t[0].cols, (int)heads, (int)head_dim);
    }
    MC_TRY(check_cache(&c, "k_cache", k_cache, kv_heads * head_dim, seq_capacity, READ_ONLY,
                       &op.t[1]));
    MC_TRY(check_cache(&c, "v_cache", v_cache, kv_heads * head_dim, seq_capacity, READ_ONLY,
                       &op.t[2]));
    MC_TRY(check_same_dtype(&c, "v_cache", &op.t[1], &op.t[2]));
    MC_TRY(check_shape(&c, "v_cache", &op.t[2], op.t[1].rows, op.t[1].cols));
    MC_TRY(check_token_ints(&c, "positions", positions, op.t[0].rows, 0, &op.t[3]));
    MC_TRY(check_token_ints(&c, "seq_ids", seq_ids, op.t[0].rows, 1, &op.t[4]));
    MC_TRY(check_tensor(&c, "out", out, FLOAT_ONLY, WRITTEN, &op.t[5]));
    MC_TRY(check_shape(&c, "out", &op.t[5], op.t[0].rows, op.t[0].cols));
    op.i[0] = seq_capacity;
    op.i[1] = heads;
    op.i[2] = kv_heads;
    op.i[3] = head_dim;
    op.f[0] = scale;
    return mc_context_submit(context, &op);
}

mc_status mc_op_argmax(mc_context *context, const mc_tensor *x, const mc_tensor *out) {
    op_check c;
    mc_op_desc op;
    MC_TRY(begin(&c, "mc_op_argmax", context, &op, MC_OPK_ARGMAX));
    MC_TRY(check_tensor(&c, "x", x, FLOAT_ONLY, READ_ONLY, &op.t[0]));
    MC_TRY(check_tensor(&c, "out", out, INT_ONLY, WRITTEN, &op.t[1]));
    MC_TRY(check_shape(&c, "out", &op.t[1], op.t[0].rows, 1));
    return mc_context_submit(context, &op);
}
