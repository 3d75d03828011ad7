/*
 * Listeners and the loop's life: the unix socket (0660, group `servin`
 * when it exists, never abstract), the TCP listener (only behind client-
 * certificate TLS or a bearer token), sockets handed over by systemd
 * (LISTEN_FDS), signals, and a graceful stop. Also the JSON-lines log.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server-internal.h"

#define STOP_GRACE_MS 3000

void rest_serve_opts_init(struct rest_serve_opts *o)
{
	memset(o, 0, sizeof *o);
	o->rate = 500;
	o->burst = 1000;
	o->max_conns = 1024;
	o->max_conns_per_client = 256;
	o->max_streams = 256;
	/* Short handlers are CPU-bound SQLite reads: more threads than cores
	 * only add contention (measured: 1 > 2 > 4 threads on 2 cores). */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o->workers = cpus < 2 ? 2 : cpus > 8 ? 8 : (int)cpus;
	o->header_timeout_ms = 10000;
	o->body_timeout_ms = 60000;
	o->idle_timeout_ms = 120000;
	o->write_timeout_ms = 60000;
	o->max_head = 64 << 10;
	o->max_headers = 128;
	o->max_body = 4 << 20;
}

/* ---------------------------------------------------------------- logging */

void rest_json_str(struct sv_buf *b, const char *s)
{
	sv_buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sv_buf_addf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sv_buf_addf(b, "\\u%04x", *p);
		else
			sv_buf_addc(b, (char)*p);
	}
	sv_buf_addc(b, '"');
}

void rest_log_line(struct rest_server *srv, int fd, const char *line, size_t len)
{
	(void)srv;
	(void)sv_write_all(fd >= 0 ? fd : STDERR_FILENO, line, len);
}

void rest_log_sink(enum sv_log_level level, const char *msg, void *arg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	(void)arg;
	struct sv_buf b;
	sv_buf_init(&b);
	char now[48];
	sv_buf_addf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", sv_time_rfc3339(sv_time_now_ns(), now, sizeof now),
		    names[level]);
	rest_json_str(&b, msg);
	sv_buf_adds(&b, "}\n");
	(void)sv_write_all(STDERR_FILENO, b.data, b.len);
	sv_buf_release(&b);
}

/* ---------------------------------------------------------------- unix */

static void on_connection(uv_stream_t *s, int status)
{
	struct rest_listener *l = s->data;
	if (status < 0) {
		sv_warn("accept on %s: %s", l->where, uv_strerror(status));
		return;
	}
	conn_accept(l);
}

static struct rest_listener *listener_new(struct rest_server *srv, bool tcp)
{
	struct rest_listener *l = sv_xcalloc(1, sizeof *l);
	l->srv = srv;
	l->is_tcp = tcp;
	if (tcp) {
		uv_tcp_init(&srv->loop, &l->u.tcp);
		l->tls = srv->tls;
		l->token = srv->token;
	} else {
		uv_pipe_init(&srv->loop, &l->u.pipe, 0);
	}
	l->u.h.data = l;
	srv->lis[srv->nlis++] = l;
	return l;
}

static bool socket_alive(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	SV_AUTOCLOSE int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
}

/* The `servin` group may reach the socket: group on the socket, and
 * traverse (only) on its directory when that directory is closed to it. */
static void grant_group(const char *path)
{
	struct group *g = getgrnam("servin");
	if (!g)
		return;
	if (chown(path, (uid_t)-1, g->gr_gid) < 0)
		sv_warn("chgrp servin %s: %s", path, strerror(errno));
	SV_AUTOFREE char *copy = sv_xstrdup(path);
	const char *dir = dirname(copy);
	struct stat st;
	if (stat(dir, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & 0011) && st.st_gid != g->gr_gid) {
		if (chown(dir, (uid_t)-1, g->gr_gid) == 0)
			(void)chmod(dir, (st.st_mode & 07777) | 0010);
	}
}

