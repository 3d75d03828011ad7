/*
 * The REST API's HTTP/1.1 request parser (app/api/http.c): framing,
 * bounds and the refusals that keep request smuggling out, fed whole and
 * byte by byte, plus percent-decoding and query parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/http.h"

static const struct rest_http_limits limits = { .max_head = 4096, .max_headers = 16, .max_body = 1000 };

struct parsed {
	int heads, dones, error;
	struct sv_buf body;
	char method[16];
	char target[256];
	bool keep_alive, upgrade, chunked;
	int64_t content_length;
};

/* Feeds data in pieces of `step` bytes (0: all at once) until one request
 * is done or refused. Returns the bytes consumed. */
static size_t feed(struct rest_http_parser *p, const char *data, size_t len, size_t step, struct parsed *out)
{
	memset(out, 0, sizeof *out);
	sv_buf_init(&out->body);
	size_t off = 0;
	while (off <= len) {
		size_t n = step ? (len - off < step ? len - off : step) : len - off;
		size_t used;
		const char *body;
		size_t blen;
		enum rest_http_event ev = rest_http_feed(p, data + off, n, &used, &body, &blen);
		assert_true(used <= n);
		off += used;
		switch (ev) {
		case REST_HTTP_HEAD:
			out->heads++;
			strcpy(out->method, p->req.method);
			snprintf(out->target, sizeof out->target, "%s", p->req.target);
			out->keep_alive = p->req.keep_alive;
			out->upgrade = p->req.upgrade;
			out->chunked = p->req.chunked;
			out->content_length = p->req.content_length;
			break;
		case REST_HTTP_BODY:
			sv_buf_add(&out->body, body, blen);
			break;
		case REST_HTTP_DONE:
			out->dones++;
			return off;
		case REST_HTTP_ERROR:
			out->error = p->status;
			return off;
		case REST_HTTP_MORE:
			if (off == len)
				return off;
			break;
		}
	}
	return off;
}

static int parse_status(const char *raw, size_t step)
{
	struct rest_http_parser p;
	struct parsed r;
	rest_http_parser_init(&p, &limits);
	feed(&p, raw, strlen(raw), step, &r);
	rest_http_parser_release(&p);
	sv_buf_release(&r.body);
	return r.error ? r.error : r.dones ? 200 : 0;
}

static void test_api_http__simple_get(void **state)
{
	(void)state;
	const char *raw = "GET /v1.43/images/json?all=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n";
	for (size_t step = 0; step < 4; step++) {
		struct rest_http_parser p;
		struct parsed r;
		rest_http_parser_init(&p, &limits);
		size_t used = feed(&p, raw, strlen(raw), step, &r);
		assert_int_equal(used, strlen(raw));
		assert_int_equal(r.heads, 1);
		assert_int_equal(r.dones, 1);
		assert_string_equal(r.method, "GET");
		assert_string_equal(r.target, "/v1.43/images/json?all=1");
		assert_true(r.keep_alive);
		assert_string_equal(rest_http_header(&p.req, "user-agent"), "t");
		assert_null(rest_http_header(&p.req, "x-none"));
		rest_http_parser_release(&p);
		sv_buf_release(&r.body);
	}
}

static void test_api_http__keep_alive_rules(void **state)
{
	(void)state;
	struct rest_http_parser p;
	struct parsed r;
	rest_http_parser_init(&p, &limits);
	feed(&p, "GET / HTTP/1.0\r\n\r\n", 18, 0, &r);
	assert_false(r.keep_alive);
	rest_http_reset(&p);
	const char *ka = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
	feed(&p, ka, strlen(ka), 0, &r);
	assert_true(r.keep_alive);
	rest_http_reset(&p);
	const char *cl = "GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n";
	feed(&p, cl, strlen(cl), 0, &r);
	assert_false(r.keep_alive);
	rest_http_reset(&p);
	const char *up = "POST /x HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
	feed(&p, up, strlen(up), 0, &r);
	assert_true(r.upgrade);
	rest_http_parser_release(&p);
	sv_buf_release(&r.body);
}

static void test_api_http__pipelined(void **state)
{
	(void)state;
	const char *raw = "\r\nGET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\nContent-Length: 3\n\nxyzGET /c HTTP/1.1\r\n\r\n";
	struct rest_http_parser p;
	struct parsed r;
	rest_http_parser_init(&p, &limits);
	size_t off = feed(&p, raw, strlen(raw), 0, &r);
	assert_string_equal(r.target, "/a");
	rest_http_reset(&p);
	off += feed(&p, raw + off, strlen(raw) - off, 0, &r);
	assert_string_equal(r.target, "/b");
	assert_int_equal(r.body.len, 3);
	assert_memory_equal(r.body.data, "xyz", 3);
	sv_buf_release(&r.body);
	rest_http_reset(&p);
	off += feed(&p, raw + off, strlen(raw) - off, 0, &r);
	assert_string_equal(r.target, "/c");
	assert_int_equal(off, strlen(raw));
	rest_http_parser_release(&p);
	sv_buf_release(&r.body);
}

static void test_api_http__chunked_body(void **state)
{
	(void)state;
	const char *raw = "POST /images/load HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n";
	for (size_t step = 0; step < 3; step++) {
		struct rest_http_parser p;
		struct parsed r;
		rest_http_parser_init(&p, &limits);
		size_t used = feed(&p, raw, strlen(raw), step, &r);
		assert_int_equal(used, strlen(raw));
		assert_int_equal(r.dones, 1);
		assert_true(r.chunked);
		assert_int_equal(r.body.len, 16);
		assert_memory_equal(r.body.data, "hello 0123456789", 16);
		rest_http_parser_release(&p);
		sv_buf_release(&r.body);
	}
}

