/*
 * Internals shared by the container files of core/engine: the row as read
 * from the store, where a container's files live, and the steps the shim
 * runs (start, record an exit) that the facade functions build on.
 */
#ifndef SV_CORE_ENGINE_CONTAINERS_INTERNAL_H
#define SV_CORE_ENGINE_CONTAINERS_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <stdint.h>

#include "engine-internal.h"

struct cJSON;

/* A containers row. config is the stored document:
 * {"Config": {...}, "HostConfig": {...}, "Path": "...", "Args": [...]}. */
struct ctr_row {
	char id[SV_CONTAINER_ID_LEN + 1];
	char *name;
	char image_id[SV_DIGEST_STR_LEN];
	char *image_ref;
	int64_t created_ns;
	struct cJSON *config;
	enum sv_container_state state;
	int pid;
	int shim_pid;
	int64_t shim_start;
	int exit_code;
	bool oom_killed;
	int64_t started_ns, finished_ns;
	int restart_count;
	char *error;
	bool manual_stop;
};

void ctr_row_release(struct ctr_row *r);
/* Reads row `id` (a full id). ENOENT "No such container: id". */
int ctr_load(sv_engine *e, const char *id, struct ctr_row *r, sv_err **err);
/* Resolves name, loads the row and reconciles it with reality (a dead
 * shim means the container stopped: cleaned up and recorded). */
int ctr_find(sv_engine *e, const char *name, struct ctr_row *r, sv_err **err);
/* When the row says a shim owns the container but the shim is gone, kills
 * what is left, unmounts, records the stop and reloads *r. */
int ctr_reconcile(sv_engine *e, struct ctr_row *r, sv_err **err);
/* True when pid runs and started at start_ticks (field 22 of stat). */
bool ctr_pid_alive(int pid, int64_t start_ticks);
/* Field 22 of /proc/<pid>/stat, or -1. */
int64_t ctr_pid_start(int pid);

/* root/containers/<id> and runroot/containers/<id> (owned). */
char *ctr_dir(const sv_engine *e, const char *id);
char *ctr_run_dir(const sv_engine *e, const char *id);
/* The attach socket of a running container (owned). */
char *ctr_sock_path(const sv_engine *e, const char *id);
/* root/containers/<id>/<id>-json.log (owned). */
char *ctr_log_path(const sv_engine *e, const char *id);

/* Config accessors over r->config (borrowed). */
struct cJSON *ctr_cfg(const struct ctr_row *r);
struct cJSON *ctr_host(const struct ctr_row *r);
bool ctr_is_live(enum sv_container_state s);

/* Updates the state columns in one transaction with an event; `set` is
 * an SQL SET list with ?2.. bound by the caller through the callback. */
int ctr_set_state(sv_engine *e, const char *id, enum sv_container_state st, const char *event,
		  sv_err **err);
/* Records an event about a container (name and image as attributes);
 * extra (may be NULL) is merged in. Inside the caller's transaction. */
int ctr_event(sv_engine *e, const struct ctr_row *r, const char *action, const struct cJSON *extra,
	      sv_err **err);

/* Parses a signal name or number ("KILL", "SIGTERM", "9"); -1 if bad. */
int ctr_signal_parse(const char *s);

/* Every row, newest first, each reconciled. */
int ctr_load_all(sv_engine *e, struct ctr_row **out, size_t *n, sv_err **err);
/* The same for a listing: each config holds only Config.Labels,
 * HostConfig.NetworkMode, Path and Args (those of them stored). */
int ctr_load_brief(sv_engine *e, struct ctr_row **out, size_t *n, sv_err **err);
/* Those four of a config document, for the summary column (owned). */
char *ctr_summary_text(const struct cJSON *doc);
void ctr_rows_free(struct ctr_row *v, size_t n);
/* Removes a stopped container: unmount, files to the trash, row (with a
 * destroy event). */
int ctr_destroy(sv_engine *e, const struct ctr_row *r, sv_err **err);
/* The same, leaving the files in the trash: *trash for sv_store_purge
 * (keep_mount: with the rootfs still mounted in it, for sv_trash_purge). */
int ctr_destroy_deferred(sv_engine *e, const struct ctr_row *r, bool keep_mount, char **trash, sv_err **err);
/* Bytes in the container's upper dir. */
int64_t ctr_upper_size(sv_engine *e, const char *id);
/* [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool ctr_name_valid(const char *n);

/* ------------------------------------------------------------ lifecycle.c */

