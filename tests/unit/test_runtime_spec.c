/*
 * config.json parsing (core/runtime/spec.c) and capability names (caps.c):
 * what is accepted, what it becomes, and that bad values are refused with
 * the field's name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "runtime/runtime-internal.h"

#define PROC "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"

/* Parses `json`; returns the error code (0 on success). */
static int parse(const char *json, struct spec *s, char **msg)
{
	sv_err *err = NULL;
	int rc = spec_parse(json, strlen(json), "/bundle", s, &err);
	int code = rc < 0 ? err->code : 0;
	if (msg)
		*msg = err ? strdup(err->msg) : NULL;
	sv_err_free(err);
	return code;
}

static void expect_refused(const char *json, const char *word)
{
	struct spec s;
	char *msg = NULL;
	assert_int_equal(parse(json, &s, &msg), EINVAL);
	assert_non_null(msg);
	if (!strstr(msg, word))
		fail_msg("message \"%s\" lacks \"%s\"", msg, word);
	free(msg);
	spec_release(&s);
}

static void test_spec__minimal(void **state)
{
	(void)state;
	struct spec s;
	assert_int_equal(parse("{\"root\":{\"path\":\"rootfs\"}," PROC "}", &s, NULL), 0);
	assert_string_equal(s.root, "/bundle/rootfs");
	assert_false(s.root_ro);
	assert_true(s.has_process);
	assert_string_equal(s.proc.args[0], "sh");
	assert_string_equal(s.proc.cwd, "/");
	assert_int_equal(s.proc.uid, 0);
	assert_int_equal(sv_strv_len(s.annotations), 0);
	spec_release(&s);
}

static void test_spec__absolute_root_and_readonly(void **state)
{
	(void)state;
	struct spec s;
	assert_int_equal(parse("{\"root\":{\"path\":\"/srv/r\",\"readonly\":true}," PROC "}", &s, NULL), 0);
	assert_string_equal(s.root, "/srv/r");
	assert_true(s.root_ro);
	spec_release(&s);
}

static void test_spec__mount_options(void **state)
{
	(void)state;
	struct spec s;
	const char *j = "{\"root\":{\"path\":\"r\"}," PROC ",\"mounts\":["
			"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
			"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
			"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\",\"rprivate\"]},"
			"{\"destination\":\"/x\",\"type\":\"none\",\"source\":\"/y\",\"options\":[\"bind\",\"rw\",\"nodev\"]}]}";
	assert_int_equal(parse(j, &s, NULL), 0);
	assert_int_equal(s.n_mounts, 3);
	assert_false(s.mounts[0].bind);
	assert_int_equal(s.mounts[0].flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(s.mounts[0].data, "mode=755,size=65536k");
	assert_true(s.mounts[1].bind);
	assert_int_equal(s.mounts[1].flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_int_equal(s.mounts[1].prop, MS_PRIVATE | MS_REC);
	assert_null(s.mounts[1].data);
	assert_true(s.mounts[2].bind);
	assert_int_equal(s.mounts[2].flags, MS_BIND | MS_NODEV);
	spec_release(&s);
}

static void test_spec__mount_refusals(void **state)
{
	(void)state;
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"mounts\":[{\"destination\":\"rel\",\"type\":\"tmpfs\"}]}",
		       "not absolute");
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\"}]}",
		       "without a source");
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"mounts\":[{\"destination\":\"/a\",\"source\":\"/b\","
		       "\"type\":\"bind\",\"options\":[\"idmap\"]}]}",
		       "idmap");
}

static void test_spec__process_user_and_groups(void **state)
{
	(void)state;
	struct spec s;
	const char *j = "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"id\"],\"cwd\":\"/w\","
			"\"user\":{\"uid\":1,\"gid\":2,\"umask\":18,\"additionalGids\":[10,100]},"
			"\"env\":[\"A=1\"],\"noNewPrivileges\":true,\"oomScoreAdj\":100}}";
	assert_int_equal(parse(j, &s, NULL), 0);
	assert_int_equal(s.proc.uid, 1);
	assert_int_equal(s.proc.gid, 2);
	assert_true(s.proc.umask.set);
	assert_int_equal(s.proc.umask.v, 022);
	assert_int_equal(s.proc.n_groups, 2);
	assert_int_equal(s.proc.groups[1], 100);
	assert_true(s.proc.no_new_privs);
	assert_int_equal(s.proc.oom_score.v, 100);
	spec_release(&s);
}

