/*
 * The HTTP/1.1 request parser (see http.h for why it is ours).
 *
 * The head is collected byte by byte into one buffer, bounded by
 * limits.max_head, until an empty line; then it is split in place and
 * checked strictly (RFC 9112): a token method, an origin-form target of
 * visible characters, HTTP/1.0 or 1.1, "name: value" lines without folding
 * or control characters. Framing follows the RFC's smuggling rules: a
 * Transfer-Encoding other than exactly "chunked" is refused, and so is one
 * beside a Content-Length, as are conflicting Content-Lengths. Chunked
 * bodies are decoded here (sizes in at most 15 hex digits, extensions and
 * trailers bounded and ignored), so handlers only ever see payload bytes.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_MAX_LEADING_BLANKS 64
#define HTTP_MAX_CHUNK_LINE 1024
#define HTTP_MAX_TARGET 8192

void rest_http_parser_init(struct rest_http_parser *p, const struct rest_http_limits *limits)
{
	memset(p, 0, sizeof *p);
	p->limits = *limits;
	sv_buf_init(&p->head);
	sv_buf_init(&p->line);
	p->req.content_length = -1;
}

void rest_http_parser_release(struct rest_http_parser *p)
{
	sv_buf_release(&p->head);
	sv_buf_release(&p->line);
	free(p->req.headers);
	p->req.headers = NULL;
}

void rest_http_reset(struct rest_http_parser *p)
{
	struct rest_http_limits l = p->limits;
	struct sv_buf head = p->head, line = p->line;
	free(p->req.headers);
	memset(p, 0, sizeof *p);
	p->limits = l;
	/* Keep the buffers' storage when small: keep-alive clients reuse it. */
	p->head = head;
	p->line = line;
	if (p->head.cap > 16384)
		sv_buf_release(&p->head);
	sv_buf_reset(&p->head);
	sv_buf_reset(&p->line);
	p->req.content_length = -1;
}

static enum rest_http_event fail(struct rest_http_parser *p, int status, const char *why)
{
	p->state = HTTP_ST_ERROR;
	p->status = status;
	p->error = why;
	return REST_HTTP_ERROR;
}

void rest_http_set_body_limit(struct rest_http_parser *p, int64_t max_body)
{
	p->limits.max_body = max_body;
	if (max_body >= 0 && p->req.content_length > max_body && p->state == HTTP_ST_BODY)
		fail(p, 413, "request body too large");
}

/* ---------------------------------------------------------------- the head */

static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

/* Visible ASCII, space, tab and obs-text: no other control bytes. */
static bool value_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Cuts the next line (LF, optional CR before it) out of *cursor. */
static char *next_line(char **cursor)
{
	char *s = *cursor;
	if (!s)
		return NULL;
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = NULL;
	}
	size_t n = strlen(s);
	if (n && s[n - 1] == '\r')
		s[n - 1] = '\0';
	return s;
}

static enum rest_http_event parse_request_line(struct rest_http_parser *p, char *line)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' '))
		return fail(p, 400, "malformed request line");
	*sp1 = *sp2 = '\0';
	char *target = sp1 + 1, *version = sp2 + 1;
	if (!is_token(line) || strlen(line) >= sizeof p->req.method)
		return fail(p, 400, "malformed method");
	memcpy(p->req.method, line, strlen(line) + 1);
	if (strlen(target) > HTTP_MAX_TARGET)
		return fail(p, 414, "request target too long");
	if (target[0] != '/')
		return fail(p, 400, "request target must be an absolute path");
	for (const char *c = target; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return fail(p, 400, "invalid character in request target");
	p->req.target = target;
	if (!strcmp(version, "HTTP/1.1"))
		p->req.minor = 1;
	else if (!strcmp(version, "HTTP/1.0"))
		p->req.minor = 0;
	else if (!strncmp(version, "HTTP/", 5))
		return fail(p, 505, "HTTP version not supported");
	else
		return fail(p, 400, "malformed HTTP version");
	return REST_HTTP_MORE;
}

