/*
 * Pull: reference → manifest (an index narrowed to one platform) → config
 * → layers → one commit.
 *
 * Layers go through a pool of worker threads (the configured parallelism,
 * default 3), each with its own connection. A layer streams from the
 * registry straight into the pipelined unpacker (hash, decompress and
 * extract on their own threads) and, at the same time, into a file under
 * <root>/downloads/ named by its digest. When the stream ends the
 * unpacker checks the compressed digest, the size and the diff_id; only
 * then does the file become the blob and the directory a layer candidate.
 * The image is committed (layers moved into place, rows, refs) in one
 * transaction after every layer succeeded; the "gc" lock is held shared
 * throughout so that garbage collection cannot take blobs or layers from
 * under us.
 *
 * A pull killed at any instant leaves no image behind: unpacked
 * directories live in tmp/ (swept once our pid is gone), blobs are
 * renamed into place only when verified, rows are one transaction. The
 * partial download stays under downloads/ (locked with flock while in
 * use) and the next pull feeds it to the unpacker and asks the registry
 * for the rest with a Range request.
 *
 * When the unpacker refuses a stream (corrupt gzip, a bad tar), the rest
 * of the blob is still drained to disk and hashed, so that a registry
 * serving corrupt bytes is reported as a digest mismatch rather than as a
 * confusing decompression error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry-internal.h"

#define PROGRESS_STEP (512 << 10)
#define READ_CHUNK (256u << 10)
#define PARTIAL_MAX_AGE (7 * 24 * 3600)

struct pull_layer {
	const struct sv_descriptor *desc; /* borrowed from pull.m */
	struct sv_image_layer *out;	  /* &pull.layers[i] */
	char short_id[13];
	int dup_of; /* an earlier layer with the same blob, or -1 */
	bool ready; /* nothing to fetch or unpack */
};

struct pull {
	sv_registry *r;
	sv_store *s;
	const struct sv_registry_pull_opts *o;
	struct sv_ref ref;
	char *name; /* "domain/path" */
	struct reg_endpoint **eps;
	size_t neps, ep;
	struct reg_endpoint *own; /* the registry with this call's credentials */
	struct reg_repo repo;
	char *work;
	int workfd;
	struct sv_buf manifest;
	const char *manifest_type;
	char manifest_digest[SV_DIGEST_STR_LEN];
	char top_digest[SV_DIGEST_STR_LEN];
	struct sv_manifest m;
	struct sv_buf config_text;
	struct sv_image_config config;
	struct sv_image_layer *layers;
	struct pull_layer *pl;
	size_t *order; /* largest layer first: the longest job starts first */
	size_t n;
	bool image_existed;
	/* workers */
	pthread_mutex_t mu; /* dirs, downloaded */
	int dirs;
	volatile bool stop;
	int64_t downloaded;
	struct reg_report rp;
};

static void report(struct pull *p, const char *id, const char *status, int64_t cur, int64_t total)
{
	reg_report(&p->rp, id, status, cur, total);
}

static bool cancelled(const struct pull *p)
{
	return p->stop || (p->o->cancel && *p->o->cancel);
}

/* ---------------------------------------------------------------- manifest */

static const char *tag_or_digest(const struct sv_ref *r)
{
	return r->digest ? r->digest : r->tag;
}

/* Mirrors first, in order; a mirror's failure falls through to the next. */
static int fetch_top(struct pull *p, struct reg_conn *c, char **mt, sv_err **err)
{
	for (size_t i = 0; i < p->neps; i++) {
		struct reg_repo repo;
		reg_repo_init(&repo, p->eps[i], p->ref.path);
		SV_AUTOERR sv_err *e = NULL;
		int rc = reg_get_manifest(c, &repo, tag_or_digest(&p->ref), &p->manifest, mt, p->top_digest, &e);
		if (rc == 0) {
			p->ep = i;
			p->repo = repo;
			return 0;
		}
		reg_repo_release(&repo);
		/* A mismatch or a refusal from the registry itself is final;
		 * a mirror that fails is only skipped. */
		if (i + 1 == p->neps || !p->eps[i]->mirror) {
			sv_err_setx(err, e->code, "%s", e->msg);
			return -1;
		}
		sv_info("mirror %s: %s; trying the next", p->eps[i]->host, e->msg);
	}
	return sv_err_setx(err, ENOENT, "no endpoint for %s", p->name);
}

