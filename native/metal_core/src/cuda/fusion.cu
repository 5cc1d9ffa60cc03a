/* fusion.cu — a recorded decode step, run with fewer kernels. When graph_create captures an op
 * list, it looks for two patterns the model loop always produces and runs each as one kernel:
 *
 *  1. rms_norm(x -> h) followed by a matmul kind reading h (one token): the matvec normalizes x
 *     itself (matvec.cuh), block 0 also writing h.
 *  2. [rms_norm of each q head, rms_norm of each k head (Qwen3)], rope(q), rope(k),
 *     kv_append(k, v) (one token): one kernel normalizes and rotates every q and k head and
 *     writes k and v into the caches; when the attention over them follows (at most 8 query
 *     heads per kv head), the attention kernel does all of it itself (attention.cu).
 *
 * The memory after a fused kernel is what the ops would have left (every output the ops write is
 * written), so nothing downstream can tell; ops that do not match run one by one. The eager
 * path (mc_context without a graph) is never fused. cuda.fuse = 0 turns this off. */
#include "cuda_internal.h"
#include "device_common.cuh"
#include "rope_math.cuh"

#include <cmath>
#include <cstring>

namespace {

constexpr int kWarps = 4;
constexpr int kMaxHeadDim = 256;

bool present(const mc_tensor &t) {
    return t.buffer != nullptr;
}

bool same(const mc_tensor &a, const mc_tensor &b) {
    return a.buffer == b.buffer && a.offset == b.offset && a.row_stride == b.row_stride &&
           a.dtype == b.dtype && a.rows == b.rows && a.cols == b.cols;
}

uint64_t element_bytes(int32_t dtype) {
    return dtype == MC_DTYPE_F32 || dtype == MC_DTYPE_I32 ? 4 : 2;
}

/* Whether two views share any byte (views of float types; enough for the outputs here). */
bool overlap(const mc_tensor &a, const mc_tensor &b) {
    if (!present(a) || !present(b) || a.buffer != b.buffer) {
        return false;
    }
    const uint64_t a_end = a.offset + (uint64_t)(a.rows - 1) * a.row_stride +
                           (uint64_t)a.cols * element_bytes(a.dtype);
    const uint64_t b_end = b.offset + (uint64_t)(b.rows - 1) * b.row_stride +
                           (uint64_t)b.cols * element_bytes(b.dtype);
    return a.offset < b_end && b.offset < a_end;
}

bool is_matmul(int32_t kind) {
    return kind == MC_OPK_MATMUL || kind == MC_OPK_MATMUL_QKV || kind == MC_OPK_GATE_UP_SILU;
}

/* Pattern 1: ops[0] = rms_norm(x -> h), ops[1] a one-token matmul of h whose outputs touch
 * neither x nor h. */
bool norm_then_matmul(const mc_op_desc *ops, int32_t left) {
    if (left < 2 || ops[0].kind != MC_OPK_RMS_NORM || !is_matmul(ops[1].kind)) {
        return false;
    }
    const mc_op_desc &norm = ops[0], &mm = ops[1];
    if (norm.t[0].rows != 1 || !same(norm.t[2], mm.t[0]) || overlap(norm.t[0], norm.t[2])) {
        return false;
    }
    const int first_out = mm.kind == MC_OPK_MATMUL_QKV ? 4 : 3;
    const int last_out = mm.kind == MC_OPK_MATMUL_QKV ? 6 : 3;
    for (int i = first_out; i <= last_out; i++) {
        if (overlap(mm.t[i], norm.t[0]) || overlap(mm.t[i], norm.t[2])) {
            return false;
        }
    }
    return true;
}

/* Whether the kernel that runs ops[0] (with the rms_norm fused into the matmul after it, when
 * pattern 1 matches) is the streamed matvec. Kernels before it let it launch late: it assigns
 * row pairs per block and needs one block per multiprocessor (matvec_stream.cu). */
bool next_kernel_streams(const mc_cuda *self, const mc_op_desc *ops, int32_t left) {
    if (left <= 0) {
        return false;
    }
    const mc_op_desc *op = norm_then_matmul(ops, left) ? &ops[1] : &ops[0];
    return is_matmul(op->kind) && mc_cuda_matmul_streams(self, op);
}

/* A per-head rms_norm in place over the one-token row `row` ([1 x heads*head_dim]). */
bool head_norm_of(const mc_op_desc &norm, const mc_tensor &row, int head_dim) {
    const mc_tensor &x = norm.t[0];
    return norm.kind == MC_OPK_RMS_NORM && same(x, norm.t[2]) && x.buffer == row.buffer &&
           x.offset == row.offset && x.cols == head_dim && (int64_t)x.rows * x.cols == row.cols &&
           x.row_stride == (uint64_t)head_dim * 4;
}

bool same_rope(const mc_op_desc &a, const mc_op_desc &b) {
    return a.i[1] == b.i[1] && a.i[2] == b.i[2] && a.i[3] == b.i[3] && a.f[0] == b.f[0] &&
           same(a.t[1], b.t[1]) &&
           (present(a.t[2]) ? present(b.t[2]) && same(a.t[2], b.t[2]) : !present(b.t[2]));
}

/* Pattern 2. Returns the number of ops it covers (3 or 5), or 0. */
int32_t prepare_pattern(const mc_op_desc *ops, int32_t left) {
    int32_t norms = left >= 5 && ops[0].kind == MC_OPK_RMS_NORM ? 2 : 0;
    if (left < norms + 3) {
        return 0;
    }
    const mc_op_desc &rq = ops[norms], &rk = ops[norms + 1], &kv = ops[norms + 2];
    if (rq.kind != MC_OPK_ROPE || rk.kind != MC_OPK_ROPE || kv.kind != MC_OPK_KV_APPEND) {
        return 0;
    }
    const int head_dim = rq.i[1];
    if (rq.t[0].rows != 1 || rk.t[0].rows != 1 || !same_rope(rq, rk) || head_dim > kMaxHeadDim ||
        !same(kv.t[0], rk.t[0]) || !same(kv.t[4], rq.t[1]) || rk.i[0] * head_dim != kv.t[0].cols ||
        overlap(rq.t[0], rk.t[0]) || overlap(rq.t[0], kv.t[1]) || overlap(rk.t[0], kv.t[1])) {
        return 0;
    }
    if (norms == 2 &&
        (!head_norm_of(ops[0], rq.t[0], head_dim) || !head_norm_of(ops[1], rk.t[0], head_dim))) {
        return 0;
    }
    return norms + 3;
}

struct prepare_args {
    float *q, *k;
    const float *v;
    int q_heads, k_heads, head_dim, rope_dims, neox;
    mc_rope_frequencies frequencies;
    const float *freq_factors;
    const float *q_norm, *k_norm; /* nullptr: no norm */
    float q_eps, k_eps;
    const int32_t *positions, *seq_ids;
    uint8_t *k_cache, *v_cache;
    int64_t k_cache_stride, v_cache_stride; /* bytes */
    int cache_dtype, capacity, sequences, kv_width;
    int32_t *flags;
};

/* A warp per q head, a warp per k head, and one warp that copies v into its cache. */
__global__ __launch_bounds__(kWarps * 32) void prepare_kernel(prepare_args a) {
    MC_TIMELINE_KERNEL(MC_TL_QK_PREPARE, 0);
    __shared__ float buffer[kWarps][kMaxHeadDim];
    __shared__ float sines[kMaxHeadDim / 2], cosines[kMaxHeadDim / 2];
    mc_pdl_launch_dependents();
    mc_pdl_wait();
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int head = blockIdx.x * kWarps + warp;
    const int position = a.positions[0];
    const int half = a.rope_dims / 2;
    /* The rotation of each pair, once per block. */
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        mc_rope_sincos(a.frequencies, a.freq_factors, position, i, &sines[i], &cosines[i]);
    }
    __syncthreads();
    const int sequence = a.seq_ids != nullptr ? a.seq_ids[0] : 0;
    const bool cached =
        position >= 0 && position < a.capacity && sequence >= 0 && sequence < a.sequences;
    const int64_t cache_row = (int64_t)sequence * a.capacity + position;
    if (head == a.q_heads + a.k_heads) { /* v */
        if (!cached) {
            if (lane == 0) {
                a.flags[MC_CUDA_FLAG_KV_POSITION] = 1;
            }
            return;
        }
        for (int i = lane; i < a.kv_width; i += 32) {
            mc_store_element(a.v_cache + cache_row * a.v_cache_stride, a.cache_dtype, i, a.v[i]);
        }
        return;
    }
    if (head > a.q_heads + a.k_heads) {
        return;
    }
    const bool is_q = head < a.q_heads;
    const int h = is_q ? head : head - a.q_heads;
    float *x = (is_q ? a.q : a.k) + (int64_t)h * a.head_dim;
    const float *norm = is_q ? a.q_norm : a.k_norm;
    float *buf = buffer[warp];
    float sum = 0.0f;
    for (int i = lane; i < a.head_dim; i += 32) {
        const float v = x[i];
        buf[i] = v;
        sum += v * v;
    }
    if (norm != nullptr) {
        sum = mc_warp_sum(sum);
        const float scale = 1.0f / sqrtf(sum / (float)a.head_dim + (is_q ? a.q_eps : a.k_eps));
        for (int i = lane; i < a.head_dim; i += 32) {
            buf[i] = buf[i] * scale * norm[i];
        }
    }
    __syncwarp();
    uint8_t *cache = !is_q && cached ? a.k_cache + cache_row * a.k_cache_stride : nullptr;
    const int column = h * a.head_dim;
    for (int i = lane; i < half; i += 32) {
        const float c = cosines[i], s = sines[i];
        const int first = a.neox ? i : 2 * i, second = a.neox ? i + half : 2 * i + 1;
        const float x0 = buf[first], x1 = buf[second];
        const float y0 = x0 * c - x1 * s, y1 = x0 * s + x1 * c;
        x[first] = y0;
        x[second] = y1;
        if (cache != nullptr) {
            mc_store_element(cache, a.cache_dtype, column + first, y0);
            mc_store_element(cache, a.cache_dtype, column + second, y1);
        }
    }
    for (int i = a.rope_dims + lane; i < a.head_dim; i += 32) {
        x[i] = buf[i];
        if (cache != nullptr) {
            mc_store_element(cache, a.cache_dtype, column + i, buf[i]);
        }
    }
}

