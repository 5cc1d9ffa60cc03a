/* cpu_run.c — executes a list of ops: sizes the scratch, then runs the whole list as one task
 * of the thread pool (one wake-up per list, one barrier per op), with per-op timing when
 * profiling. Errors raised on worker threads are handed to the caller's thread here. */
#include "cpu_backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct run_task {
    mc_cpu_state *backend;
    const mc_op_desc *ops;
    int32_t count;
    int32_t completed; /* ops finished, written by thread 0 */
    size_t shared_size;
    size_t per_thread_size;
} run_task;

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

void mc_cpu_fail(mc_cpu_exec *exec, mc_status status, const char *format, ...) {
    int expected = MC_OK;
    if (!atomic_compare_exchange_strong(&exec->backend->error_status, &expected, (int)status)) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(exec->backend->error_message, sizeof exec->backend->error_message, format, args);
    va_end(args);
}

static mc_cpu_scratch_need scratch_need(const mc_cpu_tunables *tunables, const mc_op_desc *op,
                                        int threads) {
    mc_cpu_scratch_need none = {0, 0};
    switch (op->kind) {
    case MC_OPK_MATMUL:
    case MC_OPK_MATMUL_QKV:
    case MC_OPK_GATE_UP_SILU: return mc_cpu_matmul_scratch(tunables, op);
    case MC_OPK_ATTENTION: return mc_cpu_attention_scratch(tunables, op);
    case MC_OPK_ROPE: return mc_cpu_rope_scratch(op);
    case MC_OPK_ARGMAX: {
        mc_cpu_scratch_need need = {mc_cpu_align64((size_t)threads * 8u), 0};
        return need;
    }
    default: return none;
    }
}

/* The dtype that names an op's kernel in the profile ("matmul_q8_0", "attention_f16"). */
static int32_t profile_dtype(const mc_op_desc *op) {
    switch (op->kind) {
    case MC_OPK_EMBEDDING: return op->t[0].dtype;
    case MC_OPK_MATMUL:
    case MC_OPK_MATMUL_QKV:
    case MC_OPK_GATE_UP_SILU: return op->t[1].dtype;
    case MC_OPK_KV_APPEND: return op->t[2].dtype;
    case MC_OPK_ATTENTION: return op->t[1].dtype;
    default: return MC_DTYPE_F32;
    }
}

static void record_profile(mc_cpu_state *backend, const mc_op_desc *op, double us) {
    int slot = op->kind * MC_CPU_PROFILE_DTYPES + profile_dtype(op);
    if (backend->profile[slot].calls == 0) {
        backend->profile_order[backend->profile_count++] = (int16_t)slot;
    }
    backend->profile[slot].calls++;
    backend->profile[slot].total_us += us;
}

static void execute(mc_cpu_exec *exec, const mc_op_desc *op) {
    switch (op->kind) {
    case MC_OPK_EMBEDDING: mc_cpu_op_embedding(exec, op); break;
    case MC_OPK_RMS_NORM: mc_cpu_op_rms_norm(exec, op); break;
    case MC_OPK_MATMUL:
    case MC_OPK_MATMUL_QKV:
    case MC_OPK_GATE_UP_SILU: mc_cpu_op_matmul(exec, op); break;
    case MC_OPK_ROPE: mc_cpu_op_rope(exec, op); break;
    case MC_OPK_KV_APPEND: mc_cpu_op_kv_append(exec, op); break;
    case MC_OPK_ATTENTION: mc_cpu_op_attention(exec, op); break;
    case MC_OPK_ARGMAX: mc_cpu_op_argmax(exec, op); break;
    default:
        if (exec->thread == 0) {
            mc_cpu_fail(exec, MC_ERROR_UNSUPPORTED, "the CPU backend has no op kind %d",
                        (int)op->kind);
        }
        break;
    }
}

static void run_ops(void *argument, int thread, int threads) {
    run_task *task = argument;
    mc_cpu_state *backend = task->backend;
    mc_cpu_exec exec = {backend,
                        backend->kernels,
                        backend->pool,
                        thread,
                        threads,
                        backend->scratch,
                        backend->scratch + task->shared_size +
                            (size_t)thread * task->per_thread_size};
    for (int32_t i = 0; i < task->count; i++) {
        double start = backend->profile_ops && thread == 0 ? now_us() : 0.0;
        execute(&exec, &task->ops[i]);
        mc_pool_barrier(backend->pool);
        /* Every thread reads the same status after the barrier, so all stop together. */
        if (atomic_load(&backend->error_status) != MC_OK) {
            return;
        }
        if (thread == 0) {
            if (backend->profile_ops) {
                record_profile(backend, &task->ops[i], now_us() - start);
            }
            task->completed = i + 1;
        }
    }
}

/* Grows the scratch to at least `size` bytes (64-byte aligned). */
static mc_status reserve_scratch(mc_cpu_state *backend, size_t size) {
    if (size <= backend->scratch_size) {
        return MC_OK;
    }
    size = mc_cpu_align64(size + size / 4);
    void *grown = NULL;
    if (posix_memalign(&grown, 64, size) != 0) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY,
                            "CPU backend: cannot allocate %zu bytes of "
                            "scratch memory",
                            size);
    }
    free(backend->scratch);
    backend->scratch = grown;
    backend->scratch_size = size;
    return MC_OK;
}

mc_status mc_cpu_run(void *self, const mc_op_desc *ops, int32_t count) {
    mc_cpu_state *backend = self;
    double start = now_us();
    int threads = mc_pool_threads(backend->pool);
    run_task task = {backend, ops, count, 0, 0, 0};
    for (int32_t i = 0; i < count; i++) {
        mc_cpu_scratch_need need = scratch_need(&backend->tunables, &ops[i], threads);
        task.shared_size = need.shared > task.shared_size ? need.shared : task.shared_size;
        task.per_thread_size =
            need.per_thread > task.per_thread_size ? need.per_thread : task.per_thread_size;
    }
    mc_status status =
        reserve_scratch(backend, task.shared_size + (size_t)threads * task.per_thread_size);
    if (status != MC_OK) {
        return status;
    }
    double planned = now_us();
    mc_pool_run(backend->pool, run_ops, &task);
    backend->dispatches += (uint64_t)task.completed;
    backend->last_plan_us = planned - start;
    backend->last_run_us = now_us() - planned;
    int error = atomic_exchange(&backend->error_status, MC_OK);
    if (error != MC_OK) {
        return mc_set_error((mc_status)error, "%s", backend->error_message);
    }
    return MC_OK;
}
