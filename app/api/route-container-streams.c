/*
 * Container streams: attach (hijacked), wait (head at once, body at the
 * exit), logs (multiplexed frames, or raw with a TTY), stats (a line a
 * second, or one object).
 *
 * Every wait here can be abandoned: threads sleep in poll() on their own
 * stream socket too, so a client that leaves frees its thread at once
 * (docker run -d leaves its wait?condition=next-exit behind).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"

/* Config.Tty and State of a container, with 404 answered. */
struct ctr_facts {
	char id[SV_CONTAINER_ID_LEN + 1];
	bool tty, running, paused, open_stdin;
	int exit_code;
	char log_path[512];
};

static bool facts(struct rest_req *r, const char *name, struct ctr_facts *f, sv_err **err)
{
	SV_AUTOJSON cJSON *j = sv_engine_container_inspect(r->engine, name, false, err);
	if (!j)
		return false;
	snprintf(f->id, sizeof f->id, "%s", sv_json_str(j, "Id") ? sv_json_str(j, "Id") : "");
	cJSON *cfg = sv_json_obj(j, "Config"), *st = sv_json_obj(j, "State");
	f->tty = sv_json_bool(cfg, "Tty", false);
	f->open_stdin = sv_json_bool(cfg, "OpenStdin", false);
	f->running = sv_json_bool(st, "Running", false);
	f->paused = sv_json_bool(st, "Paused", false);
	f->exit_code = (int)sv_json_i64(st, "ExitCode", 0);
	const char *lp = sv_json_str(j, "LogPath");
	snprintf(f->log_path, sizeof f->log_path, "%s", lp ? lp : "");
	return true;
}

/* ---------------------------------------------------------------- attach */

struct attach_wait {
	struct rest_req *r;
	const char *id;
};

/* While registered for a start that has not come: started elsewhere? */
static bool started_elsewhere(void *arg)
{
	struct attach_wait *w = arg;
	if (rest_attach_taken(w->id))
		return false;
	struct ctr_facts f;
	SV_AUTOERR sv_err *err = NULL;
	return facts(w->r, w->id, &f, &err) && f.running;
}

static void container_attach(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	struct ctr_facts f;
	if (!facts(r, r->params[0], &f, &err)) {
		rest_reply_err(r, err);
		return;
	}
	if (f.paused) {
		rest_reply_error(r, 409, "You cannot attach to a paused container, unpause it first");
		return;
	}
	unsigned streams = (rest_qbool(r, "stdin", false) ? SV_ATTACH_STDIN : 0) |
			   (rest_qbool(r, "stdout", false) ? SV_ATTACH_STDOUT : 0) |
			   (rest_qbool(r, "stderr", false) ? SV_ATTACH_STDERR : 0);
	int client = rest_stream_open(r, 200, f.tty ? "application/vnd.docker.raw-stream"
						   : "application/vnd.docker.multiplexed-stream",
				      REST_STREAM_HIJACK);
	if (client < 0)
		return;
	struct rest_attach_pump p = { .client = client, .tty = f.tty, .stdin_ = streams & SV_ATTACH_STDIN };
	int code, rc = 1;
	if (!f.running && rest_attach_register(f.id, streams, &p.conn) == 0) {
		/* Before start: the start handler gives our socket to the engine. */
		struct attach_wait w = { r, f.id };
		p.idle_check = started_elsewhere;
		p.idle_arg = &w;
		rc = rest_attach_pump(&p, &code);
		rest_attach_unregister(f.id, p.conn);
		close(p.conn);
		p.idle_check = NULL;
	}
	if (rc == 1 && sv_engine_container_attach(r->engine, f.id, streams, &p.conn, &err) == 0) {
		rest_attach_pump(&p, &code);
		close(p.conn);
	}
}

/* ---------------------------------------------------------------- wait */

enum wait_cond { W_NOT_RUNNING, W_NEXT_EXIT, W_REMOVED };

/* Scans new events of container id: a die gives the exit code, a destroy
 * the removal. */
