/*
 * mc_kernel_args.h — the contract between the Metal host code and the kernels: the argument
 * structs passed with setBytes at buffer index 0, the function-constant indices, and the type
 * codes. Included by the .metal files and by the host (.m / plain C), so both see one layout:
 * only 4-byte scalars, no pointers, no vectors.
 */
#ifndef MC_KERNEL_ARGS_H
#define MC_KERNEL_ARGS_H

#ifndef __METAL_VERSION__
#include <stdint.h>
#endif

/* Element types, as in mc_dtype (ggml type ids). */
#define MC_KT_F32 0
#define MC_KT_F16 1
#define MC_KT_Q4_0 2
#define MC_KT_Q8_0 8
#define MC_KT_BF16 30

/* Function constants. Indices are unique across the library (all kernels share one source in
 * the compile-from-source fallback); the host sets every constant of a kernel's file. */
#define MC_FC_MATVEC_WTYPE 0     /* int: weight type of mc_matvec */
#define MC_FC_MATVEC_ROWS 1      /* int: output rows per simdgroup (1..8) */
#define MC_FC_MATVEC_RESIDUAL 2  /* bool: add the residual (fused into the projection) */
#define MC_FC_QKV_WTYPE 3        /* int: weight type of mc_matvec_qkv */
#define MC_FC_QKV_ROWS 4         /* int: rows per simdgroup */
#define MC_FC_GATE_UP_WTYPE 5    /* int: weight type of mc_matvec_gate_up */
#define MC_FC_GATE_UP_ROWS 6     /* int: rows per simdgroup */
#define MC_FC_MATMUL_WTYPE 7     /* int: weight type of mc_matmul */
#define MC_FC_MATMUL_RESIDUAL 8  /* bool: add the residual */
#define MC_FC_MATMUL_GATE_UP 9   /* bool: silu(x·gateᵀ) * (x·upᵀ) from two weight matrices */
#define MC_FC_EMBEDDING_TYPE 10  /* int: table type of mc_embedding */
#define MC_FC_KV_APPEND_TYPE 11  /* int: cache type of mc_kv_append */
#define MC_FC_ATTENTION_TYPE 12  /* int: cache type of mc_attention */
#define MC_FC_ATTENTION_SPLIT 13 /* bool: write per-block partials for mc_attention_reduce */

#define MC_MATVEC_MAX_ROWS 8     /* upper bound of the rows-per-simdgroup constants */
#define MC_MATMUL_TILE 32        /* mc_matmul: output tile edge and K step */
#define MC_MATMUL_THREADS 128    /* mc_matmul: 4 simdgroups, each a 16x16 quarter of the tile */
#define MC_ATTENTION_MAX_DIM 256 /* largest head_dim mc_attention supports (8 per lane) */

/* Status words the kernels raise in the context's status buffer. */
#define MC_STATUS_KV_OUT_OF_RANGE 0    /* kv_append: a position or sequence outside the cache */
#define MC_STATUS_TOKEN_OUT_OF_RANGE 1 /* embedding: a token id outside the table */
#define MC_STATUS_WORDS 2

/* out[r, :] = table[tokens[r], :] */
typedef struct mc_embedding_args {
    int32_t rows;         /* tokens */
    int32_t cols;         /* embedding width */
    int32_t vocab;        /* table rows */
    int32_t table_stride; /* bytes between table rows */
    int32_t token_stride; /* bytes between token ids */
    int32_t out_stride;   /* floats between output rows */
} mc_embedding_args;

typedef struct mc_rms_norm_args {
    int32_t rows;
    int32_t cols;
    int32_t x_stride;   /* floats */
    int32_t out_stride; /* floats */
    float eps;
} mc_rms_norm_args;

typedef struct mc_argmax_args {
    int32_t rows;
    int32_t cols;
    int32_t x_stride;   /* floats */
    int32_t out_stride; /* ints */
} mc_argmax_args;

/* One weight matrix of a projection: w [n x k], out[r, n] (+ residual[r, n]). */
typedef struct mc_matvec_args {
    int32_t k;
    int32_t n;
    int32_t w_stride;        /* bytes between weight rows */
    int32_t x_stride;        /* floats between x rows */
    int32_t out_stride;      /* floats */
    int32_t residual_stride; /* floats */
} mc_matvec_args;

/* Q, K and V from one x: threadgroups [0, tg_q) make q, then k, then v. */
typedef struct mc_matvec_qkv_args {
    int32_t k;
    int32_t n_q;
    int32_t n_kv;
    int32_t tg_q;                            /* threadgroups along x for q */
    int32_t tg_kv;                           /* for k, and again for v */
    int32_t wq_stride, wk_stride, wv_stride; /* bytes */
    int32_t x_stride;                        /* floats */
    int32_t q_stride, k_stride, v_stride;    /* floats */
} mc_matvec_qkv_args;

typedef struct mc_matvec_gate_up_args {
    int32_t k;
    int32_t n;
    int32_t gate_stride, up_stride; /* bytes */
    int32_t x_stride;               /* floats */
    int32_t out_stride;             /* floats */
} mc_matvec_gate_up_args;

/* Prefill: out [m x n] = x [m x k] · wᵀ, in MC_MATMUL_TILE² tiles. */
typedef struct mc_matmul_args {
    int32_t m;
    int32_t n;
    int32_t k;
    int32_t x_stride;        /* floats */
    int32_t w_stride;        /* bytes */
    int32_t w2_stride;       /* bytes: the up matrix in gate/up mode */
    int32_t out_stride;      /* floats */
    int32_t residual_stride; /* floats */
} mc_matmul_args;

typedef struct mc_rope_args {
    int32_t tokens;
    int32_t heads;
    int32_t head_dim;
    int32_t rope_dims;
    int32_t x_stride; /* floats between tokens */
    int32_t neox;     /* 1: pairs (i, i + rope_dims/2); 0: pairs (2i, 2i+1) */
    int32_t has_freq_factors;
    float base;
} mc_rope_args;

typedef struct mc_kv_append_args {
    int32_t tokens;
    int32_t kv_dim;
    int32_t k_stride, v_stride; /* floats */
    int32_t k_cache_stride;     /* bytes between cache rows */
    int32_t v_cache_stride;
    int32_t cache_rows; /* rows in each cache */
    int32_t seq_capacity;
    int32_t has_seq_ids;
} mc_kv_append_args;

typedef struct mc_attention_args {
    int32_t tokens;
    int32_t heads;
    int32_t kv_heads;
    int32_t head_dim;
    int32_t q_stride;       /* floats between tokens */
    int32_t out_stride;     /* floats */
    int32_t k_cache_stride; /* bytes between cache rows */
    int32_t v_cache_stride;
    int32_t seq_capacity;
    int32_t has_seq_ids;
    int32_t block;  /* keys per threadgroup (the split's block; seq_capacity when single) */
    int32_t blocks; /* threadgroups along z */
    float scale;
} mc_attention_args;

#endif /* MC_KERNEL_ARGS_H */
