/* thread_pool.h — the CPU backend's persistent worker threads.
 *
 * mc_pool_run() runs one task on every thread of the pool at once, the calling thread being
 * thread 0, and returns when all have finished. Workers are created once; between tasks they
 * spin for a short while (the next op usually follows within microseconds), then sleep on a
 * condition variable. Inside a task, threads share work through a chunk counter and meet at
 * barriers; the last thread to reach a barrier resets the counter for the next phase. */
#ifndef METAL_CORE_THREAD_POOL_H
#define METAL_CORE_THREAD_POOL_H

#include <stdint.h>

typedef struct mc_pool mc_pool;

/* A task: runs on every thread with its index in [0, count). */
typedef void (*mc_pool_task)(void *argument, int index, int count);

/* Creates a pool of `threads` threads (>= 1) including the caller; high_priority asks the OS to
 * schedule the workers above normal (ignored where not permitted). Returns NULL when out of
 * memory or when threads cannot be created. */
mc_pool *mc_pool_create(int threads, int high_priority);
void mc_pool_destroy(mc_pool *pool);

int mc_pool_threads(const mc_pool *pool);

/* Microseconds an idle worker spins before it sleeps (default 200). */
void mc_pool_set_spin_us(mc_pool *pool, int microseconds);

void mc_pool_run(mc_pool *pool, mc_pool_task task, void *argument);

/* Inside a task: waits until every thread of the pool has called it. */
void mc_pool_barrier(mc_pool *pool);

/* Inside a task: the next unclaimed chunk index of the current phase (0, 1, 2, ...). */
int64_t mc_pool_next_chunk(mc_pool *pool);

#endif /* METAL_CORE_THREAD_POOL_H */
