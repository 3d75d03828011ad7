/*
 * config.json → struct spec, per the OCI runtime spec (1.0–1.2). Parsed
 * once, by the library; everything servin-init needs is derived from it in
 * build.c. Unknown fields are ignored (forward compatibility), but a field
 * we know with a bad type or value is refused with its name, never
 * silently dropped: a security setting that doesn't apply must not look as
 * if it did.
 */
#include "runtime/runtime-internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* A string member that must be a string when present. */
static int get_str(const cJSON *obj, const char *key, char **out, sv_err **err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsString(j))
		return sv_err_setx(err, EINVAL, "%s: not a string", key);
	*out = sv_xstrdup(j->valuestring);
	return 0;
}

static int get_strv(const cJSON *obj, const char *key, char ***out, sv_err **err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsArray(j))
		return sv_err_setx(err, EINVAL, "%s: not an array", key);
	if (sv_json_strv(j, out, err) < 0)
		return sv_err_prefix(err, "%s", key);
	return 0;
}

/* An integer member within [min, max]; *set tells whether it was there. */
static int get_int(const cJSON *obj, const char *key, int64_t min, int64_t max,
		   struct opt_i64 *out, sv_err **err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsNumber(j))
		return sv_err_setx(err, EINVAL, "%s: not a number", key);
	double d = j->valuedouble;
	/* (the range first: converting a double beyond int64 is undefined) */
	if (!(d >= (double)min && d <= (double)max) || d != (double)(int64_t)d)
		return sv_err_setx(err, EINVAL, "%s: %.0f out of range", key, d);
	out->set = true;
	out->v = (int64_t)d;
	return 0;
}

/* A non-negative integer member up to UINT64_MAX (JSON doubles: large
 * values arrive rounded; we clamp rather than wrap). */
static int get_u64(const cJSON *obj, const char *key, uint64_t *out, bool *set, sv_err **err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!j || cJSON_IsNull(j))
		return 0;
	double d = cJSON_IsNumber(j) ? j->valuedouble : -1;
	/* (2^64 and beyond, integers all, clamp before any conversion: one
	 * of a double beyond uint64 is undefined) */
	bool huge = d >= 18446744073709551616.0;
	if (!(d >= 0) || (!huge && d != (double)(uint64_t)d))
		return sv_err_setx(err, EINVAL, "%s: not a non-negative integer", key);
	*out = huge ? UINT64_MAX : (uint64_t)d;
	if (set)
		*set = true;
	return 0;
}

static int get_bool(const cJSON *obj, const char *key, bool *out, sv_err **err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsBool(j))
		return sv_err_setx(err, EINVAL, "%s: not a boolean", key);
	*out = cJSON_IsTrue(j);
	return 0;
}

/* An object of strings ("annotations", "linux.sysctl") into "k=v" strv;
 * *out is always allocated. */
static int get_kv(const cJSON *obj, const char *key, char ***out, sv_err **err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = sv_xcalloc(1, sizeof(char *));
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "%s: not an object", key);
	const cJSON *kv;
	cJSON_ArrayForEach(kv, j) {
		if (!cJSON_IsString(kv))
			return sv_err_setx(err, EINVAL, "%s %s: not a string", key, kv->string);
		sv_strv_push_take(out, sv_xasprintf("%s=%s", kv->string, kv->valuestring));
	}
	return 0;
}

/* ------------------------------------------------------------ mounts */

struct mount_opt {
	const char *name;
	unsigned long set, clear, prop;
	bool bind;
};

