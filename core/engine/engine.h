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
	/* Start containers from a fork of this process rather than an exec
	 * of servin-shim-ctl, whenever it is single-threaded at that moment
	 * (a CLI: one exec, one dynamic link and one store open less). */
	bool fork_shim;
};

/* Opens the store under opts->root (creating it on first use, when the
 * default busybox image is imported too). Returns owned; free with
 * sv_engine_free(). */
SV_API int sv_engine_open(const struct sv_engine_opts *opts, sv_engine **out, sv_err **err);
/* The same without seeding, for servin-shim-ctl: links none of the image
 * archive code (no libarchive), so the shim starts fast. */
SV_API int sv_engine_open_shim(const struct sv_engine_opts *opts, sv_engine **out, sv_err **err);
SV_API void sv_engine_free(sv_engine *e);
/* Folds the store's WAL into the database when at least min_frames wait
 * (0: always). For processes off the hot path. */
SV_API int sv_engine_checkpoint(sv_engine *e, long min_frames, sv_err **err);
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
 * are reused across calls until they expire; when one of those files
 * changes (a login by this or another process) the next call starts a new
 * session, so a long-running `servin serve` sees new logins. */

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
	/* Credentials for this call only (the REST API's X-Registry-Auth),
	 * instead of the stored login. NULL: stored logins. */
	const char *username, *password;
};

struct sv_pull_result {
	char id[SV_DIGEST_STR_LEN];	/* image id */
	char digest[SV_DIGEST_STR_LEN]; /* what the reference resolved to */
	char *name;			/* full reference pulled; owned */
	char *familiar;			/* its short form ("busybox:latest"); owned */
	bool up_to_date;		/* nothing new was downloaded */
	int64_t downloaded;		/* bytes over the network */
};
/* Frees what a pull result owns. */
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
	const char *username, *password; /* for this call only, as for pull */
};
struct sv_push_result {
	char digest[SV_DIGEST_STR_LEN]; /* the manifest's */
	int64_t size;
	char *tag; /* owned; NULL when pushed by digest */
};
/* Frees what a push result owns. */
SV_API void sv_push_result_release(struct sv_push_result *r);
/* Pushes image NAME[:TAG] to the registry its name points at. */
SV_API int sv_engine_image_push(sv_engine *e, const char *ref, const struct sv_push_opts *opts,
				struct sv_push_result *res, sv_err **err);

/* Checks and stores credentials for server (NULL: Docker Hub). *host
 * receives the canonical registry name (owned, may be NULL). */
SV_API int sv_engine_login(sv_engine *e, const char *server, const char *user, const char *password,
			   char **host, sv_err **err);
/* Removes the stored login for server (ENOENT when there is none); *host
 * as for sv_engine_login. */
SV_API int sv_engine_logout(sv_engine *e, const char *server, char **host, sv_err **err);
/* Checks credentials for server without storing them (Docker's POST /auth). */
SV_API int sv_engine_login_check(sv_engine *e, const char *server, const char *user, const char *password,
				 sv_err **err);

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
/* Frees hits from sv_engine_image_search; NULL is fine. */
SV_API void sv_search_hits_free(struct sv_search_hit *hits, size_t n);

/* ---------------------------------------------------------------- containers
 *
 * A container is a row in the store plus containers/<id>/ (upper and work
 * dirs, the OCI bundle, the json-file log). While it runs, one servin-shim
 * process owns it: the shim started it, holds its stdio, writes its log,
 * records its exit and applies its restart policy; everything else talks
 * to the shim through a unix socket under the runroot (see "attach" below).
 *
 * Every reader reconciles the row with reality: a container whose shim is
 * gone is stopped (its leftovers killed, its rootfs unmounted) before it is
 * reported. So `ps`, `rm -f` and `start` always see a state they can act on.
 *
 * Names are accepted as Docker does: full id, unique id prefix, or name
 * (with or without the leading "/"). ENOENT "No such container: x".
 */

enum sv_container_state {
	SV_CTR_CREATED = 0,
	SV_CTR_RUNNING,
	SV_CTR_PAUSED,
	SV_CTR_RESTARTING,
	SV_CTR_REMOVING,
	SV_CTR_EXITED,
	SV_CTR_DEAD,
};
/* "created", "running"... as Docker spells them (static). */
SV_API const char *sv_container_state_name(enum sv_container_state s);
SV_API enum sv_container_state sv_container_state_parse(const char *s);

