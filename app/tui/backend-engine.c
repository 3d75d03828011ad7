/*
 * The local engine as the TUI's backend: each operation is one engine call.
 */
#include "app/tui/backend.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void tui_containers_free(struct tui_container *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].image);
		free(v[i].command);
		free(v[i].state);
		free(v[i].status);
		free(v[i].ports);
		sv_strv_free(v[i].labels);
	}
	free(v);
}

static int be_images(struct tui_backend *b, struct sv_image_summary **out, size_t *n, sv_err **err)
{
	struct sv_image_list_opts o = { 0 };
	return sv_engine_images(b->engine, &o, out, n, err);
}

static struct cJSON *be_image_inspect(struct tui_backend *b, const char *id, sv_err **err)
{
	return sv_engine_image_inspect(b->engine, id, err);
}

static struct cJSON *be_image_history(struct tui_backend *b, const char *id, sv_err **err)
{
	return sv_engine_image_history(b->engine, id, err);
}

static int be_image_remove(struct tui_backend *b, const char *id, bool force,
			   struct sv_image_rm_result *res, sv_err **err)
{
	return sv_engine_image_remove(b->engine, id, force ? SV_IMAGE_RM_FORCE : 0, res, err);
}

static int be_image_tag(struct tui_backend *b, const char *id, const char *target, sv_err **err)
{
	return sv_engine_image_tag(b->engine, id, target, err);
}

static int be_image_prune(struct tui_backend *b, bool all, struct sv_image_rm_result *res, sv_err **err)
{
	return sv_engine_image_prune(b->engine, all, NULL, res, err);
}

static int be_image_pull(struct tui_backend *b, const char *ref, sv_progress_fn *progress, void *arg,
			 const volatile bool *cancel, char **familiar, bool *up_to_date, sv_err **err)
{
	struct sv_pull_opts o = { .progress = progress, .progress_arg = arg, .cancel = cancel };
	struct sv_pull_result res = { 0 };
	if (sv_engine_image_pull(b->engine, ref, &o, &res, err) < 0)
		return -1;
	*familiar = sv_steal_ptr(&res.familiar);
	*up_to_date = res.up_to_date;
	sv_pull_result_release(&res);
	return 0;
}

static int be_events(struct tui_backend *b, int64_t after, size_t max, struct sv_engine_event **out,
		     size_t *n, sv_err **err)
{
	return sv_engine_events(b->engine, after, 0, 0, max, out, n, err);
}

static int64_t be_events_last(struct tui_backend *b, sv_err **err)
{
	return sv_engine_events_last(b->engine, err);
}

static const char *be_watch_path(struct tui_backend *b)
{
	return sv_engine_watch_path(b->engine);
}

/* "0.0.0.0:8080->80/tcp, 53/udp" from Docker's Ports array. */
static char *ports_text(const cJSON *ports)
{
	struct sv_buf b;
	sv_buf_init(&b);
	const cJSON *p;
	cJSON_ArrayForEach(p, ports)
	{
		const char *ip = sv_json_str(p, "IP");
		int64_t pub = sv_json_i64(p, "PublicPort", 0), priv = sv_json_i64(p, "PrivatePort", 0);
		const char *type = sv_json_str(p, "Type");
		if (b.len)
			sv_buf_adds(&b, ", ");
		if (pub)
			sv_buf_addf(&b, "%s:%lld->", ip ? ip : "0.0.0.0", (long long)pub);
		sv_buf_addf(&b, "%lld/%s", (long long)priv, type ? type : "tcp");
	}
	return sv_buf_detach(&b, NULL);
}

