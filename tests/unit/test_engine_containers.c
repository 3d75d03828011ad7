/*
 * core/engine containers: users resolved from an image's /etc/passwd and
 * /etc/group (ids that do not fit 32 bits refused, never wrapped; files
 * read inside the root even through symlinks), signal names, attach
 * frames, create-body validation against a real store and image, and
 * the listing (from the summary column or the document, ports per
 * container).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/containers-internal.h"

/* ---------------------------------------------------------------- users */

struct rootfx {
	char dir[64];
	int fd;
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int root_setup(void **state)
{
	struct rootfx *r = calloc(1, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "/tmp/sv-ctr-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	char etc[128];
	snprintf(etc, sizeof etc, "%s/etc", r->dir);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file(r->dir, "etc/passwd",
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "# a comment\n"
		   "nobody:x:65534:65534:nobody:/home:/bin/false\n"
		   "app:x:1000:1000::/srv/app:/bin/sh\n"
		   "wrap:x:4294967296:0::/:/bin/sh\n"
		   "minus:x:4294967295:0::/:/bin/sh\n"
		   "badgid:x:7:99999999999::/:/bin/sh\n"
		   "short:x\n");
	write_file(r->dir, "etc/group",
		   "root:x:0:\n"
		   "wheel:x:10:root,app\n"
		   "app:x:1000:\n"
		   "staff:x:50:app\n"
		   "nogroup:x:65534:\n"
		   "hugegid:x:4294967296:app2\n");
	r->fd = open(r->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(r->fd >= 0);
	*state = r;
	return 0;
}

static int root_teardown(void **state)
{
	struct rootfx *r = *state;
	close(r->fd);
	sv_rm_rf(r->dir, NULL);
	free(r);
	return 0;
}

static void test_user__root_by_default(void **state)
{
	struct rootfx *r = *state;
	struct ctr_user u;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(ctr_user_resolve(r->fd, "", &u, &err), 0);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/root");
	/* The primary group first, then wheel (root is a member). */
	assert_int_equal(u.ngids, 2);
	assert_int_equal(u.gids[0], 0);
	assert_int_equal(u.gids[1], 10);
	ctr_user_release(&u);
}

static void test_user__name_with_groups(void **state)
{
	struct rootfx *r = *state;
	struct ctr_user u;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(ctr_user_resolve(r->fd, "app", &u, &err), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/srv/app");
	assert_int_equal(u.ngids, 3);
	assert_int_equal(u.gids[0], 1000);
	assert_int_equal(u.gids[1], 10);
	assert_int_equal(u.gids[2], 50);
	ctr_user_release(&u);
}

static void test_user__uid_and_group_name(void **state)
{
	struct rootfx *r = *state;
	struct ctr_user u;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(ctr_user_resolve(r->fd, "1000:staff", &u, &err), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 50);
	ctr_user_release(&u);
	/* A uid with no passwd entry: gid 0, home "/". */
	assert_int_equal(ctr_user_resolve(r->fd, "4242", &u, &err), 0);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/");
	ctr_user_release(&u);
	assert_int_equal(ctr_user_resolve(r->fd, "12:34", &u, &err), 0);
	assert_int_equal(u.uid, 12);
	assert_int_equal(u.gid, 34);
	ctr_user_release(&u);
}

static void test_user__ids_never_wrap(void **state)
{
	struct rootfx *r = *state;
	struct ctr_user u;
	const char *bad[] = { "4294967296", "4294967295", "99999999999999999999", "0:4294967296", "wrap", "minus",
			      "badgid", "app:hugegid" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		SV_AUTOERR sv_err *err = NULL;
		assert_int_equal(ctr_user_resolve(r->fd, bad[i], &u, &err), -1);
		assert_non_null(err);
		assert_int_equal(err->code, EINVAL);
	}
}

static void test_user__unknown_names(void **state)
{
	struct rootfx *r = *state;
	struct ctr_user u;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(ctr_user_resolve(r->fd, "ghost", &u, &err), -1);
	assert_non_null(strstr(err->msg, "unable to find user ghost"));
	sv_err_clear(&err);
	assert_int_equal(ctr_user_resolve(r->fd, "app:ghosts", &u, &err), -1);
	assert_non_null(strstr(err->msg, "unable to find group ghosts"));
	sv_err_clear(&err);
	assert_int_equal(ctr_user_resolve(r->fd, ":5", &u, &err), -1);
}

/* An image whose /etc/passwd is a symlink to the host's file reads its
 * own (missing) file, not the host's. */
static void test_user__passwd_symlink_stays_inside(void **state)
{
	struct rootfx *r = *state;
	char p[256], host[256];
	snprintf(host, sizeof host, "%s-host", r->dir);
	assert_int_equal(mkdir(host, 0755), 0);
	write_file(host, "passwd", "evil:x:0:0::/:/bin/sh\n");
	snprintf(p, sizeof p, "%s/etc/passwd", r->dir);
	unlink(p);
	char target[300];
	snprintf(target, sizeof target, "%s/passwd", host);
	assert_int_equal(symlink(target, p), 0);
	struct ctr_user u;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(ctr_user_resolve(r->fd, "evil", &u, &err), -1);
	assert_int_equal(err->code, EINVAL);
	sv_rm_rf(host, NULL);
}

/* ---------------------------------------------------------------- signals */

static void test_signal__names_and_numbers(void **state)
{
	(void)state;
	assert_int_equal(ctr_signal_parse("KILL"), SIGKILL);
	assert_int_equal(ctr_signal_parse("SIGTERM"), SIGTERM);
	assert_int_equal(ctr_signal_parse("sigusr1"), SIGUSR1);
	assert_int_equal(ctr_signal_parse("9"), 9);
	assert_int_equal(ctr_signal_parse("RTMIN+2"), SIGRTMIN + 2);
	assert_int_equal(ctr_signal_parse("NOPE"), -1);
	assert_int_equal(ctr_signal_parse("0"), -1);
	assert_int_equal(ctr_signal_parse("65"), -1);
	assert_int_equal(ctr_signal_parse(""), -1);
}

/* ---------------------------------------------------------------- frames */

static void test_frame__round_trip(void **state)
{
	(void)state;
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_frame_write(sp[0], SV_FRAME_STDOUT, "hello", 5, &err), 0);
	assert_int_equal(sv_frame_write(sp[0], SV_FRAME_EXIT, "137", 3, &err), 0);
	close(sp[0]);
	struct sv_buf b;
	sv_buf_init(&b);
	int type;
	assert_int_equal(sv_frame_read(sp[1], &type, &b, &err), 1);
	assert_int_equal(type, SV_FRAME_STDOUT);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "hello", 5);
	assert_int_equal(sv_frame_read(sp[1], &type, &b, &err), 1);
	assert_int_equal(type, SV_FRAME_EXIT);
	assert_string_equal(b.data, "137");
	assert_int_equal(sv_frame_read(sp[1], &type, &b, &err), 0);
	sv_buf_release(&b);
	close(sp[1]);
}

static void test_frame__bad_headers_refused(void **state)
{
	(void)state;
	static const unsigned char huge[8] = { 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	static const unsigned char junk[8] = { 1, 7, 0, 0, 0, 0, 0, 1 };
	static const unsigned char cut[10] = { 1, 0, 0, 0, 0, 0, 0, 9, 'a', 'b' };
	const unsigned char *cases[] = { huge, junk, cut };
	size_t lens[] = { 8, 8, 10 };
	for (size_t i = 0; i < 3; i++) {
		int sp[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
		assert_int_equal(write(sp[0], cases[i], lens[i]), (ssize_t)lens[i]);
		close(sp[0]);
		struct sv_buf b;
		sv_buf_init(&b);
		int type;
		SV_AUTOERR sv_err *err = NULL;
		assert_int_equal(sv_frame_read(sp[1], &type, &b, &err), -1);
		assert_int_equal(err->code, EBADMSG);
		sv_buf_release(&b);
		close(sp[1]);
	}
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_frame_write(-1, SV_FRAME_STDIN, NULL, SV_FRAME_MAX + 1, &err), -1);
	assert_int_equal(err->code, E2BIG);
}

/* ---------------------------------------------------------------- create */

struct efx {
	char dir[64];
	sv_engine *e;
};

static int engine_setup(void **state)
{
	struct efx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sv-ctr-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char root[128], run[128];
	snprintf(root, sizeof root, "%s/root", f->dir);
	snprintf(run, sizeof run, "%s/run", f->dir);
	/* make unit runs from the top of the tree, after the image was built. */
	const char *img = getenv("SERVIN_DEFAULT_IMAGE");
	struct sv_engine_opts o = { .root = root, .runroot = run,
				    .default_image = img ? img : "build/share/servin/busybox.oci.tar" };
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_open(&o, &f->e, &err) < 0)
		fail_msg("open engine: %s", err->msg);
	*state = f;
	return 0;
}

static int engine_teardown(void **state)
{
	struct efx *f = *state;
	sv_engine_free(f->e);
	sv_rm_rf(f->dir, NULL);
	free(f);
	return 0;
}

static int create_json(struct efx *f, const char *name, const char *json, char id[SV_CONTAINER_ID_LEN + 1],
		       sv_err **err)
{
	SV_AUTOJSON cJSON *body = cJSON_Parse(json);
	assert_non_null(body);
	return sv_engine_container_create(f->e, name, body, id, NULL, err);
}

static void test_create__merges_the_image_config(void **state)
{
	struct efx *f = *state;
	char id[SV_CONTAINER_ID_LEN + 1];
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(create_json(f, "merge", "{\"Image\":\"busybox\",\"Env\":[\"A=1\",\"PATH=/x\"],"
					       "\"Labels\":{\"k\":\"v\"}}",
				     id, &err),
			 0);
	SV_AUTOJSON cJSON *j = sv_engine_container_inspect(f->e, "merge", false, &err);
	assert_non_null(j);
	const cJSON *cfg = sv_json_obj(j, "Config");
	/* The user's PATH replaces the image's; Cmd comes from the image. */
	char *env = sv_json_print(sv_json_arr(cfg, "Env"));
	assert_string_equal(env, "[\"A=1\",\"PATH=/x\"]");
	free(env);
	assert_string_equal(sv_json_str(j, "Path"), "sh");
	assert_string_equal(sv_json_str(sv_json_obj(cfg, "Labels"), "k"), "v");
	assert_string_equal(sv_json_str(sv_json_obj(j, "State"), "Status"), "created");
	assert_string_equal(sv_json_str(sv_json_obj(sv_json_obj(j, "HostConfig"), "RestartPolicy"), "Name"), "no");
	assert_string_equal(sv_json_str(j, "Name"), "/merge");
}

static void test_create__refuses_bad_options(void **state)
{
	struct efx *f = *state;
	static const struct {
		const char *json;
		int code;
		const char *msg;
	} bad[] = {
		{ "{\"Image\":\"nosuchimage\"}", ENOENT, "No such image" },
		{ "{}", EINVAL, "No image specified" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":1000}}", EINVAL, "Minimum memory limit" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"MemorySwap\":100000000}}", EINVAL, "Memory limit" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"CapAdd\":[\"NOPE\"]}}", EINVAL, "unknown capability" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}", EINVAL, "restart policy" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\",\"MaximumRetryCount\":2}}}",
		  EINVAL, "on-failure" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}}",
		  EINVAL, "--restart and --rm" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"LogConfig\":{\"Type\":\"syslog\"}}}", EINVAL, "logging driver" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"LogConfig\":{\"Config\":{\"max-size\":\"x\"}}}}", EINVAL, "max-size" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"SecurityOpt\":[\"bogus\"]}}", EINVAL, "security-opt" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"SecurityOpt\":[\"seccomp={not json\"]}}", EINVAL, "seccomp" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":10,\"Hard\":5}]}}", EINVAL, "ulimit" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"CpusetCpus\":\"0-4096\"}}", EINVAL, "cpuset" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"NanoCpus\":999000000000}}", EINVAL, "Range of CPUs" },
		{ "{\"Image\":\"busybox\",\"WorkingDir\":\"rel\"}", EINVAL, "absolute path" },
		{ "{\"Image\":\"busybox\",\"Env\":[\"=x\"]}", EINVAL, "environment variable" },
		{ "{\"Image\":\"busybox\",\"StopSignal\":\"SIGNOPE\"}", EINVAL, "invalid signal" },
		{ "{\"Image\":\"busybox\",\"HostConfig\":{\"NetworkMode\":\"mynet\"}}", ENOENT, "network mynet not found" },
		{ "{\"Image\":\"busybox\",\"Cmd\":[1,2]}", EINVAL, "Cmd" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char id[SV_CONTAINER_ID_LEN + 1];
		SV_AUTOERR sv_err *err = NULL;
		if (create_json(f, NULL, bad[i].json, id, &err) == 0)
			fail_msg("accepted: %s", bad[i].json);
		assert_int_equal(err->code, bad[i].code);
		if (!strstr(err->msg, bad[i].msg))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].json, err->msg, bad[i].msg);
	}
	struct sv_container_summary *v;
	size_t n;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_engine_containers(f->e, &(struct sv_container_list_opts){ .all = true }, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	sv_container_summaries_free(v, n);
}