static int select_platform(struct pull *p, struct sv_index *ix, sv_err **err)
{
	struct sv_platform want = { 0 };
	if (p->o->platform && sv_platform_parse(p->o->platform, &want, err) < 0)
		return -1;
	int i = sv_index_select(ix, want.os, want.arch, want.variant, err);
	sv_platform_release(&want);
	return i;
}

static int resolve_manifest(struct pull *p, struct reg_conn *c, sv_err **err)
{
	SV_AUTOFREE char *mt = NULL;
	if (fetch_top(p, c, &mt, err) < 0)
		return -1;
	int kind = sv_manifest_kind(p->manifest.data, p->manifest.len, mt, err);
	if (kind < 0)
		return -1;
	memcpy(p->manifest_digest, p->top_digest, SV_DIGEST_STR_LEN);
	if (kind == SV_MANIFEST_INDEX) {
		struct sv_index ix;
		if (sv_index_parse(p->manifest.data, p->manifest.len, &ix, err) < 0)
			return -1;
		int i = select_platform(p, &ix, err);
		int rc = -1;
		if (i >= 0) {
			const struct sv_descriptor *d = &ix.manifests[i];
			free(mt);
			mt = NULL;
			rc = reg_get_manifest(c, &p->repo, d->digest, &p->manifest, &mt, p->manifest_digest, err);
			if (rc == 0 && (int64_t)p->manifest.len != d->size)
				rc = sv_err_setx(err, EBADMSG, "manifest %s: size mismatch: expected %lld bytes, got %zu",
						 d->digest, (long long)d->size, p->manifest.len);
			if (rc == 0 && sv_manifest_kind(p->manifest.data, p->manifest.len, mt, err) != SV_MANIFEST_IMAGE)
				rc = sv_err_setx(err, EINVAL, "manifest %s: an index inside an index is not supported",
						 d->digest);
		}
		sv_index_release(&ix);
		if (rc < 0)
			return -1;
	}
	if (sv_manifest_parse(p->manifest.data, p->manifest.len, &p->m, err) < 0)
		return -1;
	p->manifest_type = strcmp(p->m.media_type, SV_MEDIA_DOCKER_MANIFEST) == 0 ? SV_MEDIA_DOCKER_MANIFEST
										     : SV_MEDIA_OCI_MANIFEST;
	return 0;
}

static int fetch_config(struct pull *p, struct reg_conn *c, sv_err **err)
{
	const struct sv_descriptor *d = &p->m.config;
	if (d->size > (int64_t)SV_MANIFEST_MAX)
		return sv_err_setx(err, E2BIG, "config %s: %lld bytes is over the limit of %u", d->digest,
				   (long long)d->size, SV_MANIFEST_MAX);
	SV_AUTOERR sv_err *local = NULL;
	if (sv_store_blob_read(p->s, d->digest, SV_MANIFEST_MAX, &p->config_text, &local) < 0 &&
	    reg_get_blob_small(c, &p->repo, d, &p->config_text, err) < 0)
		return -1;
	if (sv_image_config_parse(p->config_text.data, p->config_text.len, &p->config, err) < 0)
		return sv_err_prefix(err, "config %s", d->digest);
	if (p->config.ndiff_ids != p->m.nlayers)
		return sv_err_setx(err, EBADMSG, "the manifest lists %zu layers but the config has %zu diff_ids",
				   p->m.nlayers, p->config.ndiff_ids);
	if (p->o->platform) {
		struct sv_platform want;
		if (sv_platform_parse(p->o->platform, &want, err) < 0)
			return -1;
		bool ok = (!p->config.os || !strcmp(p->config.os, want.os)) &&
			  (!p->config.arch || !strcmp(p->config.arch, want.arch));
		sv_platform_release(&want);
		if (!ok)
			return sv_err_setx(err, ENOENT, "image %s is for %s/%s, not %s", p->name,
					   p->config.os ? p->config.os : "?", p->config.arch ? p->config.arch : "?",
					   p->o->platform);
	}
	return 0;
}

