/*
 * OCI linux.seccomp → classic BPF, compiled by libseccomp in the library
 * and loaded by servin-init with seccomp(2) just before execve. Compiling
 * outside the container keeps libseccomp out of the helper and lets a
 * caller cache the result.
 *
 * Semantics follow runc: unknown syscall names are skipped (profiles list
 * syscalls newer than libseccomp), several conditions on one argument are
 * alternatives (one rule each), conditions on distinct arguments all apply.
 */
#include "runtime/runtime-internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_action(const char *name, int64_t errno_ret, uint32_t *out, sv_err **err)
{
	static const struct {
		const char *name;
		uint32_t act;
	} t[] = {
		{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
		{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
		{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
		{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
		{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
		{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	};
	if (!name)
		return sv_err_setx(err, EINVAL, "no action");
	if (strcmp(name, "SCMP_ACT_ERRNO") == 0) {
		*out = SCMP_ACT_ERRNO((uint32_t)(errno_ret >= 0 ? errno_ret : EPERM));
		return 0;
	}
	if (strcmp(name, "SCMP_ACT_TRACE") == 0) {
		*out = SCMP_ACT_TRACE((uint32_t)(errno_ret >= 0 ? errno_ret : EPERM));
		return 0;
	}
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp(name, t[i].name) == 0) {
			*out = t[i].act;
			return 0;
		}
	return sv_err_setx(err, EINVAL, "unsupported action %s", name);
}

static int parse_op(const char *name, enum scmp_compare *out)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} t[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	for (size_t i = 0; name && i < sizeof t / sizeof *t; i++)
		if (strcmp(name, t[i].name) == 0) {
			*out = t[i].op;
			return 0;
		}
	return -1;
}

static int add_arches(scmp_filter_ctx ctx, const cJSON *arr, sv_err **err)
{
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		const char *name = cJSON_IsString(j) ? j->valuestring : "";
		if (sv_str_has_prefix(name, "SCMP_ARCH_"))
			name += 10;
		char low[32];
		size_t n = strlen(name);
		if (n == 0 || n >= sizeof low)
			return sv_err_setx(err, EINVAL, "bad architecture");
		for (size_t i = 0; i <= n; i++)
			low[i] = (char)tolower((unsigned char)name[i]);
		uint32_t arch = seccomp_arch_resolve_name(low);
		if (!arch)
			return sv_err_setx(err, EINVAL, "unknown architecture %s", j->valuestring);
		int rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST)
			return sv_err_set(err, -rc, "add architecture %s", low);
	}
	return 0;
}

static int parse_args(const cJSON *arr, struct scmp_arg_cmp *cmp, size_t *n, bool *same_index,
		      sv_err **err)
{
	const cJSON *j;
	unsigned seen = 0;
	*n = 0;
	*same_index = false;
	cJSON_ArrayForEach(j, arr) {
		if (*n >= 6)
			return sv_err_setx(err, EINVAL, "more than 6 argument conditions");
		int64_t idx = sv_json_i64(j, "index", -1);
		enum scmp_compare op;
		if (idx < 0 || idx > 5 || parse_op(sv_json_str(j, "op"), &op) < 0)
			return sv_err_setx(err, EINVAL, "bad argument condition");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
		const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(j, "valueTwo");
		cmp[*n] = (struct scmp_arg_cmp){
			.arg = (unsigned)idx, .op = op,
			.datum_a = cJSON_IsNumber(v) ? (scmp_datum_t)v->valuedouble : 0,
			.datum_b = cJSON_IsNumber(v2) ? (scmp_datum_t)v2->valuedouble : 0,
		};
		if (seen & (1u << idx))
			*same_index = true;
		seen |= 1u << idx;
		(*n)++;
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const cJSON *rule, uint32_t def_action, sv_err **err)
{
	uint32_t act;
	if (parse_action(sv_json_str(rule, "action"), sv_json_i64(rule, "errnoRet", -1), &act, err) < 0)
		return -1;
	if (act == def_action)
		return 0; /* libseccomp refuses rules equal to the default */
	struct scmp_arg_cmp cmp[6];
	size_t n = 0;
	bool same = false;
	const cJSON *args = sv_json_arr(rule, "args");
	if (args && parse_args(args, cmp, &n, &same, err) < 0)
		return -1;
	const cJSON *names = sv_json_arr(rule, "names");
	const cJSON *nm;
	cJSON_ArrayForEach(nm, names) {
		if (!cJSON_IsString(nm))
			return sv_err_setx(err, EINVAL, "syscall name is not a string");
		int nr = seccomp_syscall_resolve_name(nm->valuestring);
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to libseccomp: skipped, as runc does */
		int rc = 0;
		if (!same)
			rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, n ? cmp : NULL);
		for (size_t i = 0; same && rc == 0 && i < n; i++)
			rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[i]);
		if (rc < 0)
			return sv_err_set(err, -rc, "seccomp rule for %s", nm->valuestring);
	}
	return 0;
}

static int parse_flags(const cJSON *arr, uint32_t *flags, sv_err **err)
{
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		const char *f = cJSON_IsString(j) ? j->valuestring : "";
		if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
			*flags |= SECCOMP_FILTER_FLAG_LOG;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			*flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		else if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") != 0)
			return sv_err_setx(err, EINVAL, "unsupported flag %s", f);
	}
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sv_buf *bpf, sv_err **err)
{
	SV_AUTOCLOSE int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno, "memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return sv_err_set(err, -rc, "export the seccomp filter");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return sv_err_set(err, errno, "lseek");
	return sv_read_fd(fd, 1u << 20, bpf, err);
}