static const struct mount_opt mount_opts[] = {
	{ "defaults", 0, 0, 0, false },
	{ "ro", MS_RDONLY, 0, 0, false },
	{ "rw", 0, MS_RDONLY, 0, false },
	{ "suid", 0, MS_NOSUID, 0, false },
	{ "nosuid", MS_NOSUID, 0, 0, false },
	{ "dev", 0, MS_NODEV, 0, false },
	{ "nodev", MS_NODEV, 0, 0, false },
	{ "exec", 0, MS_NOEXEC, 0, false },
	{ "noexec", MS_NOEXEC, 0, 0, false },
	{ "sync", MS_SYNCHRONOUS, 0, 0, false },
	{ "async", 0, MS_SYNCHRONOUS, 0, false },
	{ "dirsync", MS_DIRSYNC, 0, 0, false },
	{ "mand", MS_MANDLOCK, 0, 0, false },
	{ "nomand", 0, MS_MANDLOCK, 0, false },
	{ "atime", 0, MS_NOATIME, 0, false },
	{ "noatime", MS_NOATIME, 0, 0, false },
	{ "diratime", 0, MS_NODIRATIME, 0, false },
	{ "nodiratime", MS_NODIRATIME, 0, 0, false },
	{ "relatime", MS_RELATIME, 0, 0, false },
	{ "norelatime", 0, MS_RELATIME, 0, false },
	{ "strictatime", MS_STRICTATIME, 0, 0, false },
	{ "nostrictatime", 0, MS_STRICTATIME, 0, false },
	{ "lazytime", MS_LAZYTIME, 0, 0, false },
	{ "nolazytime", 0, MS_LAZYTIME, 0, false },
	{ "bind", MS_BIND, 0, 0, true },
	{ "rbind", MS_BIND | MS_REC, 0, 0, true },
	{ "private", 0, 0, MS_PRIVATE, false },
	{ "rprivate", 0, 0, MS_PRIVATE | MS_REC, false },
	{ "shared", 0, 0, MS_SHARED, false },
	{ "rshared", 0, 0, MS_SHARED | MS_REC, false },
	{ "slave", 0, 0, MS_SLAVE, false },
	{ "rslave", 0, 0, MS_SLAVE | MS_REC, false },
	{ "unbindable", 0, 0, MS_UNBINDABLE, false },
	{ "runbindable", 0, 0, MS_UNBINDABLE | MS_REC, false },
	/* runc's copy-up of the mount point's content into a tmpfs: we
	 * accept it and do the plain mount (nothing in Docker sends it). */
	{ "tmpcopyup", 0, 0, 0, false },
};

int spec_mount_options(char *const *opts, struct spec_mount *m, sv_err **err)
{
	struct sv_buf data;
	sv_buf_init(&data);
	for (size_t i = 0; opts && opts[i]; i++) {
		const struct mount_opt *o = NULL;
		for (size_t k = 0; k < sizeof mount_opts / sizeof *mount_opts; k++)
			if (strcmp(opts[i], mount_opts[k].name) == 0)
				o = &mount_opts[k];
		if (!o && (strcmp(opts[i], "idmap") == 0 || strcmp(opts[i], "ridmap") == 0)) {
			sv_buf_release(&data);
			return sv_err_setx(err, EINVAL, "mount option %s is not supported", opts[i]);
		}
		if (!o) {
			if (data.len)
				sv_buf_addc(&data, ',');
			sv_buf_adds(&data, opts[i]);
			continue;
		}
		m->flags = (m->flags | o->set) & ~o->clear;
		m->prop |= o->prop;
		m->bind |= o->bind;
	}
	m->data = data.len ? sv_buf_detach(&data, NULL) : NULL;
	sv_buf_release(&data);
	return 0;
}

static int parse_mount(const cJSON *j, struct spec_mount *m, sv_err **err)
{
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "not an object");
	SV_AUTOSTRV char **opts = NULL;
	if (get_str(j, "destination", &m->dst, err) < 0 || get_str(j, "source", &m->src, err) < 0 ||
	    get_str(j, "type", &m->type, err) < 0 || get_strv(j, "options", &opts, err) < 0)
		return -1;
	if (!m->dst || !*m->dst)
		return sv_err_setx(err, EINVAL, "no destination");
	if (m->dst[0] != '/')
		return sv_err_setx(err, EINVAL, "destination %s is not absolute", m->dst);
	if (spec_mount_options(opts, m, err) < 0)
		return -1;
	if (m->type && strcmp(m->type, "bind") == 0)
		m->bind = true;
	if (m->bind && !m->src)
		return sv_err_setx(err, EINVAL, "bind mount of %s without a source", m->dst);
	if (!m->bind && !m->type)
		return sv_err_setx(err, EINVAL, "mount of %s without a type", m->dst);
	return 0;
}

