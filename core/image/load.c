/*
 * `load`: a docker-archive (`docker save`, `skopeo copy ... docker-archive:`)
 * or an oci-archive (an OCI image layout in a tar), possibly compressed.
 *
 * The outer tar's entries may come in any order (docker puts manifest.json
 * last), so every regular file is first streamed into a private temporary
 * directory while its sha256 is computed; nothing in the archive is ever
 * extracted to a path it names. Then the manifests are read, every digest
 * and diff_id is checked, the missing layers are unpacked, and only when
 * all of it succeeded are blobs moved into the store and the images
 * committed in one transaction. A bad archive leaves the store as it was.
 */
#include "image/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOAD_MAX_ENTRIES 100000
#define LOAD_MAX_NESTING 4

struct afile {
	char *name;   /* clean path inside the archive */
	char *alias;  /* symlink or hardlink target (clean), or NULL */
	char digest[SV_DIGEST_STR_LEN];
	int64_t size;
	char *tmp;    /* file name in the work directory */
};

/* One image found in the archive, ready to commit. */
struct plan {
	struct sv_image_config config;
	char config_digest[SV_DIGEST_STR_LEN];
	int64_t config_size;
	struct sv_buf manifest;	   /* as stored: given (oci) or synthesised (docker) */
	const char *manifest_type;
	char manifest_digest[SV_DIGEST_STR_LEN];
	struct sv_image_layer *layers;
	size_t nlayers;
	const struct afile **layer_files;
	char **refs;
};

struct load {
	sv_store *s;
	char *work;  /* absolute path of tmp/load-... */
	int workfd;
	int srcfd;   /* where afile.tmp names live: workfd, or a layout directory */
	struct afile *files;
	size_t nfiles, capfiles;
	struct plan *plans;
	size_t nplans;
	sv_progress_fn *progress;
	void *progress_arg;
	atomic_int unpacked; /* counter for layer directory names */
};

/* ---------------------------------------------------------- outer tar */

static char *clean_name(const char *raw)
{
	char *c = sv_path_clean(raw);
	if (!*c) {
		free(c);
		return NULL;
	}
	return c;
}

static struct afile *add_file(struct load *l, char *name)
{
	if (l->nfiles == l->capfiles) {
		l->capfiles = l->capfiles ? l->capfiles * 2 : 32;
		l->files = sv_xrealloc(l->files, l->capfiles * sizeof *l->files);
	}
	struct afile *f = &l->files[l->nfiles++];
	memset(f, 0, sizeof *f);
	f->name = name;
	return f;
}

static int spool_entry(struct load *l, struct archive *a, struct afile *f, sv_err **err)
{
	f->tmp = sv_xasprintf("f%zu", l->nfiles);
	SV_AUTOCLOSE int fd = openat(l->workfd, f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return sv_err_set(err, errno, "spool %s", f->name);
	sv_sha256 *h = sv_sha256_new();
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;
	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		if (lseek(fd, off, SEEK_SET) < 0 || sv_write_all(fd, buf, size) < 0) {
			sv_sha256_free(h);
			return sv_err_set(err, errno, "spool %s", f->name);
		}
		sv_sha256_update(h, buf, size);
		f->size += (int64_t)size;
	}
	sv_sha256_final(h, f->digest);
	sv_sha256_free(h);
	if (r != ARCHIVE_EOF)
		return sv_err_setx(err, EBADMSG, "read %s: %s", f->name, archive_error_string(a));
	return 0;
}

