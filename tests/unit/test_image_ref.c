/*
 * Image references, normalised exactly as Docker does.
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

#include "image/image.h"

static void check(const char *in, const char *full, const char *familiar)
{
	struct sv_ref r;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_ref_parse(in, &r, &err) < 0)
		fail_msg("%s: %s", in, err->msg);
	char *f = sv_ref_string(&r), *fam = sv_ref_familiar(&r);
	assert_string_equal(f, full);
	assert_string_equal(fam, familiar);
	free(f);
	free(fam);
	sv_ref_release(&r);
}

static void bad(const char *in, const char *needle)
{
	struct sv_ref r;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_ref_parse(in, &r, &err) == 0)
		fail_msg("'%s' parsed but should not", in);
	assert_int_equal(err->code, EINVAL);
	if (needle && !strstr(err->msg, needle))
		fail_msg("'%s': error '%s' lacks '%s'", in, err->msg, needle);
}

static void test_ref__docker_hub_normalisation(void **state)
{
	(void)state;
	check("busybox", "docker.io/library/busybox:latest", "busybox:latest");
	check("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
	check("library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
	check("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest");
	check("index.docker.io/library/busybox:x", "docker.io/library/busybox:x", "busybox:x");
	check("myrepo/alpine:v1", "docker.io/myrepo/alpine:v1", "myrepo/alpine:v1");
	check("docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest");
	/* found by the fuzzer: the short form must not turn a path into a host */
	check("index.docker.io/a.b/c", "docker.io/a.b/c:latest", "docker.io/a.b/c:latest");
}

static void test_ref__registries_and_ports(void **state)
{
	(void)state;
	check("localhost/x", "localhost/x:latest", "localhost/x:latest");
	check("localhost:5000/a/b:t", "localhost:5000/a/b:t", "localhost:5000/a/b:t");
	check("127.0.0.1:5000/img", "127.0.0.1:5000/img:latest", "127.0.0.1:5000/img:latest");
	check("ghcr.io/o/r:1.0-rc.1_x", "ghcr.io/o/r:1.0-rc.1_x", "ghcr.io/o/r:1.0-rc.1_x");
	check("[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000/x:latest");
	check("Registry.Example.com/x", "Registry.Example.com/x:latest", "Registry.Example.com/x:latest");
}

static void test_ref__digests(void **state)
{
	(void)state;
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char in[256], want[256], fam[256];
	snprintf(in, sizeof in, "busybox@%s", d);
	snprintf(want, sizeof want, "docker.io/library/busybox@%s", d);
	snprintf(fam, sizeof fam, "busybox@%s", d);
	check(in, want, fam);
	snprintf(in, sizeof in, "host:5000/a:tag@%s", d);
	snprintf(want, sizeof want, "host:5000/a:tag@%s", d);
	check(in, want, want);
}

static void test_ref__component_grammar(void **state)
{
	(void)state;
	check("a__b", "docker.io/library/a__b:latest", "a__b:latest");
	check("a--b.c_d", "docker.io/library/a--b.c_d:latest", "a--b.c_d:latest");
	bad("a___b", NULL);
	bad("-a", NULL);
	bad("a-", NULL);
	bad("a..b", NULL);
	bad("a/", NULL);
	bad("/a", NULL);
	bad("a//b", NULL);
	bad("a_-b", NULL);
}

static void test_ref__invalid(void **state)
{
	(void)state;
	bad("", "empty");
	bad("Busybox", "lowercase");
	bad("busybox:", "invalid tag");
	bad("busybox:-x", "invalid tag");
	bad("busybox@sha256:abc", NULL);
	bad("busybox@md5:0123", NULL);
	bad("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "64-byte hexadecimal");
	char longtag[200];
	memset(longtag, 'a', sizeof longtag);
	memcpy(longtag, "x:", 2);
	longtag[199] = 0;
	bad(longtag, "invalid tag");
	char longname[300];
	memset(longname, 'a', sizeof longname);
	longname[299] = 0;
	bad(longname, "more than 255");
	bad("bad host!/x", NULL);
	bad("host:port/x", NULL);
}

static void test_ref__id_prefixes(void **state)
{
	(void)state;
	assert_true(sv_ref_is_id_prefix("abc123"));
	assert_true(sv_ref_is_id_prefix("sha256:abc"));
	assert_false(sv_ref_is_id_prefix("busybox"));
	assert_false(sv_ref_is_id_prefix(""));
	assert_false(sv_ref_is_id_prefix("ABC"));
}

static void test_ref__familiarize_strings(void **state)
{
	(void)state;
	char *f = sv_ref_familiarize("docker.io/library/busybox:latest");
	assert_string_equal(f, "busybox:latest");
	free(f);
	f = sv_ref_familiarize("not a ref");
	assert_string_equal(f, "not a ref");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref__docker_hub_normalisation),
		cmocka_unit_test(test_ref__registries_and_ports),
		cmocka_unit_test(test_ref__digests),
		cmocka_unit_test(test_ref__component_grammar),
		cmocka_unit_test(test_ref__invalid),
		cmocka_unit_test(test_ref__id_prefixes),
		cmocka_unit_test(test_ref__familiarize_strings),
	};
	return cmocka_run_group_tests_name("image_ref", tests, NULL, NULL);
}
