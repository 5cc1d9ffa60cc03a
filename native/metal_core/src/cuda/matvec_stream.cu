/* matvec_stream.cu — the quantized matvec on Hopper with its weights streamed through shared
 * memory by the bulk-copy engine (TMA), for rows that start on 16-byte boundaries.
 *
 * Why: a decode matvec reads every weight once, so its speed is how many bytes are in flight
 * from the first microsecond to the last. Loading into registers (matvec_quant.cu) stops a warp
 * between items and makes every lane issue four loads per 8 bytes; here one lane per warp keeps
 * a ring of `stages` segments (about 1 KB of each of the two rows of a pair) in flight
 * with one bulk copy per row segment, and the warp computes on one stage while the others load.
 * The ring is filled, and the fused norm's first weights loaded, before the kernel waits for its
 * predecessor (the weights do not depend on it), so with programmatic dependent launch a matvec
 * streams its first bytes while the kernel before it finishes (and lets its own successor launch
 * late, see the kernel).
 *
 * A warp takes whole row pairs (no split of K: the pairs are spread over the blocks first, so
 * every multiprocessor gets a share even of a 2048-row matrix) and walks their segments in
 * order; a stage's mbarrier counts the bytes of its copies, and its phase tells the warp when
 * they have landed. One block of 16 warps per multiprocessor (cuda.mv_blocks_per_sm) with at most
 * half the registers, so the next kernel's block fits beside it during its tail. */
#include "matvec_quant.cuh"

namespace {

using namespace mvq;

/* Blocks per row per stage: about 1 KB (32 Q8_0 blocks, 64 of the 4- and 5-bit formats), a
 * multiple of 8 blocks, so with k % 256 == 0 every segment is whole 16-byte chunks. */
__host__ __device__ constexpr int segment_blocks(int block_bytes) {
    return block_bytes >= 32 ? 32 : 64;
}

__device__ __forceinline__ uint32_t shared_address(const void *p) {
    return (uint32_t)__cvta_generic_to_shared(p);
}

/* The mbarrier, copy and wait instructions (PTX ISA 8.0, sm_90). A barrier expects one
 * arrival per phase: the lane that arms it. */
__device__ __forceinline__ void barrier_init(uint64_t *barrier) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(shared_address(barrier)), "r"(1u)
                 : "memory");
#endif
}

/* Makes the initialized barriers visible to the bulk-copy engine. */
__device__ __forceinline__ void barrier_init_fence() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
#endif
}

/* Arms the barrier's current phase for `bytes` of copies and copies `bytes` of each row. */
__device__ __forceinline__ void copy_rows(uint64_t *barrier, uint8_t *destination,
                                          const uint8_t *const (&rows)[2], uint32_t bytes,
                                          uint32_t row_spacing) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    const uint32_t bar = shared_address(barrier);
    const uint32_t total = rows[1] != nullptr ? 2 * bytes : bytes;
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(total)
                 : "memory");
#pragma unroll
    for (int j = 0; j < 2; j++) {
        if (rows[j] != nullptr) {
            asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], "
                         "[%1], %2, [%3];" ::"r"(shared_address(destination + j * row_spacing)),
                         "l"(rows[j]), "r"(bytes), "r"(bar)
                         : "memory");
        }
    }
#endif
}

/* Waits until the barrier's phase `parity` has completed (its copies have landed). */
__device__ __forceinline__ void barrier_wait(uint64_t *barrier, uint32_t parity) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("{\n"
                 ".reg .pred done;\n"
                 "WAIT:\n"
                 "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
                 "@!done bra WAIT;\n"
                 "}" ::"r"(shared_address(barrier)),
                 "r"(parity)
                 : "memory"); /* the braces scope the label to this copy of the code */
#endif
}

/* Shared memory: each warp's ring (stages of both rows' segments), then the quantized
 * activations. */
__host__ __device__ constexpr size_t ring_bytes(int block_bytes, int stages) {
    return (size_t)MC_MV_WARPS * (size_t)stages * 2 *
           (size_t)(segment_blocks(block_bytes) * block_bytes);
}