static int be_containers(struct tui_backend *b, struct tui_container **out, size_t *n, sv_err **err)
{
	struct sv_container_summary *v = NULL;
	size_t nv = 0;
	struct sv_container_list_opts o = { .all = true };
	if (sv_engine_containers(b->engine, &o, &v, &nv, err) < 0)
		return -1;
	struct tui_container *c = sv_xcalloc(nv ? nv : 1, sizeof *c);
	for (size_t i = 0; i < nv; i++) {
		memcpy(c[i].id, v[i].id, sizeof c[i].id);
		c[i].name = sv_steal_ptr(&v[i].name);
		c[i].image = sv_steal_ptr(&v[i].image);
		c[i].command = sv_steal_ptr(&v[i].command);
		c[i].state = sv_xstrdup(sv_container_state_name(v[i].state));
		c[i].status = sv_steal_ptr(&v[i].status);
		c[i].ports = ports_text(v[i].ports);
		c[i].labels = sv_xcalloc(1, sizeof(char *));
		const cJSON *l;
		cJSON_ArrayForEach(l, v[i].labels)
		{
			if (cJSON_IsString(l))
				sv_strv_push_take(&c[i].labels, sv_xasprintf("%s=%s", l->string, l->valuestring));
		}
		c[i].created = v[i].created;
		c[i].started = v[i].started_ns / 1000000000;
		c[i].exit_code = v[i].exit_code;
		c[i].cpu = -1;
		c[i].mem = c[i].mem_limit = c[i].net_rx = c[i].net_tx = c[i].pids = -1;
	}
	sv_container_summaries_free(v, nv);
	*out = c;
	*n = nv;
	return 0;
}

/* The previous sample of each container, for CPU percentages. */
struct prev_sample {
	char id[SV_CONTAINER_ID_LEN + 1];
	int64_t cpu_ns, system_ns;
};

struct engine_priv {
	pthread_mutex_t mu;
	struct prev_sample *prev;
	size_t nprev;
};

static struct engine_priv *priv_of(struct tui_backend *b)
{
	return b->priv;
}

static int cmp_prev(const void *a, const void *b)
{
	return strcmp(((const struct prev_sample *)a)->id, ((const struct prev_sample *)b)->id);
}

static double cpu_percent(const struct prev_sample *p, const struct sv_stats_sample *s)
{
	int64_t dc = s->cpu_ns - p->cpu_ns, ds = s->system_ns - p->system_ns;
	if (dc < 0 || ds <= 0)
		return -1;
	return (double)dc / (double)ds * (s->online_cpus > 0 ? s->online_cpus : 1) * 100.0;
}

static int be_stats(struct tui_backend *b, char *const *ids, struct tui_stats **out, size_t *n,
		    sv_err **err)
{
	struct sv_container_stats *v = NULL;
	size_t nv = 0;
	if (ids && !ids[0]) {
		*out = sv_xcalloc(1, sizeof **out);
		*n = 0;
		return 0;
	}
	/* The shims sample once a second into their rings: reading those is
	 * one pread per container instead of ~20 cgroup files and a reconcile. */
	if (sv_engine_container_stats_latest(b->engine, ids, &v, &nv, err) < 0)
		return -1;
	struct engine_priv *ep = priv_of(b);
	struct tui_stats *st = sv_xcalloc(nv ? nv : 1, sizeof *st);
	struct prev_sample *next = sv_xcalloc(nv ? nv : 1, sizeof *next);
	pthread_mutex_lock(&ep->mu);
	for (size_t i = 0; i < nv; i++) {
		const struct sv_stats_sample *s = &v[i].now;
		if (!v[i].running) {
			memcpy(st[i].id, v[i].id, sizeof st[i].id);
			st[i].cpu = -1;
			st[i].mem = st[i].mem_limit = st[i].net_rx = st[i].net_tx = st[i].pids = -1;
			continue;
		}
		struct prev_sample key;
		memcpy(key.id, v[i].id, sizeof key.id);
		const struct prev_sample *p =
			ep->prev ? bsearch(&key, ep->prev, ep->nprev, sizeof *ep->prev, cmp_prev) : NULL;
		struct prev_sample ring_prev = { .cpu_ns = v[i].prev.cpu_ns, .system_ns = v[i].prev.system_ns };
		if (v[i].prev.time_ns)
			p = &ring_prev;
		memcpy(st[i].id, v[i].id, sizeof st[i].id);
		st[i].cpu = p ? cpu_percent(p, s) : -1;
		st[i].mem = s->mem_usage - s->mem_cache;
		st[i].mem_limit = s->mem_limit;
		st[i].net_rx = s->net_rx;
		st[i].net_tx = s->net_tx;
		st[i].blk_r = s->blk_read;
		st[i].blk_w = s->blk_write;
		st[i].pids = s->pids;
		next[i] = (struct prev_sample){ .cpu_ns = s->cpu_ns, .system_ns = s->system_ns };
		memcpy(next[i].id, v[i].id, sizeof next[i].id);
	}
	/* Containers not sampled this time keep their previous sample. */
	size_t nn = nv;
	for (size_t i = 0; ids && i < ep->nprev; i++) {
		bool again = false;
		for (size_t k = 0; k < nv && !again; k++)
			again = strcmp(ep->prev[i].id, v[k].id) == 0;
		if (!again) {
			next = sv_xrealloc(next, (nn + 1) * sizeof *next);
			next[nn++] = ep->prev[i];
		}
	}
	qsort(next, nn, sizeof *next, cmp_prev);
	free(ep->prev);
	ep->prev = next;
	ep->nprev = nn;
	pthread_mutex_unlock(&ep->mu);
	sv_container_stats_free(v, nv);
	*out = st;
	*n = nv;
	return 0;
}

