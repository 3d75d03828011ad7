/*
 * Docker seccomp profiles → OCI (seccomp-docker.c) and OCI → BPF
 * (seccomp.c): the built-in default profile's rules resolve by
 * capabilities, arches and kernel as moby's do, and the result compiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime-internal.h"

static cJSON *translate(const char *profile, char *const *caps)
{
	sv_err *err = NULL;
	char *text = sv_runtime_seccomp_from_docker(profile, caps, &err);
	if (!text)
		fail_msg("translate: %s", err->msg);
	cJSON *j = cJSON_Parse(text);
	free(text);
	assert_non_null(j);
	return j;
}

/* The action of the first rule naming `name`, or NULL (the default). */
static const cJSON *rule_for(const cJSON *oci, const char *name)
{
	const cJSON *r, *n;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(oci, "syscalls"))
		cJSON_ArrayForEach(n, cJSON_GetObjectItem(r, "names"))
			if (strcmp(n->valuestring, name) == 0)
				return r;
	return NULL;
}

static bool allowed(const cJSON *oci, const char *name)
{
	const cJSON *r = rule_for(oci, name);
	return r && strcmp(sv_json_str(r, "action"), "SCMP_ACT_ALLOW") == 0;
}

static char **default_caps(void)
{
	return sv_strv_dup((char *const *)(uintptr_t)sv_runtime_default_caps());
}

static void test_seccomp__default_profile_blocks(void **state)
{
	(void)state;
	char **caps = default_caps();
	cJSON *j = translate(NULL, caps);
	assert_string_equal(sv_json_str(j, "defaultAction"), "SCMP_ACT_ERRNO");
	/* attacks.md item 11: these fall to the default (EPERM). */
	const char *blocked[] = { "keyctl", "add_key", "request_key", "userfaultfd", "kexec_load", "bpf",
				  "perf_event_open", "unshare", "mount", "setns", "io_uring_setup", NULL };
	for (size_t i = 0; blocked[i]; i++)
		if (allowed(j, blocked[i]))
			fail_msg("%s is allowed by the default profile", blocked[i]);
	assert_true(allowed(j, "read"));
	assert_true(allowed(j, "execve"));
	/* clone3 answers ENOSYS without CAP_SYS_ADMIN, so libcs fall back. */
	const cJSON *c3 = rule_for(j, "clone3");
	assert_non_null(c3);
	assert_string_equal(sv_json_str(c3, "action"), "SCMP_ACT_ERRNO");
	assert_int_equal(sv_json_i64(c3, "errnoRet", 0), ENOSYS);
	/* clone is allowed only without namespace flags: it has args. */
	const cJSON *cl = rule_for(j, "clone");
	assert_non_null(cJSON_GetObjectItem(cl, "args"));
	cJSON_Delete(j);
	sv_strv_free(caps);
}

static void test_seccomp__architectures_cover_x86_abis(void **state)
{
	(void)state;
	char **caps = default_caps();
	cJSON *j = translate(NULL, caps);
	const cJSON *a = cJSON_GetObjectItem(j, "architectures");
#if defined(__x86_64__)
	assert_int_equal(cJSON_GetArraySize(a), 3);
	assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "SCMP_ARCH_X86_64");
	assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "SCMP_ARCH_X86");
	assert_string_equal(cJSON_GetArrayItem(a, 2)->valuestring, "SCMP_ARCH_X32");
#else
	assert_true(cJSON_GetArraySize(a) >= 1);
#endif
	cJSON_Delete(j);
	sv_strv_free(caps);
}

static void test_seccomp__caps_include_rules(void **state)
{
	(void)state;
	char **caps = default_caps();
	sv_strv_push(&caps, "CAP_SYS_ADMIN");
	cJSON *j = translate(NULL, caps);
	/* With CAP_SYS_ADMIN moby allows mount, unshare, setns and clone3. */
	assert_true(allowed(j, "mount"));
	assert_true(allowed(j, "unshare"));
	assert_true(allowed(j, "setns"));
	assert_true(allowed(j, "clone3"));
	cJSON_Delete(j);
	sv_strv_free(caps);
}

