/*
 * Layer unpacking against hostile layers (attacks.md items 16-21): every
 * test crafts a tar byte by byte, unpacks it into root/, and checks that
 * outside/ — a sibling holding a "secret" file, named by absolute paths in
 * the hostile entries — is exactly as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zstd.h>

#include "helpers/tarcraft.h"
#include "image/image.h"

struct fx {
	char base[64];
	char root[PATH_MAX];
	char outside[PATH_MAX];
	int rootfd;
	struct tc t;
	struct sv_unpack_result res;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->base, sizeof f->base, "/tmp/sv-unpack-XXXXXX");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->root, sizeof f->root, "%s/root", f->base);
	snprintf(f->outside, sizeof f->outside, "%s/outside", f->base);
	assert_int_equal(mkdir(f->root, 0755), 0);
	assert_int_equal(mkdir(f->outside, 0755), 0);
	char secret[PATH_MAX + 16];
	snprintf(secret, sizeof secret, "%s/secret", f->outside);
	int fd = open(secret, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "secret", 6), 6);
	close(fd);
	f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY);
	assert_true(f->rootfd >= 0);
	tc_init(&f->t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	close(f->rootfd);
	tc_release(&f->t);
	sv_rm_rf(f->base, NULL);
	free(f);
	return 0;
}

/* Feeds the stream in uneven pieces, so chunk boundaries fall anywhere. */
static int feed(struct fx *f, const void *data, size_t len, const struct sv_unpack_opts *o, sv_err **err)
{
	struct sv_unpack_opts def = { .expected_size = -1 };
	sv_unpacker *u;
	if (sv_unpacker_new(f->rootfd, o ? o : &def, &u, err) < 0)
		return -1;
	const unsigned char *p = data;
	size_t step = 1;
	int rc = 0;
	while (len && rc == 0) {
		size_t n = step < len ? step : len;
		rc = sv_unpacker_feed(u, p, n, err);
		p += n;
		len -= n;
		step = step * 7 + 3;
	}
	if (rc == 0)
		rc = sv_unpacker_finish(u, &f->res, err);
	sv_unpacker_free(u);
	return rc;
}

static int run(struct fx *f, sv_err **err)
{
	tc_end(&f->t);
	return feed(f, f->t.data, f->t.len, NULL, err);
}

/* outside/ holds exactly the secret, unchanged, with one link. */
static void assert_outside_untouched(struct fx *f)
{
	char secret[PATH_MAX + 16];
	snprintf(secret, sizeof secret, "%s/secret", f->outside);
	struct stat st;
	assert_int_equal(lstat(secret, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_size, 6);
	char buf[16] = { 0 };
	int fd = open(secret, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof buf), 6);
	close(fd);
	assert_string_equal(buf, "secret");
	int n = 0;
	DIR *d = opendir(f->outside);
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1);
	/* nothing appeared beside root/ and outside/ either */
	n = 0;
	d = opendir(f->base);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 2);
}

static void path_in_root(struct fx *f, const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", f->root, rel);
}

static void assert_file_content(struct fx *f, const char *rel, const char *want)
{
	char p[PATH_MAX * 2];
	path_in_root(f, rel, p, sizeof p);
	struct sv_buf b;
	sv_buf_init(&b);
	assert_int_equal(sv_read_file(p, 1 << 20, &b, NULL), 0);
	assert_string_equal(b.data, want);
	sv_buf_release(&b);
}

static void assert_err(sv_err *err, int code, const char *needle)
{
	assert_non_null(err);
	if (code)
		assert_int_equal(err->code, code);
	if (needle && !strstr(err->msg, needle))
		fail_msg("error '%s' lacks '%s'", err->msg, needle);
}

/* ------------------------------------------------------------ plain layers */

