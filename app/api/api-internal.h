/*
 * Internals shared by the server files of app/api: the job that carries a
 * request from the loop to a worker and its answer back, the worker pools,
 * the per-client table (rate limits, connection counts), and TLS.
 *
 * Threads: the loop thread owns connections, listeners and the client
 * table. A job is shared: the loop creates it, a worker runs its handler,
 * and the worker's results travel back through the server's message queue
 * (mutex + uv_async), which also orders them. Fields are marked with the
 * side that writes them.
 */
#ifndef SV_APP_API_API_INTERNAL_H
#define SV_APP_API_API_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "api.h"

struct rest_conn;
struct rest_server;

/* ---------------------------------------------------------------- jobs */

enum rest_job_msg {
	REST_MSG_HEAD = 1 << 0, /* a stream's head is ready to send */
	REST_MSG_DONE = 1 << 1, /* the handler returned */
};

struct rest_job {
	atomic_int refs;
	struct rest_server *srv;
	struct rest_conn *conn;	  /* loop: NULL once the connection is gone */
	struct rest_req req;
	struct sv_buf body;	  /* loop: the buffered body */
	atomic_bool gone;	  /* loop sets when the client left */

	/* The answer: written by the handler's thread before it posts a
	 * message; read by the loop after taking the message. */
	int status;
	char *ctype;
	struct sv_buf headers;	  /* extra "Name: value\r\n" lines */
	struct sv_buf out;	  /* a complete body */
	bool replied;
	bool streaming;
	enum rest_stream_kind kind;
	int worker_fd;		  /* the handler's end of the stream socket */
	int loop_fd;		  /* the loop's end, until opened as `pipe` */

	/* Messages: under srv->mu. */
	unsigned pending;
	unsigned taken;		  /* loop: the messages being handled */
	struct rest_job *next_msg;

	/* Loop only. */
	uv_pipe_t *pipe;	  /* loop end of the stream socket, when open */
	char *path;		  /* owned storage of req.path */
	size_t pipe_wq;		  /* upload bytes queued to the handler */
	bool pipe_broken;	  /* the handler stopped reading */
	bool head_sent, worker_done, stream_eof, body_done;
	int64_t start_ns;
	int64_t bytes_out;
};

struct rest_job *rest_job_new(struct rest_server *srv, struct rest_conn *conn);
void rest_job_ref(struct rest_job *j);
void rest_job_unref(struct rest_job *j);
/* Worker side: posts a message for the loop. */
void rest_job_post(struct rest_job *j, unsigned msg);
/* Runs the handler then posts REST_MSG_DONE (worker thread). */
void rest_job_run(void *arg);

/* ---------------------------------------------------------------- pools */

struct rest_pool;
typedef void rest_pool_fn(void *arg);
/* Threads start on demand up to max and then stay parked. */
struct rest_pool *rest_pool_new(const char *name, int max);
/* Queues fn(arg); false when every thread is busy at max and `bounded`. */
bool rest_pool_submit(struct rest_pool *p, rest_pool_fn *fn, void *arg, bool bounded);
/* Threads still busy. */
int rest_pool_busy(struct rest_pool *p);
/* Stops idle threads; busy ones are left to finish (and their handler's
 * writes fail once the connections are closed). */
void rest_pool_free(struct rest_pool *p);

/* ---------------------------------------------------------------- clients */

struct rest_clients;
struct rest_clients *rest_clients_new(double rate, double burst);
void rest_clients_free(struct rest_clients *c);
/* Takes a request token for key; false with *retry_after_s when empty. */
bool rest_clients_take(struct rest_clients *c, const char *key, int64_t now_ns, int *retry_after_s);
/* Counts an open connection; false when key is at max. */
bool rest_clients_open(struct rest_clients *c, const char *key, int max);
void rest_clients_close(struct rest_clients *c, const char *key);

/* ---------------------------------------------------------------- TLS */

struct rest_tls_ctx;
struct rest_tls;
/* Server credentials and the CA that client certificates must chain to. */
int rest_tls_ctx_new(const char *cert, const char *key, const char *ca, struct rest_tls_ctx **out,
		     sv_err **err);
void rest_tls_ctx_free(struct rest_tls_ctx *c);
struct rest_tls *rest_tls_new(struct rest_tls_ctx *c);
void rest_tls_free(struct rest_tls *t);
/* Ciphertext in: plaintext appended to `plain`, bytes to send appended to
 * `wire`. -1 when the session failed (bad certificate, garbage). */
int rest_tls_input(struct rest_tls *t, const void *data, size_t len, struct sv_buf *plain,
		   struct sv_buf *wire);
/* Plaintext out: ciphertext appended to `wire`. */
int rest_tls_output(struct rest_tls *t, const void *data, size_t len, struct sv_buf *wire);

/* ---------------------------------------------------------------- server */

/* Loop side of a job's message (server.c). */
void rest_conn_on_msg(struct rest_job *j, unsigned msg);

/* The JSON error body {"message": ...} (owned, with the trailing newline
 * Docker's encoder writes). */
char *rest_error_body(const char *msg, size_t *len);
/* Reason phrase for a status code. */
const char *rest_status_text(int status);

#endif
