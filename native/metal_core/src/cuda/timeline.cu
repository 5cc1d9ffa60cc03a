/* timeline.cu — the host side of the decode-step timeline (timeline.cuh, built with
 * -DMC_CUDA_TIMELINE=ON): MC_CUDA_TIMELINE=N arms a context's Nth graph launch, and its next
 * launch (or the context's end) prints what the kernels recorded to standard error. Without the
 * option both entry points do nothing. */
#include "cuda_internal.h"
#include "timeline.cuh"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#if MC_CUDA_TIMELINE

namespace {

/* Setters of the log's address, one per translation unit (timeline.cuh). Constant-initialized,
 * so the units' static initializers may register in any order. */
mc_timeline_setter g_setters[64];
int g_setter_count;

const char *kind_name(uint32_t kind) {
    static const char *const names[MC_TL_KIND_COUNT] = {
        "?",         "matvec_stream", "matvec_quant", "matvec_dense", "attention", "qk_prepare",
        "embedding", "rms_norm",      "rope",         "kv_append",    "argmax",    "gemm_prep"};
    return kind < MC_TL_KIND_COUNT ? names[kind] : "?";
}

constexpr size_t kLogBlocks = (size_t)MC_TL_SLOTS * MC_TL_BLOCKS;

/* One launch, times in µs from the replay's first start. */
struct launch {
    unsigned long long grid;
    uint32_t kind, info, blocks, recorded, sms, most_per_sm;
    double start_first, start_last, released_first, released_last, end_median, end_last;
};

/* The launches of a log, in launch order; `clashes` counts blocks whose slot held another grid. */
std::vector<launch> collect(const std::vector<mc_timeline_block> &log, int *clashes) {
    std::vector<launch> launches;
    unsigned long long origin = ~0ull;
    *clashes = 0;
    for (size_t s = 0; s < MC_TL_SLOTS; s++) {
        const mc_timeline_block *slot = &log[s * MC_TL_BLOCKS];
        std::vector<const mc_timeline_block *> mine;
        for (int i = 0; i < MC_TL_BLOCKS; i++) {
            if (slot[i].grid == 0) {
                continue;
            }
            if (!mine.empty() && slot[i].grid != mine[0]->grid) {
                ++*clashes;
                continue;
            }
            mine.push_back(&slot[i]);
        }
        if (mine.empty()) {
            continue;
        }
        std::vector<unsigned long long> starts, released, ends;
        std::map<uint32_t, uint32_t> per_sm;
        for (const mc_timeline_block *b : mine) {
            starts.push_back(b->start);
            if (b->released != 0) {
                released.push_back(b->released);
            }
            ends.push_back(b->end);
            per_sm[b->sm]++;
        }
        std::sort(starts.begin(), starts.end());
        std::sort(released.begin(), released.end());
        std::sort(ends.begin(), ends.end());
        launch l = {};
        l.grid = mine[0]->grid;
        l.kind = mine[0]->kind;
        l.info = mine[0]->info;
        l.blocks = mine[0]->blocks;
        l.recorded = (uint32_t)mine.size();
        l.sms = (uint32_t)per_sm.size();
        for (const auto &entry : per_sm) {
            l.most_per_sm = std::max(l.most_per_sm, entry.second);
        }
        l.start_first = (double)starts.front();
        l.start_last = (double)starts.back();
        /* A kernel that never waits (the first of a step) counts as released at its start. */
        l.released_first = released.empty() ? l.start_first : (double)released.front();
        l.released_last = released.empty() ? l.start_last : (double)released.back();
        l.end_median = (double)ends[ends.size() / 2];
        l.end_last = (double)ends.back();
        origin = std::min(origin, starts.front());
        launches.push_back(l);
    }
    std::sort(launches.begin(), launches.end(),
              [](const launch &a, const launch &b) { return a.grid < b.grid; });
    for (launch &l : launches) {
        for (double *t : {&l.start_first, &l.start_last, &l.released_first, &l.released_last,
                          &l.end_median, &l.end_last}) {
            *t = (*t - (double)origin) / 1000.0;
        }
    }
    return launches;
}

/* The table: every launch, then per kind (and info: a matvec's rows) its share of the step —
 * from the previous launch's last end to its own — split into the release gap (the previous
 * end to this launch's first return from its wait) and the time after. */
void print(const std::vector<mc_timeline_block> &log, int replay, uint64_t kernels) {
    int clashes = 0;
    const std::vector<launch> launches = collect(log, &clashes);
    fprintf(stderr, "timeline: graph launch %d: %zu of its %llu kernels recorded%s%s\n", replay,
            launches.size(), (unsigned long long)kernels,
            launches.size() < kernels ? " (some not recorded: cuBLASLt's, or past the log's slots)"
            : launches.size() == kernels ? " (every kernel recorded)"
                                         : "",
            clashes != 0 ? " (slot clash: two launches' blocks in one slot)" : "");
    fprintf(stderr, "timeline: µs from the first start | kernel, info (matvec rows), blocks "
                    "recorded/launched, SMs/most on one | start first..last | released "
                    "first..last | end median, last\n");
    struct share {
        int count;
        double total, gap, after;
    };
    std::map<std::pair<uint32_t, uint32_t>, share> shares;
    double previous_end = 0.0;
    for (size_t i = 0; i < launches.size(); i++) {
        const launch &l = launches[i];
        fprintf(stderr,
                "timeline: %4zu %-13s %7u %4u/%-4u %3u/%u | %9.2f..%9.2f | %9.2f..%9.2f | "
                "%9.2f %9.2f\n",
                i, kind_name(l.kind), l.info, l.recorded, l.blocks, l.sms, l.most_per_sm,
                l.start_first, l.start_last, l.released_first, l.released_last, l.end_median,
                l.end_last);
        share &s = shares[{l.kind, l.info}];
        s.count++;
        s.total += l.end_last - previous_end;
        s.gap += std::max(0.0, l.released_first - previous_end);
        s.after += l.end_last - std::max(l.released_first, previous_end);
        previous_end = l.end_last;
    }
    fprintf(stderr,
            "timeline: step %.2f µs, first start to last end; per kernel and info: "
            "count, share of the step, each, release gap each, released to end each\n",
            previous_end);
    for (const auto &entry : shares) {
        const share &s = entry.second;
        fprintf(stderr, "timeline: %-13s %7u x%-4d %9.2f %8.2f %6.2f %8.2f\n",
                kind_name(entry.first.first), entry.first.second, s.count, s.total,
                s.total / s.count, s.gap / s.count, s.after / s.count);
    }
}

void set_every_copy(mc_timeline_block *log, cudaStream_t stream) {
    for (int i = 0; i < g_setter_count; i++) {
        g_setters[i](log, stream);
    }
}

/* Prints the armed replay (the stream is idle when this runs) and disarms. */
void finish_armed(mc_cuda *self) {
    std::vector<mc_timeline_block> host(kLogBlocks);
    if (cudaMemcpy(host.data(), self->timeline_log, kLogBlocks * sizeof(mc_timeline_block),
                   cudaMemcpyDeviceToHost) == cudaSuccess) {
        print(host, self->timeline_armed, self->timeline_kernels);
    } else {
        fprintf(stderr, "timeline: reading the log failed: %s\n",
                cudaGetErrorString(cudaGetLastError()));
    }
    set_every_copy(nullptr, self->stream);
    cudaStreamSynchronize(self->stream);
    self->timeline_armed = 0;
}

} // namespace

