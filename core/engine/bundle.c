/*
 * The OCI bundle of a container: <runroot>/containers/<id>/config.json
 * (with /etc/hosts, resolv.conf and hostname beside it: made anew at each
 * start, so they live on the run root's tmpfs, not the store's disk; the
 * rootfs stays <root>/containers/<id>/rootfs), generated at
 * every start from the stored Docker-shaped config, the image's config and
 * the mounted rootfs (users are resolved from the container's own
 * /etc/passwd, which may have changed since create).
 *
 * What Docker's daemon puts in a spec is reproduced here: its default
 * capability set, masked and read-only paths and seccomp profile (the
 * runtime's sv_runtime_default_*() and sv_runtime_seccomp_from_docker()),
 * mounts, device allow-list, environment (PATH, HOSTNAME, TERM, HOME),
 * resources;
 * --privileged lifts them as Docker does. Networking and volumes add
 * the netns to join, the /etc files and their mounts through
 * ctr_netvol_bundle() (ctr-net.c).
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "containers-internal.h"
#include "runtime/runtime.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define INIT_PATH "/sbin/docker-init"

/* Docker's device cgroup allow-list after "deny all". */
static const struct {
	const char *type;
	int64_t major, minor; /* -1: any */
	const char *access;
} allowed_devices[] = {
	{ "c", -1, -1, "m" },	 { "b", -1, -1, "m" },	  { "c", 1, 3, "rwm" },	 { "c", 1, 8, "rwm" },
	{ "c", 1, 7, "rwm" },	 { "c", 5, 0, "rwm" },	  { "c", 1, 5, "rwm" },	 { "c", 1, 9, "rwm" },
	{ "c", 5, 1, "rwm" },	 { "c", 136, -1, "rwm" }, { "c", 5, 2, "rwm" },	 { "c", 10, 200, "rwm" },
};

/* ---------------------------------------------------------------- helpers */

static cJSON *strv_json(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static char **json_strv(const cJSON *arr)
{
	char **v = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it))
			sv_strv_push(&v, it->valuestring);
	return v;
}

static cJSON *mount_entry(const char *dest, const char *type, const char *src, const char *const *opts)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "destination", dest);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	cJSON_AddItemToObject(m, "options", strv_json(opts));
	return m;
}

/* ---------------------------------------------------------------- caps */

/* Every capability this process may hand on (its bounding set), as
 * "CAP_CHOWN"...: --privileged and --cap-add ALL mean these. A runtime
 * started without some capability (here root lacks CAP_SYS_RESOURCE)
 * cannot grant it. */
static char **all_caps(void)
{
	char **v = NULL;
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) != 1)
			continue;
		char *n = cap_to_name(c);
		if (!n)
			break;
		if (strncmp(n, "cap_", 4) == 0) {
			for (char *p = n; *p; p++)
				*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
			sv_strv_push(&v, n);
		}
		cap_free(n);
	}
	return v ? v : sv_xcalloc(1, sizeof *v);
}

/* Docker's TweakCapabilities: defaults (or all when privileged), then
 * --cap-drop and --cap-add, with ALL on either side. */
char **ctr_caps(const cJSON *host)
{
	SV_AUTOSTRV char **add = json_strv(sv_json_arr(host, "CapAdd"));
	SV_AUTOSTRV char **drop = json_strv(sv_json_arr(host, "CapDrop"));
	SV_AUTOSTRV char **all = all_caps();
	char **caps = NULL;
	if (sv_json_bool(host, "Privileged", false))
		return sv_strv_dup(all);
	if (sv_strv_contains(add, "ALL")) {
		for (size_t i = 0; all[i]; i++)
			if (!sv_strv_contains(drop, all[i]))
				sv_strv_push(&caps, all[i]);
		return caps ? caps : sv_xcalloc(1, sizeof *caps);
	}
	const char *const *defaults = sv_runtime_default_caps();
	if (!sv_strv_contains(drop, "ALL"))
		for (size_t i = 0; defaults[i]; i++)
			if (!sv_strv_contains(drop, defaults[i]))
				sv_strv_push(&caps, defaults[i]);
	for (size_t i = 0; add && add[i]; i++)
		if (!sv_strv_contains(caps, add[i]))
			sv_strv_push(&caps, add[i]);
	return caps ? caps : sv_xcalloc(1, sizeof *caps);
}

