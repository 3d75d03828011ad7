/*
 * Internals shared by the files of core/registry:
 *
 *   config.c   registries.json, certs.d, the endpoints of a registry
 *   creds.c    auth.json and Docker's config.json
 *   http.c     one request over libcurl: retries, redirects, Range, bounds
 *   auth.c     challenges, bearer tokens (cached per scope), ping
 *   client.c   the distribution API calls (manifests, blobs, tags)
 *   pull.c, push.c, search.c, registry.c (session, login)
 */
#ifndef SV_CORE_REGISTRY_REGISTRY_INTERNAL_H
#define SV_CORE_REGISTRY_REGISTRY_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/image.h"
#include "registry/registry.h"

#define REG_MAX_REDIRECTS 10
#define REG_ERROR_BODY_MAX (64u << 10)
#define REG_TOKEN_BODY_MAX (1u << 20)
#define REG_DEFAULT_RETRIES 4
#define REG_DEFAULT_TIMEOUT 30
/* Docker Hub's API lives on another host than its name. */
#define REG_DOCKER_HUB_API "registry-1.docker.io"
#define REG_DOCKER_HUB_INDEX "index.docker.io"

/* ---------------------------------------------------------------- config */

struct reg_host_cfg {
	char *host;     /* "docker.io", "localhost:5000" */
	bool insecure;
	char **mirrors; /* "https://m.example", "http://127.0.0.1:5001", "host:port" */
};

struct reg_config {
	int parallel;
	int retries;
	int timeout; /* seconds: connect, and a transfer making no progress */
	char **insecure;
	struct reg_host_cfg *hosts;
	size_t nhosts;
	char *certs_dir; /* <config dir>/certs.d */
};

int reg_config_load(struct reg_config *c, const char *file, bool must_exist, const char *config_dir,
		    sv_err **err);
void reg_config_release(struct reg_config *c);
bool reg_config_insecure(const struct reg_config *c, const char *host);
/* The mirrors configured for a registry host (borrowed), or NULL. */
char *const *reg_config_mirrors(const struct reg_config *c, const char *host);

/* ---------------------------------------------------------------- endpoints */

enum reg_challenge { REG_AUTH_UNKNOWN = 0, REG_AUTH_NONE, REG_AUTH_BASIC, REG_AUTH_BEARER };

/* One place that answers the API: a registry or a mirror of it. Shared by
 * the threads of a session; `mu` guards the probe and the challenge. */
struct reg_endpoint {
	char *host;	    /* host[:port]: the key for credentials and certs.d */
	char *scheme;	    /* "https" or "http"; NULL until probed */
	bool fixed_scheme;  /* the configuration named the scheme */
	bool insecure;	    /* listed: plain http or unverified TLS allowed */
	bool mirror;
	pthread_mutex_t mu;
	bool pinged;
	enum reg_challenge challenge;
	char *realm, *service;
	char *user, *password; /* credentials for this host, or NULL */
	/* TLS: system CAs plus the host's certs.d files, client cert and key */
	char *ca_blob;
	size_t ca_len;
	char *client_cert, *client_key;
	struct reg_endpoint *next;
};

/* ---------------------------------------------------------------- session */

struct reg_token {
	char *key; /* realm|service|scope|user */
	char *token;
	int64_t expires; /* monotonic ns */
	struct reg_token *next;
};

struct reg_cred {
	char *host;
	char *user, *password;
};

/* What a file looked like when read (to notice a change). */
struct reg_file_id {
	int64_t mtime_ns, size, ino;
};

struct sv_registry {
	int refs; /* atomic */
	struct reg_config cfg;
	char *config_file;
	struct reg_file_id config_id, auth_id, docker_id;
	char *auth_file;
	char *docker_config;
	pthread_mutex_t mu; /* endpoints, tokens */
	struct reg_endpoint *endpoints;
	struct reg_token *tokens;
	struct reg_cred *creds; /* servin's first, then Docker's */
	size_t ncreds;
};

/* The endpoint for host (created on first use; credentials and TLS files
 * looked up then). `scheme` may force "http"/"https" (a mirror URL). */
struct reg_endpoint *reg_endpoint_get(sv_registry *r, const char *host, const char *scheme, bool mirror,
				      sv_err **err);
/* A copy of ep that carries these credentials, for one operation; not
 * shared with the session. Free with reg_endpoint_free(). */
struct reg_endpoint *reg_endpoint_private(const struct reg_endpoint *ep, const char *user, const char *password);
void reg_endpoint_free(struct reg_endpoint *ep);
/* The API host of a reference's domain ("docker.io" → registry-1.docker.io). */
const char *reg_api_host(const char *domain);
/* The endpoints to pull from, in order: mirrors, then the registry. */
int reg_pull_endpoints(sv_registry *r, const char *domain, struct reg_endpoint ***out, size_t *n,
		       sv_err **err);

