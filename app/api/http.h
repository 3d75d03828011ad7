/*
 * app/api/http.h — a bounded HTTP/1.1 request parser.
 *
 * Written for servin rather than taken from http-parser: that library is
 * archived upstream (nodejs moved to llhttp), leaves header accumulation and
 * every bound to the caller anyway, and is laxer than we want on request
 * smuggling (Content-Length beside Transfer-Encoding). This one is a pull
 * parser with no callbacks: feed bytes, get one event at a time. It never
 * allocates more than its limits allow, never reads past what it is given,
 * and says why it refused a request with the HTTP status to answer.
 *
 * Pure code: no I/O, no libuv, so tests/fuzz/http-fuzzer.c drives it
 * directly. One parser per connection; not thread-safe.
 */
#ifndef SV_APP_API_HTTP_H
#define SV_APP_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct rest_http_limits {
	size_t max_head;    /* request line + headers, bytes (431 above; 414 for a long target) */
	size_t max_headers; /* header lines (431 above) */
	int64_t max_body;   /* body bytes (413 above); -1: no bound */
};

struct rest_http_header {
	const char *name; /* borrowed: valid until rest_http_reset() */
	const char *value;
};

/* A parsed request head. Strings are borrowed from the parser: valid until
 * rest_http_reset() or rest_http_parser_release(). */
struct rest_http_req {
	char method[16];
	const char *target;	 /* "/v1.43/images/json?all=1", as sent */
	int minor;		 /* HTTP/1.<minor>: 0 or 1 */
	struct rest_http_header *headers;
	size_t nheaders;
	int64_t content_length;	 /* -1 when absent */
	bool chunked;		 /* Transfer-Encoding: chunked */
	bool keep_alive;	 /* after this request (version and Connection) */
	bool upgrade;		 /* Connection: upgrade with an Upgrade header */
	bool expect_continue;	 /* Expect: 100-continue */
};

enum rest_http_event {
	REST_HTTP_MORE = 0, /* all input consumed; feed more */
	REST_HTTP_HEAD,	    /* the head is complete: see p->req */
	REST_HTTP_BODY,	    /* body bytes: see body and body_len (they point into the input) */
	REST_HTTP_DONE,	    /* the request is complete; call rest_http_reset() for the next */
	REST_HTTP_ERROR,    /* refused: p->status and p->error say why; the connection must close */
};

enum rest_http_state {
	HTTP_ST_HEAD = 0,
	HTTP_ST_BODY,
	HTTP_ST_CHUNK_SIZE,
	HTTP_ST_CHUNK_DATA,
	HTTP_ST_CHUNK_END,
	HTTP_ST_TRAILER,
	HTTP_ST_DONE,
	HTTP_ST_ERROR,
};

struct rest_http_parser {
	struct rest_http_limits limits;
	enum rest_http_state state;
	struct sv_buf head;	  /* raw head bytes, then split in place */
	size_t line_len;	  /* non-CR bytes in the head line being read */
	size_t skipped;		  /* blank lines skipped before the request line */
	struct sv_buf line;	  /* a chunk-size or trailer line */
	size_t trailer_bytes;
	struct rest_http_req req;
	int64_t remaining;	  /* of the body or the current chunk */
	int64_t body_total;
	int status;		  /* after REST_HTTP_ERROR: 400, 413, 414, 431, 501, 505 */
	const char *error;	  /* static text */
};

void rest_http_parser_init(struct rest_http_parser *p, const struct rest_http_limits *limits);
void rest_http_parser_release(struct rest_http_parser *p);
/* Forgets the finished request; the parser is ready for the next one. */
void rest_http_reset(struct rest_http_parser *p);
/* Changes the body bound of the request being parsed (call on
 * REST_HTTP_HEAD, before the body is fed); refuses a declared length above
 * it at once with 413. */
void rest_http_set_body_limit(struct rest_http_parser *p, int64_t max_body);

/* Consumes input up to the next event and returns it; *used says how many
 * bytes of data were consumed (the rest is to be fed again). */
enum rest_http_event rest_http_feed(struct rest_http_parser *p, const char *data, size_t len,
				    size_t *used, const char **body, size_t *body_len);

/* The value of a header (case-insensitive name), or NULL. */
const char *rest_http_header(const struct rest_http_req *r, const char *name);

/* Percent-decoding of a path (plus_space false) or a query component
 * (plus_space true: '+' is a space). Refuses bad escapes and NUL bytes. */
int rest_url_decode(const char *s, size_t n, bool plus_space, struct sv_buf *out);

/* A decoded query: keys and values owned. */
struct rest_query {
	char **keys;
	char **values;
	size_t n;
};
/* Parses "a=1&b=x%20y"; bounded by the target length. -1 on a bad escape. */
int rest_query_parse(const char *q, struct rest_query *out);
void rest_query_release(struct rest_query *q);
/* The first value of key, or NULL. */
const char *rest_query_get(const struct rest_query *q, const char *key);
/* Every value of a repeated key ("names=a&names=b"); owned strv, NULL when none. */
char **rest_query_all(const struct rest_query *q, const char *key);

#endif
