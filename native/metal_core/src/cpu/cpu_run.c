/* cpu_run.c — executes a list of ops: sizes the scratch, plans the pool phases of every op,
 * then runs the whole list as one task of the thread pool (one wake-up per list), with per-op
 * timing when profiling.
 *
 * Every op is one or two phases (thread_pool.h): its work items go to whichever threads are
 * running, and the next op starts when the items are done. Consecutive small element-wise ops
 * (a decode step's norms, rope and KV append of one token) form a single phase of one item: one
 * thread runs them back to back, since a phase boundary costs more than they do. A thread that
 * finds the current phase past an op skips it. Errors raised on any thread abort the run and are
 * handed to the caller's thread here. */
#include "cpu_backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Where an op (or a run of ops done alone) sits among the pool phases. */
struct mc_cpu_plan {
    uint32_t first_phase, last_phase;
    int32_t next; /* the op after this one, or after the run of ops done alone */
    int alone;
};

typedef struct run_task {
    mc_cpu_state *backend;
    const mc_op_desc *ops;
    const mc_cpu_plan *plans;
    int32_t count;
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
    if (atomic_compare_exchange_strong(&exec->backend->error_status, &expected, (int)status)) {
        va_list args;
        va_start(args, format);
        vsnprintf(exec->backend->error_message, sizeof exec->backend->error_message, format, args);
        va_end(args);
    }
    mc_pool_abort(exec->pool);
}

/* Reports the items the thread still holds. */
static void report_held(mc_cpu_exec *exec) {
    if (exec->held > 0) {
        mc_pool_finish(exec->pool, exec->phase, exec->held_total, exec->held);
        exec->held = 0;
    }
}

int64_t mc_cpu_claim(mc_cpu_exec *exec, int64_t total, int64_t *count) {
    if (exec->alone) {
        int64_t first = exec->next_alone;
        exec->next_alone = total;
        *count = total - first;
        return first;
    }
    report_held(exec);
    int64_t first = mc_pool_claim(exec->pool, exec->phase, total, 0, count);
    exec->held = *count;
    exec->held_total = total;
    return first;
}

int64_t mc_cpu_next_item(mc_cpu_exec *exec, int64_t total) {
    if (exec->alone) {
        return exec->next_alone < total ? exec->next_alone++ : -1;
    }
    report_held(exec);
    int64_t count;
    int64_t item = mc_pool_claim(exec->pool, exec->phase, total, 1, &count);
    exec->held = count;
    exec->held_total = total;
    return count > 0 ? item : -1;
}

int mc_cpu_end_phase(mc_cpu_exec *exec) {
    if (exec->alone) {
        exec->next_alone = 0;
        return !mc_pool_aborted(exec->pool);
    }
    report_held(exec);
    int running = mc_pool_wait_phase(exec->pool, exec->phase);
    exec->phase++;
    return running;
}

