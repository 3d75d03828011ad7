/*
 * core/engine — the one public face of the core.
 *
 * Every surface (CLI, batch, shell, TUI, REST, CRI) works through these
 * functions and nothing below them. Results that Docker clients see as
 * JSON (inspect, history, info, df) come back as cJSON trees in Docker's
 * shape, so the CLI and the REST API print the same thing; tables come
 * back as arrays of plain records (snapshots: the caller owns them and
 * nothing changes under it).
 *
 * An engine handle may be used from several threads at once: the store
 * gives each thread its own database connection. Operations that take
 * long (load, save, pull, start) block the calling thread; a UI calls
 * them from a worker.
 */
#ifndef SV_CORE_ENGINE_ENGINE_H
#define SV_CORE_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

struct cJSON;

#define SV_ENGINE_API_VERSION "1.43"
#define SV_ENGINE_API_MIN_VERSION "1.24"
#define SV_ENGINE_DEFAULT_ROOT "/var/lib/servin"
#define SV_ENGINE_DEFAULT_RUNROOT "/run/servin"

typedef struct sv_engine sv_engine;

struct sv_engine_opts {
	const char *root;	   /* NULL: $SERVIN_ROOT, else SV_ENGINE_DEFAULT_ROOT */
	const char *runroot;	   /* NULL: $SERVIN_RUNROOT, else SV_ENGINE_DEFAULT_RUNROOT */
	const char *config;	   /* registries.json; NULL: /etc/servin/registries.json */
	const char *self_exe;	   /* argv[0] of the surface, to find helpers beside it */
	const char *default_image; /* OCI archive seeded into a new store; NULL: search */
	bool no_seed;		   /* do not seed the default image */
};

/* Opens the store under opts->root (creating it on first use, when the
 * default busybox image is imported too). Returns owned; free with
 * sv_engine_free(). */
SV_API int sv_engine_open(const struct sv_engine_opts *opts, sv_engine **out, sv_err **err);
SV_API void sv_engine_free(sv_engine *e);
/* borrowed: valid until sv_engine_free() */
SV_API const char *sv_engine_root(const sv_engine *e);
SV_API const char *sv_engine_runroot(const sv_engine *e);
/* The host architecture in OCI terms ("amd64", "arm64"...). */
SV_API const char *sv_engine_arch(void);

/* ---------------------------------------------------------------- images */

struct sv_image_summary {
	char id[SV_DIGEST_STR_LEN]; /* "sha256:<config digest>" */
	char **repo_tags;	    /* familiar names: "busybox:latest"; never NULL */
	char **repo_digests;	    /* "busybox@sha256:..."; never NULL */
	int64_t created;	    /* seconds since the epoch (from the config) */
	int64_t size;		    /* unpacked bytes of all layers */
	int64_t shared_size;	    /* bytes in layers other images use too */
	int64_t containers;	    /* containers using the image */
	int64_t layers;
	char *os, *arch;
	struct cJSON *labels;	    /* object, never NULL */
};

struct sv_image_list_opts {
	bool all;	    /* include intermediate images (no difference yet: no builds) */
	char *const *filters; /* "dangling=true", "label=k=v", "reference=busy*",
			       * "before=IMG", "since=IMG"; NULL-terminated */
};

SV_API int sv_engine_images(sv_engine *e, const struct sv_image_list_opts *opts,
			    struct sv_image_summary **out, size_t *n, sv_err **err);
SV_API void sv_image_summaries_free(struct sv_image_summary *v, size_t n);

/* Finds an image by name[:tag], name@digest, full or short id (ENOENT:
 * "No such image: x"). */
SV_API int sv_engine_image_resolve(sv_engine *e, const char *name, char id[SV_DIGEST_STR_LEN],
				   sv_err **err);