static int prepare_path(const char *path, sv_err **err)
{
	if (!path || !*path || path[0] == '@')
		return sv_err_setx(err, EINVAL, "abstract unix sockets are refused: give a path");
	if (path[0] != '/')
		return sv_err_setx(err, EINVAL, "unix socket %s: want an absolute path", path);
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return sv_err_setx(err, ENAMETOOLONG, "unix socket path too long: %s", path);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return sv_err_setx(err, EEXIST, "%s exists and is not a socket", path);
		if (socket_alive(path))
			return sv_err_setx(err, EADDRINUSE, "another server is listening on %s", path);
		unlink(path);
	}
	SV_AUTOFREE char *copy = sv_xstrdup(path);
	return sv_mkdir_p(dirname(copy), 0755, err);
}

static int listen_unix(struct rest_server *srv, const char *path, sv_err **err)
{
	if (prepare_path(path, err) < 0)
		return -1;
	struct rest_listener *l = listener_new(srv, false);
	snprintf(l->where, sizeof l->where, "unix://%s", path);
	mode_t old = umask(0117); /* born 0660: never a moment wider */
	int rc = uv_pipe_bind(&l->u.pipe, path);
	umask(old);
	if (rc < 0)
		return sv_err_setx(err, -rc, "bind %s: %s", path, uv_strerror(rc));
	l->unlink_path = sv_xstrdup(path);
	if (chmod(path, 0660) < 0)
		return sv_err_set(err, errno, "chmod %s", path);
	grant_group(path);
	rc = uv_listen(&l->u.s, 511, on_connection);
	if (rc < 0)
		return sv_err_setx(err, -rc, "listen %s: %s", path, uv_strerror(rc));
	return 0;
}

/* ---------------------------------------------------------------- tcp */

static int parse_hostport(const char *s, struct sockaddr_storage *ss, sv_err **err)
{
	SV_AUTOFREE char *host = NULL;
	const char *port;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return sv_err_setx(err, EINVAL, "invalid TCP address '%s': want [ipv6]:port", s);
		host = sv_xstrndup(s + 1, (size_t)(end - s - 1));
		port = end + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon)
			return sv_err_setx(err, EINVAL, "invalid TCP address '%s': want host:port", s);
		host = sv_xstrndup(s, (size_t)(colon - s));
		port = colon + 1;
	}
	int64_t p;
	if (!sv_str_to_i64(port, 0, 65535, &p))
		return sv_err_setx(err, EINVAL, "invalid TCP port in '%s'", s);
	if (!*host || !strcmp(host, "localhost"))
		snprintf(host, strlen(host) + 1, "%s", "");
	const char *h = *host ? host : "127.0.0.1";
	if (uv_ip4_addr(h, (int)p, (struct sockaddr_in *)ss) == 0 ||
	    uv_ip6_addr(h, (int)p, (struct sockaddr_in6 *)ss) == 0)
		return 0;
	return sv_err_setx(err, EINVAL, "invalid TCP address '%s': want a numeric IP", s);
}

static int read_token(const char *path, char **out, sv_err **err)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_read_file(path, 4096, &b, err) < 0)
		return sv_err_prefix(err, "token file");
	while (b.len && strchr(" \t\r\n", b.data[b.len - 1]))
		sv_buf_truncate(&b, b.len - 1);
	if (b.len < 16)
		return sv_err_setx(err, EINVAL, "token file %s: the token must be at least 16 characters", path);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] <= 0x20 || (unsigned char)b.data[i] >= 0x7f)
			return sv_err_setx(err, EINVAL, "token file %s: the token must be printable ASCII", path);
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & 0004))
		sv_warn("token file %s is world-readable", path);
	*out = sv_buf_detach(&b, NULL);
	return 0;
}

static int secure_tcp(struct rest_server *srv, sv_err **err)
{
	const struct rest_listen *o = &srv->o.listen;
	bool any_tls = o->tls_cert || o->tls_key || o->tls_ca;
	if (any_tls && !(o->tls_cert && o->tls_key && o->tls_ca))
		return sv_err_setx(err, EINVAL, "TLS needs all of --tls-cert, --tls-key and --tls-ca");
	if (!any_tls && !o->token_file)
		return sv_err_setx(err, EINVAL,
				   "refusing to listen on TCP without client-certificate TLS "
				   "(--tls-cert, --tls-key, --tls-ca) or a bearer token (--token-file)");
	if (any_tls && !srv->tls && rest_tls_ctx_new(o->tls_cert, o->tls_key, o->tls_ca, &srv->tls, err) < 0)
		return -1;
	if (o->token_file && !srv->token && read_token(o->token_file, &srv->token, err) < 0)
		return -1;
	return 0;
}

