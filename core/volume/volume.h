/*
 * core/volume — named and anonymous volumes, and the mounts a container
 * asks for (-v, --mount, --tmpfs, --volumes-from, an image's VOLUME).
 *
 *   volumes/<name>/_data   a volume's content (the "local" driver); with
 *                          -o type=tmpfs|<fs> -o device=... -o o=...
 *                          something is mounted there while a container
 *                          uses it (o=bind: a host directory)
 *
 * Rows live in the store (volumes, volume_refs): a volume that a container
 * refers to cannot be removed, and anonymous ones go with their container
 * (rm -v, --rm) or with `volume prune`.
 *
 * Everything done inside a volume or an image root resolves inside it:
 * copy-up reads the image's directory through sv_open_in_root() and
 * creates entries in the volume with O_NOFOLLOW/O_EXCL, so a symlink a
 * container planted can never carry a write out of the volume (attacks.md
 * item 4).
 */
#ifndef SV_CORE_VOLUME_VOLUME_H
#define SV_CORE_VOLUME_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/util.h"

struct cJSON;

struct sv_volume {
	char *name;
	char *driver;	    /* "local" */
	char *mountpoint;   /* <root>/volumes/<name>/_data */
	int64_t created_ns;
	struct cJSON *labels;  /* object, never NULL */
	struct cJSON *options; /* object, never NULL: type, device, o */
	bool anonymous;
	int64_t refs;	    /* containers referring to it */
};
SV_API void sv_volume_release(struct sv_volume *v);
SV_API void sv_volumes_free(struct sv_volume *v, size_t n);

struct sv_volume_create_opts {
	const char *name;     /* NULL: a random 64-hex name (anonymous) */
	const char *driver;   /* NULL or "local" */
	char *const *labels;  /* "k=v" */
	char *const *options; /* "type=tmpfs", "device=...", "o=size=64m,uid=1000" */
	bool anonymous;
};
/* Creates a volume (or returns the existing one of that name, as Docker
 * does). EINVAL for a bad name, driver or option. */
SV_API int sv_volume_create(sv_store *s, const struct sv_volume_create_opts *o, struct sv_volume *out,
			    sv_err **err);
/* ENOENT "no such volume: x". */
SV_API int sv_volume_get(sv_store *s, const char *name, struct sv_volume *out, sv_err **err);
/* Filters: "name=", "driver=", "label=k[=v]", "dangling=true|false". */
SV_API int sv_volume_list(sv_store *s, char *const *filters, struct sv_volume **out, size_t *n, sv_err **err);
/* EBUSY ("volume is in use - [ids]") while a container refers to it;
 * force only turns "no such volume" into success. */
SV_API int sv_volume_remove(sv_store *s, const char *name, bool force, sv_err **err);
/* Removes unused anonymous volumes (all unused ones with all), honouring
 * "label=" filters. *removed owned. */
SV_API int sv_volume_prune(sv_store *s, bool all, char *const *filters, char ***removed, int64_t *reclaimed,
			   sv_err **err);
/* Bytes used by a volume's content. */
SV_API int64_t sv_volume_size(const struct sv_volume *v);

/* ---------------------------------------------------------------- mounts */

enum sv_mount_type { SV_MOUNT_BIND = 0, SV_MOUNT_VOLUME, SV_MOUNT_TMPFS };

/* One mount of a container, resolved at create (Docker's MountPoint). */
struct sv_mount {
	enum sv_mount_type type;
	char *name;	    /* volume name */
	bool anonymous;	    /* volume: named by servin, goes with its container */
	char *source;	    /* bind: host path; volume: filled at start */
	char *target;	    /* absolute path in the container */
	bool ro;
	bool nocopy;	    /* volume: no copy-up */
	bool create_source; /* bind from -v: make a missing host dir */
	char *propagation;  /* "rprivate" (default), "rshared", ... */
	int64_t tmpfs_size; /* bytes; 0: default */
	int tmpfs_mode;	    /* 0: 01777 */
	char *tmpfs_opts;   /* --tmpfs extra options, or NULL */
};
SV_API void sv_mounts_free(struct sv_mount *m, size_t n);

/* What a container asked for (parts of Docker's create body; borrowed). */
struct sv_mount_request {
	char *const *binds;		 /* HostConfig.Binds: "src:dst[:opts]", "dst" */
	const struct cJSON *mounts;	 /* HostConfig.Mounts (array) */
	const struct cJSON *tmpfs;	 /* HostConfig.Tmpfs (object path → opts) */
	const struct cJSON *image_volumes; /* the image's Config.Volumes (object) */
	const struct sv_mount *from;	 /* --volumes-from mounts, already mode-adjusted */
	size_t nfrom;
};
/* Parses and checks the request into mounts (later ones win on the same
 * target, as Docker: --mount/-v over --volumes-from over image VOLUMEs).
 * Volumes are not created here. EINVAL with Docker's wording. *out owned. */
SV_API int sv_mounts_parse(const struct sv_mount_request *r, struct sv_mount **out, size_t *n, sv_err **err);
/* Creates the volumes the mounts use (named ones when missing, anonymous
 * ones with a new name) and records that container_id refers to them,
 * inside the caller's transaction (the container's row exists in it). */
SV_API int sv_mounts_claim_tx(sv_store *s, const char *container_id, struct sv_mount *m, size_t n, sv_err **err);
/* Mounts as JSON (the form kept in the container's document) and back. */
SV_API struct cJSON *sv_mounts_to_json(const struct sv_mount *m, size_t n);
SV_API int sv_mounts_from_json(const struct cJSON *arr, struct sv_mount **out, size_t *n, sv_err **err);

/* Prepares the mounts of a starting container whose rootfs is mounted at
 * rootfs_dir: volumes exist and are mounted by their driver, empty ones
 * get the image's content at their target (copy-up), bind sources exist
 * (made for -v) and are canonical; fills each source. */
SV_API int sv_mounts_prepare(sv_store *s, const char *rootfs_dir, struct sv_mount *m, size_t n, sv_err **err);
/* Unmounts the driver mounts of volumes no running container uses any
 * more (after a stop); except_container is the one that stopped. */
SV_API int sv_mounts_release(sv_store *s, const char *except_container, const struct sv_mount *m, size_t n,
			     sv_err **err);
/* Removes the anonymous volumes only container_id referred to (rm -v,
 * --rm); its refs go with the container row. */
SV_API int sv_volume_remove_anonymous(sv_store *s, const char *container_id, sv_err **err);

/* Copies the content of directory src_path inside src_root (resolved in
 * it) into the directory dst_fd, never following a symlink on either
 * side; owners, modes and times kept. For copy-up and tests. */
SV_API int sv_volume_copy_in(int src_root, const char *src_path, int dst_fd, sv_err **err);

#endif
