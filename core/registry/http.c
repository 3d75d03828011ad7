/*
 * One HTTP request over libcurl, with everything a registry client needs
 * around it:
 *
 *  - redirects are followed here, not by curl: at most REG_MAX_REDIRECTS,
 *    only to http or https, and the Authorization header goes only to the
 *    scheme, host and port of the endpoint it belongs to (a blob redirect
 *    to a storage host gets none);
 *  - a 401 asks auth.c whether a new token (or Basic credentials) can help,
 *    once per request;
 *  - 5xx, 429 and broken connections are retried with exponential backoff
 *    (Retry-After honoured up to 10 s); a streamed body resumes at the byte
 *    it stopped with a Range request, and a server that ignores Range has
 *    the bytes already seen skipped;
 *  - timeouts: connect, and a transfer that makes no progress (also a
 *    server that accepts and never answers);
 *  - bounds: a buffered answer larger than its cap is refused (E2BIG).
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "registry-internal.h"

struct reg_conn *reg_conn_new(sv_registry *r)
{
	struct reg_conn *c = sv_xcalloc(1, sizeof *c);
	c->r = r;
	c->curl = curl_easy_init();
	if (!c->curl)
		abort(); /* only fails on OOM */
	return c;
}

void reg_conn_free(struct reg_conn *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

void reg_resp_init(struct reg_resp *r)
{
	memset(r, 0, sizeof *r);
	sv_buf_init(&r->body);
	r->content_length = -1;
}

static void resp_clear_headers(struct reg_resp *r)
{
	free(r->content_type);
	free(r->location);
	free(r->digest);
	free(r->www_auth);
	free(r->range);
	free(r->retry_after);
	free(r->link);
	r->content_type = r->location = r->digest = r->www_auth = r->range = r->retry_after = r->link = NULL;
	r->content_length = -1;
}

void reg_resp_release(struct reg_resp *r)
{
	resp_clear_headers(r);
	sv_buf_release(&r->body);
	free(r->url);
	r->url = NULL;
}

/* ---------------------------------------------------------------- transfer */

struct xfer {
	CURL *h;
	const struct reg_req *req;
	struct reg_resp *resp;
	size_t cap;
	bool too_big;
	int64_t want_offset; /* Range start asked for */
	int64_t skip;	     /* bytes to drop (server ignored Range) */
	bool started;	     /* first body byte seen: range checked */
	int64_t *delivered;  /* streamed bytes past req->offset */
	sv_err *sink_err;
	bool range_bad;
	/* request body from a file */
	int64_t body_sent;
};

static bool status_streams(long code)
{
	return code == 200 || code == 206;
}

static size_t header_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue): forget the last one. */
		resp_clear_headers(x->resp);
		return len;
	}
	const char *colon = memchr(buf, ':', len);
	if (!colon)
		return len;
	size_t klen = (size_t)(colon - buf);
	const char *v = colon + 1;
	const char *end = buf + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	static const struct {
		const char *name;
		size_t off;
	} keep[] = {
		{ "content-type", offsetof(struct reg_resp, content_type) },
		{ "location", offsetof(struct reg_resp, location) },
		{ "docker-content-digest", offsetof(struct reg_resp, digest) },
		{ "www-authenticate", offsetof(struct reg_resp, www_auth) },
		{ "content-range", offsetof(struct reg_resp, range) },
		{ "retry-after", offsetof(struct reg_resp, retry_after) },
		{ "link", offsetof(struct reg_resp, link) },
	};
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		if (strlen(keep[i].name) != klen || strncasecmp(buf, keep[i].name, klen) != 0)
			continue;
		char **slot = (char **)(void *)((char *)x->resp + keep[i].off);
		if (!*slot) /* the first one counts (WWW-Authenticate may repeat) */
			*slot = sv_xstrndup(v, (size_t)(end - v));
		return len;
	}
	if (klen == 14 && strncasecmp(buf, "content-length", 14) == 0) {
		SV_AUTOFREE char *s = sv_xstrndup(v, (size_t)(end - v));
		int64_t cl;
		if (sv_str_to_i64(s, 0, INT64_MAX, &cl))
			x->resp->content_length = cl;
	}
	return len;
}

