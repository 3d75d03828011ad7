/*
 * core/image — what an image is, independent of where it came from.
 *
 *  - references, normalised exactly as Docker does
 *    ("busybox" → "docker.io/library/busybox:latest");
 *  - OCI and Docker v2 schema 2 manifests, OCI indexes and manifest lists,
 *    image configs: parsed with bounds, validated, never trusted;
 *  - layer unpacking: a stream of (gzip/zstd/plain) tar bytes in, a
 *    directory ready to be an overlayfs lower layer out, with whiteouts
 *    converted, every path resolved inside the layer root, and the digests
 *    verified at the end;
 *  - the image records in the store (commit, resolve, list, tag, remove).
 *
 * The archive formats (docker-archive, oci-archive, rootfs import) are in
 * archive.c and reached through core/engine.
 */
#ifndef SV_CORE_IMAGE_IMAGE_H
#define SV_CORE_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/util.h"

struct cJSON;

/* ---------------------------------------------------------- references */

#define SV_REF_DEFAULT_DOMAIN "docker.io"
#define SV_REF_MAX_NAME 255

struct sv_ref {
	char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
	char *path;   /* "library/busybox" */
	char *tag;    /* "latest", or NULL when only a digest was given */
	char *digest; /* "sha256:...", or NULL */
};

/* Parses and normalises a reference. A name with neither tag nor digest
 * gets "latest". EINVAL with Docker's wording for bad ones. */
SV_API int sv_ref_parse(const char *s, struct sv_ref *out, sv_err **err);
SV_API void sv_ref_release(struct sv_ref *r);
/* "docker.io/library/busybox" (owned) */
SV_API char *sv_ref_name(const struct sv_ref *r);
/* "docker.io/library/busybox:latest", "...@sha256:..." or both (owned) */
SV_API char *sv_ref_string(const struct sv_ref *r);
/* The short form Docker prints: "busybox:latest", "localhost:5000/x:1" (owned) */
SV_API char *sv_ref_familiar(const struct sv_ref *r);
/* Familiar form of a full name string ("docker.io/library/x:1" → "x:1"). */
SV_API char *sv_ref_familiarize(const char *full);
/* True when s looks like an image id or a prefix of one (hex, 1..64). */
SV_API bool sv_ref_is_id_prefix(const char *s);

/* ------------------------------------------------------ manifests */

#define SV_MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define SV_MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define SV_MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define SV_MEDIA_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define SV_MEDIA_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define SV_MEDIA_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define SV_MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define SV_MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define SV_MEDIA_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define SV_MEDIA_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define SV_MEDIA_DOCKER_LAYER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* Manifests, indexes and configs larger than this are refused. */
#define SV_MANIFEST_MAX (4u << 20)
/* An image has at most this many layers (overlayfs stacks ~500 at most). */
#define SV_IMAGE_MAX_LAYERS 500

struct sv_platform {
	char *os;
	char *arch;
	char *variant;
};

struct sv_descriptor {
	char *media_type;
	char digest[SV_DIGEST_STR_LEN];
	int64_t size;
	struct sv_platform platform; /* index entries only */
	char *ref_name;		     /* annotation org.opencontainers.image.ref.name */
	char *image_name;	     /* annotation io.containerd.image.name */
};

struct sv_manifest {
	char *media_type;
	struct sv_descriptor config;
	struct sv_descriptor *layers;
	size_t nlayers;
};

struct sv_index {
	char *media_type;
	struct sv_descriptor *manifests;
	size_t n;
};

enum sv_manifest_kind { SV_MANIFEST_IMAGE = 1, SV_MANIFEST_INDEX = 2 };

/* Which kind of document `text` is (media type field, else shape), or
 * -1 with EINVAL for unknown media types. `hint` is the media type a
 * registry declared (may be NULL). */
SV_API int sv_manifest_kind(const char *text, size_t len, const char *hint, sv_err **err);
SV_API int sv_manifest_parse(const char *text, size_t len, struct sv_manifest *out, sv_err **err);
SV_API void sv_manifest_release(struct sv_manifest *m);
SV_API int sv_index_parse(const char *text, size_t len, struct sv_index *out, sv_err **err);
SV_API void sv_index_release(struct sv_index *ix);
/* The entry of an index for os/arch[/variant] (NULL fields: the host's).
 * Returns its position or -1 with ENOENT naming the platforms offered. */
SV_API int sv_index_select(const struct sv_index *ix, const char *os, const char *arch,
			   const char *variant, sv_err **err);