/* Whether `att` is the one-token attention over what the prepare pattern (ops, covered) leaves:
 * its q, caches and positions, one head block per kv head (at most 8 query heads each). */
bool attention_follows(const mc_op_desc *ops, int32_t covered, const mc_op_desc &att) {
    const int norms = covered - 3;
    const mc_op_desc &rq = ops[norms], &rk = ops[norms + 1], &kv = ops[norms + 2];
    if (att.kind != MC_OPK_ATTENTION || !same(att.t[0], rq.t[0]) || !same(att.t[1], kv.t[2]) ||
        !same(att.t[2], kv.t[3]) || !same(att.t[3], kv.t[4]) || att.i[0] != kv.i[0] ||
        att.i[1] != rq.i[0] || att.i[2] != rk.i[0] || att.i[3] != rq.i[1] ||
        att.i[1] / att.i[2] > 8) {
        return false;
    }
    if (present(att.t[4]) ? !present(kv.t[5]) || !same(att.t[4], kv.t[5]) : present(kv.t[5])) {
        return false;
    }
    const mc_tensor &out = att.t[5];
    return !overlap(out, rq.t[0]) && !overlap(out, rk.t[0]) && !overlap(out, kv.t[1]) &&
           !overlap(out, kv.t[2]) && !overlap(out, kv.t[3]);
}