static void test_spec__uid_out_of_range_refused(void **state)
{
	(void)state;
	/* 2^32 must never wrap to 0 (attacks.md item 8), nor -1. */
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"id\"],\"user\":{\"uid\":4294967296,\"gid\":0}}}",
		       "uid");
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"id\"],\"user\":{\"uid\":4294967295,\"gid\":0}}}",
		       "uid");
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"id\"],\"user\":{\"uid\":-1,\"gid\":0}}}",
		       "uid");
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"id\"],\"user\":{\"uid\":0,"
		       "\"additionalGids\":[4294967296]}}}",
		       "additionalGids");
}

static void test_spec__process_refusals(void **state)
{
	(void)state;
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[]}}", "no command");
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"rel\"}}", "not absolute");
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"env\":[\"NOEQUALS\"]}}", "KEY=VALUE");
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"terminal\":\"yes\"}}", "terminal");
	expect_refused("{\"process\":{\"args\":[\"a\"]}}", "root.path");
}

static void test_spec__rlimits(void **state)
{
	(void)state;
	struct spec s;
	const char *j = "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"rlimits\":["
			"{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":4096}]}}";
	assert_int_equal(parse(j, &s, NULL), 0);
	assert_int_equal(s.proc.n_rlimits, 1);
	assert_int_equal(s.proc.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s.proc.rlimits[0].soft, 1024);
	assert_int_equal(s.proc.rlimits[0].hard, 4096);
	spec_release(&s);
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"rlimits\":["
		       "{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":5}]}}",
		       "above hard");
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\"}]}}",
		       "RLIMIT_BOGUS");
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"rlimits\":["
		       "{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0},{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}]}}",
		       "twice");
}

static void test_spec__capabilities(void **state)
{
	(void)state;
	struct spec s;
	struct sv_buf j;
	sv_buf_init(&j);
	sv_buf_adds(&j, "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"capabilities\":{\"bounding\":[");
	const char *const *caps = sv_runtime_default_caps();
	for (size_t i = 0; caps[i]; i++)
		sv_buf_addf(&j, "%s\"%s\"", i ? "," : "", caps[i]);
	sv_buf_adds(&j, "],\"ambient\":[\"CAP_KILL\"]}}}");
	assert_int_equal(parse(j.data, &s, NULL), 0);
	/* Docker's default set is 0xa80425fb (attacks.md item 9). */
	assert_int_equal(s.proc.caps[CAPS_BOUNDING], 0xa80425fbULL);
	assert_int_equal(s.proc.caps[CAPS_EFFECTIVE], 0);
	assert_int_equal(s.proc.caps[CAPS_AMBIENT], 1ULL << 5);
	spec_release(&s);
	sv_buf_release(&j);
	expect_refused("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"capabilities\":{\"effective\":[\"CAP_BOGUS\"]}}}",
		       "CAP_BOGUS");
	assert_int_equal(caps_by_name("sys_admin"), 21);
	assert_int_equal(caps_by_name("CAP_CHOWN"), 0);
	assert_int_equal(caps_by_name("12"), -1);
}

static void test_spec__namespaces(void **state)
{
	(void)state;
	struct spec s;
	const char *j = "{\"root\":{\"path\":\"r\"}," PROC ",\"linux\":{\"namespaces\":["
			"{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"},{\"type\":\"mount\"}]}}";
	assert_int_equal(parse(j, &s, NULL), 0);
	assert_int_equal(s.n_ns, 3);
	assert_null(spec_ns_find(&s, CLONE_NEWPID)->path);
	assert_string_equal(spec_ns_find(&s, CLONE_NEWNET)->path, "/run/netns/x");
	assert_null(spec_ns_find(&s, CLONE_NEWUTS));
	spec_release(&s);
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}",
		       "twice");
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}", "bogus");
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}", "user");
}