static int parse_mounts(const cJSON *root, struct spec *s, sv_err **err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "mounts");
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sv_err_setx(err, EINVAL, "mounts: not an array");
	int n = cJSON_GetArraySize(arr);
	s->mounts = sv_xcalloc((size_t)n + 1, sizeof *s->mounts);
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		struct spec_mount *m = &s->mounts[s->n_mounts++];
		if (parse_mount(j, m, err) < 0)
			return sv_err_prefix(err, "mounts[%zu]", s->n_mounts - 1);
	}
	return 0;
}

/* ------------------------------------------------------------ process */

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },		{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },		{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },		{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int spec_rlimit_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof rlimits / sizeof *rlimits; i++)
		if (strcmp(name, rlimits[i].name) == 0)
			return rlimits[i].res;
	return -1;
}

static int parse_rlimits(const cJSON *arr, struct spec_process *p, sv_err **err)
{
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sv_err_setx(err, EINVAL, "rlimits: not an array");
	p->rlimits = sv_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *p->rlimits);
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		const char *type = sv_json_str(j, "type");
		int res = type ? spec_rlimit_by_name(type) : -1;
		if (res < 0)
			return sv_err_setx(err, EINVAL, "rlimits: unknown type %s", type ? type : "(none)");
		struct spec_rlimit *l = &p->rlimits[p->n_rlimits++];
		l->resource = res;
		if (get_u64(j, "soft", &l->soft, NULL, err) < 0 || get_u64(j, "hard", &l->hard, NULL, err) < 0)
			return sv_err_prefix(err, "rlimits %s", type);
		if (l->soft > l->hard)
			return sv_err_setx(err, EINVAL, "rlimits %s: soft limit %llu above hard limit %llu",
					   type, (unsigned long long)l->soft, (unsigned long long)l->hard);
		for (size_t i = 0; i + 1 < p->n_rlimits; i++)
			if (p->rlimits[i].resource == res)
				return sv_err_setx(err, EINVAL, "rlimits: %s given twice", type);
	}
	return 0;
}

static int parse_caps(const cJSON *j, struct spec_process *p, sv_err **err)
{
	static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "capabilities: not an object");
	for (int i = 0; i < 5; i++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, sets[i]);
		if (caps_mask(arr, &p->caps[i], err) < 0)
			return sv_err_prefix(err, "capabilities.%s", sets[i]);
	}
	return 0;
}

static int parse_user(const cJSON *j, struct spec_process *p, sv_err **err)
{
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "user: not an object");
	struct opt_i64 uid = { 0 }, gid = { 0 };
	if (get_int(j, "uid", 0, UINT32_MAX - 1, &uid, err) < 0 || get_int(j, "gid", 0, UINT32_MAX - 1, &gid, err) < 0 ||
	    get_int(j, "umask", 0, 0777, &p->umask, err) < 0)
		return sv_err_prefix(err, "user");
	p->uid = (uint32_t)uid.v;
	p->gid = (uint32_t)gid.v;
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "additionalGids");
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sv_err_setx(err, EINVAL, "user.additionalGids: not an array");
	p->groups = sv_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *p->groups);
	const cJSON *g;
	cJSON_ArrayForEach(g, arr) {
		if (!cJSON_IsNumber(g) || g->valuedouble < 0 || g->valuedouble >= (double)UINT32_MAX ||
		    g->valuedouble != (double)(uint32_t)g->valuedouble)
			return sv_err_setx(err, EINVAL, "user.additionalGids: bad group id");
		p->groups[p->n_groups++] = (uint32_t)g->valuedouble;
	}
	return 0;
}

static int parse_console(const cJSON *j, struct spec_process *p, sv_err **err)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "consoleSize");
	if (!c || cJSON_IsNull(c))
		return 0;
	struct opt_i64 h = { 0 }, w = { 0 };
	if (get_int(c, "height", 0, UINT16_MAX, &h, err) < 0 || get_int(c, "width", 0, UINT16_MAX, &w, err) < 0)
		return sv_err_prefix(err, "consoleSize");
	p->rows = (uint16_t)h.v;
	p->cols = (uint16_t)w.v;
	return 0;
}

