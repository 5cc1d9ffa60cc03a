/* profile.cu — statistics and profiling: kernels launched, host encode time and device time of
 * the last synchronized batch (a pair of events around it), and, with
 * MC_CONTEXT_FLAG_PROFILE_OPS, device time per kernel name from an event pair around every
 * launch. */
#include "cuda_internal.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

template <typename T> mc_status grow(T **items, int32_t *capacity, int32_t needed) {
    if (needed <= *capacity) {
        return MC_OK;
    }
    int32_t next = *capacity == 0 ? 64 : *capacity * 2;
    T *grown = static_cast<T *>(realloc(*items, (size_t)next * sizeof(T)));
    if (grown == nullptr) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "CUDA profiling: out of host memory");
    }
    *items = grown;
    *capacity = next;
    return MC_OK;
}

int32_t find_slot(mc_cuda *self, const char *name) {
    for (int32_t i = 0; i < self->profile_count; i++) {
        if (strncmp(self->profile[i].name, name, sizeof self->profile[i].name - 1) == 0) {
            return i;
        }
    }
    return -1;
}

mc_status take_event(mc_cuda *self, cudaEvent_t *event) {
    if (self->event_pool_count > 0) {
        *event = self->event_pool[--self->event_pool_count];
        return MC_OK;
    }
    MC_CUDA_TRY(cudaEventCreate(event));
    return MC_OK;
}

mc_status give_event(mc_cuda *self, cudaEvent_t event) {
    MC_TRY(grow(&self->event_pool, &self->event_pool_capacity, self->event_pool_count + 1));
    self->event_pool[self->event_pool_count++] = event;
    return MC_OK;
}

} // namespace

mc_status mc_cuda_profile_begin(mc_cuda *self, const char *kernel, int32_t *token) {
    *token = -1;
    if ((self->flags & MC_CONTEXT_FLAG_PROFILE_OPS) == 0 || self->capturing) {
        return MC_OK;
    }
    int32_t slot = find_slot(self, kernel);
    if (slot < 0) {
        MC_TRY(grow(&self->profile, &self->profile_capacity, self->profile_count + 1));
        slot = self->profile_count++;
        memset(&self->profile[slot], 0, sizeof self->profile[slot]);
        snprintf(self->profile[slot].name, sizeof self->profile[slot].name, "%s", kernel);
    }
    MC_TRY(grow(&self->pending, &self->pending_capacity, self->pending_count + 1));
    mc_cuda_pending_timing *timing = &self->pending[self->pending_count];
    timing->slot = slot;
    MC_TRY(take_event(self, &timing->start));
    MC_TRY(take_event(self, &timing->end));
    MC_CUDA_TRY(cudaEventRecord(timing->start, self->stream));
    *token = self->pending_count++;
    return MC_OK;
}

mc_status mc_cuda_profile_end(mc_cuda *self, int32_t token) {
    if (token < 0) {
        return MC_OK;
    }
    MC_CUDA_TRY(cudaEventRecord(self->pending[token].end, self->stream));
    return MC_OK;
}

mc_status mc_cuda_profile_collect(mc_cuda *self) {
    for (int32_t i = 0; i < self->pending_count; i++) {
        mc_cuda_pending_timing *timing = &self->pending[i];
        float ms = 0;
        MC_CUDA_TRY(cudaEventElapsedTime(&ms, timing->start, timing->end));
        self->profile[timing->slot].calls++;
        self->profile[timing->slot].total_us += (double)ms * 1e3;
        MC_TRY(give_event(self, timing->start));
        MC_TRY(give_event(self, timing->end));
    }
    self->pending_count = 0;
    if (self->batch_timed) {
        float ms = 0;
        self->batch_timed = 0;
        MC_CUDA_TRY(cudaEventElapsedTime(&ms, self->batch_start, self->batch_end));
        self->last_device_time_us = (double)ms * 1e3;
    }
    return MC_OK;
}

void mc_cuda_profile_free(mc_cuda *self) {
    for (int32_t i = 0; i < self->pending_count; i++) {
        cudaEventDestroy(self->pending[i].start);
        cudaEventDestroy(self->pending[i].end);
    }
    for (int32_t i = 0; i < self->event_pool_count; i++) {
        cudaEventDestroy(self->event_pool[i]);
    }
    free(self->pending);
    free(self->event_pool);
    free(self->profile);
}

mc_status mc_cuda_batch_begin(mc_cuda *self) {
    if (self->batch_open) {
        return MC_OK;
    }
    MC_CUDA_TRY(cudaEventRecord(self->batch_start, self->stream));
    self->batch_open = 1;
    self->host_encode_us = 0;
    return MC_OK;
}

mc_status mc_cuda_batch_end(mc_cuda *self) {
    if (!self->batch_open) {
        return MC_OK;
    }
    MC_CUDA_TRY(cudaEventRecord(self->batch_end, self->stream));
    self->batch_open = 0;
    self->batch_timed = 1;
    self->last_host_encode_us = self->host_encode_us;
    return MC_OK;
}

mc_status mc_cuda_stats(void *opaque, mc_context_stats *stats) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    if (stats == nullptr) {
        self->dispatches = 0;
        self->last_device_time_us = 0;
        self->last_host_encode_us = 0;
        for (int32_t i = 0; i < self->profile_count; i++) {
            self->profile[i].calls = 0;
            self->profile[i].total_us = 0;
        }
        self->profile_count = 0;
        return MC_OK;
    }
    stats->dispatches = self->dispatches;
    stats->last_device_time_us = self->last_device_time_us;
    stats->last_host_encode_us = self->last_host_encode_us;
    return MC_OK;
}

mc_status mc_cuda_profile(void *opaque, int32_t index, mc_profile_entry *entry, int32_t *count) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    *count = self->profile_count;
    if (index >= 0 && index < self->profile_count) {
        memset(entry, 0, sizeof *entry);
        snprintf(entry->name, sizeof entry->name, "%s", self->profile[index].name);
        entry->calls = self->profile[index].calls;
        entry->total_us = self->profile[index].total_us;
    }
    return MC_OK;
}
