/*
 * Push: the blobs of an image (layers and config) that the registry lacks,
 * then the manifest, byte for byte as the store holds it, so the digest a
 * user pulled is the digest the registry serves.
 *
 * For each blob: HEAD says whether the repository has it; else, when the
 * store saw the blob in another repository of the same registry
 * (blob_sources), a cross-repository mount (POST ?mount=&from=) links it
 * without a byte sent; else one monolithic upload (POST for a session,
 * PUT ?digest= with the body), retried from a fresh session on failure.
 * Blobs go up in parallel (the configured parallelism); the manifest
 * goes last, only when every blob is there.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry-internal.h"

struct push_blob {
	char digest[SV_DIGEST_STR_LEN];
	int64_t size;
	char short_id[13];
	bool is_config;
};

struct push {
	sv_registry *r;
	sv_store *s;
	const struct sv_registry_push_opts *o;
	const char *name; /* as the user wrote it */
	struct sv_ref ref;
	struct reg_repo repo;
	struct push_blob *blobs;
	size_t n;
	volatile bool stop;
	struct reg_report rp;
	struct reg_endpoint *own; /* the registry with this call's credentials */
};

static void report(struct push *p, const char *id, const char *status, int64_t cur, int64_t total)
{
	reg_report(&p->rp, id, status, cur, total);
}

/* ---------------------------------------------------------------- plan */

static int load_image(struct push *p, struct sv_buf *manifest, char **mtype, sv_err **err)
{
	char id[SV_DIGEST_STR_LEN];
	if (sv_image_resolve(p->s, p->name, id, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st =
		sv_store_prepare(p->s, "SELECT manifest_digest, manifest_type FROM images WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return sv_err_setx(err, ENOENT, "No such image: %s", id);
	const char *md = (const char *)sqlite3_column_text(st, 0);
	*mtype = sv_xstrdup((const char *)sqlite3_column_text(st, 1));
	if (sv_store_blob_read(p->s, md, SV_MANIFEST_MAX, manifest, err) < 0)
		return sv_err_prefix(err, "manifest of image %s", id);
	return 0;
}

static void add_blob(struct push *p, const struct sv_descriptor *d, bool is_config)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->blobs[i].digest, d->digest))
			return;
	struct push_blob *b = &p->blobs[p->n++];
	memcpy(b->digest, d->digest, SV_DIGEST_STR_LEN);
	b->size = d->size;
	b->is_config = is_config;
	snprintf(b->short_id, sizeof b->short_id, "%.12s", sv_digest_hex(d->digest));
}

static int plan(struct push *p, const struct sv_manifest *m, sv_err **err)
{
	p->blobs = sv_xcalloc(m->nlayers + 2, sizeof *p->blobs);
	for (size_t i = 0; i < m->nlayers; i++)
		add_blob(p, &m->layers[i], false);
	add_blob(p, &m->config, true);
	for (size_t i = 0; i < p->n; i++) {
		int64_t size = -1;
		SV_AUTOCLOSE int fd = sv_store_blob_open(p->s, p->blobs[i].digest, &size, err);
		if (fd < 0)
			return sv_err_prefix(err, "blob of the image missing from the store");
		if (size != p->blobs[i].size)
			return sv_err_setx(err, EBADMSG, "blob %s: %lld bytes in the store, the manifest says %lld",
					   p->blobs[i].digest, (long long)size, (long long)p->blobs[i].size);
	}
	return 0;
}

/* ---------------------------------------------------------------- blobs */

/* Other repositories of this registry known to hold the blob. */
static char **mount_sources(struct push *p, const char *digest)
{
	char **v = sv_xcalloc(1, sizeof *v);
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		p->s, "SELECT repository FROM blob_sources WHERE digest = ? AND registry = ? AND repository != ?"
		      " ORDER BY added DESC LIMIT 3", NULL);
	if (!st)
		return v;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->ref.domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->ref.path, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		sv_strv_push(&v, (const char *)sqlite3_column_text(st, 0));
	return v;
}

