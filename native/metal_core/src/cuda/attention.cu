/* attention.cu — causal attention over the KV cache with an online softmax, split along the
 * sequence (flash-decoding).
 *
 * A block handles one token, one kv head and up to 8 of the query heads sharing it (GQA/MQA: each
 * key and value row is read once for all of them), over one split of the keys 0..positions[t].
 * The number of splits is fixed at launch (so a captured graph has a fixed grid), but the keys
 * per split follow the sequence length read on the device: chunk = max(cuda.attn_chunk,
 * ceil(keys / splits)); splits past the end exit at once. Inside a block, each warp takes every
 * fourth group of four keys: lanes hold slices of the head dimension, a warp-wide reduction gives
 * each score, and each warp keeps its own running max, sum and weighted values; the four are merged
 * through shared memory. With several splits, each block writes its partial (max, sum, values) and
 * the last block to finish a (token, kv head) — counted with an atomic that it resets — merges
 * them, so the step needs no second kernel. */
#include "cuda_internal.h"
#include "device_common.cuh"
#include "rope_math.cuh"

#include <cmath>

namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kGroup = 8; /* query heads per block, at most */
constexpr int kTargetBlocksPerSm = 4;
constexpr int kKeys = 4; /* keys per warp per step */
constexpr int kMaxSplits = 64;
constexpr int kMaxHeadDim = 256;
constexpr int kMergeBatch = 16; /* splits whose partials a merging thread loads at once */

/* Floats per (token, head, split) partial: its max, its sum, then head_dim weighted values. */
__host__ __device__ constexpr int partial_width(int head_dim) {
    return head_dim + 2;
}

struct attn_args {
    float *q;                   /* written only with prep (the roped q) */
    int64_t q_stride;           /* elements */
    uint8_t *k_cache, *v_cache; /* written only with prep */
    int64_t k_stride, v_stride; /* bytes */
    const int32_t *positions, *seq_ids;
    int64_t position_stride, seq_stride;
    float *out;
    int64_t out_stride;
    int capacity, sequences, heads, kv_heads, head_dim, group, head_blocks;
    float scale;
    int splits, min_chunk;
    float *partial;    /* [tokens][heads][splits][partial_width(head_dim)] */
    int32_t *counters; /* [tokens][kv_heads][head_blocks], zero between launches */
    int32_t *flags;
    /* With prep (one head block per kv head): every block also normalizes and ropes its q heads
     * and the token's k itself, and uses them for key `position` instead of the cache row; the
     * last split writes k and v into the caches; the last block to finish writes the roped q
     * and k back where the rope ops would have (earlier, other blocks still read them). */
    int prep;
    float *k_row;
    const float *v_row;
    const float *q_norm, *k_norm;
    float q_eps, k_eps;
    int rope_dims, neox, cache_dtype;
    const float *freq_factors;
    mc_rope_frequencies frequencies;
    int dependents_after_wait; /* the next kernel may launch once every block is past its wait */
};

/* With prep: the roped q heads and k back into their rows, as the rope ops leave them. */
__device__ __forceinline__ void write_back(const attn_args &a, int token, int kv, int first_head,
                                           int heads, const float (*s_q)[kMaxHeadDim],
                                           const float *s_k) {
    for (int i = threadIdx.x; i < (heads + 1) * a.head_dim; i += kThreads) {
        const int h = i / a.head_dim, d = i % a.head_dim;
        if (h < heads) {
            a.q[token * a.q_stride + (int64_t)(first_head + h) * a.head_dim + d] = s_q[h][d];
        } else {
            a.k_row[(int64_t)kv * a.head_dim + d] = s_k[d];
        }
    }
}

/* One head in shared memory: RMS-normalized (weight != nullptr, in shared memory) and roped, by
 * one warp. The lane's elements are loaded together into registers first: written straight to
 * shared memory one by one, each load would wait for the store before it (the compiler cannot
 * tell the two apart), a round trip to L2 per 32 elements on the step's critical path. */