static int read_outer(struct load *l, int fd, sv_err **err)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_all(a);
	int rc = 0;
	if (archive_read_open_fd(a, fd, 1 << 20) != ARCHIVE_OK) {
		rc = sv_err_setx(err, EBADMSG, "not a tar archive: %s",
				 archive_error_string(a) ? archive_error_string(a) : "empty input");
		goto out;
	}
	struct archive_entry *ae;
	int r;
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (l->nfiles >= LOAD_MAX_ENTRIES) {
			rc = sv_err_setx(err, E2BIG, "more than %d files in the archive", LOAD_MAX_ENTRIES);
			goto out;
		}
		const char *raw = archive_entry_pathname(ae);
		char *name = raw ? clean_name(raw) : NULL;
		if (!name)
			continue;
		mode_t type = archive_entry_filetype(ae);
		const char *link = archive_entry_hardlink(ae);
		if (!link && type == AE_IFLNK)
			link = archive_entry_symlink(ae);
		if (link) {
			/* docker save links duplicate layers: resolve relative
			 * symlinks against the entry's directory. */
			struct afile *f = add_file(l, name);
			const char *slash = strrchr(name, '/');
			SV_AUTOFREE char *joined = archive_entry_hardlink(ae) || !slash || link[0] == '/'
							   ? sv_xstrdup(link)
							   : sv_xasprintf("%.*s/%s", (int)(slash - name), name, link);
			f->alias = clean_name(joined);
			continue;
		}
		if (type != AE_IFREG) {
			free(name);
			continue;
		}
		if (spool_entry(l, a, add_file(l, name), err) < 0) {
			rc = -1;
			goto out;
		}
	}
	if (r != ARCHIVE_EOF)
		rc = sv_err_setx(err, EBADMSG, "corrupt or truncated archive: %s",
				 archive_error_string(a) ? archive_error_string(a) : "read error");
out:
	archive_read_free(a);
	return rc;
}

/* An OCI layout directory: every regular file is hashed in place; links
 * and other types are ignored, and nothing outside the directory is read. */
