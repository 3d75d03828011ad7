/*
 * Capability names ↔ numbers (libcap knows the names of the running
 * kernel's capabilities) and Docker's defaults. servin-init applies the
 * resulting masks; see init/process.c.
 */
#include "runtime/runtime-internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>

/* Docker's default set (moby oci/caps/defaults.go): 0x00000000a80425fb. */
static const char *const default_caps[] = {
	"CAP_CHOWN",	  "CAP_DAC_OVERRIDE", "CAP_FSETID",	      "CAP_FOWNER",
	"CAP_MKNOD",	  "CAP_NET_RAW",      "CAP_SETGID",	      "CAP_SETUID",
	"CAP_SETFCAP",	  "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
	"CAP_KILL",	  "CAP_AUDIT_WRITE",  NULL,
};

const char *const *sv_runtime_default_caps(void)
{
	return default_caps;
}

int caps_by_name(const char *name)
{
	char low[64];
	size_t n = strlen(name);
	if (n == 0 || n + 4 >= sizeof low || !isalpha((unsigned char)name[0]))
		return -1;
	size_t off = 0;
	if (strncasecmp(name, "CAP_", 4) != 0) {
		memcpy(low, "cap_", 4);
		off = 4;
	}
	for (size_t i = 0; i <= n; i++)
		low[off + i] = (char)tolower((unsigned char)name[i]);
	cap_value_t v;
	if (cap_from_name(low, &v) < 0 || v < 0 || v > caps_last_cap())
		return -1;
	return v;
}

int caps_last_cap(void)
{
	static int last = -1;
	if (last < 0) {
		int v = (int)cap_max_bits() - 1;
		last = v > 63 ? 63 : v;
	}
	return last;
}

int caps_mask(const cJSON *arr, uint64_t *mask, sv_err **err)
{
	*mask = 0;
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sv_err_setx(err, EINVAL, "not an array");
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		if (!cJSON_IsString(j))
			return sv_err_setx(err, EINVAL, "not a string");
		int c = caps_by_name(j->valuestring);
		if (c < 0)
			return sv_err_setx(err, EINVAL, "unknown capability \"%s\"", j->valuestring);
		*mask |= UINT64_C(1) << c;
	}
	return 0;
}
