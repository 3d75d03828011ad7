/*
 * The content store: blobs/sha256/<hex>. A blob is written to tmp/ while
 * its digest is computed, checked against what the manifest promised, and
 * only then renamed into place, so a blob that exists is always whole and
 * correct. Two processes writing the same blob both succeed; the second
 * rename replaces identical content.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-internal.h"

struct sv_blob_writer {
	sv_store *s;
	int fd;
	char *tmp_rel; /* root-relative */
	sv_sha256 *h;
	int64_t size;
	bool done;
};

char *sv_store_blob_path(const sv_store *s, const char *digest)
{
	return sv_xasprintf("%s/blobs/sha256/%s", s->root, sv_digest_hex(digest));
}

static char *blob_rel(const char *digest)
{
	return sv_xasprintf("blobs/sha256/%s", sv_digest_hex(digest));
}

int sv_blob_writer_new(sv_store *s, sv_blob_writer **out, sv_err **err)
{
	SV_AUTOFREE char *name = sv_tmp_name("blob-");
	sv_blob_writer *w = sv_xcalloc(1, sizeof *w);
	w->s = s;
	w->tmp_rel = sv_path_join("tmp", name);
	w->fd = openat(s->rootfd, w->tmp_rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		sv_err_set(err, errno, "create %s/%s", s->root, w->tmp_rel);
		free(w->tmp_rel);
		free(w);
		return -1;
	}
	w->h = sv_sha256_new();
	*out = w;
	return 0;
}

int sv_blob_writer_write(sv_blob_writer *w, const void *data, size_t len, sv_err **err)
{
	if (sv_write_all(w->fd, data, len) < 0)
		return sv_err_set(err, errno, "write blob");
	sv_sha256_update(w->h, data, len);
	w->size += (int64_t)len;
	return 0;
}

int64_t sv_blob_writer_size(const sv_blob_writer *w)
{
	return w->size;
}

int sv_blob_writer_commit(sv_blob_writer *w, const char *expected, int64_t expected_size,
			  char digest_out[SV_DIGEST_STR_LEN], sv_err **err)
{
	char digest[SV_DIGEST_STR_LEN];
	sv_sha256_final(w->h, digest);
	w->done = true;
	if (digest_out)
		memcpy(digest_out, digest, sizeof digest);
	int rc = 0;
	if (expected_size >= 0 && w->size != expected_size)
		rc = sv_err_setx(err, EBADMSG, "size mismatch: expected %lld bytes, got %lld",
				 (long long)expected_size, (long long)w->size);
	else if (expected && strcmp(expected, digest) != 0)
		rc = sv_err_setx(err, EBADMSG, "digest mismatch: expected %s, got %s", expected, digest);
	if (rc == 0 && close(w->fd) < 0)
		rc = sv_err_set(err, errno, "close blob");
	w->fd = -1;
	if (rc == 0) {
		SV_AUTOFREE char *rel = blob_rel(digest);
		if (renameat(w->s->rootfd, w->tmp_rel, w->s->rootfd, rel) < 0)
			rc = sv_err_set(err, errno, "store blob %s", digest);
	}
	if (rc < 0)
		unlinkat(w->s->rootfd, w->tmp_rel, 0);
	return rc;
}

void sv_blob_writer_free(sv_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (!w->done)
		unlinkat(w->s->rootfd, w->tmp_rel, 0);
	sv_sha256_free(w->h);
	free(w->tmp_rel);
	free(w);
}

int sv_store_blob_put(sv_store *s, const void *data, size_t len, const char *expected,
		      char digest_out[SV_DIGEST_STR_LEN], sv_err **err)
{
	char digest[SV_DIGEST_STR_LEN];
	sv_sha256_data(data, len, digest);
	if (digest_out)
		memcpy(digest_out, digest, sizeof digest);
	if (expected && strcmp(expected, digest) != 0)
		return sv_err_setx(err, EBADMSG, "digest mismatch: expected %s, got %s", expected, digest);
	if (sv_store_blob_exists(s, digest))
		return 0;
	sv_blob_writer *w;
	if (sv_blob_writer_new(s, &w, err) < 0)
		return -1;
	int rc = sv_blob_writer_write(w, data, len, err);
	if (rc == 0)
		rc = sv_blob_writer_commit(w, digest, (int64_t)len, NULL, err);
	sv_blob_writer_free(w);
	return rc;
}

bool sv_store_blob_exists(sv_store *s, const char *digest)
{
	if (sv_digest_validate(digest, NULL) < 0)
		return false;
	SV_AUTOFREE char *rel = blob_rel(digest);
	return faccessat(s->rootfd, rel, F_OK, 0) == 0;
}

int sv_store_blob_open(sv_store *s, const char *digest, int64_t *size, sv_err **err)
{
	if (sv_digest_validate(digest, err) < 0)
		return -1;
	SV_AUTOFREE char *rel = blob_rel(digest);
	int fd = openat(s->rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return sv_err_set(err, errno, "blob %s", digest);
	struct stat st;
	if (size) {
		*size = fstat(fd, &st) == 0 ? (int64_t)st.st_size : -1;
	}
	return fd;
}

int sv_store_blob_read(sv_store *s, const char *digest, size_t max, struct sv_buf *out, sv_err **err)
{
	SV_AUTOCLOSE int fd = sv_store_blob_open(s, digest, NULL, err);
	if (fd < 0)
		return -1;
	if (sv_read_fd(fd, max, out, err) < 0)
		return sv_err_prefix(err, "blob %s", digest);
	char got[SV_DIGEST_STR_LEN];
	sv_sha256_data(out->data, out->len, got);
	if (strcmp(got, digest) != 0)
		return sv_err_setx(err, EBADMSG, "blob %s is corrupt: its content hashes to %s", digest, got);
	return 0;
}

int sv_store_blob_remove(sv_store *s, const char *digest, sv_err **err)
{
	if (sv_digest_validate(digest, err) < 0)
		return -1;
	SV_AUTOFREE char *rel = blob_rel(digest);
	if (unlinkat(s->rootfd, rel, 0) < 0 && errno != ENOENT)
		return sv_err_set(err, errno, "remove blob %s", digest);
	return 0;
}