static int walk_layout(struct load *l, int dfd, const char *prefix, int depth, sv_err **err)
{
	if (depth > 8)
		return 0;
	int fd2 = dup(dfd);
	DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
	if (!d) {
		if (fd2 >= 0)
			close(fd2);
		return sv_err_set(err, errno, "read layout directory");
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (l->nfiles >= LOAD_MAX_ENTRIES) {
			rc = sv_err_setx(err, E2BIG, "more than %d files in the layout", LOAD_MAX_ENTRIES);
			break;
		}
		char *rel = *prefix ? sv_xasprintf("%s/%s", prefix, de->d_name) : sv_xstrdup(de->d_name);
		struct stat st;
		if (fstatat(l->srcfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
			free(rel);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			SV_AUTOCLOSE int sub = openat(l->srcfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			rc = sub < 0 ? 0 : walk_layout(l, sub, rel, depth + 1, err);
			free(rel);
			continue;
		}
		struct afile *f = add_file(l, rel);
		f->tmp = sv_xstrdup(rel);
		f->size = st.st_size;
		SV_AUTOCLOSE int in = openat(l->srcfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0) {
			rc = sv_err_set(err, errno, "open %s", rel);
			break;
		}
		sv_sha256 *h = sv_sha256_new();
		char *buf = sv_xmalloc(1 << 20);
		ssize_t n;
		while ((n = read(in, buf, 1 << 20)) > 0)
			sv_sha256_update(h, buf, (size_t)n);
		free(buf);
		sv_sha256_final(h, f->digest);
		sv_sha256_free(h);
		if (n < 0)
			rc = sv_err_set(err, errno, "read %s", rel);
	}
	closedir(d);
	return rc;
}

static const struct afile *find_file(const struct load *l, const char *name)
{
	SV_AUTOFREE char *clean = clean_name(name);
	if (!clean)
		return NULL;
	for (int depth = 0; depth < 8; depth++) {
		const struct afile *hit = NULL;
		for (size_t i = 0; i < l->nfiles; i++)
			if (strcmp(l->files[i].name, clean) == 0)
				hit = &l->files[i];
		if (!hit || !hit->alias)
			return hit;
		free(clean);
		clean = sv_xstrdup(hit->alias);
	}
	return NULL;
}

static int read_json_file(struct load *l, const struct afile *f, struct sv_buf *out, sv_err **err)
{
	if (f->size > (int64_t)SV_MANIFEST_MAX)
		return sv_err_setx(err, E2BIG, "%s: %lld bytes is over the limit of %u", f->name,
				   (long long)f->size, SV_MANIFEST_MAX);
	return sv_read_fileat(l->srcfd, f->tmp, SV_MANIFEST_MAX, out, err);
}

/* ---------------------------------------------------------- plans */

static void plan_release(struct plan *p)
{
	sv_image_config_release(&p->config);
	sv_buf_release(&p->manifest);
	for (size_t i = 0; i < p->nlayers; i++) {
		free(p->layers[i].media_type);
		free(p->layers[i].unpacked_dir);
	}
	free(p->layers);
	free(p->layer_files);
	sv_strv_free(p->refs);
}

static struct plan *new_plan(struct load *l)
{
	l->plans = sv_xrealloc(l->plans, (l->nplans + 1) * sizeof *l->plans);
	struct plan *p = &l->plans[l->nplans++];
	memset(p, 0, sizeof *p);
	sv_buf_init(&p->manifest);
	p->refs = sv_xcalloc(1, sizeof *p->refs);
	return p;
}

static int plan_config(struct load *l, struct plan *p, const struct afile *cf, sv_err **err)
{
	SV_AUTOBUF struct sv_buf text;
	sv_buf_init(&text);
	if (read_json_file(l, cf, &text, err) < 0 ||
	    sv_image_config_parse(text.data, text.len, &p->config, err) < 0)
		return -1;
	memcpy(p->config_digest, cf->digest, SV_DIGEST_STR_LEN);
	p->config_size = cf->size;
	return 0;
}

static int add_ref(struct plan *p, const char *name, sv_err **err)
{
	struct sv_ref r;
	if (sv_ref_parse(name, &r, err) < 0)
		return sv_err_prefix(err, "image name '%s'", name);
	sv_strv_push_take(&p->refs, sv_ref_string(&r));
	sv_ref_release(&r);
	return 0;
}

static const char *layer_media_for(const struct load *l, const struct afile *f)
{
	unsigned char magic[4] = { 0 };
	SV_AUTOCLOSE int fd = openat(l->srcfd, f->tmp, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, magic, sizeof magic) > 0) {
		if (magic[0] == 0x1f && magic[1] == 0x8b)
			return SV_MEDIA_OCI_LAYER_GZIP;
		if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
			return SV_MEDIA_OCI_LAYER_ZSTD;
	}
	return SV_MEDIA_OCI_LAYER;
}

/* Common to both formats: layer files against the config's diff_ids. */
static int plan_layers(struct plan *p, size_t n, sv_err **err)
{
	if (n != p->config.ndiff_ids)
		return sv_err_setx(err, EBADMSG, "the image has %zu layers but its config lists %zu diff_ids", n,
				   p->config.ndiff_ids);
	p->nlayers = n;
	p->layers = sv_xcalloc(n + 1, sizeof *p->layers);
	p->layer_files = sv_xcalloc(n + 1, sizeof *p->layer_files);
	const char *parent = NULL;
	for (size_t i = 0; i < n; i++) {
		struct sv_image_layer *ly = &p->layers[i];
		memcpy(ly->diff_id, p->config.diff_ids[i], SV_DIGEST_STR_LEN);
		sv_chain_id(parent, ly->diff_id, ly->chain_id);
		parent = ly->chain_id;
	}
	return 0;
}

static void synth_manifest(struct plan *p)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", SV_MEDIA_OCI_MANIFEST);
	cJSON *c = cJSON_AddObjectToObject(m, "config");
	cJSON_AddStringToObject(c, "mediaType", SV_MEDIA_OCI_CONFIG);
	cJSON_AddStringToObject(c, "digest", p->config_digest);
	cJSON_AddNumberToObject(c, "size", (double)p->config_size);
	cJSON *ls = cJSON_AddArrayToObject(m, "layers");
	for (size_t i = 0; i < p->nlayers; i++) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "mediaType", p->layers[i].media_type);
		cJSON_AddStringToObject(d, "digest", p->layers[i].blob_digest);
		cJSON_AddNumberToObject(d, "size", (double)p->layers[i].blob_size);
		cJSON_AddItemToArray(ls, d);
	}
	char *text = sv_json_print(m);
	sv_buf_adds(&p->manifest, text);
	free(text);
	cJSON_Delete(m);
	p->manifest_type = SV_MEDIA_OCI_MANIFEST;
	sv_sha256_data(p->manifest.data, p->manifest.len, p->manifest_digest);
}