static int listen_tcp(struct rest_server *srv, const char *addr, sv_err **err)
{
	struct sockaddr_storage ss;
	if (secure_tcp(srv, err) < 0 || parse_hostport(addr, &ss, err) < 0)
		return -1;
	struct rest_listener *l = listener_new(srv, true);
	snprintf(l->where, sizeof l->where, "%s://%s", srv->tls ? "https" : "http", addr);
	int rc = uv_tcp_bind(&l->u.tcp, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen(&l->u.s, 511, on_connection);
	if (rc < 0)
		return sv_err_setx(err, -rc, "listen on %s: %s", addr, uv_strerror(rc));
	return 0;
}

/* ---------------------------------------------------------------- systemd */

static int listen_inherited(struct rest_server *srv, int fd, sv_err **err)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return sv_err_set(err, errno, "socket activation: fd %d", fd);
	bool tcp = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	if (!tcp && ss.ss_family != AF_UNIX)
		return sv_err_setx(err, EINVAL, "socket activation: fd %d is not a unix or TCP socket", fd);
	if (tcp && secure_tcp(srv, err) < 0)
		return -1;
	if (!tcp && len > offsetof(struct sockaddr_un, sun_path) && ((struct sockaddr_un *)&ss)->sun_path[0] == '\0')
		return sv_err_setx(err, EINVAL, "socket activation: fd %d is an abstract socket; refused", fd);
	struct rest_listener *l = listener_new(srv, tcp);
	snprintf(l->where, sizeof l->where, "systemd fd %d", fd);
	int rc = tcp ? uv_tcp_open(&l->u.tcp, fd) : uv_pipe_open(&l->u.pipe, fd);
	if (rc == 0)
		rc = uv_listen(&l->u.s, 511, on_connection);
	if (rc < 0)
		return sv_err_setx(err, -rc, "socket activation: fd %d: %s", fd, uv_strerror(rc));
	return 0;
}

static int open_listeners(struct rest_server *srv, sv_err **err)
{
	const struct rest_serve_opts *o = &srv->o;
	for (int i = 0; i < o->systemd_fds && srv->nlis < REST_MAX_LISTENERS; i++)
		if (listen_inherited(srv, 3 + i, err) < 0)
			return -1;
	if (o->systemd_fds)
		return 0;
	if (!o->no_unix) {
		SV_AUTOFREE char *def = sv_path_join(sv_engine_runroot(srv->engine), "servin.sock");
		if (listen_unix(srv, o->listen.unix_path ? o->listen.unix_path : def, err) < 0)
			return -1;
	}
	if (o->listen.tcp && listen_tcp(srv, o->listen.tcp, err) < 0)
		return -1;
	if (!srv->nlis)
		return sv_err_setx(err, EINVAL, "nothing to listen on");
	return 0;
}

/* ---------------------------------------------------------------- life */

static void close_listeners(struct rest_server *srv)
{
	for (int i = 0; i < srv->nlis; i++) {
		struct rest_listener *l = srv->lis[i];
		if (l->unlink_path)
			unlink(l->unlink_path);
		if (!uv_is_closing(&l->u.h))
			uv_close(&l->u.h, NULL);
	}
}

static void on_stop_tick(uv_timer_t *t)
{
	struct rest_server *srv = t->data;
	bool idle = rest_pool_busy(srv->quick) == 0 && rest_pool_busy(srv->streams) == 0;
	if (!idle && sv_time_mono_ns() - srv->stop_ns < (int64_t)STOP_GRACE_MS * 1000000)
		return;
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, NULL);
	uv_close((uv_handle_t *)&srv->wake, NULL);
	uv_close((uv_handle_t *)&srv->sigint, NULL);
	uv_close((uv_handle_t *)&srv->sigterm, NULL);
}