static int be_container_op(struct tui_backend *b, const char *id, enum tui_container_op op,
			   sv_err **err)
{
	sv_engine *e = b->engine;
	struct sv_start_opts so = { .attach_fd = -1 };
	switch (op) {
	case TUI_CT_START: return sv_engine_container_start(e, id, &so, err);
	case TUI_CT_STOP: return sv_engine_container_stop(e, id, -1, NULL, err);
	case TUI_CT_RESTART: return sv_engine_container_restart(e, id, -1, err);
	case TUI_CT_PAUSE: return sv_engine_container_pause(e, id, err);
	case TUI_CT_UNPAUSE: return sv_engine_container_unpause(e, id, err);
	case TUI_CT_KILL: return sv_engine_container_kill(e, id, NULL, err);
	case TUI_CT_REMOVE: return sv_engine_container_remove(e, id, 0, err);
	}
	return sv_err_setx(err, EINVAL, "unknown operation");
}

static int be_container_rename(struct tui_backend *b, const char *id, const char *name, sv_err **err)
{
	return sv_engine_container_rename(b->engine, id, name, err);
}

static struct cJSON *be_container_inspect(struct tui_backend *b, const char *id, sv_err **err)
{
	return sv_engine_container_inspect(b->engine, id, false, err);
}

static struct cJSON *be_container_top(struct tui_backend *b, const char *id, sv_err **err)
{
	return sv_engine_container_top(b->engine, id, NULL, err);
}

static int be_stats_history(struct tui_backend *b, const char *id, struct sv_stats_sample **out,
			    size_t *n, sv_err **err)
{
	return sv_engine_container_stats_history(b->engine, id, out, n, err);
}

static int be_logs(struct tui_backend *b, const char *id, int64_t since_ns, int64_t tail, bool follow,
		   tui_log_fn *fn, void *arg, sv_err **err)
{
	struct sv_log_opts o = { .follow = follow, .stdout_ = true, .stderr_ = true, .tail = tail,
				 .since_ns = since_ns };
	return sv_engine_container_logs(b->engine, id, &o, fn, arg, err);
}

/* With Docker's UsageData.RefCount filled as far as the list knows it: 0
 * for a volume no container refers to (the "dangling" filter), else 1 (at
 * least one); Size -1 (not measured). */