static void test_unpack__regular_entries(void **state)
{
	struct fx *f = *state;
	tc_add(&f->t, &(struct tc_entry){ .name = "./etc/", .type = '5', .mode = 0750, .mtime = 1000 });
	tc_add(&f->t, &(struct tc_entry){ .name = "./etc/conf", .type = '0', .body = "hello", .body_len = 5,
					  .mode = 0640, .uid = 1000, .gid = 1001, .mtime = 12345 });
	tc_symlink(&f->t, "./etc/link", "conf");
	tc_hardlink(&f->t, "./etc/hard", "etc/conf");
	tc_add(&f->t, &(struct tc_entry){ .name = "./fifo", .type = '6', .mode = 0600 });
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	char p[PATH_MAX * 2];
	struct stat st;
	path_in_root(f, "etc/conf", p, sizeof p);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_mtime, 12345);
	assert_int_equal(st.st_nlink, 2);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 1000);
		assert_int_equal(st.st_gid, 1001);
	}
	path_in_root(f, "etc", p, sizeof p);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_mtime, 1000); /* set after its children */
	path_in_root(f, "etc/link", p, sizeof p);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	path_in_root(f, "fifo", p, sizeof p);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(f->res.entries, 5);
	assert_int_equal(f->res.content_size, 5);
	assert_string_equal(f->res.compression, "none");
	assert_outside_untouched(f);
}

static void test_unpack__diff_id_is_sha256_of_tar(void **state)
{
	struct fx *f = *state;
	tc_file(&f->t, "a", "x");
	tc_end(&f->t);
	char want[SV_DIGEST_STR_LEN];
	sv_sha256_data(f->t.data, f->t.len, want);
	size_t glen;
	unsigned char *gz = tc_gzip(&f->t, &glen);
	char gzd[SV_DIGEST_STR_LEN];
	sv_sha256_data(gz, glen, gzd);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_unpack_opts o = { .expected_digest = gzd, .expected_size = (int64_t)glen, .expected_diff_id = want };
	assert_int_equal(feed(f, gz, glen, &o, &err), 0);
	assert_string_equal(f->res.diff_id, want);
	assert_string_equal(f->res.digest, gzd);
	assert_string_equal(f->res.compression, "gzip");
	assert_int_equal(f->res.diff_size, (int64_t)f->t.len);
	free(gz);
}

static void test_unpack__zstd(void **state)
{
	struct fx *f = *state;
	tc_file(&f->t, "z", "zstd content");
	tc_end(&f->t);
	size_t cap = ZSTD_compressBound(f->t.len);
	void *z = malloc(cap);
	size_t zlen = ZSTD_compress(z, cap, f->t.data, f->t.len, 3);
	assert_false(ZSTD_isError(zlen));
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(feed(f, z, zlen, NULL, &err), 0);
	assert_string_equal(f->res.compression, "zstd");
	assert_file_content(f, "z", "zstd content");
	free(z);
}

static void test_unpack__dotdot_inside_is_cleaned(void **state)
{
	struct fx *f = *state;
	tc_file(&f->t, "a/../b", "b");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_file_content(f, "b", "b");
	assert_outside_untouched(f);
}

/* ------------------------------------------------------------ escapes (16-17) */

