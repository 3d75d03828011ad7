/*
 * core/volume: mount specs (-v, --mount, --tmpfs, image VOLUMEs, their
 * precedence and refusals), volume records in a real store (create is
 * idempotent, a used volume cannot go, prune keeps named ones), and
 * copy-up that copies symlinks as symlinks and never writes outside the
 * destination.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "helpers/storefx.h"
#include "volume/volume.h"

static cJSON *obj(const char *text)
{
	return cJSON_Parse(text);
}

static void test_parse(void **state)
{
	(void)state;
	char b1[] = "data:/data:ro", b2[] = "/host/dir:/h:rshared", b3[] = "/anon";
	char *const binds[] = { b1, b2, b3, NULL };
	SV_AUTOJSON cJSON *mounts = obj("[{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes\":1024}}]");
	SV_AUTOJSON cJSON *tmpfs = obj("{\"/run\":\"size=64m,mode=755\"}");
	SV_AUTOJSON cJSON *iv = obj("{\"/data\":{},\"/img\":{}}");
	struct sv_mount_request r = { .binds = binds, .mounts = mounts, .tmpfs = tmpfs, .image_volumes = iv };
	struct sv_mount *m;
	size_t n;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_mounts_parse(&r, &m, &n, &err), 0);
	assert_int_equal(n, 6); /* /data from -v replaces the image's */
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(m[i].target, "/data") == 0) {
			assert_int_equal(m[i].type, SV_MOUNT_VOLUME);
			assert_string_equal(m[i].name, "data");
			assert_true(m[i].ro);
			seen++;
		} else if (strcmp(m[i].target, "/h") == 0) {
			assert_int_equal(m[i].type, SV_MOUNT_BIND);
			assert_string_equal(m[i].propagation, "rshared");
			assert_true(m[i].create_source);
			seen++;
		} else if (strcmp(m[i].target, "/img") == 0 || strcmp(m[i].target, "/anon") == 0) {
			assert_null(m[i].name); /* anonymous */
			seen++;
		} else if (strcmp(m[i].target, "/run") == 0) {
			assert_string_equal(m[i].tmpfs_opts, "size=64m,mode=755");
			seen++;
		} else if (strcmp(m[i].target, "/t") == 0) {
			assert_int_equal(m[i].tmpfs_size, 1024);
			seen++;
		}
	}
	assert_int_equal(seen, 6);
	/* round trip through the stored form */
	SV_AUTOJSON cJSON *j = sv_mounts_to_json(m, n);
	struct sv_mount *m2;
	size_t n2;
	assert_int_equal(sv_mounts_from_json(j, &m2, &n2, &err), 0);
	assert_int_equal(n2, n);
	sv_mounts_free(m2, n2);
	sv_mounts_free(m, n);

	static const char *const bad[] = { "rel:/x:zz", "/a:/b:c:d", "bad name!:/x", "/h:relative", ":/x", NULL };
	for (int i = 0; bad[i]; i++) {
		char copy[64];
		snprintf(copy, sizeof copy, "%s", bad[i]);
		char *const one[] = { copy, NULL };
		struct sv_mount_request rb = { .binds = one };
		sv_err_clear(&err);
		assert_int_equal(sv_mounts_parse(&rb, &m, &n, &err), -1);
		assert_int_equal(err->code, EINVAL);
	}
	char d1[] = "v1:/same", d2[] = "v2:/same";
	char *const dup[] = { d1, d2, NULL };
	struct sv_mount_request rd = { .binds = dup };
	sv_err_clear(&err);
	assert_int_equal(sv_mounts_parse(&rd, &m, &n, &err), -1);
	assert_non_null(strstr(err->msg, "Duplicate mount point"));
	SV_AUTOJSON cJSON *badt = obj("{\"/x\":\"size=1m,exec;rm\"}");
	struct sv_mount_request rt = { .tmpfs = badt };
	sv_err_clear(&err);
	assert_int_equal(sv_mounts_parse(&rt, &m, &n, &err), -1);
}

static int setup(void **state)
{
	*state = store_fx_open("sv-vol",
					"INSERT INTO images (id, manifest_digest, manifest_type, manifest_size, config_size,"
					" created, added, size) VALUES ('img', 'd', 't', 0, 0, 0, 0, 0);"
					"INSERT INTO containers (id, name, image_id, image_ref, created, config)"
					" VALUES ('c1', 'one', 'img', 'busybox', 0, '{}')");
	return 0;
}