/* Docker's image inspect object. Owned. */
SV_API struct cJSON *sv_engine_image_inspect(sv_engine *e, const char *name, sv_err **err);
/* Docker's history array (newest first). Owned. */
SV_API struct cJSON *sv_engine_image_history(sv_engine *e, const char *name, sv_err **err);
/* Tags image `src` as `target` (normalised). */
SV_API int sv_engine_image_tag(sv_engine *e, const char *src, const char *target, sv_err **err);

enum sv_image_remove_flags {
	SV_IMAGE_RM_FORCE = 1 << 0,   /* untag even when several tags; remove despite stopped containers */
	SV_IMAGE_RM_NOPRUNE = 1 << 1, /* reserved: there are no untagged parents */
};
/* What a removal did, as Docker reports it: familiar names untagged, image
 * ids deleted. Release with sv_image_rm_result_release(). */
struct sv_image_rm_result {
	char **untagged;
	char **deleted;
	int64_t reclaimed; /* bytes freed on disk */
};
SV_API int sv_engine_image_remove(sv_engine *e, const char *name, unsigned flags,
				  struct sv_image_rm_result *res, sv_err **err);
/* Removes dangling images (all unused ones with `all`), honouring filters
 * "until=", "label=". */
SV_API int sv_engine_image_prune(sv_engine *e, bool all, char *const *filters,
				 struct sv_image_rm_result *res, sv_err **err);
SV_API void sv_image_rm_result_release(struct sv_image_rm_result *r);

/* Loads a docker-archive (`docker save`) or an oci-archive (OCI layout in
 * a tar), optionally gzip/zstd compressed, from fd. *loaded receives the
 * familiar names (or ids for untagged images) loaded; owned. Bad input
 * leaves the store exactly as it was. */
SV_API int sv_engine_image_load(sv_engine *e, int fd, sv_progress_fn *progress, void *arg,
				char ***loaded, sv_err **err);

enum sv_archive_format { SV_ARCHIVE_DOCKER = 0, SV_ARCHIVE_OCI };
/* Writes the images as an archive to fd (a tar stream). */
SV_API int sv_engine_image_save(sv_engine *e, char *const *names, enum sv_archive_format format,
				int fd, sv_err **err);

struct sv_import_opts {
	const char *reference;	/* tag for the new image, or NULL */
	const char *message;	/* history comment */
	char *const *changes;	/* Dockerfile-like: "CMD [\"sh\"]", "ENV A=b", "WORKDIR /x" ... */
	const char *platform;	/* "linux/amd64" or NULL for the host */
};
/* Imports a root filesystem tarball (plain, gzip or zstd) as a one-layer
 * image; id_out receives its id. */
SV_API int sv_engine_image_import(sv_engine *e, int fd, const struct sv_import_opts *opts,
				  char id_out[SV_DIGEST_STR_LEN], sv_err **err);

/* Unpacks one layer stream (tar, gzip or zstd) from fd into the existing
 * empty directory dest, with every check of a pull or a load; for
 * diagnostics and benchmarks (`servin layer unpack`). No engine needed. */
struct sv_layer_stats {
	char diff_id[SV_DIGEST_STR_LEN];
	int64_t entries;
	int64_t bytes; /* uncompressed tar bytes */
};
SV_API int sv_engine_unpack_layer(int fd, const char *dest, struct sv_layer_stats *stats, sv_err **err);

/* ---------------------------------------------------------------- registry */

/* Registries are configured by registries.json (sv_engine_opts.config, else
 * $SERVIN_CONFIG_DIR/registries.json, else /etc/servin/registries.json);
 * logins live in $XDG_CONFIG_HOME/servin/auth.json (Docker's config.json
 * is read too). The engine keeps one registry session, so bearer tokens
 * are reused across calls until they expire. */

