/*
 * The distribution API calls: manifests, blobs and tags of a repository on
 * one endpoint. Every answer is bounded and checked: a manifest fetched by
 * digest must hash to it, one fetched by tag must match the digest the
 * registry announced; small blobs are verified before anyone sees them.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry-internal.h"

#define TAGS_MAX 100000
#define TAGS_BODY_MAX (8u << 20)

static const char manifest_accept[] = SV_MEDIA_OCI_INDEX ", " SV_MEDIA_DOCKER_LIST ", " SV_MEDIA_OCI_MANIFEST
	", " SV_MEDIA_DOCKER_MANIFEST;

void reg_repo_init(struct reg_repo *repo, struct reg_endpoint *ep, const char *path)
{
	repo->ep = ep;
	repo->path = path;
	repo->pull_scope = sv_xasprintf("repository:%s:pull", path);
	repo->push_scope = sv_xasprintf("repository:%s:pull,push", path);
}

void reg_repo_release(struct reg_repo *repo)
{
	free(repo->pull_scope);
	free(repo->push_scope);
	memset(repo, 0, sizeof *repo);
}

int reg_fetch_err(const struct reg_repo *repo, const char *what, const struct reg_req *req,
		  const struct reg_resp *resp, sv_err **err)
{
	SV_AUTOFREE char *code = NULL;
	SV_AUTOFREE char *msg = reg_error_message(resp, &code);
	if (resp->status == 401 || resp->status == 403) {
		if (repo->ep->user)
			return sv_err_setx(err, EACCES, "unauthorized: access to %s/%s refused for user %s%s%s",
					   repo->ep->host, repo->path, repo->ep->user, msg ? ": " : "", msg ? msg : "");
		return sv_err_setx(err, EACCES,
				   "access denied for %s/%s: the repository does not exist or may require "
				   "'servin login'%s%s",
				   repo->ep->host, repo->path, msg ? ": " : "", msg ? msg : "");
	}
	if (resp->status == 404)
		return sv_err_setx(err, ENOENT, "%s not found%s%s", what, msg ? ": " : "", msg ? msg : "");
	return reg_status_err(req, resp, what, err);
}

static char *media_type_of(const char *ct)
{
	if (!ct)
		return NULL;
	size_t n = strcspn(ct, "; ");
	return n ? sv_xstrndup(ct, n) : NULL;
}

int reg_get_manifest(struct reg_conn *c, const struct reg_repo *repo, const char *ref, struct sv_buf *out,
		     char **media_type, char digest[SV_DIGEST_STR_LEN], sv_err **err)
{
	SV_AUTOFREE char *path = sv_xasprintf("/v2/%s/manifests/%s", repo->path, ref);
	struct reg_req req = { .ep = repo->ep, .path = path, .scope = repo->pull_scope, .accept = manifest_accept,
			       .max_body = SV_MANIFEST_MAX };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc < 0 && sv_err_code(err) == E2BIG) {
		sv_err_clear(err);
		rc = sv_err_setx(err, E2BIG, "manifest %s is over the limit of %u bytes", ref, SV_MANIFEST_MAX);
	} else if (rc == 0 && resp.status != 200) {
		SV_AUTOFREE char *what = sv_xasprintf("manifest for %s/%s%s%s", repo->ep->host, repo->path,
						      sv_str_has_prefix(ref, "sha256:") ? "@" : ":", ref);
		rc = reg_fetch_err(repo, what, &req, &resp, err);
	}
	if (rc == 0) {
		sv_sha256_data(resp.body.data, resp.body.len, digest);
		if (sv_str_has_prefix(ref, "sha256:") && strcmp(ref, digest) != 0)
			rc = sv_err_setx(err, EBADMSG, "manifest digest mismatch: asked for %s, the content hashes to %s",
					 ref, digest);
		else if (!sv_str_has_prefix(ref, "sha256:") && resp.digest && sv_str_has_prefix(resp.digest, "sha256:") &&
			 strcmp(resp.digest, digest) != 0)
			rc = sv_err_setx(err, EBADMSG,
					 "manifest digest mismatch: the registry announced %.80s, the content hashes to %s",
					 resp.digest, digest);
	}
	if (rc == 0) {
		sv_buf_reset(out);
		sv_buf_add(out, resp.body.data, resp.body.len);
		*media_type = media_type_of(resp.content_type);
	}
	reg_resp_release(&resp);
	return rc;
}

int reg_get_blob_small(struct reg_conn *c, const struct reg_repo *repo, const struct sv_descriptor *d,
		       struct sv_buf *out, sv_err **err)
{
	if (d->size > (int64_t)SV_MANIFEST_MAX)
		return sv_err_setx(err, E2BIG, "blob %s: %lld bytes is over the limit of %u", d->digest,
				   (long long)d->size, SV_MANIFEST_MAX);
	SV_AUTOFREE char *path = sv_xasprintf("/v2/%s/blobs/%s", repo->path, d->digest);
	struct reg_req req = { .ep = repo->ep, .path = path, .scope = repo->pull_scope,
			       .max_body = (size_t)d->size + 1 };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc < 0 && sv_err_code(err) == E2BIG) {
		sv_err_clear(err);
		rc = sv_err_setx(err, EBADMSG, "blob %s: size mismatch: more than the %lld bytes of its descriptor",
				 d->digest, (long long)d->size);
	} else if (rc == 0 && resp.status != 200) {
		SV_AUTOFREE char *what = sv_xasprintf("blob %s", d->digest);
		rc = reg_fetch_err(repo, what, &req, &resp, err);
	}
	char got[SV_DIGEST_STR_LEN];
	if (rc == 0 && (int64_t)resp.body.len != d->size)
		rc = sv_err_setx(err, EBADMSG, "blob %s: size mismatch: expected %lld bytes, got %zu", d->digest,
				 (long long)d->size, resp.body.len);
	if (rc == 0) {
		sv_sha256_data(resp.body.data, resp.body.len, got);
		if (strcmp(got, d->digest) != 0)
			rc = sv_err_setx(err, EBADMSG, "blob %s: digest mismatch: the content hashes to %s", d->digest, got);
	}
	if (rc == 0) {
		sv_buf_reset(out);
		sv_buf_add(out, resp.body.data, resp.body.len);
	}
	reg_resp_release(&resp);
	return rc;
}

int reg_get_blob(struct reg_conn *c, const struct reg_repo *repo, const char *digest, int64_t offset,
		 reg_sink_fn *sink, void *arg, const volatile bool *cancel, const volatile bool *cancel_also,
		 sv_err **err)
{
	SV_AUTOFREE char *path = sv_xasprintf("/v2/%s/blobs/%s", repo->path, digest);
	struct reg_req req = { .ep = repo->ep, .path = path, .scope = repo->pull_scope, .sink = sink,
			       .sink_arg = arg, .offset = offset, .cancel = cancel,
			       .cancel_also = cancel_also };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc == 0 && resp.status != 200 && resp.status != 206) {
		SV_AUTOFREE char *what = sv_xasprintf("blob %s", digest);
		rc = reg_fetch_err(repo, what, &req, &resp, err);
	}
	reg_resp_release(&resp);
	return rc;
}

int reg_blob_exists(struct reg_conn *c, const struct reg_repo *repo, const char *digest, sv_err **err)
{
	SV_AUTOFREE char *path = sv_xasprintf("/v2/%s/blobs/%s", repo->path, digest);
	struct reg_req req = { .method = "HEAD", .ep = repo->ep, .path = path, .scope = repo->push_scope };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc == 0)
		rc = resp.status == 200 ? 1 : resp.status == 404 ? 0 : reg_fetch_err(repo, "blob", &req, &resp, err);
	reg_resp_release(&resp);
	return rc;
}

char *reg_next_link(const char *link)
{
	if (!link || !strstr(link, "rel=\"next\""))
		return NULL;
	const char *lt = strchr(link, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt || lt[1] != '/')
		return NULL;
	return sv_xstrndup(lt + 1, (size_t)(gt - lt - 1));
}

static int tags_page(struct reg_conn *c, const struct reg_repo *repo, const char *path, char ***tags, char **next,
		     sv_err **err)
{
	struct reg_req req = { .ep = repo->ep, .path = path, .scope = repo->pull_scope, .max_body = TAGS_BODY_MAX };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc == 0 && resp.status != 200) {
		SV_AUTOFREE char *what = sv_xasprintf("repository %s/%s", repo->ep->host, repo->path);
		rc = reg_fetch_err(repo, what, &req, &resp, err);
	}
	SV_AUTOJSON cJSON *j = NULL;
	if (rc == 0 && !(j = sv_json_parse(resp.body.data, resp.body.len, TAGS_BODY_MAX, "tag list", err)))
		rc = -1;
	const cJSON *arr = j ? sv_json_arr(j, "tags") : NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it) && sv_strv_len(*tags) < TAGS_MAX)
			sv_strv_push(tags, it->valuestring);
	}
	*next = rc == 0 ? reg_next_link(resp.link) : NULL;
	reg_resp_release(&resp);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int reg_list_tags(struct reg_conn *c, const struct reg_repo *repo, char ***tags, sv_err **err)
{
	char **v = sv_xcalloc(1, sizeof *v);
	SV_AUTOFREE char *path = sv_xasprintf("/v2/%s/tags/list", repo->path);
	for (int page = 0; path && page < 1000; page++) {
		char *next = NULL;
		if (tags_page(c, repo, path, &v, &next, err) < 0) {
			sv_strv_free(v);
			return -1;
		}
		free(path);
		path = next;
	}
	qsort(v, sv_strv_len(v), sizeof *v, cmp_str);
	*tags = v;
	return 0;
}