static void test_seccomp__custom_profile_filters(void **state)
{
	(void)state;
	const char *p = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
			"\"syscalls\":["
			"{\"name\":\"chmod\",\"action\":\"SCMP_ACT_ERRNO\"},"
			"{\"names\":[\"old\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"minKernel\":\"99.0\"}},"
			"{\"names\":[\"new\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"minKernel\":\"3.0\"}},"
			"{\"names\":[\"foreign\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"arches\":[\"mips64\"]}},"
			"{\"names\":[\"capped\"],\"action\":\"SCMP_ACT_ERRNO\",\"excludes\":{\"caps\":[\"CAP_CHOWN\"]}}]}";
	char *caps[] = { (char *)(uintptr_t)"CAP_CHOWN", NULL };
	cJSON *j = translate(p, caps);
	assert_non_null(rule_for(j, "chmod"));
	assert_null(rule_for(j, "old"));
	assert_non_null(rule_for(j, "new"));
	assert_null(rule_for(j, "foreign"));
	assert_null(rule_for(j, "capped"));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "architectures"), 0)->valuestring,
			    "SCMP_ARCH_X86_64");
	cJSON_Delete(j);
}

static void test_seccomp__bad_profiles_refused(void **state)
{
	(void)state;
	const char *bad[] = {
		"not json",
		"[]",
		"{\"syscalls\":[]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"]}]}",
		NULL,
	};
	for (size_t i = 0; bad[i]; i++) {
		sv_err *err = NULL;
		char *out = sv_runtime_seccomp_from_docker(bad[i], NULL, &err);
		if (out)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(err);
		sv_err_free(err);
	}
}

static void test_seccomp__default_compiles_to_bpf(void **state)
{
	(void)state;
	char **caps = default_caps();
	cJSON *j = translate(NULL, caps);
	struct sv_buf bpf;
	sv_buf_init(&bpf);
	uint32_t flags = 1234;
	sv_err *err = NULL;
	if (seccomp_compile(j, &bpf, &flags, &err) < 0)
		fail_msg("compile: %s", err->msg);
	assert_true(bpf.len > 8 * 100);
	assert_int_equal(bpf.len % 8, 0);
	assert_int_equal(flags, 0);
	sv_buf_release(&bpf);
	cJSON_Delete(j);
	sv_strv_free(caps);
}

static void test_seccomp__oci_refusals(void **state)
{
	(void)state;
	const char *bad[] = {
		"{\"defaultAction\":\"SCMP_ACT_BOGUS\"}",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_NOPE\"]}",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_BOGUS\"]}",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
		"\"args\":[{\"index\":7,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		NULL,
	};
	for (size_t i = 0; bad[i]; i++) {
		cJSON *j = cJSON_Parse(bad[i]);
		struct sv_buf bpf;
		sv_buf_init(&bpf);
		uint32_t flags;
		sv_err *err = NULL;
		if (seccomp_compile(j, &bpf, &flags, &err) == 0)
			fail_msg("compiled: %s", bad[i]);
		assert_int_equal(err->code, EINVAL);
		sv_err_free(err);
		sv_buf_release(&bpf);
		cJSON_Delete(j);
	}
}

static void test_seccomp__unknown_syscalls_skipped(void **state)
{
	(void)state;
	cJSON *j = cJSON_Parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"no_such_call_xyz\"],"
			       "\"action\":\"SCMP_ACT_ALLOW\"}],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]}");
	struct sv_buf bpf;
	sv_buf_init(&bpf);
	uint32_t flags = 0;
	sv_err *err = NULL;
	assert_int_equal(seccomp_compile(j, &bpf, &flags, &err), 0);
	assert_int_not_equal(flags, 0);
	sv_buf_release(&bpf);
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seccomp__default_profile_blocks),
		cmocka_unit_test(test_seccomp__architectures_cover_x86_abis),
		cmocka_unit_test(test_seccomp__caps_include_rules),
		cmocka_unit_test(test_seccomp__custom_profile_filters),
		cmocka_unit_test(test_seccomp__bad_profiles_refused),
		cmocka_unit_test(test_seccomp__default_compiles_to_bpf),
		cmocka_unit_test(test_seccomp__oci_refusals),
		cmocka_unit_test(test_seccomp__unknown_syscalls_skipped),
	};
	return cmocka_run_group_tests_name("runtime_seccomp", tests, NULL, NULL);
}
