/*
 * Manifests, indexes and configs: untrusted JSON, parsed with a size bound
 * and checked field by field (media types known, digests well formed,
 * sizes sane, layer counts bounded) before anything acts on them.
 */
#include "image/image.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static const char *const layer_types[] = {
	SV_MEDIA_OCI_LAYER,
	SV_MEDIA_OCI_LAYER_GZIP,
	SV_MEDIA_OCI_LAYER_ZSTD,
	SV_MEDIA_DOCKER_LAYER_GZIP,
	SV_MEDIA_DOCKER_LAYER_FOREIGN,
	"application/vnd.docker.image.rootfs.diff.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
};

bool sv_media_is_layer(const char *media_type)
{
	for (size_t i = 0; i < sizeof layer_types / sizeof layer_types[0]; i++)
		if (strcmp(media_type, layer_types[i]) == 0)
			return true;
	return false;
}

static bool is_config_type(const char *t)
{
	return strcmp(t, SV_MEDIA_OCI_CONFIG) == 0 || strcmp(t, SV_MEDIA_DOCKER_CONFIG) == 0;
}

static void descriptor_release(struct sv_descriptor *d)
{
	free(d->media_type);
	free(d->ref_name);
	free(d->image_name);
	sv_platform_release(&d->platform);
	memset(d, 0, sizeof *d);
}

static int descriptor_parse(const cJSON *j, struct sv_descriptor *d, const char *what, sv_err **err)
{
	memset(d, 0, sizeof *d);
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EBADMSG, "%s: not an object", what);
	const char *mt = sv_json_str(j, "mediaType");
	const char *digest = sv_json_str(j, "digest");
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(j, "size");
	if (!digest || sv_digest_validate(digest, NULL) < 0)
		return sv_err_setx(err, EBADMSG, "%s: missing or invalid digest", what);
	if (!cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > 1e15)
		return sv_err_setx(err, EBADMSG, "%s: missing or invalid size", what);
	memcpy(d->digest, digest, SV_DIGEST_STR_LEN);
	d->size = (int64_t)size->valuedouble;
	d->media_type = sv_xstrdup(mt ? mt : "");
	const cJSON *plat = sv_json_obj(j, "platform");
	if (plat) {
		const char *os = sv_json_str(plat, "os"), *arch = sv_json_str(plat, "architecture");
		const char *var = sv_json_str(plat, "variant");
		d->platform.os = os ? sv_xstrdup(os) : NULL;
		d->platform.arch = arch ? sv_xstrdup(arch) : NULL;
		d->platform.variant = var ? sv_xstrdup(var) : NULL;
	}
	const cJSON *ann = sv_json_obj(j, "annotations");
	if (ann) {
		const char *rn = sv_json_str(ann, "org.opencontainers.image.ref.name");
		const char *in = sv_json_str(ann, "io.containerd.image.name");
		d->ref_name = rn ? sv_xstrdup(rn) : NULL;
		d->image_name = in ? sv_xstrdup(in) : NULL;
	}
	return 0;
}

int sv_manifest_kind(const char *text, size_t len, const char *hint, sv_err **err)
{
	SV_AUTOJSON cJSON *j = sv_json_parse(text, len, SV_MANIFEST_MAX, "manifest", err);
	if (!j)
		return -1;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EBADMSG, "manifest: not a JSON object");
	const char *mt = sv_json_str(j, "mediaType");
	if (!mt || !*mt)
		mt = hint;
	if (mt && *mt) {
		if (!strcmp(mt, SV_MEDIA_OCI_MANIFEST) || !strcmp(mt, SV_MEDIA_DOCKER_MANIFEST))
			return SV_MANIFEST_IMAGE;
		if (!strcmp(mt, SV_MEDIA_OCI_INDEX) || !strcmp(mt, SV_MEDIA_DOCKER_LIST))
			return SV_MANIFEST_INDEX;
		return sv_err_setx(err, EINVAL, "unsupported manifest media type '%.100s'", mt);
	}
	/* OCI allows omitting mediaType: decide by shape. */
	if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "manifests")))
		return SV_MANIFEST_INDEX;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "config")))
		return SV_MANIFEST_IMAGE;
	return sv_err_setx(err, EBADMSG, "manifest: neither an image manifest nor an index");
}

static int schema_version_2(const cJSON *j, sv_err **err)
{
	if (sv_json_i64(j, "schemaVersion", 0) != 2)
		return sv_err_setx(err, EINVAL, "unsupported manifest schemaVersion (want 2)");
	return 0;
}

