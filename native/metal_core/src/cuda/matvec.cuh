/* matvec.cuh — what the matvec kernels (few activation rows: decode) share.
 *
 * The three matmul kinds become one "virtual" weight matrix whose rows map to up to three
 * weights: Q/K/V stacked, or gate and up as pairs (virtual rows 2f and 2f + 1 are gate row f and
 * up row f, so one warp holds both and applies the SwiGLU in its epilogue). A work item is a
 * pair of virtual rows, or a slice of K of one where there are too few pairs to keep the GPU's
 * warps busy, for up to MT activation rows (a weight row is read once for all of them). The grid
 * is what runs at once; its blocks loop over the items, so the activations are prepared once
 * per block.
 *
 * An optional RMS norm of the activations is fused in front (graph fusion: rms_norm followed by
 * the matmul that reads its output): every block normalizes x itself, and block 0 also writes
 * the normalized rows where the rms_norm op would have, so the memory afterwards is the same as
 * with two ops. */
#ifndef METAL_CORE_CUDA_MATVEC_CUH
#define METAL_CORE_CUDA_MATVEC_CUH

#include "cuda_internal.h"
#include "device_common.cuh"

/* The largest number of activation rows one matvec launch handles. */
#define MC_MATVEC_MAX_ROWS 8
#define MC_MV_THREADS 512
#define MC_MV_WARPS (MC_MV_THREADS / 32)
/* Steps along K a warp loads before using any. */
#define MC_MV_UNROLL 4

struct mc_mv_segment {
    const uint8_t *w;
    int64_t w_stride; /* bytes */
    float *out;
    int64_t out_stride; /* elements */
    int rows;
};

struct mc_mv_args {
    const float *x;
    int64_t x_stride; /* elements */
    int m;            /* activation rows in this launch (<= the kernel's MT) */
    int k;            /* columns */
    mc_mv_segment seg[3];
    int segments;
    int total_rows;        /* virtual rows */
    const float *residual; /* MATMUL only; may alias seg[0].out */
    int64_t residual_stride;
    int gate_up;              /* virtual row 2f = gate f (seg 0), 2f + 1 = up f (seg 1) */
    const float *norm_weight; /* fused RMS norm of x (nullptr: none) */
    float norm_eps;
    float *norm_out; /* where block 0 writes the normalized rows (nullptr: nowhere) */
    int64_t norm_out_stride;
    int prefetch; /* cuda.mv_prefetch */
    int x_vec; /* x, norm weight and norm_out rows 16-byte aligned and k % 4 == 0: float4 access */
    /* The streamed kernel lets the next kernel launch at once: the fusion pass knows that kernel
     * is not the streamed matvec (matvec_stream.cu). The register kernels always do. */
    int dependents_at_start;
};

/* The weight row behind virtual row v, or nullptr past the end. */
__device__ __forceinline__ const uint8_t *mc_mv_row(const mc_mv_args &a, int v) {
    if (v >= a.total_rows) {
        return nullptr;
    }
    if (a.gate_up) {
        const mc_mv_segment &s = a.seg[v & 1];
        return s.w + (int64_t)(v >> 1) * s.w_stride;
    }
#pragma unroll
    for (int i = 0; i < 3; i++) {
        if (i < a.segments && v < a.seg[i].rows) {
            return a.seg[i].w + (int64_t)v * a.seg[i].w_stride;
        }
        v -= a.seg[i].rows;
    }
    return nullptr;
}

__device__ __forceinline__ float mc_silu(float g) {
    return g / (1.0f + __expf(-g));
}

/* Writes the result of virtual row v for activation row r (not for gate_up). */
__device__ __forceinline__ void mc_mv_store(const mc_mv_args &a, int v, int r, float value) {
#pragma unroll
    for (int i = 0; i < 3; i++) {
        if (i < a.segments && v < a.seg[i].rows) {
            if (a.residual != nullptr) {
                value += a.residual[r * a.residual_stride + v];
            }
            a.seg[i].out[r * a.seg[i].out_stride + v] = value;
            return;
        }
        v -= a.seg[i].rows;
    }
}

/* Stores the results of the row pair p (virtual rows 2p and 2p + 1, or gate and up of SwiGLU
 * output p) for activation row r. */