/* ---------------------------------------------------------------- planning */

/* diff_size and content_size of a layer already in the store. */
static bool layer_sizes(sv_store *s, struct sv_image_layer *ly)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "SELECT l.size, (SELECT diff_size FROM image_layers WHERE diff_id = l.diff_id LIMIT 1)"
		   " FROM layers l WHERE l.chain_id = ?", NULL);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, ly->chain_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 1) == SQLITE_NULL)
		return false;
	ly->content_size = sqlite3_column_int64(st, 0);
	ly->diff_size = sqlite3_column_int64(st, 1);
	return true;
}

static int by_size_desc(const void *a, const void *b, void *arg)
{
	const struct pull_layer *pl = arg;
	int64_t sa = pl[*(const size_t *)a].desc->size, sb = pl[*(const size_t *)b].desc->size;
	return sa < sb ? 1 : sa > sb ? -1 : 0;
}

static void plan_layers(struct pull *p)
{
	p->n = p->m.nlayers;
	p->layers = sv_xcalloc(p->n + 1, sizeof *p->layers);
	p->pl = sv_xcalloc(p->n + 1, sizeof *p->pl);
	p->order = sv_xcalloc(p->n + 1, sizeof *p->order);
	const char *parent = NULL;
	for (size_t i = 0; i < p->n; i++) {
		struct sv_image_layer *ly = &p->layers[i];
		struct pull_layer *pl = &p->pl[i];
		pl->desc = &p->m.layers[i];
		pl->out = ly;
		pl->dup_of = -1;
		snprintf(pl->short_id, sizeof pl->short_id, "%.12s", sv_digest_hex(pl->desc->digest));
		memcpy(ly->blob_digest, pl->desc->digest, SV_DIGEST_STR_LEN);
		ly->blob_size = pl->desc->size;
		ly->media_type = sv_xstrdup(pl->desc->media_type);
		memcpy(ly->diff_id, p->config.diff_ids[i], SV_DIGEST_STR_LEN);
		sv_chain_id(parent, ly->diff_id, ly->chain_id);
		parent = ly->chain_id;
		for (size_t j = 0; j < i && pl->dup_of < 0; j++)
			if (!strcmp(p->m.layers[j].digest, pl->desc->digest))
				pl->dup_of = (int)j;
		pl->ready = sv_image_layer_exists(p->s, ly->chain_id) && sv_store_blob_exists(p->s, ly->blob_digest) &&
			    layer_sizes(p->s, ly);
		p->order[i] = i;
	}
	qsort_r(p->order, p->n, sizeof *p->order, by_size_desc, p->pl);
}

/* ---------------------------------------------------------------- layers */

static int new_layer_dir(struct pull *p, struct sv_image_layer *ly, int *dfd, sv_err **err)
{
	pthread_mutex_lock(&p->mu);
	int k = p->dirs++;
	pthread_mutex_unlock(&p->mu);
	SV_AUTOFREE char *rel = sv_xasprintf("layer-%d", k);
	if (mkdirat(p->workfd, rel, 0755) < 0)
		return sv_err_set(err, errno, "mkdir %s/%s", p->work, rel);
	*dfd = openat(p->workfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd < 0)
		return sv_err_set(err, errno, "open %s/%s", p->work, rel);
	free(ly->unpacked_dir);
	ly->unpacked_dir = sv_xasprintf("%s/%s", p->work, rel);
	return 0;
}

static void unpack_opts(const struct pull_layer *pl, struct sv_unpack_opts *o)
{
	*o = (struct sv_unpack_opts){
		.expected_digest = pl->desc->digest,
		.expected_size = pl->desc->size,
		.expected_diff_id = pl->out->diff_id,
	};
}