static cJSON *caps_json(char *const *caps, bool root)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "bounding", strv_json((const char *const *)caps));
	/* A non-root user starts with nothing effective (moby does the same). */
	cJSON_AddItemToObject(o, "effective", strv_json(root ? (const char *const *)caps : NULL));
	cJSON_AddItemToObject(o, "permitted", strv_json(root ? (const char *const *)caps : NULL));
	cJSON_AddItemToObject(o, "inheritable", cJSON_CreateArray());
	cJSON_AddItemToObject(o, "ambient", cJSON_CreateArray());
	return o;
}

/* ---------------------------------------------------------------- process */

static bool env_has(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return true;
	return false;
}

static cJSON *process_env(const cJSON *cfg, const char *home)
{
	SV_AUTOSTRV char **user = json_strv(sv_json_arr(cfg, "Env"));
	SV_AUTOSTRV char **env = NULL;
	if (!env_has(user, "PATH"))
		sv_strv_push(&env, DEFAULT_PATH);
	sv_strv_push_take(&env, sv_xasprintf("HOSTNAME=%s", sv_json_str(cfg, "Hostname")));
	if (sv_json_bool(cfg, "Tty", false) && !env_has(user, "TERM"))
		sv_strv_push(&env, "TERM=xterm");
	for (size_t i = 0; user && user[i]; i++)
		if (strchr(user[i], '='))
			sv_strv_push(&env, user[i]);
	if (!env_has(env, "HOME"))
		sv_strv_push_take(&env, sv_xasprintf("HOME=%s", home));
	return strv_json((const char *const *)env);
}

static cJSON *rlimits_json(const cJSON *host)
{
	cJSON *arr = cJSON_CreateArray();
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(host, "Ulimits"))
	{
		const char *n = sv_json_str(it, "Name");
		if (!n)
			continue;
		SV_AUTOFREE char *type = sv_xasprintf("RLIMIT_%s", n);
		for (char *p = type; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "type", type);
		cJSON_AddNumberToObject(r, "hard", (double)sv_json_i64(it, "Hard", 0));
		cJSON_AddNumberToObject(r, "soft", (double)sv_json_i64(it, "Soft", 0));
		cJSON_AddItemToArray(arr, r);
	}
	return arr;
}

static bool no_new_privs(const cJSON *host)
{
	bool nnp = false;
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(host, "SecurityOpt"))
	{
		const char *o = cJSON_IsString(it) ? it->valuestring : "";
		if (strcmp(o, "no-new-privileges") == 0 || strcmp(o, "no-new-privileges=true") == 0 ||
		    strcmp(o, "no-new-privileges:true") == 0)
			nnp = true;
		else if (sv_str_has_prefix(o, "no-new-privileges"))
			nnp = false;
	}
	return nnp;
}

static cJSON *user_json(const struct ctr_user *u)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "uid", u->uid);
	cJSON_AddNumberToObject(o, "gid", u->gid);
	if (u->ngids) {
		cJSON *g = cJSON_AddArrayToObject(o, "additionalGids");
		for (size_t i = 0; i < u->ngids; i++)
			cJSON_AddItemToArray(g, cJSON_CreateNumber(u->gids[i]));
	}
	return o;
}

