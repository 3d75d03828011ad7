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

/* ---------------------------------------------------------------- system */

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

#endif