template <int DTYPE, int MT>
__global__ __launch_bounds__(MC_MV_THREADS, 2) void matvec_stream_kernel(mc_mv_args a, int stages) {
    MC_TIMELINE_KERNEL(MC_TL_MATVEC_STREAM, a.total_rows);
    using F = fmt<DTYPE>;
    constexpr int STEP = 32 / F::LANES; /* blocks a warp covers per step */
    constexpr int SEGMENT_BLOCKS = segment_blocks(F::BLOCK);
    constexpr uint32_t SEGMENT = SEGMENT_BLOCKS * F::BLOCK;
    extern __shared__ __align__(128) uint8_t smem[];
    __shared__ float reduce[MC_MV_WARPS * MT];
    __shared__ uint64_t barriers[MC_MV_WARPS][MC_CUDA_MV_MAX_STAGES];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int blocks = a.k / 32;
    const int segments = (blocks + SEGMENT_BLOCKS - 1) / SEGMENT_BLOCKS;
    uint8_t *ring = smem + (size_t)warp * stages * 2 * SEGMENT;
    int8_t *xq = reinterpret_cast<int8_t *>(smem + ring_bytes(F::BLOCK, stages));
    float *xd = reinterpret_cast<float *>(xq + MT * a.k);
    float *xs = xd + MT * blocks;

    /* This warp's pairs: first, first + warps, ...; its copies n = 0, 1, ... walk their segments
     * in order, copy n into stage n % stages. */
    const int pairs = (a.total_rows + 1) / 2;
    const int warps = gridDim.x * MC_MV_WARPS;
    const int first = warp * gridDim.x + blockIdx.x;
    const int copies = first < pairs ? ((pairs - 1 - first) / warps + 1) * segments : 0;
    /* Copies segment `segment` of pair `pair`'s rows into stage `stage`. */
    auto issue = [&](int pair, int segment, int stage) {
        const int64_t offset = (int64_t)segment * SEGMENT;
        const int count = min(SEGMENT_BLOCKS, blocks - segment * SEGMENT_BLOCKS);
        const uint8_t *row0 = mc_mv_row(a, 2 * pair), *row1 = mc_mv_row(a, 2 * pair + 1);
        const uint8_t *const rows[2] = {row0 + offset, row1 != nullptr ? row1 + offset : nullptr};
        copy_rows(&barriers[warp][stage], ring + stage * 2 * SEGMENT, rows,
                  (uint32_t)count * F::BLOCK, SEGMENT);
    };
    /* The pair and segment `ahead` copies after (pair, segment): a few steps, no division. */
    auto step_ahead = [&](int &pair, int &segment, int ahead) {
        segment += ahead;
        while (segment >= segments) {
            segment -= segments;
            pair += warps;
        }
    };

    /* When the next kernel may launch (each block counts as triggered from its first thread that
     * calls this): a warp without pairs lets it at once, the others after their last segment.
     * So a matrix small enough to leave a warp of every block idle (Qwen3-1.7B's o and down
     * projections) lets its successor fill its ring meanwhile, and one that keeps every warp busy
     * shares no bandwidth with it until its tail. Qwen3-1.7B Q8_0 decodes at 718 tok/s this way,
     * 668 triggering late everywhere; triggering at once everywhere lost 12% (docs/BENCHMARKS.md).
     * A successor that is not a streamed matvec (the attention after q/k/v) launches at once: its
     * blocks fit beside these (see the carveout in launch) and do what they can before their own
     * wait — loading cached keys, norm weights, rope angles — while this kernel streams
     * (+3.6 to +5.5% decode on the quantized shapes). */
    if (copies == 0 || a.dependents_at_start) {
        mc_pdl_launch_dependents();
    }
    const mc_mv_norm_head head = mc_mv_load_norm_head(a); /* constants too */
    if (lane == 0) {
        for (int s = 0; s < stages; s++) {
            barrier_init(&barriers[warp][s]);
        }
        barrier_init_fence();
        int pair = first, segment = 0;
        for (int n = 0; n < stages && n < copies; n++) { /* before waiting: weights are constant */
            issue(pair, segment, n);
            step_ahead(pair, segment, 1);
        }
    }
    __syncwarp();
    mc_pdl_wait();

    for (int r = 0; r < MT && r < a.m; r++) {
        quantize_row<F::MIN>(a, r, &head, xq + r * a.k, xd + r * blocks, xs + r * blocks, reduce);
    }
    __syncthreads();

    const int sub = lane % F::LANES, lane_block = lane / F::LANES;
    float acc[2][MT];
    /* Copy n's stage (n % stages), the phase of its barrier, its segment and its pair, counted
     * along instead of divided out: the loop runs once per ~1 KB per row, and the lanes' integer
     * divisions by runtime values were a good part of its instructions. */
    int stage = 0, segment = 0, pair = first;
    uint32_t phase = 0;
    for (int n = 0; n < copies; n++) {
        if (segment == 0) {
            mc_mv_clear(acc);
        }
        barrier_wait(&barriers[warp][stage], phase);
        const uint8_t *staged = ring + stage * 2 * SEGMENT;
        const int count = min(SEGMENT_BLOCKS, blocks - segment * SEGMENT_BLOCKS);
#pragma unroll
        for (int b0 = 0; b0 < SEGMENT_BLOCKS; b0 += STEP) {
            const int b = b0 + lane_block;
            if (b < count) {
                const raw_block raw[2] = {
                    load_block<DTYPE, true>(staged + b * F::BLOCK, sub),
                    load_block<DTYPE, true>(staged + SEGMENT + b * F::BLOCK, sub)};
                accumulate_block<DTYPE, MT>(acc, raw, segment * SEGMENT_BLOCKS + b, sub, a, xq, xd,
                                            xs);
            }
        }
        __syncwarp(); /* every lane has read the stage before it is refilled */
        if (lane == 0 && n + stages < copies) {
            int ahead_pair = pair, ahead_segment = segment;
            step_ahead(ahead_pair, ahead_segment, stages);
            issue(ahead_pair, ahead_segment, stage);
        }
        if (segment == segments - 1) {
            mc_mv_finish_item<MT>(a, pair, 0, 1, true, acc, reduce);
            segment = 0;
            pair += warps;
        } else {
            segment++;
        }
        if (++stage == stages) {
            stage = 0;
            phase ^= 1u;
        }
    }
    mc_pdl_launch_dependents();
}

