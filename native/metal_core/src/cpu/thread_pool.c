/* thread_pool.c — see thread_pool.h. POSIX threads and C11 atomics. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* syscall(SYS_gettid) */
#endif

#include "thread_pool.h"

#include <pthread.h>
#include <sched.h>
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

    /* The published task: written before `generation` is bumped, read after seeing it. */
    mc_pool_task task;
    void *argument;
    atomic_uint_fast64_t generation;
    atomic_int pending; /* workers still running the current task */
    atomic_int sleepers;
    atomic_int stop;
    atomic_int spin_us;

    /* Hot counters on their own cache lines so that spinning readers do not slow writers. */
    alignas(64) atomic_int arrived;
    alignas(64) atomic_uint phase;
    alignas(64) atomic_int_fast64_t chunk;
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

/* Spins while *value == unwanted, for at most the pool's spin time; returns 1 if it changed. */
static int spin_until_changed(mc_pool *pool, atomic_uint_fast64_t *value, uint64_t unwanted) {
    uint64_t limit = (uint64_t)atomic_load_explicit(&pool->spin_us, memory_order_relaxed) * 1000u;
    uint64_t start = now_ns();
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(value, memory_order_acquire) != unwanted) {
            return 1;
        }
        CPU_RELAX();
        if ((i & 255u) == 0 && now_ns() - start > limit) {
            return 0;
        }
    }
}

/* Waits (spin, then yield to other threads) for a condition set by another pool thread. */
#define WAIT_WHILE(pool, condition)                                                                \
    do {                                                                                           \
        uint64_t limit_ = (uint64_t)atomic_load(&(pool)->spin_us) * 1000u;                         \
        uint64_t start_ = now_ns();                                                                \
        for (unsigned i_ = 1; (condition); i_++) {                                                 \
            CPU_RELAX();                                                                           \
            if ((i_ & 255u) == 0 && now_ns() - start_ > limit_) {                                  \
                sched_yield();                                                                     \
            }                                                                                      \
        }                                                                                          \
    } while (0)

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
    uint64_t seen = 0;
    for (;;) {
        if (!spin_until_changed(pool, &pool->generation, seen)) {
            pthread_mutex_lock(&pool->mutex);
            atomic_fetch_add(&pool->sleepers, 1);
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop)) {
                pthread_cond_wait(&pool->wake, &pool->mutex);
            }
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->mutex);
        }
        if (atomic_load(&pool->stop)) {
            return NULL;
        }
        seen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        pool->task(pool->argument, start.index, pool->threads);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
    }
}

/* Publishes a new generation and wakes sleeping workers. The seq_cst order of the generation
 * bump and the sleepers read pairs with the worker's sleepers increment and generation check,
 * so a worker about to sleep either sees the new generation or is woken. */
static void publish(mc_pool *pool) {
    atomic_fetch_add(&pool->generation, 1);
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
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
    publish(pool);
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
    atomic_store_explicit(&pool->chunk, 0, memory_order_relaxed);
    if (pool->threads == 1) {
        task(argument, 0, 1);
        return;
    }
    pool->task = task;
    pool->argument = argument;
    atomic_store(&pool->pending, pool->threads - 1);
    publish(pool);
    task(argument, 0, pool->threads);
    WAIT_WHILE(pool, atomic_load_explicit(&pool->pending, memory_order_acquire) != 0);
}

void mc_pool_barrier(mc_pool *pool) {
    if (pool->threads == 1) {
        atomic_store_explicit(&pool->chunk, 0, memory_order_relaxed);
        return;
    }
    unsigned phase = atomic_load_explicit(&pool->phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&pool->arrived, 1, memory_order_acq_rel) == pool->threads - 1) {
        /* Last to arrive: everyone has finished claiming chunks of this phase. */
        atomic_store_explicit(&pool->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&pool->chunk, 0, memory_order_relaxed);
        atomic_store_explicit(&pool->phase, phase + 1, memory_order_release);
        return;
    }
    WAIT_WHILE(pool, atomic_load_explicit(&pool->phase, memory_order_acquire) == phase);
}

int64_t mc_pool_next_chunk(mc_pool *pool) {
    return atomic_fetch_add_explicit(&pool->chunk, 1, memory_order_relaxed);
}