__device__ __forceinline__ void prepare_head(const attn_args &a, const float *src, float *buf,
                                             const float *weight, float eps, const float *sines,
                                             const float *cosines, int lane) {
    constexpr int kPerLane = kMaxHeadDim / 32;
    float x[kPerLane];
    float sum = 0.0f;
#pragma unroll
    for (int e = 0; e < kPerLane; e++) {
        const int d = lane + 32 * e;
        x[e] = d < a.head_dim ? src[d] : 0.0f;
        sum += x[e] * x[e];
    }
    if (weight != nullptr) {
        sum = mc_warp_sum(sum);
        const float scale = 1.0f / sqrtf(sum / (float)a.head_dim + eps); /* the CPU's formula */
#pragma unroll
        for (int e = 0; e < kPerLane; e++) {
            const int d = lane + 32 * e;
            x[e] = d < a.head_dim ? x[e] * scale * weight[d] : 0.0f;
        }
    }
#pragma unroll
    for (int e = 0; e < kPerLane; e++) {
        const int d = lane + 32 * e;
        if (d < a.head_dim) {
            buf[d] = x[e];
        }
    }
    __syncwarp();
    const int half = a.rope_dims / 2;
    for (int i = lane; i < half; i += 32) {
        const int first = a.neox ? i : 2 * i, second = a.neox ? i + half : 2 * i + 1;
        const float x0 = buf[first], x1 = buf[second];
        buf[first] = x0 * cosines[i] - x1 * sines[i];
        buf[second] = x0 * sines[i] + x1 * cosines[i];
    }
    __syncwarp();
}

/* The last block of a (token, kv head, head block): every output of its heads merged from the
 * splits' partials. Each load is a round trip to L2 and this block's time is the step's, so a
 * thread loads the max, sum and value of kMergeBatch splits before using any (one round trip
 * per output up to 16 splits, not two per split) and keeps a running max across batches. */
__device__ __forceinline__ void merge_splits(const attn_args &a, int token, int first_head,
                                             int heads, int active) {
    const int width = partial_width(a.head_dim);
    for (int i = threadIdx.x; i < heads * a.head_dim; i += kThreads) {
        const int g = i / a.head_dim, d = i % a.head_dim;
        const float *p = a.partial + ((int64_t)token * a.heads + first_head + g) * a.splits * width;
        float best = -INFINITY, total = 0.0f, value = 0.0f;
        for (int s0 = 0; s0 < active; s0 += kMergeBatch) {
            float m[kMergeBatch], l[kMergeBatch], v[kMergeBatch];
#pragma unroll
            for (int u = 0; u < kMergeBatch; u++) {
                const bool split = s0 + u < active;
                const float *q = p + (s0 + u) * width;
                m[u] = split ? __ldcg(q) : -INFINITY;
                l[u] = split ? __ldcg(q + 1) : 0.0f;
                v[u] = split ? __ldcg(q + 2 + d) : 0.0f;
            }
            float next = best;
#pragma unroll
            for (int u = 0; u < kMergeBatch; u++) {
                next = fmaxf(next, m[u]);
            }
            const float correction = __expf(best - next); /* 0 for the first batch */
            total *= correction;
            value *= correction;
#pragma unroll
            for (int u = 0; u < kMergeBatch; u++) {
                const float f = __expf(m[u] - next); /* 0 past the active splits */
                total += l[u] * f;
                value += v[u] * f;
            }
            best = next;
        }
        a.out[token * a.out_stride + (int64_t)(first_head + g) * a.head_dim + d] = value / total;
    }
}

/* Adds 1 to a split counter and returns the count before, with acquire-release semantics at
 * device scope: called by one thread after a barrier, it publishes the partials every thread of
 * the block wrote before the barrier (release is cumulative), and the last block, after the next
 * barrier, sees every other block's (acquire). One instruction instead of a fence by each thread
 * before the atomic and after it. */