static mc_cpu_scratch_need scratch_need(const mc_cpu_state *backend, const mc_op_desc *op,
                                        int threads) {
    const mc_cpu_tunables *tunables = &backend->tunables;
    mc_cpu_scratch_need none = {0, 0};
    switch (op->kind) {
    case MC_OPK_MATMUL:
    case MC_OPK_MATMUL_QKV:
    case MC_OPK_GATE_UP_SILU: return mc_cpu_matmul_scratch(backend->kernels, tunables, op);
    case MC_OPK_ATTENTION: return mc_cpu_attention_scratch(tunables, op);
    case MC_OPK_ROPE: return mc_cpu_rope_scratch(op);
    case MC_OPK_ARGMAX: return mc_cpu_argmax_scratch(op, threads);
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

/* Whether an op is small enough to run alone (see the file comment). */
static int runs_alone(const mc_cpu_tunables *tunables, const mc_op_desc *op) {
    int64_t values;
    switch (op->kind) {
    case MC_OPK_EMBEDDING:
    case MC_OPK_RMS_NORM:
    case MC_OPK_ROPE: values = (int64_t)op->t[0].rows * op->t[0].cols; break;
    case MC_OPK_KV_APPEND: values = 2 * (int64_t)op->t[0].rows * op->t[0].cols; break;
    case MC_OPK_ARGMAX: values = (int64_t)op->t[0].rows * op->t[0].cols; break;
    default: return 0;
    }
    return values <= tunables->serial_op_values;
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
        mc_cpu_fail(exec, MC_ERROR_UNSUPPORTED, "the CPU backend has no op kind %d", (int)op->kind);
        break;
    }
}

static int phases_of(const mc_op_desc *op, int threads) {
    switch (op->kind) {
    case MC_OPK_MATMUL:
    case MC_OPK_MATMUL_QKV:
    case MC_OPK_GATE_UP_SILU: return mc_cpu_matmul_phases(op);
    case MC_OPK_ARGMAX: return mc_cpu_argmax_phases(op, threads);
    default: return 1;
    }
}

/* Fills plans[i] for the first op i of each step (an op, or a run of ops done alone). */
static void plan_phases(const mc_cpu_tunables *tunables, const mc_op_desc *ops, int32_t count,
                        int threads, mc_cpu_plan *plans) {
    uint32_t phase = 0;
    for (int32_t i = 0; i < count;) {
        mc_cpu_plan *plan = &plans[i];
        plan->first_phase = phase;
        plan->alone = threads > 1 && runs_alone(tunables, &ops[i]);
        plan->next = i + 1;
        while (plan->alone && plan->next < count && runs_alone(tunables, &ops[plan->next])) {
            plan->next++;
        }
        phase += plan->alone ? 1u : (uint32_t)phases_of(&ops[i], threads);
        plan->last_phase = phase - 1;
        i = plan->next;
    }
}

static void run_ops(void *argument, int thread, int threads) {
    run_task *task = argument;
    mc_cpu_state *backend = task->backend;
    mc_pool *pool = backend->pool;
    const int profile = backend->profile_ops && thread == 0;
    mc_cpu_exec exec = {backend,
                        backend->kernels,
                        pool,
                        thread,
                        threads,
                        backend->scratch,
                        backend->scratch + task->shared_size +
                            (size_t)thread * task->per_thread_size,
                        0,
                        0,
                        0,
                        0,
                        0};
    for (int32_t i = 0; i < task->count;) {
        const mc_cpu_plan *plan = &task->plans[i];
        if (mc_pool_aborted(pool)) {
            return;
        }
        if (mc_pool_phase(pool) > plan->last_phase) { /* done while this thread was away */
            for (int32_t j = i; profile && j < plan->next; j++) {
                record_profile(backend, &task->ops[j], 0.0);
            }
            i = plan->next;
            continue;
        }
        exec.phase = plan->first_phase;
        if (plan->alone) {
            int64_t mine;
            double waited = profile ? now_us() : 0.0;
            mc_pool_claim(pool, plan->first_phase, 1, 1, &mine);
            for (int32_t j = i; mine && j < plan->next && !mc_pool_aborted(pool); j++) {
                mc_cpu_exec one = exec;
                one.threads = 1;
                one.alone = 1;
                double start = profile ? now_us() : 0.0;
                execute(&one, &task->ops[j]);
                if (profile) {
                    record_profile(backend, &task->ops[j], now_us() - start);
                }
            }
            if (mine) {
                mc_pool_finish(pool, plan->first_phase, 1, 1);
            }
            if (!mc_pool_wait_phase(pool, plan->first_phase)) {
                return;
            }
            for (int32_t j = i; profile && !mine && j < plan->next; j++) {
                /* another thread ran them: share out the time this one waited */
                record_profile(backend, &task->ops[j], (now_us() - waited) / (plan->next - i));
            }
        } else {
            double start = profile ? now_us() : 0.0;
            execute(&exec, &task->ops[i]);
            if (!mc_cpu_end_phase(&exec)) {
                return;
            }
            if (profile) {
                record_profile(backend, &task->ops[i], now_us() - start);
            }
        }
        i = plan->next;
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

/* Grows the plan array to at least `count` entries. */
static mc_status reserve_plans(mc_cpu_state *backend, int32_t count) {
    if (count <= backend->plans_capacity) {
        return MC_OK;
    }
    mc_cpu_plan *grown = realloc(backend->plans, (size_t)count * sizeof *grown);
    if (grown == NULL) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "CPU backend: out of host memory for %d ops",
                            (int)count);
    }
    backend->plans = grown;
    backend->plans_capacity = count;
    return MC_OK;
}

mc_status mc_cpu_run(void *self, const mc_op_desc *ops, int32_t count) {
    mc_cpu_state *backend = self;
    double start = now_us();
    int threads = mc_pool_threads(backend->pool);
    run_task task = {backend, ops, NULL, count, 0, 0};
    for (int32_t i = 0; i < count; i++) {
        mc_cpu_scratch_need need = scratch_need(backend, &ops[i], threads);
        task.shared_size = need.shared > task.shared_size ? need.shared : task.shared_size;
        task.per_thread_size =
            need.per_thread > task.per_thread_size ? need.per_thread : task.per_thread_size;
    }
    mc_status status =
        reserve_scratch(backend, task.shared_size + (size_t)threads * task.per_thread_size);
    if (status == MC_OK) {
        status = reserve_plans(backend, count);
    }
    if (status != MC_OK) {
        return status;
    }
    plan_phases(&backend->tunables, ops, count, threads, backend->plans);
    task.plans = backend->plans;
    double planned = now_us();
    mc_pool_run(backend->pool, run_ops, &task);
    backend->last_plan_us = planned - start;
    backend->last_run_us = now_us() - planned;
    int error = atomic_exchange(&backend->error_status, MC_OK);
    if (error != MC_OK) {
        return mc_set_error((mc_status)error, "%s", backend->error_message);
    }
    backend->dispatches += (uint64_t)count;
    return MC_OK;
}
