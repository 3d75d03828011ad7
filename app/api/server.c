/*
 * The HTTP server on libuv: connections, their phases and timeouts, and the
 * way answers and streams get back to the client.
 *
 * A connection moves IDLE → HEAD → BODY → WORK → IDLE (keep-alive), or to
 * HIJACK for attach/exec. Every phase has a bound: the head must arrive
 * within header_timeout_ms of its first byte (slowloris), a buffered body
 * within body_timeout_ms, an idle keep-alive connection lives
 * idle_timeout_ms, and a client that stops reading what we send is dropped
 * after write_timeout_ms. Input is parsed by http.c under the head and
 * body bounds; anything it refuses is answered with its status and the
 * connection closes, while every other connection carries on.
 *
 * Handlers run on worker threads (pool.c). A streaming handler gets one
 * end of a socketpair; the loop holds the other as a uv_pipe_t and relays:
 * handler output becomes chunks (or raw bytes once hijacked), hijacked
 * client input and streamed uploads go the other way. The loop stops
 * reading whichever side is ahead when the other has a megabyte queued,
 * so memory stays bounded whatever the peers do.
 */
#include "api-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server-internal.h"

#define WRITE_HIGH (1u << 20)	/* pause the producer above this much queued */
#define WRITE_LOW (256u << 10)	/* and resume below this */

static void conn_process(struct rest_conn *c);
static void conn_finish_request(struct rest_conn *c);
static void pipe_start(struct rest_conn *c);

/* ---------------------------------------------------------------- writes */

struct write_req {
	uv_write_t w;
	struct rest_conn *c;
	size_t len;
	conn_flushed_fn *done;
	char data[];
};

static void conn_after_write(struct rest_conn *c, int status, size_t len)
{
	c->wq -= len;
	if (status < 0 && !c->closing) {
		conn_close(c);
		return;
	}
	if (c->closing)
		return;
	if (c->wq == 0 && c->phase == PH_WORK)
		uv_timer_stop(&c->timer);
	else if (c->wq > 0 && c->phase != PH_HIJACK)
		conn_arm(c, c->srv->o.write_timeout_ms);
	if (c->pipe_paused && c->wq < WRITE_LOW && c->job && c->job->pipe) {
		c->pipe_paused = false;
		pipe_start(c);
	}
	if (c->close_after_flush && c->wq == 0)
		conn_shutdown(c);
}

static void on_write(uv_write_t *w, int status)
{
	struct write_req *r = (struct write_req *)w;
	struct rest_conn *c = r->c;
	if (r->done && status == 0 && !c->closing)
		r->done(c);
	conn_after_write(c, status, r->len);
	conn_unref(c);
	free(r);
}

void conn_write_wire(struct rest_conn *c, const char *data, size_t len, conn_flushed_fn *done)
{
	if (c->closing)
		return;
	size_t off = 0;
	if (c->wq == 0) {
		int n = uv_try_write(&c->u.s, &(uv_buf_t){ .base = (char *)(uintptr_t)data, .len = len }, 1);
		if (n > 0)
			off = (size_t)n;
		else if (n < 0 && n != UV_EAGAIN && n != UV_ENOSYS) {
			conn_close(c);
			return;
		}
	}
	if (off == len) {
		if (done)
			done(c);
		if (c->close_after_flush && c->wq == 0 && !c->closing)
			conn_shutdown(c);
		return;
	}
	struct write_req *r = sv_xmalloc(sizeof *r + len - off);
	memcpy(r->data, data + off, len - off);
	r->c = c;
	r->len = len - off;
	r->done = done;
	c->wq += r->len;
	conn_ref(c);
	if (uv_write(&r->w, &c->u.s, &(uv_buf_t){ .base = r->data, .len = r->len }, 1, on_write) < 0) {
		c->wq -= r->len;
		conn_unref(c);
		free(r);
		conn_close(c);
		return;
	}
	if (c->phase != PH_HIJACK)
		conn_arm(c, c->srv->o.write_timeout_ms);
}

void conn_write(struct rest_conn *c, const char *data, size_t len, conn_flushed_fn *done)
{
	if (!c->tls) {
		conn_write_wire(c, data, len, done);
		return;
	}
	SV_AUTOBUF struct sv_buf wire;
	sv_buf_init(&wire);
	if (rest_tls_output(c->tls, data, len, &wire) < 0) {
		conn_close(c);
		return;
	}
	conn_write_wire(c, wire.data, wire.len, done);
}

