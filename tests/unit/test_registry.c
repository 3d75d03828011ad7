/*
 * core/registry, the parts that need no server: registries.json (mirrors,
 * insecure hosts, bounds, malformed files), credentials in Docker's auths
 * format (read, stored 0600, erased), host names as Docker spells them,
 * WWW-Authenticate challenges, redirect targets (http and https only) and
 * the error bodies of the distribution API. The network paths are covered
 * end to end against a real docker-registry (tests/e2e/registry_*.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/registry-internal.h"

struct fx {
	char dir[64];
	char *config;
	char *auth;
	char *docker;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sv-registry-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->config = sv_xasprintf("%s/registries.json", f->dir);
	f->auth = sv_xasprintf("%s/xdg/servin/auth.json", f->dir);
	f->docker = sv_xasprintf("%s/docker.json", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sv_rm_rf(f->dir, NULL);
	free(f->config);
	free(f->auth);
	free(f->docker);
	free(f);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static sv_registry *open_session(struct fx *f, sv_err **err)
{
	struct sv_registry_opts o = { .config_file = f->config, .config_dir = f->dir, .auth_file = f->auth,
				      .docker_config = f->docker };
	sv_registry *r = NULL;
	if (sv_registry_new(&o, &r, err) < 0)
		return NULL;
	return r;
}

/* ---------------------------------------------------------------- config */

static void test_registry__config_reads_mirrors_and_insecure(void **state)
{
	struct fx *f = *state;
	write_text(f->config, "{\"max-concurrent-downloads\": 5, \"retries\": 1, \"timeout\": 7,"
			      " \"insecure-registries\": [\"HTTP://Local:5000/\"],"
			      " \"registry-mirrors\": [\"https://hub-mirror.example\"],"
			      " \"registries\": {\"q.example:443\": {\"insecure\": true,"
			      "   \"mirrors\": [\"http://127.0.0.1:1\", \"m.example\"]}}}");
	SV_AUTOERR sv_err *err = NULL;
	sv_registry *r = open_session(f, &err);
	assert_non_null(r);
	assert_int_equal(r->cfg.parallel, 5);
	assert_int_equal(r->cfg.retries, 1);
	assert_int_equal(r->cfg.timeout, 7);
	assert_true(reg_config_insecure(&r->cfg, "local:5000"));
	assert_true(reg_config_insecure(&r->cfg, "q.example:443"));
	assert_false(reg_config_insecure(&r->cfg, "docker.io"));
	char *const *m = reg_config_mirrors(&r->cfg, "q.example:443");
	assert_non_null(m);
	assert_string_equal(m[0], "http://127.0.0.1:1");
	assert_string_equal(m[1], "m.example");
	assert_null(m[2]);
	m = reg_config_mirrors(&r->cfg, "docker.io");
	assert_non_null(m);
	assert_string_equal(m[0], "https://hub-mirror.example");
	assert_null(reg_config_mirrors(&r->cfg, "other.example"));
	/* mirrors first, then the registry; schemes as the config says */
	struct reg_endpoint **eps = NULL;
	size_t n = 0;
	assert_int_equal(reg_pull_endpoints(r, "q.example:443", &eps, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(eps[0]->host, "127.0.0.1:1");
	assert_string_equal(eps[0]->scheme, "http");
	assert_true(eps[0]->mirror);
	assert_string_equal(eps[1]->host, "m.example");
	assert_string_equal(eps[1]->scheme, "https");
	assert_string_equal(eps[2]->host, "q.example:443");
	assert_null(eps[2]->scheme); /* insecure: probed, https first */
	assert_false(eps[2]->mirror);
	free(eps);
	/* Docker Hub's API host */
	assert_int_equal(reg_pull_endpoints(r, "docker.io", &eps, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(eps[1]->host, "registry-1.docker.io");
	free(eps);
	sv_registry_free(r);
}

static void test_registry__config_refuses_malformed(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"{", "[]", "{\"retries\": -1}", "{\"timeout\": \"x\"}", "{\"insecure-registries\": [1]}",
		"{\"registries\": {\"h\": []}}", "{\"max-concurrent-downloads\": 1000}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_text(f->config, bad[i]);
		SV_AUTOERR sv_err *err = NULL;
		assert_null(open_session(f, &err));
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "registries.json"));
	}
}

static void test_registry__config_missing_default_is_fine(void **state)
{
	struct fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	/* a named file must exist ... */
	assert_null(open_session(f, &err));
	assert_int_equal(err->code, ENOENT);
	/* ... the default one may be absent */
	struct sv_registry_opts o = { .config_dir = f->dir, .auth_file = f->auth, .docker_config = f->docker };
	sv_registry *r = NULL;
	sv_err_clear(&err);
	assert_int_equal(sv_registry_new(&o, &r, &err), 0);
	assert_int_equal(r->cfg.parallel, SV_REGISTRY_DEFAULT_PARALLEL);
	sv_registry_free(r);
}

/* ---------------------------------------------------------------- creds */

static void test_registry__host_normalize(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "https://index.docker.io/v1/", "docker.io" }, { "index.docker.io", "docker.io" },
		{ "registry-1.docker.io", "docker.io" },	{ "docker.io", "docker.io" },
		{ "http://Local:5000/v2/", "local:5000" },	{ "[::1]:5000", "[::1]:5000" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *h = reg_host_normalize(cases[i][0]);
		assert_string_equal(h, cases[i][1]);
		free(h);
	}
	assert_null(reg_host_normalize("https:///x"));
	assert_null(reg_host_normalize(""));
	SV_AUTOERR sv_err *err = NULL;
	assert_null(sv_registry_server_host("bad host", &err));
	assert_int_equal(err->code, EINVAL);
	char *d = sv_registry_server_host(NULL, NULL);
	assert_string_equal(d, "docker.io");
	free(d);
}