static int plan_docker_entry(struct load *l, const cJSON *ent, sv_err **err)
{
	const char *cfg = sv_json_str(ent, "Config");
	const cJSON *layers = sv_json_arr(ent, "Layers");
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(ent, "RepoTags");
	if (!cfg || !layers)
		return sv_err_setx(err, EBADMSG, "manifest.json: an entry lacks Config or Layers");
	const struct afile *cf = find_file(l, cfg);
	if (!cf)
		return sv_err_setx(err, EBADMSG, "manifest.json names config %s, which is not in the archive", cfg);
	struct plan *p = new_plan(l);
	const cJSON *t0 = cJSON_GetArrayItem(tags, 0);
	const char *who = cJSON_IsString(t0) ? t0->valuestring : cfg;
	if (plan_config(l, p, cf, err) < 0 || plan_layers(p, (size_t)cJSON_GetArraySize(layers), err) < 0)
		return sv_err_prefix(err, "image %s", who);
	size_t i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, layers)
	{
		const struct afile *lf = cJSON_IsString(it) ? find_file(l, it->valuestring) : NULL;
		if (!lf)
			return sv_err_setx(err, EBADMSG, "manifest.json names layer %s, which is not in the archive",
					   cJSON_IsString(it) ? it->valuestring : "(not a string)");
		struct sv_image_layer *ly = &p->layers[i];
		p->layer_files[i++] = lf;
		memcpy(ly->blob_digest, lf->digest, SV_DIGEST_STR_LEN);
		ly->blob_size = lf->size;
		ly->media_type = sv_xstrdup(layer_media_for(l, lf));
	}
	cJSON_ArrayForEach(it, tags)
	{
		if (cJSON_IsString(it) && add_ref(p, it->valuestring, err) < 0)
			return -1;
	}
	synth_manifest(p);
	return 0;
}

static int plan_docker(struct load *l, const struct afile *mf, sv_err **err)
{
	SV_AUTOBUF struct sv_buf text;
	sv_buf_init(&text);
	if (read_json_file(l, mf, &text, err) < 0)
		return -1;
	SV_AUTOJSON cJSON *j = sv_json_parse(text.data, text.len, SV_MANIFEST_MAX, "manifest.json", err);
	if (!j)
		return -1;
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0)
		return sv_err_setx(err, EBADMSG, "manifest.json: want a non-empty array");
	const cJSON *ent;
	cJSON_ArrayForEach(ent, j)
	{
		if (plan_docker_entry(l, ent, err) < 0)
			return -1;
	}
	return 0;
}

static const struct afile *oci_blob(const struct load *l, const char *digest, int64_t size, sv_err **err)
{
	SV_AUTOFREE char *name = sv_xasprintf("blobs/sha256/%s", sv_digest_hex(digest));
	const struct afile *f = find_file(l, name);
	if (!f)
		return sv_err_setx(err, EBADMSG, "blob %s is not in the archive", digest), NULL;
	if (strcmp(f->digest, digest) != 0)
		return sv_err_setx(err, EBADMSG, "blob %s is corrupt: its content hashes to %s", digest, f->digest), NULL;
	if (size >= 0 && f->size != size)
		return sv_err_setx(err, EBADMSG, "blob %s: size %lld, but the descriptor says %lld", digest,
				   (long long)f->size, (long long)size),
		       NULL;
	return f;
}