static void test_records(void **state)
{
	struct store_fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	char l1[] = "team=a", o1[] = "type=tmpfs", o2[] = "device=tmpfs", bo[] = "bogus=1";
	char *const labels[] = { l1, NULL };
	struct sv_volume v;
	struct sv_volume_create_opts o = { .name = "data", .labels = labels };
	assert_int_equal(sv_volume_create(f->s, &o, &v, &err), 0);
	assert_false(v.anonymous);
	assert_string_equal(sv_json_str(v.labels, "team"), "a");
	struct stat st;
	assert_int_equal(stat(v.mountpoint, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	sv_volume_release(&v);
	assert_int_equal(sv_volume_create(f->s, &o, NULL, &err), 0); /* idempotent */
	char *const opts[] = { o1, o2, NULL };
	struct sv_volume_create_opts ot = { .name = "tv", .options = opts };
	assert_int_equal(sv_volume_create(f->s, &ot, NULL, &err), 0);
	char *const bopts[] = { bo, NULL };
	struct sv_volume_create_opts ob = { .name = "bad", .options = bopts };
	assert_int_equal(sv_volume_create(f->s, &ob, NULL, &err), -1);
	assert_int_equal(err->code, EINVAL);
	struct sv_volume_create_opts on = { .name = "../x" };
	sv_err_clear(&err);
	assert_int_equal(sv_volume_create(f->s, &on, NULL, &err), -1);

	/* a container claims "data" and an anonymous volume */
	struct sv_mount m[2] = { { .type = SV_MOUNT_VOLUME, .name = sv_xstrdup("data"), .target = sv_xstrdup("/d") },
				 { .type = SV_MOUNT_VOLUME, .target = sv_xstrdup("/a") } };
	assert_int_equal(sv_store_begin(f->s, NULL), 0);
	assert_int_equal(sv_mounts_claim_tx(f->s, "c1", m, 2, &err), 0);
	assert_int_equal(sv_store_commit(f->s, NULL), 0);
	assert_non_null(m[1].name);
	SV_AUTOFREE char *anon = sv_xstrdup(m[1].name);
	for (int i = 0; i < 2; i++) {
		free(m[i].name);
		free(m[i].target);
	}
	sv_err_clear(&err);
	assert_int_equal(sv_volume_remove(f->s, "data", true, &err), -1);
	assert_int_equal(err->code, EBUSY);
	SV_AUTOSTRV char **removed = NULL;
	int64_t rec;
	assert_int_equal(sv_volume_prune(f->s, true, NULL, &removed, &rec, NULL), 0);
	assert_int_equal(sv_strv_len(removed), 1); /* tv only: data and the anonymous one are used */
	assert_string_equal(removed[0], "tv");
	/* the container goes: the anonymous volume with it (rm -v) */
	assert_int_equal(sv_volume_remove_anonymous(f->s, "c1", &err), 0);
	sv_err_clear(&err);
	assert_int_equal(sv_volume_get(f->s, anon, &v, &err), -1);
	assert_int_equal(err->code, ENOENT);
	assert_int_equal(sv_store_exec(f->s, "DELETE FROM containers", NULL), 0);
	sv_err_clear(&err);
	if (sv_volume_remove(f->s, "data", false, &err) < 0)
		fprintf(stderr, "remove: %s\n", err->msg), fail();
	assert_int_equal(sv_volume_remove(f->s, "data", true, NULL), 0);
	sv_err_clear(&err);
	assert_int_equal(sv_volume_remove(f->s, "data", false, &err), -1);
	assert_int_equal(err->code, ENOENT);
}

static void test_copy_in(void **state)
{
	struct store_fx *f = *state;
	SV_AUTOFREE char *src = sv_xasprintf("%s/src", f->dir);
	SV_AUTOFREE char *dst = sv_xasprintf("%s/dst", f->dir);
	SV_AUTOFREE char *outside = sv_xasprintf("%s/outside", f->dir);
	assert_int_equal(sv_mkdir_p(src, 0755, NULL), 0);
	assert_int_equal(mkdir(dst, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	SV_AUTOFREE char *p = sv_xasprintf("%s/data/sub", src);
	assert_int_equal(sv_mkdir_p(p, 0750, NULL), 0);
	SV_AUTOFREE char *file = sv_xasprintf("%s/data/sub/f", src);
	FILE *fp = fopen(file, "w");
	fputs("content", fp);
	fclose(fp);
	SV_AUTOFREE char *l1 = sv_xasprintf("%s/data/abs", src);
	assert_int_equal(symlink(outside, l1), 0);
	SV_AUTOFREE char *l2 = sv_xasprintf("%s/data/dots", src);
	assert_int_equal(symlink("../../../../outside", l2), 0);
	/* the image's path itself is a symlink out of the root: resolved inside */
	SV_AUTOFREE char *l3 = sv_xasprintf("%s/evil", src);
	assert_int_equal(symlink("/../../../../../..", l3), 0);

	SV_AUTOCLOSE int root = open(src, O_PATH | O_DIRECTORY);
	SV_AUTOCLOSE int d = open(dst, O_RDONLY | O_DIRECTORY);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_volume_copy_in(root, "/data", d, &err), 0);
	SV_AUTOFREE char *got = sv_xasprintf("%s/sub/f", dst);
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	assert_int_equal(sv_read_file(got, 100, &b, NULL), 0);
	assert_string_equal(b.data, "content");
	struct stat st;
	SV_AUTOFREE char *sub = sv_xasprintf("%s/sub", dst);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	char t[256];
	SV_AUTOFREE char *g1 = sv_xasprintf("%s/abs", dst);
	ssize_t n = readlink(g1, t, sizeof t - 1);
	assert_true(n > 0);
	t[n] = 0;
	assert_string_equal(t, outside);
	/* "evil" resolves to the root itself: copying it copies the root's
	 * own entries into a fresh dir, nothing lands in "outside" */
	SV_AUTOFREE char *dst2 = sv_xasprintf("%s/dst2", f->dir);
	assert_int_equal(mkdir(dst2, 0755), 0);
	SV_AUTOCLOSE int d2 = open(dst2, O_RDONLY | O_DIRECTORY);
	assert_int_equal(sv_volume_copy_in(root, "/evil", d2, &err), 0);
	SV_AUTOFREE char *odata = sv_xasprintf("%s/data", outside);
	assert_int_not_equal(access(odata, F_OK), 0);
	SV_AUTOFREE char *indata = sv_xasprintf("%s/data/sub/f", dst2);
	assert_int_equal(access(indata, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_records, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_copy_in, setup, store_fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
