/*
 * What pull and push share: a pool of worker threads over a list of items
 * (each worker with its own connection; the first real failure stops the
 * rest), and progress reports serialised for the surfaces.
 */
#include <errno.h>
#include <stdlib.h>

#include "registry-internal.h"

struct pool {
	sv_registry *r;
	size_t n;
	reg_pool_fn *fn;
	void *arg;
	volatile bool *stop;
	const volatile bool *cancel;
	pthread_mutex_t mu;
	size_t next;
	sv_err *err;
};

static void pool_fail(struct pool *p, sv_err *e)
{
	pthread_mutex_lock(&p->mu);
	/* The first real failure wins over the cancellations it causes. */
	if (!p->err || (p->err->code == ECANCELED && e->code != ECANCELED)) {
		sv_err_free(p->err);
		p->err = e;
	} else {
		sv_err_free(e);
	}
	*p->stop = true;
	pthread_mutex_unlock(&p->mu);
}

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	struct reg_conn *c = reg_conn_new(p->r);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t i = p->next++;
		bool stop = *p->stop || (p->cancel && *p->cancel);
		pthread_mutex_unlock(&p->mu);
		if (stop || i >= p->n)
			break;
		sv_err *e = NULL;
		if (p->fn(p->arg, c, i, &e) < 0)
			pool_fail(p, e ? e : (sv_err_setx(&e, EIO, "worker failed"), e));
	}
	reg_conn_free(c);
	return NULL;
}

int reg_pool_run(sv_registry *r, size_t n, int parallel, reg_pool_fn *fn, void *arg, volatile bool *stop,
		 const volatile bool *cancel, sv_err **err)
{
	struct pool p = { .r = r, .n = n, .fn = fn, .arg = arg, .stop = stop, .cancel = cancel };
	pthread_mutex_init(&p.mu, NULL);
	if (parallel <= 0)
		parallel = r->cfg.parallel;
	size_t nt = n < (size_t)parallel ? n : (size_t)parallel;
	pthread_t *t = sv_xcalloc(nt + 1, sizeof *t);
	size_t started = 0;
	for (; started < nt; started++)
		if (pthread_create(&t[started], NULL, pool_worker, &p) != 0)
			break;
	if (started == 0 && n > 0)
		pool_worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&p.mu);
	if (p.err) {
		sv_err_setx(err, p.err->code, "%s", p.err->msg);
		sv_err_free(p.err);
		return -1;
	}
	if (cancel && *cancel)
		return sv_err_setx(err, ECANCELED, "cancelled");
	return 0;
}

void reg_report_init(struct reg_report *rp, sv_progress_fn *fn, void *arg)
{
	rp->fn = fn;
	rp->arg = arg;
	pthread_mutex_init(&rp->mu, NULL);
}

void reg_report_release(struct reg_report *rp)
{
	pthread_mutex_destroy(&rp->mu);
}

void reg_report(struct reg_report *rp, const char *id, const char *status, int64_t cur, int64_t total)
{
	if (!rp->fn)
		return;
	struct sv_progress pr = { .id = id, .status = status, .current = cur, .total = total };
	pthread_mutex_lock(&rp->mu);
	rp->fn(&pr, rp->arg);
	pthread_mutex_unlock(&rp->mu);
}