/* POST .../uploads/[?mount=&from=]: 1 mounted, 0 *location set, -1 error. */
static int start_upload(struct push *p, struct reg_conn *c, const char *digest, const char *from, char **location,
			sv_err **err)
{
	SV_AUTOFREE char *path = from ? sv_xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", p->repo.path, digest, from)
				      : sv_xasprintf("/v2/%s/blobs/uploads/", p->repo.path);
	SV_AUTOFREE char *scope = from ? sv_xasprintf("%s repository:%s:pull", p->repo.push_scope, from)
				       : sv_xstrdup(p->repo.push_scope);
	struct reg_req req = { .method = "POST", .ep = p->repo.ep, .path = path, .scope = scope, .body = "",
			       .cancel = &p->stop, .cancel_also = p->o->cancel };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc == 0 && from && resp.status == 201)
		rc = 1;
	else if (rc == 0 && resp.status == 202 && resp.location)
		*location = sv_xstrdup(resp.location);
	else if (rc == 0)
		rc = reg_fetch_err(&p->repo, "start upload", &req, &resp, err);
	reg_resp_release(&resp);
	return rc;
}

struct sent_arg {
	struct push *p;
	const struct push_blob *b;
	int64_t next;
};

static void on_sent(void *arg, int64_t bytes)
{
	struct sent_arg *s = arg;
	if (bytes < s->next && bytes < s->b->size)
		return;
	s->next = bytes + (512 << 10);
	report(s->p, s->b->short_id, "Pushing", bytes, s->b->size);
}

/* PUT <location>&digest= with the whole blob. */
static int put_blob(struct push *p, struct reg_conn *c, const struct push_blob *b, const char *location, sv_err **err)
{
	SV_AUTOFREE char *base = reg_endpoint_base(c, p->repo.ep, err);
	if (!base)
		return -1;
	SV_AUTOFREE char *abs = location[0] == '/' ? sv_xasprintf("%s%s", base, location) : sv_xstrdup(location);
	SV_AUTOFREE char *url = sv_xasprintf("%s%cdigest=%s", abs, strchr(abs, '?') ? '&' : '?', b->digest);
	SV_AUTOCLOSE int fd = sv_store_blob_open(p->s, b->digest, NULL, err);
	if (fd < 0)
		return -1;
	struct sent_arg sa = { p, b, 0 };
	struct reg_req req = { .method = "PUT", .ep = p->repo.ep, .url = url, .scope = p->repo.push_scope,
			       .content_type = "application/octet-stream", .body_fd = fd, .body_size = b->size,
			       .sent = on_sent, .sent_arg = &sa, .no_retry = true, .cancel = &p->stop,
			       .cancel_also = p->o->cancel };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc == 0 && resp.status != 201 && resp.status != 204)
		rc = reg_fetch_err(&p->repo, "upload blob", &req, &resp, err);
	reg_resp_release(&resp);
	return rc;
}

static int upload(struct push *p, struct reg_conn *c, const struct push_blob *b, char *location, sv_err **err)
{
	SV_AUTOFREE char *loc = location;
	for (int attempt = 0;; attempt++) {
		SV_AUTOERR sv_err *e = NULL;
		if ((loc || start_upload(p, c, b->digest, NULL, &loc, &e) == 0) && put_blob(p, c, b, loc, &e) == 0)
			return 0;
		free(loc);
		loc = NULL;
		bool again = e->code != EACCES && e->code != ECANCELED && e->code != EINVAL && e->code != ENOENT &&
			     attempt < p->r->cfg.retries && !p->stop;
		if (!again) {
			sv_err_setx(err, e->code, "%s", e->msg);
			return -1;
		}
		sv_debug("upload %s: %s; starting again", b->short_id, e->msg);
	}
}

static int push_blob(struct push *p, struct reg_conn *c, const struct push_blob *b, sv_err **err)
{
	int have = reg_blob_exists(c, &p->repo, b->digest, err);
	if (have < 0)
		return -1;
	if (have) {
		report(p, b->short_id, "Layer already exists", b->size, b->size);
		return 0;
	}
	char *location = NULL;
	SV_AUTOSTRV char **from = mount_sources(p, b->digest);
	for (size_t i = 0; from[i] && !location; i++) {
		SV_AUTOERR sv_err *e = NULL;
		int rc = start_upload(p, c, b->digest, from[i], &location, &e);
		if (rc == 1) {
			SV_AUTOFREE char *msg = sv_xasprintf("Mounted from %s", from[i]);
			report(p, b->short_id, msg, b->size, b->size);
			return 0;
		}
		if (rc < 0)
			sv_debug("mount %s from %s: %s", b->short_id, from[i], e->msg);
	}
	if (upload(p, c, b, location, err) < 0)
		return -1;
	report(p, b->short_id, "Pushed", b->size, b->size);
	return 0;
}

