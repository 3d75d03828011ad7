/*
 * The route table and matching: API versions in the path, patterns with
 * one-segment ({id}) and many-segment ({name*}) parameters — image names
 * carry slashes ("/images/docker.io/myrepo/alpine/push") — and 404 versus
 * 405 for paths that exist under another method.
 *
 * Tables are searched in order, so a literal route ("/images/json") listed
 * before a parameter route ("/images/{name*}/json") wins.
 */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct rest_route *const rest_route_tables[] = {
	rest_routes_system,
	rest_routes_images,
	rest_routes_containers,
	rest_routes_container_streams,
	rest_routes_exec,
	rest_routes_networks,
	rest_routes_volumes,
	rest_routes_events,
	rest_routes_openapi,
	NULL,
};

int rest_version_split(const char *path, int *minor, const char **rest, char **why)
{
	*minor = 43;
	*rest = path;
	if (strncmp(path, "/v", 2) != 0 || path[2] < '0' || path[2] > '9')
		return 0;
	const char *p = path + 2;
	char *end;
	long major = strtol(p, &end, 10);
	if (*end != '.' || end == p)
		return 0;
	p = end + 1;
	long mn = strtol(p, &end, 10);
	if (end == p || (*end != '/' && *end != '\0'))
		return 0;
	if (major != 1 || mn < 24) {
		*why = sv_xasprintf("client version %ld.%ld is too old. Minimum supported API version is "
				    SV_ENGINE_API_MIN_VERSION ", please upgrade your client to a newer version",
				    major, mn);
		return 400;
	}
	if (mn > 43) {
		*why = sv_xasprintf("client version %ld.%ld is too new. Maximum supported API version is "
				    SV_ENGINE_API_VERSION, major, mn);
		return 400;
	}
	*minor = (int)mn;
	*rest = *end ? end : "/";
	return 0;
}

/* Splits a path into segments in place; returns the count (-1 above max). */
static int split(char *s, char **seg, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *p = strtok_r(s, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -1;
		seg[n++] = p;
	}
	return n;
}

static void params_free(char *params[REST_MAX_PARAMS])
{
	for (int i = 0; i < REST_MAX_PARAMS; i++) {
		free(params[i]);
		params[i] = NULL;
	}
}

static char *join(char **seg, int from, int to)
{
	struct sv_buf b;
	sv_buf_init(&b);
	for (int i = from; i < to; i++) {
		if (i > from)
			sv_buf_addc(&b, '/');
		sv_buf_adds(&b, seg[i]);
	}
	return sv_buf_detach(&b, NULL);
}

/* One pattern against the path's segments. */
static bool match(const char *pattern, char **ps, int np, char *params[REST_MAX_PARAMS])
{
	char pat[256];
	snprintf(pat, sizeof pat, "%s", pattern);
	char *qs[32];
	int nq = split(pat, qs, 32);
	int greedy = -1, k = 0;
	for (int i = 0; i < nq; i++)
		if (qs[i][0] == '{' && strstr(qs[i], "*}"))
			greedy = i;
	if (greedy < 0 ? np != nq : np < nq)
		return false;
	for (int i = 0, at = 0; i < nq; i++) {
		int take = i == greedy ? np - nq + 1 : 1;
		if (qs[i][0] == '{') {
			if (k < REST_MAX_PARAMS)
				params[k++] = take == 1 ? sv_xstrdup(ps[at]) : join(ps, at, at + take);
		} else if (strcmp(qs[i], ps[at]) != 0) {
			params_free(params);
			return false;
		}
		at += take;
	}
	return true;
}

const struct rest_route *rest_route_match(const char *method, const char *path, char *params[REST_MAX_PARAMS],
					  int *status)
{
	SV_AUTOFREE char *copy = sv_xstrdup(path);
	char *ps[64];
	int np = split(copy, ps, 64);
	*status = 404;
	if (np < 0)
		return NULL;
	for (size_t t = 0; rest_route_tables[t]; t++) {
		for (const struct rest_route *r = rest_route_tables[t]; r->method; r++) {
			char *got[REST_MAX_PARAMS] = { 0 };
			if (!match(r->pattern, ps, np, got))
				continue;
			if (strcmp(r->method, method) != 0) {
				params_free(got);
				*status = 405;
				continue;
			}
			memcpy(params, got, sizeof got);
			return r;
		}
	}
	return NULL;
}