static void test_unpack__dotdot_escape_refused(void **state)
{
	struct fx *f = *state;
	tc_file(&f->t, "../outside/pwn", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_err(err, EPERM, "outside the layer");
	assert_outside_untouched(f);
}

static void test_unpack__deep_dotdot_escape_refused(void **state)
{
	struct fx *f = *state;
	tc_file(&f->t, "a/b/../../../../../../../../tmp/pwn", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_err(err, EPERM, NULL);
	assert_outside_untouched(f);
}

static void test_unpack__absolute_path_stays_inside(void **state)
{
	struct fx *f = *state;
	char name[PATH_MAX * 2];
	snprintf(name, sizeof name, "%s/pwn", f->outside);
	tc_file(&f->t, name, "inside");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_outside_untouched(f);
	assert_file_content(f, name + 1, "inside");
}

/* A parent that is a symlink to a path the layer lacks fails as tar
 * fails; one to a path the layer has resolves there, inside the root. */
static void test_unpack__symlink_absolute_escape(void **state)
{
	struct fx *f = *state;
	tc_symlink(&f->t, "l", f->outside);
	tc_file(&f->t, "l/pwn", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_err(err, ENOENT, "l/pwn");
	assert_outside_untouched(f);
}

static void test_unpack__symlink_absolute_resolves_inside(void **state)
{
	struct fx *f = *state;
	char inside[PATH_MAX * 2];
	snprintf(inside, sizeof inside, "%s/", f->outside + 1);
	tc_dir(&f->t, inside);
	tc_symlink(&f->t, "l", f->outside);
	tc_file(&f->t, "l/pwn", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_outside_untouched(f);
	char rel[PATH_MAX * 2];
	snprintf(rel, sizeof rel, "%s/pwn", f->outside + 1);
	assert_file_content(f, rel, "pwned");
}

static void test_unpack__symlink_relative_escape(void **state)
{
	struct fx *f = *state;
	tc_symlink(&f->t, "l", "../../../../../../../../../../../");
	tc_dir(&f->t, "outside");
	tc_symlink(&f->t, "m", "../outside");
	tc_file(&f->t, "l/pwn", "pwned");
	tc_file(&f->t, "m/pwn2", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_outside_untouched(f);
	assert_file_content(f, "pwn", "pwned");
	assert_file_content(f, "outside/pwn2", "pwned");
}

static void test_unpack__symlink_chain(void **state)
{
	struct fx *f = *state;
	tc_symlink(&f->t, "a", "b");
	tc_symlink(&f->t, "b", "c/outside");
	tc_symlink(&f->t, "c", f->base);
	tc_file(&f->t, "a/pwn", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_err(err, ENOENT, NULL);
	assert_outside_untouched(f);
}

static void test_unpack__symlink_over_directory(void **state)
{
	struct fx *f = *state;
	tc_dir(&f->t, "d");
	tc_file(&f->t, "d/inner", "x");
	tc_symlink(&f->t, "d", f->outside);
	tc_file(&f->t, "d/pwn", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_outside_untouched(f);
	char p[PATH_MAX * 2];
	struct stat st;
	path_in_root(f, "d", p, sizeof p);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

static void test_unpack__hardlink_escape_refused(void **state)
{
	struct fx *f = *state;
	tc_hardlink(&f->t, "h", "../outside/secret");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_err(err, EPERM, "outside the layer");
	assert_outside_untouched(f);
}

static void test_unpack__hardlink_absolute_resolves_inside(void **state)
{
	struct fx *f = *state;
	char target[PATH_MAX * 2];
	snprintf(target, sizeof target, "%s/secret", f->outside);
	tc_hardlink(&f->t, "h", target);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_err(err, ENOENT, "hard link target");
	assert_outside_untouched(f);
}

static void test_unpack__hardlink_through_symlinked_dir(void **state)
{
	struct fx *f = *state;
	tc_symlink(&f->t, "l", f->outside);
	tc_hardlink(&f->t, "h", "l/secret");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_outside_untouched(f);
}

static void test_unpack__hardlink_to_symlink_links_the_symlink(void **state)
{
	struct fx *f = *state;
	char target[PATH_MAX * 2];
	snprintf(target, sizeof target, "%s/secret", f->outside);
	tc_symlink(&f->t, "s", target);
	tc_hardlink(&f->t, "h", "s");
	tc_file(&f->t, "h", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_outside_untouched(f);
	assert_file_content(f, "h", "pwned");
}

static void test_unpack__write_through_symlink_replaces_it(void **state)
{
	struct fx *f = *state;
	char target[PATH_MAX * 2];
	snprintf(target, sizeof target, "%s/secret", f->outside);
	tc_symlink(&f->t, "f", target);
	tc_file(&f->t, "f", "pwned");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_outside_untouched(f);
	assert_file_content(f, "f", "pwned");
}

/* ------------------------------------------------------------ metadata (18) */

static void test_unpack__chmod_chown_never_follow_symlinks(void **state)
{
	struct fx *f = *state;
	char target[PATH_MAX * 2];
	snprintf(target, sizeof target, "%s/secret", f->outside);
	tc_symlink(&f->t, "s", target);
	tc_add(&f->t, &(struct tc_entry){ .name = "s", .type = '5', .mode = 07777, .uid = 4242, .gid = 4242 });
	tc_symlink(&f->t, "t", target);
	tc_add(&f->t, &(struct tc_entry){ .name = "t", .type = '6', .mode = 07777, .uid = 4242 });
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_outside_untouched(f);
	struct stat st;
	char p[PATH_MAX * 2];
	snprintf(p, sizeof p, "%s/secret", f->outside);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, geteuid());
}

static void test_unpack__setuid_bits_kept_after_chown(void **state)
{
	struct fx *f = *state;
	tc_add(&f->t, &(struct tc_entry){ .name = "su", .type = '0', .body = "#!", .body_len = 2, .mode = 04755,
					  .uid = 0, .gid = 0 });
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	char p[PATH_MAX * 2];
	struct stat st;
	path_in_root(f, "su", p, sizeof p);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
}

static void test_unpack__uid_out_of_range_refused(void **state)
{
	struct fx *f = *state;
	tc_add(&f->t, &(struct tc_entry){ .name = "u", .type = '0', .body = "x", .body_len = 1,
					  .uid = 4294967296LL });
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_err(err, EINVAL, "out of range");
}

static void test_unpack__trusted_xattrs_never_applied(void **state)
{
	struct fx *f = *state;
	tc_add(&f->t, &(struct tc_entry){ .name = "x", .type = '0', .body = "x", .body_len = 1,
					  .xattr_name = "trusted.overlay.redirect", .xattr_value = "/etc" });
	tc_add(&f->t, &(struct tc_entry){ .name = "y", .type = '0', .body = "y", .body_len = 1,
					  .xattr_name = "user.note", .xattr_value = "kept" });
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	char p[PATH_MAX * 2], v[32];
	path_in_root(f, "x", p, sizeof p);
	assert_true(lgetxattr(p, "trusted.overlay.redirect", v, sizeof v) < 0);
	path_in_root(f, "y", p, sizeof p);
	ssize_t n = lgetxattr(p, "user.note", v, sizeof v);
	if (n >= 0) { /* the filesystem may lack user xattrs */
		v[n] = 0;
		assert_string_equal(v, "kept");
	}
}

static void test_unpack__device_nodes_created_as_in_layer(void **state)
{
	struct fx *f = *state;
	if (geteuid() != 0)
		skip();
	tc_add(&f->t, &(struct tc_entry){ .name = "dev/null", .type = '3', .major = 1, .minor = 3, .mode = 0666 });
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	char p[PATH_MAX * 2];
	struct stat st;
	path_in_root(f, "dev/null", p, sizeof p);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 1);
	assert_int_equal(minor(st.st_rdev), 3);
}

static void test_unpack__replace_directory_with_file(void **state)
{
	struct fx *f = *state;
	tc_dir(&f->t, "x");
	tc_file(&f->t, "x/y", "y");
	tc_file(&f->t, "x", "now a file");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_file_content(f, "x", "now a file");
}

/* ------------------------------------------------------------ whiteouts (19) */

static void test_unpack__whiteouts_become_overlay_whiteouts(void **state)
{
	struct fx *f = *state;
	if (geteuid() != 0)
		skip();
	tc_file(&f->t, ".wh.gone", "");
	tc_dir(&f->t, "dir");
	tc_file(&f->t, "dir/.wh..wh..opq", "");
	tc_file(&f->t, ".wh..wh.plnk", "");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	char p[PATH_MAX * 2];
	struct stat st;
	path_in_root(f, "gone", p, sizeof p);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	path_in_root(f, ".wh.gone", p, sizeof p);
	assert_true(lstat(p, &st) < 0);
	path_in_root(f, "dir", p, sizeof p);
	char v[4] = { 0 };
	assert_int_equal(lgetxattr(p, "trusted.overlay.opaque", v, sizeof v), 1);
	assert_int_equal(v[0], 'y');
	path_in_root(f, "dir/.wh..wh..opq", p, sizeof p);
	assert_true(lstat(p, &st) < 0);
	path_in_root(f, ".wh..wh.plnk", p, sizeof p);
	assert_true(lstat(p, &st) < 0);
}

static void test_unpack__whiteout_bad_names_refused(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = { ".wh..", ".wh.", "d/.wh.." };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tc t;
		tc_init(&t);
		tc_file(&t, bad[i], "");
		tc_end(&t);
		SV_AUTOERR sv_err *err = NULL;
		assert_int_equal(feed(f, t.data, t.len, NULL, &err), -1);
		assert_err(err, EINVAL, "invalid whiteout");
		tc_release(&t);
	}
	assert_outside_untouched(f);
}

static void test_unpack__whiteout_through_symlink_stays_inside(void **state)
{
	struct fx *f = *state;
	if (geteuid() != 0)
		skip();
	tc_symlink(&f->t, "l", f->outside);
	tc_file(&f->t, "l/.wh.secret", "");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), -1);
	assert_outside_untouched(f);
}

/* ------------------------------------------------------------ bounds (21) */

static unsigned char *zeros_layer(struct fx *f, size_t zeros, size_t *glen)
{
	char *z = calloc(1, zeros);
	tc_add(&f->t, &(struct tc_entry){ .name = "zeros", .type = '0', .body = z, .body_len = zeros });
	tc_end(&f->t);
	free(z);
	return tc_gzip(&f->t, glen);
}

static void test_unpack__decompressed_bytes_bounded(void **state)
{
	struct fx *f = *state;
	size_t glen;
	unsigned char *gz = zeros_layer(f, 1 << 20, &glen);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_unpack_opts o = { .expected_size = -1, .max_bytes = 64 << 10 };
	assert_int_equal(feed(f, gz, glen, &o, &err), -1);
	assert_err(err, E2BIG, "more than 65536 bytes");
	free(gz);
}

static void test_unpack__decompression_ratio_bounded(void **state)
{
	struct fx *f = *state;
	size_t glen;
	unsigned char *gz = zeros_layer(f, 8 << 20, &glen);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_unpack_opts o = { .expected_size = -1, .max_ratio = 100, .ratio_floor = 1 << 20 };
	assert_int_equal(feed(f, gz, glen, &o, &err), -1);
	assert_err(err, E2BIG, "decompression bomb");
	free(gz);
}

static void test_unpack__entry_count_bounded(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%d", i);
		tc_file(&f->t, name, "x");
	}
	tc_end(&f->t);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_unpack_opts o = { .expected_size = -1, .max_entries = 5 };
	assert_int_equal(feed(f, f->t.data, f->t.len, &o, &err), -1);
	assert_err(err, E2BIG, "more than 5 entries");
}

static void test_unpack__long_names(void **state)
{
	struct fx *f = *state;
	char name[400];
	memset(name, 'a', sizeof name);
	for (int i = 50; i < 399; i += 51)
		name[i] = '/';
	name[399] = 0;
	tc_file(&f->t, name, "deep");
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(run(f, &err), 0);
	assert_file_content(f, name, "deep");

	char comp[300];
	memset(comp, 'b', sizeof comp);
	comp[299] = 0;
	struct tc t;
	tc_init(&t);
	tc_file(&t, comp, "x");
	tc_end(&t);
	SV_AUTOERR sv_err *err2 = NULL;
	assert_int_equal(feed(f, t.data, t.len, NULL, &err2), -1);
	assert_err(err2, ENAMETOOLONG, NULL);
	tc_release(&t);

	char *huge = malloc(5000);
	for (int i = 0; i < 4999; i++)
		huge[i] = i % 100 == 99 ? '/' : 'c';
	huge[4999] = 0;
	tc_init(&t);
	tc_file(&t, huge, "x");
	tc_end(&t);
	SV_AUTOERR sv_err *err3 = NULL;
	assert_int_equal(feed(f, t.data, t.len, NULL, &err3), -1);
	assert_err(err3, ENAMETOOLONG, NULL);
	tc_release(&t);
	free(huge);
}

/* ------------------------------------------------------------ corrupt input (22-23) */

static void test_unpack__truncated_gzip(void **state)
{
	struct fx *f = *state;
	size_t glen;
	unsigned char *gz = zeros_layer(f, 256 << 10, &glen);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(feed(f, gz, glen / 2, NULL, &err), -1);
	assert_err(err, EBADMSG, NULL);
	free(gz);
}

static void test_unpack__corrupt_gzip(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 64; i++) {
		char name[16], body[64];
		snprintf(name, sizeof name, "f%d", i);
		snprintf(body, sizeof body, "content %d %d", i, i * 7919);
		tc_file(&f->t, name, body);
	}
	tc_end(&f->t);
	size_t glen;
	unsigned char *gz = tc_gzip(&f->t, &glen);
	for (size_t i = glen / 3; i < glen / 3 + 16; i++)
		gz[i] ^= 0x5a;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(feed(f, gz, glen, NULL, &err), -1);
	assert_err(err, EBADMSG, NULL);
	free(gz);
}

static void test_unpack__truncated_tar(void **state)
{
	struct fx *f = *state;
	tc_add(&f->t, &(struct tc_entry){ .name = "big", .type = '0', .size = 100000 });
	static const char some[600];
	SV_AUTOERR sv_err *err = NULL;
	struct tc *t = &f->t;
	unsigned char *buf = malloc(t->len + sizeof some);
	memcpy(buf, t->data, t->len);
	memcpy(buf + t->len, some, sizeof some);
	assert_int_equal(feed(f, buf, t->len + sizeof some, NULL, &err), -1);
	assert_err(err, EBADMSG, NULL);
	free(buf);
}

static void test_unpack__garbage_refused(void **state)
{
	struct fx *f = *state;
	unsigned char junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 131 + 17);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(feed(f, junk, sizeof junk, NULL, &err), -1);
	assert_err(err, EBADMSG, "not a valid tar stream");
}

static void test_unpack__empty_stream_refused(void **state)
{
	struct fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(feed(f, "", 0, NULL, &err), -1);
	assert_err(err, EBADMSG, NULL);
}

static void test_unpack__digest_mismatches(void **state)
{
	struct fx *f = *state;
	tc_file(&f->t, "a", "x");
	tc_end(&f->t);
	char good[SV_DIGEST_STR_LEN];
	sv_sha256_data(f->t.data, f->t.len, good);
	const char *bad = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	struct sv_unpack_opts o1 = { .expected_size = -1, .expected_diff_id = bad };
	SV_AUTOERR sv_err *e1 = NULL;
	assert_int_equal(feed(f, f->t.data, f->t.len, &o1, &e1), -1);
	assert_err(e1, EBADMSG, "diff_id");
	struct sv_unpack_opts o2 = { .expected_size = -1, .expected_digest = bad };
	SV_AUTOERR sv_err *e2 = NULL;
	assert_int_equal(feed(f, f->t.data, f->t.len, &o2, &e2), -1);
	assert_err(e2, EBADMSG, "digest mismatch");
	struct sv_unpack_opts o3 = { .expected_size = 7, .expected_digest = good };
	SV_AUTOERR sv_err *e3 = NULL;
	assert_int_equal(feed(f, f->t.data, f->t.len, &o3, &e3), -1);
	assert_err(e3, EBADMSG, "size mismatch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_unpack__regular_entries),
		T(test_unpack__diff_id_is_sha256_of_tar),
		T(test_unpack__zstd),
		T(test_unpack__dotdot_inside_is_cleaned),
		T(test_unpack__dotdot_escape_refused),
		T(test_unpack__deep_dotdot_escape_refused),
		T(test_unpack__absolute_path_stays_inside),
		T(test_unpack__symlink_absolute_escape),
		T(test_unpack__symlink_absolute_resolves_inside),
		T(test_unpack__symlink_relative_escape),
		T(test_unpack__symlink_chain),
		T(test_unpack__symlink_over_directory),
		T(test_unpack__hardlink_escape_refused),
		T(test_unpack__hardlink_absolute_resolves_inside),
		T(test_unpack__hardlink_through_symlinked_dir),
		T(test_unpack__hardlink_to_symlink_links_the_symlink),
		T(test_unpack__write_through_symlink_replaces_it),
		T(test_unpack__chmod_chown_never_follow_symlinks),
		T(test_unpack__setuid_bits_kept_after_chown),
		T(test_unpack__uid_out_of_range_refused),
		T(test_unpack__trusted_xattrs_never_applied),
		T(test_unpack__device_nodes_created_as_in_layer),
		T(test_unpack__replace_directory_with_file),
		T(test_unpack__whiteouts_become_overlay_whiteouts),
		T(test_unpack__whiteout_bad_names_refused),
		T(test_unpack__whiteout_through_symlink_stays_inside),
		T(test_unpack__decompressed_bytes_bounded),
		T(test_unpack__decompression_ratio_bounded),
		T(test_unpack__entry_count_bounded),
		T(test_unpack__long_names),
		T(test_unpack__truncated_gzip),
		T(test_unpack__corrupt_gzip),
		T(test_unpack__truncated_tar),
		T(test_unpack__garbage_refused),
		T(test_unpack__empty_stream_refused),
		T(test_unpack__digest_mismatches),
#undef T
	};
	return cmocka_run_group_tests_name("image_unpack", tests, NULL, NULL);
}
