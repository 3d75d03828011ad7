/*
 * The pool: a job queue and a completion queue under one mutex, worker
 * threads sleeping on a condition variable, and a uv_async handle that
 * wakes the loop. As in redis's bio.c the completion list is the only
 * shared state; libuv 1.44's uv_async_send gives no memory ordering, so
 * the mutex does.
 */
#include "app/tui/worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define POOL_MAX_THREADS 16

struct tui_pool {
	uv_async_t wake;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tui_job *queue, **queue_tail; /* waiting to run */
	struct tui_job *done, **done_tail;   /* waiting for the loop */
	struct tui_job *running[POOL_MAX_THREADS];
	bool serial_busy;
	int nlong;			     /* long jobs still running */
	struct tui_job *longs[64];	     /* their jobs, to cancel */
	bool stopping;
	size_t pending; /* loop's count: submitted, not yet delivered */
	int nthreads;
	pthread_t threads[POOL_MAX_THREADS];
	tui_deliver_fn *deliver;
	void *arg;
};

void *tui_job_new(size_t size, tui_job_fn *work, tui_job_fn *done, tui_job_fn *free_fn)
{
	struct tui_job *j = sv_xcalloc(1, size < sizeof *j ? sizeof *j : size);
	j->work = work;
	j->done = done;
	j->free = free_fn;
	atomic_init(&j->cancel, false);
	return j;
}

void tui_job_free(struct tui_job *j)
{
	if (!j)
		return;
	if (j->free)
		j->free(j);
	else
		free(j);
}

static void push_done_locked(tui_pool *p, struct tui_job *j)
{
	j->next = NULL;
	*p->done_tail = j;
	p->done_tail = &j->next;
}

/* The first runnable job: a serial job waits while another serial one runs. */
static struct tui_job *take_locked(tui_pool *p)
{
	for (struct tui_job **pp = &p->queue; *pp; pp = &(*pp)->next) {
		struct tui_job *j = *pp;
		if (j->serial && p->serial_busy)
			continue;
		*pp = j->next;
		if (!*pp)
			p->queue_tail = pp;
		if (j->serial)
			p->serial_busy = true;
		return j;
	}
	return NULL;
}

/* Workers take no signals: SIGWINCH and the rest belong to the loop
 * thread (and to signalfd users there, like the attach pump). */
static void block_signals(void)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

static void *worker_main(void *arg)
{
	tui_pool *p = arg;
	int slot = -1;
	block_signals();
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		if (pthread_equal(p->threads[i], pthread_self()))
			slot = i;
	for (;;) {
		struct tui_job *j;
		while (!(j = take_locked(p)) && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!j)
			break;
		if (slot >= 0)
			p->running[slot] = j;
		pthread_mutex_unlock(&p->mu);
		if (j->work && !atomic_load(&j->cancel))
			j->work(j);
		pthread_mutex_lock(&p->mu);
		if (slot >= 0)
			p->running[slot] = NULL;
		if (j->serial) {
			p->serial_busy = false;
			pthread_cond_broadcast(&p->cv);
		}
		push_done_locked(p, j);
		pthread_mutex_unlock(&p->mu);
		uv_async_send(&p->wake);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void on_wake(uv_async_t *h)
{
	tui_pool *p = h->data;
	pthread_mutex_lock(&p->mu);
	struct tui_job *list = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->mu);
	while (list) {
		struct tui_job *j = list;
		list = j->next;
		j->next = NULL;
		if (j->counted && p->pending)
			p->pending--;
		p->deliver(j, p->arg);
	}
}

int tui_pool_new(uv_loop_t *loop, int n, tui_deliver_fn *deliver, void *arg, tui_pool **out,
		 sv_err **err)
{
	if (n < 1)
		n = 1;
	if (n > POOL_MAX_THREADS)
		n = POOL_MAX_THREADS;
	tui_pool *p = sv_xcalloc(1, sizeof *p);
	p->queue_tail = &p->queue;
	p->done_tail = &p->done;
	p->deliver = deliver;
	p->arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	int rc = uv_async_init(loop, &p->wake, on_wake);
	if (rc < 0) {
		free(p);
		return sv_err_setx(err, -rc, "uv_async_init: %s", uv_strerror(rc));
	}
	p->wake.data = p;
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < n; i++) {
		if ((rc = pthread_create(&p->threads[i], NULL, worker_main, p)) != 0)
			break;
		p->nthreads++;
	}
	pthread_mutex_unlock(&p->mu);
	*out = p; /* even on failure: the caller frees it with tui_pool_free() */
	if (p->nthreads == 0)
		return sv_err_setx(err, rc, "start worker threads: %s", strerror(rc));
	return 0;
}