/* The pattern's q/k preparation done by the attention kernel (attention.cu); `rest` (`left` ops)
 * follows the attention. */
mc_status run_prepared_attention(mc_cuda *self, const mc_op_desc *ops, int32_t covered,
                                 const mc_op_desc &att, const mc_op_desc *rest, int32_t left) {
    const int norms = covered - 3;
    const mc_op_desc &rq = ops[norms], &rk = ops[norms + 1], &kv = ops[norms + 2];
    mc_cuda_qk_prepare p = {};
    p.k = reinterpret_cast<float *>(mc_cuda_ptr(&rk.t[0]));
    p.v = reinterpret_cast<const float *>(mc_cuda_ptr(&kv.t[1]));
    if (norms == 2) {
        p.q_norm = reinterpret_cast<const float *>(mc_cuda_ptr(&ops[0].t[1]));
        p.k_norm = reinterpret_cast<const float *>(mc_cuda_ptr(&ops[1].t[1]));
        p.q_eps = ops[0].f[0];
        p.k_eps = ops[1].f[0];
    }
    p.rope_dims = rq.i[2];
    p.neox = rq.i[3] == MC_ROPE_NEOX;
    p.base = rq.f[0];
    p.freq_factors =
        present(rq.t[2]) ? reinterpret_cast<const float *>(mc_cuda_ptr(&rq.t[2])) : nullptr;
    p.early_inputs_op_written =
        mc_cuda_op_written(&rq.t[2]) ||
        (norms == 2 && (mc_cuda_op_written(&ops[0].t[1]) || mc_cuda_op_written(&ops[1].t[1])));
    p.dependents_after_wait = !next_kernel_streams(self, rest, left);
    return mc_cuda_op_attention_prepared(self, &att, &p);
}