/* AppArmor and SELinux are not applied: a label is ignored where the host
 * lacks the LSM (as runc does) and refused where it has it, so a profile
 * never silently fails to apply. */
static int check_lsm(const cJSON *j, sv_err **err)
{
	const char *aa = sv_json_str(j, "apparmorProfile"), *se = sv_json_str(j, "selinuxLabel");
	char c = 'N';
	FILE *f = fopen("/sys/module/apparmor/parameters/enabled", "re");
	if (f) {
		c = (char)fgetc(f);
		fclose(f);
	}
	if (aa && *aa && c == 'Y')
		return sv_err_setx(err, ENOTSUP, "apparmorProfile %s: AppArmor profiles are not supported", aa);
	if (se && *se && access("/sys/fs/selinux/enforce", F_OK) == 0)
		return sv_err_setx(err, ENOTSUP, "selinuxLabel %s: SELinux labels are not supported", se);
	return 0;
}

int spec_parse_process(const cJSON *j, struct spec_process *p, sv_err **err)
{
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "process: not an object");
	if (get_bool(j, "terminal", &p->terminal, err) < 0 || parse_console(j, p, err) < 0 ||
	    parse_user(cJSON_GetObjectItemCaseSensitive(j, "user"), p, err) < 0 ||
	    get_strv(j, "args", &p->args, err) < 0 || get_strv(j, "env", &p->env, err) < 0 ||
	    get_str(j, "cwd", &p->cwd, err) < 0 ||
	    parse_caps(cJSON_GetObjectItemCaseSensitive(j, "capabilities"), p, err) < 0 ||
	    parse_rlimits(cJSON_GetObjectItemCaseSensitive(j, "rlimits"), p, err) < 0 ||
	    get_bool(j, "noNewPrivileges", &p->no_new_privs, err) < 0 ||
	    get_int(j, "oomScoreAdj", -1000, 1000, &p->oom_score, err) < 0 || check_lsm(j, err) < 0)
		return sv_err_prefix(err, "process");
	if (!p->args || !p->args[0] || !*p->args[0])
		return sv_err_setx(err, EINVAL, "process.args: no command given");
	if (!p->cwd)
		p->cwd = sv_xstrdup("/");
	if (p->cwd[0] != '/')
		return sv_err_setx(err, EINVAL, "process.cwd %s is not absolute", p->cwd);
	for (size_t i = 0; p->env && p->env[i]; i++)
		if (!strchr(p->env[i], '='))
			return sv_err_setx(err, EINVAL, "process.env: \"%s\" is not KEY=VALUE", p->env[i]);
	return 0;
}

/* ------------------------------------------------------------ linux */

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{ "pid", CLONE_NEWPID },     { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
	{ "ipc", CLONE_NEWIPC },     { "uts", CLONE_NEWUTS },	  { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

static int parse_namespaces(const cJSON *arr, struct spec *s, sv_err **err)
{
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sv_err_setx(err, EINVAL, "linux.namespaces: not an array");
	s->ns = sv_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *s->ns);
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		const char *type = sv_json_str(j, "type");
		int flag = 0;
		for (size_t i = 0; type && i < sizeof ns_types / sizeof *ns_types; i++)
			if (strcmp(type, ns_types[i].name) == 0)
				flag = ns_types[i].flag;
		if (!flag)
			return sv_err_setx(err, EINVAL, "linux.namespaces: unknown type %s", type ? type : "(none)");
		if (spec_ns_find(s, flag))
			return sv_err_setx(err, EINVAL, "linux.namespaces: %s given twice", type);
		struct spec_ns *ns = &s->ns[s->n_ns++];
		ns->type = flag;
		if (get_str(j, "path", &ns->path, err) < 0)
			return sv_err_prefix(err, "linux.namespaces %s", type);
		if (ns->path && !*ns->path) {
			free(ns->path);
			ns->path = NULL;
		}
	}
	return 0;
}

const struct spec_ns *spec_ns_find(const struct spec *s, int type)
{
	for (size_t i = 0; i < s->n_ns; i++)
		if (s->ns[i].type == type)
			return &s->ns[i];
	return NULL;
}

