/*
 * Connection lifecycle: accept (with the global and per-client caps),
 * reads (through TLS when the listener has it), timers, the byte relays of
 * hijacked connections and streamed uploads, and closing.
 *
 * Closing is lingering, as Go's server does: after the last answer we send
 * FIN, then keep reading (and dropping) until the peer closes or two
 * seconds pass, so a client still sending a refused body gets to read our
 * 413 instead of a reset. A connection is freed when its last reference
 * goes: each pending write and each closing handle holds one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server-internal.h"

#define LINGER_MS 2000
#define PIPE_HIGH (1u << 20)
#define PIPE_LOW (256u << 10)

void conn_ref(struct rest_conn *c)
{
	c->refs++;
}

void conn_unref(struct rest_conn *c)
{
	if (--c->refs > 0)
		return;
	rest_tls_free(c->tls);
	rest_http_parser_release(&c->parser);
	sv_buf_release(&c->in);
	free(c->target);
	free(c->agent);
	free(c);
}

static void on_timer(uv_timer_t *t)
{
	conn_on_timer(t->data);
}

void conn_arm(struct rest_conn *c, int ms)
{
	if (c->closing)
		return;
	if (ms <= 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timer, (uint64_t)ms, 0);
}

static void on_closed(uv_handle_t *h)
{
	conn_unref(h->data);
}

void conn_close(struct rest_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	conn_log_unfinished(c);
	conn_drop_job(c);
	struct rest_server *srv = c->srv;
	if (c->counted) {
		rest_clients_close(srv->clients, c->key);
		srv->nconns--;
		c->counted = false;
	}
	if (c->prev)
		c->prev->next = c->next;
	else if (srv->conns == c)
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	conn_ref(c);
	uv_close(&c->u.h, on_closed);
	conn_ref(c);
	uv_close((uv_handle_t *)&c->timer, on_closed);
	conn_unref(c); /* the owner's reference */
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct rest_conn *c = req->data;
	free(req);
	c->shut_done = true;
	if (status < 0 || c->read_eof)
		conn_close(c);
	else if (!c->closing) {
		c->phase = PH_CLOSING;
		conn_arm(c, LINGER_MS);
		conn_read_resume(c);
	}
	conn_unref(c);
}

void conn_shutdown(struct rest_conn *c)
{
	if (c->shut || c->closing)
		return;
	c->shut = true;
	c->phase = PH_CLOSING;
	uv_shutdown_t *req = sv_xcalloc(1, sizeof *req);
	req->data = c;
	conn_ref(c);
	if (uv_shutdown(req, &c->u.s, on_shutdown) < 0) {
		free(req);
		conn_unref(c);
		conn_close(c);
	}
}

void conn_free_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	free(req);
}

/* ---------------------------------------------------------------- reads */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct rest_conn *c = h->data;
	buf->base = c->srv->readbuf;
	buf->len = sizeof c->srv->readbuf;
}

static void on_tls_read(struct rest_conn *c, const char *data, size_t len)
{
	SV_AUTOBUF struct sv_buf plain;
	SV_AUTOBUF struct sv_buf wire;
	sv_buf_init(&plain);
	sv_buf_init(&wire);
	int rc = rest_tls_input(c->tls, data, len, &plain, &wire);
	if (wire.len)
		conn_write_wire(c, wire.data, wire.len, NULL);
	if (rc < 0) {
		conn_close(c);
		return;
	}
	if (plain.len && !c->closing)
		conn_on_input(c, plain.data, plain.len);
	if (rc == 1 && !c->closing)
		conn_on_eof(c);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct rest_conn *c = s->data;
	if (n == 0 || c->closing)
		return;
	if (n < 0) {
		if (n == UV_EOF) {
			uv_read_stop(s);
			c->reading = false;
			conn_on_eof(c);
		} else {
			conn_close(c);
		}
		return;
	}
	if (c->phase == PH_CLOSING) /* lingering: drop what still comes */
		return;
	if (c->tls)
		on_tls_read(c, buf->base, (size_t)n);
	else
		conn_on_input(c, buf->base, (size_t)n);
}

void conn_read_pause(struct rest_conn *c)
{
	if (c->reading && !c->closing)
		uv_read_stop(&c->u.s);
	c->reading = false;
}

void conn_read_resume(struct rest_conn *c)
{
	if (c->reading || c->closing || c->read_eof)
		return;
	if (uv_read_start(&c->u.s, on_alloc, on_read) == 0)
		c->reading = true;
}

/* ---------------------------------------------------------------- relays */

struct pipe_write {
	uv_write_t w;
	struct rest_job *j;
	size_t len;
	char data[];
};

static void on_pipe_write(uv_write_t *w, int status)
{
	struct pipe_write *pw = (struct pipe_write *)w;
	struct rest_job *j = pw->j;
	j->pipe_wq -= pw->len;
	if (status < 0)
		j->pipe_broken = true;
	struct rest_conn *c = j->conn;
	if (c && !c->closing && j->pipe_wq < PIPE_LOW && (c->phase == PH_BODY || c->phase == PH_HIJACK))
		conn_read_resume(c);
	rest_job_unref(j);
	free(pw);
}

