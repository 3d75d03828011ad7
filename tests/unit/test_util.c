/*
 * core/util: errors, buffers, string vectors, number and time parsing,
 * human formats, paths that cannot leave a root, atomic writes, digests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

static void assert_buf_sane(const struct sv_buf *b)
{
	assert_non_null(b->data);
	assert_int_equal(b->data[b->len], '\0');
	assert_true(b->cap == 0 || b->len < b->cap);
}

static void test_err__first_error_wins_and_prefix(void **state)
{
	(void)state;
	sv_err *err = NULL;
	assert_int_equal(sv_err_set(&err, ENOENT, "open %s", "/x"), -1);
	assert_int_equal(sv_err_setx(&err, EINVAL, "second"), -1);
	assert_int_equal(err->code, ENOENT);
	assert_string_equal(err->msg, "open /x: No such file or directory");
	sv_err_prefix(&err, "pull %s", "busybox");
	assert_string_equal(err->msg, "pull busybox: open /x: No such file or directory");
	assert_int_equal(sv_err_code(&err), ENOENT);
	sv_err_clear(&err);
	assert_null(err);
	sv_err_clear(&err);
	assert_int_equal(sv_err_set(NULL, EIO, "ignored"), -1);
}

static void test_buf__grow_add_detach(void **state)
{
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b);
	assert_buf_sane(&b);
	assert_string_equal(b.data, "");
	for (int i = 0; i < 1000; i++) {
		sv_buf_addf(&b, "%d,", i);
		assert_buf_sane(&b);
	}
	assert_true(sv_str_has_prefix(b.data, "0,1,2,"));
	assert_true(sv_str_has_suffix(b.data, "998,999,"));
	sv_buf_truncate(&b, 2);
	assert_buf_sane(&b);
	assert_string_equal(b.data, "0,");
	sv_buf_addc(&b, 'x');
	sv_buf_add(&b, "yz", 2);
	assert_string_equal(b.data, "0,xyz");
	size_t n;
	char *p = sv_buf_detach(&b, &n);
	assert_int_equal(n, 5);
	assert_string_equal(p, "0,xyz");
	free(p);
	assert_buf_sane(&b);
	assert_int_equal(b.len, 0);
	sv_buf_release(&b);
	sv_buf_release(&b);
	char *e = sv_buf_detach(&b, NULL);
	assert_string_equal(e, "");
	free(e);
}

static void test_strv__split_join_contains(void **state)
{
	(void)state;
	char **v = sv_strv_split("a,,b,", ',', false);
	assert_int_equal(sv_strv_len(v), 4);
	assert_string_equal(v[1], "");
	char *j = sv_strv_join(v, "|");
	assert_string_equal(j, "a||b|");
	free(j);
	sv_strv_free(v);
	v = sv_strv_split("/a//b/", '/', true);
	assert_int_equal(sv_strv_len(v), 2);
	assert_true(sv_strv_contains(v, "b"));
	assert_false(sv_strv_contains(v, "c"));
	char **d = sv_strv_dup(v);
	sv_strv_push(&d, "c");
	assert_int_equal(sv_strv_len(d), 3);
	sv_strv_free(d);
	sv_strv_free(v);
	sv_strv_free(NULL);
}

static void test_str__numbers_and_sizes(void **state)
{
	(void)state;
	int64_t v;
	assert_true(sv_str_to_i64("42", 0, 100, &v) && v == 42);
	assert_false(sv_str_to_i64("42x", 0, 100, &v));
	assert_false(sv_str_to_i64(" 42", 0, 100, &v));
	assert_false(sv_str_to_i64("101", 0, 100, &v));
	assert_false(sv_str_to_i64("", 0, 100, &v));
	assert_false(sv_str_to_i64("99999999999999999999", 0, INT64_MAX, &v));
	assert_true(sv_str_to_size("512m", &v) && v == 512LL << 20);
	assert_true(sv_str_to_size("1.5g", &v) && v == 3LL << 29);
	assert_true(sv_str_to_size("100MB", &v) && v == 100LL << 20);
	assert_true(sv_str_to_size("7", &v) && v == 7);
	assert_false(sv_str_to_size("-1m", &v));
	assert_false(sv_str_to_size("1q", &v));
	assert_false(sv_str_to_size("m", &v));
	assert_false(sv_str_to_size("99999999999t", &v));
	char b[32];
	assert_string_equal(sv_str_human_size(512, b, sizeof b), "512B");
	assert_string_equal(sv_str_human_size(4260000, b, sizeof b), "4.26MB");
	assert_string_equal(sv_str_human_size(1000, b, sizeof b), "1kB");
	assert_string_equal(sv_str_human_duration(0, b, sizeof b), "Less than a second");
	assert_string_equal(sv_str_human_duration(1, b, sizeof b), "1 second");
	assert_string_equal(sv_str_human_duration(59, b, sizeof b), "59 seconds");
	assert_string_equal(sv_str_human_duration(61, b, sizeof b), "About a minute");
	assert_string_equal(sv_str_human_duration(3600, b, sizeof b), "About an hour");
	assert_string_equal(sv_str_human_duration(5 * 3600, b, sizeof b), "5 hours");
	assert_string_equal(sv_str_human_duration(3 * 86400, b, sizeof b), "3 days");
	assert_string_equal(sv_str_human_duration(800 * 86400, b, sizeof b), "2 years");
}

static void test_time__parse_forms(void **state)
{
	(void)state;
	int64_t t, now = 1700000000LL * 1000000000LL;
	assert_int_equal(sv_time_parse("1700000000", now, &t, NULL), 0);
	assert_int_equal(t, now);
	assert_int_equal(sv_time_parse("1700000000.5", now, &t, NULL), 0);
	assert_int_equal(t, now + 500000000);
	assert_int_equal(sv_time_parse("2023-11-14T22:13:20Z", now, &t, NULL), 0);
	assert_int_equal(t, now);
	assert_int_equal(sv_time_parse("2023-11-14T23:13:20.25+01:00", now, &t, NULL), 0);
	assert_int_equal(t, now + 250000000);
	assert_int_equal(sv_time_parse("10m", now, &t, NULL), 0);
	assert_int_equal(t, now - 600LL * 1000000000);
	assert_int_equal(sv_time_parse("1h30m", now, &t, NULL), 0);
	assert_int_equal(t, now - 5400LL * 1000000000);
	/* found by the fuzzer: years that overflow int64 nanoseconds */
	assert_int_equal(sv_time_parse("1012-01-01T00:00:00Z", now, &t, NULL), -1);
	assert_int_equal(sv_time_parse("99999999999", now, &t, NULL), -1);
	assert_int_equal(sv_time_parse("999999999999h", now, &t, NULL), -1);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_time_parse("yesterday", now, &t, &err), -1);
	assert_int_equal(err->code, EINVAL);
	char b[64];
	assert_string_equal(sv_time_rfc3339(now + 5, b, sizeof b), "2023-11-14T22:13:20.000000005Z");
	assert_string_equal(sv_time_rfc3339(now, b, sizeof b), "2023-11-14T22:13:20Z");
}