/* "bytes N-M/T": true when it starts at want. */
static bool range_starts_at(const char *range, int64_t want)
{
	if (!range || strncasecmp(range, "bytes ", 6) != 0)
		return false;
	char *end = NULL;
	long long start = strtoll(range + 6, &end, 10);
	return end && *end == '-' && start == want;
}

static int first_body_bytes(struct xfer *x, long code)
{
	x->started = true;
	if (x->want_offset == 0)
		return 0;
	if (code == 200) {
		x->skip = x->want_offset; /* no Range support: drop what we have */
		return 0;
	}
	if (!range_starts_at(x->resp->range, x->want_offset)) {
		x->range_bad = true;
		return -1;
	}
	return 0;
}

static size_t write_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (!x->resp->status)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->resp->status);
	long code = x->resp->status;
	if (x->req->sink && status_streams(code)) {
		if (!x->started && first_body_bytes(x, code) < 0)
			return 0;
		size_t off = 0;
		if (x->skip > 0) {
			off = (size_t)x->skip < len ? (size_t)x->skip : len;
			x->skip -= (int64_t)off;
		}
		if (off < len && x->req->sink(x->req->sink_arg, buf + off, len - off, &x->sink_err) < 0)
			return 0;
		*x->delivered += (int64_t)(len - off);
		return len;
	}
	if (x->resp->body.len + len > x->cap) {
		x->too_big = true;
		return 0;
	}
	sv_buf_add(&x->resp->body, buf, len);
	return len;
}

static size_t read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	const struct reg_req *req = x->req;
	size_t want = size * n;
	if (req->body_fd > 0) {
		int64_t left = req->body_size - x->body_sent;
		if (left <= 0)
			return 0;
		if ((int64_t)want > left)
			want = (size_t)left;
		ssize_t got = pread(req->body_fd, buf, want, (off_t)x->body_sent);
		if (got < 0)
			return CURL_READFUNC_ABORT;
		x->body_sent += got;
		if (req->sent)
			req->sent(req->sent_arg, x->body_sent);
		return (size_t)got;
	}
	size_t left = req->body_len - (size_t)x->body_sent;
	if (want > left)
		want = left;
	memcpy(buf, (const char *)req->body + x->body_sent, want);
	x->body_sent += (int64_t)want;
	return want;
}

static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	const struct xfer *x = arg;
	return reg_req_cancelled(x->req) ? 1 : 0;
}

static void setup_tls(CURL *h, const struct reg_endpoint *ep, bool same_origin)
{
	if (!ep || !same_origin)
		return;
	if (ep->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (ep->ca_blob) {
		struct curl_blob b = { ep->ca_blob, ep->ca_len, CURL_BLOB_NOCOPY };
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
	}
	if (ep->client_cert) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, ep->client_cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, ep->client_key);
	}
}

static void setup_method(CURL *h, const struct reg_req *req, struct xfer *x)
{
	const char *m = req->method ? req->method : "GET";
	bool has_body = req->body || req->body_fd > 0;
	if (!strcmp(m, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (has_body || !strcmp(m, "PUT") || !strcmp(m, "PATCH") || !strcmp(m, "POST")) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(h, CURLOPT_READDATA, x);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)(req->body_fd > 0 ? req->body_size : (int64_t)req->body_len));
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	}
}

struct attempt {
	const char *url;
	const char *auth;   /* Authorization value or NULL */
	int64_t offset;	    /* Range start */
};

