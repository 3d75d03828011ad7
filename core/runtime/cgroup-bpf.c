/*
 * The device allow-list on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program
 * generated from the same rules the v1 devices controller gets (the
 * config's, then the defaults), attached to the container's v2 cgroup.
 *
 * The rules are tested last to first and the first match decides, which
 * is "the last matching rule wins" (v1's outcome for the usual "deny all,
 * then allow ..." lists); nothing matching is denied.
 *
 *   r2 = device type, r3 = requested access, r4 = major, r5 = minor
 *   per rule:  if type/major/minor differ or access asks for more → next
 *              r0 = allow; exit
 *   r0 = 0; exit
 */
#include "runtime/cgroup-internal.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static void push(struct bpf_insn **v, size_t *n, struct bpf_insn i)
{
	*v = sv_xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = i;
}

static unsigned access_bits(const char *a)
{
	return (strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) | (strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* One rule's block (at most 8 instructions); its "skip" jumps land just
 * after it. Returns true when the rule matches everything: what follows
 * would be unreachable, which the verifier refuses. */
static bool rule_block(const struct spec_dev_rule *r, struct bpf_insn **v, size_t *n)
{
	struct bpf_insn b[8];
	size_t k = 0, jumps[4], nj = 0;
	if (r->type != 'a') {
		jumps[nj++] = k;
		b[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	}
	unsigned acc = access_bits(r->access);
	if (acc != 7) {
		/* An allow rule covers a request within its access; a deny rule
		 * any request that touches its access. */
		b[k++] = insn(BPF_ALU | BPF_MOV | BPF_X, 1, 3, 0, 0);
		b[k++] = insn(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, (int32_t)(r->allow ? ~acc & 7 : acc));
		jumps[nj++] = k;
		b[k++] = insn(BPF_JMP | (r->allow ? BPF_JNE : BPF_JEQ) | BPF_K, 1, 0, 0, 0);
	}
	if (r->major >= 0) {
		jumps[nj++] = k;
		b[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int32_t)r->major);
	}
	if (r->minor >= 0) {
		jumps[nj++] = k;
		b[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)r->minor);
	}
	b[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
	b[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < nj; i++)
		b[jumps[i]].off = (int16_t)(k - jumps[i] - 1);
	for (size_t i = 0; i < k; i++)
		push(v, n, b[i]);
	return nj == 0;
}

size_t cgroup_bpf_devices(const struct spec_dev_rule *rules, size_t n_rules, struct bpf_insn **out)
{
	struct bpf_insn *v = NULL;
	size_t n = 0;
	const int ctx = 1;
	push(&v, &n, insn(BPF_LDX | BPF_MEM | BPF_W, 2, ctx, 0, 0));
	push(&v, &n, insn(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff));
	push(&v, &n, insn(BPF_LDX | BPF_MEM | BPF_W, 3, ctx, 0, 0));
	push(&v, &n, insn(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16));
	push(&v, &n, insn(BPF_LDX | BPF_MEM | BPF_W, 4, ctx, 4, 0));
	push(&v, &n, insn(BPF_LDX | BPF_MEM | BPF_W, 5, ctx, 8, 0));
	for (size_t i = n_rules; i-- > 0;)
		if (rule_block(&rules[i], &v, &n))
			goto out;
	push(&v, &n, insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
	push(&v, &n, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
out:
	*out = v;
	return n;
}

/* The config's rules followed by the built-in allow-list. */
static size_t all_rules(const struct spec_resources *r, struct spec_dev_rule **out)
{
	size_t n = r->n_dev_rules + cgroup_n_default_dev_rules;
	*out = sv_xcalloc(n, sizeof **out);
	if (r->n_dev_rules)
		memcpy(*out, r->dev_rules, r->n_dev_rules * sizeof **out);
	memcpy(*out + r->n_dev_rules, cgroup_default_dev_rules, cgroup_n_default_dev_rules * sizeof **out);
	return n;
}

/* Loads the program; the verifier's log is asked for only after a failure,
 * to say why (the last line of it). */
static int load_prog(const struct bpf_insn *prog, size_t n, const char *dir, sv_err **err)
{
	union bpf_attr load = { 0 };
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)prog;
	load.insn_cnt = (uint32_t)n;
	load.license = (uint64_t)(uintptr_t)"Apache";
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
	if (fd >= 0)
		return fd;
	int e = errno;
	SV_AUTOFREE char *log = sv_xcalloc(1, 65536);
	load.log_buf = (uint64_t)(uintptr_t)log;
	load.log_size = 65536;
	load.log_level = 1;
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
	if (fd >= 0)
		return fd;
	size_t len = strlen(log);
	while (len && log[len - 1] == '\n')
		log[--len] = '\0';
	const char *last = strrchr(log, '\n') ? strrchr(log, '\n') + 1 : log;
	if (!*last)
		return sv_err_set(err, e, "load the device filter for %s", dir);
	return sv_err_set(err, e, "load the device filter for %s (%s)", dir, last);
}

int cgroup_bpf_attach(const char *dir, int dirfd, const struct spec_resources *r, sv_err **err)
{
	SV_AUTOFREE struct spec_dev_rule *rules = NULL;
	size_t nr = all_rules(r, &rules);
	SV_AUTOFREE struct bpf_insn *prog = NULL;
	size_t n = cgroup_bpf_devices(rules, nr, &prog);
	SV_AUTOCLOSE int pfd = load_prog(prog, n, dir, err);
	if (pfd < 0)
		return -1;
	union bpf_attr at = { 0 };
	at.target_fd = (uint32_t)dirfd;
	at.attach_bpf_fd = (uint32_t)pfd;
	at.attach_type = BPF_CGROUP_DEVICE;
	at.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &at, sizeof at) < 0)
		return sv_err_set(err, errno, "attach the device filter to %s", dir);
	return 0;
}