/* ---------------------------------------------------------------- heads */

static void common_headers(struct rest_conn *c, struct sv_buf *b)
{
	sv_buf_adds(b, "Api-Version: " SV_ENGINE_API_VERSION "\r\n"
		       "Docker-Experimental: false\r\n"
		       "Ostype: linux\r\n"
		       "Server: servin/" SV_VERSION " (linux)\r\n");
	if (!c->keep_alive)
		sv_buf_adds(b, "Connection: close\r\n");
}

/* The head of a complete answer (len >= 0) or of a stream (len < 0). */
static void build_head(struct rest_conn *c, int status, const char *ctype, const char *extra, int64_t len,
		       struct sv_buf *b)
{
	sv_buf_addf(b, "HTTP/1.1 %d %s\r\n", status, rest_status_text(status));
	common_headers(c, b);
	if (ctype)
		sv_buf_addf(b, "Content-Type: %s\r\n", ctype);
	if (extra)
		sv_buf_adds(b, extra);
	if (len >= 0 && status != 204 && status != 304 && status >= 200)
		sv_buf_addf(b, "Content-Length: %lld\r\n", (long long)len);
	else if (len < 0 && c->chunked)
		sv_buf_adds(b, "Transfer-Encoding: chunked\r\n");
	sv_buf_adds(b, "\r\n");
}

/* Answers the current request in full. */
void conn_reply(struct rest_conn *c, int status, const char *ctype, const char *extra, const char *body,
		size_t len)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (status == 204 || status == 304)
		len = 0;
	build_head(c, status, len ? ctype : (status == 204 || status == 304 ? NULL : ctype), extra,
		   (int64_t)len, &b);
	if (!c->head_only)
		sv_buf_add(&b, body, len);
	c->status = status;
	c->bytes = (int64_t)len;
	conn_write(c, b.data, b.len, NULL);
}

void conn_reply_error(struct rest_conn *c, int status, const char *extra, const char *msg)
{
	size_t len;
	SV_AUTOFREE char *body = rest_error_body(msg, &len);
	conn_reply(c, status, "application/json", extra, body, len);
}

/* ---------------------------------------------------------------- streams */

static void on_pipe_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct rest_job *j = h->data;
	buf->base = j->srv->pipebuf;
	buf->len = sizeof j->srv->pipebuf;
}

static void pipe_closed(uv_handle_t *h)
{
	free(h);
}

static void pipe_close(struct rest_job *j)
{
	if (!j->pipe)
		return;
	uv_close((uv_handle_t *)j->pipe, pipe_closed);
	j->pipe = NULL;
}

static void stream_ended(struct rest_conn *c)
{
	struct rest_job *j = c->job;
	j->stream_eof = true;
	pipe_close(j);
	if (j->kind == REST_STREAM_HIJACK || !c->chunked) {
		/* Raw streams end with the connection. */
		c->keep_alive = false;
		c->close_after_flush = true;
	} else {
		conn_write(c, "0\r\n\r\n", 5, NULL);
	}
	if (j->worker_done)
		conn_finish_request(c);
	else if (c->close_after_flush && c->wq == 0)
		conn_shutdown(c);
}

static void on_pipe_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct rest_job *j = s->data;
	struct rest_conn *c = j->conn;
	if (!c || n == 0)
		return;
	if (n < 0) {
		stream_ended(c);
		return;
	}
	j->bytes_out += n;
	c->bytes += n;
	if (j->kind == REST_STREAM_CHUNKED && c->chunked) {
		SV_AUTOBUF struct sv_buf b;
		sv_buf_init(&b);
		sv_buf_addf(&b, "%zx\r\n", (size_t)n);
		sv_buf_add(&b, buf->base, (size_t)n);
		sv_buf_adds(&b, "\r\n");
		conn_write(c, b.data, b.len, NULL);
	} else {
		conn_write(c, buf->base, (size_t)n, NULL);
	}
	if (!c->closing && c->wq > WRITE_HIGH && j->pipe) {
		uv_read_stop((uv_stream_t *)j->pipe);
		c->pipe_paused = true;
	}
}

static void pipe_start(struct rest_conn *c)
{
	struct rest_job *j = c->job;
	if (j->pipe && !j->stream_eof)
		uv_read_start((uv_stream_t *)j->pipe, on_pipe_alloc, on_pipe_read);
}