/* One request/response exchange; no redirects, no retries. */
static CURLcode perform(struct reg_conn *c, const struct reg_req *req, const struct attempt *a,
			struct reg_resp *resp, struct xfer *x, char *errbuf, bool tls_ep)
{
	CURL *h = c->curl;
	curl_easy_reset(h);
	const struct reg_config *cfg = &c->r->cfg;
	curl_easy_setopt(h, CURLOPT_URL, a->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)cfg->timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)cfg->timeout);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "servin/" SV_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L << 10);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	setup_tls(h, req->ep, tls_ep);
	setup_method(h, req, x);
	struct curl_slist *hdrs = NULL;
	SV_AUTOFREE char *accept = req->accept ? sv_xasprintf("Accept: %s", req->accept) : NULL;
	SV_AUTOFREE char *ctype = req->content_type ? sv_xasprintf("Content-Type: %s", req->content_type) : NULL;
	SV_AUTOFREE char *auth = a->auth ? sv_xasprintf("Authorization: %s", a->auth) : NULL;
	if (accept)
		hdrs = curl_slist_append(hdrs, accept);
	if (ctype)
		hdrs = curl_slist_append(hdrs, ctype);
	if (auth)
		hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	char range[48];
	if (a->offset > 0) {
		snprintf(range, sizeof range, "%lld-", (long long)a->offset);
		curl_easy_setopt(h, CURLOPT_RANGE, range);
	}
	x->h = h;
	x->want_offset = a->offset;
	x->started = false;
	x->skip = 0;
	x->body_sent = 0;
	resp->status = 0;
	sv_buf_reset(&resp->body);
	resp_clear_headers(resp);
	CURLcode rc = curl_easy_perform(h);
	curl_slist_free_all(hdrs);
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	resp->status = code;
	return rc;
}

bool reg_req_cancelled(const struct reg_req *req)
{
	return (req->cancel && *req->cancel) || (req->cancel_also && *req->cancel_also);
}

/* ---------------------------------------------------------------- urls */

char *reg_url_host(const char *url, char **scheme)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *sch = NULL, *out = NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &sch, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		out = port ? sv_xasprintf("%s:%s", host, port) : sv_xstrdup(host);
		if (scheme)
			*scheme = sv_xstrdup(sch);
	}
	curl_free(host);
	curl_free(port);
	curl_free(sch);
	curl_url_cleanup(u);
	return out;
}

/* Does url point at the endpoint itself (scheme, host and port)? */
static bool at_endpoint(const char *url, const struct reg_endpoint *ep, bool check_scheme)
{
	if (!ep)
		return false;
	SV_AUTOFREE char *scheme = NULL;
	SV_AUTOFREE char *host = reg_url_host(url, &scheme);
	if (!host || strcasecmp(host, ep->host) != 0)
		return false;
	return !check_scheme || (ep->scheme && strcmp(scheme, ep->scheme) == 0);
}

/* Resolves a Location against the URL that answered; http(s) only. */
char *reg_resolve_location(const char *base, const char *loc, sv_err **err)
{
	CURLU *u = curl_url();
	char *out = NULL, *scheme = NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, loc, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		sv_err_setx(err, EBADMSG, "redirect to an invalid location '%.200s'", loc);
	} else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
		sv_err_setx(err, EPERM, "redirect to '%.200s' refused: only http and https are followed", loc);
	} else {
		char *s = NULL;
		curl_url_get(u, CURLUPART_URL, &s, 0);
		out = sv_xstrdup(s);
		curl_free(s);
	}
	curl_free(scheme);
	curl_url_cleanup(u);
	return out;
}

/* ---------------------------------------------------------------- errors */

static bool retriable(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static int curl_errno(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT: return ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT: return ETIMEDOUT;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: return ECONNRESET;
	case CURLE_COULDNT_RESOLVE_HOST: return EHOSTUNREACH;
	case CURLE_ABORTED_BY_CALLBACK: return ECANCELED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE: return EPROTO;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL: return EBADMSG;
	default: return EIO;
	}
}

static const char *method_of(const struct reg_req *req)
{
	return req->method ? req->method : "GET";
}