#define SV_CONTAINER_ID_LEN 64

/* One row of `ps`: a snapshot the caller owns. */
struct sv_container_summary {
	char id[SV_CONTAINER_ID_LEN + 1];
	char *name;			    /* without the leading "/" */
	char *image;			    /* as the user gave it ("busybox") */
	char image_id[SV_DIGEST_STR_LEN];
	char *command;			    /* "sh -c 'echo hi'", Docker's quoting */
	int64_t created;		    /* seconds since the epoch */
	enum sv_container_state state;
	char *status;			    /* "Up 2 minutes", "Exited (0) 3 seconds ago" */
	int exit_code;
	int pid;			    /* 0 when not running */
	int64_t started_ns, finished_ns;    /* 0 when never */
	int64_t size_rw, size_root_fs;	    /* -1 unless sizes were asked for */
	struct cJSON *labels;		    /* object, never NULL */
	struct cJSON *ports;		    /* array (empty until networking lands) */
	char *network_mode;		    /* "none", "host", "default" */
};

struct sv_container_list_opts {
	bool all;	      /* stopped ones too */
	int last;	      /* the n most recently created (any state); <= 0: no limit */
	bool size;	      /* compute size_rw/size_root_fs (walks the upper dirs) */
	char *const *filters; /* "id=", "name=", "label=k[=v]", "status=", "exited=N",
			       * "ancestor=IMG", "before=", "since=", "is-task=false";
			       * NULL-terminated. EINVAL for an unknown key. */
};
SV_API int sv_engine_containers(sv_engine *e, const struct sv_container_list_opts *opts,
				struct sv_container_summary **out, size_t *n, sv_err **err);
SV_API void sv_container_summaries_free(struct sv_container_summary *v, size_t n);

/* Creates a container from Docker's create body ({"Image", "Cmd", ...,
 * "HostConfig": {...}}, the POST /containers/create JSON; borrowed). name
 * may be NULL (a random one is picked). Options are validated here: a bad
 * value is EINVAL with Docker's wording, an unknown image ENOENT ("No such
 * image: x:latest"), a taken name EEXIST (Docker's "Conflict..." text).
 * id receives the new id; *warnings (may be NULL) owned strv. */
SV_API int sv_engine_container_create(sv_engine *e, const char *name, const struct cJSON *body,
				      char id[SV_CONTAINER_ID_LEN + 1], char ***warnings, sv_err **err);
/* Full id of a container by id, id prefix or name. */
SV_API int sv_engine_container_resolve(sv_engine *e, const char *name, char id[SV_CONTAINER_ID_LEN + 1],
				       sv_err **err);
/* Docker's container inspect object. Owned. size: add SizeRw/SizeRootFs. */
SV_API struct cJSON *sv_engine_container_inspect(sv_engine *e, const char *name, bool size, sv_err **err);

/* Streams of an attach, and the frames spoken on an attach connection. */
enum sv_attach_streams {
	SV_ATTACH_STDIN = 1 << 0,
	SV_ATTACH_STDOUT = 1 << 1,
	SV_ATTACH_STDERR = 1 << 2,
	/* The client records the exit itself (see SV_FRAME_EXITED): only the
	 * one connection handed over at start, by a process that has the
	 * store open and waits for the exit anyway (an attached `run`). */
	SV_ATTACH_FINISH = 1 << 3,
};

struct sv_start_opts {
	/* One end of a connected SOCK_STREAM socketpair (or -1): it becomes
	 * an attach connection before the container runs, so no output is
	 * lost (run, start -a, the REST attach-then-start sequence). Borrowed:
	 * the shim gets its own copy. */
	int attach_fd;
	unsigned attach_streams; /* enum sv_attach_streams */
	/* Wait for the first start only; do not restart a container whose
	 * restart policy says so when its start fails. Reserved. */
	bool no_restart;
};
/* Starts a created or stopped container: mounts its rootfs, generates the
 * bundle and runs it under a new shim; returns once the process runs (or
 * could not start: the error tells why; code ENOENT for a missing
 * executable (exit 127), EACCES for one that cannot run (126)). EALREADY
 * when it already runs (Docker's 304). */
SV_API int sv_engine_container_start(sv_engine *e, const char *name, const struct sv_start_opts *opts,
				     sv_err **err);
/* Sends the stop signal (signal NULL: the container's), waits timeout
 * seconds (< 0: the container's, default 10), then SIGKILL; returns once it
 * stopped. EALREADY when it was not running (Docker's 304). */
