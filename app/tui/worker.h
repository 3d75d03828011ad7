/*
 * app/tui/worker — the thread pool behind the UI.
 *
 * Slow engine work runs here; the loop thread never blocks. A job runs
 * `work` on a worker thread, then goes onto a mutex-guarded completion
 * queue and the loop is woken with uv_async_send; the async callback
 * drains the whole queue (sends coalesce) and hands each job to the
 * deliver function on the loop thread. A running job may also post
 * progress messages (themselves jobs with no work) the same way.
 *
 * Jobs marked `serial` run one at a time, in order: the CLI's command
 * table parses options with getopt, whose state is global.
 */
#ifndef SV_APP_TUI_WORKER_H
#define SV_APP_TUI_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct uv_loop_s;
struct tui_job;
typedef void tui_job_fn(struct tui_job *j);

struct tui_job {
	struct tui_job *next;
	tui_job_fn *work;   /* worker thread; NULL for a message */
	tui_job_fn *done;   /* loop thread (through deliver) */
	tui_job_fn *free;   /* loop thread, always last; NULL: free(j) */
	uint64_t owner;	    /* who asked: deliver skips done when it is gone */
	atomic_bool cancel; /* set by the loop; long work polls it */
	bool serial;
	bool counted;	    /* submitted (not a message): counts as pending */
	void *ctx;	    /* the pool's user pointer, set on submit */
};

typedef struct tui_pool tui_pool;
typedef void tui_deliver_fn(struct tui_job *j, void *arg);

/* Starts n threads (1..16). deliver runs on the loop thread for every
 * finished job and message; it must call (or skip) j->done and then free
 * the job with tui_job_free(). */
int tui_pool_new(struct uv_loop_s *loop, int n, tui_deliver_fn *deliver, void *arg, tui_pool **out,
		 sv_err **err);
/* Cancels queued jobs (they are delivered with cancel set), waits for the
 * running ones and up to a second for long jobs, closes the async handle.
 * Returns false when a long job is still blocked (in the engine): the pool
 * then stays allocated for it, and the caller must not free what the job
 * uses (the process is about to exit). Loop thread. */
bool tui_pool_free(tui_pool *p);
/* Queues a job (takes ownership). Loop thread. */
void tui_pool_submit(tui_pool *p, struct tui_job *j);
/* Runs a long job (a log follower: it may block for as long as its
 * container runs) on a thread of its own, so it never holds a pool thread.
 * Its messages and its end come back like any job's. Loop thread. */
void tui_pool_spawn(tui_pool *p, struct tui_job *j);
/* Posts a finished message from a worker (takes ownership). Any thread. */
void tui_pool_post(tui_pool *p, struct tui_job *msg);
/* Jobs queued or running plus messages not yet delivered. Loop thread. */
size_t tui_pool_pending(tui_pool *p);
/* Sets cancel on every queued and running job of owner. Loop thread. */
void tui_pool_cancel_owner(tui_pool *p, uint64_t owner);
/* Calls j->free (or free()). */
void tui_job_free(struct tui_job *j);
/* Allocates a zeroed job of `size` bytes (>= sizeof(struct tui_job)). */
void *tui_job_new(size_t size, tui_job_fn *work, tui_job_fn *done, tui_job_fn *free_fn);

#endif
