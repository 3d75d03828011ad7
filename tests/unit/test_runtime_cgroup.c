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
#include <linux/bpf.h>
#include <stdlib.h>
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

/* Runs a device program on one request: the subset of eBPF the generator
 * emits, interpreted. Returns r0, or -1 for anything unexpected. */
static int run_bpf(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access, uint32_t major, uint32_t minor)
{
	uint32_t ctx[3] = { (access << 16) | type, major, minor };
	uint64_t r[11] = { 0 };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W: r[i->dst_reg] = ctx[i->off / 4]; break;
		case BPF_ALU | BPF_AND | BPF_K: r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & (uint32_t)i->imm); break;
		case BPF_ALU | BPF_RSH | BPF_K: r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm; break;
		case BPF_ALU | BPF_MOV | BPF_X: r[i->dst_reg] = (uint32_t)r[i->src_reg]; break;
		case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = (uint64_t)(int64_t)i->imm; break;
		case BPF_JMP | BPF_JNE | BPF_K: if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm) pc += (size_t)i->off; break;
		case BPF_JMP | BPF_JEQ | BPF_K: if (r[i->dst_reg] == (uint64_t)(int64_t)i->imm) pc += (size_t)i->off; break;
		case BPF_JMP | BPF_EXIT: return (int)r[0];
		default: return -1;
		}
	}
	return -1; /* fell off the end */
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

static void test_cgroup__bpf_device_filter(void **state)
{
	(void)state;
	/* Docker's shape: deny everything, then the default allow-list, and
	 * a partial deny at the end that wins over an earlier allow. */
	struct spec_dev_rule rules[32] = { { false, 'a', -1, -1, "rwm" } };
	size_t n = 1;
	for (size_t i = 0; i < cgroup_n_default_dev_rules; i++)
		rules[n++] = cgroup_default_dev_rules[i];
	rules[n++] = (struct spec_dev_rule){ true, 'c', 10, 200, "rw" };
	rules[n++] = (struct spec_dev_rule){ false, 'c', 10, 200, "w" };
	struct bpf_insn *p = NULL;
	size_t len = cgroup_bpf_devices(rules, n, &p);
	assert_true(len > 10 && len < 4096);
	assert_int_equal(run_bpf(p, len, C, R | W, 1, 3), 1);	/* /dev/null */
	assert_int_equal(run_bpf(p, len, C, R, 136, 7), 1);	/* a pty slave */
	assert_int_equal(run_bpf(p, len, B, R, 8, 0), 0);	/* a disk */
	assert_int_equal(run_bpf(p, len, B, M, 8, 0), 1);	/* mknod of a disk: allowed */
	assert_int_equal(run_bpf(p, len, C, R, 1, 11), 0);	/* /dev/kmsg */
	assert_int_equal(run_bpf(p, len, C, M, 1, 11), 1);
	assert_int_equal(run_bpf(p, len, C, R, 10, 200), 1);	/* tun read: allowed */
	assert_int_equal(run_bpf(p, len, C, R | W, 10, 200), 0); /* write: the later deny wins */
	free(p);
	/* A last "allow all" ends the program: nothing after it. */
	struct spec_dev_rule all[] = { { false, 'a', -1, -1, "rwm" }, { true, 'a', -1, -1, "rwm" } };
	len = cgroup_bpf_devices(all, 2, &p);
	assert_int_equal(run_bpf(p, len, B, R | W, 8, 0), 1);
	assert_int_equal(p[len - 1].code, BPF_JMP | BPF_EXIT);
	assert_int_equal(p[len - 2].imm, 1);
	free(p);
	/* No rule at all: everything denied. */
	len = cgroup_bpf_devices(NULL, 0, &p);
	assert_int_equal(run_bpf(p, len, C, R, 1, 3), 0);
	free(p);
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
		cmocka_unit_test(test_cgroup__bpf_device_filter),
		cmocka_unit_test(test_plan__roundtrip),
		cmocka_unit_test(test_plan__malformed_refused),
	};
	return cmocka_run_group_tests_name("runtime_cgroup", tests, NULL, NULL);
}
