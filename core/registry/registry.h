/*
 * core/registry — the OCI distribution API v2 over libcurl.
 *
 * A session (sv_registry) holds what every request needs: the
 * configuration (registries.json: mirrors, insecure registries, timeouts,
 * parallelism; per-host CA certificates in <config dir>/certs.d/<host>/),
 * the credentials (servin's auth.json, then Docker's config.json) and a
 * cache of bearer tokens per registry and scope until they expire.
 *
 * Pull resolves a reference to a manifest (an index or manifest list is
 * narrowed to one platform), fetches the config, then downloads the
 * missing layers in parallel, each one unpacked while it streams in and
 * verified at the end (compressed digest and size, diff_id); the image is
 * committed in one transaction only when everything matched. Blobs and
 * layers already in the store are never fetched again; an interrupted
 * download is kept under <root>/downloads/ and resumed with a Range
 * request by the next attempt.
 *
 * Push uploads the blobs the registry lacks (mounting them from another
 * repository of the same registry when the store knows one) and then the
 * manifest, byte for byte as stored, so digests survive the round trip.
 *
 * Requests are retried with backoff on 5xx answers and broken
 * connections; redirects are followed by hand (at most 10, http and https
 * only) and credentials only ever go to the host they were given for.
 *
 * A session may be used by several threads at once. No function here
 * writes to stdout or stderr.
 */
#ifndef SV_CORE_REGISTRY_REGISTRY_H
#define SV_CORE_REGISTRY_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/util.h"

#define SV_REGISTRY_CONFIG_DIR "/etc/servin"
#define SV_REGISTRY_DEFAULT_PARALLEL 3
/* The key Docker uses for Docker Hub in config.json. */
#define SV_REGISTRY_DOCKER_HUB_KEY "https://index.docker.io/v1/"

typedef struct sv_registry sv_registry;

