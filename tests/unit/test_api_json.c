/*
 * app/api/json-out.c writes the same bytes as cJSON_PrintUnformatted:
 * every byte value in strings, numbers across the whole double range and
 * the integers around every boundary, nested trees with odd keys, and the
 * values cJSON refuses to print.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"

/* Ours and cJSON's print of v agree (v is taken). */
static void same_as_cjson(cJSON *v)
{
	char *want = cJSON_PrintUnformatted(v);
	assert_non_null(want);
	struct sv_buf b;
	sv_buf_init(&b);
	assert_true(rest_json_add_value(&b, v));
	if (strcmp(b.data, want) != 0)
		fail_msg("json-out wrote %s, cJSON %s", b.data, want);
	sv_buf_release(&b);
	free(want);
	cJSON_Delete(v);
}

static void test_json__every_byte_in_strings(void **state)
{
	(void)state;
	char all[256];
	for (int c = 1; c < 256; c++) {
		char one[4] = { 'a', (char)c, 'z', 0 };
		same_as_cjson(cJSON_CreateString(one));
		all[c - 1] = (char)c;
	}
	all[255] = 0;
	same_as_cjson(cJSON_CreateString(all));
	same_as_cjson(cJSON_CreateString(""));
	same_as_cjson(cJSON_CreateString("\xc3\xa9\xf0\x9f\x98\x80 \"q\" \\ /"));
	/* A NULL text prints as "", as cJSON's own printer does. */
	struct sv_buf b;
	sv_buf_init(&b);
	rest_json_add_str(&b, NULL);
	assert_string_equal(b.data, "\"\"");
	sv_buf_release(&b);
}

static void test_json__numbers(void **state)
{
	(void)state;
	static const double fixed[] = {
		0, -0.0, 1, -1, 0.5, -0.5, 0.1, 1.0 / 3, 2.0 / 3, 1e-7, 123456.789, 1e15, 1e15 - 1, -1e15 + 1, 1e16,
		1e21, 1e22, 123456789012345678.0, 9007199254740992.0, 9007199254740993.0, INT_MAX, INT_MIN,
		(double)INT_MAX + 1, (double)INT_MIN - 1, 4294967296.0, 1795976638, -1795976638, DBL_MAX, -DBL_MAX,
		DBL_MIN, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 1e-300, 3e9, 17179869184.5,
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		same_as_cjson(cJSON_CreateNumber(fixed[i]));
	same_as_cjson(cJSON_CreateNumber(NAN));
	same_as_cjson(cJSON_CreateNumber(INFINITY));
	same_as_cjson(cJSON_CreateNumber(-INFINITY));
	/* Random doubles over the whole range of exponents, and integers. */
	srand48(7);
	for (int i = 0; i < 20000; i++) {
		double m = drand48() * 2 - 1;
		int e = (int)(drand48() * 600) - 300;
		same_as_cjson(cJSON_CreateNumber(ldexp(m, e)));
		same_as_cjson(cJSON_CreateNumber((double)(int64_t)(mrand48() * (double)(1LL << (i % 40)))));
	}
}

static void test_json__trees(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"{}",
		"[]",
		"[[],{},[{}],{\"\":[]}]",
		"{\"a\":null,\"b\":true,\"c\":false,\"d\":[1,2.5,-3e-5,\"x\"],\"e\":{\"f\":{\"g\":[null]}}}",
		"{\"k\\\"ey\\n\":\"v\\u0001\\u001f\\u007f\",\"\\u00e9\":\"\\ud83d\\ude00\",\"dup\":1,\"dup\":2}",
		"[{\"Id\":\"abc\",\"Names\":[\"/n\"],\"Created\":1795976638,\"Ports\":[{\"IP\":\"0.0.0.0\","
		"\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"}],\"Labels\":{}}]",
	};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		cJSON *v = cJSON_Parse(docs[i]);
		assert_non_null(v);
		same_as_cjson(v);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "raw", cJSON_CreateRaw("{\"as\":\"is\"}"));
	cJSON_AddItemReferenceToObject(o, "ref", cJSON_GetObjectItem(o, "raw"));
	same_as_cjson(o);
}

static void test_json__unprintable_refused(void **state)
{
	(void)state;
	cJSON *raw = cJSON_CreateRaw("x");
	free(raw->valuestring);
	raw->valuestring = NULL;
	assert_null(cJSON_PrintUnformatted(raw));
	struct sv_buf b;
	sv_buf_init(&b);
	assert_false(rest_json_add_value(&b, raw));
	cJSON *a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, raw);
	assert_false(rest_json_add_value(&b, a));
	cJSON_Delete(a);
	cJSON bad = { .type = 1 << 12 };
	assert_false(rest_json_add_value(&b, &bad));
	assert_false(rest_json_add_value(&b, NULL));
	sv_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json__every_byte_in_strings),
		cmocka_unit_test(test_json__numbers),
		cmocka_unit_test(test_json__trees),
		cmocka_unit_test(test_json__unprintable_refused),
	};
	return cmocka_run_group_tests_name("api_json", tests, NULL, NULL);
}
