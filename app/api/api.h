/*
 * app/api — the Docker Engine API over HTTP/1.1 (`servin serve`).
 *
 * Layers, bottom up:
 *   http.c     the bounded request parser (pure, fuzzed)
 *   tls.c      OpenSSL over memory BIOs, so TLS rides on libuv streams
 *   server.c   the libuv loop: listeners, connections, timeouts, rate
 *              limits, keep-alive, chunked and hijacked streams
 *   pool.c     worker threads: every engine call runs off the loop
 *   router.c   the route table, API versions, parameters, errors
 *   openapi.c  GET /openapi.json, generated from the route table
 *   route-*.c  one file per resource; a handler only maps HTTP to
 *              core/engine calls
 *
 * A handler runs on a worker thread (or, flagged REST_ROUTE_INLINE and
 * never blocking, on the loop). It answers with one rest_reply_*() call, or
 * opens a stream: rest_stream_open() sends and flushes the head at once and
 * returns a socket; what the handler writes there reaches the client as a
 * chunked body (or raw, once hijacked), and what the client sends after a
 * hijack (or as a streamed upload) is read from it. Blocking writes give
 * natural back-pressure; a client that leaves makes them fail.
 */
#ifndef SV_APP_API_API_H
#define SV_APP_API_API_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "http.h"
#include "util/util.h"

struct cJSON;
struct rest_job;

/* ---------------------------------------------------------------- routes */

enum rest_route_flags {
	REST_ROUTE_INLINE = 1 << 0,	 /* runs on the loop thread: must never block */
	REST_ROUTE_STREAM = 1 << 1,	 /* may run for long (follow, wait, pull): stream pool */
	REST_ROUTE_BODY_STREAM = 1 << 2, /* the body is read from r->fd while the handler runs */
	REST_ROUTE_JSON_BODY = 1 << 3,	 /* takes a JSON body (documented as such) */
};

struct rest_req;
typedef void rest_handler_fn(struct rest_req *r);

struct rest_route {
	const char *method;	/* "GET", "POST", "DELETE", "HEAD", "PUT" */
	const char *pattern;	/* "/images/{name*}/json": {x} one segment, {x*} one or more */
	rest_handler_fn *handler;
	unsigned flags;		/* enum rest_route_flags */
	const char *summary;	/* for /openapi.json */
	const char *query;	/* documented query parameters: "all:boolean filters:string" */
	const char *responses;	/* status codes it answers: "200 404 500" */
};

/* Each route file exports its table, terminated by { 0 }. */
extern const struct rest_route rest_routes_system[];
extern const struct rest_route rest_routes_images[];
extern const struct rest_route rest_routes_events[];
extern const struct rest_route rest_routes_openapi[];
extern const struct rest_route rest_routes_containers[];
extern const struct rest_route rest_routes_container_streams[];
extern const struct rest_route rest_routes_exec[];
extern const struct rest_route rest_routes_networks[];
extern const struct rest_route rest_routes_volumes[];

/* Every table, in match order; NULL-terminated. */
extern const struct rest_route *const rest_route_tables[];

/* ---------------------------------------------------------------- requests */

#define REST_MAX_PARAMS 4

/* What a handler sees. Everything is borrowed for the handler's run. */
struct rest_req {
	sv_engine *engine;
	const char *method;
	const char *path;		/* decoded, without the /v1.xx prefix */
	int api_minor;			/* 1.<api_minor> the client asked for */
	const struct rest_route *route;
	char *params[REST_MAX_PARAMS];	/* path parameters in pattern order */
	struct rest_query query;
	const struct rest_http_req *http; /* headers */
	const char *body;		/* buffered body, NUL-terminated ("" if none) */
	size_t body_len;
	int fd;				/* REST_ROUTE_BODY_STREAM, or after rest_stream_open(): -1 otherwise */
	struct rest_job *job;		/* private to server.c */
};

/* Query helpers with Docker's semantics. */
const char *rest_qs(const struct rest_req *r, const char *key);
/* Docker's boolean: absent → def; "", "0", "no", "false", "none" (any case) → false; else true. */
bool rest_qbool(const struct rest_req *r, const char *key, bool def);
/* An integer in [min, max]; absent or "" → def; junk → EINVAL. */
int rest_qint(const struct rest_req *r, const char *key, int64_t min, int64_t max, int64_t def,
	      int64_t *out, sv_err **err);
/* h= and w= of a TTY resize (both required, 1 to 65535). */
int rest_tty_size(struct rest_req *r, unsigned *rows, unsigned *cols, sv_err **err);
/* Standard base64 of data (owned), as Docker's X-Docker-Container-Path-Stat. */
char *rest_base64(const void *data, size_t len);
/* The `filters` parameter in either encoding ({"k":{"v":true}} or
 * {"k":["v"]}) as an owned strv of "k=v" (NULL when absent). EINVAL when
 * malformed. */
