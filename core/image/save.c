/*
 * `save` (docker-archive or oci-archive) and `import` (a rootfs tarball as
 * a one-layer image).
 *
 * docker-archive: manifest.json + <config-hex>.json + <diff-id-hex>.tar,
 * layers uncompressed so that each file's digest is its diff_id (what
 * `docker load` and `skopeo ... docker-archive:` expect).
 * oci-archive: an OCI image layout (oci-layout, index.json, blobs/sha256)
 * holding the blobs exactly as stored, so digests survive a round trip.
 */
#include "image/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

struct saved_layer {
	char blob[SV_DIGEST_STR_LEN];
	char diff_id[SV_DIGEST_STR_LEN];
	int64_t blob_size, diff_size;
	char *media_type;
};

struct saved_image {
	char id[SV_DIGEST_STR_LEN];
	char manifest[SV_DIGEST_STR_LEN];
	char *manifest_type;
	int64_t manifest_size, config_size;
	struct saved_layer *layers;
	size_t nlayers;
	char **refs; /* full names of tags asked for (or all tags when an id was given) */
};

static void saved_release(struct saved_image *im)
{
	free(im->manifest_type);
	for (size_t i = 0; i < im->nlayers; i++)
		free(im->layers[i].media_type);
	free(im->layers);
	sv_strv_free(im->refs);
}

static int collect_image(sv_store *s, const char *name, struct saved_image *im, sv_err **err)
{
	memset(im, 0, sizeof *im);
	im->refs = sv_xcalloc(1, sizeof *im->refs);
	if (sv_image_resolve(s, name, im->id, err) < 0)
		return -1;
	struct sv_ref r;
	if (sv_ref_parse(name, &r, NULL) == 0) {
		char *full = sv_ref_string(&r);
		sv_ref_release(&r);
		char id[SV_DIGEST_STR_LEN];
		SV_AUTOSTMT sqlite3_stmt *q = sv_store_prepare(s, "SELECT image_id FROM refs WHERE name = ? AND kind = 'tag'", err);
		if (!q)
			return -1;
		sqlite3_bind_text(q, 1, full, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(q, 0));
			if (!strcmp(id, im->id))
				sv_strv_push(&im->refs, full);
		}
		free(full);
	}
	if (!im->refs[0]) {
		SV_AUTOSTMT sqlite3_stmt *t = sv_store_prepare(s, "SELECT name FROM refs WHERE image_id = ? AND kind = 'tag' ORDER BY name", err);
		if (!t)
			return -1;
		sqlite3_bind_text(t, 1, im->id, -1, SQLITE_STATIC);
		while (sqlite3_step(t) == SQLITE_ROW)
			sv_strv_push(&im->refs, (const char *)sqlite3_column_text(t, 0));
	}
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "SELECT manifest_digest, manifest_type, manifest_size, config_size FROM images WHERE id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, im->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return sv_err_setx(err, ENOENT, "No such image: %s", name);
	snprintf(im->manifest, sizeof im->manifest, "%s", (const char *)sqlite3_column_text(st, 0));
	im->manifest_type = sv_xstrdup((const char *)sqlite3_column_text(st, 1));
	im->manifest_size = sqlite3_column_int64(st, 2);
	im->config_size = sqlite3_column_int64(st, 3);
	SV_AUTOSTMT sqlite3_stmt *ls = sv_store_prepare(
		s, "SELECT blob_digest, diff_id, blob_size, diff_size, media_type FROM image_layers WHERE image_id = ? ORDER BY idx", err);
	if (!ls)
		return -1;
	sqlite3_bind_text(ls, 1, im->id, -1, SQLITE_STATIC);
	while (sqlite3_step(ls) == SQLITE_ROW) {
		im->layers = sv_xrealloc(im->layers, (im->nlayers + 1) * sizeof *im->layers);
		struct saved_layer *l = &im->layers[im->nlayers++];
		snprintf(l->blob, sizeof l->blob, "%s", (const char *)sqlite3_column_text(ls, 0));
		snprintf(l->diff_id, sizeof l->diff_id, "%s", (const char *)sqlite3_column_text(ls, 1));
		l->blob_size = sqlite3_column_int64(ls, 2);
		l->diff_size = sqlite3_column_int64(ls, 3);
		l->media_type = sv_xstrdup((const char *)sqlite3_column_text(ls, 4));
	}
	return 0;
}