struct sv_registry_opts {
	/* registries.json; NULL: <config_dir>/registries.json (absent is
	 * fine: defaults). A path given here must exist. */
	const char *config_file;
	/* Holds registries.json and certs.d/; NULL: $SERVIN_CONFIG_DIR,
	 * else SV_REGISTRY_CONFIG_DIR. */
	const char *config_dir;
	/* Where logins are stored; NULL: $XDG_CONFIG_HOME/servin/auth.json
	 * (~/.config/servin/auth.json). */
	const char *auth_file;
	/* Docker's config.json, read for credentials too; NULL:
	 * $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
	const char *docker_config;
};

/* Reads the configuration (a malformed file is an error, EINVAL) and the
 * credentials, and returns a session holding one reference; drop it with
 * sv_registry_free(). Any thread. */
SV_API int sv_registry_new(const struct sv_registry_opts *opts, sv_registry **out, sv_err **err);
/* Takes another reference (a session shared by threads outlives the one
 * that replaces it until every user let go). Returns r. */
SV_API sv_registry *sv_registry_ref(sv_registry *r);
/* Drops a reference; the last one frees. NULL is fine. */
SV_API void sv_registry_free(sv_registry *r);
/* True when the configuration or a credentials file changed on disk since
 * the session read them (a long-running process then opens a new one). */
SV_API bool sv_registry_stale(const sv_registry *r);

/* ---------------------------------------------------------------- pull */

struct sv_registry_pull_opts {
	const char *platform;  /* "os/arch[/variant]"; NULL: the host's */
	int parallel;	       /* layers at once; 0: the configuration's (3) */
	/* Per-layer progress ("Pulling fs layer", "Downloading" with bytes,
	 * "Pull complete", "Already exists"...) and whole-pull lines (id "").
	 * Called from worker threads, one call at a time. */
	sv_progress_fn *progress;
	void *progress_arg;
	/* Polled while downloading; true cancels (ECANCELED). May be NULL. */
	const volatile bool *cancel;
	/* Credentials for this call only (Docker's X-Registry-Auth), used for
	 * the image's registry instead of stored ones. NULL: stored logins. */
	const char *username, *password;
};

struct sv_registry_pull_result {
	char id[SV_DIGEST_STR_LEN];	 /* image id (config digest) */
	char digest[SV_DIGEST_STR_LEN];	 /* what the reference resolved to (an
					  * index's digest for multi-arch) */
	char *name;			 /* full reference pulled; owned */
	bool up_to_date;		 /* nothing was downloaded */
	int64_t downloaded;		 /* bytes fetched over the network */
};
/* Frees what a result owns; the struct may be reused. */
SV_API void sv_registry_pull_result_release(struct sv_registry_pull_result *res);

/* Pulls `ref` ("busybox", "localhost:5000/x:1", "x@sha256:...") into the
 * store and points the reference (and its digest reference) at it.
 * Errors: ENOENT for an unknown tag or repository, EACCES for a refused
 * login (401), EBADMSG for a digest/size mismatch or a malformed answer,
 * E2BIG for a manifest over 4 MiB, EINVAL for unsupported media types,
 * ETIMEDOUT/ECONNREFUSED... for network trouble. On any error the store's
 * images are as they were. Blocks: call from a worker in a UI. */
SV_API int sv_registry_pull(sv_registry *r, sv_store *s, const char *ref,
			    const struct sv_registry_pull_opts *opts, struct sv_registry_pull_result *res,
			    sv_err **err);

/* The tags of a repository ("docker.io/library/busybox" or any reference
 * to it), sorted. *tags owned. */
SV_API int sv_registry_tags(sv_registry *r, const char *name, char ***tags, sv_err **err);

/* ---------------------------------------------------------------- push */

struct sv_registry_push_opts {
	int parallel;	      /* blobs at once; 0: the configuration's */
	sv_progress_fn *progress; /* "Preparing", "Pushing", "Pushed", "Layer already exists", "Mounted from x" */
	void *progress_arg;
	const volatile bool *cancel;
	const char *username, *password; /* for this call only, as for pull */
};

struct sv_registry_push_result {
	char digest[SV_DIGEST_STR_LEN]; /* the manifest's */
	int64_t size;			/* the manifest's */
	char *tag;			/* owned; NULL when pushed by digest */
};
/* Frees what a result owns; the struct may be reused. */
SV_API void sv_registry_push_result_release(struct sv_registry_push_result *res);

/* Pushes image `ref` (a name in the store, which also names the target
 * repository and tag) to its registry. */
SV_API int sv_registry_push(sv_registry *r, sv_store *s, const char *ref, const struct sv_registry_push_opts *opts,
			    struct sv_registry_push_result *res, sv_err **err);

/* ---------------------------------------------------------------- auth */

/* Checks user/password against `server` ("localhost:5000", "docker.io",
 * "https://index.docker.io/v1/"; NULL: docker.io) and stores them in
 * auth.json (0600). EACCES with "unauthorized" for a refused login. */
SV_API int sv_registry_login(sv_registry *r, const char *server, const char *user, const char *password,
			     sv_err **err);
/* Only checks user/password against `server` (nothing stored). */
SV_API int sv_registry_login_check(sv_registry *r, const char *server, const char *user, const char *password,
				   sv_err **err);
/* Removes the stored login for `server`; ENOENT when there is none. */
SV_API int sv_registry_logout(sv_registry *r, const char *server, sv_err **err);
/* The canonical host for a server argument ("docker.io" for Docker Hub,
 * else host[:port]); owned. EINVAL for junk. */
SV_API char *sv_registry_server_host(const char *server, sv_err **err);

/* ---------------------------------------------------------------- search */

struct sv_registry_search_hit {
	char *name;
	char *description;
	int64_t stars;
	bool official;
	bool automated;
};

/* Searches `term` ("busybox", "localhost:5000/bus"): Docker's /v1/search
 * where the registry has it, else the names of /v2/_catalog containing
 * the term. At most `limit` hits (0: 25). *hits owned: free with
 * sv_registry_search_free(). */
SV_API int sv_registry_search(sv_registry *r, const char *term, int limit, struct sv_registry_search_hit **hits,
			      size_t *n, sv_err **err);
/* Frees hits from sv_registry_search; NULL is fine. */
SV_API void sv_registry_search_free(struct sv_registry_search_hit *hits, size_t n);

#endif