static cJSON *process_json(const struct ctr_row *r, const struct ctr_user *u, char *const *caps)
{
	const cJSON *cfg = ctr_cfg(r), *host = ctr_host(r);
	cJSON *p = cJSON_CreateObject();
	cJSON_AddBoolToObject(p, "terminal", sv_json_bool(cfg, "Tty", false));
	/* The client's terminal size, set on the pty before the process runs. */
	cJSON *size = ctr_console_size(sv_json_arr(host, "ConsoleSize"));
	if (size && sv_json_bool(cfg, "Tty", false))
		cJSON_AddItemToObject(p, "consoleSize", size);
	else
		cJSON_Delete(size);
	cJSON_AddItemToObject(p, "user", user_json(u));
	cJSON *args = cJSON_AddArrayToObject(p, "args");
	if (sv_json_bool(host, "Init", false)) {
		cJSON_AddItemToArray(args, cJSON_CreateString(INIT_PATH));
		cJSON_AddItemToArray(args, cJSON_CreateString("--"));
	}
	cJSON_AddItemToArray(args, cJSON_CreateString(sv_json_str(r->config, "Path")));
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(r->config, "Args"))
		cJSON_AddItemToArray(args, cJSON_CreateString(cJSON_IsString(it) ? it->valuestring : ""));
	cJSON_AddItemToObject(p, "env", process_env(cfg, u->home));
	const char *wd = sv_json_str(cfg, "WorkingDir");
	cJSON_AddStringToObject(p, "cwd", wd && *wd ? wd : "/");
	cJSON_AddItemToObject(p, "capabilities", caps_json(caps, u->uid == 0));
	cJSON_AddItemToObject(p, "rlimits", rlimits_json(host));
	cJSON_AddBoolToObject(p, "noNewPrivileges", no_new_privs(host));
	return p;
}

cJSON *ctr_console_size(const cJSON *hw)
{
	const cJSON *h = cJSON_GetArrayItem(hw, 0), *w = cJSON_GetArrayItem(hw, 1);
	if (!cJSON_IsNumber(h) || !cJSON_IsNumber(w) || h->valuedouble < 1 || w->valuedouble < 1 ||
	    h->valuedouble > 65535 || w->valuedouble > 65535)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "height", h->valuedouble);
	cJSON_AddNumberToObject(o, "width", w->valuedouble);
	return o;
}

/* ---------------------------------------------------------------- mounts */

static int write_small(const char *dir, const char *name, const char *text, sv_err **err)
{
	SV_AUTOFREE char *p = sv_xasprintf("%s/%s", dir, name);
	SV_AUTOCLOSE int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || sv_write_all(fd, text, strlen(text)) < 0)
		return sv_err_set(err, errno, "write %s", p);
	return 0;
}

