/*
 * app/tui/backend — where the TUI's data comes from.
 *
 * Views never call the engine themselves: their jobs call these
 * operations on a worker thread. The one real backend is the local engine
 * (backend-engine.c); a remote engine speaking the REST API can stand in
 * later behind the same table. backend-fake.c adds synthetic containers
 * for UI tests and benchmarks at scales this machine cannot host (10,000
 * containers); it is reached only through the hidden --fake-containers
 * option and users never meet it.
 *
 * Every operation may block and is called from worker threads only.
 */
#ifndef SV_APP_TUI_BACKEND_H
#define SV_APP_TUI_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

/* A container as the dashboard shows it; stats fields are -1 when unknown. */
struct tui_container {
	char id[65];
	char *name;
	char *image;
	char *command;
	char *state;	  /* "running", "exited", "paused", "created", "dead", "restarting" */
	char *status;	  /* "Up 5 minutes", "Exited (0) 2 hours ago" */
	char *ports;	  /* "0.0.0.0:8080->80/tcp" or "" */
	char **labels;	  /* "k=v"; never NULL */
	int64_t created;  /* seconds since the epoch */
	int64_t started;  /* 0 when never started */
	int exit_code;
	double cpu;	  /* percent of one core */
	int64_t mem, mem_limit, net_rx, net_tx, pids;
};

void tui_containers_free(struct tui_container *v, size_t n);

/* Live numbers of one running container (from one stats sample and the
 * one before it). */
struct tui_stats {
	char id[65];
	double cpu; /* percent of one core; -1 until there are two samples */
	int64_t mem, mem_limit, net_rx, net_tx, blk_r, blk_w, pids;
};

/* One line of a container's log. */
typedef int tui_log_fn(int stream, int64_t time_ns, const char *data, size_t len, void *arg);

enum tui_container_op {
	TUI_CT_START,
	TUI_CT_STOP,
	TUI_CT_RESTART,
	TUI_CT_PAUSE,
	TUI_CT_UNPAUSE,
	TUI_CT_KILL,
	TUI_CT_REMOVE,
};

struct tui_backend;

struct tui_backend_ops {
	const char *name;
	int (*images)(struct tui_backend *b, struct sv_image_summary **out, size_t *n, sv_err **err);
	struct cJSON *(*image_inspect)(struct tui_backend *b, const char *id, sv_err **err);
	struct cJSON *(*image_history)(struct tui_backend *b, const char *id, sv_err **err);
	int (*image_remove)(struct tui_backend *b, const char *id, bool force,
			    struct sv_image_rm_result *res, sv_err **err);
	int (*image_tag)(struct tui_backend *b, const char *id, const char *target, sv_err **err);
	int (*image_prune)(struct tui_backend *b, bool all, struct sv_image_rm_result *res,
			   sv_err **err);
	/* Pulls ref, reporting per-layer progress; *cancel (polled) stops it
	 * with ECANCELED. *familiar receives the name pulled (owned). */
	int (*image_pull)(struct tui_backend *b, const char *ref, sv_progress_fn *progress, void *arg,
			  const volatile bool *cancel, char **familiar, bool *up_to_date, sv_err **err);
	int (*events)(struct tui_backend *b, int64_t after, size_t max,
		      struct sv_engine_event **out, size_t *n, sv_err **err);
	int64_t (*events_last)(struct tui_backend *b, sv_err **err);
	/* The file whose changes mean "something happened" (see engine.h). */
	const char *(*watch_path)(struct tui_backend *b);
	/* Every container, without stats (fields -1). */
	int (*containers)(struct tui_backend *b, struct tui_container **out, size_t *n, sv_err **err);
	/* Stats of the running containers among ids (NULL: all of them),
	 * reading each cgroup once. */
	int (*stats)(struct tui_backend *b, char *const *ids, struct tui_stats **out, size_t *n,
		     sv_err **err);
	int (*container_op)(struct tui_backend *b, const char *id, enum tui_container_op op,
			    sv_err **err);
	int (*container_rename)(struct tui_backend *b, const char *id, const char *name, sv_err **err);
	struct cJSON *(*container_inspect)(struct tui_backend *b, const char *id, sv_err **err);
	struct cJSON *(*container_top)(struct tui_backend *b, const char *id, sv_err **err);
	/* The shim's recent samples, oldest first (history from before any UI
	 * opened); owned. */
	int (*stats_history)(struct tui_backend *b, const char *id, struct sv_stats_sample **out,
			     size_t *n, sv_err **err);
	/* The log from since_ns (0: the start), its last `tail` lines (< 0:
	 * all), then, with follow, new lines until the container stops or fn
	 * returns < 0. */
	int (*logs)(struct tui_backend *b, const char *id, int64_t since_ns, int64_t tail, bool follow,
		    tui_log_fn *fn, void *arg, sv_err **err);
	/* True when path exists inside the container (to pick a shell). */
	bool (*has_path)(struct tui_backend *b, const char *id, const char *path);
};

struct tui_backend {
	const struct tui_backend_ops *ops;
	sv_engine *engine; /* borrowed */
	void *priv;
};

/* The local engine. */
void tui_backend_engine_init(struct tui_backend *b, sv_engine *e);
/* The local engine plus n synthetic containers (tests and benchmarks). */
void tui_backend_fake_init(struct tui_backend *b, sv_engine *e, size_t n);
void tui_backend_release(struct tui_backend *b);

#endif
