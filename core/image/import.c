/*
 * `import`: a root filesystem tarball (plain, gzip or zstd) becomes a
 * one-layer image. The bytes are stored as the layer blob and unpacked in
 * the same pass; the config is written from --change instructions
 * (Dockerfile syntax: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE,
 * VOLUME, STOPSIGNAL, ONBUILD is refused).
 */
#include "image/image.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* CMD ["a","b"] (JSON) or CMD a b (shell form → /bin/sh -c "a b"). */
static cJSON *command_value(const char *rest, sv_err **err)
{
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest == '[') {
		cJSON *j = sv_json_parse(rest, strlen(rest), 1 << 16, "--change", err);
		if (!j)
			return NULL;
		cJSON *it;
		bool ok = cJSON_IsArray(j);
		cJSON_ArrayForEach(it, j) ok = ok && cJSON_IsString(it);
		if (ok)
			return j;
		cJSON_Delete(j);
		return sv_err_setx(err, EINVAL, "--change: want a JSON array of strings"), NULL;
	}
	cJSON *a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh"));
	cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
	cJSON_AddItemToArray(a, cJSON_CreateString(rest));
	return a;
}

static cJSON *ensure(cJSON *cfg, const char *key, bool array)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
	if (v)
		return v;
	return array ? cJSON_AddArrayToObject(cfg, key) : cJSON_AddObjectToObject(cfg, key);
}

static int kv_split(const char *rest, char **k, char **v, sv_err **err)
{
	while (isspace((unsigned char)*rest))
		rest++;
	const char *eq = strchr(rest, '=');
	const char *sp = strpbrk(rest, " \t");
	const char *cut = eq && (!sp || eq < sp) ? eq : sp;
	if (!cut || cut == rest)
		return sv_err_setx(err, EINVAL, "--change: want KEY=VALUE, got '%s'", rest);
	*k = sv_xstrndup(rest, (size_t)(cut - rest));
	const char *val = cut + 1;
	while (isspace((unsigned char)*val))
		val++;
	size_t n = strlen(val);
	if (n >= 2 && val[0] == '"' && val[n - 1] == '"')
		*v = sv_xstrndup(val + 1, n - 2);
	else
		*v = sv_xstrdup(val);
	return 0;
}