static cJSON *mounts_json(sv_engine *e, const struct ctr_row *r, const char *dir, bool privileged)
{
	static const char *const proc_o[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
	static const char *const pts_o[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
	static const char *const sys_ro[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const sys_rw[] = { "nosuid", "noexec", "nodev", "rw", NULL };
	static const char *const mq_o[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const shm_o[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=67108864", NULL };
	static const char *const bind_rw[] = { "rbind", "rprivate", NULL };
	static const char *const bind_ro[] = { "bind", "rprivate", "ro", "nosuid", "nodev", NULL };
	cJSON *m = cJSON_CreateArray();
	cJSON_AddItemToArray(m, mount_entry("/proc", "proc", "proc", proc_o));
	cJSON_AddItemToArray(m, mount_entry("/dev", "tmpfs", "tmpfs", dev_o));
	cJSON_AddItemToArray(m, mount_entry("/dev/pts", "devpts", "devpts", pts_o));
	cJSON_AddItemToArray(m, mount_entry("/sys", "sysfs", "sysfs", privileged ? sys_rw : sys_ro));
	cJSON_AddItemToArray(m, mount_entry("/sys/fs/cgroup", "cgroup", "cgroup", privileged ? sys_rw : sys_ro));
	cJSON_AddItemToArray(m, mount_entry("/dev/mqueue", "mqueue", "mqueue", mq_o));
	cJSON_AddItemToArray(m, mount_entry("/dev/shm", "tmpfs", "shm", shm_o));
	static const char *const etc[] = { "resolv.conf", "hostname", "hosts" };
	for (size_t i = 0; i < 3; i++) {
		SV_AUTOFREE char *src = sv_xasprintf("%s/%s", dir, etc[i]);
		SV_AUTOFREE char *dst = sv_xasprintf("/etc/%s", etc[i]);
		cJSON_AddItemToArray(m, mount_entry(dst, "bind", src, bind_rw));
	}
	if (sv_json_bool(ctr_host(r), "Init", false)) {
		SV_AUTOFREE char *init = ctr_init_binary(e);
		cJSON_AddItemToArray(m, mount_entry(INIT_PATH, "bind", init, bind_ro));
	}
	return m;
}

/* ---------------------------------------------------------------- linux */

static cJSON *namespaces_json(bool host_net)
{
	static const char *const ns[] = { "pid", "ipc", "uts", "mount", "network", "cgroup" };
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		if (host_net && (strcmp(ns[i], "network") == 0 || strcmp(ns[i], "uts") == 0))
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", ns[i]);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *device_rule(bool allow, const char *type, int64_t major, int64_t minor, const char *access)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddBoolToObject(d, "allow", allow);
	if (type)
		cJSON_AddStringToObject(d, "type", type);
	if (major >= 0)
		cJSON_AddNumberToObject(d, "major", (double)major);
	if (minor >= 0)
		cJSON_AddNumberToObject(d, "minor", (double)minor);
	cJSON_AddStringToObject(d, "access", access);
	return d;
}

static cJSON *resources_json(const cJSON *host, bool privileged)
{
	cJSON *res = cJSON_CreateObject();
	cJSON *dev = cJSON_AddArrayToObject(res, "devices");
	if (privileged) {
		cJSON_AddItemToArray(dev, device_rule(true, NULL, -1, -1, "rwm"));
	} else {
		cJSON_AddItemToArray(dev, device_rule(false, NULL, -1, -1, "rwm"));
		for (size_t i = 0; i < sizeof allowed_devices / sizeof allowed_devices[0]; i++)
			cJSON_AddItemToArray(dev, device_rule(true, allowed_devices[i].type, allowed_devices[i].major,
							      allowed_devices[i].minor, allowed_devices[i].access));
	}
	int64_t mem = sv_json_i64(host, "Memory", 0), swap = sv_json_i64(host, "MemorySwap", 0);
	if (mem > 0) {
		cJSON *m = cJSON_AddObjectToObject(res, "memory");
		cJSON_AddNumberToObject(m, "limit", (double)mem);
		/* Docker: unset swap means as much swap as memory. */
		cJSON_AddNumberToObject(m, "swap", (double)(swap == 0 ? 2 * mem : swap));
	}
	int64_t nano = sv_json_i64(host, "NanoCpus", 0), shares = sv_json_i64(host, "CpuShares", 0);
	int64_t quota = sv_json_i64(host, "CpuQuota", 0), period = sv_json_i64(host, "CpuPeriod", 0);
	const char *cpus = sv_json_str(host, "CpusetCpus");
	if (nano || shares || quota || period || (cpus && *cpus)) {
		cJSON *c = cJSON_AddObjectToObject(res, "cpu");
		if (shares)
			cJSON_AddNumberToObject(c, "shares", (double)shares);
		if (nano) {
			period = 100000;
			quota = nano * period / 1000000000;
		}
		if (quota)
			cJSON_AddNumberToObject(c, "quota", (double)quota);
		if (period)
			cJSON_AddNumberToObject(c, "period", (double)period);
		if (cpus && *cpus)
			cJSON_AddStringToObject(c, "cpus", cpus);
	}
	int64_t pids = sv_json_i64(host, "PidsLimit", 0);
	if (pids > 0) {
		cJSON *p = cJSON_AddObjectToObject(res, "pids");
		cJSON_AddNumberToObject(p, "limit", (double)pids);
	}
	return res;
}

/* FNV-1a, two lanes: a cache key, not a defence (every input is root's). */
struct key {
	uint64_t a, b;
};

static void key_add(struct key *k, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		k->a = (k->a ^ p[i]) * 0x100000001b3ULL;
		k->b = (k->b ^ p[i]) * 0x100000001b3ULL;
	}
	k->a = (k->a ^ 0xff) * 0x100000001b3ULL; /* (a separator after each part) */
	k->b = (k->b ^ 0xfe) * 0x100000001b3ULL;
}

/* The OCI form of a Docker seccomp profile (NULL: the built-in one) for
 * these capabilities: translated once per profile, capability set, kernel
 * and servin build, and kept in <runroot>/cache (tmpfs, gone at a reboot,
 * when the kernel may change): the translation was most of the time it
 * took to write a bundle. */
static char *seccomp_text(sv_engine *e, const char *custom, char *const *caps, sv_err **err)
{
	struct key k = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	struct utsname u;
	struct stat self;
	if (uname(&u) < 0 || stat("/proc/self/exe", &self) < 0)
		return sv_runtime_seccomp_from_docker(custom, caps, err);
	key_add(&k, SV_VERSION " " SV_GITREV, sizeof SV_VERSION " " SV_GITREV);
	key_add(&k, &self.st_mtim, sizeof self.st_mtim); /* (a rebuilt binary) */
	key_add(&k, &self.st_size, sizeof self.st_size);
	key_add(&k, u.release, strlen(u.release));
	key_add(&k, u.machine, strlen(u.machine));
	key_add(&k, custom ? custom : "", custom ? strlen(custom) : 0);
	for (size_t i = 0; caps && caps[i]; i++)
		key_add(&k, caps[i], strlen(caps[i]));
	SV_AUTOFREE char *dir = sv_path_join(e->runroot, "cache");
	char name[64];
	snprintf(name, sizeof name, "seccomp-%016llx%016llx.json", (unsigned long long)k.a, (unsigned long long)k.b);
	SV_AUTOCLOSE int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		struct sv_buf b;
		sv_buf_init(&b);
		if (sv_read_fileat(dfd, name, 4u << 20, &b, NULL) == 0 && b.len)
			return sv_buf_detach(&b, NULL);
		sv_buf_release(&b);
	}
	char *text = sv_runtime_seccomp_from_docker(custom, caps, err);
	if (!text)
		return NULL;
	SV_AUTOERR sv_err *e2 = NULL;
	if (dfd < 0 && sv_mkdir_p(dir, 0700, &e2) == 0)
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || sv_write_file_atomic(dfd, name, text, strlen(text), 0600, &e2) < 0)
		sv_debug("seccomp cache %s/%s: %s", dir, name, e2 ? e2->msg : strerror(errno));
	return text;
}

static int seccomp_for(sv_engine *e, const cJSON *host, char *const *caps, cJSON **out, sv_err **err)
{
	*out = NULL;
	if (sv_json_bool(host, "Privileged", false))
		return 0;
	const char *custom = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(host, "SecurityOpt"))
	{
		const char *o = cJSON_IsString(it) ? it->valuestring : "";
		if (sv_str_has_prefix(o, "seccomp=") || sv_str_has_prefix(o, "seccomp:"))
			custom = o + 8;
	}
	if (custom && strcmp(custom, "unconfined") == 0)
		return 0;
	bool builtin = !custom || strcmp(custom, "builtin") == 0;
	SV_AUTOFREE char *text = seccomp_text(e, builtin ? NULL : custom, caps, err);
	if (!text)
		return -1;
	/* (our own JSON, printed as it is: no parse and print again) */
	*out = cJSON_CreateRaw(text);
	return 0;
}

static cJSON *linux_json(sv_engine *e, const struct ctr_row *r, char *const *caps, bool host_net, sv_err **err)
{
	const cJSON *host = ctr_host(r);
	bool priv = sv_json_bool(host, "Privileged", false);
	cJSON *l = cJSON_CreateObject();
	cJSON_AddItemToObject(l, "namespaces", namespaces_json(host_net));
	cJSON_AddItemToObject(l, "resources", resources_json(host, priv));
	SV_AUTOFREE char *cg = sv_xasprintf("servin/%s", r->id);
	cJSON_AddStringToObject(l, "cgroupsPath", cg);
	if (!priv) {
		cJSON_AddItemToObject(l, "maskedPaths", strv_json(sv_runtime_default_masked_paths()));
		cJSON_AddItemToObject(l, "readonlyPaths", strv_json(sv_runtime_default_readonly_paths()));
	}
	cJSON *sc;
	if (seccomp_for(e, host, caps, &sc, err) < 0) {
		cJSON_Delete(l);
		return NULL;
	}
	if (sc)
		cJSON_AddItemToObject(l, "seccomp", sc);
	return l;
}

/* ---------------------------------------------------------------- spec */

char *ctr_init_binary(const sv_engine *e)
{
	const char *env = getenv("SERVIN_INIT");
	if (env && *env)
		return sv_xstrdup(env);
	return sv_xasprintf("%s/servin-shim", e->bindir ? e->bindir : "/usr/libexec/servin");
}

cJSON *ctr_bundle_spec(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	const cJSON *cfg = ctr_cfg(r), *host = ctr_host(r);
	SV_AUTOFREE char *dir = ctr_dir(e, r->id);
	SV_AUTOFREE char *run = ctr_run_dir(e, r->id);
	SV_AUTOFREE char *rootfs = sv_xasprintf("%s/rootfs", dir);
	SV_AUTOCLOSE int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return sv_err_set(err, errno, "open %s", rootfs), NULL;
	struct ctr_user u;
	if (ctr_user_resolve(rootfd, sv_json_str(cfg, "User"), &u, err) < 0)
		return NULL;
	const char *net = sv_json_str(host, "NetworkMode");
	bool host_net = net && strcmp(net, "host") == 0;
	bool priv = sv_json_bool(host, "Privileged", false);
	SV_AUTOSTRV char **caps = ctr_caps(host);
	cJSON *spec = cJSON_CreateObject();
	cJSON_AddStringToObject(spec, "ociVersion", "1.0.2");
	cJSON_AddItemToObject(spec, "process", process_json(r, &u, caps));
	cJSON *root = cJSON_AddObjectToObject(spec, "root");
	cJSON_AddStringToObject(root, "path", rootfs);
	cJSON_AddBoolToObject(root, "readonly", sv_json_bool(host, "ReadonlyRootfs", false));
	if (!host_net)
		cJSON_AddStringToObject(spec, "hostname", sv_json_str(cfg, "Hostname"));
	cJSON_AddItemToObject(spec, "mounts", mounts_json(e, r, run, priv));
	ctr_user_release(&u);
	cJSON *lx = linux_json(e, r, caps, host_net, err);
	if (!lx) {
		cJSON_Delete(spec);
		return NULL;
	}
	cJSON_AddItemToObject(spec, "linux", lx);
	/* Networking and volumes: the netns to join, /etc files, mounts. */
	if (ctr_netvol_bundle(e, r, spec, run, err) < 0) {
		cJSON_Delete(spec);
		return NULL;
	}
	return spec;
}

int ctr_bundle_write(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	SV_AUTOJSON cJSON *spec = ctr_bundle_spec(e, r, err);
	if (!spec)
		return -1;
	SV_AUTOFREE char *text = sv_json_print(spec);
	SV_AUTOFREE char *dir = ctr_run_dir(e, r->id);
	/* Regenerated at every start: no fsync, a torn file is never read. */
	return write_small(dir, "config.json", text, err);
}
