/* thread_pool.c — see thread_pool.h. POSIX threads and C11 atomics.
 *
 * Every wait (a worker for the next task, the caller for the workers, a thread at a barrier)
 * spins on an atomic word for up to spin_us, then sleeps on the pool's condition variable.
 * Spinning keeps a step's hundreds of op boundaries at a fraction of a microsecond on idle
 * cores; sleeping matters when the machine has fewer free cores than the pool has threads:
 * a waiter that kept spinning (or yielding) would take the core from the very thread it waits
 * for. Whoever changes a word that others may sleep on wakes them if any sleeps.
 *
 * Phases: `claim` holds the current phase in its high 32 bits and the next unclaimed item in its
 * low 32 bits, so a claim made by a thread that is a phase behind fails instead of taking an
 * item of the next phase. The thread whose report completes a phase's items clears `done`,
 * moves `claim` and then `phase` on (release), and wakes the sleepers. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* syscall(SYS_gettid) */
#endif

#include "thread_pool.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <pthread/qos.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ volatile("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

#define DEFAULT_SPIN_US 200

struct mc_pool {
    int threads;
    int high_priority;
    pthread_t *workers; /* threads - 1 of them */
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    atomic_int sleepers; /* threads inside the slow path of wait_while_equal */
    atomic_int stop;
    atomic_int spin_us;

    /* The published task: written before `generation` is bumped, read after seeing it. */
    mc_pool_task task;
    void *argument;
    alignas(64) atomic_uint generation;
    alignas(64) atomic_uint pending; /* workers still running the current task */

    /* Hot counters on their own cache lines so that spinning readers do not slow writers. */
    alignas(64) _Atomic uint64_t claim;
    alignas(64) atomic_int_fast64_t done;
    alignas(64) atomic_uint phase;
    atomic_int abort;
};

typedef struct worker_start {
    mc_pool *pool;
    int index;
} worker_start;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Returns once *word != value, or the pool stops, or (when `abortable`: a phase wait) the task
 * is aborted: spins, then sleeps. */
static void wait_while_equal(mc_pool *pool, atomic_uint *word, unsigned value, int abortable) {
    uint64_t limit = (uint64_t)atomic_load_explicit(&pool->spin_us, memory_order_relaxed) * 1000u;
    uint64_t start = 0;
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) != value ||
            (abortable && atomic_load_explicit(&pool->abort, memory_order_relaxed))) {
            return;
        }
        CPU_RELAX();
        if ((i & 63u) == 0) {
            uint64_t now = now_ns();
            start = i == 0 ? now : start;
            if (now - start >= limit) {
                break;
            }
        }
    }
    /* The seq_cst increment of sleepers and the re-check of the word pair with the seq_cst
     * store of the word and the read of sleepers in notify(): either this thread sees the new
     * value, or the notifier sees a sleeper and broadcasts under the mutex (which it can only
     * take once this thread waits on the condition). */
    pthread_mutex_lock(&pool->mutex);
    atomic_fetch_add(&pool->sleepers, 1);
    while (atomic_load(word) == value && !atomic_load(&pool->stop) &&
           !(abortable && atomic_load(&pool->abort))) {
        pthread_cond_wait(&pool->wake, &pool->mutex);
    }
    atomic_fetch_sub(&pool->sleepers, 1);
    pthread_mutex_unlock(&pool->mutex);
}

/* Wakes the sleepers after a word they may wait on changed (with a seq_cst store). */
static void notify(mc_pool *pool) {
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
}

static void raise_priority(void) {
#if defined(__linux__)
    /* Needs CAP_SYS_NICE (or a raised RLIMIT_NICE) for a negative nice value: failure is fine. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -10);
#elif defined(__APPLE__)
    (void)pthread_set_qos_class_self_np(QOS_CLASS_USER_INTERACTIVE, 0);
#endif
}

static void *worker_main(void *argument) {
    worker_start start = *(worker_start *)argument;
    free(argument);
    mc_pool *pool = start.pool;
    if (pool->high_priority) {
        raise_priority();
    }
    unsigned seen = 0;
    for (;;) {
        wait_while_equal(pool, &pool->generation, seen, 0);
        if (atomic_load(&pool->stop)) {
            return NULL;
        }
        seen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        pool->task(pool->argument, start.index, pool->threads);
        if (atomic_fetch_sub(&pool->pending, 1) == 1) {
            notify(pool); /* the caller may sleep on pending */
        }
    }
}

