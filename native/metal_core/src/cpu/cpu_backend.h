/* cpu_backend.h — the CPU backend's state and the interface between its driver (cpu_backend.c,
 * cpu_run.c) and its ops (op_*.c). */
#ifndef METAL_CORE_CPU_BACKEND_H
#define METAL_CORE_CPU_BACKEND_H

#include "backend.h"
#include "cpu_kernels.h"
#include "thread_pool.h"

#include <stdatomic.h>
#include <stddef.h>

/* Settings changeable through mc_context_set_tunable (names in cpu_tunables.c). */
typedef struct mc_cpu_tunables {
    int simd_level;           /* kernel table in use (mc_simd_level) */
    int matvec_rows_per_task; /* output rows per work item when an op has one token */
    int gemm_rows_per_task;   /* output rows per work item when an op has several tokens */
    int gemm_tile_tokens;     /* tokens per kernel call in a multi-token work item */
    int attention_block;      /* keys per online-softmax step */
    int spin_us;              /* how long idle workers spin before sleeping */
    int serial_op_values;     /* element-wise ops this small run on one thread, no barrier */
} mc_cpu_tunables;

/* Per-kernel profile (MC_CONTEXT_FLAG_PROFILE_OPS). */
typedef struct mc_cpu_profile_slot {
    uint64_t calls;
    double total_us;
} mc_cpu_profile_slot;

/* One slot per op kind and dtype (the dtype of the op's weight, table or cache). */
#define MC_CPU_PROFILE_DTYPES 32
#define MC_CPU_PROFILE_SLOTS (MC_OPK_COUNT * MC_CPU_PROFILE_DTYPES)

typedef struct mc_cpu_plan mc_cpu_plan; /* cpu_run.c */

typedef struct mc_cpu_state {
    mc_pool *pool;
    const mc_cpu_kernels *kernels;
    mc_cpu_tunables tunables;
    char device_name[160];
    int profile_ops;

    /* Scratch shared by the ops, sized before each run (cpu_scratch.c). */
    uint8_t *scratch;
    size_t scratch_size;
    mc_cpu_plan *plans; /* one per op of the list being run */
    int32_t plans_capacity;

    /* Statistics. */
    uint64_t dispatches;
    double last_run_us;
    double last_plan_us;
    mc_cpu_profile_slot profile[MC_CPU_PROFILE_SLOTS];
    int16_t profile_order[MC_CPU_PROFILE_SLOTS]; /* slots in the order first used */
    int32_t profile_count;

    /* The first error raised by an op on any thread; reported by run() on the caller's thread. */
    atomic_int error_status;
    char error_message[512];
} mc_cpu_state;

/* What an op sees while it runs on one thread of the pool. */
typedef struct mc_cpu_exec {
    mc_cpu_state *backend;
    const mc_cpu_kernels *kernels;
    mc_pool *pool;
    int thread;               /* this thread's index */
    int threads;              /* threads of the pool (1 for an op run alone) */
    uint8_t *scratch_shared;  /* the part of the scratch every thread sees */
    uint8_t *scratch_thread;  /* this thread's private part */
    int alone;                /* the op runs on this thread only: items are not shared */
    uint32_t phase;           /* the pool phase the op is in (see thread_pool.h) */
    int64_t next_alone;       /* alone: the next item */
    int64_t held, held_total; /* items claimed and not yet reported done, of held_total */
} mc_cpu_exec;

/* The work items of an op's current phase are claimed with these; every thread running the op
 * makes the same calls with the same `total` until they return none, then calls
 * mc_cpu_end_phase before the op's next phase. Each claim reports the previous one done. */

/* The next item (0 <= item < total), or -1 when none is left. */
int64_t mc_cpu_next_item(mc_cpu_exec *exec, int64_t total);

/* The next share of items (see mc_pool_claim): returns the first, sets *count (0: none left). */
int64_t mc_cpu_claim(mc_cpu_exec *exec, int64_t total, int64_t *count);

/* Reports the items still held, waits for the phase to end and moves to the next one.
 * Returns 0 when the run was aborted by an error: the op must return at once. */
int mc_cpu_end_phase(mc_cpu_exec *exec);

/* Records an op failure (the first one wins) and aborts the run: ops check their inputs the
 * same way on every thread, call this wherever a check fails and return. */
void mc_cpu_fail(mc_cpu_exec *exec, mc_status status, const char *format, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Scratch needs of one op, in bytes: shared by all threads, and per thread. */
typedef struct mc_cpu_scratch_need {
    size_t shared;
    size_t per_thread;
} mc_cpu_scratch_need;

/* The ops. Each runs on every thread of the pool (that is scheduled in time); work is split
 * through mc_cpu_next_item / mc_cpu_claim and phases are separated with mc_cpu_end_phase. */
void mc_cpu_op_embedding(mc_cpu_exec *exec, const mc_op_desc *op);
void mc_cpu_op_rms_norm(mc_cpu_exec *exec, const mc_op_desc *op);
void mc_cpu_op_matmul(mc_cpu_exec *exec, const mc_op_desc *op); /* all three matmul kinds */
void mc_cpu_op_rope(mc_cpu_exec *exec, const mc_op_desc *op);
void mc_cpu_op_kv_append(mc_cpu_exec *exec, const mc_op_desc *op);
void mc_cpu_op_attention(mc_cpu_exec *exec, const mc_op_desc *op);
void mc_cpu_op_argmax(mc_cpu_exec *exec, const mc_op_desc *op);

mc_cpu_scratch_need mc_cpu_matmul_scratch(const mc_cpu_kernels *kernels,
                                          const mc_cpu_tunables *tunables, const mc_op_desc *op);
mc_cpu_scratch_need mc_cpu_attention_scratch(const mc_cpu_tunables *tunables, const mc_op_desc *op);
mc_cpu_scratch_need mc_cpu_rope_scratch(const mc_op_desc *op);
mc_cpu_scratch_need mc_cpu_argmax_scratch(const mc_op_desc *op, int threads);

/* Phases of the ops that have more than one (the others have one). */
int mc_cpu_matmul_phases(const mc_op_desc *op);
int mc_cpu_argmax_phases(const mc_op_desc *op, int threads);

/* Tunables (cpu_tunables.c). */
void mc_cpu_tunables_default(mc_cpu_tunables *tunables, int best_simd_level);
mc_status mc_cpu_set_tunable(void *self, const char *name, int32_t value);

/* Runs a list of validated ops (cpu_run.c). */
mc_status mc_cpu_run(void *self, const mc_op_desc *ops, int32_t count);

/* Helpers for tensors: the address of row r of a tensor. */
static inline uint8_t *mc_cpu_row(const mc_tensor *t, int64_t r) {
    return (uint8_t *)t->buffer->host + t->offset + (uint64_t)r * t->row_stride;
}

static inline int32_t mc_cpu_i32(const mc_tensor *t, int64_t r) {
    int32_t v;
    memcpy(&v, mc_cpu_row(t, r), sizeof v);
    return v;
}

/* Rounds n up to a multiple of 64 (scratch areas start on cache lines). */
static inline size_t mc_cpu_align64(size_t n) {
    return (n + 63u) & ~(size_t)63u;
}

#endif /* METAL_CORE_CPU_BACKEND_H */
