/*
 * What handlers call: jobs (a request on its way through a worker),
 * replies, streams, and the request helpers with Docker's semantics
 * (booleans, integers, both encodings of `filters`, JSON bodies).
 *
 * A handler's thread writes the answer into its job, then posts a message;
 * the loop reads the answer only after taking that message under the same
 * mutex, so no field needs its own lock.
 */
#include "api-internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------------------- jobs */

struct rest_job *rest_job_new(struct rest_server *srv, struct rest_conn *conn)
{
	struct rest_job *j = sv_xcalloc(1, sizeof *j);
	atomic_init(&j->refs, 1);
	atomic_init(&j->gone, false);
	j->srv = srv;
	j->conn = conn;
	j->status = 200;
	j->worker_fd = -1;
	j->loop_fd = -1;
	j->req.fd = -1;
	j->req.job = j;
	j->req.method = "";
	sv_buf_init(&j->body);
	sv_buf_init(&j->headers);
	sv_buf_init(&j->out);
	return j;
}

void rest_job_ref(struct rest_job *j)
{
	atomic_fetch_add(&j->refs, 1);
}

void rest_job_unref(struct rest_job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) != 1)
		return;
	if (j->worker_fd >= 0)
		close(j->worker_fd);
	if (j->loop_fd >= 0)
		close(j->loop_fd);
	for (int i = 0; i < REST_MAX_PARAMS; i++)
		free(j->req.params[i]);
	rest_query_release(&j->req.query);
	sv_buf_release(&j->body);
	sv_buf_release(&j->headers);
	sv_buf_release(&j->out);
	free(j->ctype);
	free(j->path);
	free(j);
}

void rest_job_run(void *arg)
{
	struct rest_job *j = arg;
	if (!atomic_load(&j->gone))
		j->req.route->handler(&j->req);
	if (j->worker_fd >= 0) {
		close(j->worker_fd);
		j->worker_fd = -1;
		j->req.fd = -1;
	}
	if (!j->replied && !j->streaming)
		rest_reply_error(&j->req, 500, "no response");
	rest_job_post(j, REST_MSG_DONE);
	rest_job_unref(j);
}

/* ---------------------------------------------------------------- replies */

static bool claim(struct rest_req *r)
{
	struct rest_job *j = r->job;
	if (j->replied || j->streaming)
		return false;
	j->replied = true;
	return true;
}

void rest_reply_header(struct rest_req *r, const char *name, const char *value)
{
	struct rest_job *j = r->job;
	if (j->replied || j->streaming)
		return;
	/* Header injection: values come from the engine, but be sure. */
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return;
	sv_buf_addf(&j->headers, "%s: %s\r\n", name, value);
}

void rest_reply_data(struct rest_req *r, int status, const char *ctype, const void *data, size_t len)
{
	if (!claim(r))
		return;
	struct rest_job *j = r->job;
	j->status = status;
	free(j->ctype);
	j->ctype = ctype ? sv_xstrdup(ctype) : NULL;
	sv_buf_add(&j->out, data, len);
}

/* Docker's encoder ends every JSON answer with a newline. */
static void reply_json_done(struct rest_req *r, int status)
{
	struct rest_job *j = r->job;
	sv_buf_addc(&j->out, '\n');
	claim(r);
	j->status = status;
	free(j->ctype);
	j->ctype = sv_xstrdup("application/json");
}

void rest_reply_json(struct rest_req *r, int status, cJSON *body)
{
	struct rest_job *j = r->job;
	if (j->replied || j->streaming) {
		cJSON_Delete(body);
		return;
	}
	size_t at = j->out.len;
	bool ok = body && rest_json_add_value(&j->out, body);
	cJSON_Delete(body);
	if (!ok) {
		sv_buf_truncate(&j->out, at);
		rest_reply_error(r, 500, "cannot encode the answer");
		return;
	}
	reply_json_done(r, status);
}

void rest_reply_json_text(struct rest_req *r, int status, struct sv_buf *body)
{
	struct rest_job *j = r->job;
	if (!j->replied && !j->streaming) {
		if (j->out.len) {
			sv_buf_add(&j->out, body->data, body->len);
		} else { /* the usual case: the body becomes the answer as it is */
			struct sv_buf empty = j->out;
			j->out = *body;
			*body = empty;
		}
		reply_json_done(r, status);
	}
	sv_buf_release(body);
}

void rest_reply_status(struct rest_req *r, int status)
{
	rest_reply_data(r, status, NULL, NULL, 0);
}

char *rest_error_body(const char *msg, size_t *len)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "message", msg ? msg : "error");
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	size_t n = strlen(s);
	s = sv_xrealloc(s, n + 2);
	s[n] = '\n';
	s[n + 1] = '\0';
	*len = n + 1;
	return s;
}

