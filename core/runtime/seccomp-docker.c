/*
 * Docker's seccomp profile format → OCI linux.seccomp, as moby's
 * profiles/seccomp (setupSeccomp) does it: the host's entry of "archMap"
 * (or the plain "architectures" list) gives the architectures, and every
 * rule is kept or dropped by its "includes"/"excludes" on capabilities (the
 * container's bounding set), Go architecture names and minimum kernel.
 *
 * Docker's default profile is built in (seccomp-default.json, embedded by
 * the Makefile), so servin needs no file at run time.
 */
#include "runtime/runtime-internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

extern const char sv_runtime_seccomp_default[];
extern const char sv_runtime_seccomp_default_end[];

/* Go's GOARCH for the host, as moby's includes/excludes name arches, and
 * the matching libseccomp architecture. */
static void host_arch(const char **go, const char **scmp)
{
#if defined(__x86_64__)
	*go = "amd64", *scmp = "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
	*go = "arm64", *scmp = "SCMP_ARCH_AARCH64";
#elif defined(__s390x__)
	*go = "s390x", *scmp = "SCMP_ARCH_S390X";
#elif defined(__riscv) && __riscv_xlen == 64
	*go = "riscv64", *scmp = "SCMP_ARCH_RISCV64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	*go = "ppc64le", *scmp = "SCMP_ARCH_PPC64LE";
#else
	*go = "unknown", *scmp = "SCMP_ARCH_NATIVE";
#endif
}

/* Compares "major.minor" versions: <0, 0, >0 like strcmp. */
static int kernel_cmp(const char *have, const char *want)
{
	unsigned a1 = 0, a2 = 0, b1 = 0, b2 = 0;
	sscanf(have, "%u.%u", &a1, &a2);
	sscanf(want, "%u.%u", &b1, &b2);
	return a1 != b1 ? (a1 > b1 ? 1 : -1) : a2 != b2 ? (a2 > b2 ? 1 : -1) : 0;
}

static bool str_in(const cJSON *arr, const char *s)
{
	const cJSON *j;
	cJSON_ArrayForEach(j, arr)
		if (cJSON_IsString(j) && strcmp(j->valuestring, s) == 0)
			return true;
	return false;
}

static bool has_cap(char *const *caps, const char *name)
{
	int want = caps_by_name(name);
	for (size_t i = 0; caps && caps[i]; i++)
		if (caps_by_name(caps[i]) == want && want >= 0)
			return true;
	return false;
}

struct filter_ctx {
	char *const *caps;
	const char *go_arch;
	char kernel[65];
};

/* moby's rule filter: false when the rule does not apply here. */
static bool rule_applies(const cJSON *rule, const struct filter_ctx *f)
{
	const cJSON *inc = sv_json_obj(rule, "includes"), *exc = sv_json_obj(rule, "excludes");
	const cJSON *j;
	if (exc) {
		if (str_in(sv_json_arr(exc, "arches"), f->go_arch))
			return false;
		cJSON_ArrayForEach(j, sv_json_arr(exc, "caps"))
			if (cJSON_IsString(j) && has_cap(f->caps, j->valuestring))
				return false;
		const char *mk = sv_json_str(exc, "minKernel");
		if (mk && kernel_cmp(f->kernel, mk) >= 0)
			return false;
	}
	if (inc) {
		const cJSON *arches = sv_json_arr(inc, "arches");
		if (cJSON_GetArraySize(arches) > 0 && !str_in(arches, f->go_arch))
			return false;
		cJSON_ArrayForEach(j, sv_json_arr(inc, "caps"))
			if (!cJSON_IsString(j) || !has_cap(f->caps, j->valuestring))
				return false;
		const char *mk = sv_json_str(inc, "minKernel");
		if (mk && kernel_cmp(f->kernel, mk) < 0)
			return false;
	}
	return true;
}