static int apply_change(cJSON *cfg, const char *change, sv_err **err)
{
	const char *p = change;
	while (isspace((unsigned char)*p))
		p++;
	size_t kl = 0;
	while (p[kl] && !isspace((unsigned char)p[kl]))
		kl++;
	SV_AUTOFREE char *kw = sv_xstrndup(p, kl);
	for (char *c = kw; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	const char *rest = p + kl;
	while (isspace((unsigned char)*rest))
		rest++;
	if (!strcmp(kw, "CMD") || !strcmp(kw, "ENTRYPOINT")) {
		cJSON *v = command_value(rest, err);
		if (!v)
			return -1;
		const char *key = !strcmp(kw, "CMD") ? "Cmd" : "Entrypoint";
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
		cJSON_AddItemToObject(cfg, key, v);
		return 0;
	}
	if (!strcmp(kw, "WORKDIR") || !strcmp(kw, "USER") || !strcmp(kw, "STOPSIGNAL")) {
		const char *key = !strcmp(kw, "WORKDIR") ? "WorkingDir" : !strcmp(kw, "USER") ? "User" : "StopSignal";
		if (!*rest)
			return sv_err_setx(err, EINVAL, "--change %s needs a value", kw);
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
		cJSON_AddStringToObject(cfg, key, rest);
		return 0;
	}
	if (!strcmp(kw, "ENV") || !strcmp(kw, "LABEL")) {
		SV_AUTOFREE char *k = NULL;
		SV_AUTOFREE char *v = NULL;
		if (kv_split(rest, &k, &v, err) < 0)
			return -1;
		if (!strcmp(kw, "LABEL")) {
			cJSON *labels = ensure(cfg, "Labels", false);
			cJSON_DeleteItemFromObjectCaseSensitive(labels, k);
			cJSON_AddStringToObject(labels, k, v);
			return 0;
		}
		cJSON *env = ensure(cfg, "Env", true);
		SV_AUTOFREE char *kv = sv_xasprintf("%s=%s", k, v);
		cJSON_AddItemToArray(env, cJSON_CreateString(kv));
		return 0;
	}
	if (!strcmp(kw, "EXPOSE") || !strcmp(kw, "VOLUME")) {
		cJSON *set = ensure(cfg, !strcmp(kw, "EXPOSE") ? "ExposedPorts" : "Volumes", false);
		SV_AUTOSTRV char **items = sv_strv_split(rest, ' ', true);
		for (size_t i = 0; items[i]; i++) {
			SV_AUTOFREE char *key = !strcmp(kw, "EXPOSE") && !strchr(items[i], '/')
							? sv_xasprintf("%s/tcp", items[i])
							: sv_xstrdup(items[i]);
			if (!cJSON_GetObjectItemCaseSensitive(set, key))
				cJSON_AddObjectToObject(set, key);
		}
		return 0;
	}
	return sv_err_setx(err, EINVAL, "--change: unsupported instruction '%s'", kw);
}

static cJSON *import_config(const struct sv_image_import_opts *o, const char *diff_id, sv_err **err)
{
	char now[48];
	sv_time_rfc3339(sv_time_now_ns(), now, sizeof now);
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "architecture", o->arch ? o->arch : sv_host_arch());
	if (o->variant)
		cJSON_AddStringToObject(c, "variant", o->variant);
	cJSON_AddStringToObject(c, "os", o->os ? o->os : "linux");
	cJSON_AddStringToObject(c, "created", now);
	cJSON *cfg = cJSON_AddObjectToObject(c, "config");
	for (size_t i = 0; o->changes && o->changes[i]; i++) {
		if (apply_change(cfg, o->changes[i], err) < 0) {
			cJSON_Delete(c);
			return NULL;
		}
	}
	cJSON *rootfs = cJSON_AddObjectToObject(c, "rootfs");
	cJSON_AddStringToObject(rootfs, "type", "layers");
	cJSON *diffs = cJSON_AddArrayToObject(rootfs, "diff_ids");
	cJSON_AddItemToArray(diffs, cJSON_CreateString(diff_id));
	cJSON *hist = cJSON_AddArrayToObject(c, "history");
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "created", now);
	cJSON_AddStringToObject(h, "created_by", "servin import");
	if (o->message)
		cJSON_AddStringToObject(h, "comment", o->message);
	cJSON_AddItemToArray(hist, h);
	return c;
}

static const char *media_for(const char *compression)
{
	if (!strcmp(compression, "gzip"))
		return SV_MEDIA_OCI_LAYER_GZIP;
	if (!strcmp(compression, "zstd"))
		return SV_MEDIA_OCI_LAYER_ZSTD;
	return SV_MEDIA_OCI_LAYER;
}

static int stream_in(int fd, sv_blob_writer *w, sv_unpacker *u, sv_err **err)
{
	char *buf = sv_xmalloc(1 << 20);
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = sv_err_set(err, errno, "read");
			break;
		}
		if (n == 0)
			break;
		if (sv_blob_writer_write(w, buf, (size_t)n, err) < 0 || sv_unpacker_feed(u, buf, (size_t)n, err) < 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	return rc;
}

static int store_json(sv_store *s, cJSON *j, char digest[SV_DIGEST_STR_LEN], int64_t *size, sv_err **err)
{
	SV_AUTOFREE char *text = sv_json_print(j);
	*size = (int64_t)strlen(text);
	return sv_store_blob_put(s, text, strlen(text), NULL, digest, err);
}