static void test_path__clean_and_join(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "a/b/../c", "a/c" }, { "/a//b/./c/", "a/b/c" }, { "../../a", "a" }, { "a/../..", "" },
		{ ".", "" },	       { "", "" },		{ "a/./.", "a" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *c = sv_path_clean(cases[i][0]);
		assert_string_equal(c, cases[i][1]);
		free(c);
	}
	char *j = sv_path_join("/a/", "/b");
	assert_string_equal(j, "/a/b");
	free(j);
	j = sv_path_join("/", "x");
	assert_string_equal(j, "/x");
	free(j);
}

static void test_path__open_in_root_cannot_escape(void **state)
{
	(void)state;
	char base[] = "/tmp/sv-path-XXXXXX";
	assert_non_null(mkdtemp(base));
	char root[64], outside[64], p[128];
	snprintf(root, sizeof root, "%s/root", base);
	snprintf(outside, sizeof outside, "%s/outside", base);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	snprintf(p, sizeof p, "%s/abs", root);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof p, "%s/up", root);
	assert_int_equal(symlink("../../../..", p), 0);
	snprintf(p, sizeof p, "%s/proc", root);
	assert_int_equal(symlink("/proc/self/root", p), 0);
	int rfd = open(root, O_RDONLY | O_DIRECTORY);
	SV_AUTOERR sv_err *e1 = NULL;
	/* creating through an absolute symlink lands inside the root (or fails) */
	int fd = sv_open_in_root(rfd, "abs/f", O_WRONLY | O_CREAT, 0600, &e1);
	assert_true(fd < 0);
	snprintf(p, sizeof p, "%s/f", outside);
	assert_true(access(p, F_OK) < 0);
	/* ".." stops at the root */
	SV_AUTOERR sv_err *e2 = NULL;
	fd = sv_open_in_root(rfd, "up/g", O_WRONLY | O_CREAT, 0600, &e2);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof p, "%s/g", root);
	assert_int_equal(access(p, F_OK), 0);
	/* magic links are refused */
	SV_AUTOERR sv_err *e3 = NULL;
	fd = sv_open_in_root(rfd, "proc/etc/passwd", O_RDONLY, 0, &e3);
	assert_true(fd < 0);
	/* parents are created inside */
	char *b = NULL;
	SV_AUTOERR sv_err *e4 = NULL;
	fd = sv_open_parent_in_root(rfd, "x/y/z/file", true, &b, &e4);
	assert_true(fd >= 0);
	assert_string_equal(b, "file");
	free(b);
	close(fd);
	snprintf(p, sizeof p, "%s/x/y/z", root);
	assert_int_equal(access(p, F_OK), 0);
	close(rfd);
	assert_int_equal(sv_rm_rf(base, NULL), 0);
	assert_true(access(base, F_OK) < 0);
}