void conn_pipe_write(struct rest_conn *c, struct rest_job *j, const char *data, size_t len)
{
	if (!j->pipe || j->pipe_broken || !len)
		return;
	struct pipe_write *pw = sv_xmalloc(sizeof *pw + len);
	memcpy(pw->data, data, len);
	pw->j = j;
	pw->len = len;
	rest_job_ref(j);
	j->pipe_wq += len;
	uv_buf_t b = { .base = pw->data, .len = len };
	if (uv_write(&pw->w, (uv_stream_t *)j->pipe, &b, 1, on_pipe_write) < 0) {
		j->pipe_broken = true;
		j->pipe_wq -= len;
		rest_job_unref(j);
		free(pw);
		return;
	}
	if (j->pipe_wq > PIPE_HIGH)
		conn_read_pause(c);
}

void conn_hijack_input(struct rest_conn *c)
{
	if (c->job)
		conn_pipe_write(c, c->job, c->in.data, c->in.len);
	sv_buf_reset(&c->in);
}

void conn_hijack_eof(struct rest_conn *c)
{
	/* The client closed its stdin: pass the half-close on. */
	struct rest_job *j = c->job;
	if (!j || !j->pipe)
		return;
	uv_shutdown_t *req = sv_xcalloc(1, sizeof *req);
	if (uv_shutdown(req, (uv_stream_t *)j->pipe, conn_free_shutdown) < 0)
		free(req);
}

/* ---------------------------------------------------------------- accept */

static void identify(struct rest_conn *c)
{
	if (!c->lis->is_tcp) {
		uv_os_fd_t fd;
		struct ucred cr = { 0 };
		socklen_t len = sizeof cr;
		if (uv_fileno(&c->u.h, &fd) == 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
			snprintf(c->key, sizeof c->key, "unix:%u:%d", (unsigned)cr.uid, (int)cr.pid);
			snprintf(c->remote, sizeof c->remote, "unix:uid=%u,pid=%d", (unsigned)cr.uid, (int)cr.pid);
		} else {
			snprintf(c->key, sizeof c->key, "unix:?");
			snprintf(c->remote, sizeof c->remote, "unix");
		}
		return;
	}
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char ip[48] = "?";
	int port = 0;
	if (uv_tcp_getpeername(&c->u.tcp, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			uv_ip6_name(a, ip, sizeof ip);
			port = ntohs(a->sin6_port);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			uv_ip4_name(a, ip, sizeof ip);
			port = ntohs(a->sin_port);
		}
	}
	snprintf(c->key, sizeof c->key, "tcp:%s", ip);
	snprintf(c->remote, sizeof c->remote, "%s:%d", ip, port);
}

/* Over a cap: a short 503 the client can read, then close. */
static void turn_away(struct rest_conn *c, const char *why)
{
	char msg[256];
	size_t blen;
	SV_AUTOFREE char *body = rest_error_body(why, &blen);
	int n = snprintf(msg, sizeof msg,
			 "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\nRetry-After: 1\r\n\r\n%s",
			 blen, body);
	if (!c->tls && n > 0 && (size_t)n < sizeof msg)
		uv_try_write(&c->u.s, &(uv_buf_t){ .base = msg, .len = (size_t)n }, 1);
	conn_close(c);
}

static void conn_init(struct rest_conn *c)
{
	struct rest_server *srv = c->srv;
	struct rest_http_limits lim = { .max_head = srv->o.max_head,
					.max_headers = srv->o.max_headers,
					.max_body = -1 /* set per route at the head */ };
	rest_http_parser_init(&c->parser, &lim);
	sv_buf_init(&c->in);
	uv_timer_init(&srv->loop, &c->timer);
	c->timer.data = c;
	c->u.h.data = c;
	c->keep_alive = true;
	c->refs = 1;
}

void conn_accept(struct rest_listener *l)
{
	struct rest_server *srv = l->srv;
	struct rest_conn *c = sv_xcalloc(1, sizeof *c);
	c->srv = srv;
	c->lis = l;
	if (l->is_tcp)
		uv_tcp_init(&srv->loop, &c->u.tcp);
	else
		uv_pipe_init(&srv->loop, &c->u.pipe, 0);
	conn_init(c);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	if (uv_accept(&l->u.s, &c->u.s) < 0) {
		conn_close(c);
		return;
	}
	identify(c);
	if (l->is_tcp) {
		uv_tcp_nodelay(&c->u.tcp, 1);
		if (l->tls)
			c->tls = rest_tls_new(l->tls);
	}
	if (srv->stopping) {
		conn_close(c);
		return;
	}
	if (srv->nconns >= srv->o.max_conns) {
		turn_away(c, "too many connections");
		return;
	}
	if (!rest_clients_open(srv->clients, c->key, srv->o.max_conns_per_client)) {
		turn_away(c, "too many connections from this client");
		return;
	}
	c->counted = true;
	srv->nconns++;
	c->start_ns = sv_time_mono_ns();
	conn_arm(c, srv->o.header_timeout_ms);
	conn_read_resume(c);
}