/* Opens the loop's end of the job's socket as a libuv pipe. */
int conn_pipe_open(struct rest_conn *c, struct rest_job *j)
{
	if (j->pipe)
		return 0;
	uv_pipe_t *p = sv_xcalloc(1, sizeof *p);
	uv_pipe_init(&c->srv->loop, p, 0);
	if (uv_pipe_open(p, j->loop_fd) < 0) {
		free(p);
		close(j->loop_fd);
		j->loop_fd = -1;
		return -1;
	}
	j->loop_fd = -1;
	p->data = j;
	j->pipe = p;
	return 0;
}

static void hijack_begin(struct rest_conn *c)
{
	c->phase = PH_HIJACK;
	uv_timer_stop(&c->timer);
	pipe_start(c);
	/* Bytes the client sent right after its request are stdin already. */
	if (c->in.len)
		conn_hijack_input(c);
	if (c->read_eof)
		conn_hijack_eof(c);
}

static void stream_head_flushed(struct rest_conn *c)
{
	if (!c->job)
		return;
	if (c->job->kind == REST_STREAM_HIJACK)
		hijack_begin(c);
	else
		pipe_start(c);
}

static void stream_send_head(struct rest_conn *c, struct rest_job *j)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	j->head_sent = true;
	c->status = j->status;
	if (j->kind == REST_STREAM_HIJACK) {
		bool upgrade = c->job->req.http->upgrade;
		c->status = upgrade ? 101 : 200;
		c->keep_alive = false;
		if (upgrade)
			sv_buf_adds(&b, "HTTP/1.1 101 UPGRADED\r\n");
		else
			sv_buf_adds(&b, "HTTP/1.1 200 OK\r\n");
		sv_buf_addf(&b, "Content-Type: %s\r\n", j->ctype ? j->ctype : "application/vnd.docker.raw-stream");
		if (upgrade)
			sv_buf_adds(&b, "Connection: Upgrade\r\nUpgrade: tcp\r\n");
		common_headers(c, &b);
		sv_buf_add(&b, j->headers.data, j->headers.len);
		sv_buf_adds(&b, "\r\n");
	} else {
		if (!c->chunked)
			c->keep_alive = false;
		build_head(c, j->status, j->ctype, j->headers.data, -1, &b);
	}
	/* The head goes out alone and first: the stream is read only once it
	 * is flushed (docker-py loses bytes that share its read). */
	conn_write(c, b.data, b.len, stream_head_flushed);
}

void conn_drop_job(struct rest_conn *c)
{
	struct rest_job *j = c->job;
	if (!j)
		return;
	c->job = NULL;
	j->conn = NULL;
	atomic_store(&j->gone, true);
	pipe_close(j);
	rest_job_unref(j);
}

/* ---------------------------------------------------------------- messages */

void rest_conn_on_msg(struct rest_job *j, unsigned msg)
{
	struct rest_conn *c = j->conn;
	if (msg & REST_MSG_HEAD) {
		if (!c || c->closing) {
			if (j->loop_fd >= 0)
				close(j->loop_fd);
			j->loop_fd = -1;
		} else if (conn_pipe_open(c, j) < 0) {
			conn_close(c);
			c = NULL;
		} else {
			stream_send_head(c, j);
		}
	}
	if (!(msg & REST_MSG_DONE))
		return;
	j->worker_done = true;
	if (!c || c->closing || c->job != j)
		return;
	if (!j->streaming) {
		if (!j->body_done)
			c->keep_alive = false; /* the rest of an upload is not worth reading */
		const char *ctype = j->ctype ? j->ctype : "application/json";
		conn_reply(c, j->status, ctype, j->headers.len ? j->headers.data : NULL, j->out.data, j->out.len);
		pipe_close(j);
		conn_finish_request(c);
	} else if (j->stream_eof) {
		conn_finish_request(c);
	}
}

void rest_server_on_wake(uv_async_t *a)
{
	struct rest_server *srv = a->data;
	uv_mutex_lock(&srv->mu);
	struct rest_job *list = srv->msgs;
	srv->msgs = srv->msgs_tail = NULL;
	for (struct rest_job *j = list; j; j = j->next_msg) {
		j->taken = j->pending;
		j->pending = 0;
	}
	uv_mutex_unlock(&srv->mu);
	while (list) {
		struct rest_job *j = list;
		list = j->next_msg;
		j->next_msg = NULL;
		rest_conn_on_msg(j, j->taken);
		rest_job_unref(j);
	}
}