int sv_manifest_parse(const char *text, size_t len, struct sv_manifest *out, sv_err **err)
{
	memset(out, 0, sizeof *out);
	SV_AUTOJSON cJSON *j = sv_json_parse(text, len, SV_MANIFEST_MAX, "manifest", err);
	if (!j)
		return -1;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EBADMSG, "manifest: not a JSON object");
	if (schema_version_2(j, err) < 0)
		return -1;
	const char *mt = sv_json_str(j, "mediaType");
	out->media_type = sv_xstrdup(mt && *mt ? mt : SV_MEDIA_OCI_MANIFEST);
	int rc = -1;
	const cJSON *layers = sv_json_arr(j, "layers");
	if (descriptor_parse(sv_json_obj(j, "config"), &out->config, "manifest config", err) < 0)
		goto out;
	if (!is_config_type(out->config.media_type)) {
		sv_err_setx(err, EINVAL, "unsupported config media type '%.100s'", out->config.media_type);
		goto out;
	}
	if (!layers) {
		sv_err_setx(err, EBADMSG, "manifest: missing layers");
		goto out;
	}
	int n = cJSON_GetArraySize(layers);
	if (n > SV_IMAGE_MAX_LAYERS) {
		sv_err_setx(err, E2BIG, "manifest: %d layers is over the limit of %d", n, SV_IMAGE_MAX_LAYERS);
		goto out;
	}
	out->layers = sv_xcalloc((size_t)n + 1, sizeof *out->layers);
	const cJSON *it;
	cJSON_ArrayForEach(it, layers)
	{
		struct sv_descriptor *d = &out->layers[out->nlayers];
		if (descriptor_parse(it, d, "manifest layer", err) < 0)
			goto out;
		out->nlayers++;
		if (!sv_media_is_layer(d->media_type)) {
			sv_err_setx(err, EINVAL, "unsupported layer media type '%.100s'", d->media_type);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0)
		sv_manifest_release(out);
	return rc;
}

void sv_manifest_release(struct sv_manifest *m)
{
	free(m->media_type);
	descriptor_release(&m->config);
	for (size_t i = 0; i < m->nlayers; i++)
		descriptor_release(&m->layers[i]);
	free(m->layers);
	memset(m, 0, sizeof *m);
}