static void test_spec__resources(void **state)
{
	(void)state;
	struct spec s;
	const char *j = "{\"root\":{\"path\":\"r\"}," PROC ",\"linux\":{\"cgroupsPath\":\"a/b\",\"resources\":{"
			"\"memory\":{\"limit\":33554432,\"swap\":33554432},\"cpu\":{\"shares\":512,\"quota\":50000,"
			"\"period\":100000,\"cpus\":\"0\"},\"pids\":{\"limit\":20},\"blockIO\":{\"weight\":300},"
			"\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
			"\"minor\":3,\"access\":\"rw\"}],\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}]}}}";
	assert_int_equal(parse(j, &s, NULL), 0);
	assert_string_equal(s.cgroups_path, "a/b");
	assert_int_equal(s.res.mem_limit.v, 33554432);
	assert_int_equal(s.res.cpu_shares.v, 512);
	assert_string_equal(s.res.cpus, "0");
	assert_int_equal(s.res.pids_limit.v, 20);
	assert_int_equal(s.res.blkio_weight.v, 300);
	assert_int_equal(s.res.n_dev_rules, 2);
	assert_false(s.res.dev_rules[0].allow);
	assert_int_equal(s.res.dev_rules[0].type, 'a');
	assert_int_equal(s.res.dev_rules[0].major, -1);
	assert_int_equal(s.res.dev_rules[1].minor, 3);
	assert_string_equal(s.res.dev_rules[1].access, "rw");
	assert_string_equal(s.res.hugetlb[0].page_size, "2MB");
	spec_release(&s);
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwx\"}]}}}",
		       "access");
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"linux\":{\"resources\":{\"blockIO\":{\"weight\":5000}}}}",
		       "weight");
}

static void test_spec__sysctl_annotations_hooks(void **state)
{
	(void)state;
	struct spec s;
	const char *j = "{\"root\":{\"path\":\"r\"}," PROC ",\"annotations\":{\"k\":\"v\"},"
			"\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"rootfsPropagation\":\"rslave\","
			"\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"]},"
			"\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"args\":[\"true\"],\"timeout\":5}]}}";
	assert_int_equal(parse(j, &s, NULL), 0);
	assert_string_equal(s.annotations[0], "k=v");
	assert_string_equal(s.sysctls[0], "net.ipv4.ip_forward=1");
	assert_int_equal(s.rootfs_prop, MS_SLAVE | MS_REC);
	assert_string_equal(s.masked[0], "/proc/kcore");
	assert_int_equal(s.n_hooks[HOOK_POSTSTOP], 1);
	assert_int_equal(s.hooks[HOOK_POSTSTOP][0].timeout, 5);
	spec_release(&s);
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"linux\":{\"rootfsPropagation\":\"sideways\"}}", "sideways");
	expect_refused("{\"root\":{\"path\":\"r\"}," PROC ",\"hooks\":{\"prestart\":[{\"path\":\"rel\"}]}}", "absolute");
}

static void test_spec__malformed_json(void **state)
{
	(void)state;
	struct spec s;
	assert_int_equal(parse("{\"root\":", &s, NULL), EBADMSG);
	spec_release(&s);
	assert_int_equal(parse("[1,2]", &s, NULL), EINVAL);
	spec_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec__minimal),
		cmocka_unit_test(test_spec__absolute_root_and_readonly),
		cmocka_unit_test(test_spec__mount_options),
		cmocka_unit_test(test_spec__mount_refusals),
		cmocka_unit_test(test_spec__process_user_and_groups),
		cmocka_unit_test(test_spec__uid_out_of_range_refused),
		cmocka_unit_test(test_spec__process_refusals),
		cmocka_unit_test(test_spec__rlimits),
		cmocka_unit_test(test_spec__capabilities),
		cmocka_unit_test(test_spec__namespaces),
		cmocka_unit_test(test_spec__resources),
		cmocka_unit_test(test_spec__sysctl_annotations_hooks),
		cmocka_unit_test(test_spec__malformed_json),
	};
	return cmocka_run_group_tests_name("runtime_spec", tests, NULL, NULL);
}