static void test_create__names(void **state)
{
	struct efx *f = *state;
	char a[SV_CONTAINER_ID_LEN + 1], b[SV_CONTAINER_ID_LEN + 1];
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(create_json(f, "/dup", "{\"Image\":\"busybox\"}", a, &err), 0);
	assert_int_equal(create_json(f, "dup", "{\"Image\":\"busybox\"}", b, &err), -1);
	assert_int_equal(err->code, EEXIST);
	assert_non_null(strstr(err->msg, a));
	sv_err_clear(&err);
	assert_int_equal(create_json(f, "a", "{\"Image\":\"busybox\"}", b, &err), -1);
	assert_int_equal(err->code, EINVAL);
	sv_err_clear(&err);
	assert_int_equal(create_json(f, "has/slash", "{\"Image\":\"busybox\"}", b, &err), -1);
	sv_err_clear(&err);
	/* Random names are Docker-like and unique. */
	assert_int_equal(create_json(f, NULL, "{\"Image\":\"busybox\"}", b, &err), 0);
	SV_AUTOJSON cJSON *j = sv_engine_container_inspect(f->e, b, false, &err);
	const char *name = sv_json_str(j, "Name");
	assert_non_null(strchr(name, '_'));
	/* Names, full ids and unique prefixes all resolve. */
	char id[SV_CONTAINER_ID_LEN + 1];
	assert_int_equal(sv_engine_container_resolve(f->e, "dup", id, &err), 0);
	assert_string_equal(id, a);
	char prefix[13];
	snprintf(prefix, sizeof prefix, "%.12s", a);
	assert_int_equal(sv_engine_container_resolve(f->e, prefix, id, &err), 0);
	assert_string_equal(id, a);
	assert_int_equal(sv_engine_container_resolve(f->e, "nosuch", id, &err), -1);
	assert_int_equal(err->code, ENOENT);
	sv_err_clear(&err);
	assert_int_equal(sv_engine_container_rename(f->e, "dup", "renamed", &err), 0);
	assert_int_equal(sv_engine_container_resolve(f->e, "renamed", id, &err), 0);
	assert_int_equal(sv_engine_container_remove(f->e, "renamed", 0, &err), 0);
	assert_int_equal(sv_engine_container_resolve(f->e, a, id, &err), -1);
}