void rest_job_post(struct rest_job *j, unsigned msg)
{
	struct rest_server *srv = j->srv;
	uv_mutex_lock(&srv->mu);
	if (!j->pending) {
		rest_job_ref(j);
		j->next_msg = NULL;
		if (srv->msgs_tail)
			srv->msgs_tail->next_msg = j;
		else
			srv->msgs = j;
		srv->msgs_tail = j;
	}
	j->pending |= msg;
	uv_mutex_unlock(&srv->mu);
	uv_async_send(&srv->wake);
}

/* ---------------------------------------------------------------- requests */

static void access_log(struct rest_conn *c)
{
	struct rest_server *srv = c->srv;
	if (srv->access_fd < 0 && !sv_log_enabled(SV_LOG_INFO))
		return;
	double ms = (double)(sv_time_mono_ns() - c->start_ns) / 1e6;
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	char now[48];
	sv_buf_addf(&b, "{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"remote\":",
		    sv_time_rfc3339(sv_time_now_ns(), now, sizeof now));
	rest_json_str(&b, c->remote);
	sv_buf_adds(&b, ",\"method\":");
	rest_json_str(&b, c->method);
	sv_buf_adds(&b, ",\"path\":");
	rest_json_str(&b, c->target ? c->target : "");
	sv_buf_addf(&b, ",\"status\":%d,\"bytes\":%lld,\"ms\":%.3f", c->status, (long long)c->bytes, ms);
	if (c->agent) {
		sv_buf_adds(&b, ",\"agent\":");
		rest_json_str(&b, c->agent);
	}
	sv_buf_adds(&b, "}\n");
	rest_log_line(srv, srv->access_fd, b.data, b.len);
}

void conn_log_unfinished(struct rest_conn *c)
{
	if (c->job && !c->in_finish && c->method[0]) {
		access_log(c);
		c->method[0] = '\0';
	}
}

static void conn_finish_request(struct rest_conn *c)
{
	if (c->in_finish)
		return;
	c->in_finish = true;
	access_log(c);
	conn_drop_job(c);
	free(c->target);
	free(c->agent);
	c->target = c->agent = NULL;
	c->method[0] = '\0';
	c->in_finish = false;
	if (c->phase == PH_HIJACK || !c->keep_alive || c->read_eof || c->srv->stopping) {
		c->phase = PH_CLOSING;
		c->close_after_flush = true;
		if (c->wq == 0)
			conn_shutdown(c);
		return;
	}
	c->phase = PH_IDLE;
	rest_http_reset(&c->parser);
	if (c->wq == 0)
		conn_arm(c, c->srv->o.idle_timeout_ms);
	conn_read_resume(c);
	if (c->in.len && !c->processing)
		conn_process(c);
}

/* Answers a request refused before any handler ran. */
static void refuse(struct rest_conn *c, int status, const char *extra, const char *msg)
{
	struct rest_http_req *r = &c->parser.req;
	/* A body still on its way is not worth reading: close after. */
	if (r->chunked || r->content_length > 0)
		c->keep_alive = false;
	conn_reply_error(c, status, extra, msg);
	c->phase = PH_WORK;
	conn_finish_request(c);
}

static void dispatch(struct rest_conn *c)
{
	struct rest_job *j = c->job;
	struct rest_server *srv = c->srv;
	const struct rest_route *rt = j->req.route;
	if (!j->req.body)
		j->req.body = "";
	if (rt->flags & REST_ROUTE_INLINE) {
		rt->handler(&j->req);
		if (!j->replied)
			rest_reply_error(&j->req, 500, "no response");
		rest_conn_on_msg(j, REST_MSG_DONE);
		return;
	}
	bool stream = rt->flags & REST_ROUTE_STREAM;
	rest_job_ref(j);
	if (!rest_pool_submit(stream ? srv->streams : srv->quick, rest_job_run, j, stream)) {
		rest_job_unref(j);
		j->worker_done = true;
		rest_reply_error(&j->req, 503, "too many concurrent streams; try again later");
		rest_conn_on_msg(j, REST_MSG_DONE);
	}
}

static int open_body_socket(struct rest_conn *c, struct rest_job *j)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	j->loop_fd = sv[0];
	j->worker_fd = sv[1];
	j->req.fd = sv[1];
	return conn_pipe_open(c, j);
}

