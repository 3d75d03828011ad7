/*
 * cgroup value mapping (cgroup.c) and the plan's wire format (plan.c):
 * pure functions, no cgroup filesystem touched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "runtime/cgroup-internal.h"
#include "runtime/plan.h"

static void test_cgroup__shares_to_weight(void **state)
{
	(void)state;
	assert_int_equal(cgroup_shares_to_weight(0), 0);
	assert_int_equal(cgroup_shares_to_weight(2), 1);
	assert_int_equal(cgroup_shares_to_weight(1), 1);
	assert_int_equal(cgroup_shares_to_weight(1024), 39);
	assert_int_equal(cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(cgroup_shares_to_weight(1000000), 10000);
}

static void test_cgroup__blkio_to_io_weight(void **state)
{
	(void)state;
	assert_int_equal(cgroup_blkio_to_io_weight(0), 0);
	assert_int_equal(cgroup_blkio_to_io_weight(10), 1);
	assert_int_equal(cgroup_blkio_to_io_weight(500), 4950);
	assert_int_equal(cgroup_blkio_to_io_weight(1000), 10000);
}

static void test_cgroup__v2_swap(void **state)
{
	(void)state;
	int64_t out = 0;
	sv_err *err = NULL;
	assert_int_equal(cgroup_v2_swap(100, 300, &out, &err), 0);
	assert_int_equal(out, 200);
	assert_int_equal(cgroup_v2_swap(100, -1, &out, &err), 0);
	assert_int_equal(out, -1);
	assert_int_equal(cgroup_v2_swap(100, 100, &out, &err), 0);
	assert_int_equal(out, 0);
	assert_int_equal(cgroup_v2_swap(300, 100, &out, &err), -1);
	assert_int_equal(err->code, EINVAL);
	sv_err_free(err);
}

static void test_cgroup__device_rules(void **state)
{
	(void)state;
	char buf[64];
	struct spec_dev_rule all = { false, 'a', -1, -1, "rwm" };
	cgroup_dev_rule_str(&all, buf, sizeof buf);
	assert_string_equal(buf, "a *:* rwm");
	struct spec_dev_rule null = { true, 'c', 1, 3, "rw" };
	cgroup_dev_rule_str(&null, buf, sizeof buf);
	assert_string_equal(buf, "c 1:3 rw");
	struct spec_dev_rule pts = { true, 'c', 136, -1, "rwm" };
	cgroup_dev_rule_str(&pts, buf, sizeof buf);
	assert_string_equal(buf, "c 136:* rwm");
	/* The built-in allow-list never opens block devices. */
	for (size_t i = 0; i < cgroup_n_default_dev_rules; i++)
		if (cgroup_default_dev_rules[i].type == 'b')
			assert_string_equal(cgroup_default_dev_rules[i].access, "m");
}

static void test_cgroup__has(void **state)
{
	(void)state;
	assert_true(cgroup_has("cpu,cpuacct", "cpu"));
	assert_true(cgroup_has("cpu,cpuacct", "cpuacct"));
	assert_false(cgroup_has("cpuacct", "cpu"));
	assert_false(cgroup_has("", "cpu"));
	assert_true(cgroup_has("name=systemd", "name=systemd"));
}

static void test_plan__roundtrip(void **state)
{
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b);
	plan_put_u32(&b, PT_MODE, PLAN_MODE_RUN);
	plan_put_u32(&b, PT_FLAGS, PLAN_F_ROOT_RO);
	plan_put_u32(&b, PT_FLAGS, PLAN_F_TERMINAL);
	plan_put_str(&b, PT_ROOTFS, "/r");
	plan_put_str(&b, PT_ARG, "sh");
	plan_put_str(&b, PT_ARG, "-c");
	plan_put(&b, PT_MOUNT, NULL, 0);
	plan_put_str(&b, PT_MOUNT_DST, "/proc");
	plan_put_u64(&b, PT_MOUNT_FLAGS, 6);
	plan_put(&b, PT_DEVICE, NULL, 0);
	plan_put_u32(&b, PT_DEVICE_TYPE, 'c');
	plan_put_u32(&b, PT_GROUP, 10);
	char rl[20] = { 7 };
	plan_put(&b, PT_RLIMIT, rl, sizeof rl);
	struct plan p;
	const char *why = NULL;
	assert_int_equal(plan_decode(b.data, b.len, &p, &why), 0);
	assert_int_equal(p.mode, PLAN_MODE_RUN);
	assert_int_equal(p.flags, PLAN_F_ROOT_RO | PLAN_F_TERMINAL);
	assert_string_equal(p.rootfs, "/r");
	assert_int_equal(p.n_args, 2);
	assert_null(p.args[2]);
	assert_int_equal(p.n_mounts, 1);
	assert_string_equal(p.mounts[0].dst, "/proc");
	assert_int_equal(p.mounts[0].flags, 6);
	assert_int_equal(p.devices[0].type, 'c');
	assert_int_equal(p.groups[0], 10);
	assert_int_equal(p.rlimits[0].resource, 7);
	assert_null(p.env[0]);
	plan_release(&p);
	sv_buf_release(&b);
}

static void test_plan__malformed_refused(void **state)
{
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b);
	plan_put_u32(&b, PT_MODE, PLAN_MODE_RUN);
	plan_put_str(&b, PT_ROOTFS, "/r");
	plan_put_str(&b, PT_ARG, "sh");
	struct plan p;
	const char *why = NULL;
	/* Every truncation is refused. */
	for (size_t len = 1; len < b.len; len++) {
		if (plan_decode(b.data, len, &p, &why) == 0)
			fail_msg("accepted a plan cut at %zu of %zu", len, b.len);
		plan_release(&p);
	}
	/* A string without its NUL, a mount field before any mount, a bad
	 * device type, an unknown tag. */
	const struct {
		uint16_t tag;
		const char *data;
		uint32_t len;
	} bad[] = { { PT_ARG, "abc", 3 }, { PT_MOUNT_DST, "/x", 3 }, { PT_DEVICE_TYPE, "zzzz", 4 }, { 999, "", 0 } };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct sv_buf c;
		sv_buf_init(&c);
		sv_buf_add(&c, b.data, b.len);
		if (bad[i].tag == PT_DEVICE_TYPE)
			plan_put(&c, PT_DEVICE, NULL, 0);
		plan_put(&c, bad[i].tag, bad[i].data, bad[i].len);
		assert_int_equal(plan_decode(c.data, c.len, &p, &why), -1);
		assert_non_null(why);
		plan_release(&p);
		sv_buf_release(&c);
	}
	sv_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup__shares_to_weight),
		cmocka_unit_test(test_cgroup__blkio_to_io_weight),
		cmocka_unit_test(test_cgroup__v2_swap),
		cmocka_unit_test(test_cgroup__device_rules),
		cmocka_unit_test(test_cgroup__has),
		cmocka_unit_test(test_plan__roundtrip),
		cmocka_unit_test(test_plan__malformed_refused),
	};
	return cmocka_run_group_tests_name("runtime_cgroup", tests, NULL, NULL);
}
