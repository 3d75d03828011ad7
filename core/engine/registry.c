/*
 * Registries through the engine: pull, push, login/logout, search, tags,
 * and the "pull if missing" that run and create use. One registry session
 * per engine, opened on first use, so bearer tokens are reused.
 */
#include "engine/engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "image/image.h"
#include "registry/registry.h"

/* The engine's session, with a reference for the caller (drop it with
 * sv_registry_free). A session whose files changed is replaced; calls in
 * flight keep the old one until they let go. */
static sv_registry *session(sv_engine *e, sv_err **err)
{
	pthread_mutex_lock(&e->registry_mu);
	if (e->registry && sv_registry_stale(e->registry)) {
		sv_registry_free(e->registry);
		e->registry = NULL;
	}
	if (!e->registry) {
		struct sv_registry_opts o = { .config_file = e->config };
		if (sv_registry_new(&o, &e->registry, err) < 0)
			e->registry = NULL;
		else
			e->registry_release = engine_registry_release;
	}
	sv_registry *r = e->registry ? sv_registry_ref(e->registry) : NULL;
	pthread_mutex_unlock(&e->registry_mu);
	return r;
}

void engine_registry_release(sv_engine *e)
{
	sv_registry_free(e->registry);
	e->registry = NULL;
}

void sv_pull_result_release(struct sv_pull_result *r)
{
	free(r->name);
	free(r->familiar);
	r->name = r->familiar = NULL;
}

int sv_engine_image_pull(sv_engine *e, const char *ref, const struct sv_pull_opts *opts,
			 struct sv_pull_result *res, sv_err **err)
{
	static const struct sv_pull_opts none;
	if (!opts)
		opts = &none;
	memset(res, 0, sizeof *res);
	sv_registry *r = session(e, err);
	if (!r)
		return -1;
	struct sv_registry_pull_opts o = {
		.platform = opts->platform,
		.parallel = opts->parallel,
		.progress = opts->progress,
		.progress_arg = opts->progress_arg,
		.cancel = opts->cancel,
		.username = opts->username,
		.password = opts->password,
	};
	struct sv_registry_pull_result rr;
	int rc = sv_registry_pull(r, e->store, ref, &o, &rr, err);
	sv_registry_free(r);
	if (rc < 0)
		return -1;
	memcpy(res->id, rr.id, sizeof res->id);
	memcpy(res->digest, rr.digest, sizeof res->digest);
	res->name = sv_steal_ptr(&rr.name);
	res->familiar = sv_ref_familiarize(res->name);
	res->up_to_date = rr.up_to_date;
	res->downloaded = rr.downloaded;
	sv_registry_pull_result_release(&rr);
	return 0;
}

int sv_engine_image_tags(sv_engine *e, const char *name, char ***tags, sv_err **err)
{
	sv_registry *r = session(e, err);
	int rc = r ? sv_registry_tags(r, name, tags, err) : -1;
	sv_registry_free(r);
	return rc;
}

int sv_engine_image_ensure(sv_engine *e, const char *ref, enum sv_pull_policy policy,
			   const struct sv_pull_opts *opts, char id[SV_DIGEST_STR_LEN], bool *pulled, sv_err **err)
{
	if (pulled)
		*pulled = false;
	if (policy != SV_PULL_ALWAYS) {
		SV_AUTOERR sv_err *lookup = NULL;
		if (sv_image_resolve(e->store, ref, id, &lookup) == 0)
			return 0;
		if (policy == SV_PULL_NEVER || lookup->code != ENOENT) {
			sv_err_setx(err, lookup->code, "%s", lookup->msg);
			return -1;
		}
		/* An id prefix is never something to pull. */
		struct sv_ref r;
		if (sv_ref_parse(ref, &r, NULL) < 0) {
			sv_err_setx(err, lookup->code, "%s", lookup->msg);
			return -1;
		}
		sv_ref_release(&r);
	}
	struct sv_pull_result res;
	if (sv_engine_image_pull(e, ref, opts, &res, err) < 0)
		return -1;
	memcpy(id, res.id, SV_DIGEST_STR_LEN);
	sv_pull_result_release(&res);
	if (pulled)
		*pulled = true;
	return 0;
}

void sv_push_result_release(struct sv_push_result *r)
{
	free(r->tag);
	r->tag = NULL;
}

int sv_engine_image_push(sv_engine *e, const char *ref, const struct sv_push_opts *opts,
			 struct sv_push_result *res, sv_err **err)
{
	static const struct sv_push_opts none;
	if (!opts)
		opts = &none;
	memset(res, 0, sizeof *res);
	sv_registry *r = session(e, err);
	if (!r)
		return -1;
	struct sv_registry_push_opts o = {
		.parallel = opts->parallel,
		.progress = opts->progress,
		.progress_arg = opts->progress_arg,
		.cancel = opts->cancel,
		.username = opts->username,
		.password = opts->password,
	};
	struct sv_registry_push_result rr;
	int rc = sv_registry_push(r, e->store, ref, &o, &rr, err);
	sv_registry_free(r);
	if (rc < 0)
		return -1;
	memcpy(res->digest, rr.digest, sizeof res->digest);
	res->size = rr.size;
	res->tag = sv_steal_ptr(&rr.tag);
	sv_registry_push_result_release(&rr);
	return 0;
}

int sv_engine_login(sv_engine *e, const char *server, const char *user, const char *password, char **host,
		    sv_err **err)
{
	if (host)
		*host = sv_registry_server_host(server, NULL);
	sv_registry *r = session(e, err);
	int rc = r ? sv_registry_login(r, server, user, password, err) : -1;
	sv_registry_free(r);
	return rc;
}

int sv_engine_login_check(sv_engine *e, const char *server, const char *user, const char *password, sv_err **err)
{
	sv_registry *r = session(e, err);
	int rc = r ? sv_registry_login_check(r, server, user, password, err) : -1;
	sv_registry_free(r);
	return rc;
}

int sv_engine_logout(sv_engine *e, const char *server, char **host, sv_err **err)
{
	if (host)
		*host = sv_registry_server_host(server, NULL);
	sv_registry *r = session(e, err);
	int rc = r ? sv_registry_logout(r, server, err) : -1;
	sv_registry_free(r);
	return rc;
}

int sv_engine_image_search(sv_engine *e, const char *term, int limit, struct sv_search_hit **hits, size_t *n,
			   sv_err **err)
{
	sv_registry *r = session(e, err);
	struct sv_registry_search_hit *rh = NULL;
	int rc = r ? sv_registry_search(r, term, limit, &rh, n, err) : -1;
	sv_registry_free(r);
	if (rc < 0)
		return -1;
	struct sv_search_hit *out = sv_xcalloc(*n + 1, sizeof *out);
	for (size_t i = 0; i < *n; i++) {
		out[i] = (struct sv_search_hit){ .name = sv_steal_ptr(&rh[i].name),
						 .description = sv_steal_ptr(&rh[i].description),
						 .stars = rh[i].stars,
						 .official = rh[i].official,
						 .automated = rh[i].automated };
	}
	sv_registry_search_free(rh, *n);
	*hits = out;
	return 0;
}

void sv_search_hits_free(struct sv_search_hit *hits, size_t n)
{
	for (size_t i = 0; hits && i < n; i++) {
		free(hits[i].name);
		free(hits[i].description);
	}
	free(hits);
}