/* ---------------------------------------------------------------- creds */

int reg_creds_load(sv_registry *r, sv_err **err);
void reg_creds_release(sv_registry *r);
/* Credentials for host (borrowed), false when none. */
bool reg_creds_find(sv_registry *r, const char *host, const char **user, const char **password);
int reg_creds_store(sv_registry *r, const char *host, const char *user, const char *password, sv_err **err);
/* "Basic base64(user:password)"; owned. */
char *reg_basic_auth(const char *user, const char *password);
int reg_creds_erase(sv_registry *r, const char *host, sv_err **err);
/* "https://index.docker.io/v1/", "index.docker.io" → "docker.io"; strips
 * scheme and path. Owned; NULL for an empty host. */
char *reg_host_normalize(const char *server);

/* ---------------------------------------------------------------- http */

typedef int reg_sink_fn(void *arg, const void *data, size_t len, sv_err **err);

struct reg_req {
	const char *method;	  /* "GET" (default), "HEAD", "PUT", "POST", "PATCH" */
	struct reg_endpoint *ep;  /* TLS settings and credentials */
	const char *path;	  /* "/v2/..." under ep, or NULL with url */
	const char *url;	  /* absolute */
	const char *scope;	  /* bearer scope, "repository:x:pull"; NULL: none */
	const char *accept;
	const char *content_type;
	const void *body;	  /* request body in memory */
	size_t body_len;
	int body_fd;		  /* or from a file (when > 0): body_size bytes */
	int64_t body_size;
	void (*sent)(void *arg, int64_t bytes); /* upload progress (body_fd) */
	void *sent_arg;
	size_t max_body;	  /* buffered answers: cap (0: REG_ERROR_BODY_MAX) */
	reg_sink_fn *sink;	  /* streamed 2xx bodies go here instead */
	void *sink_arg;
	int64_t offset;		  /* stream from this byte on (Range) */
	bool no_auth;		  /* never attach credentials (token requests) */
	const char *basic_user;	  /* Basic credentials for this url (token realm) */
	const char *basic_password;
	bool no_retry;
	const volatile bool *cancel;	  /* either flag true aborts (ECANCELED) */
	const volatile bool *cancel_also;
};

struct reg_resp {
	long status;
	struct sv_buf body; /* buffered body, or the error body of a streamed request */
	char *content_type;
	char *location;
	char *digest;	    /* Docker-Content-Digest */
	char *www_auth;
	char *range;	    /* Content-Range */
	char *retry_after;
	char *link;
	int64_t content_length; /* -1 when unknown */
	char *url;	    /* the url that answered (after redirects) */
};

void reg_resp_init(struct reg_resp *r);
bool reg_req_cancelled(const struct reg_req *req);
void reg_resp_release(struct reg_resp *r);

/* One thread's connection (a curl handle reused across requests). */
struct reg_conn {
	sv_registry *r;
	void *curl; /* CURL * */
};
struct reg_conn *reg_conn_new(sv_registry *r);
void reg_conn_free(struct reg_conn *c);

/* Performs a request: redirects, auth (a 401 refreshes the token or sends
 * Basic credentials once), retries with backoff on 5xx/429 and broken
 * connections (a stream resumes with Range at the byte it stopped). The
 * status is for the caller to judge; -1 only for transport failures,
 * bounds, cancellation and sink errors. */
int reg_do(struct reg_conn *c, const struct reg_req *req, struct reg_resp *resp, sv_err **err);
/* "GET https://...: <what the registry said>" as an error with a code
 * fit for the status (401 → EACCES, 404 → ENOENT, 400..499 → EINVAL,
 * 5xx → EIO). */
int reg_status_err(const struct reg_req *req, const struct reg_resp *resp, const char *what, sv_err **err);
/* The first message of a distribution error body, else NULL. Owned. */
char *reg_error_message(const struct reg_resp *resp, char **code);
/* "host[:port]" of an absolute URL as written (owned), and its scheme
 * (owned, when scheme is not NULL); NULL for a malformed URL. */
char *reg_url_host(const char *url, char **scheme);
/* Resolves a Location against the URL that answered; only http and https
 * (EPERM otherwise). Owned. */
char *reg_resolve_location(const char *base, const char *loc, sv_err **err);
/* The base URL of an endpoint ("https://host:port"), probing the scheme
 * of insecure hosts first. Owned. */