static void test_fs__atomic_write_and_bounded_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/sv-fs-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(sv_write_file_atomic(dfd, "f", "one", 3, 0640, NULL), 0);
	assert_int_equal(sv_write_file_atomic(dfd, "f", "second", 6, 0600, NULL), 0);
	struct sv_buf b;
	sv_buf_init(&b);
	assert_int_equal(sv_read_fileat(dfd, "f", 100, &b, NULL), 0);
	assert_string_equal(b.data, "second");
	sv_buf_reset(&b);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_read_fileat(dfd, "f", 3, &b, &err), -1);
	assert_int_equal(err->code, E2BIG);
	sv_buf_release(&b);
	struct stat st;
	assert_int_equal(fstatat(dfd, "f", &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* no temporaries left behind */
	int64_t bytes, inodes;
	assert_int_equal(sv_du_at(dfd, &bytes, &inodes, NULL), 0);
	assert_int_equal(inodes, 1);
	close(dfd);
	sv_rm_rf(dir, NULL);
}

static void test_fs__rm_rf_never_follows_symlinks(void **state)
{
	(void)state;
	char base[] = "/tmp/sv-rm-XXXXXX";
	assert_non_null(mkdtemp(base));
	char keep[64], victim[64], p[128];
	snprintf(keep, sizeof keep, "%s/keep", base);
	snprintf(victim, sizeof victim, "%s/victim", base);
	mkdir(keep, 0755);
	snprintf(p, sizeof p, "%s/precious", keep);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	mkdir(victim, 0755);
	snprintf(p, sizeof p, "%s/sub", victim);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/sub/link", victim);
	assert_int_equal(symlink(keep, p), 0);
	assert_int_equal(sv_rm_rf(victim, NULL), 0);
	assert_true(access(victim, F_OK) < 0);
	snprintf(p, sizeof p, "%s/precious", keep);
	assert_int_equal(access(p, F_OK), 0);
	assert_int_equal(sv_rm_rf(victim, NULL), 0); /* missing is fine */
	sv_rm_rf(base, NULL);
}

static void test_digest__sha256_and_validation(void **state)
{
	(void)state;
	char d[SV_DIGEST_STR_LEN];
	sv_sha256_data("abc", 3, d);
	assert_string_equal(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sv_sha256 *h = sv_sha256_new();
	sv_sha256_update(h, "a", 1);
	sv_sha256_update(h, "bc", 2);
	char d2[SV_DIGEST_STR_LEN];
	sv_sha256_final(h, d2);
	sv_sha256_free(h);
	assert_string_equal(d, d2);
	assert_int_equal(sv_digest_validate(d, NULL), 0);
	assert_int_equal(sv_digest_validate("sha256:ABC", NULL), -1);
	assert_int_equal(sv_digest_validate("md5:abc", NULL), -1);
	assert_int_equal(sv_digest_validate(NULL, NULL), -1);
	assert_string_equal(sv_digest_hex(d), d + 7);
	/* the plain C one agrees with OpenSSL at every length around the
	 * block and padding boundaries, and on larger inputs */
	unsigned char buf[4096];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 31 + 7);
	for (size_t n = 0; n <= sizeof buf; n = n < 200 ? n + 1 : n * 2 + 13) {
		char a[SV_DIGEST_STR_LEN], b[SV_DIGEST_STR_LEN];
		sv_sha256_small(buf, n, a);
		sv_sha256 *x = sv_sha256_new();
		sv_sha256_update(x, buf, n);
		sv_sha256_final(x, b);
		sv_sha256_free(x);
		assert_string_equal(a, b);
	}
	char e[SV_DIGEST_STR_LEN];
	sv_sha256_small("", 0, e);
	assert_string_equal(e, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_json__bounded_and_typed(void **state)
{
	(void)state;
	SV_AUTOERR sv_err *e1 = NULL;
	assert_null(sv_json_parse("{\"a\":", 5, 100, "doc", &e1));
	assert_int_equal(e1->code, EBADMSG);
	SV_AUTOERR sv_err *e2 = NULL;
	assert_null(sv_json_parse("{}", 2, 1, "doc", &e2));
	assert_int_equal(e2->code, E2BIG);
	SV_AUTOERR sv_err *e3 = NULL;
	assert_null(sv_json_parse("{} {}", 5, 100, "doc", &e3));
	SV_AUTOJSON cJSON *j = sv_json_parse("{\"s\":\"x\",\"n\":5,\"b\":true,\"a\":[\"p\",\"q\"],\"bad\":[1]}", 49, 100, "doc", NULL);
	assert_non_null(j);
	assert_string_equal(sv_json_str(j, "s"), "x");
	assert_null(sv_json_str(j, "n"));
	assert_int_equal(sv_json_i64(j, "n", -1), 5);
	assert_int_equal(sv_json_i64(j, "s", -1), -1);
	assert_true(sv_json_bool(j, "b", false));
	char **v = NULL;
	assert_int_equal(sv_json_strv(sv_json_arr(j, "a"), &v, NULL), 0);
	assert_int_equal(sv_strv_len(v), 2);
	sv_strv_free(v);
	SV_AUTOERR sv_err *e4 = NULL;
	assert_int_equal(sv_json_strv(sv_json_arr(j, "bad"), &v, &e4), -1);
}

struct log_seen {
	int n;
	enum sv_log_level level;
	char msg[128];
};

static void log_collect(enum sv_log_level level, const char *msg, void *arg)
{
	struct log_seen *seen = arg;
	seen->n++;
	seen->level = level;
	snprintf(seen->msg, sizeof seen->msg, "%s", msg);
}

/* Calls every logger with stdout and stderr pointed at a file; returns how
 * many bytes reached them. */
static off_t log_all_to_stdio(void)
{
	char path[] = "/tmp/sv-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), errfd = dup(2);
	assert_true(out >= 0 && errfd >= 0);
	dup2(fd, 1);
	dup2(fd, 2);
	sv_error("layer %s: refused", "x");
	sv_warn("warned %d", 1);
	sv_info("informed");
	sv_debug("debugged");
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(errfd, 2);
	close(out);
	close(errfd);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	return st.st_size;
}

static void test_log__sink_or_nothing(void **state)
{
	(void)state;
	sv_log_set_sink(NULL, NULL, SV_LOG_DEBUG);
	assert_false(sv_log_enabled(SV_LOG_ERROR));
	assert_int_equal(log_all_to_stdio(), 0); /* no sink: nothing anywhere */

	struct log_seen seen = { 0 };
	sv_log_set_sink(log_collect, &seen, SV_LOG_WARN);
	assert_int_equal(log_all_to_stdio(), 0); /* a sink: still not stdio */
	assert_int_equal(seen.n, 2);             /* error and warn; info, debug filtered */
	assert_int_equal(seen.level, SV_LOG_WARN);
	assert_string_equal(seen.msg, "warned 1");
	sv_error("layer %s: refused", "sha256:1");
	assert_int_equal(seen.level, SV_LOG_ERROR);
	assert_string_equal(seen.msg, "layer sha256:1: refused");
	sv_log_set_sink(NULL, NULL, SV_LOG_WARN);
	sv_warn("after");
	assert_int_equal(seen.n, 3);
}

/* One message carries its data and fds together; fds beyond the room
 * given are closed, a message beyond max is refused (its fds closed). */
static void test_msg__data_and_fds_together(void **state)
{
	(void)state;
	int sp[2], p[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(pipe(p), 0);
	int fds[2] = { p[0], p[1] };
	assert_int_equal(sv_msg_send(sp[0], "42\ncgroup x", 11, fds, 2, NULL), 0);
	struct sv_buf b;
	sv_buf_init(&b);
	int got[1] = { -1 };
	size_t n = 1;
	assert_int_equal(sv_msg_recv(sp[1], 64, &b, got, &n, NULL), 1);
	assert_int_equal(n, 1);
	assert_string_equal(b.data, "42\ncgroup x");
	/* the received fd is the pipe's read end: what goes in comes out */
	assert_int_equal(write(p[1], "z", 1), 1);
	char c = 0;
	assert_int_equal(read(got[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	assert_true(fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	close(got[0]);
	/* too large for max: refused, fds closed */
	assert_int_equal(sv_msg_send(sp[0], "0123456789", 10, fds, 1, NULL), 0);
	n = 1;
	sv_err *err = NULL;
	assert_int_equal(sv_msg_recv(sp[1], 4, &b, got, &n, &err), -1);
	assert_int_equal(sv_err_code(&err), EMSGSIZE);
	assert_int_equal(n, 0);
	sv_err_clear(&err);
	assert_int_equal(sv_msg_send(sp[0], "x", 1, fds, SV_MSG_MAX_FDS + 1, &err), -1);
	assert_int_equal(sv_err_code(&err), E2BIG);
	sv_err_clear(&err);
	/* the peer gone: 0 */
	close(sp[0]);
	n = 1;
	assert_int_equal(sv_msg_recv(sp[1], 64, &b, got, &n, NULL), 0);
	close(sp[1]);
	close(p[0]);
	close(p[1]);
	sv_buf_release(&b);
}

/* Removal never crosses into a mounted filesystem, unless asked to detach
 * what it meets (a --rm container's rootfs left mounted in the trash). */
static void test_fs__rm_rf_and_mounts(void **state)
{
	(void)state;
	char dir[] = "/tmp/sv-rmrf-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[64], mnt[80], inner[96];
	snprintf(sub, sizeof sub, "%s/a", dir);
	snprintf(mnt, sizeof mnt, "%s/a/rootfs", dir);
	snprintf(inner, sizeof inner, "%s/a/rootfs/keep", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(mkdir(mnt, 0700), 0);
	assert_int_equal(mount("tmpfs", mnt, "tmpfs", 0, "size=64k"), 0); /* (tests run as root) */
	int fd = open(inner, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	sv_err *err = NULL;
	assert_int_equal(sv_rm_rf(sub, &err), -1);
	assert_int_equal(sv_err_code(&err), EBUSY);
	sv_err_clear(&err);
	assert_int_equal(access(inner, F_OK), 0); /* nothing removed in there */
	assert_int_equal(sv_rm_rf_unmounting(dir, &err), 0);
	assert_null(err);
	assert_int_equal(access(dir, F_OK), -1);
}

/* A temporary name made for another process is stale only once that
 * process is gone (the shim that purges a --rm container's trash). */
static void test_fs__tmp_name_for_another_process(void **state)
{
	(void)state;
	char *alive = sv_tmp_name_for("trash-", 1);
	assert_true(sv_str_has_prefix(alive, "trash-1-"));
	assert_false(sv_tmp_name_is_stale(alive, "trash-"));
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	assert_true(p > 0);
	assert_int_equal(waitpid(p, NULL, 0), p);
	char *gone = sv_tmp_name_for("trash-", p);
	assert_true(sv_tmp_name_is_stale(gone, "trash-"));
	free(alive);
	free(gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err__first_error_wins_and_prefix),
		cmocka_unit_test(test_buf__grow_add_detach),
		cmocka_unit_test(test_strv__split_join_contains),
		cmocka_unit_test(test_str__numbers_and_sizes),
		cmocka_unit_test(test_time__parse_forms),
		cmocka_unit_test(test_path__clean_and_join),
		cmocka_unit_test(test_path__open_in_root_cannot_escape),
		cmocka_unit_test(test_fs__atomic_write_and_bounded_read),
		cmocka_unit_test(test_fs__rm_rf_never_follows_symlinks),
		cmocka_unit_test(test_digest__sha256_and_validation),
		cmocka_unit_test(test_json__bounded_and_typed),
		cmocka_unit_test(test_log__sink_or_nothing),
		cmocka_unit_test(test_msg__data_and_fds_together),
		cmocka_unit_test(test_fs__rm_rf_and_mounts),
		cmocka_unit_test(test_fs__tmp_name_for_another_process),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