static int copy_rule(const cJSON *rule, cJSON *out, sv_err **err)
{
	const cJSON *names = sv_json_arr(rule, "names");
	const char *name = sv_json_str(rule, "name");
	if (name && cJSON_GetArraySize(names) > 0)
		return sv_err_setx(err, EINVAL, "a rule has both \"name\" and \"names\"");
	if (!name && !names)
		return sv_err_setx(err, EINVAL, "a rule has no \"names\"");
	const char *action = sv_json_str(rule, "action");
	if (!action)
		return sv_err_setx(err, EINVAL, "a rule has no \"action\"");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToArray(out, r);
	if (name) {
		cJSON *n = cJSON_AddArrayToObject(r, "names");
		cJSON_AddItemToArray(n, cJSON_CreateString(name));
	} else {
		cJSON_AddItemToObject(r, "names", cJSON_Duplicate(names, true));
	}
	cJSON_AddStringToObject(r, "action", action);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(rule, "errnoRet");
	if (cJSON_IsNumber(e))
		cJSON_AddNumberToObject(r, "errnoRet", e->valuedouble);
	const cJSON *args = sv_json_arr(rule, "args");
	if (args && cJSON_GetArraySize(args) > 0)
		cJSON_AddItemToObject(r, "args", cJSON_Duplicate(args, true));
	return 0;
}

static void add_arches(const cJSON *prof, const char *scmp, cJSON *out)
{
	cJSON *arches = cJSON_AddArrayToObject(out, "architectures");
	const cJSON *map = sv_json_arr(prof, "archMap"), *a, *sub;
	if (!map) {
		const cJSON *plain = sv_json_arr(prof, "architectures");
		if (plain)
			cJSON_ReplaceItemInObject(out, "architectures", cJSON_Duplicate(plain, true));
		return;
	}
	cJSON_ArrayForEach(a, map) {
		const char *arch = sv_json_str(a, "architecture");
		if (!arch || strcmp(arch, scmp) != 0)
			continue;
		cJSON_AddItemToArray(arches, cJSON_CreateString(arch));
		cJSON_ArrayForEach(sub, sv_json_arr(a, "subArchitectures"))
			if (cJSON_IsString(sub))
				cJSON_AddItemToArray(arches, cJSON_CreateString(sub->valuestring));
	}
}

static int translate(const cJSON *prof, char *const *caps, cJSON *out, sv_err **err)
{
	struct filter_ctx f = { .caps = caps };
	const char *scmp;
	host_arch(&f.go_arch, &scmp);
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(f.kernel, sizeof f.kernel, "%s", u.release);
	const char *def = sv_json_str(prof, "defaultAction");
	if (!def)
		return sv_err_setx(err, EINVAL, "no \"defaultAction\"");
	cJSON_AddStringToObject(out, "defaultAction", def);
	const cJSON *der = cJSON_GetObjectItemCaseSensitive(prof, "defaultErrnoRet");
	if (cJSON_IsNumber(der))
		cJSON_AddNumberToObject(out, "defaultErrnoRet", der->valuedouble);
	add_arches(prof, scmp, out);
	const cJSON *flags = sv_json_arr(prof, "flags");
	if (flags)
		cJSON_AddItemToObject(out, "flags", cJSON_Duplicate(flags, true));
	cJSON *rules = cJSON_AddArrayToObject(out, "syscalls");
	const cJSON *r;
	size_t i = 0;
	cJSON_ArrayForEach(r, sv_json_arr(prof, "syscalls")) {
		if (rule_applies(r, &f) && copy_rule(r, rules, err) < 0)
			return sv_err_prefix(err, "syscalls[%zu]", i);
		i++;
	}
	return 0;
}

char *sv_runtime_seccomp_from_docker(const char *profile_json, char *const *caps, sv_err **err)
{
	const char *text = profile_json ? profile_json : sv_runtime_seccomp_default;
	size_t len = profile_json ? strlen(profile_json)
				  : (size_t)(sv_runtime_seccomp_default_end - sv_runtime_seccomp_default);
	SV_AUTOJSON cJSON *prof = sv_json_parse(text, len, 4u << 20, "seccomp profile", err);
	if (!prof)
		return NULL;
	if (!cJSON_IsObject(prof))
		return sv_err_setx(err, EINVAL, "seccomp profile: not a JSON object"), NULL;
	SV_AUTOJSON cJSON *out = cJSON_CreateObject();
	if (translate(prof, caps, out, err) < 0)
		return sv_err_prefix(err, "seccomp profile"), NULL;
	return sv_json_print(out);
}