size_t stream_smem(int32_t dtype, int mt, int k, int stages) {
    uint64_t block_bytes = 0;
    if (mc_dtype_row_size((mc_dtype)dtype, 32, &block_bytes) != MC_OK) {
        return SIZE_MAX;
    }
    return ring_bytes((int)block_bytes, stages) + mc_cuda_matvec_quant_smem(mt, k);
}

template <int DTYPE, int MT> mc_status launch(mc_cuda *self, const mc_mv_args &a) {
    const int stages = self->tunables.mv_stages;
    const size_t smem = stream_smem(DTYPE, MT, a.k, stages);
    auto kernel = matvec_stream_kernel<DTYPE, MT>;
    MC_CUDA_TRY(
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    /* All of the multiprocessor's L1 as shared memory while this kernel runs (its weights bypass
     * the L1): with the driver's choice a block of the attention launched beside it does not fit,
     * and waits for this kernel's exit. */
    MC_CUDA_TRY(cudaFuncSetAttribute(kernel, cudaFuncAttributePreferredSharedMemoryCarveout,
                                     cudaSharedmemCarveoutMaxShared));
    const int per_sm = self->tunables.mv_blocks_per_sm > 0 ? self->tunables.mv_blocks_per_sm : 1;
    const int resident = mc_cuda_matvec_resident_blocks(self, (const void *)kernel, smem);
    const int wanted = per_sm * self->sm_count;
    const dim3 grid(wanted < resident ? wanted : resident);
    return mc_cuda_launch(self, "matvec_stream", kernel, grid, dim3(MC_MV_THREADS), smem, a,
                          stages);
}

} // namespace

bool mc_cuda_matvec_stream_fits(const mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a) {
    return self->tunables.mv_stages != 0 && self->compute_major >= 9 && a.k % 256 == 0 &&
           mc_mv_rows_aligned16(a) &&
           stream_smem(dtype, mt, a.k, self->tunables.mv_stages) <= self->max_smem_optin;
}

mc_status mc_cuda_matvec_stream(mc_cuda *self, int32_t dtype, int mt, const mc_mv_args &a) {
    return with_format(dtype, mt, [&](auto format, auto rows) {
        return launch<decltype(format)::value, decltype(rows)::value>(self, a);
    });
}