/* Parses "os/arch[/variant]". */
SV_API int sv_platform_parse(const char *s, struct sv_platform *out, sv_err **err);
SV_API void sv_platform_release(struct sv_platform *p);
SV_API bool sv_media_is_layer(const char *media_type);

/* A parsed, validated image config: the cJSON tree plus what we use. */
struct sv_image_config {
	struct cJSON *json; /* the whole document */
	char **diff_ids;    /* rootfs.diff_ids */
	size_t ndiff_ids;
	int64_t created;    /* seconds; 0 when absent */
	const char *os;	    /* borrowed from json */
	const char *arch;
	const char *variant;
};
SV_API int sv_image_config_parse(const char *text, size_t len, struct sv_image_config *out,
				 sv_err **err);
SV_API void sv_image_config_release(struct sv_image_config *c);
/* chain(L0) = diff(L0); chain(Ln) = sha256(chain(Ln-1) + " " + diff(Ln)) */
SV_API void sv_chain_id(const char *parent_chain, const char *diff_id, char out[SV_DIGEST_STR_LEN]);

/* ---------------------------------------------------------- unpacking */

struct sv_unpack_opts {
	/* Checked at the end; NULL skips the check. */
	const char *expected_digest;   /* of the bytes fed (compressed) */
	int64_t expected_size;	       /* of the bytes fed; -1 skips */
	const char *expected_diff_id;  /* of the uncompressed tar */
	/* Bounds (0 = defaults: 64 GiB uncompressed, 2,000,000 entries). A
	 * stream that decompresses over 1000:1 past 1 GiB is refused too. */
	int64_t max_bytes;
	int64_t max_entries;
	/* The ratio bound (0 = defaults: 1000:1 once past 1 GiB). */
	int64_t max_ratio;
	int64_t ratio_floor;
	/* Keep OCI whiteout files as they are instead of converting them to
	 * overlayfs whiteouts (for tests and for export). */
	bool keep_whiteouts;
	/* Progress: bytes fed so far, every ~1 MiB, on the feeding thread. */
	sv_progress_fn *progress;
	void *progress_arg;
	const char *progress_id;
	int64_t progress_total;
};

struct sv_unpack_result {
	char digest[SV_DIGEST_STR_LEN];	 /* of the bytes fed */
	char diff_id[SV_DIGEST_STR_LEN]; /* of the uncompressed tar */
	int64_t size;			 /* bytes fed */
	int64_t diff_size;		 /* uncompressed tar bytes */
	int64_t content_size;		 /* sum of regular file sizes */
	int64_t entries;
	const char *compression;	 /* "gzip", "zstd", "none", "other" (static) */
};

typedef struct sv_unpacker sv_unpacker;

/* Starts unpacking into destfd (an empty directory, borrowed until
 * sv_unpacker_finish/free). Decompression, hashing and extraction run on
 * their own threads while the caller feeds bytes. */
SV_API int sv_unpacker_new(int destfd, const struct sv_unpack_opts *opts, sv_unpacker **out,
			   sv_err **err);
/* Feeds compressed bytes; blocks while the pipeline is full. Fails as soon
 * as extraction has failed (the error says why). */
SV_API int sv_unpacker_feed(sv_unpacker *u, const void *data, size_t len, sv_err **err);
/* Ends the input, waits for the extraction and verifies the digests. The
 * directory's content is complete only when this returns 0. */
SV_API int sv_unpacker_finish(sv_unpacker *u, struct sv_unpack_result *res, sv_err **err);
/* Stops and frees (cancelling an unfinished unpack). NULL is fine. */
SV_API void sv_unpacker_free(sv_unpacker *u);
/* Reads fd to EOF through an unpacker. */
SV_API int sv_layer_unpack_fd(int fd, int destfd, const struct sv_unpack_opts *opts,
			      struct sv_unpack_result *res, sv_err **err);

/* ---------------------------------------------------------- image records */

/* One layer of an image being committed. */
struct sv_image_layer {
	char blob_digest[SV_DIGEST_STR_LEN];
	int64_t blob_size;
	char *media_type;
	char diff_id[SV_DIGEST_STR_LEN];
	int64_t diff_size;
	char chain_id[SV_DIGEST_STR_LEN];
	int64_t content_size; /* unpacked bytes */
	char *unpacked_dir;   /* absolute path of a directory in tmp/ to move
			       * into layers/, or NULL when the layer exists */
};