static int plan_oci_manifest_read(struct load *l, const struct sv_descriptor *d, const char *name, sv_err **err)
{
	const struct afile *mf = oci_blob(l, d->digest, d->size, err);
	if (!mf)
		return -1;
	struct plan *p = new_plan(l);
	if (read_json_file(l, mf, &p->manifest, err) < 0)
		return -1;
	struct sv_manifest m;
	if (sv_manifest_parse(p->manifest.data, p->manifest.len, &m, err) < 0)
		return -1;
	int rc = -1;
	const struct afile *cf = oci_blob(l, m.config.digest, m.config.size, err);
	if (!cf || plan_config(l, p, cf, err) < 0 || plan_layers(p, m.nlayers, err) < 0)
		goto out;
	for (size_t i = 0; i < m.nlayers; i++) {
		const struct afile *lf = oci_blob(l, m.layers[i].digest, m.layers[i].size, err);
		if (!lf)
			goto out;
		p->layer_files[i] = lf;
		memcpy(p->layers[i].blob_digest, lf->digest, SV_DIGEST_STR_LEN);
		p->layers[i].blob_size = lf->size;
		p->layers[i].media_type = sv_xstrdup(m.layers[i].media_type);
	}
	p->manifest_type = strcmp(m.media_type, SV_MEDIA_DOCKER_MANIFEST) == 0 ? SV_MEDIA_DOCKER_MANIFEST
										: SV_MEDIA_OCI_MANIFEST;
	memcpy(p->manifest_digest, mf->digest, SV_DIGEST_STR_LEN);
	rc = name ? add_ref(p, name, err) : 0;
out:
	sv_manifest_release(&m);
	return rc;
}

/* Every error names the image (its name, else its manifest digest). */
static int plan_oci_manifest(struct load *l, const struct sv_descriptor *d, const char *name, sv_err **err)
{
	if (plan_oci_manifest_read(l, d, name, err) < 0)
		return sv_err_prefix(err, "image %s", name ? name : d->digest);
	return 0;
}

/* The name an index entry gives its image: containerd's full name, else a
 * ref.name that is a whole reference ("busybox:latest"); a bare tag names
 * nothing. */
static const char *descriptor_name(const struct sv_descriptor *d)
{
	if (d->image_name && *d->image_name)
		return d->image_name;
	if (!d->ref_name || !(strchr(d->ref_name, ':') || strchr(d->ref_name, '/')))
		return NULL;
	struct sv_ref r;
	if (sv_ref_parse(d->ref_name, &r, NULL) < 0)
		return NULL;
	sv_ref_release(&r);
	return d->ref_name;
}

static int plan_oci_index(struct load *l, const char *text, size_t len, const char *name, int depth,
			  sv_err **err)
{
	if (depth > LOAD_MAX_NESTING)
		return sv_err_setx(err, EBADMSG, "indexes nested too deep");
	struct sv_index ix;
	if (sv_index_parse(text, len, &ix, err) < 0)
		return -1;
	int rc = 0;
	if (depth > 0) {
		/* A nested index is one multi-platform image: take ours. */
		int pick = sv_index_select(&ix, NULL, NULL, NULL, err);
		rc = pick < 0 ? -1 : plan_oci_manifest(l, &ix.manifests[pick], name, err);
		sv_index_release(&ix);
		return rc;
	}
	for (size_t i = 0; i < ix.n && rc == 0; i++) {
		const struct sv_descriptor *d = &ix.manifests[i];
		const char *n = descriptor_name(d);
		if (!strcmp(d->media_type, SV_MEDIA_OCI_INDEX) || !strcmp(d->media_type, SV_MEDIA_DOCKER_LIST)) {
			const struct afile *f = oci_blob(l, d->digest, d->size, err);
			SV_AUTOBUF struct sv_buf sub;
			sv_buf_init(&sub);
			rc = !f || read_json_file(l, f, &sub, err) < 0 ? -1
								       : plan_oci_index(l, sub.data, sub.len, n, depth + 1, err);
		} else {
			rc = plan_oci_manifest(l, d, n, err);
		}
	}
	sv_index_release(&ix);
	return rc;
}

static int plan_oci(struct load *l, const struct afile *ixf, sv_err **err)
{
	SV_AUTOBUF struct sv_buf text;
	sv_buf_init(&text);
	if (read_json_file(l, ixf, &text, err) < 0)
		return -1;
	return plan_oci_index(l, text.data, text.len, NULL, 0, err);
}

/* Two index entries for one manifest (two tags) become one plan. */
static void merge_plans(struct load *l)
{
	for (size_t i = 0; i < l->nplans; i++) {
		for (size_t j = i + 1; j < l->nplans;) {
			if (strcmp(l->plans[i].config_digest, l->plans[j].config_digest) != 0) {
				j++;
				continue;
			}
			for (size_t k = 0; l->plans[j].refs[k]; k++)
				if (!sv_strv_contains(l->plans[i].refs, l->plans[j].refs[k]))
					sv_strv_push(&l->plans[i].refs, l->plans[j].refs[k]);
			plan_release(&l->plans[j]);
			memmove(&l->plans[j], &l->plans[j + 1], (l->nplans - j - 1) * sizeof *l->plans);
			l->nplans--;
		}
	}
}