static int parse_device(const cJSON *j, struct spec_device *d, sv_err **err)
{
	const char *type = sv_json_str(j, "type");
	if (get_str(j, "path", &d->path, err) < 0)
		return -1;
	if (!d->path || d->path[0] != '/')
		return sv_err_setx(err, EINVAL, "path is not absolute");
	if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
		return sv_err_setx(err, EINVAL, "%s: bad type", d->path);
	d->type = type[0] == 'u' ? 'c' : type[0];
	struct opt_i64 maj = { 0 }, min = { 0 }, mode = { .v = 0666 }, uid = { 0 }, gid = { 0 };
	if (get_int(j, "major", 0, 0xfff, &maj, err) < 0 || get_int(j, "minor", 0, 0xfffff, &min, err) < 0 ||
	    get_int(j, "fileMode", 0, 07777, &mode, err) < 0 || get_int(j, "uid", 0, UINT32_MAX - 1, &uid, err) < 0 ||
	    get_int(j, "gid", 0, UINT32_MAX - 1, &gid, err) < 0)
		return sv_err_prefix(err, "%s", d->path);
	if (d->type != 'p' && (!maj.set || !min.set))
		return sv_err_setx(err, EINVAL, "%s: major and minor are required", d->path);
	d->major = maj.v;
	d->minor = min.v;
	d->mode = (uint32_t)mode.v;
	d->uid = (uint32_t)uid.v;
	d->gid = (uint32_t)gid.v;
	return 0;
}

static int parse_devices(const cJSON *arr, struct spec *s, sv_err **err)
{
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sv_err_setx(err, EINVAL, "linux.devices: not an array");
	s->devices = sv_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *s->devices);
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		if (parse_device(j, &s->devices[s->n_devices++], err) < 0)
			return sv_err_prefix(err, "linux.devices");
	}
	return 0;
}

static int parse_dev_rule(const cJSON *j, struct spec_dev_rule *r, sv_err **err)
{
	const char *type = sv_json_str(j, "type");
	const char *access = sv_json_str(j, "access");
	if (get_bool(j, "allow", &r->allow, err) < 0)
		return -1;
	r->type = type && *type ? type[0] : 'a';
	if (!strchr("acb", r->type) || (type && strlen(type) > 1))
		return sv_err_setx(err, EINVAL, "bad type %s", type);
	struct opt_i64 maj = { 0 }, min = { 0 };
	if (get_int(j, "major", -1, 0xfff, &maj, err) < 0 || get_int(j, "minor", -1, 0xfffff, &min, err) < 0)
		return -1;
	r->major = maj.set ? maj.v : -1;
	r->minor = min.set ? min.v : -1;
	if (!access)
		access = "rwm";
	if (strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
		return sv_err_setx(err, EINVAL, "bad access %s", access);
	strcpy(r->access, access);
	return 0;
}

static int parse_memory(const cJSON *j, struct spec_resources *r, sv_err **err)
{
	if (!j || cJSON_IsNull(j))
		return 0;
	if (get_int(j, "limit", -1, INT64_MAX, &r->mem_limit, err) < 0 ||
	    get_int(j, "reservation", -1, INT64_MAX, &r->mem_reservation, err) < 0 ||
	    get_int(j, "swap", -1, INT64_MAX, &r->mem_swap, err) < 0 ||
	    get_int(j, "swappiness", 0, 100, &r->mem_swappiness, err) < 0 ||
	    get_bool(j, "disableOOMKiller", &r->disable_oom_killer, err) < 0)
		return sv_err_prefix(err, "memory");
	return 0;
}

static int parse_cpu(const cJSON *j, struct spec_resources *r, sv_err **err)
{
	if (!j || cJSON_IsNull(j))
		return 0;
	if (get_int(j, "shares", 0, UINT32_MAX, &r->cpu_shares, err) < 0 ||
	    get_int(j, "quota", -1, INT64_MAX, &r->cpu_quota, err) < 0 ||
	    get_int(j, "period", 0, UINT32_MAX, &r->cpu_period, err) < 0 ||
	    get_str(j, "cpus", &r->cpus, err) < 0 || get_str(j, "mems", &r->mems, err) < 0)
		return sv_err_prefix(err, "cpu");
	return 0;
}

static int parse_hugetlb(const cJSON *arr, struct spec_resources *r, sv_err **err)
{
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sv_err_setx(err, EINVAL, "hugepageLimits: not an array");
	r->hugetlb = sv_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *r->hugetlb);
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		struct spec_hugetlb *h = &r->hugetlb[r->n_hugetlb++];
		if (get_str(j, "pageSize", &h->page_size, err) < 0 || get_u64(j, "limit", &h->limit, NULL, err) < 0)
			return sv_err_prefix(err, "hugepageLimits");
		if (!h->page_size || strspn(h->page_size, "0123456789KMGB") != strlen(h->page_size))
			return sv_err_setx(err, EINVAL, "hugepageLimits: bad pageSize");
	}
	return 0;
}