static int scan_events(struct rest_req *r, const char *id, int64_t *seq, int *code, bool *died, bool *gone)
{
	SV_AUTOERR sv_err *err = NULL;
	struct sv_engine_event *v;
	size_t n;
	if (sv_engine_events(r->engine, *seq, 0, 0, 0, &v, &n, &err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		*seq = v[i].seq;
		if (strcmp(v[i].type, "container") || strcmp(v[i].actor, id))
			continue;
		if (!strcmp(v[i].action, "die")) {
			const char *c = sv_json_str(v[i].attrs, "exitCode");
			*code = c ? atoi(c) : *code;
			*died = true;
		} else if (!strcmp(v[i].action, "destroy")) {
			*gone = true;
		}
	}
	sv_engine_events_free(v, n);
	return 0;
}

/* True once the condition holds. Inspecting also reconciles: a container
 * whose shim died is recorded as stopped (and its die event written). */
static bool wait_done(struct rest_req *r, enum wait_cond cond, const char *id, int64_t *seq, int *code)
{
	bool died = false, gone = false;
	struct ctr_facts f;
	SV_AUTOERR sv_err *err = NULL;
	bool exists = facts(r, id, &f, &err);
	if (!exists && sv_err_code(&err) == ENOENT)
		gone = true;
	if (scan_events(r, id, seq, code, &died, &gone) < 0)
		return false;
	switch (cond) {
	case W_NOT_RUNNING:
		if (exists && !f.running)
			*code = f.exit_code;
		return gone || (exists && !f.running) || died;
	case W_NEXT_EXIT:
		return died || gone;
	default:
		return gone;
	}
}

static void container_wait(struct rest_req *r)
{
	const char *c = rest_qs(r, "condition");
	enum wait_cond cond = W_NOT_RUNNING;
	if (c && !strcmp(c, "next-exit"))
		cond = W_NEXT_EXIT;
	else if (c && !strcmp(c, "removed"))
		cond = W_REMOVED;
	else if (c && *c && strcmp(c, "not-running")) {
		rest_reply_error(r, 400, "invalid condition: \"%s\"", c);
		return;
	}
	SV_AUTOERR sv_err *err = NULL;
	struct ctr_facts f;
	int64_t seq = sv_engine_events_last(r->engine, &err);
	if (seq < 0 || !facts(r, r->params[0], &f, &err)) {
		rest_reply_err(r, err);
		return;
	}
	sv_engine_watch *w;
	if (sv_engine_watch_new(r->engine, &w, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	/* The head goes out now: the CLI waits for it before it starts. */
	if (rest_stream_open(r, 200, "application/json", REST_STREAM_CHUNKED) >= 0) {
		int code = f.exit_code, woke = 1;
		while (!wait_done(r, cond, f.id, &seq, &code)) {
			woke = sv_engine_watch_wait(w, r->fd, 1000, &err);
			if (woke < 0 || woke == 2)
				break; /* the client left */
		}
		if (woke != 2 && woke >= 0) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "StatusCode", code);
			cJSON_AddNullToObject(o, "Error");
			rest_stream_json(r, o);
			cJSON_Delete(o);
		}
	}
	sv_engine_watch_free(w);
}

static bool client_left(struct rest_req *r, int ms);

/* ---------------------------------------------------------------- logs */

struct logs_ctx {
	struct rest_req *r;
	bool tty, timestamps;
	struct sv_buf b;
};

static int log_entry(int stream, int64_t time_ns, const char *data, size_t len, void *arg)
{
	struct logs_ctx *c = arg;
	sv_buf_reset(&c->b);
	size_t payload = len;
	char ts[48] = "";
	if (c->timestamps) {
		sv_time_rfc3339(time_ns, ts, sizeof ts);
		payload += strlen(ts) + 1;
	}
	if (!c->tty) {
		unsigned char h[8] = { (unsigned char)(stream == 2 ? 2 : 1), 0, 0, 0, (unsigned char)(payload >> 24),
				       (unsigned char)(payload >> 16), (unsigned char)(payload >> 8),
				       (unsigned char)payload };
		sv_buf_add(&c->b, h, sizeof h);
	}
	if (c->timestamps) {
		sv_buf_adds(&c->b, ts);
		sv_buf_addc(&c->b, ' ');
	}
	sv_buf_add(&c->b, data, len);
	return rest_stream_write(c->r, c->b.data, c->b.len);
}

static int log_time(struct rest_req *r, const char *key, int64_t *out, sv_err **err)
{
	const char *v = rest_qs(r, key);
	*out = 0;
	if (!v || !*v || !strcmp(v, "0"))
		return 0;
	return sv_time_parse(v, sv_time_now_ns(), out, err) < 0 ? sv_err_prefix(err, "%s", key) : 0;
}

/* Workaround (see /work/notes/api-needs.md): the shim creates the log file
 * a moment after start returns, and the engine's follow gives up when the
 * file is missing. Wait for it (at most 2 s) while the container runs. */
static void await_log_file(struct rest_req *r, const struct ctr_facts *f)
{
	for (int i = 0; i < 100 && f->running && *f->log_path && access(f->log_path, F_OK) < 0; i++)
		if (client_left(r, 20))
			return;
}

static void container_logs(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	struct sv_log_opts o = { .follow = rest_qbool(r, "follow", false),
				 .stdout_ = rest_qbool(r, "stdout", false),
				 .stderr_ = rest_qbool(r, "stderr", false),
				 .tail = -1,
				 .hangup_fd = &r->fd };
	if (!o.stdout_ && !o.stderr_) {
		rest_reply_error(r, 400, "Bad parameters: you must choose at least one stream");
		return;
	}
	const char *tail = rest_qs(r, "tail");
	if (tail && *tail && strcmp(tail, "all") && !sv_str_to_i64(tail, 0, INT64_MAX, &o.tail)) {
		rest_reply_error(r, 400, "invalid value for tail: '%s'", tail);
		return;
	}
	struct ctr_facts f;
	if (log_time(r, "since", &o.since_ns, &err) < 0 || log_time(r, "until", &o.until_ns, &err) < 0 ||
	    !facts(r, r->params[0], &f, &err)) {
		rest_reply_err(r, err);
		return;
	}
	if (o.follow)
		await_log_file(r, &f);
	struct logs_ctx c = { .r = r, .tty = f.tty, .timestamps = rest_qbool(r, "timestamps", false) };
	sv_buf_init(&c.b);
	if (rest_stream_open(r, 200, f.tty ? "application/vnd.docker.raw-stream"
					 : "application/vnd.docker.multiplexed-stream",
			     REST_STREAM_CHUNKED) >= 0 &&
	    sv_engine_container_logs(r->engine, f.id, &o, log_entry, &c, &err) < 0 && err)
		sv_debug("logs %s: %s", f.id, err->msg);
	sv_buf_release(&c.b);
}

/* ---------------------------------------------------------------- stats */

static int sample(struct rest_req *r, const char *id, struct sv_container_stats **s, sv_err **err)
{
	char *names[] = { (char *)(uintptr_t)id, NULL };
	size_t n;
	if (sv_engine_container_stats(r->engine, names, s, &n, err) < 0)
		return -1;
	if (n == 1)
		return 0;
	sv_container_stats_free(*s, n);
	return sv_err_setx(err, ENOENT, "No such container: %s", id);
}

/* Sleeps ms, or less when the client leaves (true). */
static bool client_left(struct rest_req *r, int ms)
{
	if (r->fd < 0) {
		poll(NULL, 0, ms);
		return false;
	}
	struct pollfd p = { .fd = r->fd, .events = POLLIN | POLLRDHUP };
	return poll(&p, 1, ms) > 0;
}

static void container_stats(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	char id[SV_CONTAINER_ID_LEN + 1];
	if (sv_engine_container_resolve(r->engine, r->params[0], id, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	bool stream = rest_qbool(r, "stream", true), one_shot = rest_qbool(r, "one-shot", false);
	struct sv_container_stats *s, *prev = NULL;
	if (sample(r, id, &prev, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	if (!stream) {
		/* CPU percentages need a previous sample a moment before. */
		if (!one_shot)
			client_left(r, 1000);
		if (one_shot || sample(r, id, &s, &err) < 0) {
			rest_reply_json(r, 200, sv_container_stats_json(prev, NULL));
		} else {
			rest_reply_json(r, 200, sv_container_stats_json(s, &prev->now));
			sv_container_stats_free(s, 1);
		}
		sv_container_stats_free(prev, 1);
		return;
	}
	if (rest_stream_open(r, 200, "application/json", REST_STREAM_CHUNKED) >= 0) {
		cJSON *j = sv_container_stats_json(prev, NULL);
		int rc = rest_stream_json(r, j);
		cJSON_Delete(j);
		while (rc == 0 && !client_left(r, 1000) && sample(r, id, &s, &err) == 0) {
			j = sv_container_stats_json(s, &prev->now);
			rc = rest_stream_json(r, j);
			cJSON_Delete(j);
			sv_container_stats_free(prev, 1);
			prev = s;
		}
	}
	sv_container_stats_free(prev, 1);
}

#define CTR "/containers/{id}"

const struct rest_route rest_routes_container_streams[] = {
	{ "POST", CTR "/attach", container_attach, REST_ROUTE_STREAM,
	  "Attach to a container (hijacked: 101 UPGRADED, then raw both ways)",
	  "stream:boolean stdin:boolean stdout:boolean stderr:boolean",
	  "101 200 400 404 409 500" },
	{ "POST", CTR "/wait", container_wait, REST_ROUTE_STREAM, "Wait for a container (head at once, body at the exit)",
	  "condition:string", "200 400 404 500" },
	{ "GET", CTR "/logs", container_logs, REST_ROUTE_STREAM, "Logs of a container",
	  "follow:boolean stdout:boolean stderr:boolean since:string until:string timestamps:boolean tail:string",
	  "200 400 404 500" },
	{ "GET", CTR "/stats", container_stats, REST_ROUTE_STREAM, "Resource usage of a container",
	  "stream:boolean one-shot:boolean", "200 404 500" },
	{ 0 },
};