static void begin_stop(struct rest_server *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = true;
	srv->stop_ns = sv_time_mono_ns();
	sv_info("stopping");
	close_listeners(srv);
	while (srv->conns)
		conn_close(srv->conns);
	uv_timer_start(&srv->stop_timer, on_stop_tick, 0, 100);
}

static void on_signal(uv_signal_t *s, int signum)
{
	(void)signum;
	begin_stop(s->data);
}

static void on_stop_poll(uv_timer_t *t)
{
	struct rest_server *srv = t->data;
	if (srv->o.stop && *srv->o.stop)
		begin_stop(srv);
}

static int server_setup(struct rest_server *srv, sv_err **err)
{
	const struct rest_serve_opts *o = &srv->o;
	if (o->access_log && strcmp(o->access_log, "-") != 0) {
		srv->access_fd = open(o->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (srv->access_fd < 0)
			return sv_err_set(err, errno, "open access log %s", o->access_log);
	} else if (o->access_log) {
		srv->access_fd = STDERR_FILENO;
	}
	if (open_listeners(srv, err) < 0)
		return -1;
	srv->clients = rest_clients_new(o->rate, o->burst);
	srv->quick = rest_pool_new("quick", o->workers);
	srv->streams = rest_pool_new("streams", o->max_streams);
	uv_mutex_init(&srv->mu);
	uv_async_init(&srv->loop, &srv->wake, rest_server_on_wake);
	srv->wake.data = srv;
	uv_signal_init(&srv->loop, &srv->sigint);
	uv_signal_init(&srv->loop, &srv->sigterm);
	srv->sigint.data = srv->sigterm.data = srv;
	uv_signal_start(&srv->sigint, on_signal, SIGINT);
	uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
	uv_timer_init(&srv->loop, &srv->stop_timer);
	srv->stop_timer.data = srv;
	if (o->stop)
		uv_timer_start(&srv->stop_timer, on_stop_poll, 100, 100);
	return 0;
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void server_free(struct rest_server *srv)
{
	close_listeners(srv);
	uv_walk(&srv->loop, close_walk, NULL);
	uv_run(&srv->loop, UV_RUN_DEFAULT);
	uv_loop_close(&srv->loop);
	for (int i = 0; i < srv->nlis; i++) {
		free(srv->lis[i]->unlink_path);
		free(srv->lis[i]);
	}
	rest_pool_free(srv->quick);
	rest_pool_free(srv->streams);
	rest_clients_free(srv->clients);
	if (srv->clients)
		uv_mutex_destroy(&srv->mu);
	rest_tls_ctx_free(srv->tls);
	free(srv->token);
	if (srv->access_fd > STDERR_FILENO)
		close(srv->access_fd);
	free(srv);
}

int rest_serve(sv_engine *e, const struct rest_serve_opts *opts, sv_err **err)
{
	signal(SIGPIPE, SIG_IGN);
	struct rest_server *srv = sv_xcalloc(1, sizeof *srv);
	srv->engine = e;
	srv->o = *opts;
	srv->access_fd = -1;
	uv_loop_init(&srv->loop);
	if (server_setup(srv, err) < 0) {
		server_free(srv);
		return -1;
	}
	for (int i = 0; i < srv->nlis; i++) {
		SV_AUTOBUF struct sv_buf b;
		sv_buf_init(&b);
		char now[48];
		sv_buf_addf(&b, "{\"time\":\"%s\",\"level\":\"info\",\"msg\":",
			    sv_time_rfc3339(sv_time_now_ns(), now, sizeof now));
		SV_AUTOFREE char *msg = sv_xasprintf("listening on %s", srv->lis[i]->where);
		rest_json_str(&b, msg);
		sv_buf_adds(&b, "}\n");
		rest_log_line(srv, -1, b.data, b.len);
		if (opts->ready)
			opts->ready(opts->ready_arg, srv->lis[i]->where);
	}
	uv_run(&srv->loop, UV_RUN_DEFAULT);
	bool busy = rest_pool_busy(srv->quick) || rest_pool_busy(srv->streams);
	if (busy) {
		/* Handlers still inside the engine would outlive it: leave now. */
		sv_warn("handlers still busy after %d ms; exiting", STOP_GRACE_MS);
		_exit(0);
	}
	server_free(srv);
	return 0;
}
