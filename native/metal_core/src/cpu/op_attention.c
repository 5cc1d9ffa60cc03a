/* op_attention.c — causal attention over the KV cache with an online softmax.
 *
 * A work item is one (token, kv head) pair: the query heads sharing that kv head (GQA/MQA)
 * are processed together so each key and value row is read once for all of them. Keys come
 * in blocks of `attention_block`: scores for the block, one rescale of the running sum per
 * head and block, then the weighted values. */
#include "cpu_backend.h"
#include "cpu_cache_rows.h"

#include <math.h>

/* Per-thread scratch: acc [group x head_dim], scores [block], max and sum [group]. */
typedef struct attention_scratch {
    float *acc, *scores, *max, *sum;
} attention_scratch;

static int32_t group_size(const mc_op_desc *op) {
    return op->i[1] / op->i[2];
}

static attention_scratch scratch_layout(uint8_t *base, const mc_op_desc *op, int block) {
    int32_t group = group_size(op), head_dim = op->i[3];
    attention_scratch s;
    s.acc = (float *)base;
    s.scores = s.acc + mc_cpu_align64((size_t)group * head_dim * sizeof(float)) / sizeof(float);
    s.max = s.scores + mc_cpu_align64((size_t)block * sizeof(float)) / sizeof(float);
    s.sum = s.max + group;
    return s;
}

mc_cpu_scratch_need mc_cpu_attention_scratch(const mc_cpu_tunables *tunables,
                                             const mc_op_desc *op) {
    size_t group = (size_t)group_size(op);
    mc_cpu_scratch_need need = {0, 0};
    need.per_thread = mc_cpu_align64(group * (size_t)op->i[3] * sizeof(float)) +
                      mc_cpu_align64((size_t)tunables->attention_block * sizeof(float)) +
                      mc_cpu_align64(2 * group * sizeof(float));
    return need;
}

void mc_cpu_op_attention(mc_cpu_exec *exec, const mc_op_desc *op) {
    const mc_tensor *q = &op->t[0], *k_cache = &op->t[1], *v_cache = &op->t[2];
    const mc_tensor *positions = &op->t[3], *seq_ids = &op->t[4], *out = &op->t[5];
    const int32_t capacity = op->i[0], kv_heads = op->i[2], head_dim = op->i[3];
    const int32_t group = group_size(op);
    const float scale = op->f[0];
    const int block = exec->backend->tunables.attention_block;
    const size_t element = k_cache->dtype == MC_DTYPE_F32 ? 4 : 2;
    if (!mc_cpu_check_cache_rows(exec, "mc_op_attention", positions, seq_ids, capacity,
                                 k_cache->rows)) {
        return;
    }
    attention_scratch s = scratch_layout(exec->scratch_thread, op, block);
    const int64_t items = (int64_t)q->rows * kv_heads;
    for (int64_t item; (item = mc_cpu_next_item(exec, items)) >= 0;) {
        int64_t t = item / kv_heads;
        int32_t kv = (int32_t)(item % kv_heads);
        int64_t first = mc_cpu_cache_row(positions, seq_ids, capacity, t) -
                        mc_cpu_i32(positions, t); /* row of position 0 of the sequence */
        int64_t keys = mc_cpu_i32(positions, t) + 1;
        const float *q_row = (const float *)mc_cpu_row(q, t) + (int64_t)kv * group * head_dim;
        const uint8_t *k_base = mc_cpu_row(k_cache, first) + (size_t)kv * head_dim * element;
        const uint8_t *v_base = mc_cpu_row(v_cache, first) + (size_t)kv * head_dim * element;
        memset(s.acc, 0, (size_t)group * head_dim * sizeof(float));
        for (int32_t g = 0; g < group; g++) {
            s.max[g] = -INFINITY;
            s.sum[g] = 0.0f;
        }
        for (int64_t j0 = 0; j0 < keys; j0 += block) {
            int count = (int)(keys - j0 < block ? keys - j0 : block);
            const uint8_t *k_rows = k_base + (uint64_t)j0 * k_cache->row_stride;
            const uint8_t *v_rows = v_base + (uint64_t)j0 * v_cache->row_stride;
            for (int32_t g = 0; g < group; g++) {
                float *acc = s.acc + (int64_t)g * head_dim;
                exec->kernels->dot_rows(q_row + (int64_t)g * head_dim, k_rows, k_cache->row_stride,
                                        k_cache->dtype, head_dim, count, s.scores);
                float block_max = -INFINITY;
                for (int j = 0; j < count; j++) {
                    s.scores[j] *= scale;
                    block_max = fmaxf(block_max, s.scores[j]);
                }
                float new_max = fmaxf(s.max[g], block_max);
                float rescale = expf(s.max[g] - new_max); /* 0 on the first block */
                float block_sum = exec->kernels->exp_shift_sum(s.scores, count, new_max);
                if (rescale != 1.0f) {
                    for (int32_t i = 0; i < head_dim; i++) {
                        acc[i] *= rescale;
                    }
                }
                s.sum[g] = s.sum[g] * rescale + block_sum;
                s.max[g] = new_max;
                exec->kernels->axpy_rows(acc, s.scores, v_rows, v_cache->row_stride, v_cache->dtype,
                                         head_dim, count);
            }
        }
        float *out_row = (float *)mc_cpu_row(out, t) + (int64_t)kv * group * head_dim;
        for (int32_t g = 0; g < group; g++) {
            float inverse = 1.0f / s.sum[g];
            for (int32_t i = 0; i < head_dim; i++) {
                out_row[(int64_t)g * head_dim + i] = s.acc[(int64_t)g * head_dim + i] * inverse;
            }
        }
    }
}