__device__ __forceinline__ int count_arrival(int32_t *counter) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 700
    int before;
    asm volatile("atom.acq_rel.gpu.global.add.s32 %0, [%1], 1;"
                 : "=r"(before)
                 : "l"(counter)
                 : "memory");
    return before;
#else
    __threadfence();
    const int before = atomicAdd(counter, 1);
    __threadfence();
    return before;
#endif
}

template <int DT> __device__ __forceinline__ float load_element(const uint8_t *row, int i) {
    if (DT == MC_DTYPE_F32) {
        return reinterpret_cast<const float *>(row)[i];
    }
    const uint16_t bits = reinterpret_cast<const uint16_t *>(row)[i];
    return DT == MC_DTYPE_F16 ? mc_f16_to_f32(bits) : mc_bf16_to_f32(bits);
}

/* Loads the lane's E elements of a head row: contiguous dims lane*E.. (CONTIG, vector loads), or
 * dims lane + 32 e (any head_dim; missing dims read as 0). */
template <int DT, int E, bool CONTIG>
__device__ __forceinline__ void load_slice(const uint8_t *row, int lane, int head_dim,
                                           float (&v)[E]) {
    if constexpr (CONTIG) {
        constexpr int SIZE = DT == MC_DTYPE_F32 ? 4 : 2;
        constexpr int BYTES = E * SIZE;
        constexpr int WORDS = BYTES >= 4 ? BYTES / 4 : 1;
        const uint8_t *p = row + lane * BYTES;
        uint32_t words[WORDS];
        if constexpr (BYTES >= 16) {
#pragma unroll
            for (int i = 0; i < BYTES / 16; i++) {
                const uint4 w = reinterpret_cast<const uint4 *>(p)[i];
                words[4 * i] = w.x;
                words[4 * i + 1] = w.y;
                words[4 * i + 2] = w.z;
                words[4 * i + 3] = w.w;
            }
        } else if constexpr (BYTES == 8) {
            const uint2 w = *reinterpret_cast<const uint2 *>(p);
            words[0] = w.x;
            words[WORDS - 1] = w.y;
        } else if constexpr (BYTES == 4) {
            words[0] = *reinterpret_cast<const uint32_t *>(p);
        } else { /* one 16-bit element */
            words[0] = *reinterpret_cast<const uint16_t *>(p);
        }
#pragma unroll
        for (int e = 0; e < E; e++) {
            if constexpr (DT == MC_DTYPE_F32) {
                v[e] = __uint_as_float(words[e]);
            } else {
                const uint16_t bits = (uint16_t)((words[e / 2] >> (16 * (e % 2))) & 0xFFFFu);
                v[e] = DT == MC_DTYPE_F16 ? mc_f16_to_f32(bits) : mc_bf16_to_f32(bits);
            }
        }
    } else {
#pragma unroll
        for (int e = 0; e < E; e++) {
            const int d = lane + 32 * e;
            v[e] = d < head_dim ? load_element<DT>(row, d) : 0.0f;
        }
    }
}

template <int E, bool CONTIG> __device__ __forceinline__ int dim_of(int lane, int e) {
    return CONTIG ? lane * E + e : lane + 32 * e;
}

/* The cached rows of keys j0 .. j0 + kKeys - 1 (past `end`: a harmless repeat of j0, masked
 * where the scores are taken). */
template <int DT, int E, bool CONTIG>
__device__ __forceinline__ void load_keys(const attn_args &a, int j0, int end, int64_t base_row,
                                          int64_t head_offset, int lane, float (&kr)[kKeys][E],
                                          float (&vr)[kKeys][E]) {
#pragma unroll
    for (int u = 0; u < kKeys; u++) {
        const int j = j0 + u < end ? j0 + u : j0;
        load_slice<DT, E, CONTIG>(a.k_cache + (base_row + j) * a.k_stride + head_offset, lane,
                                  a.head_dim, kr[u]);
        load_slice<DT, E, CONTIG>(a.v_cache + (base_row + j) * a.v_stride + head_offset, lane,
                                  a.head_dim, vr[u]);
    }
}