SV_API int sv_engine_container_stop(sv_engine *e, const char *name, int timeout, const char *signal,
				    sv_err **err);
/* Sends a signal (name "KILL", "SIGTERM" or number; NULL: KILL). EINVAL for
 * a bad signal, EBUSY ("is not running") when stopped. */
SV_API int sv_engine_container_kill(sv_engine *e, const char *name, const char *signal, sv_err **err);
SV_API int sv_engine_container_restart(sv_engine *e, const char *name, int timeout, sv_err **err);
SV_API int sv_engine_container_pause(sv_engine *e, const char *name, sv_err **err);
SV_API int sv_engine_container_unpause(sv_engine *e, const char *name, sv_err **err);

enum sv_container_remove_flags {
	SV_CTR_RM_FORCE = 1 << 0,   /* kill it first when running */
	SV_CTR_RM_VOLUMES = 1 << 1, /* remove anonymous volumes (none yet) */
};
/* EBUSY (Docker's "You cannot remove a running container ...") when it
 * runs and not forced. */
SV_API int sv_engine_container_remove(sv_engine *e, const char *name, unsigned flags, sv_err **err);

enum sv_wait_condition { SV_WAIT_NOT_RUNNING = 0, SV_WAIT_NEXT_EXIT, SV_WAIT_REMOVED };
/* Blocks until the condition holds; *exit_code receives the exit status. */
SV_API int sv_engine_container_wait(sv_engine *e, const char *name, enum sv_wait_condition cond,
				    int *exit_code, sv_err **err);
SV_API int sv_engine_container_rename(sv_engine *e, const char *name, const char *new_name, sv_err **err);
/* Removes stopped containers matching filters ("until=", "label="); *deleted
 * owned ids. */
SV_API int sv_engine_container_prune(sv_engine *e, char *const *filters, char ***deleted,
				     int64_t *reclaimed, sv_err **err);
/* Docker's top object {"Titles": [...], "Processes": [[...]]}; ps_args NULL
 * for "-ef". Owned. */
SV_API struct cJSON *sv_engine_container_top(sv_engine *e, const char *name, const char *ps_args,
					     sv_err **err);
/* Docker's port map as "80/tcp -> 0.0.0.0:8080" lines (empty until
 * networking lands). Owned strv. */
SV_API char **sv_engine_container_ports(sv_engine *e, const char *name, sv_err **err);

/* ---------------------------------------------------------------- logs */

struct sv_log_opts {
	bool follow;
	bool stdout_;
	bool stderr_;
	int64_t since_ns; /* 0: from the start */
	int64_t until_ns; /* 0: no end */
	int64_t tail;	  /* last n lines; < 0: all */
	/* follow ends when this fd hangs up (the client of a server gone:
	 * else a silent container would hold its reader until it stops) */
	const int *hangup_fd;
};
/* One log entry; return < 0 to stop (with *err set or not). */
typedef int sv_log_entry_fn(int stream, int64_t time_ns, const char *data, size_t len, void *arg);
/* Reads the json-file log (rotated files too), then with follow waits for
 * more until the container stops. */
SV_API int sv_engine_container_logs(sv_engine *e, const char *name, const struct sv_log_opts *opts,
				    sv_log_entry_fn *fn, void *arg, sv_err **err);

/* ---------------------------------------------------------------- attach
 *
 * An attach connection carries frames: an 8-byte header [type, 0, 0, 0,
 * length (uint32 big-endian)] then the payload. Types 0, 1, 2 are Docker's
 * stdin/stdout/stderr (so the REST API forwards output frames unchanged;
 * with a TTY everything arrives as stdout). The others are servin's and
 * never reach a Docker client.
 */
