/*
 * JSON written straight into a buffer, byte for byte what
 * cJSON_PrintUnformatted prints for the same values: an answer is printed
 * without cJSON's intermediate string, and the hot listings (GET
 * /containers/json) write their fields without building a tree at all
 * (a node, a key copy and a value copy per field, then freeing them all,
 * was a third of the listing's time).
 *
 * cJSON's rules kept here: strings escape '"', '\\', \b \f \n \r \t by
 * letter and other bytes below 32 as \u00xx (lower-case hex); every other
 * byte goes out as it is. Numbers print with %1.15g, or %1.17g when that
 * does not read back the same; NaN and infinities print as null.
 * tests/unit/test_api_json.c checks all of it against cJSON itself.
 */
#include "api.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rest_json_add_str(struct sv_buf *b, const char *s)
{
	sv_buf_addc(b, '"');
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		const unsigned char *run = p; /* bytes that go out as they are */
		while (*p > 31 && *p != '"' && *p != '\\')
			p++;
		sv_buf_add(b, run, (size_t)(p - run));
		if (!*p)
			break;
		char esc[8];
		switch (*p) {
		case '"': sv_buf_add(b, "\\\"", 2); break;
		case '\\': sv_buf_add(b, "\\\\", 2); break;
		case '\b': sv_buf_add(b, "\\b", 2); break;
		case '\f': sv_buf_add(b, "\\f", 2); break;
		case '\n': sv_buf_add(b, "\\n", 2); break;
		case '\r': sv_buf_add(b, "\\r", 2); break;
		case '\t': sv_buf_add(b, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			sv_buf_add(b, esc, 6);
			break;
		}
		p++;
	}
	sv_buf_addc(b, '"');
}

static bool same_double(double a, double b)
{
	double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
	return fabs(a - b) <= max * DBL_EPSILON;
}

void rest_json_add_num(struct sv_buf *b, double d)
{
	char t[32];
	if (isnan(d) || isinf(d)) {
		sv_buf_add(b, "null", 4);
		return;
	}
	/* Integers below 1e15 are what %1.15g prints them as (-0 is not). */
	if (d == floor(d) && fabs(d) < 1e15 && (d != 0 || !signbit(d))) {
		int n = snprintf(t, sizeof t, "%lld", (long long)d);
		sv_buf_add(b, t, (size_t)n);
		return;
	}
	int n = snprintf(t, sizeof t, "%1.15g", d);
	double back;
	if (sscanf(t, "%lg", &back) != 1 || !same_double(back, d))
		n = snprintf(t, sizeof t, "%1.17g", d);
	/* cJSON writes '.' whatever the locale's decimal point. */
	const char *dp = localeconv()->decimal_point;
	for (int i = 0; i < n && dp && dp[0] != '.'; i++)
		if (t[i] == dp[0])
			t[i] = '.';
	sv_buf_add(b, t, (size_t)n);
}

bool rest_json_add_value(struct sv_buf *b, const cJSON *v)
{
	const cJSON *it;
	switch (v ? v->type & 0xff : -1) {
	case cJSON_NULL: sv_buf_add(b, "null", 4); return true;
	case cJSON_False: sv_buf_add(b, "false", 5); return true;
	case cJSON_True: sv_buf_add(b, "true", 4); return true;
	case cJSON_Number: rest_json_add_num(b, v->valuedouble); return true;
	case cJSON_String: rest_json_add_str(b, v->valuestring); return true;
	case cJSON_Raw:
		if (!v->valuestring)
			return false;
		sv_buf_adds(b, v->valuestring);
		return true;
	case cJSON_Array:
	case cJSON_Object: {
		bool object = (v->type & 0xff) == cJSON_Object;
		sv_buf_addc(b, object ? '{' : '[');
		for (it = v->child; it; it = it->next) {
			if (object) {
				rest_json_add_str(b, it->string);
				sv_buf_addc(b, ':');
			}
			if (!rest_json_add_value(b, it))
				return false;
			if (it->next)
				sv_buf_addc(b, ',');
		}
		sv_buf_addc(b, object ? '}' : ']');
		return true;
	}
	default: return false;
	}
}