/* GMAX: the query heads a block holds in registers (2, or kGroup where kv heads have more). */
template <int DT, int E, bool CONTIG, int GMAX>
__global__ __launch_bounds__(kThreads, GMAX <= 2 ? 4 : 1) void attention_kernel(attn_args a) {
    MC_TIMELINE_KERNEL(MC_TL_ATTENTION, 0);
    __shared__ float s_max[kWarps][kGroup], s_sum[kWarps][kGroup];
    __shared__ float s_acc[kWarps][kGroup][kMaxHeadDim];
    __shared__ int s_last;
    __shared__ float s_q[kGroup][kMaxHeadDim], s_k[kMaxHeadDim], s_v[kMaxHeadDim];
    __shared__ float s_sin[kMaxHeadDim / 2], s_cos[kMaxHeadDim / 2];
    __shared__ float s_norm[2][kMaxHeadDim]; /* with prep: the q and k norm weights */
    /* The next kernel (the output projection) launches as these blocks exit, or, with
     * a.dependents_after_wait, once every block is past its wait. The streamed matvec needs one
     * block per multiprocessor (it assigns row pairs per block); launched while these blocks
     * still hold shared memory on some multiprocessors, it gets two blocks on others, and
     * Qwen3-1.7B Q8_0 decodes 9% faster when it launches at the exit. The register matvecs gain
     * 2-10% from the early launch (BF16; docs/BENCHMARKS.md). The positions are read before
     * waiting: only host copies write them, and those precede every kernel. */

    const int split = blockIdx.x;
    const int kv = blockIdx.y / a.head_blocks, head_block = blockIdx.y % a.head_blocks;
    const int token = blockIdx.z;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int first_head = kv * a.group + head_block * kGroup;
    const int heads = min(kGroup, a.group - head_block * kGroup);

    const int rope_position = a.positions[token * a.position_stride];
    int position = rope_position;
    int sequence = a.seq_ids != nullptr ? a.seq_ids[token * a.seq_stride] : 0;
    const bool cached =
        position >= 0 && position < a.capacity && sequence >= 0 && sequence < a.sequences;
    if (position < 0 || position >= a.capacity || sequence < 0 || sequence >= a.sequences) {
        if (threadIdx.x == 0 && split == 0 && blockIdx.y == 0) {
            a.flags[MC_CUDA_FLAG_ATTN_POSITION] = 1;
        }
        position = min(max(position, 0), a.capacity - 1);
        sequence = min(max(sequence, 0), a.sequences - 1);
    }
    const int keys = position + 1;
    int chunk = (keys + a.splits - 1) / a.splits;
    chunk = chunk > a.min_chunk ? chunk : a.min_chunk;
    const int active = (keys + chunk - 1) / chunk;
    if (split >= active) {
        return;
    }
    const int begin = split * chunk, end = min(keys, begin + chunk);
    const int64_t base_row = (int64_t)sequence * a.capacity;
    const int64_t head_offset = (int64_t)kv * a.head_dim * (DT == MC_DTYPE_F32 ? 4 : 2);

    /* With prep this kernel appends the token's k and v itself, so no kernel before it in the
     * step writes the cached rows it reads (earlier steps did, and a step starts after the last
     * one ends): this warp's first keys are loaded before waiting for the q/k/v kernel. The row
     * at `position` is replaced by the prepared k and v below. */
    float kr[kKeys][E], vr[kKeys][E];
    const int first = begin + warp * kKeys;
    const bool preloaded = a.prep && first < end;
    if (preloaded) {
        load_keys<DT, E, CONTIG>(a, first, end, base_row, head_offset, lane, kr, vr);
    }
    /* What prep needs besides the q/k/v kernel's output is ready too: the rope angles (from the
     * position) and the norm weights (constants) go to shared memory before the wait. */
    if (a.prep) {
        for (int i = threadIdx.x; i < a.rope_dims / 2; i += kThreads) {
            mc_rope_sincos(a.frequencies, a.freq_factors, rope_position, i, &s_sin[i], &s_cos[i]);
        }
        for (int d = threadIdx.x; d < a.head_dim; d += kThreads) {
            s_norm[0][d] = a.q_norm != nullptr ? a.q_norm[d] : 0.0f;
            s_norm[1][d] = a.k_norm != nullptr ? a.k_norm[d] : 0.0f;
        }
    }
    mc_pdl_wait();
    if (a.dependents_after_wait) {
        mc_pdl_launch_dependents();
    }

    if (a.prep) {
        /* This thread's elements of the new v, loaded now so that they are in flight with the
         * q and k rows below. */
        constexpr int kPerThread = kMaxHeadDim / kThreads;
        const float *v_src = a.v_row + (int64_t)kv * a.head_dim;
        float v_mine[kPerThread];
#pragma unroll
        for (int r = 0; r < kPerThread; r++) {
            const int d = threadIdx.x + r * kThreads;
            v_mine[r] = d < a.head_dim ? v_src[d] : 0.0f;
        }
        __syncthreads();
        for (int item = warp; item <= heads; item += kWarps) {
            const bool is_k = item == heads;
            float *src = is_k
                             ? a.k_row + (int64_t)kv * a.head_dim
                             : a.q + token * a.q_stride + (int64_t)(first_head + item) * a.head_dim;
            float *buf = is_k ? s_k : s_q[item];
            const float *weight = is_k ? (a.k_norm != nullptr ? s_norm[1] : nullptr)
                                       : (a.q_norm != nullptr ? s_norm[0] : nullptr);
            prepare_head(a, src, buf, weight, is_k ? a.k_eps : a.q_eps, s_sin, s_cos, lane);
            if (is_k && split == active - 1 && cached) {
                uint8_t *cache = a.k_cache + (base_row + position) * a.k_stride;
                for (int d = lane; d < a.head_dim; d += 32) {
                    mc_store_element(cache, a.cache_dtype, kv * a.head_dim + d, buf[d]);
                }
            }
        }
#pragma unroll
        for (int r = 0; r < kPerThread; r++) {
            const int d = threadIdx.x + r * kThreads;
            if (d < a.head_dim) {
                s_v[d] = v_mine[r];
                if (split == active - 1 && cached) {
                    mc_store_element(a.v_cache + (base_row + position) * a.v_stride, a.cache_dtype,
                                     kv * a.head_dim + d, v_mine[r]);
                }
            }
        }
        if (split == active - 1 && !cached && threadIdx.x == 0) {
            a.flags[MC_CUDA_FLAG_KV_POSITION] = 1;
        }
        __syncthreads();
        if (active == 1) { /* the only block that reads them */
            write_back(a, token, kv, first_head, heads, s_q, s_k);
        }
    }

    float q[GMAX][E];
#pragma unroll
    for (int g = 0; g < GMAX; g++) {
        const float *row =
            a.q + token * a.q_stride + (int64_t)(first_head + (g < heads ? g : 0)) * a.head_dim;
#pragma unroll
        for (int e = 0; e < E; e++) {
            const int d = dim_of<E, CONTIG>(lane, e);
            const float value = d < a.head_dim ? (a.prep ? s_q[g][d] : row[d]) : 0.0f;
            q[g][e] = g < heads ? value * a.scale : 0.0f;
        }
    }

    float m[GMAX], l[GMAX], acc[GMAX][E];
#pragma unroll
    for (int g = 0; g < GMAX; g++) {
        m[g] = -INFINITY;
        l[g] = 0.0f;
#pragma unroll
        for (int e = 0; e < E; e++) {
            acc[g][e] = 0.0f;
        }
    }
    /* Each warp takes kKeys consecutive keys per step, loading all their rows before using
     * any (several loads in flight per lane), then updates its running max once per step. */
    for (int j0 = first; j0 < end; j0 += kWarps * kKeys) {
        if (!preloaded || j0 != first) {
            load_keys<DT, E, CONTIG>(a, j0, end, base_row, head_offset, lane, kr, vr);
        }
#pragma unroll
        for (int u = 0; u < kKeys; u++) {
            if (a.prep && j0 + u == position) { /* the new key: not read from the cache */
#pragma unroll
                for (int e = 0; e < E; e++) {
                    const int d = dim_of<E, CONTIG>(lane, e);
                    kr[u][e] = d < a.head_dim ? s_k[d] : 0.0f;
                    vr[u][e] = d < a.head_dim ? s_v[d] : 0.0f;
                }
            }
        }
#pragma unroll
        for (int g = 0; g < GMAX; g++) {
            if (g >= heads) {
                break;
            }
            float s[kKeys];
            float next = m[g];
#pragma unroll
            for (int u = 0; u < kKeys; u++) {
                float dot = 0.0f;
#pragma unroll
                for (int e = 0; e < E; e++) {
                    dot += q[g][e] * kr[u][e];
                }
                s[u] = j0 + u < end ? mc_warp_sum(dot) : -INFINITY;
                next = fmaxf(next, s[u]);
            }
            const float correction = __expf(m[g] - next); /* 0 for the first keys */
            l[g] *= correction;
#pragma unroll
            for (int e = 0; e < E; e++) {
                acc[g][e] *= correction;
            }
#pragma unroll
            for (int u = 0; u < kKeys; u++) {
                const float p = __expf(s[u] - next); /* 0 for masked keys */
                l[g] += p;
#pragma unroll
                for (int e = 0; e < E; e++) {
                    acc[g][e] += p * vr[u][e];
                }
            }
            m[g] = next;
        }
    }

    /* Merge the warps. */
#pragma unroll
    for (int g = 0; g < GMAX; g++) {
        if (g >= heads) {
            break;
        }
        if (lane == 0) {
            s_max[warp][g] = m[g];
            s_sum[warp][g] = l[g];
        }
#pragma unroll
        for (int e = 0; e < E; e++) {
            const int d = dim_of<E, CONTIG>(lane, e);
            if (d < a.head_dim) {
                s_acc[warp][g][d] = acc[g][e];
            }
        }
    }
    __syncthreads();
    const int width = partial_width(a.head_dim);
    for (int i = threadIdx.x; i < heads * a.head_dim; i += kThreads) {
        const int g = i / a.head_dim, d = i % a.head_dim;
        float best = -INFINITY;
        for (int w = 0; w < kWarps; w++) {
            best = fmaxf(best, s_max[w][g]);
        }
        float sum = 0.0f, value = 0.0f;
        for (int w = 0; w < kWarps; w++) {
            const float f = s_max[w][g] == -INFINITY ? 0.0f : __expf(s_max[w][g] - best);
            sum += s_sum[w][g] * f;
            value += s_acc[w][g][d] * f;
        }
        if (active == 1) { /* one split holds every key: no merge */
            a.out[token * a.out_stride + (int64_t)(first_head + g) * a.head_dim + d] = value / sum;
        } else {
            float *p = a.partial +
                       (((int64_t)token * a.heads + first_head + g) * a.splits + split) * width;
            p[2 + d] = value;
            if (d == 0) {
                p[0] = best;
                p[1] = sum;
            }
        }
    }
    if (active == 1) {
        return;
    }

    /* The last block of this (token, kv head, head block) merges the splits. */
    __syncthreads();
    int32_t *counter = a.counters + ((int64_t)token * a.kv_heads + kv) * a.head_blocks + head_block;
    if (threadIdx.x == 0) {
        s_last = count_arrival(counter) == active - 1;
    }
    __syncthreads();
    if (!s_last) {
        return;
    }
    merge_splits(a, token, first_head, heads, active);
    if (threadIdx.x == 0) {
        *counter = 0;
    }
    if (a.prep) { /* every other block has read q and k */
        write_back(a, token, kv, first_head, heads, s_q, s_k);
    }
}