static void test_api_http__smuggling_refused(void **state)
{
	(void)state;
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 0),
			 400);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0), 501);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nX : a\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nX: a\x01\r\n\r\n", 0), 400);
}

static void test_api_http__malformed(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GARBAGE\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("GET  / HTTP/1.1\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("GET http://x/ HTTP/1.1\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("GET / HTTP/2.0\r\n\r\n", 0), 505);
	assert_int_equal(parse_status("GET / FTP/1.0\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("G(T / HTTP/1.1\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("GET /\x7f HTTP/1.1\r\n\r\n", 0), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nExpect: magic\r\n\r\n", 0), 417);
	static const char nul[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
	struct rest_http_parser p;
	struct parsed r;
	rest_http_parser_init(&p, &limits);
	feed(&p, nul, sizeof nul - 1, 0, &r);
	assert_int_equal(r.error, 400);
	rest_http_parser_release(&p);
	sv_buf_release(&r.body);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0), 400);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 0), 400);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "1000000000000000\r\n", 0), 400);
}

static void test_api_http__bounds(void **state)
{
	(void)state;
	char big[8192];
	/* A long request line is 414, long headers 431, many headers 431. */
	int n = snprintf(big, sizeof big, "GET /%.*d HTTP/1.1\r\n\r\n", 5000, 0);
	assert_true(n > 0);
	assert_int_equal(parse_status(big, 0), 414);
	n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nX: %.*d\r\n\r\n", 5000, 0);
	assert_int_equal(parse_status(big, 7), 431);
	struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_adds(&b, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 20; i++)
		sv_buf_addf(&b, "X-%d: y\r\n", i);
	sv_buf_adds(&b, "\r\n");
	assert_int_equal(parse_status(b.data, 0), 431);
	sv_buf_release(&b);
	/* Bodies over the bound: declared, and chunked. */
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", 0), 413);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3E9\r\n", 0), 413);
	/* Leading blank lines are skipped, but not forever. */
	sv_buf_init(&b);
	for (int i = 0; i < 100; i++)
		sv_buf_adds(&b, "\r\n");
	sv_buf_adds(&b, "GET / HTTP/1.1\r\n\r\n");
	assert_int_equal(parse_status(b.data, 0), 400);
	sv_buf_release(&b);
}

static void test_api_http__body_limit_per_request(void **state)
{
	(void)state;
	struct rest_http_limits open = limits;
	open.max_body = -1;
	struct rest_http_parser p;
	rest_http_parser_init(&p, &open);
	const char *raw = "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n";
	size_t used;
	const char *body;
	size_t blen;
	assert_int_equal(rest_http_feed(&p, raw, strlen(raw), &used, &body, &blen), REST_HTTP_HEAD);
	rest_http_set_body_limit(&p, 100);
	assert_int_equal(rest_http_feed(&p, "x", 1, &used, &body, &blen), REST_HTTP_ERROR);
	assert_int_equal(p.status, 413);
	rest_http_parser_release(&p);
}

static void test_api_http__url_decode(void **state)
{
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b);
	assert_int_equal(rest_url_decode("a%2Fb+c", 7, false, &b), 0);
	assert_string_equal(b.data, "a/b+c");
	sv_buf_reset(&b);
	assert_int_equal(rest_url_decode("a%2fb+c", 7, true, &b), 0);
	assert_string_equal(b.data, "a/b c");
	sv_buf_reset(&b);
	assert_int_equal(rest_url_decode("%zz", 3, false, &b), -1);
	sv_buf_reset(&b);
	assert_int_equal(rest_url_decode("%4", 2, false, &b), -1);
	sv_buf_reset(&b);
	assert_int_equal(rest_url_decode("a%00", 4, false, &b), -1);
	sv_buf_release(&b);
}

static void test_api_http__query(void **state)
{
	(void)state;
	struct rest_query q;
	assert_int_equal(rest_query_parse("all=1&filters=%7B%22a%22%3A%5B%22b%22%5D%7D&names=x&names=y+z&flag&&", &q), 0);
	assert_string_equal(rest_query_get(&q, "all"), "1");
	assert_string_equal(rest_query_get(&q, "filters"), "{\"a\":[\"b\"]}");
	assert_string_equal(rest_query_get(&q, "flag"), "");
	assert_null(rest_query_get(&q, "none"));
	char **all = rest_query_all(&q, "names");
	assert_int_equal(sv_strv_len(all), 2);
	assert_string_equal(all[1], "y z");
	sv_strv_free(all);
	rest_query_release(&q);
	assert_int_equal(rest_query_parse("a=%G0", &q), -1);
	assert_int_equal(q.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_http__simple_get),
		cmocka_unit_test(test_api_http__keep_alive_rules),
		cmocka_unit_test(test_api_http__pipelined),
		cmocka_unit_test(test_api_http__chunked_body),
		cmocka_unit_test(test_api_http__smuggling_refused),
		cmocka_unit_test(test_api_http__malformed),
		cmocka_unit_test(test_api_http__bounds),
		cmocka_unit_test(test_api_http__body_limit_per_request),
		cmocka_unit_test(test_api_http__url_decode),
		cmocka_unit_test(test_api_http__query),
	};
	return cmocka_run_group_tests_name("api_http", tests, NULL, NULL);
}