static int blob_job(void *arg, struct reg_conn *c, size_t i, sv_err **err)
{
	struct push *p = arg;
	if (push_blob(p, c, &p->blobs[i], err) < 0)
		return sv_err_prefix(err, "blob %s", p->blobs[i].digest);
	/* Best effort: a later push elsewhere on this registry can mount it. */
	reg_blob_source_add(p->s, p->blobs[i].digest, p->ref.domain, p->ref.path, NULL);
	return 0;
}

static int push_blobs(struct push *p, sv_err **err)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->blobs[i].is_config)
			report(p, p->blobs[i].short_id, "Preparing", 0, p->blobs[i].size);
	return reg_pool_run(p->r, p->n, p->o->parallel, blob_job, p, &p->stop, p->o->cancel, err);
}

/* ---------------------------------------------------------------- manifest */

static int put_manifest(struct push *p, const struct sv_buf *m, const char *mtype, struct sv_registry_push_result *res,
			sv_err **err)
{
	char digest[SV_DIGEST_STR_LEN];
	sv_sha256_data(m->data, m->len, digest);
	const char *ref = p->ref.tag && !p->ref.digest ? p->ref.tag : digest;
	SV_AUTOFREE char *path = sv_xasprintf("/v2/%s/manifests/%s", p->repo.path, ref);
	struct reg_req req = { .method = "PUT", .ep = p->repo.ep, .path = path, .scope = p->repo.push_scope,
			       .content_type = mtype, .body = m->data, .body_len = m->len };
	struct reg_resp resp;
	reg_resp_init(&resp);
	struct reg_conn *c = reg_conn_new(p->r);
	int rc = reg_do(c, &req, &resp, err);
	reg_conn_free(c);
	if (rc == 0 && resp.status != 201 && resp.status != 200)
		rc = reg_fetch_err(&p->repo, "upload manifest", &req, &resp, err);
	if (rc == 0 && resp.digest && sv_str_has_prefix(resp.digest, "sha256:") && strcmp(resp.digest, digest) != 0)
		rc = sv_err_setx(err, EBADMSG, "the registry stored the manifest as %.80s, not %s", resp.digest, digest);
	reg_resp_release(&resp);
	if (rc < 0)
		return -1;
	memcpy(res->digest, digest, SV_DIGEST_STR_LEN);
	res->size = (int64_t)m->len;
	res->tag = ref == digest ? NULL : sv_xstrdup(ref);
	return 0;
}

static int push_run(struct push *p, struct sv_registry_push_result *res, sv_err **err)
{
	SV_AUTOBUF struct sv_buf manifest;
	sv_buf_init(&manifest);
	SV_AUTOFREE char *mtype = NULL;
	if (load_image(p, &manifest, &mtype, err) < 0)
		return -1;
	struct sv_manifest m;
	if (sv_manifest_parse(manifest.data, manifest.len, &m, err) < 0)
		return -1;
	int rc = plan(p, &m, err);
	sv_manifest_release(&m);
	struct reg_endpoint *ep = rc == 0 ? reg_endpoint_get(p->r, reg_api_host(p->ref.domain), NULL, false, err) : NULL;
	if (!ep)
		return -1;
	if (p->o->username)
		ep = p->own = reg_endpoint_private(ep, p->o->username, p->o->password);
	reg_repo_init(&p->repo, ep, p->ref.path);
	if (push_blobs(p, err) < 0)
		return -1;
	return put_manifest(p, &manifest, mtype, res, err);
}

int sv_registry_push(sv_registry *r, sv_store *s, const char *ref, const struct sv_registry_push_opts *opts,
		     struct sv_registry_push_result *res, sv_err **err)
{
	static const struct sv_registry_push_opts none;
	memset(res, 0, sizeof *res);
	struct push p = { .r = r, .s = s, .o = opts ? opts : &none, .name = ref };
	if (sv_ref_parse(ref, &p.ref, err) < 0)
		return -1;
	reg_report_init(&p.rp, p.o->progress, p.o->progress_arg);
	SV_AUTOCLOSE int gc = sv_store_lock(s, "gc", false, err);
	int rc = gc < 0 ? -1 : push_run(&p, res, err);
	SV_AUTOFREE char *name = sv_ref_name(&p.ref);
	reg_repo_release(&p.repo);
	reg_endpoint_free(p.own);
	sv_ref_release(&p.ref);
	free(p.blobs);
	reg_report_release(&p.rp);
	if (rc < 0) {
		sv_registry_push_result_release(res);
		return sv_err_prefix(err, "push %s", name);
	}
	return 0;
}

void sv_registry_push_result_release(struct sv_registry_push_result *res)
{
	free(res->tag);
	res->tag = NULL;
}