/* ---------------------------------------------------------------- list */

/* One line per listed container: everything the listing derives from
 * the config document and the ports table. */
static char *listing(struct efx *f, const char *filter)
{
	char fbuf[128];
	snprintf(fbuf, sizeof fbuf, "%s", filter ? filter : "");
	char *const filters[] = { fbuf, NULL };
	struct sv_container_list_opts o = { .all = true, .filters = filter ? filters : NULL };
	struct sv_container_summary *v;
	size_t n;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_engine_containers(f->e, &o, &v, &n, &err), 0);
	struct sv_buf b;
	sv_buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		SV_AUTOFREE char *labels = sv_json_print(v[i].labels);
		SV_AUTOFREE char *ports = sv_json_print(v[i].ports);
		sv_buf_addf(&b, "%s|%s|%s|%s|%s\n", v[i].name, v[i].command, labels, v[i].network_mode, ports);
	}
	sv_container_summaries_free(v, n);
	return sv_buf_detach(&b, NULL);
}

static void sql(struct efx *f, const char *text)
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_store_exec(f->e->store, text, &err) < 0)
		fail_msg("%s", err->msg);
}

static void test_list__summary_column_or_document_alike(void **state)
{
	struct efx *f = *state;
	char id[SV_CONTAINER_ID_LEN + 1];
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(create_json(f, "plain", "{\"Image\":\"busybox\"}", id, &err), 0);
	assert_int_equal(create_json(f, "odd",
				     "{\"Image\":\"busybox\",\"Entrypoint\":[\"/bin/echo\"],"
				     "\"Cmd\":[\"a b\",\"\",\"x\\\"y \\u00e9\\ud83d\\ude00\"],"
				     "\"Labels\":{\"k\":\"v \\\"q\\\"\",\"nl\":\"a\\nb\"},"
				     "\"HostConfig\":{\"NetworkMode\":\"none\"}}",
				     id, &err),
			 0);
	assert_int_equal(create_json(f, "hosted", "{\"Image\":\"busybox\",\"HostConfig\":{\"NetworkMode\":\"host\"}}",
				     id, &err),
			 0);
	static const char odd[] = "odd|/bin/echo 'a b'  'x\"y \u00e9\U0001F600'|{\"k\":\"v \\\"q\\\"\",\"nl\":\"a\\nb\"}|"
				  "none|[]\n";
	SV_AUTOFREE char *with = listing(f, NULL);
	assert_non_null(strstr(with, odd));
	assert_non_null(strstr(with, "hosted|sh|{}|host|[]\n"));
	SV_AUTOFREE char *filtered = listing(f, "label=k=v \"q\"");
	assert_string_equal(filtered, odd);
	/* Rows without the column (an older servin's) read the document. */
	sql(f, "UPDATE containers SET summary = NULL");
	SV_AUTOFREE char *without = listing(f, NULL);
	assert_string_equal(without, with);
	SV_AUTOFREE char *filtered2 = listing(f, "label=k=v \"q\"");
	assert_string_equal(filtered2, filtered);
	/* A document nobody can read lists with defaults, the rest intact. */
	sql(f, "UPDATE containers SET config = '{not json' WHERE name = 'plain'");
	SV_AUTOFREE char *broken = listing(f, NULL);
	assert_non_null(strstr(broken, "plain||{}|bridge|[]\n"));
	assert_non_null(strstr(broken, "hosted|sh|{}|host|[]\n"));
}