mc_status run_prepare(mc_cuda *self, const mc_op_desc *ops, int32_t covered) {
    const int norms = covered - 3;
    const mc_op_desc &rq = ops[norms], &rk = ops[norms + 1], &kv = ops[norms + 2];
    prepare_args a = {};
    a.q = reinterpret_cast<float *>(mc_cuda_ptr(&rq.t[0]));
    a.k = reinterpret_cast<float *>(mc_cuda_ptr(&rk.t[0]));
    a.v = reinterpret_cast<const float *>(mc_cuda_ptr(&kv.t[1]));
    a.q_heads = rq.i[0];
    a.k_heads = rk.i[0];
    a.head_dim = rq.i[1];
    a.rope_dims = rq.i[2];
    a.neox = rq.i[3] == MC_ROPE_NEOX;
    mc_rope_fill(&a.frequencies, rq.f[0], a.rope_dims);
    a.freq_factors =
        present(rq.t[2]) ? reinterpret_cast<const float *>(mc_cuda_ptr(&rq.t[2])) : nullptr;
    if (norms == 2) {
        a.q_norm = reinterpret_cast<const float *>(mc_cuda_ptr(&ops[0].t[1]));
        a.k_norm = reinterpret_cast<const float *>(mc_cuda_ptr(&ops[1].t[1]));
        a.q_eps = ops[0].f[0];
        a.k_eps = ops[1].f[0];
    }
    a.positions = reinterpret_cast<const int32_t *>(mc_cuda_ptr(&kv.t[4]));
    a.seq_ids =
        present(kv.t[5]) ? reinterpret_cast<const int32_t *>(mc_cuda_ptr(&kv.t[5])) : nullptr;
    a.k_cache = mc_cuda_ptr(&kv.t[2]);
    a.v_cache = mc_cuda_ptr(&kv.t[3]);
    a.k_cache_stride = (int64_t)kv.t[2].row_stride;
    a.v_cache_stride = (int64_t)kv.t[3].row_stride;
    a.cache_dtype = kv.t[2].dtype;
    a.capacity = kv.i[0];
    a.sequences = kv.t[2].rows / kv.i[0];
    a.kv_width = kv.t[0].cols;
    a.flags = self->error_flags_device;
    const int warps = a.q_heads + a.k_heads + 1;
    return mc_cuda_launch(self, "qk_prepare", prepare_kernel, dim3((warps + kWarps - 1) / kWarps),
                          dim3(kWarps * 32), 0, a);
}

} // namespace

mc_status mc_cuda_run_fused(mc_cuda *self, const mc_op_desc *ops, int32_t count) {
    for (int32_t i = 0; i < count;) {
        MC_TRY(mc_cuda_check_alignment(&ops[i]));
        if (self->tunables.fuse) {
            if (norm_then_matmul(ops + i, count - i)) {
                MC_TRY(mc_cuda_check_alignment(&ops[i + 1]));
                MC_TRY(mc_cuda_op_matmul_fused_norm(
                    self, &ops[i], &ops[i + 1],
                    next_kernel_streams(self, ops + i + 2, count - i - 2)));
                i += 2;
                continue;
            }
            const int32_t covered = prepare_pattern(ops + i, count - i);
            if (covered > 0) {
                for (int32_t j = 1; j < covered; j++) {
                    MC_TRY(mc_cuda_check_alignment(&ops[i + j]));
                }
                if (i + covered < count && attention_follows(ops + i, covered, ops[i + covered])) {
                    MC_TRY(mc_cuda_check_alignment(&ops[i + covered]));
                    const int32_t after = i + covered + 1;
                    MC_TRY(run_prepared_attention(self, ops + i, covered, ops[i + covered],
                                                  ops + after, count - after));
                    i += covered + 1;
                    continue;
                }
                MC_TRY(run_prepare(self, ops + i, covered));
                i += covered;
                continue;
            }
        }
        MC_TRY(mc_cuda_run_ops(self, ops + i, 1));
        i++;
    }
    return MC_OK;
}