/* Kills a live container and waits until its shim recorded the exit. */
int ctr_force_stop(sv_engine *e, const struct ctr_row *r, sv_err **err);
/* Connects to a running container's attach socket (*out owned). */
int ctr_sock_connect(const sv_engine *e, const char *id, int *out, sv_err **err);
/* Spawns `servin-shim-ctl ARGS...` for container id (name for messages)
 * with an optional pre-attached client, and returns its verdict. */
int ctr_run_ctl(sv_engine *e, const char *id, const char *name, char **args, int attach_fd, unsigned streams,
		sv_err **err);

/* ------------------------------------------------------------ ctr-shim.c */

/* <runroot>/runtime: the runtime's state root. Owned. */
char *ctr_state_root(const sv_engine *e);
/* Kills whatever is left of a container whose shim is gone and removes
 * its runtime state (cgroups included); nothing left is fine. */
int ctr_runtime_cleanup(sv_engine *e, const char *id, sv_err **err);
/* A row still 'created' whose live shim started the container but whose
 * start was never recorded (the attached CLI that records it died first):
 * recorded now, from the runtime's state (ctr-shim.c). 1 when it did. */
int ctr_settle_started(sv_engine *e, const struct ctr_row *r, sv_err **err);
/* Records a start that failed (why), releases the claim; AutoRemove. */
int ctr_start_failed(sv_engine *e, const struct ctr_row *r, const sv_err *why, sv_err **err);
/* Claims the container for the shim process `shim` (started at
 * shim_start: ctr_pid_start's ticks), mounts its rootfs and writes its
 * bundle; a failure is recorded (ctr_start_failed). */
int ctr_shim_claim(sv_engine *e, struct ctr_row *r, pid_t shim, int64_t shim_start, sv_err **err);
/* What the monitor needs to know of the container (its config only). */
void ctr_shim_info_fill(sv_engine *e, const struct ctr_row *r, struct sv_shim_info *info);
/* Has the runtime start the claimed container as this process's child.
 * !store: this process must not touch the store (a fork of the one that
 * holds it, which records the start, or its failure, on the verdict):
 * only for a container with no network to wire and defer_running set. */
int ctr_shim_run(sv_engine *e, const struct ctr_row *r, const int stdio[3], struct sv_shim_info *info, bool store,
		 sv_err **err);
/* The start half of the shim for a container its parent (the caller of
 * this fork: c->no_store) claims: says "r <its start ticks>" on the
 * SOCK_SEQPACKET socket go once it is ready to start it (the parent claims
 * meanwhile, rather than keep this process waiting for a CPU, and need not
 * read this process's /proc stat while it forks), and starts it once "g"
 * comes back (EOF: exits quietly, the claim failed). Without a tty the monitor is exec'd
 * here at once and a helper child starts the container meanwhile.
 * shim-start.c. Returns only on failure (-1); the verdict is then the
 * caller's to send. */
int ctr_shim_start_claimed(struct sv_shim_ctl *c, const struct ctr_row *r, int go, sv_err **err);
/* The failure of a forked shim (or its helper): its verdict, and gone. */
_Noreturn void ctr_shim_child_fail(struct sv_shim_ctl *c, const sv_err *err);

/* ------------------------------------------------------------ ctr-check.c */

/* `system check` of the containers: rows against their shims, mounts,
 * runtime state and cgroups of containers that do not run, files of
 * containers with no row. Reads rows as they are (no reconciling unless
 * repair). *corrupt: corrupt findings left. */
int ctr_check(sv_engine *e, bool repair, sv_check_fn *fn, void *arg, int *corrupt, sv_err **err);
/* The network sweep; reconcile: settle rows of dead shims first (prune),
 * else judge them as recorded (a check without repair changes nothing). */
int ctr_net_sweep(sv_engine *e, bool repair, bool reconcile, sv_check_fn *fn, void *arg, int *found,
		  sv_err **err);

/* ------------------------------------------------------------ rootfs.c */

/* Mounts the image layers + upper dir at containers/<id>/rootfs (idempotent). */
int ctr_rootfs_mount(sv_engine *e, const struct ctr_row *r, sv_err **err);
/* Unmounts it (absent is fine). */
int ctr_rootfs_unmount(sv_engine *e, const char *id, sv_err **err);
bool ctr_rootfs_mounted(sv_engine *e, const char *id);

/* ------------------------------------------------------------ ctr-user.c */