static void test_registry__creds_read_both_files(void **state)
{
	struct fx *f = *state;
	write_text(f->config, "{}");
	assert_int_equal(sv_mkdir_p(f->auth, 0700, NULL), 0);
	sv_rm_rf(f->auth, NULL);
	/* dXNlcjpwYTpzcw== is "user:pa:ss" (a colon in the password) */
	write_text(f->auth, "{\"auths\": {\"reg.example:5000\": {\"auth\": \"dXNlcjpwYTpzcw==\"},"
			    " \"bad.example\": {\"auth\": \"!!!\"}}}");
	write_text(f->docker, "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"aHViOmh1YnB3\"},"
			      " \"reg.example:5000\": {\"auth\": \"b3RoZXI6b3RoZXI=\"},"
			      " \"podman.example\": {\"username\": \"p\", \"password\": \"q\"}}}");
	SV_AUTOERR sv_err *err = NULL;
	sv_registry *r = open_session(f, &err);
	assert_non_null(r);
	const char *u, *p;
	assert_true(reg_creds_find(r, "reg.example:5000", &u, &p));
	assert_string_equal(u, "user"); /* servin's file wins over Docker's */
	assert_string_equal(p, "pa:ss");
	assert_true(reg_creds_find(r, "registry-1.docker.io", &u, &p));
	assert_string_equal(u, "hub");
	assert_string_equal(p, "hubpw");
	assert_true(reg_creds_find(r, "podman.example", &u, &p));
	assert_string_equal(p, "q");
	assert_false(reg_creds_find(r, "bad.example", &u, &p));
	assert_false(reg_creds_find(r, "nobody.example", &u, &p));
	sv_registry_free(r);
}

