/*
 * Synthetic containers for UI tests and benchmarks at scales this machine
 * cannot host (1,000-10,000 containers). Reached only through the hidden
 * --fake-containers option of servin-desktop; images, events and
 * everything else still come from the real engine. Stats move with time so
 * the dashboard has something to redraw.
 */
#include "app/tui/backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct tui_backend_ops *tui_backend_engine_ops(void);

struct fake {
	pthread_mutex_t mu;
	size_t n;
	char (*state)[12];
};

static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static int fake_containers(struct tui_backend *b, struct tui_container **out, size_t *n, sv_err **err)
{
	(void)err;
	struct fake *f = b->priv;
	int64_t now = sv_time_now_ns() / 1000000000;
	struct tui_container *v = sv_xcalloc(f->n ? f->n : 1, sizeof *v);
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++) {
		struct tui_container *c = &v[i];
		uint32_t h = mix((uint32_t)i + 1);
		snprintf(c->id, sizeof c->id, "%08x%08x%08x%08x%08x%08x%08x%08x", h, mix(h), mix(h + 1),
			 mix(h + 2), mix(h + 3), mix(h + 4), mix(h + 5), mix(h + 6));
		c->name = sv_xasprintf("fake-%05zu", i);
		c->image = sv_xstrdup(i % 3 ? "busybox:latest" : "alpine:3.19");
		c->command = sv_xstrdup("sleep infinity");
		c->state = sv_xstrdup(f->state[i]);
		bool running = strcmp(f->state[i], "running") == 0;
		c->created = now - 3600 - (int64_t)(h % 86400);
		c->started = running ? c->created + 5 : 0;
		c->status = running ? sv_xasprintf("Up %lld minutes", (long long)((now - c->started) / 60))
				    : sv_xasprintf("Exited (%d) 2 hours ago", (int)(h % 3));
		c->ports = sv_xstrdup(i % 5 == 0 ? "0.0.0.0:8080->80/tcp" : "");
		c->labels = NULL;
		sv_strv_push(&c->labels, i % 2 ? "tier=web" : "tier=db");
		c->exit_code = running ? 0 : (int)(h % 3);
		c->cpu = running ? (double)(mix(h + (uint32_t)now) % 2000) / 100.0 : -1;
		c->mem = running ? (int64_t)(h % 200) << 20 : -1;
		c->mem_limit = running ? (int64_t)512 << 20 : -1;
		c->net_rx = running ? (int64_t)(h % 100000) * (now % 1000) : -1;
		c->net_tx = running ? (int64_t)(h % 50000) * (now % 1000) : -1;
		c->pids = running ? (int64_t)(h % 20) + 1 : -1;
	}
	pthread_mutex_unlock(&f->mu);
	*out = v;
	*n = f->n;
	return 0;
}

static int fake_container_op(struct tui_backend *b, const char *id, enum tui_container_op op, sv_err **err)
{
	struct fake *f = b->priv;
	static const char *const result[] = { [TUI_CT_START] = "running", [TUI_CT_STOP] = "exited",
					      [TUI_CT_RESTART] = "running", [TUI_CT_PAUSE] = "paused",
					      [TUI_CT_UNPAUSE] = "running", [TUI_CT_KILL] = "exited" };
	struct tui_container *v = NULL;
	size_t n = 0;
	fake_containers(b, &v, &n, err);
	int rc = sv_err_setx(err, ENOENT, "No such container: %s", id);
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].id, id) && strcmp(v[i].name, id))
			continue;
		sv_err_clear(err);
		rc = 0;
		if (op == TUI_CT_REMOVE)
			snprintf(f->state[i], sizeof f->state[i], "removing");
		else
			snprintf(f->state[i], sizeof f->state[i], "%s", result[op]);
	}
	pthread_mutex_unlock(&f->mu);
	tui_containers_free(v, n);
	return rc;
}

/* Stats for the running fake containers, moving with time. */
static int fake_stats(struct tui_backend *b, char *const *ids, struct tui_stats **out, size_t *n,
		      sv_err **err)
{
	(void)ids; /* synthetic numbers cost nothing: all of them */
	struct tui_container *v = NULL;
	size_t nv = 0;
	fake_containers(b, &v, &nv, err);
	struct tui_stats *st = sv_xcalloc(nv ? nv : 1, sizeof *st);
	size_t k = 0;
	for (size_t i = 0; i < nv; i++) {
		if (v[i].cpu < 0)
			continue;
		memcpy(st[k].id, v[i].id, sizeof st[k].id);
		st[k].cpu = v[i].cpu;
		st[k].mem = v[i].mem;
		st[k].mem_limit = v[i].mem_limit;
		st[k].net_rx = v[i].net_rx;
		st[k].net_tx = v[i].net_tx;
		st[k].pids = v[i].pids;
		k++;
	}
	tui_containers_free(v, nv);
	*out = st;
	*n = k;
	return 0;
}

static struct tui_backend_ops fake_ops;

void tui_backend_fake_init(struct tui_backend *b, sv_engine *e, size_t n)
{
	fake_ops = *tui_backend_engine_ops();
	fake_ops.name = "fake";
	fake_ops.containers = fake_containers;
	fake_ops.container_op = fake_container_op;
	fake_ops.stats = fake_stats;
	struct fake *f = sv_xcalloc(1, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
	f->n = n;
	f->state = sv_xcalloc(n ? n : 1, sizeof *f->state);
	for (size_t i = 0; i < n; i++)
		snprintf(f->state[i], sizeof f->state[i], "%s", i % 7 == 3 ? "exited" : "running");
	b->ops = &fake_ops;
	b->engine = e;
	b->priv = f;
}

void tui_backend_fake_release(struct tui_backend *b);
void tui_backend_fake_release(struct tui_backend *b)
{
	struct fake *f = b->priv;
	if (!f)
		return;
	pthread_mutex_destroy(&f->mu);
	free(f->state);
	free(f);
	b->priv = NULL;
}
