/*
 * Seccomp profiles in Docker's JSON format (the default one is moby's
 * profiles/seccomp/default.json, embedded as data) turned into the OCI
 * `linux.seccomp` object the runtime applies.
 *
 * Docker's format adds, per syscall group, conditions on the container:
 * `includes`/`excludes` by capabilities, architectures and minimum kernel.
 * They are resolved here against the container's final capability set and
 * the host, so the bundle holds plain rules.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "containers-internal.h"

static const char default_profile[] = {
#include "seccomp-default.inc"
	0
};

/* Docker's names for the host architecture and the libseccomp one. */
static void host_arches(const char **go, const char **scmp)
{
	const char *a = sv_host_arch();
	static const struct {
		const char *go, *scmp;
	} map[] = {
		{ "amd64", "SCMP_ARCH_X86_64" }, { "arm64", "SCMP_ARCH_AARCH64" }, { "386", "SCMP_ARCH_X86" },
		{ "arm", "SCMP_ARCH_ARM" },	 { "s390x", "SCMP_ARCH_S390X" },   { "ppc64le", "SCMP_ARCH_PPC64LE" },
		{ "riscv64", "SCMP_ARCH_RISCV64" },
	};
	*go = a;
	*scmp = NULL;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].go, a) == 0)
			*scmp = map[i].scmp;
}

static bool strv_json_has(const cJSON *arr, const char *s)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return true;
	return false;
}

/* "5.4" <= the running kernel? */
static bool kernel_at_least(const char *v)
{
	struct utsname u;
	int maj = 0, min = 0, hmaj = 0, hmin = 0;
	if (!v || sscanf(v, "%d.%d", &maj, &min) < 1 || uname(&u) < 0 || sscanf(u.release, "%d.%d", &hmaj, &hmin) < 1)
		return true;
	return hmaj > maj || (hmaj == maj && hmin >= min);
}

static bool rule_applies(const cJSON *rule, char *const *caps, const char *arch)
{
	const cJSON *inc = sv_json_obj(rule, "includes"), *exc = sv_json_obj(rule, "excludes"), *it;
	if (inc) {
		cJSON_ArrayForEach(it, sv_json_arr(inc, "caps"))
			if (cJSON_IsString(it) && !sv_strv_contains(caps, it->valuestring))
				return false;
		const cJSON *arches = sv_json_arr(inc, "arches");
		if (arches && cJSON_GetArraySize(arches) > 0 && !strv_json_has(arches, arch))
			return false;
		if (!kernel_at_least(sv_json_str(inc, "minKernel")))
			return false;
	}
	if (exc) {
		cJSON_ArrayForEach(it, sv_json_arr(exc, "caps"))
			if (cJSON_IsString(it) && sv_strv_contains(caps, it->valuestring))
				return false;
		if (strv_json_has(sv_json_arr(exc, "arches"), arch))
			return false;
	}
	return true;
}

static cJSON *convert_rule(const cJSON *rule, sv_err **err)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *names = sv_json_arr(rule, "names");
	const char *name = sv_json_str(rule, "name");
	const char *action = sv_json_str(rule, "action");
	if ((!names && !name) || !action) {
		cJSON_Delete(o);
		return sv_err_setx(err, EINVAL, "seccomp profile: a syscall rule needs names and an action"), NULL;
	}
	if (names) {
		cJSON_AddItemToObject(o, "names", cJSON_Duplicate(names, true));
	} else {
		cJSON *a = cJSON_AddArrayToObject(o, "names");
		cJSON_AddItemToArray(a, cJSON_CreateString(name));
	}
	cJSON_AddStringToObject(o, "action", action);
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(rule, "errnoRet");
	if (cJSON_IsNumber(en))
		cJSON_AddNumberToObject(o, "errnoRet", en->valuedouble);
	const cJSON *args = sv_json_arr(rule, "args"), *it;
	if (args && cJSON_GetArraySize(args) > 0) {
		cJSON *out = cJSON_AddArrayToObject(o, "args");
		cJSON_ArrayForEach(it, args)
		{
			cJSON *a = cJSON_CreateObject();
			cJSON_AddNumberToObject(a, "index", (double)sv_json_i64(it, "index", 0));
			cJSON_AddNumberToObject(a, "value", cJSON_GetNumberValue(cJSON_GetObjectItem(it, "value")));
			const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(it, "valueTwo");
			cJSON_AddNumberToObject(a, "valueTwo", cJSON_IsNumber(v2) ? v2->valuedouble : 0);
			const char *op = sv_json_str(it, "op");
			cJSON_AddStringToObject(a, "op", op ? op : "SCMP_CMP_EQ");
			cJSON_AddItemToArray(out, a);
		}
	}
	return o;
}

/* architectures: the host's entry of archMap with its sub-architectures. */
static void convert_arches(const cJSON *prof, cJSON *out, const char *scmp)
{
	const cJSON *it, *sub;
	cJSON *arr = cJSON_AddArrayToObject(out, "architectures");
	const cJSON *plain = sv_json_arr(prof, "architectures");
	if (plain) {
		cJSON_ArrayForEach(it, plain)
			if (cJSON_IsString(it))
				cJSON_AddItemToArray(arr, cJSON_CreateString(it->valuestring));
		return;
	}
	cJSON_ArrayForEach(it, sv_json_arr(prof, "archMap"))
	{
		const char *a = sv_json_str(it, "architecture");
		if (!a || !scmp || strcmp(a, scmp) != 0)
			continue;
		cJSON_AddItemToArray(arr, cJSON_CreateString(a));
		cJSON_ArrayForEach(sub, sv_json_arr(it, "subArchitectures"))
			if (cJSON_IsString(sub))
				cJSON_AddItemToArray(arr, cJSON_CreateString(sub->valuestring));
	}
}

cJSON *ctr_seccomp_convert(const char *profile, char *const *caps, sv_err **err)
{
	SV_AUTOJSON cJSON *prof =
		sv_json_parse(profile, strlen(profile), 4 << 20, "seccomp profile", err);
	if (!prof)
		return NULL;
	const char *def = sv_json_str(prof, "defaultAction");
	if (!def)
		return sv_err_setx(err, EINVAL, "seccomp profile: defaultAction is missing"), NULL;
	const char *go, *scmp;
	host_arches(&go, &scmp);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "defaultAction", def);
	const cJSON *der = cJSON_GetObjectItemCaseSensitive(prof, "defaultErrnoRet");
	if (cJSON_IsNumber(der))
		cJSON_AddNumberToObject(out, "defaultErrnoRet", der->valuedouble);
	convert_arches(prof, out, scmp);
	const cJSON *flags = sv_json_arr(prof, "flags");
	if (flags)
		cJSON_AddItemToObject(out, "flags", cJSON_Duplicate(flags, true));
	cJSON *rules = cJSON_AddArrayToObject(out, "syscalls");
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(prof, "syscalls"))
	{
		if (!rule_applies(it, caps, go))
			continue;
		cJSON *r = convert_rule(it, err);
		if (!r) {
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_AddItemToArray(rules, r);
	}
	return out;
}

cJSON *ctr_seccomp_default(char *const *caps, sv_err **err)
{
	return ctr_seccomp_convert(default_profile, caps, err);
}