struct sv_image_commit {
	const char *action; /* event recorded per ref: "load", "pull", "import" */
	char manifest_digest[SV_DIGEST_STR_LEN];
	const char *manifest_type;
	int64_t manifest_size;
	char config_digest[SV_DIGEST_STR_LEN];
	int64_t config_size;
	const struct sv_image_config *config;
	struct sv_image_layer *layers;
	size_t nlayers;
	char *const *refs; /* full names to point at the image (tags or digests) */
};

/* True when layers/<chain> is committed. */
SV_API bool sv_image_layer_exists(sv_store *s, const char *chain_id);
/* Commits n images whose blobs are already in the store: unpacked layer
 * directories move into layers/, rows are written, refs are moved to them
 * (a tag taken from another image leaves that image dangling), events
 * recorded. One transaction: all or nothing. */
SV_API int sv_image_commit(sv_store *s, const struct sv_image_commit *c, size_t n, sv_err **err);

/* Finds an image by reference, digest reference or (unique) id prefix.
 * ENOENT "No such image: NAME"; EINVAL when an id prefix is ambiguous. */
SV_API int sv_image_resolve(sv_store *s, const char *name, char id[SV_DIGEST_STR_LEN], sv_err **err);
/* Points the tag `target` at image `src`. */
SV_API int sv_image_tag(sv_store *s, const char *src, const char *target, sv_err **err);

/* What a removal did; familiar names untagged and ids deleted. */
struct sv_image_removal {
	char **untagged;
	char **deleted;
	int64_t reclaimed;
};
SV_API void sv_image_removal_release(struct sv_image_removal *r);
/* Docker's rmi: untags NAME when it is a reference; deletes the image when
 * no reference is left. EBUSY (a conflict) when a container uses it (with
 * force and only stopped containers: untagged, kept) or when an id names
 * an image with several tags (unless force). */
SV_API int sv_image_remove(sv_store *s, const char *name, bool force, struct sv_image_removal *res,
			   sv_err **err);
/* Deletes image `id` outright when no container uses it (prune). */
SV_API int sv_image_delete_id(sv_store *s, const char *id, struct sv_image_removal *res, sv_err **err);
/* Removes layers and blobs no image references any more; adds the bytes
 * freed to *reclaimed. Takes the "gc" lock exclusively: anything that
 * writes blobs or relies on existing layers before its commit (load, pull,
 * import) holds sv_store_lock(s, "gc", false) throughout. */
SV_API int sv_image_gc(sv_store *s, int64_t *reclaimed, sv_err **err);

/* ---------------------------------------------------------- checking */

/* One finding of a check: kind is "corrupt" (recorded data missing or
 * wrong) or "leftover" (unrecorded data taking space). Borrowed strings. */
struct sv_check_problem {
	const char *kind;
	const char *object;
	const char *detail;
	bool repaired;
};
typedef void sv_image_check_fn(const struct sv_check_problem *p, void *arg);

/* Verifies the image side of the store (database integrity, blob digests,
 * images' blobs and layers, leftovers), calling fn for each problem; with
 * repair, fixes what it can. *corrupt: corrupt problems left unrepaired.
 * Holds the gc and layers locks while it runs. */
SV_API int sv_image_check(sv_store *s, bool repair, sv_image_check_fn *fn, void *arg, int *corrupt,
			  sv_err **err);

/* ---------------------------------------------------------- archives */

/* Loads a docker-archive or oci-archive tar stream (optionally gzip, zstd,
 * xz or bzip2 compressed), or, when fd is a directory, an OCI layout in
 * place (its blobs are linked into the store, or copied across filesystems). *loaded: familiar names (or "sha256:..." ids for
 * untagged images), owned. All or nothing. */
SV_API int sv_image_load(sv_store *s, int fd, sv_progress_fn *progress, void *arg, char ***loaded,
			 sv_err **err);
enum sv_image_archive { SV_IMAGE_ARCHIVE_DOCKER = 0, SV_IMAGE_ARCHIVE_OCI = 1 };
/* Writes images (names or ids) as an archive tar stream to fd. */
SV_API int sv_image_save(sv_store *s, char *const *names, enum sv_image_archive format, int fd,
			 sv_err **err);
struct sv_image_import_opts {
	const char *reference;
	const char *message;
	char *const *changes;
	const char *os, *arch, *variant;
};
/* A rootfs tarball as a one-layer image. */
SV_API int sv_image_import(sv_store *s, int fd, const struct sv_image_import_opts *opts,
			   char id_out[SV_DIGEST_STR_LEN], sv_err **err);

#endif