char *reg_endpoint_base(struct reg_conn *c, struct reg_endpoint *ep, sv_err **err);

/* ---------------------------------------------------------------- auth */

/* A parsed WWW-Authenticate header. */
struct reg_challenge_info {
	enum reg_challenge kind; /* REG_AUTH_UNKNOWN for anything else */
	char *realm, *service, *scope, *error;
};
void reg_challenge_parse(const char *header, struct reg_challenge_info *ch);
void reg_challenge_release(struct reg_challenge_info *ch);

/* GET /v2/ once per endpoint and session: learns the scheme (insecure
 * hosts: https, else http) and the auth challenge. */
int reg_ping(struct reg_conn *c, struct reg_endpoint *ep, sv_err **err);
/* The Authorization header value for a request to ep with scope (owned),
 * or NULL (anonymous). May fetch a token. */
int reg_auth_header(struct reg_conn *c, struct reg_endpoint *ep, const char *scope, char **out, sv_err **err);
/* After a 401 with this WWW-Authenticate: drops a stale token and says
 * whether trying again can help (1), or not (0). */
int reg_auth_retry(struct reg_conn *c, struct reg_endpoint *ep, const char *www_auth, const char *scope,
		   sv_err **err);
/* Checks the endpoint's credentials (login): 0 when accepted. */
int reg_auth_check(struct reg_conn *c, struct reg_endpoint *ep, sv_err **err);
void reg_tokens_free(struct reg_token *t);

/* ---------------------------------------------------------------- client */

/* A repository on one endpoint. */
struct reg_repo {
	struct reg_endpoint *ep;
	const char *path;     /* "library/busybox" */
	char *pull_scope;     /* "repository:library/busybox:pull" */
	char *push_scope;     /* "...:pull,push" */
};
void reg_repo_init(struct reg_repo *repo, struct reg_endpoint *ep, const char *path);
void reg_repo_release(struct reg_repo *repo);

/* Fetches a manifest by tag or digest (at most SV_MANIFEST_MAX bytes),
 * checking its digest when `ref` is one. *media_type owned. */
int reg_get_manifest(struct reg_conn *c, const struct reg_repo *repo, const char *ref, struct sv_buf *out,
		     char **media_type, char digest[SV_DIGEST_STR_LEN], sv_err **err);
/* Fetches a small blob (config) into memory, verifying digest and size. */
int reg_get_blob_small(struct reg_conn *c, const struct reg_repo *repo, const struct sv_descriptor *d,
		       struct sv_buf *out, sv_err **err);
/* Streams a blob from byte `offset` into sink. */
int reg_get_blob(struct reg_conn *c, const struct reg_repo *repo, const char *digest, int64_t offset,
		 reg_sink_fn *sink, void *arg, const volatile bool *cancel, const volatile bool *cancel_also,
		 sv_err **err);
/* Does the repository have this blob? 1 yes, 0 no, -1 error. */
int reg_blob_exists(struct reg_conn *c, const struct reg_repo *repo, const char *digest, sv_err **err);
/* The path of a `Link: </v2/...>; rel="next"` header (pagination), or
 * NULL. Owned. */
char *reg_next_link(const char *link);
int reg_list_tags(struct reg_conn *c, const struct reg_repo *repo, char ***tags, sv_err **err);
/* Error for a failed manifest/blob fetch, worded for a user. */
int reg_fetch_err(const struct reg_repo *repo, const char *what, const struct reg_req *req,
		  const struct reg_resp *resp, sv_err **err);

/* ---------------------------------------------------------------- pool */

/* Work on item i with this thread's connection. */
typedef int reg_pool_fn(void *arg, struct reg_conn *c, size_t i, sv_err **err);
/* Runs fn over items 0..n-1 on `parallel` threads (0: configured). The
 * first failure sets *stop (so transfers in flight can abort) and is
 * returned; `cancel` (may be NULL) stops taking new items. */
int reg_pool_run(sv_registry *r, size_t n, int parallel, reg_pool_fn *fn, void *arg, volatile bool *stop,
		 const volatile bool *cancel, sv_err **err);

/* Progress reports, one call at a time whatever thread makes them. */
struct reg_report {
	sv_progress_fn *fn;
	void *arg;
	pthread_mutex_t mu;
};
void reg_report_init(struct reg_report *rp, sv_progress_fn *fn, void *arg);
void reg_report_release(struct reg_report *rp);
void reg_report(struct reg_report *rp, const char *id, const char *status, int64_t cur, int64_t total);

/* Where blobs were seen (for cross-repository mounts). */
int reg_blob_source_add(sv_store *s, const char *digest, const char *host, const char *repo, sv_err **err);

#endif