static bool authorized(struct rest_conn *c)
{
	const char *want = c->lis->token;
	if (!want)
		return true;
	const char *h = rest_http_header(&c->parser.req, "authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	size_t n = strlen(want);
	if (strlen(h) != n)
		return false;
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(h[i] ^ want[i]);
	return diff == 0;
}

/* Path, version, route and query of the request just parsed; 0, or a
 * status already answered. */
static int resolve(struct rest_conn *c, struct rest_job *j)
{
	const struct rest_http_req *r = &c->parser.req;
	const char *q = strchr(r->target, '?');
	size_t plen = q ? (size_t)(q - r->target) : strlen(r->target);
	SV_AUTOBUF struct sv_buf path;
	sv_buf_init(&path);
	if (rest_url_decode(r->target, plen, false, &path) < 0)
		return refuse(c, 400, NULL, "malformed escape in path"), 400;
	const char *rest;
	SV_AUTOFREE char *why = NULL;
	int st = rest_version_split(path.data, &j->req.api_minor, &rest, &why);
	if (st)
		return refuse(c, st, NULL, why), st;
	j->path = sv_xstrdup(rest);
	j->req.path = j->path;
	j->req.route = rest_route_match(r->method, rest, j->req.params, &st);
	if (!j->req.route) {
		if (st == 405) {
			refuse(c, 405, NULL, "method not allowed");
			return 405;
		}
		return refuse(c, 404, NULL, "page not found"), 404;
	}
	if (rest_query_parse(q ? q + 1 : NULL, &j->req.query) < 0)
		return refuse(c, 400, NULL, "malformed escape in query"), 400;
	return 0;
}

static void on_head(struct rest_conn *c)
{
	struct rest_server *srv = c->srv;
	struct rest_http_req *r = &c->parser.req;
	c->keep_alive = r->keep_alive;
	c->chunked = r->minor >= 1;
	c->head_only = !strcmp(r->method, "HEAD");
	snprintf(c->method, sizeof c->method, "%s", r->method);
	c->target = sv_xstrndup(r->target, 1024);
	const char *ua = rest_http_header(r, "user-agent");
	c->agent = ua ? sv_xstrndup(ua, 256) : NULL;
	c->status = 0;
	c->bytes = 0;
	int retry;
	if (!rest_clients_take(srv->clients, c->key, sv_time_mono_ns(), &retry)) {
		char extra[64];
		snprintf(extra, sizeof extra, "Retry-After: %d\r\n", retry);
		refuse(c, 429, extra, "too many requests: slow down");
		return;
	}
	if (!authorized(c)) {
		refuse(c, 401, "WWW-Authenticate: Bearer realm=\"servin\"\r\n", "unauthorized");
		return;
	}
	struct rest_job *j = rest_job_new(srv, c);
	c->job = j;
	j->req.http = r;
	j->req.engine = srv->engine;
	j->req.method = r->method;
	if (resolve(c, j))
		return;
	bool streamed = j->req.route->flags & REST_ROUTE_BODY_STREAM;
	rest_http_set_body_limit(&c->parser, streamed ? -1 : srv->o.max_body);
	if (c->parser.state == HTTP_ST_ERROR) {
		refuse(c, c->parser.status, NULL, c->parser.error);
		return;
	}
	bool has_body = r->chunked || r->content_length > 0;
	if (has_body && r->expect_continue)
		conn_write(c, "HTTP/1.1 100 Continue\r\n\r\n", 25, NULL);
	c->phase = has_body ? PH_BODY : PH_WORK;
	j->body_done = !has_body;
	if (streamed) {
		if (open_body_socket(c, j) < 0) {
			refuse(c, 500, NULL, "cannot open a stream socket");
			return;
		}
		if (j->body_done)
			uv_shutdown(sv_xcalloc(1, sizeof(uv_shutdown_t)), (uv_stream_t *)j->pipe, conn_free_shutdown);
		conn_arm(c, srv->o.body_timeout_ms);
		dispatch(c);
	} else if (has_body) {
		conn_arm(c, srv->o.body_timeout_ms);
	} else {
		uv_timer_stop(&c->timer);
		dispatch(c);
	}
}

static void on_body(struct rest_conn *c, const char *data, size_t len)
{
	struct rest_job *j = c->job;
	if (!j->pipe) {
		if (!(j->req.route->flags & REST_ROUTE_BODY_STREAM))
			sv_buf_add(&j->body, data, len);
		return; /* the handler is gone: drop the rest */
	}
	conn_pipe_write(c, j, data, len);
	conn_arm(c, c->srv->o.body_timeout_ms);
}

static void on_body_done(struct rest_conn *c)
{
	struct rest_job *j = c->job;
	j->body_done = true;
	c->phase = PH_WORK;
	uv_timer_stop(&c->timer);
	if (j->req.route->flags & REST_ROUTE_BODY_STREAM) {
		if (j->pipe)
			uv_shutdown(sv_xcalloc(1, sizeof(uv_shutdown_t)), (uv_stream_t *)j->pipe, conn_free_shutdown);
		if (j->worker_done && !j->streaming)
			return; /* answered already */
		return;
	}
	j->req.body = j->body.data;
	j->req.body_len = j->body.len;
	dispatch(c);
}

/* For the access log of a request refused before its head was handled. */
static void note_request(struct rest_conn *c)
{
	if (c->method[0])
		return;
	const struct rest_http_req *r = &c->parser.req;
	snprintf(c->method, sizeof c->method, "%s", r->method[0] ? r->method : "-");
	if (!c->target && r->target)
		c->target = sv_xstrndup(r->target, 1024);
}

/* Feeds buffered input to the parser while a request is being read. */
static void conn_parse(struct rest_conn *c)
{
	size_t off = 0;
	while (!c->closing && (c->phase == PH_IDLE || c->phase == PH_HEAD || c->phase == PH_BODY)) {
		if (c->phase == PH_IDLE) {
			if (off == c->in.len)
				break;
			c->phase = PH_HEAD;
			c->start_ns = sv_time_mono_ns();
			conn_arm(c, c->srv->o.header_timeout_ms);
		}
		size_t used;
		const char *body;
		size_t blen;
		enum rest_http_event ev =
			rest_http_feed(&c->parser, c->in.data + off, c->in.len - off, &used, &body, &blen);
		off += used;
		if (ev == REST_HTTP_MORE)
			break;
		if (ev == REST_HTTP_ERROR) {
			c->keep_alive = false;
			note_request(c);
			conn_reply_error(c, c->parser.status, NULL, c->parser.error);
			c->phase = PH_WORK;
			conn_finish_request(c);
			break;
		}
		if (ev == REST_HTTP_HEAD)
			on_head(c);
		else if (ev == REST_HTTP_BODY)
			on_body(c, body, blen);
		else if (ev == REST_HTTP_DONE && c->phase == PH_BODY)
			on_body_done(c);
	}
	if (off) {
		memmove(c->in.data, c->in.data + off, c->in.len - off);
		sv_buf_truncate(&c->in, c->in.len - off);
	}
}

static void conn_process(struct rest_conn *c)
{
	c->processing = true;
	size_t before;
	do {
		before = c->in.len;
		if (c->phase == PH_HIJACK && c->in.len)
			conn_hijack_input(c);
		else
			conn_parse(c);
	} while (!c->closing && c->in.len && c->in.len != before &&
		 (c->phase == PH_IDLE || c->phase == PH_HEAD || c->phase == PH_BODY));
	c->processing = false;
	/* Pipelined requests wait while one is answered; bound what waits. */
	if (!c->closing && c->in.len > c->srv->o.max_head && c->phase != PH_HIJACK)
		conn_read_pause(c);
}

void conn_on_input(struct rest_conn *c, const char *data, size_t len)
{
	sv_buf_add(&c->in, data, len);
	conn_process(c);
}

void conn_on_eof(struct rest_conn *c)
{
	c->read_eof = true;
	switch (c->phase) {
	case PH_HIJACK:
		conn_hijack_eof(c);
		return;
	case PH_WORK:
		/* A client gone during a stream cancels it; a half-close before
		 * a plain answer is honoured. */
		if (c->job && c->job->streaming)
			conn_close(c);
		return;
	case PH_CLOSING:
		if (c->shut_done)
			conn_close(c);
		return;
	default:
		conn_close(c);
	}
}

void conn_on_timer(struct rest_conn *c)
{
	switch (c->phase) {
	case PH_HEAD:
	case PH_BODY:
		if (c->job && c->job->req.route && (c->job->req.route->flags & REST_ROUTE_BODY_STREAM)) {
			conn_close(c);
			return;
		}
		c->keep_alive = false;
		note_request(c);
		conn_reply_error(c, 408, NULL, "request timeout");
		c->phase = PH_WORK;
		conn_finish_request(c);
		return;
	default:
		conn_close(c);
	}
}
