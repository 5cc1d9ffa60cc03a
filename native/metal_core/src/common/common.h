/* common.h — declarations shared by the common layer's files (not by backends). */
#ifndef METAL_CORE_COMMON_H
#define METAL_CORE_COMMON_H

#include "backend.h"

#include <stdint.h>

/* The public context: a backend instance plus the state of graph recording. */
struct mc_context {
    const mc_backend_vtable *vtable;
    void *self;        /* the backend's state */
    int32_t backend;   /* mc_backend actually used */
    int32_t recording; /* 1 between mc_graph_begin and mc_graph_end */
    mc_op_desc *recorded;
    int32_t recorded_count;
    int32_t recorded_capacity;
    uint64_t ops_enqueued;
    uint64_t graph_launches;
};

struct mc_graph {
    mc_context *context;
    void *impl; /* the backend's graph, or NULL: replay `ops` through run() */
    mc_op_desc *ops;
    int32_t count;
};

typedef struct mc_dtype_layout {
    const char *name;
    int32_t block_elements; /* elements per block (1 for plain types) */
    int32_t block_bytes;    /* bytes per block */
} mc_dtype_layout;

/* Fills *layout for a known dtype and returns 1; returns 0 for an unknown value. */
int mc_dtype_info(int32_t dtype, mc_dtype_layout *layout);

/* Resets the calling thread's last error (every public entry point starts with it). */
void mc_clear_error(void);

/* Executes one validated op now, or appends it to the graph being recorded. */
mc_status mc_context_submit(mc_context *context, const mc_op_desc *op);

#endif /* METAL_CORE_COMMON_H */