mc_pool *mc_pool_create(int threads, int high_priority) {
    if (threads < 1) {
        threads = 1;
    }
    mc_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL) {
        return NULL;
    }
    pool->threads = threads;
    pool->high_priority = high_priority;
    atomic_init(&pool->spin_us, DEFAULT_SPIN_US);
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->workers = calloc((size_t)threads, sizeof *pool->workers);
    if (pool->workers == NULL) {
        mc_pool_destroy(pool);
        return NULL;
    }
    for (int i = 1; i < threads; i++) {
        worker_start *start = malloc(sizeof *start);
        if (start == NULL) {
            pool->threads = i;
            mc_pool_destroy(pool);
            return NULL;
        }
        start->pool = pool;
        start->index = i;
        if (pthread_create(&pool->workers[i - 1], NULL, worker_main, start) != 0) {
            free(start);
            pool->threads = i; /* destroy joins the i - 1 workers already running */
            mc_pool_destroy(pool);
            return NULL;
        }
    }
    return pool;
}

void mc_pool_destroy(mc_pool *pool) {
    if (pool == NULL) {
        return;
    }
    atomic_store(&pool->stop, 1);
    atomic_fetch_add(&pool->generation, 1);
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 1; i < pool->threads && pool->workers != NULL; i++) {
        pthread_join(pool->workers[i - 1], NULL);
    }
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mutex);
    free(pool->workers);
    free(pool);
}

int mc_pool_threads(const mc_pool *pool) {
    return pool->threads;
}

void mc_pool_set_spin_us(mc_pool *pool, int microseconds) {
    atomic_store(&pool->spin_us, microseconds < 0 ? 0 : microseconds);
}

void mc_pool_run(mc_pool *pool, mc_pool_task task, void *argument) {
    /* Every thread has left the previous task: the phase state starts afresh. */
    atomic_store_explicit(&pool->claim, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->phase, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->abort, 0, memory_order_relaxed);
    if (pool->threads == 1) {
        task(argument, 0, 1);
        return;
    }
    pool->task = task;
    pool->argument = argument;
    atomic_store(&pool->pending, (unsigned)(pool->threads - 1));
    atomic_fetch_add(&pool->generation, 1);
    notify(pool);
    task(argument, 0, pool->threads);
    for (unsigned left; (left = atomic_load_explicit(&pool->pending, memory_order_acquire)) != 0;) {
        wait_while_equal(pool, &pool->pending, left, 0);
    }
}

uint32_t mc_pool_phase(mc_pool *pool) {
    return atomic_load_explicit(&pool->phase, memory_order_acquire);
}

int64_t mc_pool_claim(mc_pool *pool, uint32_t phase, int64_t total, int64_t want, int64_t *count) {
    uint64_t seen = atomic_load_explicit(&pool->claim, memory_order_acquire);
    for (;;) {
        int64_t next = (int64_t)(seen & 0xffffffffu);
        if ((uint32_t)(seen >> 32) != phase || next >= total) {
            *count = 0;
            return next;
        }
        int64_t take = want > 0 ? want : (total - next) / (2 * (int64_t)pool->threads);
        take = take < 1 ? 1 : (take > total - next ? total - next : take);
        if (atomic_compare_exchange_weak_explicit(&pool->claim, &seen, seen + (uint64_t)take,
                                                  memory_order_acquire, memory_order_acquire)) {
            *count = take;
            return next;
        }
    }
}

void mc_pool_finish(mc_pool *pool, uint32_t phase, int64_t total, int64_t count) {
    if (atomic_fetch_add_explicit(&pool->done, count, memory_order_acq_rel) + count != total) {
        return;
    }
    /* The last items of the phase: no thread touches `done` before it claims in the next one. */
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->claim, (uint64_t)(phase + 1) << 32, memory_order_release);
    atomic_store(&pool->phase, phase + 1);
    notify(pool);
}

int mc_pool_wait_phase(mc_pool *pool, uint32_t phase) {
    if (pool->threads > 1) {
        wait_while_equal(pool, &pool->phase, phase, 1);
    }
    return !atomic_load(&pool->abort);
}

void mc_pool_abort(mc_pool *pool) {
    atomic_store(&pool->abort, 1);
    if (pool->threads > 1) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
}

int mc_pool_aborted(mc_pool *pool) {
    return atomic_load(&pool->abort);
}
