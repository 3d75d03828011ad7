/*
 * Search: Docker Hub's (and compatible indexes') /v1/search where the
 * registry has it; elsewhere the repository names of /v2/_catalog that
 * contain the term (the distribution registry has a catalog, not a
 * search).
 *
 *   "busybox"                → Docker Hub, q=busybox
 *   "localhost:5000/busy"    → that registry, q=busy
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry-internal.h"

#define SEARCH_BODY_MAX (8u << 20)
#define CATALOG_PAGES 50

struct hits {
	struct sv_registry_search_hit *v;
	size_t n;
	int limit;
};

static void add_hit(struct hits *h, const char *name, const char *desc, int64_t stars, bool official, bool automated)
{
	if ((int)h->n >= h->limit)
		return;
	h->v = sv_xrealloc(h->v, (h->n + 1) * sizeof *h->v);
	h->v[h->n++] = (struct sv_registry_search_hit){ sv_xstrdup(name), sv_xstrdup(desc ? desc : ""), stars,
							official, automated };
}

/* "host:port/term" → host and term; a plain term is for Docker Hub. */
static void split_term(const char *term, char **host, char **q)
{
	const char *slash = strchr(term, '/');
	if (slash) {
		SV_AUTOFREE char *first = sv_xstrndup(term, (size_t)(slash - term));
		if (strchr(first, '.') || strchr(first, ':') || !strcmp(first, "localhost")) {
			*host = reg_host_normalize(first);
			*q = sv_xstrdup(slash + 1);
			return;
		}
	}
	*host = sv_xstrdup(SV_REF_DEFAULT_DOMAIN);
	*q = sv_xstrdup(term);
}

static char *escape(const char *s)
{
	CURL *h = curl_easy_init();
	char *e = curl_easy_escape(h, s, 0);
	char *out = sv_xstrdup(e ? e : "");
	curl_free(e);
	curl_easy_cleanup(h);
	return out;
}

/* 1 answered, 0 no search here, -1 error. */
static int v1_search(struct reg_conn *c, struct reg_endpoint *ep, const char *q, struct hits *h, sv_err **err)
{
	SV_AUTOFREE char *eq = escape(q);
	SV_AUTOFREE char *path = sv_xasprintf("/v1/search?q=%s&n=%d", eq, h->limit);
	struct reg_req req = { .ep = ep, .path = path, .max_body = SEARCH_BODY_MAX };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	SV_AUTOJSON cJSON *j = NULL;
	if (rc == 0 && resp.status == 200)
		j = sv_json_parse(resp.body.data, resp.body.len, SEARCH_BODY_MAX, "search answer", err);
	else if (rc == 0 && resp.status >= 500)
		rc = reg_status_err(&req, &resp, "search", err);
	const cJSON *results = j ? sv_json_arr(j, "results") : NULL;
	if (rc == 0 && resp.status == 200 && !results)
		rc = j ? sv_err_setx(err, EBADMSG, "search answer without results") : -1;
	const cJSON *it;
	cJSON_ArrayForEach(it, results)
	{
		const char *name = sv_json_str(it, "name");
		if (name)
			add_hit(h, name, sv_json_str(it, "description"), sv_json_i64(it, "star_count", 0),
				sv_json_bool(it, "is_official", false), sv_json_bool(it, "is_automated", false));
	}
	reg_resp_release(&resp);
	return rc < 0 ? -1 : results ? 1 : 0;
}

static int catalog_search(struct reg_conn *c, struct reg_endpoint *ep, const char *host, const char *q,
			  struct hits *h, sv_err **err)
{
	SV_AUTOFREE char *path = sv_xstrdup("/v2/_catalog?n=1000");
	for (int page = 0; path && page < CATALOG_PAGES && (int)h->n < h->limit; page++) {
		struct reg_req req = { .ep = ep, .path = path, .scope = "registry:catalog:*", .max_body = SEARCH_BODY_MAX };
		struct reg_resp resp;
		reg_resp_init(&resp);
		int rc = reg_do(c, &req, &resp, err);
		if (rc == 0 && resp.status != 200)
			rc = reg_status_err(&req, &resp, "search (catalog)", err);
		SV_AUTOJSON cJSON *j = rc == 0 ? sv_json_parse(resp.body.data, resp.body.len, SEARCH_BODY_MAX, "catalog", err)
					      : NULL;
		const cJSON *repos = j ? sv_json_arr(j, "repositories") : NULL;
		const cJSON *it;
		cJSON_ArrayForEach(it, repos)
		{
			if (!cJSON_IsString(it) || !strstr(it->valuestring, q))
				continue;
			SV_AUTOFREE char *full = sv_xasprintf("%s/%s", host, it->valuestring);
			add_hit(h, full, "", 0, false, false);
		}
		free(path);
		path = rc == 0 && j ? reg_next_link(resp.link) : NULL;
		reg_resp_release(&resp);
		if (rc < 0 || !j)
			return -1;
	}
	return 0;
}

int sv_registry_search(sv_registry *r, const char *term, int limit, struct sv_registry_search_hit **hits,
		       size_t *n, sv_err **err)
{
	struct hits h = { .limit = limit > 0 ? limit : 25 };
	SV_AUTOFREE char *host = NULL;
	SV_AUTOFREE char *q = NULL;
	split_term(term, &host, &q);
	if (!host || !*q)
		return sv_err_setx(err, EINVAL, "search: invalid term '%s'", term);
	bool hub = strcmp(host, SV_REF_DEFAULT_DOMAIN) == 0;
	struct reg_endpoint *ep = reg_endpoint_get(r, hub ? REG_DOCKER_HUB_INDEX : host, NULL, false, err);
	if (!ep)
		return -1;
	struct reg_conn *c = reg_conn_new(r);
	int rc = v1_search(c, ep, q, &h, err);
	if (rc == 0)
		rc = catalog_search(c, ep, host, q, &h, err);
	reg_conn_free(c);
	if (rc < 0) {
		sv_registry_search_free(h.v, h.n);
		return sv_err_prefix(err, "search %s", term);
	}
	*hits = h.v;
	*n = h.n;
	return 0;
}

void sv_registry_search_free(struct sv_registry_search_hit *hits, size_t n)
{
	for (size_t i = 0; hits && i < n; i++) {
		free(hits[i].name);
		free(hits[i].description);
	}
	free(hits);
}
