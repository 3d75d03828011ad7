/*
 * The REST API's routing and request semantics: API versions in paths,
 * image names with slashes, 404 versus 405, Docker's booleans, both
 * encodings of `filters`, the OpenAPI document against the route table,
 * and the per-client token bucket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api-internal.h"

static void test_api_router__versions(void **state)
{
	(void)state;
	int minor;
	const char *rest;
	char *why = NULL;
	assert_int_equal(rest_version_split("/v1.43/images/json", &minor, &rest, &why), 0);
	assert_int_equal(minor, 43);
	assert_string_equal(rest, "/images/json");
	assert_int_equal(rest_version_split("/v1.24/_ping", &minor, &rest, &why), 0);
	assert_int_equal(minor, 24);
	assert_int_equal(rest_version_split("/images/json", &minor, &rest, &why), 0);
	assert_int_equal(minor, 43);
	assert_string_equal(rest, "/images/json");
	assert_int_equal(rest_version_split("/v1.43", &minor, &rest, &why), 0);
	assert_string_equal(rest, "/");
	assert_int_equal(rest_version_split("/v1.12/version", &minor, &rest, &why), 400);
	assert_non_null(strstr(why, "too old"));
	free(why);
	why = NULL;
	assert_int_equal(rest_version_split("/v1.50/version", &minor, &rest, &why), 400);
	assert_non_null(strstr(why, "too new"));
	free(why);
	why = NULL;
	/* Not a version: a path like any other. */
	assert_int_equal(rest_version_split("/volumes/v1.2x", &minor, &rest, &why), 0);
	assert_int_equal(rest_version_split("/v1.4x/info", &minor, &rest, &why), 0);
	assert_string_equal(rest, "/v1.4x/info");
}

static void params_free(char *p[REST_MAX_PARAMS])
{
	for (int i = 0; i < REST_MAX_PARAMS; i++)
		free(p[i]);
}

static void test_api_router__image_names_with_slashes(void **state)
{
	(void)state;
	char *p[REST_MAX_PARAMS] = { 0 };
	int st;
	const struct rest_route *r = rest_route_match("GET", "/images/docker.io/myrepo/alpine:v1/json", p, &st);
	assert_non_null(r);
	assert_string_equal(r->pattern, "/images/{name*}/json");
	assert_string_equal(p[0], "docker.io/myrepo/alpine:v1");
	params_free(p);
	memset(p, 0, sizeof p);
	r = rest_route_match("DELETE", "/images/myrepo/alpine:v1", p, &st);
	assert_non_null(r);
	assert_string_equal(p[0], "myrepo/alpine:v1");
	params_free(p);
	memset(p, 0, sizeof p);
	/* The literal list route wins over an image named "json". */
	r = rest_route_match("GET", "/images/json", p, &st);
	assert_non_null(r);
	assert_string_equal(r->pattern, "/images/json");
	assert_null(p[0]);
}

static void test_api_router__not_found_and_method(void **state)
{
	(void)state;
	char *p[REST_MAX_PARAMS] = { 0 };
	int st = 0;
	assert_null(rest_route_match("GET", "/nothing/here", p, &st));
	assert_int_equal(st, 404);
	assert_null(rest_route_match("DELETE", "/_ping", p, &st));
	assert_int_equal(st, 405);
	for (int i = 0; i < REST_MAX_PARAMS; i++)
		assert_null(p[i]);
}

static struct rest_req *req_with(const char *query)
{
	struct rest_req *r = calloc(1, sizeof *r);
	assert_int_equal(rest_query_parse(query, &r->query), 0);
	return r;
}

static void req_free(struct rest_req *r)
{
	rest_query_release(&r->query);
	free(r);
}

static void test_api_router__booleans(void **state)
{
	(void)state;
	struct rest_req *r = req_with("a=1&b=0&c=true&d=False&e=True&f=&g=no&h=yes&i=NONE");
	assert_true(rest_qbool(r, "a", false));
	assert_false(rest_qbool(r, "b", true));
	assert_true(rest_qbool(r, "c", false));
	assert_false(rest_qbool(r, "d", true));
	assert_true(rest_qbool(r, "e", false));
	assert_false(rest_qbool(r, "f", true));
	assert_false(rest_qbool(r, "g", true));
	assert_true(rest_qbool(r, "h", false));
	assert_false(rest_qbool(r, "i", true));
	assert_true(rest_qbool(r, "absent", true));
	req_free(r);
}