int sv_index_parse(const char *text, size_t len, struct sv_index *out, sv_err **err)
{
	memset(out, 0, sizeof *out);
	SV_AUTOJSON cJSON *j = sv_json_parse(text, len, SV_MANIFEST_MAX, "index", err);
	if (!j)
		return -1;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EBADMSG, "index: not a JSON object");
	if (schema_version_2(j, err) < 0)
		return -1;
	const char *mt = sv_json_str(j, "mediaType");
	out->media_type = sv_xstrdup(mt && *mt ? mt : SV_MEDIA_OCI_INDEX);
	const cJSON *ms = sv_json_arr(j, "manifests");
	if (!ms) {
		sv_index_release(out);
		return sv_err_setx(err, EBADMSG, "index: missing manifests");
	}
	int n = cJSON_GetArraySize(ms);
	if (n > 10000) {
		sv_index_release(out);
		return sv_err_setx(err, E2BIG, "index: %d manifests is over the limit", n);
	}
	out->manifests = sv_xcalloc((size_t)n + 1, sizeof *out->manifests);
	const cJSON *it;
	cJSON_ArrayForEach(it, ms)
	{
		if (descriptor_parse(it, &out->manifests[out->n], "index entry", err) < 0) {
			sv_index_release(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

void sv_index_release(struct sv_index *ix)
{
	free(ix->media_type);
	for (size_t i = 0; i < ix->n; i++)
		descriptor_release(&ix->manifests[i]);
	free(ix->manifests);
	memset(ix, 0, sizeof *ix);
}

int sv_platform_parse(const char *s, struct sv_platform *out, sv_err **err)
{
	memset(out, 0, sizeof *out);
	SV_AUTOSTRV char **v = sv_strv_split(s, '/', false);
	size_t n = sv_strv_len(v);
	if (n < 2 || n > 3 || !*v[0] || !*v[1] || (n == 3 && !*v[2]))
		return sv_err_setx(err, EINVAL, "invalid platform '%s': want os/arch[/variant]", s);
	out->os = sv_xstrdup(v[0]);
	out->arch = sv_xstrdup(v[1]);
	out->variant = n == 3 ? sv_xstrdup(v[2]) : NULL;
	return 0;
}

void sv_platform_release(struct sv_platform *p)
{
	free(p->os);
	free(p->arch);
	free(p->variant);
	memset(p, 0, sizeof *p);
}

int sv_index_select(const struct sv_index *ix, const char *os, const char *arch, const char *variant,
		    sv_err **err)
{
	if (!os)
		os = "linux";
	if (!arch)
		arch = sv_host_arch();
	int best = -1;
	for (size_t i = 0; i < ix->n; i++) {
		const struct sv_platform *p = &ix->manifests[i].platform;
		if (!p->os || !p->arch || strcmp(p->os, os) || strcmp(p->arch, arch))
			continue;
		if (variant && (!p->variant || strcmp(p->variant, variant)))
			continue;
		/* Without a requested variant, prefer an entry without one
		 * (or arm64's v8), else take the first match. */
		if (best < 0 || !p->variant || (p->variant && strcmp(p->variant, "v8") == 0))
			best = (int)i;
	}
	if (best >= 0)
		return best;
	struct sv_buf have;
	sv_buf_init(&have);
	for (size_t i = 0; i < ix->n; i++) {
		const struct sv_platform *p = &ix->manifests[i].platform;
		if (!p->os)
			continue;
		sv_buf_addf(&have, "%s%s/%s%s%s", have.len ? ", " : "", p->os, p->arch ? p->arch : "?",
			    p->variant ? "/" : "", p->variant ? p->variant : "");
	}
	sv_err_setx(err, ENOENT, "no image for platform %s/%s%s%s (available: %s)", os, arch,
		    variant ? "/" : "", variant ? variant : "", have.len ? have.data : "none");
	sv_buf_release(&have);
	return -1;
}

static int64_t parse_created(const char *s)
{
	int64_t ns;
	if (!s || sv_time_parse(s, 0, &ns, NULL) < 0 || ns < 0)
		return 0;
	return ns / 1000000000;
}

int sv_image_config_parse(const char *text, size_t len, struct sv_image_config *out, sv_err **err)
{
	memset(out, 0, sizeof *out);
	cJSON *j = sv_json_parse(text, len, SV_MANIFEST_MAX, "image config", err);
	if (!j)
		return -1;
	out->json = j;
	if (!cJSON_IsObject(j))
		goto bad;
	const cJSON *rootfs = sv_json_obj(j, "rootfs");
	const char *type = rootfs ? sv_json_str(rootfs, "type") : NULL;
	const cJSON *diffs = rootfs ? sv_json_arr(rootfs, "diff_ids") : NULL;
	if (!type || strcmp(type, "layers") != 0 || !diffs) {
		sv_image_config_release(out);
		return sv_err_setx(err, EBADMSG, "image config: rootfs must be of type \"layers\" with diff_ids");
	}
	if (cJSON_GetArraySize(diffs) > SV_IMAGE_MAX_LAYERS) {
		sv_image_config_release(out);
		return sv_err_setx(err, E2BIG, "image config: too many layers");
	}
	if (sv_json_strv(diffs, &out->diff_ids, err) < 0)
		goto bad;
	out->ndiff_ids = sv_strv_len(out->diff_ids);
	for (size_t i = 0; i < out->ndiff_ids; i++)
		if (sv_digest_validate(out->diff_ids[i], err) < 0) {
			sv_image_config_release(out);
			return sv_err_prefix(err, "image config: diff_ids[%zu]", i);
		}
	const cJSON *cfg = sv_json_obj(j, "config");
	if (cJSON_GetObjectItemCaseSensitive(j, "config") && !cfg && !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "config")))
		goto bad;
	out->os = sv_json_str(j, "os");
	out->arch = sv_json_str(j, "architecture");
	out->variant = sv_json_str(j, "variant");
	out->created = parse_created(sv_json_str(j, "created"));
	return 0;
bad:
	sv_image_config_release(out);
	return sv_err_setx(err, EBADMSG, "image config: malformed");
}

void sv_image_config_release(struct sv_image_config *c)
{
	cJSON_Delete(c->json);
	sv_strv_free(c->diff_ids);
	memset(c, 0, sizeof *c);
}

void sv_chain_id(const char *parent_chain, const char *diff_id, char out[SV_DIGEST_STR_LEN])
{
	if (!parent_chain || !*parent_chain) {
		memmove(out, diff_id, SV_DIGEST_STR_LEN);
		return;
	}
	SV_AUTOFREE char *s = sv_xasprintf("%s %s", parent_chain, diff_id);
	sv_sha256_data(s, strlen(s), out);
}
