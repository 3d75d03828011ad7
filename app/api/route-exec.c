/*
 * Exec routes: Docker's two-step exec (create an instance, then start it,
 * usually hijacked), resize and inspect.
 *
 * The engine runs an exec in one call (sv_engine_exec); Docker's instance
 * between create and start lives here, in a bounded table of this server
 * (the oldest instances are forgotten past EXEC_KEEP). Once started, the
 * instance maps to the engine's exec id, and inspect is the engine's.
 * While a hijacked exec runs, its attach connection is kept here too, so
 * that /exec/{id}/resize can send a RESIZE frame on it.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"

#define EXEC_KEEP 1024

struct exec_inst {
	char id[SV_CONTAINER_ID_LEN + 1];
	char container[SV_CONTAINER_ID_LEN + 1];
	char engine_id[SV_CONTAINER_ID_LEN + 1]; /* "" until started */
	cJSON *config;				 /* the create body */
	bool started;
	int failed_code;			 /* 126/127 when it could not start */
	int conn;				 /* the attach connection while it runs */
	pthread_mutex_t conn_mu;
	int refs;				 /* under execs_mu */
	struct exec_inst *next;
};

static pthread_mutex_t execs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct exec_inst *execs;
static size_t nexecs;

static void inst_unref_locked(struct exec_inst *x)
{
	if (--x->refs > 0)
		return;
	cJSON_Delete(x->config);
	pthread_mutex_destroy(&x->conn_mu);
	free(x);
}

static void inst_unref(struct exec_inst *x)
{
	pthread_mutex_lock(&execs_mu);
	inst_unref_locked(x);
	pthread_mutex_unlock(&execs_mu);
}

static struct exec_inst *inst_find(const char *id)
{
	pthread_mutex_lock(&execs_mu);
	struct exec_inst *x = execs;
	for (; x; x = x->next)
		if (!strcmp(x->id, id))
			break;
	if (x)
		x->refs++;
	pthread_mutex_unlock(&execs_mu);
	return x;
}

static void inst_add(struct exec_inst *x)
{
	pthread_mutex_lock(&execs_mu);
	x->refs = 1; /* the table's */
	x->next = execs;
	execs = x;
	if (++nexecs > EXEC_KEEP) {
		/* Forget the oldest (the list's tail). */
		struct exec_inst **pp = &execs;
		while ((*pp)->next)
			pp = &(*pp)->next;
		struct exec_inst *old = *pp;
		*pp = NULL;
		nexecs--;
		inst_unref_locked(old);
	}
	pthread_mutex_unlock(&execs_mu);
}

/* ---------------------------------------------------------------- create */

static int check_body(const cJSON *b, sv_err **err)
{
	const cJSON *cmd = sv_json_arr(b, "Cmd");
	if (!cmd || !cJSON_GetArraySize(cmd))
		return sv_err_setx(err, EINVAL, "No exec command specified");
	static const char *const strvs[] = { "Cmd", "Env" };
	for (size_t i = 0; i < 2; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, strvs[i]);
		const cJSON *it;
		if (v && !cJSON_IsNull(v) && !cJSON_IsArray(v))
			return sv_err_setx(err, EINVAL, "%s: want an array of strings", strvs[i]);
		cJSON_ArrayForEach(it, v)
		if (!cJSON_IsString(it))
			return sv_err_setx(err, EINVAL, "%s: want an array of strings", strvs[i]);
	}
	static const char *const strs[] = { "User", "WorkingDir", "DetachKeys" };
	for (size_t i = 0; i < 3; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, strs[i]);
		if (v && !cJSON_IsNull(v) && !cJSON_IsString(v))
			return sv_err_setx(err, EINVAL, "%s: want a string", strs[i]);
	}
	static const char *const bools[] = { "Tty", "Privileged", "AttachStdin", "AttachStdout", "AttachStderr" };
	for (size_t i = 0; i < 5; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, bools[i]);
		if (v && !cJSON_IsNull(v) && !cJSON_IsBool(v))
			return sv_err_setx(err, EINVAL, "%s: want a boolean", bools[i]);
	}
	return 0;
}

static void exec_create(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *b = rest_body_json(r, true, &err);
	if (!b || !cJSON_IsObject(b) || check_body(b, &err) < 0) {
		rest_reply_error(r, 400, "%s", err ? err->msg : "request body: want a JSON object");
		return;
	}
	SV_AUTOJSON cJSON *c = sv_engine_container_inspect(r->engine, r->params[0], false, &err);
	if (!c) {
		rest_reply_err(r, err);
		return;
	}
	const cJSON *st = sv_json_obj(c, "State");
	if (!sv_json_bool(st, "Running", false) || sv_json_bool(st, "Paused", false)) {
		rest_reply_error(r, 409, "Container %s is %s", sv_json_str(c, "Id"),
				 sv_json_bool(st, "Paused", false) ? "paused, unpause the container before exec"
								  : "not running");
		return;
	}
	struct exec_inst *x = sv_xcalloc(1, sizeof *x);
	sv_random_hex(x->id, SV_CONTAINER_ID_LEN);
	snprintf(x->container, sizeof x->container, "%s", sv_json_str(c, "Id"));
	x->config = sv_steal_ptr(&b);
	x->conn = -1;
	pthread_mutex_init(&x->conn_mu, NULL);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", x->id);
	inst_add(x);
	rest_reply_json(r, 201, o);
}