struct sv_pull_opts {
	const char *platform;	  /* "os/arch[/variant]"; NULL: the host's */
	int parallel;		  /* layers at once; 0: configured (3) */
	/* Per-layer progress: id is the layer's short digest ("" for the
	 * whole pull); status "Pulling fs layer", "Downloading" (bytes in
	 * current/total), "Download complete", "Extracting", "Pull complete",
	 * "Already exists". Called from worker threads, one call at a time. */
	sv_progress_fn *progress;
	void *progress_arg;
	const volatile bool *cancel; /* polled; true cancels (ECANCELED) */
};

struct sv_pull_result {
	char id[SV_DIGEST_STR_LEN];	/* image id */
	char digest[SV_DIGEST_STR_LEN]; /* what the reference resolved to */
	char *name;			/* full reference pulled; owned */
	char *familiar;			/* its short form ("busybox:latest"); owned */
	bool up_to_date;		/* nothing new was downloaded */
	int64_t downloaded;		/* bytes over the network */
};
SV_API void sv_pull_result_release(struct sv_pull_result *r);

/* Pulls NAME[:TAG|@DIGEST] into the store (multi-arch resolved to the host
 * or opts->platform). All or nothing; blocks: call from a worker in a UI.
 * ENOENT unknown image, EACCES refused credentials, EBADMSG corrupt data. */
SV_API int sv_engine_image_pull(sv_engine *e, const char *ref, const struct sv_pull_opts *opts,
				struct sv_pull_result *res, sv_err **err);
/* The tags of a repository on its registry, sorted; owned. */
SV_API int sv_engine_image_tags(sv_engine *e, const char *name, char ***tags, sv_err **err);

enum sv_pull_policy { SV_PULL_MISSING = 0, SV_PULL_ALWAYS, SV_PULL_NEVER };
/* What `run`/`create` use: the id of image `ref`, pulled first when the
 * policy says so (missing: only when not in the store). *pulled says
 * whether a pull happened (may be NULL). */
SV_API int sv_engine_image_ensure(sv_engine *e, const char *ref, enum sv_pull_policy policy,
				  const struct sv_pull_opts *opts, char id[SV_DIGEST_STR_LEN], bool *pulled,
				  sv_err **err);

struct sv_push_opts {
	int parallel;
	/* status "Preparing", "Waiting", "Pushing" (bytes), "Pushed",
	 * "Layer already exists", "Mounted from REPO" */
	sv_progress_fn *progress;
	void *progress_arg;
	const volatile bool *cancel;
};
struct sv_push_result {
	char digest[SV_DIGEST_STR_LEN]; /* the manifest's */
	int64_t size;
	char *tag; /* owned; NULL when pushed by digest */
};
SV_API void sv_push_result_release(struct sv_push_result *r);
/* Pushes image NAME[:TAG] to the registry its name points at. */
SV_API int sv_engine_image_push(sv_engine *e, const char *ref, const struct sv_push_opts *opts,
				struct sv_push_result *res, sv_err **err);

/* Checks and stores credentials for server (NULL: Docker Hub). *host
 * receives the canonical registry name (owned, may be NULL). */
SV_API int sv_engine_login(sv_engine *e, const char *server, const char *user, const char *password,
			   char **host, sv_err **err);
SV_API int sv_engine_logout(sv_engine *e, const char *server, char **host, sv_err **err);

struct sv_search_hit {
	char *name;
	char *description;
	int64_t stars;
	bool official;
	bool automated;
};
/* Searches a registry ("term" on Docker Hub, "host:port/term" elsewhere). */
SV_API int sv_engine_image_search(sv_engine *e, const char *term, int limit, struct sv_search_hit **hits,
				  size_t *n, sv_err **err);
SV_API void sv_search_hits_free(struct sv_search_hit *hits, size_t n);

/* ---------------------------------------------------------------- system */

/* `servin system check`: one finding. area: "store", "image", "container"...;
 * kind: "corrupt" (recorded data missing or wrong) or "leftover" (unrecorded
 * data taking space). Borrowed strings, valid during the call. */
