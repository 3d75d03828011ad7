/*
 * Worker pools: engine calls block, so every handler (but the few inline
 * ones) runs on one of these threads, never on the loop.
 *
 * Two pools serve the server: a small one for short requests and a larger
 * one for long-running streams (follow, wait, pull), so a hundred clients
 * following events never starve a `docker images`. Threads start on demand
 * and then park instead of exiting: each keeps its SQLite connection (the
 * store opens one per thread), so the number of connections stays bounded
 * by the pool size.
 */
#include "api-internal.h"

#include <pthread.h>
#include <stdlib.h>

struct pool_item {
	rest_pool_fn *fn;
	void *arg;
	struct pool_item *next;
};

struct rest_pool {
	const char *name;
	uv_mutex_t mu;
	uv_cond_t cv;
	struct pool_item *head, *tail;
	int threads, idle, max, busy;
	bool stop;
};

static void pool_main(void *arg)
{
	struct rest_pool *p = arg;
	uv_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stop) {
			p->idle++;
			uv_cond_wait(&p->cv, &p->mu);
			p->idle--;
		}
		if (!p->head && p->stop)
			break;
		struct pool_item *it = p->head;
		p->head = it->next;
		if (!p->head)
			p->tail = NULL;
		p->busy++;
		uv_mutex_unlock(&p->mu);
		it->fn(it->arg);
		free(it);
		uv_mutex_lock(&p->mu);
		p->busy--;
	}
	p->threads--;
	bool last = p->threads == 0;
	uv_mutex_unlock(&p->mu);
	if (last) {
		/* The last thread out frees the pool (rest_pool_free left it). */
		uv_cond_destroy(&p->cv);
		uv_mutex_destroy(&p->mu);
		free(p);
	}
}

struct rest_pool *rest_pool_new(const char *name, int max)
{
	struct rest_pool *p = sv_xcalloc(1, sizeof *p);
	p->name = name;
	p->max = max > 0 ? max : 1;
	uv_mutex_init(&p->mu);
	uv_cond_init(&p->cv);
	return p;
}

static bool pool_spawn(struct rest_pool *p)
{
	uv_thread_t t;
	uv_thread_options_t o = { .flags = UV_THREAD_HAS_STACK_SIZE, .stack_size = 2u << 20 };
	if (uv_thread_create_ex(&t, &o, pool_main, p) != 0)
		return false;
	pthread_detach(t);
	p->threads++;
	return true;
}

bool rest_pool_submit(struct rest_pool *p, rest_pool_fn *fn, void *arg, bool bounded)
{
	uv_mutex_lock(&p->mu);
	int queued = 0;
	for (struct pool_item *i = p->head; i; i = i->next)
		queued++;
	if (p->idle <= queued && p->threads < p->max)
		pool_spawn(p);
	if (bounded && p->idle <= queued && p->threads >= p->max) {
		uv_mutex_unlock(&p->mu);
		return false;
	}
	struct pool_item *it = sv_xcalloc(1, sizeof *it);
	it->fn = fn;
	it->arg = arg;
	if (p->tail)
		p->tail->next = it;
	else
		p->head = it;
	p->tail = it;
	uv_cond_signal(&p->cv);
	uv_mutex_unlock(&p->mu);
	return true;
}

int rest_pool_busy(struct rest_pool *p)
{
	uv_mutex_lock(&p->mu);
	int n = p->busy;
	uv_mutex_unlock(&p->mu);
	return n;
}

void rest_pool_free(struct rest_pool *p)
{
	if (!p)
		return;
	uv_mutex_lock(&p->mu);
	p->stop = true;
	uv_cond_broadcast(&p->cv);
	bool none = p->threads == 0;
	uv_mutex_unlock(&p->mu);
	if (none) {
		uv_cond_destroy(&p->cv);
		uv_mutex_destroy(&p->mu);
		free(p);
	}
}