static void take_result(struct sv_image_layer *ly, const struct sv_unpack_result *res)
{
	ly->diff_size = res->diff_size;
	ly->content_size = res->content_size;
}

/* A layer whose blob is in the store: unpack it from there. */
static int unpack_local(struct pull *p, struct pull_layer *pl, sv_err **err)
{
	report(p, pl->short_id, "Extracting", 0, pl->desc->size);
	SV_AUTOCLOSE int dfd = -1;
	SV_AUTOCLOSE int fd = sv_store_blob_open(p->s, pl->desc->digest, NULL, err);
	if (fd < 0 || new_layer_dir(p, pl->out, &dfd, err) < 0)
		return -1;
	struct sv_unpack_opts o;
	unpack_opts(pl, &o);
	struct sv_unpack_result res;
	if (sv_layer_unpack_fd(fd, dfd, &o, &res, err) < 0)
		return -1;
	take_result(pl->out, &res);
	report(p, pl->short_id, "Pull complete", pl->desc->size, pl->desc->size);
	return 0;
}

/* A download in progress: the partial file and the unpacker it feeds. */
struct dl {
	struct pull *p;
	struct pull_layer *pl;
	int fd;
	char *path;	   /* the partial file */
	bool shared;	   /* under downloads/ (kept for a later resume) */
	int64_t pos;
	sv_unpacker *u;
	sv_err *unpack_err; /* the unpacker refused: drain and diagnose */
	int64_t next_report;
};

static char *downloads_dir(struct pull *p, sv_err **err)
{
	char *d = sv_path_join(sv_store_root(p->s), "downloads");
	if (mkdir(d, 0700) < 0 && errno != EEXIST) {
		sv_err_set(err, errno, "mkdir %s", d);
		free(d);
		return NULL;
	}
	return d;
}

/* Partial downloads nobody resumed for a week are dropped (best effort;
 * a file in use is locked and left alone). */
static void sweep_downloads(struct pull *p)
{
	SV_AUTOFREE char *dir = sv_path_join(sv_store_root(p->s), "downloads");
	DIR *d = opendir(dir);
	if (!d)
		return;
	time_t old = time(NULL) - PARTIAL_MAX_AGE;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!sv_str_has_suffix(de->d_name, ".partial"))
			continue;
		SV_AUTOCLOSE int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct stat st;
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 && st.st_mtime < old)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* downloads/<hex>.partial, locked; a private file in tmp/ when another
 * process is downloading the same blob right now. */
