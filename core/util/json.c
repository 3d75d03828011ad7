/*
 * JSON helpers over cJSON: bounded parsing of untrusted text with an error
 * that says where it broke, and typed member access that never crashes on
 * a member of the wrong type.
 */
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cJSON *sv_json_parse(const char *text, size_t len, size_t max, const char *what, sv_err **err)
{
	if (len > max)
		return sv_err_setx(err, E2BIG, "%s: %zu bytes is over the limit of %zu", what, len, max),
		       NULL;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!j) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;
		return sv_err_setx(err, EBADMSG, "%s: malformed JSON at byte %zu", what, off), NULL;
	}
	/* Only whitespace may follow the value. */
	for (const char *p = end; p && p < text + len; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == '\0')
			continue;
		cJSON_Delete(j);
		return sv_err_setx(err, EBADMSG, "%s: trailing data after JSON at byte %zu", what,
				   (size_t)(p - text)),
		       NULL;
	}
	return j;
}

const char *sv_json_str(const struct cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t sv_json_i64(const struct cJSON *obj, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v))
		return def;
	double d = v->valuedouble;
	if (d >= 9.2e18 || d <= -9.2e18)
		return def;
	return (int64_t)d;
}

bool sv_json_bool(const struct cJSON *obj, const char *key, bool def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

struct cJSON *sv_json_obj(const struct cJSON *obj, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsObject(v) ? v : NULL;
}

struct cJSON *sv_json_arr(const struct cJSON *obj, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsArray(v) ? v : NULL;
}

int sv_json_strv(const struct cJSON *arr, char ***out, sv_err **err)
{
	char **v = sv_xcalloc(1, sizeof *v);
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it)) {
			sv_strv_free(v);
			return sv_err_setx(err, EINVAL, "expected an array of strings");
		}
		sv_strv_push(&v, it->valuestring);
	}
	*out = v;
	return 0;
}

char *sv_json_print(const struct cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);
	if (!s)
		abort();
	return s;
}

char *sv_json_print_pretty(const struct cJSON *obj)
{
	char *s = cJSON_Print(obj);
	if (!s)
		abort();
	return s;
}

void sv_cleanup_json(struct cJSON **j)
{
	cJSON_Delete(*j);
	*j = NULL;
}