template <int DT, int E, bool CONTIG>
mc_status launch(mc_cuda *self, const attn_args &a, dim3 grid) {
    if (a.group <= 2) {
        return mc_cuda_launch(self, "attention", attention_kernel<DT, E, CONTIG, 2>, grid,
                              dim3(kThreads), 0, a);
    }
    return mc_cuda_launch(self, "attention", attention_kernel<DT, E, CONTIG, kGroup>, grid,
                          dim3(kThreads), 0, a);
}

template <int DT, bool CONTIG>
mc_status launch_width(mc_cuda *self, const attn_args &a, dim3 grid, int e) {
    switch (e) {
    case 1: return launch<DT, 1, CONTIG>(self, a, grid);
    case 2: return launch<DT, 2, CONTIG>(self, a, grid);
    case 4: return launch<DT, 4, CONTIG>(self, a, grid);
    default: return launch<DT, 8, CONTIG>(self, a, grid);
    }
}

template <int DT>
mc_status launch_dtype(mc_cuda *self, const attn_args &a, dim3 grid, int e, bool contig) {
    return contig ? launch_width<DT, true>(self, a, grid, e)
                  : launch_width<DT, false>(self, a, grid, e);
}

int splits_for(const mc_cuda *self, const mc_op_desc *op) {
    const int tokens = op->t[0].rows, kv_heads = op->i[2], group = op->i[1] / op->i[2];
    const int head_blocks = (group + kGroup - 1) / kGroup;
    const int64_t items = (int64_t)tokens * kv_heads * head_blocks;
    if (items > (int64_t)MC_CUDA_COUNTERS) {
        return 1; /* more work items than counters: one split each */
    }
    const int64_t target = (int64_t)self->sm_count * kTargetBlocksPerSm;
    int64_t splits = (target + items - 1) / items;
    const int64_t by_length =
        ((int64_t)op->i[0] + self->tunables.attn_chunk - 1) / self->tunables.attn_chunk;
    splits = splits < by_length ? splits : by_length;
    splits = splits < kMaxSplits ? splits : kMaxSplits;
    return splits > 1 ? (int)splits : 1;
}

} // namespace