struct long_start {
	tui_pool *p;
	struct tui_job *j;
};

static void *long_main(void *arg)
{
	struct long_start ls = *(struct long_start *)arg;
	free(arg);
	block_signals();
	if (!atomic_load(&ls.j->cancel))
		ls.j->work(ls.j);
	tui_pool *p = ls.p;
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < 64; i++)
		if (p->longs[i] == ls.j)
			p->longs[i] = NULL;
	p->nlong--;
	bool stopping = p->stopping;
	if (stopping)
		tui_job_free(ls.j); /* the loop is gone */
	else
		push_done_locked(p, ls.j);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (!stopping)
		uv_async_send(&p->wake);
	return NULL;
}

void tui_pool_spawn(tui_pool *p, struct tui_job *j)
{
	struct long_start *ls = sv_xmalloc(sizeof *ls);
	ls->p = p;
	ls->j = j;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&p->mu);
	j->counted = true;
	p->pending++;
	int slot = -1;
	for (int i = 0; i < 64 && slot < 0; i++)
		if (!p->longs[i])
			slot = i;
	pthread_t t;
	if (slot < 0 || pthread_create(&t, &attr, long_main, ls) != 0) {
		free(ls);
		atomic_store(&j->cancel, true);
		push_done_locked(p, j); /* delivered as cancelled */
		pthread_mutex_unlock(&p->mu);
		pthread_attr_destroy(&attr);
		uv_async_send(&p->wake);
		return;
	}
	p->longs[slot] = j;
	p->nlong++;
	pthread_mutex_unlock(&p->mu);
	pthread_attr_destroy(&attr);
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

bool tui_pool_free(tui_pool *p)
{
	if (!p)
		return true;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	for (int i = 0; i < 64; i++)
		if (p->longs[i])
			atomic_store(&p->longs[i]->cancel, true);
	for (struct tui_job *j = p->queue; j; j = j->next)
		atomic_store(&j->cancel, true);
	for (int i = 0; i < p->nthreads; i++)
		if (p->running[i])
			atomic_store(&p->running[i]->cancel, true);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	/* Long jobs notice the cancel at their next step; give them a moment. */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&p->mu);
	while (p->nlong > 0 && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
		;
	bool clean = p->nlong == 0;
	pthread_mutex_unlock(&p->mu);
	if (!clean) {
		uv_close((uv_handle_t *)&p->wake, NULL);
		return false; /* a long job still holds p */
	}
	/* Nothing runs now: free what never reached the loop. */
	for (struct tui_job *lists[2] = { p->queue, p->done }, **l = lists; l < lists + 2; l++)
		while (*l) {
			struct tui_job *j = *l;
			*l = j->next;
			tui_job_free(j);
		}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	uv_close((uv_handle_t *)&p->wake, on_closed);
	return true;
}

void tui_pool_submit(tui_pool *p, struct tui_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	j->counted = true;
	*p->queue_tail = j;
	p->queue_tail = &j->next;
	p->pending++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void tui_pool_post(tui_pool *p, struct tui_job *msg)
{
	pthread_mutex_lock(&p->mu);
	push_done_locked(p, msg);
	pthread_mutex_unlock(&p->mu);
	uv_async_send(&p->wake);
}

size_t tui_pool_pending(tui_pool *p)
{
	pthread_mutex_lock(&p->mu);
	size_t n = p->pending;
	bool more = p->done != NULL;
	pthread_mutex_unlock(&p->mu);
	return n + (more ? 1 : 0);
}

void tui_pool_cancel_owner(tui_pool *p, uint64_t owner)
{
	pthread_mutex_lock(&p->mu);
	for (struct tui_job *j = p->queue; j; j = j->next)
		if (j->owner == owner)
			atomic_store(&j->cancel, true);
	for (int i = 0; i < p->nthreads; i++)
		if (p->running[i] && p->running[i]->owner == owner)
			atomic_store(&p->running[i]->cancel, true);
	pthread_mutex_unlock(&p->mu);
}