static int parse_unified(const cJSON *j, struct spec_resources *r, sv_err **err)
{
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "unified: not an object");
	const cJSON *kv;
	cJSON_ArrayForEach(kv, j) {
		if (!cJSON_IsString(kv) || strchr(kv->string, '/') || kv->string[0] == '.')
			return sv_err_setx(err, EINVAL, "unified: bad entry %s", kv->string);
		sv_strv_push_take(&r->unified, sv_xasprintf("%s=%s", kv->string, kv->valuestring));
	}
	return 0;
}

static int parse_resources(const cJSON *j, struct spec_resources *r, sv_err **err)
{
	if (!j || cJSON_IsNull(j))
		return 0;
	const cJSON *devs = cJSON_GetObjectItemCaseSensitive(j, "devices");
	if (devs && cJSON_IsArray(devs)) {
		r->dev_rules = sv_xcalloc((size_t)cJSON_GetArraySize(devs) + 1, sizeof *r->dev_rules);
		const cJSON *d;
		cJSON_ArrayForEach(d, devs) {
			if (parse_dev_rule(d, &r->dev_rules[r->n_dev_rules++], err) < 0)
				return sv_err_prefix(err, "resources.devices");
		}
	}
	const cJSON *pids = sv_json_obj(j, "pids");
	const cJSON *blkio = sv_json_obj(j, "blockIO");
	if (parse_memory(sv_json_obj(j, "memory"), r, err) < 0 || parse_cpu(sv_json_obj(j, "cpu"), r, err) < 0 ||
	    (pids && get_int(pids, "limit", -1, INT64_MAX, &r->pids_limit, err) < 0) ||
	    (blkio && get_int(blkio, "weight", 0, 1000, &r->blkio_weight, err) < 0) ||
	    parse_hugetlb(cJSON_GetObjectItemCaseSensitive(j, "hugepageLimits"), r, err) < 0 ||
	    parse_unified(cJSON_GetObjectItemCaseSensitive(j, "unified"), r, err) < 0)
		return sv_err_prefix(err, "resources");
	return 0;
}

/* uidMappings/gidMappings → the text for /proc/<pid>/{uid,gid}_map. */
static int parse_idmaps(const cJSON *j, const char *key, char **out, sv_err **err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, key), *m;
	if (!arr || cJSON_IsNull(arr) || cJSON_GetArraySize(arr) == 0)
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > 340)
		return sv_err_setx(err, EINVAL, "%s: not an array of at most 340 ranges", key);
	struct sv_buf b;
	sv_buf_init(&b);
	cJSON_ArrayForEach(m, arr) {
		struct opt_i64 c = { 0 }, h = { 0 }, n = { 0 };
		if (get_int(m, "containerID", 0, UINT32_MAX - 1, &c, err) < 0 ||
		    get_int(m, "hostID", 0, UINT32_MAX - 1, &h, err) < 0 || get_int(m, "size", 1, UINT32_MAX, &n, err) < 0 ||
		    !c.set || !h.set || !n.set || c.v + n.v > UINT32_MAX || h.v + n.v > UINT32_MAX) {
			sv_buf_release(&b);
			return sv_err_code(err) ? sv_err_prefix(err, "%s", key)
						: sv_err_setx(err, EINVAL, "%s: a range needs containerID, hostID and size", key);
		}
		sv_buf_addf(&b, "%lld %lld %lld\n", (long long)c.v, (long long)h.v, (long long)n.v);
	}
	*out = sv_buf_detach(&b, NULL);
	return 0;
}