static int import_run(sv_store *s, int fd, const struct sv_image_import_opts *o, const char *work,
		      char id_out[SV_DIGEST_STR_LEN], sv_err **err)
{
	SV_AUTOFREE char *ldir = sv_path_join(work, "layer");
	if (mkdir(ldir, 0755) < 0)
		return sv_err_set(err, errno, "mkdir %s", ldir);
	SV_AUTOCLOSE int dfd = open(ldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", ldir);
	sv_blob_writer *w = NULL;
	sv_unpacker *u = NULL;
	struct sv_unpack_result res;
	int rc = sv_blob_writer_new(s, &w, err);
	if (rc == 0)
		rc = sv_unpacker_new(dfd, &(struct sv_unpack_opts){ .expected_size = -1 }, &u, err);
	if (rc == 0)
		rc = stream_in(fd, w, u, err);
	if (rc == 0)
		rc = sv_unpacker_finish(u, &res, err);
	if (rc == 0)
		rc = sv_blob_writer_commit(w, res.digest, res.size, NULL, err);
	sv_unpacker_free(u);
	sv_blob_writer_free(w);
	if (rc < 0)
		return -1;

	SV_AUTOJSON cJSON *cfg = import_config(o, res.diff_id, err);
	if (!cfg)
		return -1;
	char cdig[SV_DIGEST_STR_LEN], mdig[SV_DIGEST_STR_LEN];
	int64_t csize, msize;
	if (store_json(s, cfg, cdig, &csize, err) < 0)
		return -1;
	SV_AUTOJSON cJSON *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", SV_MEDIA_OCI_MANIFEST);
	cJSON *c = cJSON_AddObjectToObject(m, "config");
	cJSON_AddStringToObject(c, "mediaType", SV_MEDIA_OCI_CONFIG);
	cJSON_AddStringToObject(c, "digest", cdig);
	cJSON_AddNumberToObject(c, "size", (double)csize);
	cJSON *ld = cJSON_CreateObject();
	cJSON_AddStringToObject(ld, "mediaType", media_for(res.compression));
	cJSON_AddStringToObject(ld, "digest", res.digest);
	cJSON_AddNumberToObject(ld, "size", (double)res.size);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "layers"), ld);
	if (store_json(s, m, mdig, &msize, err) < 0)
		return -1;

	SV_AUTOFREE char *text = sv_json_print(cfg);
	struct sv_image_config parsed;
	if (sv_image_config_parse(text, strlen(text), &parsed, err) < 0)
		return -1;
	struct sv_image_layer layer = {
		.blob_size = res.size,
		.media_type = (char *)(uintptr_t)media_for(res.compression),
		.diff_size = res.diff_size,
		.content_size = res.content_size,
		.unpacked_dir = ldir,
	};
	memcpy(layer.blob_digest, res.digest, SV_DIGEST_STR_LEN);
	memcpy(layer.diff_id, res.diff_id, SV_DIGEST_STR_LEN);
	sv_chain_id(NULL, res.diff_id, layer.chain_id);
	SV_AUTOSTRV char **refs = sv_xcalloc(1, sizeof *refs);
	if (o->reference) {
		struct sv_ref r;
		if (sv_ref_parse(o->reference, &r, err) < 0) {
			sv_image_config_release(&parsed);
			return -1;
		}
		sv_strv_push_take(&refs, sv_ref_string(&r));
		sv_ref_release(&r);
	}
	struct sv_image_commit ci = {
		.action = "import",
		.manifest_type = SV_MEDIA_OCI_MANIFEST,
		.manifest_size = msize,
		.config_size = csize,
		.config = &parsed,
		.layers = &layer,
		.nlayers = 1,
		.refs = refs,
	};
	memcpy(ci.manifest_digest, mdig, SV_DIGEST_STR_LEN);
	memcpy(ci.config_digest, cdig, SV_DIGEST_STR_LEN);
	rc = sv_image_commit(s, &ci, 1, err);
	sv_image_config_release(&parsed);
	if (rc == 0)
		memcpy(id_out, cdig, SV_DIGEST_STR_LEN);
	return rc;
}

int sv_image_import(sv_store *s, int fd, const struct sv_image_import_opts *o, char id_out[SV_DIGEST_STR_LEN],
		    sv_err **err)
{
	if (o->reference) {
		struct sv_ref r;
		if (sv_ref_parse(o->reference, &r, err) < 0)
			return -1;
		bool digest = r.digest != NULL;
		sv_ref_release(&r);
		if (digest)
			return sv_err_setx(err, EINVAL, "import: a digest cannot be a tag");
	}
	SV_AUTOCLOSE int gc = sv_store_lock(s, "gc", false, err);
	if (gc < 0)
		return -1;
	SV_AUTOFREE char *work = sv_store_tmpdir(s, "import", err);
	if (!work)
		return -1;
	int rc = import_run(s, fd, o, work, id_out, err);
	SV_AUTOERR sv_err *e2 = NULL;
	sv_rm_rf(work, &e2);
	return rc < 0 ? sv_err_prefix(err, "import") : 0;
}