enum sv_frame_type {
	SV_FRAME_STDIN = 0,
	SV_FRAME_STDOUT = 1,
	SV_FRAME_STDERR = 2,
	SV_FRAME_HELLO = 16,	  /* client→shim: 1 byte enum sv_attach_streams */
	SV_FRAME_EXIT = 17,	  /* shim→client: "<code>" (decimal), the container stopped */
	SV_FRAME_RESIZE = 18,	  /* client→shim: "<rows> <cols>" */
	SV_FRAME_CLOSE_STDIN = 19, /* client→shim: no more input */
	SV_FRAME_SIGNAL = 20,	  /* client→shim: "<signo>" */
	SV_FRAME_STOP = 21,	  /* client→shim: "<signo> <timeout>" */
	SV_FRAME_ERROR = 22,	  /* shim→client: a message */
	/* shim→finisher: "<wait status> <manual> <canceled>", the process
	 * ended and its output is drained. The finisher records it (as
	 * servin-shim-ctl exited would, sparing an exec and a store open) and
	 * answers FINISHED; the shim then tells the other clients and purges
	 * the trash. Any other answer, or none, and servin-shim-ctl does it. */
	SV_FRAME_EXITED = 23,
	SV_FRAME_FINISHED = 24,	  /* finisher→shim: "<code>[ <trash path>]" or "decline" */
};
#define SV_FRAME_MAX (1u << 20)

/* Connects to a running container's shim and says which streams to get;
 * *fd receives the connection (owned). EBUSY when not running. */
SV_API int sv_engine_container_attach(sv_engine *e, const char *name, unsigned streams, int *fd,
				      sv_err **err);
/* Sets a running container's TTY size. */
SV_API int sv_engine_container_resize(sv_engine *e, const char *name, unsigned rows, unsigned cols,
				      sv_err **err);
/* Writes one frame (retries short writes). */
SV_API int sv_frame_write(int fd, enum sv_frame_type type, const void *data, size_t len, sv_err **err);
/* Reads one frame: *type and the payload into out (replaced). Returns 1, 0
 * at a clean end of stream, -1 on error (EBADMSG for a bad frame). */
SV_API int sv_frame_read(int fd, int *type, struct sv_buf *out, sv_err **err);

/* Pumps a local terminal or pipes to an attach connection until the
 * container exits or the user detaches (ctrl-p ctrl-q on a TTY with stdin).
 * in_fd < 0: no stdin. Returns 0 and sets *exit_code (-1 when detached). */
struct sv_attach_pump {
	int conn;		 /* borrowed */
	/* With SV_ATTACH_FINISH: the container (full id) whose exit this
	 * pump records when the shim hands it over (NULL: never). */
	sv_engine *finish_engine;
	const char *finish_id;
	int in_fd, out_fd, err_fd; /* borrowed; err_fd unused with a TTY */
	bool tty;		 /* raw bytes; send resizes of in_fd's terminal */
	bool close_stdin_at_eof; /* send CLOSE_STDIN when in_fd reaches EOF */
	bool proxy_signals;	 /* forward SIGINT/SIGTERM/SIGHUP... to the container */
	const char *detach_keys; /* "ctrl-p,ctrl-q" (NULL: that default) */
};
SV_API int sv_attach_pump_run(const struct sv_attach_pump *p, int *exit_code, sv_err **err);

/* ---------------------------------------------------------------- exec */

struct sv_exec_opts {
	char *const *cmd;	  /* required */
	char *const *env;	  /* "K=V" added to the container's */
	const char *user;	  /* NULL: the container's */
	const char *workdir;	  /* NULL: the container's */
	bool tty;
	bool privileged;
	bool detach;		  /* run without a client; output discarded */
	int attach_fd;		  /* as in sv_start_opts (-1: none) */
	unsigned attach_streams;
	/* With tty: the terminal's size before the process runs (Docker's
	 * exec ConsoleSize); 0: unknown, resized later. */
	unsigned console_rows, console_cols;
};
/* Runs a process in a running container under a small shim of its own;
 * returns once it runs. exec_id (may be NULL) receives its id; the exit
 * code arrives as an EXIT frame on attach_fd, and in
 * sv_engine_exec_inspect. Errors as for start (ENOENT → 127, EACCES → 126). */
SV_API int sv_engine_exec(sv_engine *e, const char *container, const struct sv_exec_opts *opts,
			  char exec_id[SV_CONTAINER_ID_LEN + 1], sv_err **err);
/* Docker's exec inspect object ({"ID", "Running", "ExitCode", "Pid", ...}). */
SV_API struct cJSON *sv_engine_exec_inspect(sv_engine *e, const char *exec_id, sv_err **err);

/* ---------------------------------------------------------------- stats */

