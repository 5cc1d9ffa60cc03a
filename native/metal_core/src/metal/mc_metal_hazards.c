/* mc_metal_hazards.c — barrier placement for the concurrent encoder (see mc_metal_hazards.h). */
#include "mc_metal_hazards.h"

#include "mc_metal_plan.h"

void mc_hazards_reset(mc_hazards *hazards) {
    hazards->count = 0;
}

static int overlaps(const mc_hazard_range *a, const mc_hazard_range *b) {
    return a->buffer == b->buffer && a->begin < b->end && b->begin < a->end;
}

int mc_hazards_conflict(const mc_hazards *hazards, const mc_hazard_range *ranges, int32_t count) {
    if (hazards->count + count > MC_HAZARDS_MAX)
        return 1;
    for (int32_t i = 0; i < count; ++i) {
        if (ranges[i].access == 0)
            continue; /* a placeholder binding */
        for (int32_t j = 0; j < hazards->count; ++j) {
            const mc_hazard_range *old = &hazards->ranges[j];
            int writes = (ranges[i].access | old->access) & MC_PLAN_WRITE;
            if (writes && overlaps(&ranges[i], old))
                return 1;
        }
    }
    return 0;
}

void mc_hazards_add(mc_hazards *hazards, const mc_hazard_range *ranges, int32_t count) {
    for (int32_t i = 0; i < count && hazards->count < MC_HAZARDS_MAX; ++i) {
        if (ranges[i].access != 0)
            hazards->ranges[hazards->count++] = ranges[i];
    }
}
