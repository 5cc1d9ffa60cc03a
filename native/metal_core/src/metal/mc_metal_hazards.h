/*
 * mc_metal_hazards.h — where the concurrent compute encoder needs a memory barrier.
 *
 * All dispatches of a step go into one encoder of MTLDispatchTypeConcurrent, where Metal may
 * overlap them. A dispatch must wait (memoryBarrierWithScope:) only when it touches bytes that
 * a dispatch since the last barrier wrote, or writes bytes one of them read. Tracking byte
 * ranges lets independent ops (rope on q and on k, rms_norm of two heads) overlap.
 */
#ifndef MC_METAL_HAZARDS_H
#define MC_METAL_HAZARDS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MC_HAZARDS_MAX 64

typedef struct mc_hazard_range {
    const void *buffer;  /* identity of the memory (an mc_buffer, the scratch, the status) */
    uint64_t begin, end; /* bytes [begin, end) */
    int32_t access;      /* MC_PLAN_READ | MC_PLAN_WRITE */
} mc_hazard_range;

typedef struct mc_hazards {
    mc_hazard_range ranges[MC_HAZARDS_MAX]; /* touched since the last barrier */
    int32_t count;
} mc_hazards;

void mc_hazards_reset(mc_hazards *hazards);

/* Returns 1 when a dispatch touching `ranges` must be preceded by a barrier (a conflict, or no
 * room left to track it); the caller then encodes the barrier and calls mc_hazards_reset. */
int mc_hazards_conflict(const mc_hazards *hazards, const mc_hazard_range *ranges, int32_t count);

/* Records a dispatch's ranges after it was encoded. */
void mc_hazards_add(mc_hazards *hazards, const mc_hazard_range *ranges, int32_t count);

#ifdef __cplusplus
}
#endif

#endif /* MC_METAL_HAZARDS_H */
