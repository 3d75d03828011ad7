/*
 * A container's root filesystem: an overlay of the image's layers
 * (layers/<chain hex>/, read-only, shared) under the container's own
 * upper and work dirs (containers/<id>/upper, work), mounted at
 * containers/<id>/rootfs.
 *
 * mount(2) takes its options in one page, which holds ~45 absolute layer
 * paths; images may have up to SV_IMAGE_MAX_LAYERS. So the layers are
 * given one by one through the new mount API (fsconfig "lowerdir+", Linux
 * 6.8), and where that is missing, through mount(2) with each layer as a
 * short /proc/self/fd/N path (no chdir: the caller may be threaded).
 *
 * An overlay's unmount syncs its upper filesystem; AutoRemove containers
 * are mounted "volatile", which skips that (their upper dir is deleted
 * anyway; after a crash overlayfs refuses to reuse it, and the container
 * is removed rather than restarted).
 */
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "containers-internal.h"

/* Chain ids of the image's layers, topmost first (overlay's order). */
static char **image_layers(sv_engine *e, const char *image_id, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store, "SELECT chain_id FROM image_layers WHERE image_id = ? ORDER BY idx DESC", err);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, image_id, -1, SQLITE_STATIC);
	char **v = sv_xcalloc(1, sizeof *v);
	while (sqlite3_step(st) == SQLITE_ROW) {
		/* "sha256:<hex>" → "<hex>" (not sv_digest_hex: that file links
		 * libcrypto into servin-shim-ctl). */
		const char *chain = (const char *)sqlite3_column_text(st, 0);
		const char *colon = chain ? strchr(chain, ':') : NULL;
		sv_strv_push(&v, colon ? colon + 1 : chain ? chain : "");
	}
	return v;
}

static int fsconfig_str(int fs, const char *key, const char *val)
{
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, val, 0);
}

/* The fs context's own message ("overlayfs: ...") when it left one. */
static int fs_err(int fs, int code, const char *what, sv_err **err)
{
	char msg[256];
	ssize_t n = read(fs, msg, sizeof msg - 1);
	if (n > 2) {
		msg[n] = '\0';
		return sv_err_setx(err, code, "%s: %s: %s", what, msg + 2, strerror(code));
	}
	return sv_err_set(err, code, "%s", what);
}

/* 1 mounted, 0 when the kernel lacks "lowerdir+", -1 on error. */
static int mount_new_api(const char *layers_dir, char *const *layers, const char *dir, bool volatile_,
			 sv_err **err)
{
	SV_AUTOCLOSE int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return errno == ENOSYS ? 0 : sv_err_set(err, errno, "fsopen overlay");
	for (size_t i = 0; layers[i]; i++) {
		SV_AUTOFREE char *p = sv_xasprintf("%s/%s", layers_dir, layers[i]);
		if (fsconfig_str(fs, "lowerdir+", p) < 0)
			return errno == EINVAL && i == 0 ? 0 : fs_err(fs, errno, "overlay layer", err);
	}
	SV_AUTOFREE char *upper = sv_xasprintf("%s/upper", dir);
	SV_AUTOFREE char *work = sv_xasprintf("%s/work", dir);
	SV_AUTOFREE char *target = sv_xasprintf("%s/rootfs", dir);
	if (fsconfig_str(fs, "upperdir", upper) < 0 || fsconfig_str(fs, "workdir", work) < 0)
		return fs_err(fs, errno, "overlay upper dir", err);
	if (volatile_ && syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
		return fs_err(fs, errno, "overlay volatile", err);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_err(fs, errno, "mount overlay", err);
	SV_AUTOCLOSE int mfd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return sv_err_set(err, errno, "fsmount overlay");
	if (syscall(SYS_move_mount, mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return sv_err_set(err, errno, "mount overlay on %s", target);
	return 1;
}

static int mount_old_api(const char *layers_dir, char *const *layers, const char *dir, bool volatile_,
			 sv_err **err)
{
	size_t n = sv_strv_len(layers);
	int *fds = sv_xcalloc(n + 1, sizeof *fds);
	struct sv_buf opts;
	sv_buf_init(&opts);
	sv_buf_adds(&opts, "lowerdir=");
	int rc = -1;
	SV_AUTOFREE char *target = sv_xasprintf("%s/rootfs", dir);
	for (size_t i = 0; i < n; i++) {
		SV_AUTOFREE char *p = sv_xasprintf("%s/%s", layers_dir, layers[i]);
		fds[i] = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fds[i] < 0) {
			sv_err_set(err, errno, "open layer %s", p);
			n = i;
			goto out;
		}
		sv_buf_addf(&opts, "%s/proc/self/fd/%d", i ? ":" : "", fds[i]);
	}
	sv_buf_addf(&opts, ",upperdir=%s/upper,workdir=%s/work%s", dir, dir, volatile_ ? ",volatile" : "");
	if (opts.len >= 4096) {
		sv_err_setx(err, E2BIG, "overlay: %zu layers do not fit in the mount options", n);
		goto out;
	}
	if (mount("overlay", target, "overlay", 0, opts.data) < 0) {
		sv_err_set(err, errno, "mount overlay on %s", target);
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	sv_buf_release(&opts);
	return rc;
}

bool ctr_rootfs_mounted(sv_engine *e, const char *id)
{
	SV_AUTOFREE char *dir = ctr_dir(e, id);
	SV_AUTOFREE char *target = sv_xasprintf("%s/rootfs", dir);
	struct stat a, b;
	return stat(dir, &a) == 0 && stat(target, &b) == 0 && a.st_dev != b.st_dev;
}

int ctr_rootfs_mount(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	if (ctr_rootfs_mounted(e, r->id))
		return 0;
	SV_AUTOFREE char *dir = ctr_dir(e, r->id);
	static const char *const sub[] = { "upper", "work", "rootfs" };
	if (sv_mkdir_p(dir, 0700, err) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		SV_AUTOFREE char *p = sv_xasprintf("%s/%s", dir, sub[i]);
		if (mkdir(p, i == 0 ? 0755 : 0700) < 0 && errno != EEXIST)
			return sv_err_set(err, errno, "mkdir %s", p);
	}
	SV_AUTOSTRV char **layers = image_layers(e, r->image_id, err);
	if (!layers)
		return -1;
	if (!layers[0])
		return sv_err_setx(err, ENOENT, "image %s has no layers", r->image_id);
	SV_AUTOFREE char *layers_dir = sv_xasprintf("%s/layers", e->root);
	/* A container removed at exit need not survive a crash: "volatile"
	 * spares the syncs of the upper fs (as Podman does for --rm). */
	bool vol = sv_json_bool(ctr_host(r), "AutoRemove", false);
	int rc = mount_new_api(layers_dir, layers, dir, vol, err);
	if (rc == 0)
		rc = mount_old_api(layers_dir, layers, dir, vol, err);
	return rc < 0 ? sv_err_prefix(err, "container %.12s rootfs", r->id) : 0;
}

int ctr_rootfs_unmount(sv_engine *e, const char *id, sv_err **err)
{
	SV_AUTOFREE char *target = sv_xasprintf("%s/containers/%s/rootfs", e->root, id);
	for (int i = 0; i < 8 && ctr_rootfs_mounted(e, id); i++) {
		if (umount2(target, 0) == 0)
			continue;
		if (errno == EBUSY && umount2(target, MNT_DETACH) == 0)
			continue;
		if (errno == EINVAL || errno == ENOENT)
			return 0;
		return sv_err_set(err, errno, "unmount %s", target);
	}
	return 0;
}
