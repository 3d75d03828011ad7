/*
 * libFuzzer target for the REST API's request parser (app/api/http.c).
 *
 * The first input byte picks how the rest is cut into feeds (1 to 256
 * bytes at a time, or all at once), so the fuzzer explores every split of
 * the head, chunk framing and trailers. Each request target is then run
 * through the path decoder and the query parser, as the server does.
 * Invariants checked: the parser never consumes more than it was given,
 * body bytes never exceed what was fed, a refusal carries a 4xx/5xx status.
 *
 *   make fuzz-bins && tests/fuzz/run.sh 60 build/fuzz/http-fuzzer
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/http.h"

static void check_target(const char *target)
{
	const char *q = strchr(target, '?');
	size_t plen = q ? (size_t)(q - target) : strlen(target);
	struct sv_buf path;
	sv_buf_init(&path);
	(void)rest_url_decode(target, plen, false, &path);
	sv_buf_release(&path);
	struct rest_query query;
	if (rest_query_parse(q ? q + 1 : NULL, &query) == 0) {
		(void)rest_query_get(&query, "filters");
		char **all = rest_query_all(&query, "names");
		sv_strv_free(all);
		rest_query_release(&query);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = data[0] ? data[0] : size;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	const struct rest_http_limits lim = { .max_head = 2048, .max_headers = 32, .max_body = 4096 };
	struct rest_http_parser p;
	rest_http_parser_init(&p, &lim);
	size_t off = 0, body_total = 0;
	int requests = 0;
	while (off < len && requests < 64) {
		size_t n = len - off < step ? len - off : step;
		size_t used;
		const char *body;
		size_t blen;
		enum rest_http_event ev = rest_http_feed(&p, in + off, n, &used, &body, &blen);
		if (used > n)
			abort();
		off += used;
		if (ev == REST_HTTP_HEAD) {
			check_target(p.req.target);
			(void)rest_http_header(&p.req, "content-type");
		} else if (ev == REST_HTTP_BODY) {
			if (blen > used || body < in || body + blen > in + len)
				abort();
			body_total += blen;
			if (body_total > (size_t)lim.max_body)
				abort();
		} else if (ev == REST_HTTP_DONE) {
			rest_http_reset(&p);
			body_total = 0;
			requests++;
		} else if (ev == REST_HTTP_ERROR) {
			if (p.status < 400 || p.status > 505 || !p.error)
				abort();
			break;
		} else if (used == 0 && n > 0) {
			abort(); /* MORE must consume what it was given */
		}
	}
	rest_http_parser_release(&p);
	return 0;
}