void rest_reply_error(struct rest_req *r, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	SV_AUTOFREE char *msg = sv_xvasprintf(fmt, ap);
	va_end(ap);
	size_t len;
	SV_AUTOFREE char *body = rest_error_body(msg, &len);
	rest_reply_data(r, status, "application/json", body, len);
}

int rest_status_for(int code)
{
	static const struct {
		int code, status;
	} map[] = {
		{ ENOENT, 404 },  { EEXIST, 409 },  { EBUSY, 409 },   { EALREADY, 304 }, { EINVAL, 400 },
		{ EBADMSG, 400 }, { EACCES, 403 },  { EPERM, 403 },   { E2BIG, 413 },	 { ENOTSUP, 501 },
		{ ENOSYS, 501 },  { ETIMEDOUT, 504 }, { ECANCELED, 499 }, { ENAMETOOLONG, 400 },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].code == code)
			return map[i].status;
	return 500;
}

void rest_reply_err(struct rest_req *r, const sv_err *err)
{
	int status = rest_status_for(err ? err->code : 0);
	rest_reply_error(r, status, "%s", err && err->msg ? err->msg : "unknown error");
}

void rest_reply_result(struct rest_req *r, int status, cJSON *body, sv_err *const *err)
{
	if (body)
		rest_reply_json(r, status, body);
	else
		rest_reply_err(r, *err);
}

const char *rest_status_text(int status)
{
	static const struct {
		int status;
		const char *text;
	} t[] = {
		{ 100, "Continue" },
		{ 101, "Switching Protocols" },
		{ 200, "OK" },
		{ 201, "Created" },
		{ 204, "No Content" },
		{ 304, "Not Modified" },
		{ 400, "Bad Request" },
		{ 401, "Unauthorized" },
		{ 403, "Forbidden" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 408, "Request Timeout" },
		{ 409, "Conflict" },
		{ 413, "Request Entity Too Large" },
		{ 414, "Request-URI Too Long" },
		{ 417, "Expectation Failed" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 499, "Client Closed Request" },
		{ 500, "Internal Server Error" },
		{ 501, "Not Implemented" },
		{ 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].status == status)
			return t[i].text;
	return "Unknown";
}

/* ---------------------------------------------------------------- streams */

int rest_stream_open(struct rest_req *r, int status, const char *ctype, enum rest_stream_kind kind)
{
	struct rest_job *j = r->job;
	if (j->replied || j->streaming || (j->req.route->flags & REST_ROUTE_INLINE))
		return -1;
	if (j->worker_fd < 0) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -1;
		j->loop_fd = sv[0];
		j->worker_fd = sv[1];
		r->fd = sv[1];
	}
	j->streaming = true;
	j->status = status;
	j->kind = kind;
	free(j->ctype);
	j->ctype = ctype ? sv_xstrdup(ctype) : NULL;
	rest_job_post(j, REST_MSG_HEAD);
	return j->worker_fd;
}

int rest_stream_write(struct rest_req *r, const void *data, size_t len)
{
	/* EPIPE, not SIGPIPE, when the client left: rest_serve ignores it. */
	return r->fd < 0 ? -1 : sv_write_all(r->fd, data, len);
}

int rest_stream_json(struct rest_req *r, const cJSON *j)
{
	SV_AUTOFREE char *s = cJSON_PrintUnformatted(j);
	if (!s)
		return -1;
	size_t n = strlen(s);
	s = sv_xrealloc(s, n + 3);
	memcpy(s + n, "\r\n", 3);
	return rest_stream_write(r, s, n + 2);
}