/* ---------------------------------------------------------- tar writing */

struct tarw {
	struct archive *a;
	char **written; /* entry names already in the archive */
};

static int tar_fail(struct tarw *w, const char *what, sv_err **err)
{
	return sv_err_setx(err, EIO, "write %s: %s", what, archive_error_string(w->a) ? archive_error_string(w->a) : "error");
}

static int tar_header(struct tarw *w, const char *name, int64_t size, sv_err **err)
{
	struct archive_entry *ae = archive_entry_new();
	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, size);
	archive_entry_set_mtime(ae, 0, 0);
	int r = archive_write_header(w->a, ae);
	archive_entry_free(ae);
	sv_strv_push(&w->written, name);
	return r == ARCHIVE_OK ? 0 : tar_fail(w, name, err);
}

static int tar_data(struct tarw *w, const void *data, size_t len, const char *what, sv_err **err)
{
	if (len && archive_write_data(w->a, data, len) != (la_ssize_t)len)
		return tar_fail(w, what, err);
	return 0;
}

static int tar_mem(struct tarw *w, const char *name, const void *data, size_t len, sv_err **err)
{
	if (sv_strv_contains(w->written, name))
		return 0;
	if (tar_header(w, name, (int64_t)len, err) < 0)
		return -1;
	return tar_data(w, data, len, name, err);
}

static int tar_dir(struct tarw *w, const char *name, sv_err **err)
{
	struct archive_entry *ae = archive_entry_new();
	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, AE_IFDIR);
	archive_entry_set_perm(ae, 0755);
	archive_entry_set_mtime(ae, 0, 0);
	int r = archive_write_header(w->a, ae);
	archive_entry_free(ae);
	return r == ARCHIVE_OK ? 0 : tar_fail(w, name, err);
}

/* A stored blob, copied as is after checking its size. */
static int tar_blob(struct tarw *w, sv_store *s, const char *name, const char *digest, sv_err **err)
{
	if (sv_strv_contains(w->written, name))
		return 0;
	int64_t size;
	SV_AUTOCLOSE int fd = sv_store_blob_open(s, digest, &size, err);
	if (fd < 0 || tar_header(w, name, size, err) < 0)
		return -1;
	char *buf = sv_xmalloc(1 << 20);
	int rc = 0;
	int64_t left = size;
	while (left > 0 && rc == 0) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n <= 0) {
			rc = sv_err_set(err, n < 0 ? errno : EIO, "read blob %s", digest);
			break;
		}
		rc = tar_data(w, buf, (size_t)n, name, err);
		left -= n;
	}
	free(buf);
	return rc;
}

/* Sink for decompressed layer bytes: written to the archive while hashed,
 * so a corrupt blob cannot produce a layer that lies about its diff_id. */
struct layer_sink {
	struct tarw *w;
	const char *name;
	sv_sha256 *h;
	int64_t n, want;
};

static int sink_put(struct layer_sink *k, const void *p, size_t len, sv_err **err)
{
	if (k->n + (int64_t)len > k->want)
		return sv_err_setx(err, EBADMSG, "layer %s is longer than recorded", k->name);
	sv_sha256_update(k->h, p, len);
	k->n += (int64_t)len;
	return tar_data(k->w, p, len, k->name, err);
}

static int inflate_gzip_to(int fd, struct layer_sink *k, sv_err **err)
{
	z_stream z = { 0 };
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return sv_err_setx(err, ENOMEM, "zlib init");
	unsigned char *in = sv_xmalloc(1 << 18), *out = sv_xmalloc(1 << 18);
	int rc = 0, zr = Z_OK;
	while (rc == 0 && zr != Z_STREAM_END) {
		ssize_t n = read(fd, in, 1 << 18);
		if (n <= 0) {
			rc = sv_err_setx(err, EBADMSG, "truncated gzip layer");
			break;
		}
		z.next_in = in;
		z.avail_in = (uInt)n;
		while (rc == 0 && z.avail_in > 0) {
			z.next_out = out;
			z.avail_out = 1 << 18;
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr == Z_STREAM_END && z.avail_in > 0) {
				inflateReset(&z); /* another gzip member */
				zr = Z_OK;
			}
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
				rc = sv_err_setx(err, EBADMSG, "corrupt gzip layer");
			else
				rc = sink_put(k, out, (1 << 18) - z.avail_out, err);
		}
	}
	inflateEnd(&z);
	free(in);
	free(out);
	return rc;
}