static int open_partial(struct dl *d, sv_err **err)
{
	const struct sv_descriptor *desc = d->pl->desc;
	SV_AUTOFREE char *dir = downloads_dir(d->p, err);
	if (!dir)
		return -1;
	d->path = sv_xasprintf("%s/%s.partial", dir, sv_digest_hex(desc->digest));
	d->fd = open(d->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->fd < 0)
		return sv_err_set(err, errno, "open %s", d->path);
	if (flock(d->fd, LOCK_EX | LOCK_NB) == 0) {
		d->shared = true;
		struct stat st;
		if (fstat(d->fd, &st) < 0)
			return sv_err_set(err, errno, "stat %s", d->path);
		d->pos = st.st_size;
		if (d->pos > desc->size) {
			if (ftruncate(d->fd, 0) < 0)
				return sv_err_set(err, errno, "truncate %s", d->path);
			d->pos = 0;
		}
		return 0;
	}
	close(d->fd);
	free(d->path);
	d->path = sv_xasprintf("%s/blob-%s", d->p->work, sv_digest_hex(desc->digest));
	d->fd = open(d->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (d->fd < 0)
		return sv_err_set(err, errno, "create %s", d->path);
	d->pos = 0;
	return 0;
}

static void dl_progress(struct dl *d, bool force)
{
	if (!force && d->pos < d->next_report)
		return;
	d->next_report = d->pos + PROGRESS_STEP;
	report(d->p, d->pl->short_id, "Downloading", d->pos, d->pl->desc->size);
}

static void dl_feed(struct dl *d, const void *data, size_t len)
{
	if (d->unpack_err)
		return;
	sv_err *e = NULL;
	if (sv_unpacker_feed(d->u, data, len, &e) < 0)
		d->unpack_err = e;
}

static int dl_sink(void *arg, const void *data, size_t len, sv_err **err)
{
	struct dl *d = arg;
	if (cancelled(d->p))
		return sv_err_setx(err, ECANCELED, "pull cancelled");
	int64_t size = d->pl->desc->size;
	if (d->pos + (int64_t)len > size)
		return sv_err_setx(err, EBADMSG, "size mismatch: the registry sends more than the %lld bytes of the descriptor",
				   (long long)size);
	const char *p = data;
	for (size_t done = 0; done < len;) {
		ssize_t w = pwrite(d->fd, p + done, len - done, (off_t)(d->pos + (int64_t)done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return sv_err_set(err, errno, "write %s", d->path);
		done += (size_t)w;
	}
	d->pos += (int64_t)len;
	dl_feed(d, data, len);
	pthread_mutex_lock(&d->p->mu);
	d->p->downloaded += (int64_t)len;
	pthread_mutex_unlock(&d->p->mu);
	dl_progress(d, false);
	return 0;
}

/* Feeds the bytes an earlier attempt left in the partial file. */
static int feed_partial(struct dl *d, sv_err **err)
{
	if (d->pos == 0)
		return 0;
	report(d->p, d->pl->short_id, "Resuming", d->pos, d->pl->desc->size);
	char *buf = sv_xmalloc(READ_CHUNK);
	int rc = 0;
	for (int64_t off = 0; off < d->pos && !d->unpack_err;) {
		size_t want = d->pos - off < (int64_t)READ_CHUNK ? (size_t)(d->pos - off) : READ_CHUNK;
		ssize_t n = pread(d->fd, buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = sv_err_set(err, n < 0 ? errno : EIO, "read %s", d->path);
			break;
		}
		dl_feed(d, buf, (size_t)n);
		off += n;
	}
	free(buf);
	return rc;
}

/* Streams the rest of the blob, from the endpoint that gave the manifest
 * and then from the others. */
static int dl_stream(struct dl *d, struct reg_conn *c, sv_err **err)
{
	struct pull *p = d->p;
	if (d->pos == d->pl->desc->size)
		return 0;
	for (size_t k = 0; k < p->neps; k++) {
		size_t i = (p->ep + k) % p->neps;
		struct reg_repo repo;
		reg_repo_init(&repo, p->eps[i], p->ref.path);
		SV_AUTOERR sv_err *e = NULL;
		int rc = reg_get_blob(c, &repo, d->pl->desc->digest, d->pos, dl_sink, d, &p->stop, p->o->cancel, &e);
		reg_repo_release(&repo);
		if (rc == 0)
			return 0;
		if (k + 1 == p->neps || d->unpack_err || e->code == EBADMSG || e->code == ECANCELED || cancelled(p)) {
			sv_err_setx(err, e->code, "%s", e->msg);
			return -1;
		}
		sv_info("blob %s from %s: %s; trying the next endpoint", d->pl->short_id, p->eps[i]->host, e->msg);
	}
	return -1;
}

static int hash_file(int fd, char out[SV_DIGEST_STR_LEN], sv_err **err)
{
	sv_sha256 *h = sv_sha256_new();
	char *buf = sv_xmalloc(READ_CHUNK);
	int rc = 0;
	for (off_t off = 0;;) {
		ssize_t n = pread(fd, buf, READ_CHUNK, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = sv_err_set(err, errno, "read download");
			break;
		}
		if (n == 0)
			break;
		sv_sha256_update(h, buf, (size_t)n);
		off += n;
	}
	sv_sha256_final(h, out);
	sv_sha256_free(h);
	free(buf);
	return rc;
}

/* The unpacker refused the stream: is the blob itself corrupt? */
static int diagnose(struct dl *d, sv_err **err)
{
	const struct sv_descriptor *desc = d->pl->desc;
	char got[SV_DIGEST_STR_LEN];
	if (d->pos != desc->size)
		return sv_err_setx(err, EBADMSG, "size mismatch: expected %lld bytes, got %lld", (long long)desc->size,
				   (long long)d->pos);
	if (hash_file(d->fd, got, err) < 0)
		return -1;
	if (strcmp(got, desc->digest) != 0)
		return sv_err_setx(err, EBADMSG, "digest mismatch: expected %s, got %s (the registry's copy is corrupt)",
				   desc->digest, got);
	return sv_err_setx(err, d->unpack_err->code, "%s", d->unpack_err->msg);
}

static int dl_commit(struct dl *d, sv_err **err)
{
	SV_AUTOFREE char *dst = sv_store_blob_path(d->p->s, d->pl->desc->digest);
	if (rename(d->path, dst) < 0)
		return sv_err_set(err, errno, "store blob %s", d->pl->desc->digest);
	free(d->path);
	d->path = NULL;
	return 0;
}

static void dl_release(struct dl *d, bool keep)
{
	sv_unpacker_free(d->u);
	sv_err_free(d->unpack_err);
	if (d->path && !keep)
		unlink(d->path);
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
}

static int download_layer(struct pull *p, struct reg_conn *c, struct pull_layer *pl, bool *resumed, sv_err **err)
{
	struct dl d = { .p = p, .pl = pl, .fd = -1 };
	SV_AUTOCLOSE int dfd = -1;
	struct sv_unpack_opts o;
	unpack_opts(pl, &o);
	struct sv_unpack_result res;
	bool keep = false;
	int rc = -1;
	if (open_partial(&d, err) < 0)
		goto out;
	*resumed = d.pos > 0;
	if (new_layer_dir(p, pl->out, &dfd, err) < 0 || sv_unpacker_new(dfd, &o, &d.u, err) < 0 ||
	    feed_partial(&d, err) < 0)
		goto out;
	if (dl_stream(&d, c, err) < 0) {
		/* A network failure keeps what arrived for the next try. */
		keep = d.shared && !d.unpack_err && sv_err_code(err) != EBADMSG;
		if (d.unpack_err && sv_err_code(err) != ECANCELED) {
			sv_err_clear(err);
			sv_err_setx(err, d.unpack_err->code, "%s", d.unpack_err->msg);
		}
		goto out;
	}
	dl_progress(&d, true);
	if (d.unpack_err) {
		diagnose(&d, err);
		goto out;
	}
	report(p, pl->short_id, "Download complete", d.pos, pl->desc->size);
	if (sv_unpacker_finish(d.u, &res, &d.unpack_err) < 0) {
		diagnose(&d, err);
		goto out;
	}
	take_result(pl->out, &res);
	rc = dl_commit(&d, err);
	if (rc == 0)
		report(p, pl->short_id, "Pull complete", pl->desc->size, pl->desc->size);
out:
	dl_release(&d, keep);
	return rc;
}

static int process_layer(struct pull *p, struct reg_conn *c, struct pull_layer *pl, sv_err **err)
{
	if (sv_store_blob_exists(p->s, pl->desc->digest))
		return unpack_local(p, pl, err) < 0 ? sv_err_prefix(err, "layer %s", pl->desc->digest) : 0;
	bool resumed = false;
	int rc = download_layer(p, c, pl, &resumed, err);
	if (rc < 0 && resumed && sv_err_code(err) == EBADMSG && !cancelled(p)) {
		/* What an earlier attempt left may be what is wrong (a crash
		 * can tear a file): the partial is gone now, start over once. */
		sv_info("layer %s: resumed download failed (%s); downloading it again", pl->short_id, (*err)->msg);
		sv_err_clear(err);
		rc = download_layer(p, c, pl, &resumed, err);
	}
	return rc < 0 ? sv_err_prefix(err, "layer %s", pl->desc->digest) : 0;
}

static int layer_job(void *arg, struct reg_conn *c, size_t i, sv_err **err)
{
	struct pull *p = arg;
	struct pull_layer *pl = &p->pl[p->order[i]];
	if (pl->ready || pl->dup_of >= 0)
		return 0;
	return process_layer(p, c, pl, err);
}

static int run_workers(struct pull *p, sv_err **err)
{
	size_t todo = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->pl[i].ready)
			report(p, p->pl[i].short_id, "Already exists", 0, -1);
		else if (p->pl[i].dup_of < 0) {
			todo++;
			report(p, p->pl[i].short_id, "Pulling fs layer", 0, p->pl[i].desc->size);
		}
	}
	if (todo && reg_pool_run(p->r, p->n, p->o->parallel, layer_job, p, &p->stop, p->o->cancel, err) < 0)
		return -1;
	/* Layers sharing a blob with an earlier one: unpack from the store. */
	for (size_t i = 0; i < p->n; i++) {
		struct pull_layer *pl = &p->pl[i];
		if (pl->ready || pl->dup_of < 0)
			continue;
		if (sv_image_layer_exists(p->s, pl->out->chain_id) && layer_sizes(p->s, pl->out))
			continue;
		if (unpack_local(p, pl, err) < 0)
			return sv_err_prefix(err, "layer %s", pl->desc->digest);
	}
	return 0;
}

/* ---------------------------------------------------------------- commit */

static bool image_exists(sv_store *s, const char *id)
{
	char found[SV_DIGEST_STR_LEN];
	return sv_image_resolve(s, id, found, NULL) == 0 && strcmp(found, id) == 0;
}

static int commit(struct pull *p, char ***refs_out, sv_err **err)
{
	if (sv_store_blob_put(p->s, p->config_text.data, p->config_text.len, p->m.config.digest, NULL, err) < 0 ||
	    sv_store_blob_put(p->s, p->manifest.data, p->manifest.len, p->manifest_digest, NULL, err) < 0)
		return -1;
	char **refs = sv_xcalloc(1, sizeof *refs);
	if (p->ref.tag && !p->ref.digest)
		sv_strv_push_take(&refs, sv_xasprintf("%s:%s", p->name, p->ref.tag));
	sv_strv_push_take(&refs, sv_xasprintf("%s@%s", p->name, p->top_digest));
	struct sv_image_commit ic = {
		.action = "pull",
		.manifest_type = p->manifest_type,
		.manifest_size = (int64_t)p->manifest.len,
		.config_size = (int64_t)p->config_text.len,
		.config = &p->config,
		.layers = p->layers,
		.nlayers = p->n,
		.refs = refs,
	};
	memcpy(ic.manifest_digest, p->manifest_digest, SV_DIGEST_STR_LEN);
	memcpy(ic.config_digest, p->m.config.digest, SV_DIGEST_STR_LEN);
	if (sv_image_commit(p->s, &ic, 1, err) < 0) {
		sv_strv_free(refs);
		return -1;
	}
	*refs_out = refs;
	/* Best effort: lets a later push mount these blobs. */
	SV_AUTOERR sv_err *e = NULL;
	reg_blob_source_add(p->s, p->m.config.digest, p->ref.domain, p->ref.path, &e);
	for (size_t i = 0; i < p->n && !e; i++)
		reg_blob_source_add(p->s, p->layers[i].blob_digest, p->ref.domain, p->ref.path, &e);
	if (e)
		sv_debug("record blob sources: %s", e->msg);
	return 0;
}

/* ---------------------------------------------------------------- run */

static void pull_release(struct pull *p)
{
	sv_ref_release(&p->ref);
	free(p->name);
	free(p->eps);
	reg_endpoint_free(p->own);
	reg_repo_release(&p->repo);
	if (p->workfd >= 0)
		close(p->workfd);
	if (p->work) {
		SV_AUTOERR sv_err *e = NULL;
		if (sv_rm_rf(p->work, &e) < 0)
			sv_warn("%s", e->msg);
		free(p->work);
	}
	sv_buf_release(&p->manifest);
	sv_manifest_release(&p->m);
	sv_buf_release(&p->config_text);
	sv_image_config_release(&p->config);
	for (size_t i = 0; i < p->n; i++) {
		free(p->layers[i].media_type);
		free(p->layers[i].unpacked_dir);
	}
	free(p->layers);
	free(p->pl);
	free(p->order);
	pthread_mutex_destroy(&p->mu);
	reg_report_release(&p->rp);
}

static int pull_run(struct pull *p, struct sv_registry_pull_result *res, sv_err **err)
{
	SV_AUTOFREE char *hello = sv_xasprintf("%s: Pulling from %s", p->ref.digest ? p->ref.digest : p->ref.tag,
					       p->ref.path);
	report(p, "", hello, 0, -1);
	struct reg_conn *c = reg_conn_new(p->r);
	int rc = resolve_manifest(p, c, err);
	if (rc == 0)
		rc = fetch_config(p, c, err);
	reg_conn_free(c);
	if (rc < 0)
		return -1;
	p->image_existed = image_exists(p->s, p->m.config.digest);
	sweep_downloads(p);
	plan_layers(p);
	bool all_ready = true;
	for (size_t i = 0; i < p->n; i++)
		all_ready = all_ready && p->pl[i].ready;
	if (!all_ready) {
		p->work = sv_store_tmpdir(p->s, "pull", err);
		if (!p->work)
			return -1;
		p->workfd = open(p->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (p->workfd < 0)
			return sv_err_set(err, errno, "open %s", p->work);
	}
	SV_AUTOSTRV char **refs = NULL;
	if (run_workers(p, err) < 0 || commit(p, &refs, err) < 0)
		return -1;
	memcpy(res->id, p->m.config.digest, SV_DIGEST_STR_LEN);
	memcpy(res->digest, p->top_digest, SV_DIGEST_STR_LEN);
	res->name = sv_ref_string(&p->ref);
	res->downloaded = p->downloaded;
	res->up_to_date = p->image_existed && p->downloaded == 0;
	return 0;
}

int sv_registry_pull(sv_registry *r, sv_store *s, const char *ref, const struct sv_registry_pull_opts *opts,
		     struct sv_registry_pull_result *res, sv_err **err)
{
	static const struct sv_registry_pull_opts none;
	memset(res, 0, sizeof *res);
	struct pull p = { .r = r, .s = s, .o = opts ? opts : &none, .workfd = -1 };
	pthread_mutex_init(&p.mu, NULL);
	reg_report_init(&p.rp, p.o->progress, p.o->progress_arg);
	sv_buf_init(&p.manifest);
	sv_buf_init(&p.config_text);
	if (sv_ref_parse(ref, &p.ref, err) < 0) {
		pull_release(&p);
		return -1;
	}
	p.name = sv_ref_name(&p.ref);
	int rc = -1;
	SV_AUTOCLOSE int gc = sv_store_lock(s, "gc", false, err);
	if (gc >= 0 && reg_pull_endpoints(r, p.ref.domain, &p.eps, &p.neps, err) == 0) {
		if (p.o->username) /* the registry itself, not its mirrors */
			p.eps[p.neps - 1] = p.own = reg_endpoint_private(p.eps[p.neps - 1], p.o->username, p.o->password);
		rc = pull_run(&p, res, err);
	}
	SV_AUTOFREE char *shown = sv_ref_string(&p.ref);
	pull_release(&p);
	if (rc < 0) {
		sv_registry_pull_result_release(res);
		return sv_err_prefix(err, "pull %s", shown);
	}
	return 0;
}

void sv_registry_pull_result_release(struct sv_registry_pull_result *res)
{
	free(res->name);
	res->name = NULL;
}

/* ---------------------------------------------------------------- sources */

int reg_blob_source_add(sv_store *s, const char *digest, const char *host, const char *repo, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "INSERT OR REPLACE INTO blob_sources (digest, registry, repository, added) VALUES (?, ?, ?, ?)", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, repo, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sv_time_now_ns());
	if (sqlite3_step(st) != SQLITE_DONE)
		return sv_store_sql_err(s, "record blob source", err);
	return 0;
}