int mc_timeline_register(mc_timeline_setter setter) {
    if (g_setter_count < (int)(sizeof g_setters / sizeof g_setters[0])) {
        g_setters[g_setter_count++] = setter;
    }
    return g_setter_count;
}

void mc_cuda_timeline_before_launch(mc_cuda *self, uint64_t kernels) {
    if (self->timeline_armed != 0) {
        cudaStreamSynchronize(self->stream);
        finish_armed(self);
    }
    if (self->timeline_at == 0) {
        const char *wanted = getenv("MC_CUDA_TIMELINE");
        self->timeline_at = wanted != nullptr && atoi(wanted) > 0 ? atoi(wanted) : -1;
    }
    if (++self->timeline_launches != self->timeline_at) {
        return;
    }
    const size_t bytes = kLogBlocks * sizeof(mc_timeline_block);
    if (self->timeline_log == nullptr &&
        cudaMalloc(reinterpret_cast<void **>(&self->timeline_log), bytes) != cudaSuccess) {
        fprintf(stderr, "timeline: no device memory for the log (%zu bytes)\n", bytes);
        cudaGetLastError();
        return;
    }
    cudaMemsetAsync(self->timeline_log, 0, bytes, self->stream);
    set_every_copy(self->timeline_log, self->stream);
    self->timeline_armed = self->timeline_launches;
    self->timeline_kernels = kernels;
}

void mc_cuda_timeline_free(mc_cuda *self) {
    if (self->timeline_armed != 0) {
        finish_armed(self);
    }
    cudaFree(self->timeline_log);
    self->timeline_log = nullptr;
}

#else

void mc_cuda_timeline_before_launch(mc_cuda *, uint64_t) {}
void mc_cuda_timeline_free(mc_cuda *) {}

#endif