/* One sample of a container's cgroup counters. */
struct sv_stats_sample {
	int64_t time_ns;
	int64_t cpu_ns;	     /* total CPU time used */
	int64_t system_ns;   /* host CPU time (all cpus) at the sample, for ratios */
	int64_t mem_usage;   /* bytes, page cache included */
	int64_t mem_cache;   /* inactive_file (Docker subtracts it) */
	int64_t mem_limit;   /* bytes; the host's memory when unlimited */
	int64_t pids;
	int64_t blk_read, blk_write;
	int64_t net_rx, net_tx;
	int online_cpus;
};
struct sv_container_stats {
	char id[SV_CONTAINER_ID_LEN + 1];
	char *name;
	bool running;
	struct sv_stats_sample now;
	struct sv_stats_sample prev; /* the sample before, from the ring (time_ns 0: none) */
};
/* Samples every running container (names NULL) or the named ones, reading
 * each cgroup once. Owned; free with sv_container_stats_free(). */
SV_API int sv_engine_container_stats(sv_engine *e, char *const *names, struct sv_container_stats **out,
				     size_t *n, sv_err **err);
SV_API void sv_container_stats_free(struct sv_container_stats *v, size_t n);
/* Docker's stats object for one sample and the one before it (prev may be
 * NULL). Owned. */
SV_API struct cJSON *sv_container_stats_json(const struct sv_container_stats *s,
					     const struct sv_stats_sample *prev);
/* The host's CPU time in ns (/proc/stat), the clock of system_ns. */
SV_API int64_t sv_host_cpu_ns(void);
/* The newest sample of each live container (or of those in ids, full ids)
 * from the shims' stats rings, written once a second: one read per
 * container, nothing per container in the database or the cgroups. For
 * dashboards that poll many containers. Owned. */
SV_API int sv_engine_container_stats_latest(sv_engine *e, char *const *ids, struct sv_container_stats **out,
					    size_t *n, sv_err **err);
/* The shim's history of samples (oldest first, up to a few minutes). */
SV_API int sv_engine_container_stats_history(sv_engine *e, const char *name, struct sv_stats_sample **out,
					     size_t *n, sv_err **err);

/* ---------------------------------------------------------------- copy */

/* Writes a tar of `path` inside the container (a running container's live
 * view, else its rootfs mounted for the copy) to fd, its top entry named
 * as_name (NULL: the path's base name; ".": a directory's content only).
 * Paths resolve inside the container root: symlinks never lead out. *stat
 * (may be NULL) receives Docker's path stat {"name", "size", "mode" (Go's
 * FileMode bits), "mtime", "linkTarget"}. */
SV_API int sv_engine_container_archive_get(sv_engine *e, const char *name, const char *path,
					   const char *as_name, int fd, struct cJSON **stat, sv_err **err);
/* Extracts a tar stream from fd into directory `path` inside the
 * container, every entry resolved inside the root. */
SV_API int sv_engine_container_archive_put(sv_engine *e, const char *name, const char *path, int fd,
					   sv_err **err);
/* A tar of a host path (for `cp` into a container), top entry as_name
 * (NULL: the base name; "." a directory's content); owners kept or 0:0. */
SV_API int sv_engine_tar_path(const char *path, const char *as_name, bool keep_owner, int fd, sv_err **err);
/* Extracts a tar that came out of a container into a host directory, with
 * the same guards as an image layer (nothing lands outside dir). */
SV_API int sv_engine_untar_host(int fd, const char *dir, sv_err **err);
/* Docker's path stat only (ENOENT when missing). Owned. */
SV_API struct cJSON *sv_engine_container_stat_path(sv_engine *e, const char *name, const char *path,
						   sv_err **err);

/* ---------------------------------------------------------------- shim side
 *
 * For servin-shim-ctl only: the steps of starting a container under a
 * shim and recording its end. Surfaces use sv_engine_container_start().
 */

/* What the shim needs to know about a container it starts. */
struct sv_shim_info {
	bool tty, open_stdin, stdin_once;
	char *log_path;		 /* NULL: log driver "none" */
	int64_t log_max_size;	 /* 0: unbounded */
	int log_max_file;
	int stop_signal;
	char *ring_path;	 /* runroot/containers/<id>/stats */
	char **cgroup_paths;	 /* "controller:/dir" of the running container */
	int pid;		 /* the started process */
	int pidfd;		 /* owned */
	int console_fd;		 /* owned: pty master with tty, else -1 */
	int dns_udp_fd;		 /* owned: the embedded resolver's sockets in */
	int dns_tcp_fd;		 /*   the container's netns, else -1 */
	char *dns_conf;		 /* its conf file (sv_dns_conf_path) */
	/* in: the start (ctr_shim_run) leaves recording the container running to
	 * whoever waits for the verdict (sv_engine_shim_record_running), so
	 * that the monitor takes over sooner; out: when it started. */
	bool defer_running;
	int64_t started_ns;
};
SV_API void sv_shim_info_release(struct sv_shim_info *i);
/* Records container id running as pid since started_ns, claimed by the
 * shim shim_pid — unless that shim already recorded its exit (a process
 * over at once): then nothing. */