struct ctr_user {
	uint32_t uid, gid;
	uint32_t *gids; /* supplementary, from /etc/group membership */
	size_t ngids;
	char *home;
};
/* Resolves "user[:group]" (names or ids) inside the container root. */
int ctr_user_resolve(int rootfd, const char *spec, struct ctr_user *u, sv_err **err);
void ctr_user_release(struct ctr_user *u);

/* ------------------------------------------------------------ bundle.c */

/* The OCI spec of a start (the rootfs is mounted: users resolve inside
 * it); writes the hostname/hosts/resolv.conf files beside it. Owned. */
struct cJSON *ctr_bundle_spec(sv_engine *e, const struct ctr_row *r, sv_err **err);
/* Docker's ConsoleSize [height, width] as OCI's {"height", "width"}, or
 * NULL when absent or out of range. Owned. */
struct cJSON *ctr_console_size(const struct cJSON *hw);
/* The final capability set of a HostConfig ("CAP_..."). Owned strv. */
char **ctr_caps(const struct cJSON *host);
/* The static binary that serves as --init (servin-shim in init mode). */
char *ctr_init_binary(const sv_engine *e);
/* Writes containers/<id>/config.json for a start; the rootfs is mounted. */
int ctr_bundle_write(sv_engine *e, const struct ctr_row *r, sv_err **err);

/* ------------------------------------------------------------ ctr-net.c */

/* The container's NetworkMode ("bridge" when unset). borrowed. */
const char *ctr_net_mode(const struct ctr_row *r);
/* Whether the container's netns needs links made by us after create (a
 * bridge network); `none` only needs lo, which the runtime brings up. */
bool ctr_net_wired(const struct ctr_row *r);
/* Create: normalises networking and resolves mounts into doc. */
int ctr_netvol_check(sv_engine *e, struct cJSON *doc, const struct cJSON *body, const struct cJSON *image_cfg, sv_err **err);
/* Create, inside the insert transaction: endpoint and volume claims. */
int ctr_netvol_claim_tx(sv_engine *e, const char *id, const struct cJSON *doc, sv_err **err);
/* Attaches container id to a network (connect), inside a transaction. */
int ctr_net_attach_tx(sv_engine *e, const char *id, const char *network, const struct cJSON *epc, sv_err **err);
/* Bundle: namespaces, /etc files, prepared mounts into spec. */
int ctr_netvol_bundle(sv_engine *e, const struct ctr_row *r, struct cJSON *spec, const char *dir, sv_err **err);
/* Start, between runtime create and start: links, ports, DNS sockets. */
/* Once the container is recorded running: its networks' names files
 * rewritten (see sv_net_names_refresh). */
void ctr_net_running(sv_engine *e, const char *id);
int ctr_net_start(sv_engine *e, const struct ctr_row *r, int pid, struct sv_shim_info *info, sv_err **err);
/* A running container after connect/disconnect: its links, ports and
 * DNS conf made again for its current endpoints (the shim's resolver
 * sockets stay). */
int ctr_net_rewire(sv_engine *e, const struct ctr_row *r, sv_err **err);
/* Stop (also after a crash): undoes ctr_net_start; logs failures. */
void ctr_net_stop(sv_engine *e, const struct ctr_row *r);
/* Every published port (of every container), read at once for a listing;
 * empty when the store cannot answer. ctr_ports_json() gives Docker's ps
 * Ports array of one container from it (owned). */
struct ctr_ports {
	struct ctr_port *v; /* sorted by container */
	size_t n;
};
void ctr_ports_load(sv_engine *e, struct ctr_ports *p);
void ctr_ports_release(struct ctr_ports *p);
struct cJSON *ctr_ports_json(const struct ctr_ports *p, const char *id);
/* `port` lines, inspect NetworkSettings and Mounts of a container. Owned. */
char **ctr_ports_lines(sv_engine *e, const struct ctr_row *r);
struct cJSON *ctr_net_settings(sv_engine *e, const struct ctr_row *r);
struct cJSON *ctr_mounts_inspect(const struct ctr_row *r);
/* Removal: stop plus endpoints, and anonymous volumes when asked. */
void ctr_netvol_forget(sv_engine *e, const struct ctr_row *r, bool anonymous_volumes);

/* ------------------------------------------------------------ create.c */

/* Parses the restart policy of a HostConfig: name ("no", "always",
 * "unless-stopped", "on-failure") and max retries. */
void ctr_restart_policy(const struct cJSON *host, const char **name, int *max_retries);

#endif