static void test_api_router__filters_both_encodings(void **state)
{
	(void)state;
	char **f = NULL;
	sv_err *err = NULL;
	struct rest_req *r = req_with("filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%7D%2C%22dangling%22%3A%7B%22true%22%3Atrue%7D%7D");
	assert_int_equal(rest_filters(r, &f, &err), 0);
	assert_int_equal(sv_strv_len(f), 2);
	assert_true(sv_strv_contains(f, "label=a=b"));
	assert_true(sv_strv_contains(f, "dangling=true"));
	sv_strv_free(f);
	req_free(r);
	r = req_with("filters=%7B%22label%22%3A+%5B%22com.docker.compose.project%3Dproj%22%2C+%22x%22%5D%7D");
	assert_int_equal(rest_filters(r, &f, &err), 0);
	assert_int_equal(sv_strv_len(f), 2);
	assert_string_equal(f[0], "label=com.docker.compose.project=proj");
	assert_string_equal(f[1], "label=x");
	sv_strv_free(f);
	req_free(r);
	r = req_with("filters=%7Bnot+json");
	assert_int_equal(rest_filters(r, &f, &err), -1);
	assert_int_equal(rest_status_for(err->code), 400);
	sv_err_clear(&err);
	req_free(r);
	r = req_with("filters=%7B%22label%22%3A5%7D");
	assert_int_equal(rest_filters(r, &f, &err), -1);
	sv_err_clear(&err);
	req_free(r);
	r = req_with("all=1");
	assert_int_equal(rest_filters(r, &f, &err), 0);
	assert_null(f);
	req_free(r);
}

static void test_api_router__status_mapping(void **state)
{
	(void)state;
	assert_int_equal(rest_status_for(ENOENT), 404);
	assert_int_equal(rest_status_for(EEXIST), 409);
	assert_int_equal(rest_status_for(EBUSY), 409);
	assert_int_equal(rest_status_for(EALREADY), 304);
	assert_int_equal(rest_status_for(EINVAL), 400);
	assert_int_equal(rest_status_for(EIO), 500);
	size_t len;
	char *body = rest_error_body("No such image: \"x\"", &len);
	assert_string_equal(body, "{\"message\":\"No such image: \\\"x\\\"\"}\n");
	assert_int_equal(len, strlen(body));
	free(body);
}

/* Every route appears in the document, and the document holds nothing else. */
static void test_api_router__openapi_matches_routes(void **state)
{
	(void)state;
	cJSON *doc = rest_openapi_doc();
	assert_string_equal(sv_json_str(doc, "openapi"), "3.0.3");
	cJSON *paths = sv_json_obj(doc, "paths");
	int ops = 0, routes = 0;
	const cJSON *path, *op;
	cJSON_ArrayForEach(path, paths)
	{
		cJSON_ArrayForEach(op, path)
		{
			ops++;
			assert_non_null(sv_json_obj(op, "responses"));
		}
	}
	for (size_t t = 0; rest_route_tables[t]; t++) {
		for (const struct rest_route *r = rest_route_tables[t]; r->method; r++) {
			routes++;
			char *p = sv_xstrdup(r->pattern), *star;
			while ((star = strstr(p, "*}")))
				memmove(star, star + 1, strlen(star));
			cJSON *item = sv_json_obj(paths, p);
			assert_non_null(item);
			char m[16];
			size_t i = 0;
			for (; r->method[i] && i < sizeof m - 1; i++)
				m[i] = (char)(r->method[i] - 'A' + 'a');
			m[i] = '\0';
			assert_non_null(sv_json_obj(item, m));
			free(p);
		}
	}
	assert_int_equal(ops, routes);
	cJSON_Delete(doc);
}

static void test_api_router__rate_limit(void **state)
{
	(void)state;
	struct rest_clients *c = rest_clients_new(10, 5);
	int64_t t = 1000000000;
	int retry = 0;
	for (int i = 0; i < 5; i++)
		assert_true(rest_clients_take(c, "tcp:1.2.3.4", t, &retry));
	assert_false(rest_clients_take(c, "tcp:1.2.3.4", t, &retry));
	assert_int_equal(retry, 1);
	/* Another client has its own bucket. */
	assert_true(rest_clients_take(c, "tcp:5.6.7.8", t, &retry));
	/* 100 ms later one token is back. */
	assert_true(rest_clients_take(c, "tcp:1.2.3.4", t + 100000000, &retry));
	assert_false(rest_clients_take(c, "tcp:1.2.3.4", t + 100000000, &retry));
	/* Connection caps. */
	assert_true(rest_clients_open(c, "unix:0:1", 2));
	assert_true(rest_clients_open(c, "unix:0:1", 2));
	assert_false(rest_clients_open(c, "unix:0:1", 2));
	rest_clients_close(c, "unix:0:1");
	assert_true(rest_clients_open(c, "unix:0:1", 2));
	rest_clients_free(c);
	/* Rate 0: no limit. */
	c = rest_clients_new(0, 0);
	for (int i = 0; i < 10000; i++)
		assert_true(rest_clients_take(c, "x", t, &retry));
	rest_clients_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_router__versions),
		cmocka_unit_test(test_api_router__image_names_with_slashes),
		cmocka_unit_test(test_api_router__not_found_and_method),
		cmocka_unit_test(test_api_router__booleans),
		cmocka_unit_test(test_api_router__filters_both_encodings),
		cmocka_unit_test(test_api_router__status_mapping),
		cmocka_unit_test(test_api_router__openapi_matches_routes),
		cmocka_unit_test(test_api_router__rate_limit),
	};
	return cmocka_run_group_tests_name("api_router", tests, NULL, NULL);
}