SV_API int sv_engine_shim_record_running(sv_engine *e, const char *id, int shim_pid, int pid, int64_t started_ns,
					 sv_err **err);

/* A shim's start (shim-start.c): servin-shim-ctl's, or a single-threaded
 * caller's forked child's. */
struct sv_shim_ctl {
	sv_engine *e;		  /* owned; freed before the monitor is exec'd */
	const char *root, *runroot; /* passed on to the monitor's servin-shim-ctl */
	const char *bindir;	  /* where servin-shim and servin-shim-ctl are */
	const char *exec_id;	  /* an exec instance; NULL: the container */
	int sync_fd;		  /* the verdict's fd (-1: nobody waits) */
	int listen_fd;		  /* the attach socket; -1: bind it */
	int *clients;		  /* connections handed to the monitor */
	unsigned *client_streams;
	size_t nclients;
	int64_t delay_ms;	  /* the restart delay so far */
	/* The caller records the container running (after "ok PID NS"):
	 * see sv_shim_info.defer_running. */
	bool defer_running;
	/* A fork of the caller, which claimed the container and records the
	 * start or its failure: never touch the store. */
	bool no_store;
};
SV_API void sv_shim_ctl_add_client(struct sv_shim_ctl *c, int fd, unsigned streams);
SV_API void sv_shim_ctl_release(struct sv_shim_ctl *c);
/* "ok PID" / "err CODE MESSAGE" to sync_fd, which is closed after. */
SV_API void sv_shim_ctl_verdict(struct sv_shim_ctl *c, const char *fmt, ...) SV_PRINTF(2, 3);
SV_API void sv_shim_ctl_fail(struct sv_shim_ctl *c, const sv_err *err);
/* Claim, run, verdict, exec the monitor: return only on failure (-1). */
SV_API int sv_shim_ctl_run_container(struct sv_shim_ctl *c, const char *id, sv_err **err);
SV_API int sv_shim_ctl_exec(struct sv_shim_ctl *c, sv_err **err);

struct sv_shim_exit {
	int exit_code;
	bool oom_killed;
	bool restart;	  /* start it again after delay_ms */
	int64_t delay_ms;
	bool removed;	  /* AutoRemove took it away */
	char *trash;	  /* and its files, to purge: sv_engine_shim_exit_done */
};
/* Records the end of the container's process (wait status), removes its
 * runtime state, applies the restart policy (manual: stopped or signalled
 * by a user; canceled: a stop/kill that cancels restarts; delay_ms: the
 * previous delay, 0 for the first) and AutoRemove. ooms: the OOM kills the
 * shim read in the container's cgroups before it removed them; -1: read
 * them here. */
SV_API int sv_engine_shim_exited(sv_engine *e, const char *id, int wait_status, bool manual, bool canceled,
				 int64_t delay_ms, int64_t ooms, struct sv_shim_exit *out, sv_err **err);
/* The finisher's side of SV_FRAME_EXITED (payload: its text): records
 * the exit unless a restart is due (returns 1: declined, nothing done).
 * On 0, *code is the exit code and *trash (owned, may be NULL) the
 * absolute path the shim is to purge. */
SV_API int sv_engine_shim_finish(sv_engine *e, const char *id, const char *exited, int *code, char **trash,
				 sv_err **err);
/* Removes what AutoRemove left in the trash (after the clients waiting
 * for the exit code have it: deleting files is the slow part) and frees
 * *x's contents. */
SV_API void sv_engine_shim_exit_done(sv_engine *e, struct sv_shim_exit *x);
/* Gives up a restart that was canceled while waiting: records the stop. */
SV_API int sv_engine_shim_abandon(sv_engine *e, const char *id, sv_err **err);

/* Reads exec instance exec_id (its container must run) into *info. */
SV_API int sv_engine_shim_exec_claim(sv_engine *e, const char *exec_id, struct sv_shim_info *info,
				     sv_err **err);