static unsigned long propagation_flags(const char *name)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} t[] = {
		{ "shared", MS_SHARED },       { "rshared", MS_SHARED | MS_REC },
		{ "slave", MS_SLAVE },	       { "rslave", MS_SLAVE | MS_REC },
		{ "private", MS_PRIVATE },     { "rprivate", MS_PRIVATE | MS_REC },
		{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp(name, t[i].name) == 0)
			return t[i].flags;
	return 0;
}

static int parse_linux(const cJSON *j, struct spec *s, sv_err **err)
{
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "linux: not an object");
	SV_AUTOFREE char *prop = NULL;
	if (parse_namespaces(cJSON_GetObjectItemCaseSensitive(j, "namespaces"), s, err) < 0 ||
	    parse_devices(cJSON_GetObjectItemCaseSensitive(j, "devices"), s, err) < 0 ||
	    get_str(j, "cgroupsPath", &s->cgroups_path, err) < 0 ||
	    parse_resources(cJSON_GetObjectItemCaseSensitive(j, "resources"), &s->res, err) < 0 ||
	    get_str(j, "rootfsPropagation", &prop, err) < 0 ||
	    get_strv(j, "maskedPaths", &s->masked, err) < 0 ||
	    get_strv(j, "readonlyPaths", &s->readonly, err) < 0 ||
	    get_kv(j, "sysctl", &s->sysctls, err) < 0)
		return sv_err_prefix(err, "linux");
	if (prop && *prop && !(s->rootfs_prop = propagation_flags(prop)))
		return sv_err_setx(err, EINVAL, "linux.rootfsPropagation: unknown value %s", prop);
	if (parse_idmaps(j, "uidMappings", &s->uid_map, err) < 0 || parse_idmaps(j, "gidMappings", &s->gid_map, err) < 0)
		return sv_err_prefix(err, "linux");
	const struct spec_ns *user = spec_ns_find(s, CLONE_NEWUSER);
	if (user && user->path)
		return sv_err_setx(err, EINVAL, "linux.namespaces: joining a user namespace is not supported");
	if (user && (!s->uid_map || !s->gid_map))
		return sv_err_setx(err, EINVAL, "linux: a new user namespace needs uidMappings and gidMappings");
	if (!user && (s->uid_map || s->gid_map))
		return sv_err_setx(err, EINVAL, "linux: uidMappings and gidMappings need a new user namespace");
	if (spec_ns_find(s, CLONE_NEWTIME))
		return sv_err_setx(err, EINVAL, "linux.namespaces: time namespaces are not supported");
	const cJSON *pers = sv_json_obj(j, "personality");
	if (pers) {
		const char *dom = sv_json_str(pers, "domain");
		if (!dom || (strcmp(dom, "LINUX") && strcmp(dom, "LINUX32")))
			return sv_err_setx(err, EINVAL, "linux.personality: bad domain");
		s->personality.set = true;
		s->personality.v = strcmp(dom, "LINUX32") == 0 ? 0x0008 : 0;
	}
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(j, "seccomp");
	if (sc && !cJSON_IsNull(sc))
		s->seccomp = cJSON_Duplicate(sc, true);
	return 0;
}

/* ------------------------------------------------------------ hooks */

static int parse_hook_list(const cJSON *arr, struct spec_hook **out, size_t *n, sv_err **err)
{
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sv_err_setx(err, EINVAL, "not an array");
	*out = sv_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
	const cJSON *j;
	cJSON_ArrayForEach(j, arr) {
		struct spec_hook *h = &(*out)[(*n)++];
		struct opt_i64 t = { 0 };
		if (get_str(j, "path", &h->path, err) < 0 || get_strv(j, "args", &h->args, err) < 0 ||
		    get_strv(j, "env", &h->env, err) < 0 || get_int(j, "timeout", 1, 3600, &t, err) < 0)
			return -1;
		if (!h->path || h->path[0] != '/')
			return sv_err_setx(err, EINVAL, "path is not absolute");
		h->timeout = (int)t.v;
	}
	return 0;
}