static bool list_has(const char *v, const char *tok)
{
	size_t n = strlen(tok);
	while (*v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		size_t len = strcspn(v, ",");
		size_t t = len;
		while (t && (v[t - 1] == ' ' || v[t - 1] == '\t'))
			t--;
		if (t == n && strncasecmp(v, tok, n) == 0)
			return true;
		v += len;
	}
	return false;
}

static enum rest_http_event framing(struct rest_http_parser *p, const char *name, const char *v)
{
	struct rest_http_req *r = &p->req;
	if (!strcasecmp(name, "content-length")) {
		if (!*v || strlen(v) > 18 || strspn(v, "0123456789") != strlen(v))
			return fail(p, 400, "invalid Content-Length");
		int64_t n = strtoll(v, NULL, 10);
		if (r->content_length >= 0 && r->content_length != n)
			return fail(p, 400, "conflicting Content-Length headers");
		r->content_length = n;
	} else if (!strcasecmp(name, "transfer-encoding")) {
		if (r->chunked || strcasecmp(v, "chunked") != 0)
			return fail(p, 501, "unsupported Transfer-Encoding");
		r->chunked = true;
	} else if (!strcasecmp(name, "expect")) {
		if (strcasecmp(v, "100-continue") != 0)
			return fail(p, 417, "unsupported Expect");
		r->expect_continue = true;
	}
	return REST_HTTP_MORE;
}

static enum rest_http_event parse_headers(struct rest_http_parser *p, char *cursor)
{
	struct rest_http_req *r = &p->req;
	size_t cap = 1;
	for (const char *c = cursor; c && (c = strchr(c, '\n')); c++)
		cap++;
	if (cap > p->limits.max_headers + 1)
		return fail(p, 431, "too many header fields");
	r->headers = sv_xcalloc(cap, sizeof *r->headers);
	char *line;
	while ((line = next_line(&cursor)) && *line) {
		if (*line == ' ' || *line == '\t')
			return fail(p, 400, "folded header lines are not allowed");
		char *colon = strchr(line, ':');
		if (!colon)
			return fail(p, 400, "malformed header line");
		*colon = '\0';
		if (!is_token(line))
			return fail(p, 400, "malformed header name");
		char *v = trim(colon + 1);
		if (!value_ok(v))
			return fail(p, 400, "invalid character in header value");
		r->headers[r->nheaders++] = (struct rest_http_header){ line, v };
		if (framing(p, line, v) == REST_HTTP_ERROR)
			return REST_HTTP_ERROR;
	}
	return REST_HTTP_MORE;
}

static enum rest_http_event head_complete(struct rest_http_parser *p)
{
	struct rest_http_req *r = &p->req;
	char *cursor = p->head.data;
	char *line = next_line(&cursor);
	if (parse_request_line(p, line) == REST_HTTP_ERROR || parse_headers(p, cursor) == REST_HTTP_ERROR)
		return REST_HTTP_ERROR;
	if (r->chunked && (r->content_length >= 0 || r->minor == 0))
		return fail(p, 400, "Transfer-Encoding with Content-Length or HTTP/1.0");
	const char *conn = rest_http_header(r, "connection");
	r->keep_alive = r->minor == 1 ? !(conn && list_has(conn, "close"))
				      : (conn && list_has(conn, "keep-alive"));
	r->upgrade = conn && list_has(conn, "upgrade") && rest_http_header(r, "upgrade");
	int64_t max = p->limits.max_body;
	if (max >= 0 && r->content_length > max)
		return fail(p, 413, "request body too large");
	if (r->chunked)
		p->state = HTTP_ST_CHUNK_SIZE;
	else if (r->content_length > 0)
		p->state = HTTP_ST_BODY, p->remaining = r->content_length;
	else
		p->state = HTTP_ST_DONE;
	return REST_HTTP_HEAD;
}