/* Starts exec instance exec_id as the caller's child (stdio as above). */
SV_API int sv_engine_shim_exec_run(sv_engine *e, const char *exec_id, const int stdio[3],
				   struct sv_shim_info *info, sv_err **err);
/* Records an exec instance's exit code. */
SV_API int sv_engine_shim_exec_exited(sv_engine *e, const char *exec_id, int wait_status, int *exit_code,
				      sv_err **err);

/* ---------------------------------------------------------------- networks
 *
 * Bridge networks (core/network): the built-in "bridge" (servin0),
 * "host" and "none", and user-defined ones. Inspect and list results are
 * Docker's JSON objects (GET /networks/{id}); names resolve as full id,
 * name or unique id prefix (ENOENT "network x not found").
 */

struct sv_network_create_opts;
/* Creates a user-defined bridge network; *id (may be NULL) gets its id. */
SV_API int sv_engine_network_create(sv_engine *e, const struct sv_network_create_opts *o,
				    char id[65], sv_err **err);
/* Docker's network object (Containers filled for running ones). Owned. */
SV_API struct cJSON *sv_engine_network_inspect(sv_engine *e, const char *name, sv_err **err);
/* Every network as Docker's objects, filtered by "name=", "id=",
 * "driver=", "label=k[=v]", "type=custom|builtin". Owned array. */
SV_API struct cJSON *sv_engine_network_list(sv_engine *e, char *const *filters, sv_err **err);
/* EBUSY while a running container uses it; EPERM for a built-in one. */
SV_API int sv_engine_network_remove(sv_engine *e, const char *name, sv_err **err);
/* Removes user networks no container is attached to; *removed owned names. */
SV_API int sv_engine_network_prune(sv_engine *e, char *const *filters, char ***removed, sv_err **err);
/* Attaches a container (created or running: a running one is wired at
 * once) to a network, with aliases and an optional static address. */
SV_API int sv_engine_network_connect(sv_engine *e, const char *network, const char *container,
				     char *const *aliases, const char *ip, sv_err **err);
SV_API int sv_engine_network_disconnect(sv_engine *e, const char *network, const char *container, bool force,
					sv_err **err);

/* Parses one -p spec into Docker's HostConfig.PortBindings and
 * Config.ExposedPorts objects (both borrowed, filled). EINVAL. */
SV_API int sv_engine_publish_parse(const char *spec, struct cJSON *port_bindings, struct cJSON *exposed,
				   sv_err **err);
/* Parses one --mount spec ("type=bind,source=/a,target=/b,readonly")
 * into a HostConfig.Mounts entry. Owned. EINVAL. */
SV_API struct cJSON *sv_engine_mount_parse(const char *spec, sv_err **err);

/* ---------------------------------------------------------------- volumes */

struct sv_volume_create_opts;
/* Docker's volume object of the created (or existing) volume. Owned. */
SV_API struct cJSON *sv_engine_volume_create(sv_engine *e, const struct sv_volume_create_opts *o, sv_err **err);
SV_API struct cJSON *sv_engine_volume_inspect(sv_engine *e, const char *name, sv_err **err);
/* Docker's volume objects ("dangling=", "name=", "driver=", "label="). */
SV_API struct cJSON *sv_engine_volume_list(sv_engine *e, char *const *filters, sv_err **err);
/* EBUSY ("volume is in use") while a container refers to it. */
SV_API int sv_engine_volume_remove(sv_engine *e, const char *name, bool force, sv_err **err);
/* Anonymous unused volumes (all unused ones with all). */
SV_API int sv_engine_volume_prune(sv_engine *e, bool all, char *const *filters, char ***removed,
				  int64_t *reclaimed, sv_err **err);

/* ---------------------------------------------------------------- system */

/* `servin system check`: one finding. area: "store", "image", "container"...;
 * kind: "corrupt" (recorded data missing or wrong, nothing would settle it),
 * "stale" (a recorded state reality overtook, e.g. a container recorded
 * running whose shim is gone: the next command that reads it settles it) or
 * "leftover" (unrecorded data taking space, or remains of a container that
 * does not run). Borrowed strings, valid during the call. */
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

/* Removes what a crash left of networking (veths, bridges of removed
 * networks, port rules and names of containers that do not run); fn (may
 * be NULL) hears of each. Part of `system prune` and `system check`. */
SV_API int sv_engine_network_sweep(sv_engine *e, bool repair, sv_check_fn *fn, void *arg, int *found,
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