__device__ __forceinline__ void mc_mv_store_pair(const mc_mv_args &a, int p, int r, float v0,
                                                 float v1) {
    if (a.gate_up) {
        a.seg[0].out[r * a.seg[0].out_stride + p] = mc_silu(v0) * v1;
        return;
    }
    mc_mv_store(a, 2 * p, r, v0);
    if (2 * p + 1 < a.total_rows) {
        mc_mv_store(a, 2 * p + 1, r, v1);
    }
}

/* The end of one work item: a warp's sums (acc[j][r]: row 2 pair + j, activation row r) are
 * reduced over the warp; with one slice, lane 0 stores them; with several (consecutive warps of
 * the block took the pair's slices of K), they meet in `shared` (MC_MV_WARPS * 2 * MT floats)
 * and the slice-0 warp stores. Every warp of the block calls it the same number of times. */
template <int MT>
__device__ __forceinline__ void mc_mv_finish_item(const mc_mv_args &a, int pair, int slice,
                                                  int slices, bool active, float (&acc)[2][MT],
                                                  float *shared) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
#pragma unroll
    for (int j = 0; j < 2; j++) {
#pragma unroll
        for (int r = 0; r < MT; r++) {
            acc[j][r] = mc_warp_sum(acc[j][r]);
        }
    }
    if (slices == 1) {
        if (active && lane == 0) {
#pragma unroll
            for (int r = 0; r < MT; r++) {
                if (r < a.m) {
                    mc_mv_store_pair(a, pair, r, acc[0][r], acc[1][r]);
                }
            }
        }
        return;
    }
    if (lane == 0) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
#pragma unroll
            for (int r = 0; r < MT; r++) {
                shared[(warp * 2 + j) * MT + r] = acc[j][r];
            }
        }
    }
    __syncthreads();
    if (active && slice == 0 && lane < MT && lane < a.m) {
        float v0 = 0.0f, v1 = 0.0f;
        for (int w = warp; w < warp + slices; w++) {
            v0 += shared[(w * 2) * MT + lane];
            v1 += shared[(w * 2 + 1) * MT + lane];
        }
        mc_mv_store_pair(a, pair, lane, v0, v1);
    }
    __syncthreads(); /* `shared` is read before the next item writes it */
}

/* Slices of K per row pair for a launch: as many as keep every item to one batch of `unroll`
 * steps (all of a warp's loads in flight at once), a power of two up to 16 (a block's warps hold
 * all slices of a pair), none where pairs are plenty (8 per resident warp: the output
 * projection; measured faster); `requested` (cuda.mv_slices) overrides when not 0. */
static inline int mc_mv_slices(int pairs, int resident_warps, int steps, int unroll,
                               int requested) {
    if (requested > 0) {
        return requested;
    }
    if ((int64_t)pairs >= 8 * (int64_t)resident_warps) {
        return 1;
    }
    int slices = 1;
    while (slices * 2 <= 16 && slices * 2 * unroll <= steps) {
        slices *= 2;
    }
    return slices;
}

static inline bool mc_aligned16(const void *p) {
    return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

/* Whether every weight row of a launch starts on a 16-byte boundary (vector loads, bulk copies). */
static inline bool mc_mv_rows_aligned16(const mc_mv_args &a) {
    for (int i = 0; i < a.segments; i++) {
        if (!mc_aligned16(a.seg[i].w) || a.seg[i].w_stride % 16 != 0) {
            return false;
        }
    }
    return true;
}

/* Warms the L2 cache with a weight row before the kernel waits for its predecessor (the
 * weights do not depend on it): Hopper's bulk prefetch, one instruction per row. */
__device__ __forceinline__ void mc_prefetch_l2(const void *p, uint32_t bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900 && defined(CUDART_VERSION) &&                   \
    CUDART_VERSION >= 12000
    const uintptr_t start = reinterpret_cast<uintptr_t>(p) & ~uintptr_t(15);
    const uint32_t size =
        (uint32_t)((reinterpret_cast<uintptr_t>(p) + bytes + 15 - start) & ~uintptr_t(15));
    asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(start), "r"(size) : "memory");
#else
    (void)p;
    (void)bytes;
#endif
}

/* Work item `item` of the register kernels: row pair item / slices, slice item % slices of its
 * K, no rows past `items`. */
struct mc_mv_item {
    bool active;
    int pair, slice;
    const uint8_t *rows[2];
};