static struct cJSON *be_volumes(struct tui_backend *b, sv_err **err)
{
	cJSON *list = sv_engine_volume_list(b->engine, NULL, err);
	if (!list)
		return NULL;
	char *const dangling_filter[] = { (char *)(uintptr_t) "dangling=true", NULL };
	SV_AUTOERR sv_err *e2 = NULL;
	SV_AUTOJSON cJSON *dangling = sv_engine_volume_list(b->engine, dangling_filter, &e2);
	if (!dangling)
		return list; /* no usage then, as in Docker's list */
	cJSON *it;
	cJSON_ArrayForEach(it, list)
	{
		const char *name = sv_json_str(it, "Name");
		bool unused = false;
		const cJSON *d;
		cJSON_ArrayForEach(d, dangling)
			unused |= name && sv_json_str(d, "Name") && strcmp(name, sv_json_str(d, "Name")) == 0;
		cJSON *u = cJSON_AddObjectToObject(it, "UsageData");
		cJSON_AddNumberToObject(u, "RefCount", unused ? 0 : 1);
		cJSON_AddNumberToObject(u, "Size", -1);
	}
	return list;
}

/* The list leaves Containers empty, as Docker's does; inspect fills it
 * (networks are few). */
static struct cJSON *be_networks(struct tui_backend *b, sv_err **err)
{
	cJSON *list = sv_engine_network_list(b->engine, NULL, err);
	cJSON *it;
	cJSON_ArrayForEach(it, list)
	{
		const char *id = sv_json_str(it, "Id");
		SV_AUTOERR sv_err *e2 = NULL;
		cJSON *full = id ? sv_engine_network_inspect(b->engine, id, &e2) : NULL;
		cJSON *ctrs = full ? cJSON_DetachItemFromObjectCaseSensitive(full, "Containers") : NULL;
		if (ctrs && !cJSON_ReplaceItemInObjectCaseSensitive(it, "Containers", ctrs))
			cJSON_AddItemToObject(it, "Containers", ctrs);
		cJSON_Delete(full);
	}
	return list;
}

static bool be_has_path(struct tui_backend *b, const char *id, const char *path)
{
	SV_AUTOERR sv_err *err = NULL;
	cJSON *st = sv_engine_container_stat_path(b->engine, id, path, &err);
	cJSON_Delete(st);
	return st != NULL;
}

static const struct tui_backend_ops engine_ops = {
	.name = "engine",
	.images = be_images,
	.image_inspect = be_image_inspect,
	.image_history = be_image_history,
	.image_remove = be_image_remove,
	.image_tag = be_image_tag,
	.image_prune = be_image_prune,
	.image_pull = be_image_pull,
	.events = be_events,
	.events_last = be_events_last,
	.watch_path = be_watch_path,
	.containers = be_containers,
	.stats = be_stats,
	.container_op = be_container_op,
	.container_rename = be_container_rename,
	.container_inspect = be_container_inspect,
	.container_top = be_container_top,
	.stats_history = be_stats_history,
	.logs = be_logs,
	.has_path = be_has_path,
	.volumes = be_volumes,
	.networks = be_networks,
};

void tui_backend_engine_init(struct tui_backend *b, sv_engine *e)
{
	b->ops = &engine_ops;
	b->engine = e;
	struct engine_priv *ep = sv_xcalloc(1, sizeof *ep);
	pthread_mutex_init(&ep->mu, NULL);
	b->priv = ep;
}

void tui_backend_fake_release(struct tui_backend *b);

void tui_backend_release(struct tui_backend *b)
{
	if (b->ops && b->ops != &engine_ops) {
		tui_backend_fake_release(b);
	} else if (b->priv) {
		struct engine_priv *ep = b->priv;
		pthread_mutex_destroy(&ep->mu);
		free(ep->prev);
		free(ep);
	}
	b->priv = NULL;
}

/* For backend-fake.c: the engine operations it does not replace. */
const struct tui_backend_ops *tui_backend_engine_ops(void);
const struct tui_backend_ops *tui_backend_engine_ops(void)
{
	return &engine_ops;
}