static int transport_err(const struct reg_req *req, const char *url, CURLcode cc, const char *errbuf,
			 sv_err **err)
{
	const char *why = errbuf && *errbuf ? errbuf : curl_easy_strerror(cc);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return sv_err_setx(err, ETIMEDOUT, "%s %s: timed out (%s)", method_of(req), url, why);
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		return sv_err_setx(err, ECANCELED, "%s %s: cancelled", method_of(req), url);
	if (cc == CURLE_SSL_CONNECT_ERROR && strstr(why, "wrong version number"))
		return sv_err_setx(err, EPROTO, "%s %s: %s (the server does not speak TLS: a plain-HTTP registry must be listed in insecure-registries)",
				   method_of(req), url, why);
	return sv_err_setx(err, curl_errno(cc), "%s %s: %s", method_of(req), url, why);
}

char *reg_error_message(const struct reg_resp *resp, char **code)
{
	if (code)
		*code = NULL;
	if (!resp->body.len)
		return NULL;
	SV_AUTOJSON struct cJSON *j = sv_json_parse(resp->body.data, resp->body.len, REG_ERROR_BODY_MAX, "error", NULL);
	const struct cJSON *errs = j ? sv_json_arr(j, "errors") : NULL;
	const struct cJSON *e0 = errs ? cJSON_GetArrayItem(errs, 0) : NULL;
	const char *msg = e0 ? sv_json_str(e0, "message") : NULL;
	if (!msg && j)
		msg = sv_json_str(j, "details") ? sv_json_str(j, "details") : sv_json_str(j, "message");
	if (!msg)
		return NULL;
	if (code && e0 && sv_json_str(e0, "code"))
		*code = sv_xstrdup(sv_json_str(e0, "code"));
	/* Printable ASCII only, bounded: it ends up on a terminal. */
	char *out = sv_xstrndup(msg, 300);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return out;
}

int reg_status_err(const struct reg_req *req, const struct reg_resp *resp, const char *what, sv_err **err)
{
	SV_AUTOFREE char *code = NULL;
	SV_AUTOFREE char *msg = reg_error_message(resp, &code);
	int e = resp->status == 401 || resp->status == 403 ? EACCES
		: resp->status == 404			     ? ENOENT
		: resp->status == 429			     ? EAGAIN
		: resp->status >= 400 && resp->status < 500  ? EINVAL
							     : EIO;
	const char *url = resp->url ? resp->url : req->url ? req->url : req->path ? req->path : "";
	if (msg)
		return sv_err_setx(err, e, "%s: %s %s: %ld: %s%s%s", what, method_of(req), url, resp->status,
				   code ? code : "", code ? ": " : "", msg);
	return sv_err_setx(err, e, "%s: %s %s: unexpected status %ld", what, method_of(req), url, resp->status);
}

/* ---------------------------------------------------------------- reg_do */

struct state {
	int64_t delivered;
	bool auth_retried;
	sv_err *soft; /* a retriable failure of the last try */
};