int rest_filters(const struct rest_req *r, char ***out, sv_err **err);
/* Takes the boolean filter key ("dangling=false", "all=true") out of
 * filters: its value (def when absent), and every other filter in *rest
 * (owned strv). */
bool rest_filter_bool(char *const *filters, const char *key, bool def, char ***rest);
/* Checks the types of the members present in obj (null passes): spec is
 * "Name:s Internal:b Size:n Labels:o Cmd:a". EINVAL names the member. */
int rest_json_types(const struct cJSON *obj, const char *spec, sv_err **err);
/* A JSON object of strings ({"k": "v"}: Labels, Options) as an owned strv
 * of "k=v"; NULL object → NULL strv. EINVAL names `what` otherwise. */
int rest_json_pairs(const struct cJSON *obj, const char *what, char ***out, sv_err **err);
/* The body as a JSON object or array (owned); EINVAL with Docker's wording
 * when malformed or empty and `required`. NULL without error when empty
 * and not required. */
struct cJSON *rest_body_json(const struct rest_req *r, bool required, sv_err **err);

/* ---------------------------------------------------------------- JSON out */

/* JSON appended to b exactly as cJSON_PrintUnformatted prints the same
 * value (json-out.c). rest_json_add_value is false for what cJSON cannot
 * print (a raw item without text, an unknown type); b then holds a part. */
void rest_json_add_str(struct sv_buf *b, const char *s); /* NULL: "" */
void rest_json_add_num(struct sv_buf *b, double d);
bool rest_json_add_value(struct sv_buf *b, const struct cJSON *v);

/* ---------------------------------------------------------------- replies */

/* One of these per request (the first one wins). Any thread the handler
 * runs on. */
void rest_reply_json(struct rest_req *r, int status, struct cJSON *body); /* takes ownership */
/* JSON already written with rest_json_add_*() (body: taken, left empty). */
void rest_reply_json_text(struct rest_req *r, int status, struct sv_buf *body);
void rest_reply_data(struct rest_req *r, int status, const char *ctype, const void *data, size_t len);
void rest_reply_status(struct rest_req *r, int status);		  /* no body: 204, 304, 201 */
void rest_reply_error(struct rest_req *r, int status, const char *fmt, ...) SV_PRINTF(3, 4);
/* Maps an engine error to Docker's status: ENOENT 404, EEXIST/EBUSY 409,
 * EALREADY 304, EINVAL/EBADMSG 400, EACCES/EPERM 403, E2BIG 413,
 * ENOTSUP/ENOSYS 501, else 500. */
void rest_reply_err(struct rest_req *r, const sv_err *err);
int rest_status_for(int code);
/* rest_reply_json(body) when body is not NULL, else rest_reply_err(*err).
 * err is a pointer to the variable, read only after every argument was
 * evaluated: rest_reply_result(r, 200, sv_engine_x(e, &err), &err). */
void rest_reply_result(struct rest_req *r, int status, struct cJSON *body, sv_err *const *err);
/* Adds a response header (before the reply or stream is sent). */
void rest_reply_header(struct rest_req *r, const char *name, const char *value);

enum rest_stream_kind {
	REST_STREAM_CHUNKED = 0, /* a body of unknown length (close-delimited for HTTP/1.0) */
	REST_STREAM_HIJACK,	 /* 101 UPGRADED (200 without an Upgrade header); raw both ways */
};

/* Sends the head now and returns the handler's end of the stream: write
 * the body there (blocking; -1/EPIPE once the client left), read a hijacked
 * client's bytes or a streamed upload from it. The server closes it when
 * the handler returns. */
int rest_stream_open(struct rest_req *r, int status, const char *ctype, enum rest_stream_kind kind);
/* Writes all of data to the stream; -1 when the client went away. */
int rest_stream_write(struct rest_req *r, const void *data, size_t len);
/* Writes one JSON value and "\r\n" (Docker's progress and event lines). */
int rest_stream_json(struct rest_req *r, const struct cJSON *j);
/* True once the client went away (the stream's peer closed). */
bool rest_stream_gone(struct rest_req *r);

/* Docker's JSON-lines progress (progress.c): the stream opens at the first
 * line, so an error before any output is still a plain HTTP error. Lines
 * may come from engine worker threads. */
