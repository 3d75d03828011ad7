/*
 * The server's own structures, shared by server.c (requests and answers),
 * conn.c (connection lifecycle, reads, relays) and listen.c (listeners,
 * the loop, signals). Loop thread only, all of it.
 */
#ifndef SV_APP_API_SERVER_INTERNAL_H
#define SV_APP_API_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "api-internal.h"

#define REST_MAX_LISTENERS 8

/* A unix or TCP stream, seen as either. */
union rest_uv_stream {
	uv_pipe_t pipe;
	uv_tcp_t tcp;
	uv_stream_t s;
	uv_handle_t h;
};

struct rest_listener {
	struct rest_server *srv;
	union rest_uv_stream u;
	bool is_tcp;
	struct rest_tls_ctx *tls; /* TCP with client certificates */
	char *token;		  /* TCP with a bearer token */
	char *unlink_path;	  /* a unix socket we created */
	char where[160];	  /* "unix:///run/servin/servin.sock" */
};

struct rest_server {
	uv_loop_t loop;
	sv_engine *engine;
	struct rest_serve_opts o;
	struct rest_listener *lis[REST_MAX_LISTENERS];
	int nlis;
	struct rest_clients *clients;
	struct rest_pool *quick, *streams;
	struct rest_tls_ctx *tls;
	char *token;
	uv_async_t wake;
	uv_mutex_t mu;
	struct rest_job *msgs, *msgs_tail; /* under mu */
	uv_signal_t sigint, sigterm;
	uv_timer_t stop_timer;
	struct rest_conn *conns;	   /* every open connection */
	int nconns;
	int access_fd;			   /* -1: through the log sink */
	bool stopping;
	int64_t stop_ns;
	char readbuf[65536];
	char pipebuf[65536];
};

enum conn_phase { PH_IDLE = 0, PH_HEAD, PH_BODY, PH_WORK, PH_HIJACK, PH_CLOSING };

struct rest_conn {
	struct rest_server *srv;
	struct rest_listener *lis;
	union rest_uv_stream u;
	uv_timer_t timer;
	int refs;		/* the conn itself, each pending write, each open handle */
	struct rest_tls *tls;
	char key[64];		/* the client, for rate limits */
	char remote[80];	/* for the access log */
	struct rest_http_parser parser;
	struct sv_buf in;	/* received plaintext not yet consumed */
	enum conn_phase phase;
	struct rest_job *job;
	size_t wq;		/* bytes handed to uv_write, not yet written */
	bool keep_alive, chunked, head_only;
	bool read_eof, reading, closing, close_after_flush, shut, shut_done;
	bool pipe_paused, processing, in_finish, counted;
	/* The request in progress, for the access log. */
	char method[16];
	char *target, *agent;
	int status;
	int64_t bytes;
	int64_t start_ns;
	struct rest_conn *prev, *next;
};

typedef void conn_flushed_fn(struct rest_conn *c);

/* server.c */
/* Sends bytes as they are (already encrypted on TLS); `done` runs once
 * they are handed to the kernel. */
void conn_write_wire(struct rest_conn *c, const char *data, size_t len, conn_flushed_fn *done);
/* Sends plaintext (through TLS when the connection has it). */
void conn_write(struct rest_conn *c, const char *data, size_t len, conn_flushed_fn *done);
void conn_reply(struct rest_conn *c, int status, const char *ctype, const char *extra, const char *body,
		size_t len);
void conn_reply_error(struct rest_conn *c, int status, const char *extra, const char *msg);
void conn_on_input(struct rest_conn *c, const char *data, size_t len);
void conn_on_eof(struct rest_conn *c);
void conn_on_timer(struct rest_conn *c);
int conn_pipe_open(struct rest_conn *c, struct rest_job *j);
/* Lets go of the connection's job: the handler's stream writes fail from
 * now on. */
void conn_drop_job(struct rest_conn *c);
/* Logs a request cut short by the connection closing (a stream the client
 * left, a hijacked session that ended). */
void conn_log_unfinished(struct rest_conn *c);

/* The loop's side of the message queue (the uv_async callback). */
void rest_server_on_wake(uv_async_t *a);

/* conn.c */
void conn_accept(struct rest_listener *l);
void conn_ref(struct rest_conn *c);
void conn_unref(struct rest_conn *c);
void conn_arm(struct rest_conn *c, int ms);
void conn_close(struct rest_conn *c);
/* Closes once everything queued is written (FIN, then close). */
void conn_shutdown(struct rest_conn *c);
void conn_read_pause(struct rest_conn *c);
void conn_read_resume(struct rest_conn *c);
/* Hijacked: client bytes (c->in) to the handler, and its half-close. */
void conn_hijack_input(struct rest_conn *c);
void conn_hijack_eof(struct rest_conn *c);
/* Upload bytes to the handler's socket, with back-pressure on the client. */
void conn_pipe_write(struct rest_conn *c, struct rest_job *j, const char *data, size_t len);
void conn_free_shutdown(uv_shutdown_t *req, int status);

/* listen.c */
/* Appends `s` as a JSON string (quoted, escaped) to b. */
void rest_json_str(struct sv_buf *b, const char *s);
/* Writes one log line to fd, or through the log sink when fd < 0. */
void rest_log_line(struct rest_server *srv, int fd, const char *line, size_t len);

#endif
