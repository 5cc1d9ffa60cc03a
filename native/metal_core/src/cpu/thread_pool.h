/* thread_pool.h — the CPU backend's persistent worker threads.
 *
 * mc_pool_run() runs one task on every thread of the pool at once, the calling thread being
 * thread 0, and returns when all have finished. Workers are created once; between tasks they
 * spin for a short while (the next op usually follows within microseconds), then sleep.
 *
 * Inside a task, work is a sequence of phases 0, 1, 2, ...: a phase has a number of work items
 * that whichever threads are running claim, and it ends when all its items are done, not when
 * all threads have arrived. A thread the OS has not scheduled for a while (a busy machine) is
 * then never waited for unless it holds unfinished items; when it runs again it finds the
 * phases it missed already done and catches up. */
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

/* Runs the task; phases start again at 0. */
void mc_pool_run(mc_pool *pool, mc_pool_task task, void *argument);

/* Inside a task: the current phase (the first one not yet ended). */
uint32_t mc_pool_phase(mc_pool *pool);

/* Claims up to `want` (<= 0: a share that shrinks as items run out, so that there are few
 * claims and balanced ends) of the next unclaimed items of `phase`, which has `total` items.
 * Returns the first one and sets *count; *count is 0 when none is left or the phase is over. */
int64_t mc_pool_claim(mc_pool *pool, uint32_t phase, int64_t total, int64_t want, int64_t *count);

/* Reports `count` claimed items of `phase` done; the last report ends the phase. */
void mc_pool_finish(mc_pool *pool, uint32_t phase, int64_t total, int64_t count);

/* Waits until `phase` has ended; returns 0 instead when the task was aborted. */
int mc_pool_wait_phase(mc_pool *pool, uint32_t phase);

/* Ends the current task early: waits return 0 and mc_pool_aborted() is 1 until the next run. */
void mc_pool_abort(mc_pool *pool);
int mc_pool_aborted(mc_pool *pool);

#endif /* METAL_CORE_THREAD_POOL_H */
