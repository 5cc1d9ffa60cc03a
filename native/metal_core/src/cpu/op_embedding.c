/* op_embedding.c — out[t] = table[tokens[t]] converted to f32 (any table dtype). */
#include "cpu_backend.h"

static void dequantize_row(const uint8_t *row, int32_t dtype, int32_t cols, float *out) {
    if (!mc_dtype_is_quantized(dtype)) {
        mc_scalar_load_row(out, row, dtype, cols);
        return;
    }
    int bytes = mc_quant_block_bytes(dtype);
    for (int32_t b = 0; b < cols / MC_QK; b++) {
        int8_t q[MC_QK];
        float d, m;
        mc_quant_decode_block(dtype, row + (size_t)b * (size_t)bytes, q, &d, &m);
        for (int e = 0; e < MC_QK; e++) {
            out[b * MC_QK + e] = d * (float)q[e] + m;
        }
    }
}

void mc_cpu_op_embedding(mc_cpu_exec *exec, const mc_op_desc *op) {
    const mc_tensor *table = &op->t[0], *tokens = &op->t[1], *out = &op->t[2];
    for (int64_t t; (t = mc_cpu_next_item(exec, tokens->rows)) >= 0;) {
        int32_t token = mc_cpu_i32(tokens, t);
        float *result = (float *)mc_cpu_row(out, t);
        if (token < 0 || token >= table->rows) {
            memset(result, 0, (size_t)out->cols * sizeof(float));
            mc_log(MC_LOG_WARNING,
                   "mc_op_embedding: token id %d at row %lld is outside the vocabulary of %d; "
                   "its embedding is zero",
                   (int)token, (long long)t, (int)table->rows);
            continue;
        }
        dequantize_row(mc_cpu_row(table, token), table->dtype, table->cols, result);
    }
}