size_t mc_cuda_attention_scratch(const mc_cuda *self, const mc_op_desc *op) {
    const int splits = splits_for(self, op);
    if (splits == 1) {
        return 0;
    }
    return (size_t)op->t[0].rows * (size_t)op->i[1] * (size_t)splits *
           (size_t)partial_width(op->i[3]) * sizeof(float);
}

namespace {

mc_status run_attention(mc_cuda *self, const mc_op_desc *op, const mc_cuda_qk_prepare *prepare) {
    const int head_dim = op->i[3];
    if (head_dim > kMaxHeadDim) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "mc_op_attention: head_dim %d is more than the CUDA kernel's %d",
                            head_dim, kMaxHeadDim);
    }
    attn_args a = {};
    a.q = reinterpret_cast<float *>(mc_cuda_ptr(&op->t[0]));
    a.q_stride = (int64_t)(op->t[0].row_stride / 4);
    a.k_cache = mc_cuda_ptr(&op->t[1]);
    a.v_cache = mc_cuda_ptr(&op->t[2]);
    a.k_stride = (int64_t)op->t[1].row_stride;
    a.v_stride = (int64_t)op->t[2].row_stride;
    a.positions = reinterpret_cast<const int32_t *>(mc_cuda_ptr(&op->t[3]));
    a.position_stride = (int64_t)(op->t[3].row_stride / 4);
    if (op->t[4].buffer != nullptr) {
        a.seq_ids = reinterpret_cast<const int32_t *>(mc_cuda_ptr(&op->t[4]));
        a.seq_stride = (int64_t)(op->t[4].row_stride / 4);
    }
    a.out = reinterpret_cast<float *>(mc_cuda_ptr(&op->t[5]));
    a.out_stride = (int64_t)(op->t[5].row_stride / 4);
    a.capacity = op->i[0];
    a.sequences = op->t[1].rows / op->i[0];
    a.heads = op->i[1];
    a.kv_heads = op->i[2];
    a.head_dim = head_dim;
    a.group = op->i[1] / op->i[2];
    a.head_blocks = (a.group + kGroup - 1) / kGroup;
    a.scale = op->f[0];
    a.splits = splits_for(self, op);
    a.min_chunk = self->tunables.attn_chunk;
    a.counters = self->counters;
    a.flags = self->error_flags_device;
    if (prepare != nullptr) {
        a.prep = 1;
        a.k_row = prepare->k;
        a.v_row = prepare->v;
        a.q_norm = prepare->q_norm;
        a.k_norm = prepare->k_norm;
        a.q_eps = prepare->q_eps;
        a.k_eps = prepare->k_eps;
        a.rope_dims = prepare->rope_dims;
        a.neox = prepare->neox;
        a.cache_dtype = op->t[1].dtype;
        a.freq_factors = prepare->freq_factors;
        mc_rope_fill(&a.frequencies, prepare->base, prepare->rope_dims);
        a.dependents_after_wait = prepare->dependents_after_wait;
    }
    if (a.splits > 1) {
        void *memory = nullptr;
        MC_TRY(mc_cuda_scratch(self, mc_cuda_attention_scratch(self, op), &memory));
        a.partial = static_cast<float *>(memory);
    }
    /* Contiguous slices with vector loads where the head dimension is 32 * (1, 2, 4 or 8) and the
     * rows are aligned for them; otherwise strided slices of up to 8 elements per lane. */
    const int32_t dtype = op->t[1].dtype;
    const int size = dtype == MC_DTYPE_F32 ? 4 : 2;
    int e = (head_dim + 31) / 32;
    e = e <= 1 ? 1 : e <= 2 ? 2 : e <= 4 ? 4 : 8;
    const int bytes = e * size;
    const bool contig = head_dim == 32 * e && reinterpret_cast<uintptr_t>(a.k_cache) % bytes == 0 &&
                        reinterpret_cast<uintptr_t>(a.v_cache) % bytes == 0 &&
                        a.k_stride % bytes == 0 && a.v_stride % bytes == 0 &&
                        ((int64_t)head_dim * size) % bytes == 0;
    const dim3 grid(a.splits, a.kv_heads * a.head_blocks, op->t[0].rows);
    const mc_cuda_serial_launches serial(
        self, mc_cuda_op_written(&op->t[3]) || mc_cuda_op_written(&op->t[4]) ||
                  (prepare != nullptr && prepare->early_inputs_op_written));
    switch (dtype) {
    case MC_DTYPE_F32: return launch_dtype<MC_DTYPE_F32>(self, a, grid, e, contig);
    case MC_DTYPE_F16: return launch_dtype<MC_DTYPE_F16>(self, a, grid, e, contig);
    default: return launch_dtype<MC_DTYPE_BF16>(self, a, grid, e, contig);
    }
}

} // namespace

mc_status mc_cuda_op_attention(mc_cuda *self, const mc_op_desc *op) {
    return run_attention(self, op, nullptr);
}

mc_status mc_cuda_op_attention_prepared(mc_cuda *self, const mc_op_desc *op,
                                        const mc_cuda_qk_prepare *prepare) {
    return run_attention(self, op, prepare);
}