static int inflate_zstd_to(int fd, struct layer_sink *k, sv_err **err)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	char *in = sv_xmalloc(1 << 18), *out = sv_xmalloc(1 << 18);
	int rc = 0;
	size_t zr = 1;
	for (;;) {
		ssize_t n = read(fd, in, 1 << 18);
		if (n < 0) {
			rc = sv_err_set(err, errno, "read layer");
			break;
		}
		if (n == 0) {
			if (zr != 0)
				rc = sv_err_setx(err, EBADMSG, "truncated zstd layer");
			break;
		}
		ZSTD_inBuffer ib = { in, (size_t)n, 0 };
		while (rc == 0 && ib.pos < ib.size) {
			ZSTD_outBuffer ob = { out, 1 << 18, 0 };
			zr = ZSTD_decompressStream(z, &ob, &ib);
			rc = ZSTD_isError(zr) ? sv_err_setx(err, EBADMSG, "corrupt zstd layer") : sink_put(k, out, ob.pos, err);
		}
		if (rc)
			break;
	}
	ZSTD_freeDCtx(z);
	free(in);
	free(out);
	return rc;
}

static int tar_layer_uncompressed(struct tarw *w, sv_store *s, const char *name, const struct saved_layer *l,
				  sv_err **err)
{
	if (sv_strv_contains(w->written, name))
		return 0;
	if (strcmp(l->blob, l->diff_id) == 0)
		return tar_blob(w, s, name, l->blob, err);
	SV_AUTOCLOSE int fd = sv_store_blob_open(s, l->blob, NULL, err);
	if (fd < 0 || tar_header(w, name, l->diff_size, err) < 0)
		return -1;
	unsigned char magic[4] = { 0 };
	if (pread(fd, magic, 4, 0) < 2)
		return sv_err_setx(err, EBADMSG, "layer blob %s is empty", l->blob);
	struct layer_sink k = { .w = w, .name = name, .h = sv_sha256_new(), .want = l->diff_size };
	int rc;
	if (magic[0] == 0x1f && magic[1] == 0x8b)
		rc = inflate_gzip_to(fd, &k, err);
	else if (magic[0] == 0x28 && magic[1] == 0xb5)
		rc = inflate_zstd_to(fd, &k, err);
	else
		rc = sv_err_setx(err, EBADMSG, "layer blob %s: unknown compression", l->blob);
	char got[SV_DIGEST_STR_LEN];
	sv_sha256_final(k.h, got);
	sv_sha256_free(k.h);
	if (rc == 0 && (k.n != k.want || strcmp(got, l->diff_id) != 0))
		rc = sv_err_setx(err, EBADMSG, "layer blob %s does not decompress to %s", l->blob, l->diff_id);
	return rc;
}

/* ---------------------------------------------------------- formats */

static int save_docker(struct tarw *w, sv_store *s, struct saved_image *ims, size_t n, sv_err **err)
{
	cJSON *manifest = cJSON_CreateArray();
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct saved_image *im = &ims[i];
		SV_AUTOFREE char *cfg = sv_xasprintf("%s.json", sv_digest_hex(im->id));
		cJSON *ent = cJSON_CreateObject();
		cJSON_AddItemToArray(manifest, ent);
		cJSON_AddStringToObject(ent, "Config", cfg);
		cJSON *tags = cJSON_AddArrayToObject(ent, "RepoTags");
		for (size_t t = 0; im->refs[t]; t++) {
			SV_AUTOFREE char *fam = sv_ref_familiarize(im->refs[t]);
			cJSON_AddItemToArray(tags, cJSON_CreateString(fam));
		}
		cJSON *layers = cJSON_AddArrayToObject(ent, "Layers");
		rc = tar_blob(w, s, cfg, im->id, err);
		for (size_t l = 0; l < im->nlayers && rc == 0; l++) {
			SV_AUTOFREE char *lname = sv_xasprintf("%s.tar", sv_digest_hex(im->layers[l].diff_id));
			cJSON_AddItemToArray(layers, cJSON_CreateString(lname));
			rc = tar_layer_uncompressed(w, s, lname, &im->layers[l], err);
		}
	}
	if (rc == 0) {
		SV_AUTOFREE char *text = sv_json_print(manifest);
		rc = tar_mem(w, "manifest.json", text, strlen(text), err);
	}
	cJSON_Delete(manifest);
	return rc;
}