/* Collects head bytes until the empty line that ends the head. */
static enum rest_http_event feed_head(struct rest_http_parser *p, const char *data, size_t len, size_t *used)
{
	size_t i = 0;
	for (; i < len; i++) {
		char c = data[i];
		if (p->head.len == 0 && (c == '\r' || c == '\n')) {
			if (++p->skipped > HTTP_MAX_LEADING_BLANKS)
				return *used = i + 1, fail(p, 400, "malformed request");
			continue;
		}
		if (c == '\0')
			return *used = i + 1, fail(p, 400, "NUL byte in request head");
		if (p->head.len >= p->limits.max_head) {
			bool first_line = !memchr(p->head.data, '\n', p->head.len);
			return *used = i + 1, fail(p, first_line ? 414 : 431,
						   first_line ? "request line too long"
							      : "request header fields too large");
		}
		sv_buf_addc(&p->head, c);
		if (c == '\n') {
			if (p->line_len == 0) {
				*used = i + 1;
				return head_complete(p);
			}
			p->line_len = 0;
		} else if (c != '\r') {
			p->line_len++;
		}
	}
	*used = len;
	return REST_HTTP_MORE;
}

/* ---------------------------------------------------------------- bodies */

/* Collects one line of the chunked framing; true when it is complete. */
static bool take_line(struct rest_http_parser *p, const char *data, size_t len, size_t *used, size_t max,
		      bool *too_long)
{
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) + 1 : len;
	*too_long = p->line.len + n > max;
	if (*too_long)
		return false;
	sv_buf_add(&p->line, data, nl ? n - 1 : n);
	*used = n;
	if (!nl)
		return false;
	if (p->line.len && p->line.data[p->line.len - 1] == '\r')
		sv_buf_truncate(&p->line, p->line.len - 1);
	return true;
}

static enum rest_http_event chunk_size(struct rest_http_parser *p)
{
	const char *s = p->line.data;
	size_t digits = 0;
	int64_t size = 0;
	for (; isxdigit((unsigned char)s[digits]); digits++) {
		if (digits >= 15)
			return fail(p, 400, "chunk size too long");
		int c = tolower((unsigned char)s[digits]);
		size = size * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
	}
	const char *rest = s + digits;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (!digits || (*rest && *rest != ';'))
		return fail(p, 400, "malformed chunk size");
	if (!value_ok(rest))
		return fail(p, 400, "invalid character in chunk extension");
	if (p->limits.max_body >= 0 && size > p->limits.max_body - p->body_total)
		return fail(p, 413, "request body too large");
	sv_buf_reset(&p->line);
	p->remaining = size;
	p->state = size ? HTTP_ST_CHUNK_DATA : HTTP_ST_TRAILER;
	return REST_HTTP_MORE;
}

static enum rest_http_event feed_framing(struct rest_http_parser *p, const char *data, size_t len, size_t *used)
{
	bool too_long;
	size_t max = p->state == HTTP_ST_TRAILER ? p->limits.max_head : HTTP_MAX_CHUNK_LINE;
	if (!take_line(p, data, len, used, max, &too_long))
		return too_long ? fail(p, p->state == HTTP_ST_TRAILER ? 431 : 400, "chunk framing line too long")
				: REST_HTTP_MORE;
	switch (p->state) {
	case HTTP_ST_CHUNK_SIZE:
		return chunk_size(p);
	case HTTP_ST_CHUNK_END:
		if (p->line.len)
			return fail(p, 400, "missing CRLF after chunk data");
		p->state = HTTP_ST_CHUNK_SIZE;
		return REST_HTTP_MORE;
	default: /* trailer fields are read and dropped */
		p->trailer_bytes += p->line.len;
		if (p->trailer_bytes > p->limits.max_head)
			return fail(p, 431, "trailer fields too large");
		if (p->line.len == 0)
			p->state = HTTP_ST_DONE;
		sv_buf_reset(&p->line);
		return p->state == HTTP_ST_DONE ? REST_HTTP_DONE : REST_HTTP_MORE;
	}
}