__device__ __forceinline__ mc_mv_item mc_mv_item_at(const mc_mv_args &a, int item, int items,
                                                    int slices) {
    mc_mv_item it;
    it.active = item < items;
    it.pair = item / slices;
    it.slice = item % slices;
    it.rows[0] = it.active ? mc_mv_row(a, 2 * it.pair) : nullptr;
    it.rows[1] = it.active ? mc_mv_row(a, 2 * it.pair + 1) : nullptr;
    return it;
}

/* cuda.mv_prefetch in the register kernels, two lanes asking the L2 for a row each: 1 and 2, the
 * first item's rows before the kernel waits; 2, also the rows of the item `stride` later when
 * an item starts. With 1 and 2 a third lane of the first warp asks for the fused norm's
 * weights, which these kernels load only after the row's sum of squares (mc_mv_for_each_chunk):
 * on Hopper they then come from the L2 instead of memory. */
__device__ __forceinline__ void mc_mv_prefetch_first(const mc_mv_args &a, const mc_mv_item &it,
                                                     uint32_t row_bytes) {
    const int lane = threadIdx.x % 32;
    if (a.prefetch >= 1 && lane < 2 && it.slice == 0 && it.rows[lane] != nullptr) {
        mc_prefetch_l2(it.rows[lane], row_bytes);
    }
    if (a.prefetch >= 1 && threadIdx.x == 2 && a.norm_weight != nullptr) {
        mc_prefetch_l2(a.norm_weight, (uint32_t)a.k * sizeof(float));
    }
}

__device__ __forceinline__ void mc_mv_prefetch_next(const mc_mv_args &a, int item, int items,
                                                    int slices, int stride, uint32_t row_bytes) {
    const int lane = threadIdx.x % 32;
    if (a.prefetch == 2 && lane < 2 && item + stride < items && (item + stride) % slices == 0) {
        const uint8_t *next = mc_mv_row(a, 2 * ((item + stride) / slices) + lane);
        if (next != nullptr) {
            mc_prefetch_l2(next, row_bytes);
        }
    }
}

template <int MT> __device__ __forceinline__ void mc_mv_clear(float (&acc)[2][MT]) {
#pragma unroll
    for (int j = 0; j < 2; j++) {
#pragma unroll
        for (int r = 0; r < MT; r++) {
            acc[j][r] = 0.0f;
        }
    }
}

/* Activation rows up to this long (the largest shared-memory staging of the dense kernels). */
#define MC_MV_MAX_K 16384

__device__ __forceinline__ float4 mc_mv_load4(const float *p, int c, int k, bool vec) {
    if (vec) { /* k % 4 == 0 and 16-byte aligned rows */
        return 4 * c < k ? reinterpret_cast<const float4 *>(p)[c] : make_float4(0, 0, 0, 0);
    }
    const int e = 4 * c;
    return make_float4(e < k ? p[e] : 0.0f, e + 1 < k ? p[e + 1] : 0.0f,
                       e + 2 < k ? p[e + 2] : 0.0f, e + 3 < k ? p[e + 3] : 0.0f);
}

__device__ __forceinline__ void mc_mv_store4(float *p, int c, int k, bool vec, float4 v) {
    if (vec) {
        if (4 * c < k) {
            reinterpret_cast<float4 *>(p)[c] = v;
        }
        return;
    }
    const int e = 4 * c;
    const float values[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int i = 0; i < 4; i++) {
        if (e + i < k) {
            p[e + i] = values[i];
        }
    }
}

/* Four chunks of a row of k floats (the activations or the norm weights): thread t's chunks
 * c = t + MC_MV_THREADS (i0 + i), zeros past k, every load issued before any is used. */
__device__ __forceinline__ void mc_mv_load_group(const mc_mv_args &a, const float *row, int i0,
                                                 float4 (&v)[4]) {
#pragma unroll
    for (int i = 0; i < 4; i++) {
        v[i] = mc_mv_load4(row, threadIdx.x + MC_MV_THREADS * (i0 + i), a.k, a.x_vec);
    }
}

/* The fused norm's weights for a thread's first four chunks, loaded before the kernel waits for
 * its predecessor: they are constants, and a decode step streams far more than the L2 holds, so
 * their trip to memory overlaps the previous kernel instead of following the row's sum of
 * squares. */
struct mc_mv_norm_head {
    float4 w[4];
};

__device__ __forceinline__ mc_mv_norm_head mc_mv_load_norm_head(const mc_mv_args &a) {
    mc_mv_norm_head head = {};
    if (a.norm_weight != nullptr) {
        mc_mv_load_group(a, a.norm_weight, 0, head.w);
    }
    return head;
}