static cJSON *oci_descriptor(const struct saved_image *im, const char *full)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "mediaType", im->manifest_type);
	cJSON_AddStringToObject(d, "digest", im->manifest);
	cJSON_AddNumberToObject(d, "size", (double)im->manifest_size);
	if (full) {
		cJSON *ann = cJSON_AddObjectToObject(d, "annotations");
		cJSON_AddStringToObject(ann, "io.containerd.image.name", full);
		const char *colon = strrchr(full, ':');
		if (colon && !strchr(colon, '/'))
			cJSON_AddStringToObject(ann, "org.opencontainers.image.ref.name", colon + 1);
	}
	return d;
}

static int save_oci(struct tarw *w, sv_store *s, struct saved_image *ims, size_t n, sv_err **err)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if (tar_dir(w, "blobs", err) < 0 || tar_dir(w, "blobs/sha256", err) < 0 ||
	    tar_mem(w, "oci-layout", layout, sizeof layout - 1, err) < 0)
		return -1;
	cJSON *index = cJSON_CreateObject();
	cJSON_AddNumberToObject(index, "schemaVersion", 2);
	cJSON_AddStringToObject(index, "mediaType", SV_MEDIA_OCI_INDEX);
	cJSON *ms = cJSON_AddArrayToObject(index, "manifests");
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct saved_image *im = &ims[i];
		SV_AUTOFREE char *mname = sv_xasprintf("blobs/sha256/%s", sv_digest_hex(im->manifest));
		SV_AUTOFREE char *cname = sv_xasprintf("blobs/sha256/%s", sv_digest_hex(im->id));
		rc = tar_blob(w, s, mname, im->manifest, err);
		if (rc == 0)
			rc = tar_blob(w, s, cname, im->id, err);
		for (size_t l = 0; l < im->nlayers && rc == 0; l++) {
			SV_AUTOFREE char *lname = sv_xasprintf("blobs/sha256/%s", sv_digest_hex(im->layers[l].blob));
			rc = tar_blob(w, s, lname, im->layers[l].blob, err);
		}
		if (!im->refs[0])
			cJSON_AddItemToArray(ms, oci_descriptor(im, NULL));
		for (size_t t = 0; im->refs[t]; t++)
			cJSON_AddItemToArray(ms, oci_descriptor(im, im->refs[t]));
	}
	if (rc == 0) {
		SV_AUTOFREE char *text = sv_json_print(index);
		rc = tar_mem(w, "index.json", text, strlen(text), err);
	}
	cJSON_Delete(index);
	return rc;
}

int sv_image_save(sv_store *s, char *const *names, enum sv_image_archive format, int fd, sv_err **err)
{
	size_t n = sv_strv_len(names);
	if (n == 0)
		return sv_err_setx(err, EINVAL, "save: no image given");
	struct saved_image *ims = sv_xcalloc(n, sizeof *ims);
	int rc = 0;
	size_t got = 0;
	for (; got < n && rc == 0; got++)
		rc = collect_image(s, names[got], &ims[got], err);
	struct tarw w = { .a = archive_write_new() };
	if (rc == 0) {
		archive_write_set_format_pax_restricted(w.a);
		archive_write_set_bytes_in_last_block(w.a, 1);
		if (archive_write_open_fd(w.a, fd) != ARCHIVE_OK)
			rc = tar_fail(&w, "archive", err);
	}
	if (rc == 0)
		rc = format == SV_IMAGE_ARCHIVE_OCI ? save_oci(&w, s, ims, n, err) : save_docker(&w, s, ims, n, err);
	if (rc == 0 && archive_write_close(w.a) != ARCHIVE_OK)
		rc = tar_fail(&w, "archive", err);
	archive_write_free(w.a);
	sv_strv_free(w.written);
	for (size_t i = 0; i < got; i++)
		saved_release(&ims[i]);
	free(ims);
	return rc < 0 ? sv_err_prefix(err, "save") : 0;
}