struct sv_check_finding {
	const char *area;
	const char *kind;
	const char *object;
	const char *detail;
	bool repaired;
};
typedef void sv_check_fn(const struct sv_check_finding *f, void *arg);
/* Verifies the whole store against reality, calling fn per finding; with
 * repair, fixes what can be fixed. *corrupt: corrupt findings left. */
SV_API int sv_engine_system_check(sv_engine *e, bool repair, sv_check_fn *fn, void *arg, int *corrupt,
				  sv_err **err);

/* Docker's /info object. Owned. */
SV_API struct cJSON *sv_engine_info(sv_engine *e, sv_err **err);
/* Docker's /system/df object (LayersSize, Images, Containers, Volumes,
 * BuildCache). Owned. */
SV_API struct cJSON *sv_engine_df(sv_engine *e, sv_err **err);

/* ---------------------------------------------------------------- events */

/* One row of the store's event journal: Docker's Type/Action/Actor. Every
 * change any process makes is recorded with it, so a surface started later
 * still sees what happened. */
struct sv_engine_event {
	int64_t seq;	     /* increasing; resume after the last one seen */
	int64_t time_ns;
	char *type;	     /* "image", "container", "volume", "network" */
	char *action;	     /* "pull", "tag", "delete", "start", "die"... */
	char *actor;	     /* id or name of the object */
	struct cJSON *attrs; /* object, never NULL */
};

/* Events with seq > after and time in [since_ns, until_ns] (0 = open),
 * oldest first, at most max (0 = all). *out owned: free with
 * sv_engine_events_free(). Any thread. */
SV_API int sv_engine_events(sv_engine *e, int64_t after, int64_t since_ns, int64_t until_ns,
			    size_t max, struct sv_engine_event **out, size_t *n, sv_err **err);
SV_API void sv_engine_events_free(struct sv_engine_event *v, size_t n);
/* The newest event's seq, 0 when there is none; -1 on error. */
SV_API int64_t sv_engine_events_last(sv_engine *e, sv_err **err);
/* The file that changes whenever any process commits a change to the
 * state (the database's write-ahead log). Watch its directory with
 * inotify / uv_fs_event for this name, then read events after the last
 * seq: no polling. borrowed: valid until sv_engine_free(). */
SV_API const char *sv_engine_watch_path(const sv_engine *e);

/* ------------------------------------------- events: filters, JSON, waits */

/* Checks Docker's event filter keys ("type=image", "event=tag",
 * "image=busybox", "container=x", "label=k=v", "volume=", "network=",
 * "daemon=", "scope=") before a stream starts: EINVAL names a bad key. */
SV_API int sv_engine_event_filters_check(char *const *filters, sv_err **err);
/* Does ev match filters? Values of one key are alternatives; every key
 * given must match. NULL filters match everything. */
SV_API bool sv_engine_event_matches(const struct sv_engine_event *ev, char *const *filters);
/* Docker's JSON for one event (Type, Action, Actor, scope, time, timeNano
 * and the legacy status/id/from). Owned. */
SV_API struct cJSON *sv_engine_event_json(const struct sv_engine_event *ev);

/* Wakes a blocked thread when any process commits a change to the store
 * (inotify on the directory of sv_engine_watch_path()). For worker threads
 * that wait without a loop; a libuv loop watches the path itself. Owned;
 * free with sv_engine_watch_free(). */
typedef struct sv_engine_watch sv_engine_watch;
SV_API int sv_engine_watch_new(sv_engine *e, sv_engine_watch **out, sv_err **err);
SV_API void sv_engine_watch_free(sv_engine_watch *w);
/* Blocks until the store changed (returns 1), `also_fd` (when >= 0) is
 * readable or hung up (2), or timeout_ms passed (0; -1 waits forever).
 * After a change, one more wake-up follows shortly by itself, so a commit
 * whose last step lands after the caller's read is never missed. The
 * calling thread only; one thread per watch. */
SV_API int sv_engine_watch_wait(sv_engine_watch *w, int also_fd, int timeout_ms, sv_err **err);

#endif