static void test_registry__creds_store_and_erase(void **state)
{
	struct fx *f = *state;
	write_text(f->config, "{}");
	SV_AUTOERR sv_err *err = NULL;
	sv_registry *r = open_session(f, &err);
	assert_non_null(r);
	assert_int_equal(reg_creds_store(r, "docker.io", "me", "pw1", &err), 0);
	assert_int_equal(reg_creds_store(r, "reg.example", "you", "pw2", &err), 0);
	assert_int_equal(reg_creds_store(r, "docker.io", "me", "pw3", &err), 0);
	struct stat st;
	assert_int_equal(stat(f->auth, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct sv_buf text;
	sv_buf_init(&text);
	assert_int_equal(sv_read_file(f->auth, 1 << 20, &text, &err), 0);
	assert_non_null(strstr(text.data, "\"https://index.docker.io/v1/\""));
	assert_non_null(strstr(text.data, "bWU6cHcz")); /* me:pw3 */
	assert_null(strstr(text.data, "bWU6cHcx")); /* me:pw1 replaced */
	sv_buf_release(&text);
	sv_registry_free(r);
	r = open_session(f, &err);
	const char *u, *p;
	assert_true(reg_creds_find(r, "reg.example", &u, &p));
	assert_string_equal(p, "pw2");
	assert_int_equal(sv_registry_logout(r, "reg.example", &err), 0);
	assert_int_equal(sv_registry_logout(r, "reg.example", &err), -1);
	assert_int_equal(err->code, ENOENT);
	sv_registry_free(r);
}

static void test_registry__session_stale_when_files_change(void **state)
{
	struct fx *f = *state;
	write_text(f->config, "{}");
	SV_AUTOERR sv_err *err = NULL;
	sv_registry *r = open_session(f, &err);
	assert_non_null(r);
	assert_false(sv_registry_stale(r));
	/* a login by another process writes auth.json */
	sv_registry *other = open_session(f, &err);
	assert_int_equal(reg_creds_store(other, "reg.example", "u", "p", &err), 0);
	sv_registry_free(other);
	assert_true(sv_registry_stale(r));
	sv_registry *fresh = open_session(f, &err);
	assert_false(sv_registry_stale(fresh));
	const char *u, *p;
	assert_true(reg_creds_find(fresh, "reg.example", &u, &p));
	assert_false(reg_creds_find(r, "reg.example", &u, &p));
	/* references: the last one frees */
	assert_ptr_equal(sv_registry_ref(fresh), fresh);
	sv_registry_free(fresh);
	assert_false(sv_registry_stale(fresh));
	sv_registry_free(fresh);
	sv_registry_free(r);
	/* Docker's config.json counts too (it did not exist before) */
	r = open_session(f, &err);
	assert_false(sv_registry_stale(r));
	write_text(f->docker, "{}");
	assert_true(sv_registry_stale(r));
	sv_registry_free(r);
}

/* ---------------------------------------------------------------- protocol */

static void test_registry__challenge_parse(void **state)
{
	(void)state;
	struct reg_challenge_info ch;
	reg_challenge_parse("Bearer realm=\"https://auth.example/token\",service=\"reg\\\"x\","
			    "scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\"",
			    &ch);
	assert_int_equal(ch.kind, REG_AUTH_BEARER);
	assert_string_equal(ch.realm, "https://auth.example/token");
	assert_string_equal(ch.service, "reg\"x");
	assert_string_equal(ch.scope, "repository:a/b:pull,push");
	assert_string_equal(ch.error, "insufficient_scope");
	reg_challenge_release(&ch);
	reg_challenge_parse("basic realm=Registry", &ch);
	assert_int_equal(ch.kind, REG_AUTH_BASIC);
	assert_string_equal(ch.realm, "Registry");
	reg_challenge_release(&ch);
	static const char *const junk[] = { NULL, "", "Negotiate abc", "Bearerx realm=a", "Bearer realm=\"unterminated" };
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		reg_challenge_parse(junk[i], &ch);
		assert_true(ch.kind == REG_AUTH_UNKNOWN || (ch.kind == REG_AUTH_BEARER && ch.realm));
		reg_challenge_release(&ch);
	}
}

static void test_registry__redirects_http_only(void **state)
{
	(void)state;
	SV_AUTOERR sv_err *err = NULL;
	char *u = reg_resolve_location("http://a:5000/v2/x/blobs/sha256:1", "/other/path?q=1", &err);
	assert_string_equal(u, "http://a:5000/other/path?q=1");
	free(u);
	u = reg_resolve_location("http://a:5000/v2/x", "https://b.example/blob", &err);
	assert_string_equal(u, "https://b.example/blob");
	free(u);
	u = reg_resolve_location("https://a/v2/x", "//c.example/y", &err);
	assert_string_equal(u, "https://c.example/y");
	free(u);
	static const char *const refused[] = { "file:///etc/passwd", "ftp://x/y", "gopher://x", "dict://x" };
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		sv_err_clear(&err);
		assert_null(reg_resolve_location("http://a/v2/", refused[i], &err));
		assert_non_null(err);
	}
}

static void test_registry__error_message(void **state)
{
	(void)state;
	struct reg_resp r;
	reg_resp_init(&r);
	sv_buf_adds(&r.body, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest\\u001b[31m unknown\"}]}");
	char *code = NULL;
	char *msg = reg_error_message(&r, &code);
	assert_string_equal(code, "MANIFEST_UNKNOWN");
	assert_string_equal(msg, "manifest?[31m unknown"); /* no escape sequences reach a terminal */
	free(code);
	free(msg);
	sv_buf_reset(&r.body);
	sv_buf_adds(&r.body, "<html>not json</html>");
	assert_null(reg_error_message(&r, &code));
	assert_null(code);
	reg_resp_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registry__config_reads_mirrors_and_insecure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__config_refuses_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__config_missing_default_is_fine, setup, teardown),
		cmocka_unit_test(test_registry__host_normalize),
		cmocka_unit_test_setup_teardown(test_registry__creds_read_both_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__creds_store_and_erase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry__session_stale_when_files_change, setup, teardown),
		cmocka_unit_test(test_registry__challenge_parse),
		cmocka_unit_test(test_registry__redirects_http_only),
		cmocka_unit_test(test_registry__error_message),
	};
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