/* One try: redirects and a 401 refresh; 0 done, 1 retriable, -1 fatal. */
static int try_once(struct reg_conn *c, const struct reg_req *req, const char *start, struct reg_resp *resp,
		    struct state *st, sv_err **err)
{
	SV_AUTOFREE char *url = sv_xstrdup(start);
	char errbuf[CURL_ERROR_SIZE];
	for (int hops = 0;;) {
		SV_AUTOFREE char *auth = NULL;
		if (!req->no_auth && at_endpoint(url, req->ep, true)) {
			if (reg_auth_header(c, req->ep, req->scope, &auth, err) < 0)
				return -1;
		} else if (req->basic_user && hops == 0) {
			auth = reg_basic_auth(req->basic_user, req->basic_password);
		}
		struct xfer x = { .req = req, .resp = resp, .delivered = &st->delivered,
				  .cap = req->max_body ? req->max_body : REG_ERROR_BODY_MAX };
		struct attempt a = { url, auth, req->offset + st->delivered };
		errbuf[0] = '\0';
		bool tls_ep = req->ep && at_endpoint(url, req->ep, false);
		CURLcode cc = perform(c, req, &a, resp, &x, errbuf, tls_ep);
		if (x.sink_err) {
			sv_err_free(*err ? x.sink_err : (*err = x.sink_err, NULL));
			return -1;
		}
		if (x.too_big)
			return sv_err_setx(err, E2BIG, "%s %s: the answer is over the limit of %zu bytes", method_of(req),
					   url, x.cap);
		if (x.range_bad)
			return sv_err_setx(err, EBADMSG, "%s %s: asked for bytes from %lld, got range '%s'",
					   method_of(req), url, (long long)a.offset, resp->range ? resp->range : "");
		if (cc != CURLE_OK) {
			sv_err_clear(&st->soft);
			transport_err(req, url, cc, errbuf, retriable(cc) ? &st->soft : err);
			return retriable(cc) ? 1 : -1;
		}
		long status = resp->status;
		if (status >= 300 && status < 400 && status != 304 && resp->location) {
			if (++hops > REG_MAX_REDIRECTS)
				return sv_err_setx(err, ELOOP, "%s %s: more than %d redirects", method_of(req), start,
						   REG_MAX_REDIRECTS);
			char *next = reg_resolve_location(url, resp->location, err);
			if (!next)
				return -1;
			free(url);
			url = next;
			continue;
		}
		free(resp->url);
		resp->url = sv_xstrdup(url);
		if (status == 401 && !req->no_auth && !st->auth_retried && at_endpoint(url, req->ep, true)) {
			st->auth_retried = true;
			int again = reg_auth_retry(c, req->ep, resp->www_auth, req->scope, err);
			if (again < 0)
				return -1;
			if (again)
				continue;
		}
		if (status >= 500 || status == 429) {
			sv_err_clear(&st->soft);
			reg_status_err(req, resp, "registry error", &st->soft);
			return 1;
		}
		return 0;
	}
}

static void backoff(int attempt, const struct reg_resp *resp)
{
	int64_t ms = 250LL << (attempt < 4 ? attempt : 4);
	int64_t ra;
	if (resp->retry_after && sv_str_to_i64(resp->retry_after, 0, 10, &ra))
		ms = ra * 1000;
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int reg_do(struct reg_conn *c, const struct reg_req *req, struct reg_resp *resp, sv_err **err)
{
	SV_AUTOFREE char *start = NULL;
	if (req->url) {
		start = sv_xstrdup(req->url);
	} else {
		SV_AUTOFREE char *base = reg_endpoint_base(c, req->ep, err);
		if (!base)
			return -1;
		start = sv_xasprintf("%s%s", base, req->path);
	}
	struct state st = { 0 };
	int retries = req->no_retry ? 0 : c->r->cfg.retries;
	for (int attempt = 0;; attempt++) {
		int rc = try_once(c, req, start, resp, &st, err);
		if (rc <= 0) {
			sv_err_free(st.soft);
			return rc;
		}
		if (attempt >= retries || reg_req_cancelled(req)) {
			if (reg_req_cancelled(req))
				sv_err_setx(err, ECANCELED, "%s %s: cancelled", method_of(req), start);
			else if (st.soft && attempt)
				sv_err_setx(err, st.soft->code, "%s (after %d retries)", st.soft->msg, attempt);
			else if (st.soft)
				sv_err_setx(err, st.soft->code, "%s", st.soft->msg);
			sv_err_free(st.soft);
			return -1;
		}
		sv_debug("%s %s: %s; retrying", method_of(req), start, st.soft ? st.soft->msg : "failed");
		backoff(attempt, resp);
	}
}

/* ---------------------------------------------------------------- base url */

char *reg_endpoint_base(struct reg_conn *c, struct reg_endpoint *ep, sv_err **err)
{
	pthread_mutex_lock(&ep->mu);
	bool known = ep->scheme != NULL;
	pthread_mutex_unlock(&ep->mu);
	if (!known && reg_ping(c, ep, err) < 0)
		return NULL;
	pthread_mutex_lock(&ep->mu);
	char *out = sv_xasprintf("%s://%s", ep->scheme, ep->host);
	pthread_mutex_unlock(&ep->mu);
	return out;
}