static void test_list__ports_of_each_container(void **state)
{
	struct efx *f = *state;
	char a[SV_CONTAINER_ID_LEN + 1], b[SV_CONTAINER_ID_LEN + 1], c[SV_CONTAINER_ID_LEN + 1];
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(create_json(f, "pa", "{\"Image\":\"busybox\"}", a, &err), 0);
	assert_int_equal(create_json(f, "pb", "{\"Image\":\"busybox\"}", b, &err), 0);
	assert_int_equal(create_json(f, "pc", "{\"Image\":\"busybox\"}", c, &err), 0);
	/* As a start records them, in no particular order. */
	SV_AUTOFREE char *ins = sv_xasprintf(
		"INSERT INTO ports (container_id, proto, host_ip, host_port, ctr_port, ctr_ip) VALUES"
		" ('%s', 'udp', '0.0.0.0', 8082, 81, 1), ('%s', 'tcp', '0.0.0.0', 9090, 90, 2),"
		" ('%s', 'tcp', '127.0.0.1', 8080, 80, 1), ('%s', 'tcp', '0.0.0.0', 8081, 80, 1)",
		a, b, a, a);
	sql(f, ins);
	SV_AUTOFREE char *l = listing(f, NULL);
	assert_non_null(strstr(l, "pa|sh|{}|bridge|[{\"IP\":\"0.0.0.0\",\"PrivatePort\":80,\"PublicPort\":8081,"
				  "\"Type\":\"tcp\"},{\"IP\":\"127.0.0.1\",\"PrivatePort\":80,\"PublicPort\":8080,"
				  "\"Type\":\"tcp\"},{\"IP\":\"0.0.0.0\",\"PrivatePort\":81,\"PublicPort\":8082,"
				  "\"Type\":\"udp\"}]\n"));
	assert_non_null(strstr(l, "pb|sh|{}|bridge|[{\"IP\":\"0.0.0.0\",\"PrivatePort\":90,\"PublicPort\":9090,"
				  "\"Type\":\"tcp\"}]\n"));
	assert_non_null(strstr(l, "pc|sh|{}|bridge|[]\n"));
}

int main(void)
{
	const struct CMUnitTest users[] = {
		cmocka_unit_test_setup_teardown(test_user__root_by_default, root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(test_user__name_with_groups, root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(test_user__uid_and_group_name, root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(test_user__ids_never_wrap, root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(test_user__unknown_names, root_setup, root_teardown),
		cmocka_unit_test_setup_teardown(test_user__passwd_symlink_stays_inside, root_setup, root_teardown),
		cmocka_unit_test(test_signal__names_and_numbers),
		cmocka_unit_test(test_frame__round_trip),
		cmocka_unit_test(test_frame__bad_headers_refused),
		cmocka_unit_test_setup_teardown(test_create__merges_the_image_config, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_create__refuses_bad_options, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_create__names, engine_setup, engine_teardown),
		cmocka_unit_test_setup_teardown(test_list__summary_column_or_document_alike, engine_setup,
						engine_teardown),
		cmocka_unit_test_setup_teardown(test_list__ports_of_each_container, engine_setup, engine_teardown),
	};
	return cmocka_run_group_tests_name("engine_containers", users, NULL, NULL);
}