bool rest_stream_gone(struct rest_req *r)
{
	if (atomic_load(&r->job->gone))
		return true;
	if (r->fd < 0)
		return false;
	struct pollfd p = { .fd = r->fd, .events = POLLOUT };
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

/* ---------------------------------------------------------------- requests */

char *rest_base64(const void *data, size_t len)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char *out = sv_xmalloc(4 * ((len + 2) / 3) + 1), *o = out;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);
		*o++ = tbl[v >> 18 & 63];
		*o++ = tbl[v >> 12 & 63];
		*o++ = i + 1 < len ? tbl[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? tbl[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

const char *rest_qs(const struct rest_req *r, const char *key)
{
	return rest_query_get(&r->query, key);
}

bool rest_qbool(const struct rest_req *r, const char *key, bool def)
{
	const char *v = rest_qs(r, key);
	if (!v)
		return def;
	while (*v == ' ')
		v++;
	static const char *const no[] = { "", "0", "no", "false", "none" };
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (strcasecmp(v, no[i]) == 0)
			return false;
	return true;
}

int rest_qint(const struct rest_req *r, const char *key, int64_t min, int64_t max, int64_t def, int64_t *out,
	      sv_err **err)
{
	const char *v = rest_qs(r, key);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	if (!sv_str_to_i64(v, min, max, out))
		return sv_err_setx(err, EINVAL, "invalid value for %s: '%s'", key, v);
	return 0;
}

/* {"k":{"v":true}} or {"k":["v"]} → "k=v"... */
static int filters_from_json(const cJSON *root, char ***out, sv_err **err)
{
	if (!cJSON_IsObject(root))
		return sv_err_setx(err, EINVAL, "invalid filter: want a JSON object");
	char **v = NULL;
	const cJSON *key;
	cJSON_ArrayForEach(key, root)
	{
		const cJSON *val;
		if (!cJSON_IsObject(key) && !cJSON_IsArray(key)) {
			sv_strv_free(v);
			return sv_err_setx(err, EINVAL, "invalid filter '%s': want a list or a map", key->string);
		}
		cJSON_ArrayForEach(val, key)
		{
			const char *s = cJSON_IsObject(key) ? val->string : cJSON_GetStringValue(val);
			if (!s || (cJSON_IsObject(key) && !cJSON_IsTrue(val) && !cJSON_IsBool(val))) {
				sv_strv_free(v);
				return sv_err_setx(err, EINVAL, "invalid filter '%s'", key->string);
			}
			if (cJSON_IsObject(key) && cJSON_IsFalse(val))
				continue;
			sv_strv_push_take(&v, sv_xasprintf("%s=%s", key->string, s));
		}
	}
	*out = v;
	return 0;
}

int rest_filters(const struct rest_req *r, char ***out, sv_err **err)
{
	*out = NULL;
	const char *f = rest_qs(r, "filters");
	if (!f || !*f)
		return 0;
	SV_AUTOJSON cJSON *j = sv_json_parse(f, strlen(f), 1 << 16, "filters", err);
	if (!j)
		return sv_err_prefix(err, "invalid filter");
	return filters_from_json(j, out, err);
}

bool rest_filter_bool(char *const *filters, const char *key, bool def, char ***rest)
{
	size_t n = strlen(key);
	bool v = def;
	*rest = NULL;
	for (size_t i = 0; filters && filters[i]; i++) {
		if (!strncmp(filters[i], key, n) && filters[i][n] == '=') {
			const char *x = filters[i] + n + 1;
			v = !strcmp(x, "true") || !strcmp(x, "1");
		} else {
			sv_strv_push(rest, filters[i]);
		}
	}
	return v;
}

int rest_json_types(const cJSON *obj, const char *spec, sv_err **err)
{
	SV_AUTOSTRV char **v = sv_strv_split(spec, ' ', true);
	for (size_t i = 0; v[i]; i++) {
		char *colon = strchr(v[i], ':');
		if (!colon)
			continue;
		*colon = '\0';
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, v[i]);
		if (!it || cJSON_IsNull(it))
			continue;
		char want = colon[1];
		bool ok = (want == 's' && cJSON_IsString(it)) || (want == 'b' && cJSON_IsBool(it)) ||
			  (want == 'n' && cJSON_IsNumber(it)) || (want == 'o' && cJSON_IsObject(it)) ||
			  (want == 'a' && cJSON_IsArray(it));
		if (!ok) {
			static const char *const names[] = { ['s'] = "a string", ['b'] = "a boolean", ['n'] = "a number",
							      ['o'] = "an object", ['a'] = "an array" };
			return sv_err_setx(err, EINVAL, "%s: want %s", v[i],
					   (unsigned char)want < sizeof names / sizeof names[0] && names[(unsigned char)want]
						   ? names[(unsigned char)want]
						   : "another type");
		}
	}
	return 0;
}

int rest_json_pairs(const cJSON *obj, const char *what, char ***out, sv_err **err)
{
	*out = NULL;
	if (!obj || cJSON_IsNull(obj))
		return 0;
	if (!cJSON_IsObject(obj))
		return sv_err_setx(err, EINVAL, "%s: want an object of strings", what);
	const cJSON *it;
	cJSON_ArrayForEach(it, obj)
	{
		if (!cJSON_IsString(it)) {
			sv_strv_free(*out);
			*out = NULL;
			return sv_err_setx(err, EINVAL, "%s.%s: want a string", what, it->string);
		}
		sv_strv_push_take(out, sv_xasprintf("%s=%s", it->string, it->valuestring));
	}
	return 0;
}

cJSON *rest_body_json(const struct rest_req *r, bool required, sv_err **err)
{
	const char *p = r->body;
	size_t n = r->body_len;
	while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++, n--;
	if (!n) {
		if (required)
			sv_err_setx(err, EINVAL, "request body is required");
		return NULL;
	}
	cJSON *j = sv_json_parse(p, n, (size_t)-1, "request body", err);
	if (!j)
		return NULL;
	if (!cJSON_IsObject(j) && !cJSON_IsArray(j)) {
		cJSON_Delete(j);
		sv_err_setx(err, EINVAL, "request body: want a JSON object");
		return NULL;
	}
	return j;
}