static enum rest_http_event feed_data(struct rest_http_parser *p, const char *data, size_t len, size_t *used,
				      const char **body, size_t *body_len)
{
	size_t n = (int64_t)len < p->remaining ? len : (size_t)p->remaining;
	if (p->state == HTTP_ST_BODY && p->limits.max_body >= 0 && p->body_total + (int64_t)n > p->limits.max_body)
		return fail(p, 413, "request body too large");
	*used = n;
	*body = data;
	*body_len = n;
	p->remaining -= (int64_t)n;
	p->body_total += (int64_t)n;
	if (p->remaining == 0)
		p->state = p->state == HTTP_ST_BODY ? HTTP_ST_DONE : HTTP_ST_CHUNK_END;
	return n ? REST_HTTP_BODY : REST_HTTP_MORE;
}

enum rest_http_event rest_http_feed(struct rest_http_parser *p, const char *data, size_t len, size_t *used,
				    const char **body, size_t *body_len)
{
	*used = 0;
	*body = NULL;
	*body_len = 0;
	for (;;) {
		size_t u = 0;
		enum rest_http_event ev;
		switch (p->state) {
		case HTTP_ST_HEAD:
			ev = feed_head(p, data, len, &u);
			break;
		case HTTP_ST_BODY:
		case HTTP_ST_CHUNK_DATA:
			ev = len ? feed_data(p, data, len, &u, body, body_len) : REST_HTTP_MORE;
			break;
		case HTTP_ST_CHUNK_SIZE:
		case HTTP_ST_CHUNK_END:
		case HTTP_ST_TRAILER:
			ev = len ? feed_framing(p, data, len, &u) : REST_HTTP_MORE;
			break;
		case HTTP_ST_DONE:
			return REST_HTTP_DONE;
		default:
			return REST_HTTP_ERROR;
		}
		*used += u;
		data += u;
		len -= u;
		if (ev != REST_HTTP_MORE || !len) {
			/* A body that ends with its last byte completes at once. */
			if (ev == REST_HTTP_MORE && p->state == HTTP_ST_DONE)
				return REST_HTTP_DONE;
			return ev;
		}
	}
}

/* ---------------------------------------------------------------- helpers */

const char *rest_http_header(const struct rest_http_req *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int rest_url_decode(const char *s, size_t n, bool plus_space, struct sv_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (n - i < 3)
				return -1;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			sv_buf_addc(out, (char)(hi * 16 + lo));
			i += 2;
		} else if (c == '+' && plus_space) {
			sv_buf_addc(out, ' ');
		} else if (c == '\0') {
			return -1;
		} else {
			sv_buf_addc(out, c);
		}
	}
	return 0;
}

int rest_query_parse(const char *q, struct rest_query *out)
{
	memset(out, 0, sizeof *out);
	while (q && *q) {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);
		size_t klen = eq ? (size_t)(eq - q) : len;
		if (len) {
			SV_AUTOBUF struct sv_buf k, v;
			sv_buf_init(&k);
			sv_buf_init(&v);
			if (rest_url_decode(q, klen, true, &k) < 0 ||
			    (eq && rest_url_decode(eq + 1, len - klen - 1, true, &v) < 0)) {
				rest_query_release(out);
				return -1;
			}
			out->keys = sv_xrealloc(out->keys, (out->n + 1) * sizeof *out->keys);
			out->values = sv_xrealloc(out->values, (out->n + 1) * sizeof *out->values);
			out->keys[out->n] = sv_buf_detach(&k, NULL);
			out->values[out->n] = sv_buf_detach(&v, NULL);
			out->n++;
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return 0;
}

void rest_query_release(struct rest_query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->keys[i]);
		free(q->values[i]);
	}
	free(q->keys);
	free(q->values);
	memset(q, 0, sizeof *q);
}

const char *rest_query_get(const struct rest_query *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->keys[i], key) == 0)
			return q->values[i];
	return NULL;
}

char **rest_query_all(const struct rest_query *q, const char *key)
{
	char **v = NULL;
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->keys[i], key) == 0)
			sv_strv_push(&v, q->values[i]);
	return v;
}