/* ---------------------------------------------------------------- start */

static bool claim(struct exec_inst *x)
{
	pthread_mutex_lock(&execs_mu);
	bool ok = !x->started;
	x->started = true;
	pthread_mutex_unlock(&execs_mu);
	return ok;
}

/* Runs it in the engine and records the engine's id for inspect. */
static int exec_run(struct rest_req *r, struct exec_inst *x, const struct sv_exec_opts *o, sv_err **err)
{
	char eid[SV_CONTAINER_ID_LEN + 1];
	if (sv_engine_exec(r->engine, x->container, o, eid, err) < 0)
		return -1;
	pthread_mutex_lock(&execs_mu);
	memcpy(x->engine_id, eid, sizeof eid);
	pthread_mutex_unlock(&execs_mu);
	return 0;
}

/* Docker's order: the 101 goes out first, then the process starts, so its
 * first bytes never travel with the head (docker-py would lose them). A
 * start that fails after the 101 is told in the stream, as Docker does,
 * and its exit code (126/127) kept for inspect. */
static void run_attached(struct rest_req *r, struct exec_inst *x, struct sv_exec_opts *o)
{
	SV_AUTOERR sv_err *err = NULL;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rest_reply_error(r, 500, "socketpair: %s", strerror(errno));
		return;
	}
	int client = rest_stream_open(r, 200, o->tty ? "application/vnd.docker.raw-stream"
						    : "application/vnd.docker.multiplexed-stream",
				      REST_STREAM_HIJACK);
	o->attach_fd = sv[0];
	int rc = client < 0 ? -1 : exec_run(r, x, o, &err);
	close(sv[0]);
	if (rc < 0) {
		close(sv[1]);
		if (client >= 0 && err) {
			pthread_mutex_lock(&execs_mu);
			x->failed_code = err->code == ENOENT ? 127 : 126;
			pthread_mutex_unlock(&execs_mu);
			/* As a stdout frame unless raw (TTY), as Docker writes it. */
			SV_AUTOFREE char *msg = sv_xasprintf("%s\r\n", err->msg);
			size_t n = strlen(msg);
			unsigned char h[8] = { 1, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
					       (unsigned char)(n >> 8), (unsigned char)n };
			if (o->tty || rest_stream_write(r, h, sizeof h) == 0)
				rest_stream_write(r, msg, n);
		}
		return;
	}
	pthread_mutex_lock(&x->conn_mu);
	x->conn = sv[1];
	pthread_mutex_unlock(&x->conn_mu);
	struct rest_attach_pump p = { .conn = sv[1], .client = client, .tty = o->tty,
				      .stdin_ = o->attach_streams & SV_ATTACH_STDIN, .conn_mu = &x->conn_mu };
	int code;
	rest_attach_pump(&p, &code);
	pthread_mutex_lock(&x->conn_mu);
	x->conn = -1;
	close(sv[1]);
	pthread_mutex_unlock(&x->conn_mu);
}

static void exec_start(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *b = rest_body_json(r, false, &err);
	if (err) {
		rest_reply_err(r, err);
		return;
	}
	struct exec_inst *x = inst_find(r->params[0]);
	if (!x) {
		rest_reply_error(r, 404, "No such exec instance: %s", r->params[0]);
		return;
	}
	if (!claim(x)) {
		inst_unref(x);
		rest_reply_error(r, 409, "Exec %s has already run", r->params[0]);
		return;
	}
	const cJSON *c = x->config;
	SV_AUTOSTRV char **cmd = NULL;
	SV_AUTOSTRV char **env = NULL;
	(void)sv_json_strv(sv_json_arr(c, "Cmd"), &cmd, NULL);
	(void)sv_json_strv(sv_json_arr(c, "Env"), &env, NULL);
	bool detach = sv_json_bool(b, "Detach", false);
	struct sv_exec_opts o = {
		.cmd = cmd,
		.env = env,
		.user = sv_json_str(c, "User"),
		.workdir = sv_json_str(c, "WorkingDir"),
		.tty = sv_json_bool(b, "Tty", sv_json_bool(c, "Tty", false)),
		.privileged = sv_json_bool(c, "Privileged", false),
		.detach = detach,
		.attach_fd = -1,
		.attach_streams = (sv_json_bool(c, "AttachStdin", false) ? SV_ATTACH_STDIN : 0) |
				  (sv_json_bool(c, "AttachStdout", false) ? SV_ATTACH_STDOUT : 0) |
				  (sv_json_bool(c, "AttachStderr", false) ? SV_ATTACH_STDERR : 0),
	};
	if (o.user && !*o.user)
		o.user = NULL;
	if (o.workdir && !*o.workdir)
		o.workdir = NULL;
	if (detach) {
		int rc = exec_run(r, x, &o, &err);
		if (rc < 0 && (err->code == ENOENT || err->code == EACCES))
			err->code = EINVAL;
		if (rc == 0)
			rest_reply_status(r, 200);
		else
			rest_reply_err(r, err);
	} else {
		run_attached(r, x, &o);
	}
	inst_unref(x);
}