static int compile(scmp_filter_ctx ctx, const cJSON *oci, uint32_t def, struct sv_buf *bpf,
		   uint32_t *flags, sv_err **err)
{
	const cJSON *arches = sv_json_arr(oci, "architectures");
	if (arches && add_arches(ctx, arches, err) < 0)
		return -1;
	const cJSON *fl = sv_json_arr(oci, "flags");
	if (fl && parse_flags(fl, flags, err) < 0)
		return -1;
	if (sv_json_str(oci, "listenerPath"))
		return sv_err_setx(err, EINVAL, "listenerPath (seccomp notify) is not supported");
	const cJSON *rules = sv_json_arr(oci, "syscalls");
	const cJSON *r;
	size_t i = 0;
	cJSON_ArrayForEach(r, rules) {
		if (add_rule(ctx, r, def, err) < 0)
			return sv_err_prefix(err, "syscalls[%zu]", i);
		i++;
	}
	return export_bpf(ctx, bpf, err);
}

int seccomp_compile(const cJSON *oci, struct sv_buf *bpf, uint32_t *flags, sv_err **err)
{
	*flags = 0;
	if (!cJSON_IsObject(oci))
		return sv_err_setx(err, EINVAL, "linux.seccomp: not an object");
	uint32_t def;
	if (parse_action(sv_json_str(oci, "defaultAction"), sv_json_i64(oci, "defaultErrnoRet", -1), &def, err) < 0)
		return sv_err_prefix(err, "linux.seccomp.defaultAction");
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return sv_err_setx(err, EINVAL, "linux.seccomp: libseccomp refused the default action");
	/* Syscalls of a foreign arch not in the list are killed, as runc does. */
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* A binary tree of syscall numbers, not libseccomp's default linear
	 * chain: Docker's profile allows ~350 syscalls, and the kernel runs the
	 * filter for every syscall number when it is loaded (to build its
	 * allow-cache) and at every syscall not in that cache. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	int rc = compile(ctx, oci, def, bpf, flags, err);
	seccomp_release(ctx);
	return rc < 0 ? sv_err_prefix(err, "linux.seccomp") : 0;
}

/* ------------------------------------------------------------ cache */

/* libseccomp needs 10-30 ms for Docker's profile, on every start. The
 * result depends only on the profile, the architecture and libseccomp, so
 * it is kept in <cache_dir>/<sha256>: a u32 of flags, then the BPF. The
 * directory is root's (0700); what is in it is trusted like the binary. */
static char *cache_path(const cJSON *oci, const char *cache_dir)
{
	SV_AUTOFREE char *text = cJSON_PrintUnformatted(oci);
	const struct scmp_version *v = seccomp_version();
	SV_AUTOFREE char *key = sv_xasprintf("%s\n%u.%u.%u\n%s\nbtree", text, v->major, v->minor, v->micro, sv_host_arch());
	char digest[SV_DIGEST_STR_LEN];
	sv_sha256_data(key, strlen(key), digest);
	return sv_path_join(cache_dir, sv_digest_hex(digest));
}

static bool cache_load(const char *path, struct sv_buf *bpf, uint32_t *flags)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_read_file(path, 1u << 20, &b, NULL) < 0 || b.len < 4 + 8 || (b.len - 4) % 8)
		return false;
	memcpy(flags, b.data, 4);
	sv_buf_add(bpf, b.data + 4, b.len - 4);
	return true;
}

static void cache_store(const char *cache_dir, const char *path, const struct sv_buf *bpf, uint32_t flags)
{
	if (sv_mkdir_p(cache_dir, 0700, NULL) < 0)
		return;
	SV_AUTOFREE char *tmp = sv_xasprintf("%s.tmp-%ld", path, (long)getpid());
	SV_AUTOCLOSE int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (sv_write_all(fd, &flags, 4) < 0 || sv_write_all(fd, bpf->data, bpf->len) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

int seccomp_compile_cached(const cJSON *oci, const char *cache_dir, struct sv_buf *bpf, uint32_t *flags,
			   sv_err **err)
{
	if (!cache_dir)
		return seccomp_compile(oci, bpf, flags, err);
	SV_AUTOFREE char *path = cache_path(oci, cache_dir);
	if (cache_load(path, bpf, flags))
		return 0;
	if (seccomp_compile(oci, bpf, flags, err) < 0)
		return -1;
	cache_store(cache_dir, path, bpf, *flags);
	return 0;
}