/* Activation row r as the matvec sees it, RMS-normalized when fused (the CPU backend's formula):
 * use(c, v) gets thread t's chunks c = t + MC_MV_THREADS j, four elements each, zeros past k, for
 * as many j as the longest row needs (the same for every thread, so `use` may shuffle). Block 0
 * also writes the normalized values where the rms_norm op would have. All threads of the block
 * call it; `shared` holds MC_MV_WARPS floats.
 *
 * With `head` (the first norm weights, loaded before the wait), a row of at most four chunks per
 * thread (k <= 8192) is loaded once: the sum of squares and the values share registers. Kernels
 * whose registers are taken by weights they loaded before the wait pass nullptr: the row and the
 * norm weights are loaded again after the sum of squares (holding them spills; the weights were
 * prefetched to the L2, mc_mv_prefetch_first). */
template <typename Use>
__device__ __forceinline__ void mc_mv_for_each_chunk(const mc_mv_args &a, int r,
                                                     const mc_mv_norm_head *head, float *shared,
                                                     Use &&use) {
    const float *x = a.x + r * a.x_stride;
    const int rounds = (a.k + 4 * MC_MV_THREADS - 1) / (4 * MC_MV_THREADS);
    const bool held = head != nullptr && a.norm_weight != nullptr && rounds <= 4;
    float4 v[4];
    float scale = 1.0f;
    if (a.norm_weight != nullptr) {
        float sum = 0.0f;
        for (int i0 = 0; i0 < rounds; i0 += 4) {
            mc_mv_load_group(a, x, i0, v);
#pragma unroll
            for (int i = 0; i < 4; i++) {
                sum += v[i].x * v[i].x + v[i].y * v[i].y + v[i].z * v[i].z + v[i].w * v[i].w;
            }
        }
        scale = 1.0f / sqrtf(mc_block_sum<MC_MV_THREADS>(sum, shared) / (float)a.k + a.norm_eps);
    }
    const bool write = blockIdx.x == 0 && a.norm_weight != nullptr && a.norm_out != nullptr;
    for (int i0 = 0; i0 < rounds; i0 += 4) {
        if (!held) {
            mc_mv_load_group(a, x, i0, v);
        }
        if (a.norm_weight != nullptr) {
            /* One weight chunk at a time: with all four loaded first, the register kernels spill.
             */
#pragma unroll
            for (int i = 0; i < 4; i++) {
                const float4 w =
                    i0 == 0 && head != nullptr
                        ? head->w[i]
                        : mc_mv_load4(a.norm_weight, threadIdx.x + MC_MV_THREADS * (i0 + i), a.k,
                                      a.x_vec);
                v[i] = make_float4(v[i].x * scale * w.x, v[i].y * scale * w.y, v[i].z * scale * w.z,
                                   v[i].w * scale * w.w);
            }
        }
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int c = threadIdx.x + MC_MV_THREADS * (i0 + i);
            if (i0 + i < rounds) {
                if (write) {
                    mc_mv_store4(a.norm_out + r * a.norm_out_stride, c, a.k, a.x_vec, v[i]);
                }
                use(c, v[i]);
            }
        }
    }
}

/* How many blocks of a matvec kernel run at once on the device (for a grid that loops over the
 * row groups instead of one block per group: the activations are prepared once per block). */
int mc_cuda_matvec_resident_blocks(mc_cuda *self, const void *kernel, size_t smem);

/* Launchers for `mt` = 1, 2, 4 or 8 activation rows. Quantized weights: activations quantized
 * to 8 bits per block of 32 (like the CPU backend) and integer dot products; float weights:
 * f32 activations. */
mc_status mc_cuda_matvec_quant(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a);
mc_status mc_cuda_matvec_dense(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a);

/* The streamed quantized matvec (matvec_stream.cu): whether it can run `a` (Hopper, cuda.mv_stages
 * on, 16-byte aligned rows, k % 256 == 0, shared memory), and its launcher. */
bool mc_cuda_matvec_stream_fits(const mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a);
mc_status mc_cuda_matvec_stream(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a);

/* Shared memory bytes the launchers need for `mt` rows of `k` columns. */
size_t mc_cuda_matvec_quant_smem(int mt, int k);
size_t mc_cuda_matvec_dense_smem(int mt, int k);

#endif /* METAL_CORE_CUDA_MATVEC_CUH */