/* ---------------------------------------------------------- unpack + commit */

static struct sv_image_layer *unpacked_earlier(struct load *l, size_t pi, size_t li)
{
	const char *chain = l->plans[pi].layers[li].chain_id;
	for (size_t i = 0; i <= pi; i++)
		for (size_t j = 0; j < l->plans[i].nlayers && (i < pi || j < li); j++)
			if (!strcmp(l->plans[i].layers[j].chain_id, chain))
				return &l->plans[i].layers[j];
	return NULL;
}

static int unpack_layer(struct load *l, struct plan *p, size_t i, sv_err **err)
{
	struct sv_image_layer *ly = &p->layers[i];
	const struct afile *f = p->layer_files[i];
	SV_AUTOFREE char *rel = sv_xasprintf("layer-%d", atomic_fetch_add(&l->unpacked, 1));
	if (mkdirat(l->workfd, rel, 0755) < 0)
		return sv_err_set(err, errno, "mkdir");
	SV_AUTOCLOSE int dfd = openat(l->workfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SV_AUTOCLOSE int in = openat(l->srcfd, f->tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0 || in < 0)
		return sv_err_set(err, errno, "open layer %s", f->name);
	char shortid[13];
	snprintf(shortid, sizeof shortid, "%.12s", sv_digest_hex(ly->diff_id));
	struct sv_unpack_opts o = {
		.expected_size = -1,
		.expected_diff_id = ly->diff_id,
		.progress = l->progress,
		.progress_arg = l->progress_arg,
		.progress_id = shortid,
		.progress_total = f->size,
	};
	struct sv_unpack_result res;
	if (sv_layer_unpack_fd(in, dfd, &o, &res, err) < 0) {
		SV_AUTOFREE char *who = p->refs[0] ? sv_ref_familiarize(p->refs[0]) : sv_xstrdup(p->config_digest);
		return sv_err_prefix(err, "image %s: layer %s", who, f->name);
	}
	ly->diff_size = res.diff_size;
	ly->content_size = res.content_size;
	ly->unpacked_dir = sv_xasprintf("%s/%s", l->work, rel);
	return 0;
}

/* A layer already in the store whose blob was verified against this
 * diff_id before need not be unpacked again. */
static bool layer_known(sv_store *s, struct sv_image_layer *ly)
{
	SV_AUTOSTMT struct sqlite3_stmt *st = sv_store_prepare(
		s, "SELECT diff_size, (SELECT size FROM layers WHERE chain_id = ?3) FROM image_layers"
		   " WHERE blob_digest = ?1 AND diff_id = ?2 LIMIT 1", NULL);
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, ly->blob_digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ly->diff_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ly->chain_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return false;
	ly->diff_size = sqlite3_column_int64(st, 0);
	ly->content_size = sqlite3_column_int64(st, 1);
	return true;
}

/* Layers unpack in parallel: each is already a pipeline of three threads,
 * but small layers and mixed compression leave cores idle otherwise. */
#define UNPACK_WORKERS 3

struct unpack_job {
	struct plan *p;
	size_t layer;
	sv_err *err;
};

struct unpack_pool {
	struct load *l;
	struct unpack_job *jobs;
	size_t njobs;
	atomic_size_t next;
};

static void *unpack_worker(void *arg)
{
	struct unpack_pool *pool = arg;
	size_t i;
	while ((i = atomic_fetch_add(&pool->next, 1)) < pool->njobs) {
		struct unpack_job *j = &pool->jobs[i];
		unpack_layer(pool->l, j->p, j->layer, &j->err);
	}
	return NULL;
}

static int run_unpack_jobs(struct load *l, struct unpack_job *jobs, size_t n, sv_err **err)
{
	struct unpack_pool pool = { .l = l, .jobs = jobs, .njobs = n };
	pthread_t t[UNPACK_WORKERS];
	size_t nt = n < UNPACK_WORKERS ? n : UNPACK_WORKERS, started = 0;
	for (; started < nt; started++)
		if (pthread_create(&t[started], NULL, unpack_worker, &pool) != 0)
			break;
	if (started == 0)
		unpack_worker(&pool);
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	int rc = 0;
	for (size_t k = 0; k < n; k++) {
		if (jobs[k].err && rc == 0) {
			rc = sv_err_setx(err, jobs[k].err->code, "%s", jobs[k].err->msg);
		}
		sv_err_free(jobs[k].err);
	}
	return rc;
}

static int unpack_all(struct load *l, sv_err **err)
{
	struct unpack_job *jobs = NULL;
	size_t n = 0;
	for (size_t pi = 0; pi < l->nplans; pi++) {
		struct plan *p = &l->plans[pi];
		for (size_t i = 0; i < p->nlayers; i++) {
			if (unpacked_earlier(l, pi, i))
				continue;
			if (layer_known(l->s, &p->layers[i]) && sv_image_layer_exists(l->s, p->layers[i].chain_id))
				continue;
			jobs = sv_xrealloc(jobs, (n + 1) * sizeof *jobs);
			jobs[n++] = (struct unpack_job){ .p = p, .layer = i };
		}
	}
	int rc = n ? run_unpack_jobs(l, jobs, n, err) : 0;
	free(jobs);
	if (rc < 0)
		return -1;
	/* Layers shared inside the archive take the figures of their twin. */
	for (size_t pi = 0; pi < l->nplans; pi++) {
		for (size_t i = 0; i < l->plans[pi].nlayers; i++) {
			struct sv_image_layer *ly = &l->plans[pi].layers[i];
			struct sv_image_layer *prev = unpacked_earlier(l, pi, i);
			if (prev) {
				ly->diff_size = prev->diff_size;
				ly->content_size = prev->content_size;
			}
		}
	}
	return 0;
}

static int copy_blob(struct load *l, const struct afile *f, sv_err **err)
{
	SV_AUTOCLOSE int in = openat(l->srcfd, f->tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return sv_err_set(err, errno, "open %s", f->name);
	sv_blob_writer *w;
	if (sv_blob_writer_new(l->s, &w, err) < 0)
		return -1;
	char *buf = sv_xmalloc(1 << 20);
	int rc = 0;
	ssize_t n;
	while (rc == 0 && (n = read(in, buf, 1 << 20)) > 0)
		rc = sv_blob_writer_write(w, buf, (size_t)n, err);
	if (rc == 0 && n < 0)
		rc = sv_err_set(err, errno, "read %s", f->name);
	free(buf);
	if (rc == 0)
		rc = sv_blob_writer_commit(w, f->digest, f->size, NULL, err);
	sv_blob_writer_free(w);
	return rc;
}

static int store_blob_file(struct load *l, const struct afile *f, sv_err **err)
{
	if (sv_store_blob_exists(l->s, f->digest))
		return 0;
	SV_AUTOFREE char *dst = sv_store_blob_path(l->s, f->digest);
	/* A link keeps the source for a second image that shares it; from a
	 * layout directory on another filesystem the blob is copied (and
	 * verified again on the way). */
	if (linkat(l->srcfd, f->tmp, AT_FDCWD, dst, 0) == 0 || errno == EEXIST)
		return 0;
	if (errno == EXDEV || errno == EPERM)
		return copy_blob(l, f, err);
	return sv_err_set(err, errno, "store blob %s", f->digest);
}

static int store_blobs(struct load *l, sv_err **err)
{
	for (size_t pi = 0; pi < l->nplans; pi++) {
		struct plan *p = &l->plans[pi];
		for (size_t i = 0; i < p->nlayers; i++)
			if (store_blob_file(l, p->layer_files[i], err) < 0)
				return -1;
		if (sv_store_blob_put(l->s, p->manifest.data, p->manifest.len, p->manifest_digest, NULL, err) < 0)
			return -1;
		SV_AUTOBUF struct sv_buf cfg;
		sv_buf_init(&cfg);
		/* The config was read from the spool and its digest checked. */
		const struct afile *cf = NULL;
		for (size_t k = 0; k < l->nfiles && !cf; k++)
			if (!l->files[k].alias && !strcmp(l->files[k].digest, p->config_digest))
				cf = &l->files[k];
		if (!cf || store_blob_file(l, cf, err) < 0)
			return cf ? -1 : sv_err_setx(err, ENOENT, "config %s vanished", p->config_digest);
	}
	return 0;
}

static int commit_all(struct load *l, char ***loaded, sv_err **err)
{
	struct sv_image_commit *c = sv_xcalloc(l->nplans, sizeof *c);
	for (size_t pi = 0; pi < l->nplans; pi++) {
		struct plan *p = &l->plans[pi];
		c[pi] = (struct sv_image_commit){
			.action = "load",
			.manifest_type = p->manifest_type,
			.manifest_size = (int64_t)p->manifest.len,
			.config_size = p->config_size,
			.config = &p->config,
			.layers = p->layers,
			.nlayers = p->nlayers,
			.refs = p->refs,
		};
		memcpy(c[pi].manifest_digest, p->manifest_digest, SV_DIGEST_STR_LEN);
		memcpy(c[pi].config_digest, p->config_digest, SV_DIGEST_STR_LEN);
	}
	int rc = sv_image_commit(l->s, c, l->nplans, err);
	free(c);
	if (rc < 0)
		return -1;
	char **names = sv_xcalloc(1, sizeof *names);
	for (size_t pi = 0; pi < l->nplans; pi++) {
		struct plan *p = &l->plans[pi];
		for (size_t i = 0; p->refs[i]; i++)
			sv_strv_push_take(&names, sv_ref_familiarize(p->refs[i]));
		if (!p->refs[0])
			sv_strv_push(&names, p->config_digest);
	}
	*loaded = names;
	return 0;
}

static int load_run(struct load *l, int fd, char ***loaded, sv_err **err)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		l->srcfd = fd;
		if (walk_layout(l, fd, "", 0, err) < 0)
			return -1;
	} else if (read_outer(l, fd, err) < 0) {
		return -1;
	}
	const struct afile *mf = find_file(l, "manifest.json");
	const struct afile *ixf = find_file(l, "index.json");
	if (mf) {
		if (plan_docker(l, mf, err) < 0)
			return -1;
	} else if (ixf) {
		if (plan_oci(l, ixf, err) < 0)
			return -1;
	} else {
		return sv_err_setx(err, EBADMSG, "neither a docker-archive (manifest.json) nor an oci-archive (index.json)");
	}
	if (l->nplans == 0)
		return sv_err_setx(err, EBADMSG, "the archive holds no image");
	merge_plans(l);
	if (unpack_all(l, err) < 0 || store_blobs(l, err) < 0)
		return -1;
	return commit_all(l, loaded, err);
}

int sv_image_load(sv_store *s, int fd, sv_progress_fn *progress, void *arg, char ***loaded, sv_err **err)
{
	SV_AUTOCLOSE int gc = sv_store_lock(s, "gc", false, err);
	if (gc < 0)
		return -1;
	struct load l = { .s = s, .workfd = -1, .progress = progress, .progress_arg = arg };
	l.work = sv_store_tmpdir(s, "load", err);
	int rc = -1;
	if (l.work) {
		l.workfd = open(l.work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		l.srcfd = l.workfd;
		rc = l.workfd < 0 ? sv_err_set(err, errno, "open %s", l.work) : load_run(&l, fd, loaded, err);
	}
	for (size_t i = 0; i < l.nplans; i++)
		plan_release(&l.plans[i]);
	free(l.plans);
	for (size_t i = 0; i < l.nfiles; i++) {
		free(l.files[i].name);
		free(l.files[i].alias);
		free(l.files[i].tmp);
	}
	free(l.files);
	if (l.workfd >= 0)
		close(l.workfd);
	if (l.work) {
		SV_AUTOERR sv_err *e2 = NULL;
		sv_rm_rf(l.work, &e2);
		free(l.work);
	}
	return rc < 0 ? sv_err_prefix(err, "load") : 0;
}
