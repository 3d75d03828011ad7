/*
 * Docker's defaults, for the engine and for `servin runtime spec`: masked
 * and read-only paths (moby oci/defaults.go) and a whole config.json.
 */
#include "runtime/runtime-internal.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *const masked_paths[] = {
	"/proc/asound",	       "/proc/acpi",	       "/proc/interrupts",   "/proc/kcore",
	"/proc/keys",	       "/proc/latency_stats", "/proc/timer_list",   "/proc/timer_stats",
	"/proc/sched_debug",   "/proc/scsi",	       "/sys/firmware",	     "/sys/devices/virtual/powercap",
	NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

const char *const *sv_runtime_default_masked_paths(void)
{
	return masked_paths;
}

const char *const *sv_runtime_default_readonly_paths(void)
{
	return readonly_paths;
}

static cJSON *str_array(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static void add_mount(cJSON *mounts, const char *dst, const char *type, const char *src, const char *opts)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "destination", dst);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	SV_AUTOSTRV char **o = sv_strv_split(opts, ',', true);
	cJSON_AddItemToObject(m, "options", str_array((const char *const *)o));
	cJSON_AddItemToArray(mounts, m);
}

static cJSON *default_process(void)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					   "TERM=xterm", NULL };
	static const char *const none[] = { NULL };
	cJSON *p = cJSON_CreateObject();
	cJSON_AddBoolToObject(p, "terminal", false);
	cJSON *u = cJSON_AddObjectToObject(p, "user");
	cJSON_AddNumberToObject(u, "uid", 0);
	cJSON_AddNumberToObject(u, "gid", 0);
	cJSON_AddItemToObject(p, "args", str_array(args));
	cJSON_AddItemToObject(p, "env", str_array(env));
	cJSON_AddStringToObject(p, "cwd", "/");
	cJSON *caps = cJSON_AddObjectToObject(p, "capabilities");
	cJSON_AddItemToObject(caps, "bounding", str_array(sv_runtime_default_caps()));
	cJSON_AddItemToObject(caps, "effective", str_array(sv_runtime_default_caps()));
	cJSON_AddItemToObject(caps, "permitted", str_array(sv_runtime_default_caps()));
	cJSON_AddItemToObject(caps, "inheritable", str_array(none));
	cJSON_AddItemToObject(caps, "ambient", str_array(none));
	cJSON_AddBoolToObject(p, "noNewPrivileges", false);
	return p;
}

static cJSON *default_linux(void)
{
	static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
	cJSON *l = cJSON_CreateObject();
	cJSON *res = cJSON_AddObjectToObject(l, "resources");
	cJSON *devs = cJSON_AddArrayToObject(res, "devices");
	cJSON *deny = cJSON_CreateObject();
	cJSON_AddBoolToObject(deny, "allow", false);
	cJSON_AddStringToObject(deny, "access", "rwm");
	cJSON_AddItemToArray(devs, deny);
	cJSON *nss = cJSON_AddArrayToObject(l, "namespaces");
	for (size_t i = 0; ns[i]; i++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "type", ns[i]);
		cJSON_AddItemToArray(nss, n);
	}
	cJSON_AddItemToObject(l, "maskedPaths", str_array(masked_paths));
	cJSON_AddItemToObject(l, "readonlyPaths", str_array(readonly_paths));
	SV_AUTOFREE char *sc = sv_runtime_seccomp_from_docker(NULL, (char *const *)(uintptr_t)sv_runtime_default_caps(), NULL);
	cJSON *scj = sc ? cJSON_Parse(sc) : NULL;
	if (scj)
		cJSON_AddItemToObject(l, "seccomp", scj);
	return l;
}

char *sv_runtime_spec_default(void)
{
	SV_AUTOJSON cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "ociVersion", "1.0.2");
	cJSON_AddItemToObject(j, "process", default_process());
	cJSON *root = cJSON_AddObjectToObject(j, "root");
	cJSON_AddStringToObject(root, "path", "rootfs");
	cJSON_AddBoolToObject(root, "readonly", false);
	cJSON_AddStringToObject(j, "hostname", "servin");
	cJSON *m = cJSON_AddArrayToObject(j, "mounts");
	add_mount(m, "/proc", "proc", "proc", "nosuid,noexec,nodev");
	add_mount(m, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
	add_mount(m, "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
	add_mount(m, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
	add_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup", "ro,nosuid,noexec,nodev");
	add_mount(m, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
	add_mount(m, "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k");
	cJSON_AddItemToObject(j, "linux", default_linux());
	return sv_json_print_pretty(j);
}
