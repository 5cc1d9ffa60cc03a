/*
 * mc_metal_plan.h — how each op becomes Metal dispatches: which kernel, which function
 * constants, which grid and threadgroup size, what goes into each buffer slot, and what each
 * binding reads or writes. Plain C with no Metal types, so the Objective-C host encodes exactly
 * this plan on a Mac, and the Linux emulator tests run the same plan through the kernels.
 */
#ifndef MC_METAL_PLAN_H
#define MC_METAL_PLAN_H

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MC_PLAN_MAX_DISPATCHES 3
#define MC_PLAN_MAX_BUFFERS 8 /* buffer indices 0..7; index 0 is always the args bytes */
#define MC_PLAN_MAX_CONSTANTS 4
#define MC_PLAN_MAX_ARGS 128

/* What a buffer slot is bound to. */
typedef enum mc_plan_bind {
    MC_PLAN_BIND_NONE = 0,    /* unused slot */
    MC_PLAN_BIND_ARGS = 1,    /* the args bytes (setBytes) */
    MC_PLAN_BIND_TENSOR = 2,  /* op tensor `slot` at its offset */
    MC_PLAN_BIND_SCRATCH = 3, /* the context's scratch buffer at `offset` */
    MC_PLAN_BIND_STATUS = 4   /* the context's status words (kernels raise flags there) */
} mc_plan_bind;

/* Access bits, for the barrier placement of the concurrent encoder. */
#define MC_PLAN_READ 1
#define MC_PLAN_WRITE 2

typedef struct mc_plan_binding {
    int32_t kind;    /* mc_plan_bind */
    int32_t slot;    /* MC_PLAN_BIND_TENSOR: index into mc_op_desc.t */
    int32_t access;  /* MC_PLAN_READ | MC_PLAN_WRITE; 0 = a placeholder the kernel never reads */
    uint64_t offset; /* MC_PLAN_BIND_SCRATCH: byte offset */
    uint64_t size;   /* bytes the kernel may touch from the bound offset */
} mc_plan_binding;

typedef struct mc_plan_constant {
    int32_t index;   /* MC_FC_* */
    int32_t is_bool; /* MTLDataTypeBool, else MTLDataTypeInt */
    int32_t value;
} mc_plan_constant;

typedef struct mc_plan_dispatch {
    const char *kernel; /* function name in the library */
    mc_plan_constant constants[MC_PLAN_MAX_CONSTANTS];
    int32_t constant_count;
    uint32_t threadgroups[3];    /* dispatchThreadgroups: */
    uint32_t threads[3];         /* threadsPerThreadgroup: */
    uint32_t threadgroup_memory; /* bytes at [[threadgroup(0)]], a multiple of 16; 0 = none */
    mc_plan_binding buffers[MC_PLAN_MAX_BUFFERS];
    int32_t buffer_count;
    unsigned char args[MC_PLAN_MAX_ARGS];
    uint32_t args_size;
} mc_plan_dispatch;

/* The tunables (mc_context_set_tunable names in comments); defaults from mc_plan_defaults. */
typedef struct mc_plan_tunables {
    int32_t rms_norm_threads;     /* "rms_norm.threads": threads per row, 32..1024 (512) */
    int32_t argmax_threads;       /* "argmax.threads": threads per row, 32..1024 (1024) */
    int32_t matvec_rows;          /* "matvec.rows": output rows per simdgroup, 1..8 (4) */
    int32_t matvec_simdgroups;    /* "matvec.simdgroups": per threadgroup, 1..32 (2) */
    int32_t matmul_min_rows;      /* "matmul.min_rows": x rows from which the tiled
                                     simdgroup-matrix kernel replaces matvec (8) */
    int32_t attention_simdgroups; /* "attention.simdgroups": per threadgroup, 1..32 (4) */
    int32_t attention_block;      /* "attention.block": keys per threadgroup; a cache longer
                                     than this is split over blocks plus a reduce (512) */
    int32_t elementwise_threads;  /* "elementwise.threads": rope, kv_append, embedding (256) */
} mc_plan_tunables;

void mc_plan_defaults(mc_plan_tunables *tunables);

/* Sets tunable `name`; MC_ERROR_INVALID_ARGUMENT (with the message set) for an unknown name or a
 * value out of its range. */
mc_status mc_plan_set_tunable(mc_plan_tunables *tunables, const char *name, int32_t value);

/* Plans one validated op into *count dispatches (encoded in order; each may depend on the
 * previous). *scratch_bytes receives the scratch the plan needs (0 if none). Returns
 * MC_ERROR_UNSUPPORTED (message set) for dtypes or shapes the kernels do not cover. */
mc_status mc_plan_op(const mc_op_desc *op, const mc_plan_tunables *tunables,
                     mc_plan_dispatch dispatches[MC_PLAN_MAX_DISPATCHES], int32_t *count,
                     uint64_t *scratch_bytes);

#ifdef __cplusplus
}
#endif

#endif /* MC_METAL_PLAN_H */