/* ---------------------------------------------------------------- resize, inspect */

static void exec_resize(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	unsigned rows, cols;
	if (rest_tty_size(r, &rows, &cols, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	struct exec_inst *x = inst_find(r->params[0]);
	if (!x) {
		rest_reply_error(r, 404, "No such exec instance: %s", r->params[0]);
		return;
	}
	char size[32];
	snprintf(size, sizeof size, "%u %u", rows, cols);
	pthread_mutex_lock(&x->conn_mu);
	int rc = x->conn >= 0 ? sv_frame_write(x->conn, SV_FRAME_RESIZE, size, strlen(size), &err) : 0;
	pthread_mutex_unlock(&x->conn_mu);
	inst_unref(x);
	if (rc == 0)
		rest_reply_status(r, 200);
	else
		rest_reply_err(r, err);
}

/* An instance not started yet, as Docker shows it. */
static cJSON *pending_json(const struct exec_inst *x)
{
	const cJSON *c = x->config;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ID", x->id);
	cJSON_AddBoolToObject(o, "Running", false);
	if (x->failed_code)
		cJSON_AddNumberToObject(o, "ExitCode", x->failed_code);
	else
		cJSON_AddNullToObject(o, "ExitCode");
	cJSON *pc = cJSON_AddObjectToObject(o, "ProcessConfig");
	cJSON_AddBoolToObject(pc, "tty", sv_json_bool(c, "Tty", false));
	const cJSON *cmd = sv_json_arr(c, "Cmd");
	cJSON_AddStringToObject(pc, "entrypoint", cJSON_GetStringValue(cJSON_GetArrayItem(cmd, 0)));
	cJSON *args = cJSON_AddArrayToObject(pc, "arguments");
	for (int i = 1; i < cJSON_GetArraySize(cmd); i++)
		cJSON_AddItemToArray(args, cJSON_Duplicate(cJSON_GetArrayItem(cmd, i), true));
	cJSON_AddBoolToObject(pc, "privileged", sv_json_bool(c, "Privileged", false));
	cJSON_AddStringToObject(pc, "user", sv_json_str(c, "User") ? sv_json_str(c, "User") : "");
	cJSON_AddBoolToObject(o, "OpenStdin", sv_json_bool(c, "AttachStdin", false));
	cJSON_AddBoolToObject(o, "OpenStderr", sv_json_bool(c, "AttachStderr", false));
	cJSON_AddBoolToObject(o, "OpenStdout", sv_json_bool(c, "AttachStdout", false));
	cJSON_AddStringToObject(o, "ContainerID", x->container);
	cJSON_AddNumberToObject(o, "Pid", 0);
	return o;
}

static void exec_inspect(struct rest_req *r)
{
	struct exec_inst *x = inst_find(r->params[0]);
	if (!x) {
		rest_reply_error(r, 404, "No such exec instance: %s", r->params[0]);
		return;
	}
	SV_AUTOERR sv_err *err = NULL;
	char engine_id[SV_CONTAINER_ID_LEN + 1];
	pthread_mutex_lock(&execs_mu);
	snprintf(engine_id, sizeof engine_id, "%s", x->engine_id);
	pthread_mutex_unlock(&execs_mu);
	cJSON *o = *engine_id ? sv_engine_exec_inspect(r->engine, engine_id, &err) : pending_json(x);
	if (o) {
		cJSON_ReplaceItemInObjectCaseSensitive(o, "ID", cJSON_CreateString(x->id));
		rest_reply_json(r, 200, o);
	} else {
		rest_reply_err(r, err);
	}
	inst_unref(x);
}

const struct rest_route rest_routes_exec[] = {
	{ "POST", "/containers/{id}/exec", exec_create, REST_ROUTE_JSON_BODY, "Create an exec instance", NULL,
	  "201 400 404 409 500" },
	{ "POST", "/exec/{id}/start", exec_start, REST_ROUTE_STREAM | REST_ROUTE_JSON_BODY,
	  "Start an exec instance (hijacked unless Detach)", NULL, "101 200 400 404 409 500" },
	{ "POST", "/exec/{id}/resize", exec_resize, 0, "Resize an exec instance's TTY", "h:integer w:integer",
	  "200 400 404 500" },
	{ "GET", "/exec/{id}/json", exec_inspect, 0, "Inspect an exec instance", NULL, "200 404 500" },
	{ 0 },
};