static int parse_hooks(const cJSON *j, struct spec *s, sv_err **err)
{
	static const char *const names[HOOK_KINDS_] = { "prestart", "createRuntime", "poststart", "poststop" };
	if (!j || cJSON_IsNull(j))
		return 0;
	for (int k = 0; k < HOOK_KINDS_; k++)
		if (parse_hook_list(cJSON_GetObjectItemCaseSensitive(j, names[k]), &s->hooks[k], &s->n_hooks[k], err) < 0)
			return sv_err_prefix(err, "hooks.%s", names[k]);
	const char *unsupported[] = { "createContainer", "startContainer" };
	for (size_t i = 0; i < 2; i++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, unsupported[i]);
		if (a && cJSON_GetArraySize(a) > 0)
			return sv_err_setx(err, EINVAL, "hooks.%s: not supported", unsupported[i]);
	}
	return 0;
}

/* ------------------------------------------------------------ top */

static int parse_root(const cJSON *j, const char *bundle, struct spec *s, sv_err **err)
{
	const cJSON *root = sv_json_obj(j, "root");
	const char *path = root ? sv_json_str(root, "path") : NULL;
	if (!path || !*path)
		return sv_err_setx(err, EINVAL, "root.path is missing");
	s->root = path[0] == '/' ? sv_xstrdup(path) : sv_path_join(bundle, path);
	return get_bool(root, "readonly", &s->root_ro, err);
}

int spec_parse(const char *text, size_t len, const char *bundle, struct spec *s, sv_err **err)
{
	memset(s, 0, sizeof *s);
	SV_AUTOJSON cJSON *j = sv_json_parse(text, len, 4u << 20, "config.json", err);
	if (!j)
		return -1;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "config.json: not a JSON object");
	const cJSON *proc = cJSON_GetObjectItemCaseSensitive(j, "process");
	if (parse_root(j, bundle, s, err) < 0 || get_str(j, "hostname", &s->hostname, err) < 0 ||
	    get_str(j, "domainname", &s->domainname, err) < 0 || parse_mounts(j, s, err) < 0 ||
	    get_kv(j, "annotations", &s->annotations, err) < 0 || parse_linux(sv_json_obj(j, "linux"), s, err) < 0 ||
	    parse_hooks(sv_json_obj(j, "hooks"), s, err) < 0)
		return sv_err_prefix(err, "config.json");
	if (proc && !cJSON_IsNull(proc)) {
		s->has_process = true;
		if (spec_parse_process(proc, &s->proc, err) < 0)
			return sv_err_prefix(err, "config.json");
	}
	return 0;
}

void spec_process_release(struct spec_process *p)
{
	free(p->groups);
	sv_strv_free(p->args);
	sv_strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	memset(p, 0, sizeof *p);
}

static void resources_release(struct spec_resources *r)
{
	free(r->cpus);
	free(r->mems);
	free(r->dev_rules);
	for (size_t i = 0; i < r->n_hugetlb; i++)
		free(r->hugetlb[i].page_size);
	free(r->hugetlb);
	sv_strv_free(r->unified);
}

void spec_release(struct spec *s)
{
	free(s->root);
	free(s->hostname);
	free(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].dst);
		free(s->mounts[i].src);
		free(s->mounts[i].type);
		free(s->mounts[i].data);
	}
	free(s->mounts);
	spec_process_release(&s->proc);
	sv_strv_free(s->annotations);
	for (size_t i = 0; i < s->n_ns; i++)
		free(s->ns[i].path);
	free(s->ns);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->cgroups_path);
	free(s->uid_map);
	free(s->gid_map);
	resources_release(&s->res);
	sv_strv_free(s->masked);
	sv_strv_free(s->readonly);
	sv_strv_free(s->sysctls);
	cJSON_Delete(s->seccomp);
	for (int k = 0; k < HOOK_KINDS_; k++) {
		for (size_t i = 0; i < s->n_hooks[k]; i++) {
			free(s->hooks[k][i].path);
			sv_strv_free(s->hooks[k][i].args);
			sv_strv_free(s->hooks[k][i].env);
		}
		free(s->hooks[k]);
	}
	memset(s, 0, sizeof *s);
}