struct rest_progress;
struct rest_progress *rest_progress_new(struct rest_req *r, bool quiet);
void rest_progress_free(struct rest_progress *p);
/* An sv_progress_fn (arg: the rest_progress). */
void rest_progress_fn(const struct sv_progress *pr, void *arg);
/* Becomes true once the client left: give it to the engine's `cancel`. */
const volatile bool *rest_progress_cancel(struct rest_progress *p);
bool rest_progress_opened(struct rest_progress *p);
void rest_progress_line(struct rest_progress *p, const char *key, const char *text, const char *id);
void rest_progress_json(struct rest_progress *p, const struct cJSON *o);
/* An HTTP error before any line, an errorDetail line after. */
void rest_progress_error(struct rest_progress *p, const sv_err *err);
/* Sends the head if nothing was sent yet (an empty stream). */
void rest_progress_finish(struct rest_progress *p);

/* Attach and exec streams (attach.c). An attach that comes before start
 * registers one end of a socketpair for the start handler to give the
 * engine (sv_start_opts.attach_fd); *mine is the end to pump. */
int rest_attach_register(const char *id, unsigned streams, int *mine);
/* Removes a registration; true when a start had taken it. */
bool rest_attach_unregister(const char *id, int mine);
bool rest_attach_taken(const char *id);
/* The start handler's side: a registered end (owned) or -1. */
int rest_attach_take(const char *id, unsigned *streams);

struct rest_attach_pump {
	int conn;		   /* the engine's attach connection (frames) */
	int client;		   /* the hijacked client (r->fd) */
	bool tty;		   /* raw output instead of multiplexed frames */
	bool stdin_;		   /* forward the client's bytes as stdin */
	pthread_mutex_t *conn_mu;  /* serialises writes to conn (resizes), or NULL */
	/* Polled every second while nothing happens; true stops the pump
	 * (returns 1), e.g. to attach to a container started elsewhere. */
	bool (*idle_check)(void *arg);
	void *idle_arg;
};
/* Relays until the container (or exec) exits (0, *exit_code set when an
 * EXIT frame came), the client leaves (-1), or idle_check says so (1). */
int rest_attach_pump(const struct rest_attach_pump *p, int *exit_code);

/* ---------------------------------------------------------------- router */

/* Finds the route for method + decoded path. Returns NULL and sets
 * *status to 404 (no such path) or 405 (path known, method not). params
 * receive owned copies. */
const struct rest_route *rest_route_match(const char *method, const char *path,
					  char *params[REST_MAX_PARAMS], int *status);
/* Splits "/v1.43/x" into minor 43 and "/x"; unversioned paths get the
 * current version. Returns 0, or the status to refuse with (400 too old or
 * too new, 404 malformed) and a message in *why (owned). */
int rest_version_split(const char *path, int *minor, const char **rest, char **why);

/* The OpenAPI 3 document of every route (owned). */
struct cJSON *rest_openapi_doc(void);

/* ---------------------------------------------------------------- serving */

struct rest_listen {
	const char *unix_path;	/* NULL: <runroot>/servin.sock */
	const char *tcp;	/* "127.0.0.1:2375" or NULL */
	const char *tls_cert, *tls_key, *tls_ca;
	const char *token_file;
};

struct rest_serve_opts {
	struct rest_listen listen;
	bool no_unix;		  /* TCP only */
	int systemd_fds;	  /* listeners passed by socket activation (LISTEN_FDS) */
	const char *access_log;	  /* path, "-" (stderr), or NULL: through the log sink at info */
	double rate;		  /* requests per second per client; 0: unlimited */
	double burst;		  /* bucket size; 0: 2 × rate */
	int max_conns;		  /* open connections in all */
	int max_conns_per_client;
	int max_streams;	  /* long-running handlers at once */
	int workers;		  /* threads for short handlers */
	int header_timeout_ms;	  /* the whole head must arrive within this */
	int body_timeout_ms;	  /* a buffered body must arrive within this */
	int idle_timeout_ms;	  /* keep-alive connection with no request */
	int write_timeout_ms;	  /* a client not reading what we send */
	size_t max_head;	  /* request line + headers */
	size_t max_headers;
	int64_t max_body;	  /* buffered (JSON) bodies */
	volatile int *stop;	  /* tests: stop when set (checked on a timer) */
	void (*ready)(void *arg, const char *where); /* called once listening */
	void *ready_arg;
};

/* Fills the defaults. */
void rest_serve_opts_init(struct rest_serve_opts *o);
/* The JSON-lines log sink of `servin serve` (stderr). */
void rest_log_sink(enum sv_log_level level, const char *msg, void *arg);
/* Runs the server until SIGINT/SIGTERM (or *opts->stop). Blocks the
 * calling thread, which owns the loop. */
int rest_serve(sv_engine *e, const struct rest_serve_opts *opts, sv_err **err);

#endif
