/*
 * A parsed spec → the plan servin-init follows (plan.h). Decisions that
 * need the host (sysctl namespaces, default devices, which cgroup
 * hierarchies exist, the seccomp BPF) are made here, in the library, so the
 * helper stays small and never parses JSON.
 */
#include "runtime/runtime-internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/plan.h"

/* The nodes every container gets (OCI "Default Devices"); /dev/ptmx and
 * /dev/console are handled by servin-init (a link to pts/ptmx, the pty). */
static const struct {
	const char *path;
	int major, minor;
} default_devices[] = {
	{ "/dev/null", 1, 3 },	 { "/dev/zero", 1, 5 },	   { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static void put_device(struct sv_buf *b, const char *path, const struct spec_device *d)
{
	plan_put(b, PT_DEVICE, NULL, 0);
	plan_put_str(b, PT_DEVICE_PATH, path);
	plan_put_u32(b, PT_DEVICE_TYPE, (uint32_t)d->type);
	plan_put_u32(b, PT_DEVICE_MAJOR, (uint32_t)d->major);
	plan_put_u32(b, PT_DEVICE_MINOR, (uint32_t)d->minor);
	plan_put_u32(b, PT_DEVICE_MODE, d->mode);
	plan_put_u32(b, PT_DEVICE_UID, d->uid);
	plan_put_u32(b, PT_DEVICE_GID, d->gid);
}

static bool dev_is_bind_mounted(const struct spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].dst, "/dev") == 0 && s->mounts[i].bind)
			return true;
	return false;
}

static void put_devices(const struct spec *s, bool defaults, struct sv_buf *b)
{
	for (size_t i = 0; defaults && i < sizeof default_devices / sizeof *default_devices; i++) {
		bool overridden = false;
		for (size_t k = 0; k < s->n_devices; k++)
			overridden |= strcmp(s->devices[k].path, default_devices[i].path) == 0;
		struct spec_device d = { NULL, 'c', default_devices[i].major, default_devices[i].minor, 0666, 0, 0 };
		if (!overridden)
			put_device(b, default_devices[i].path, &d);
	}
	for (size_t i = 0; i < s->n_devices; i++)
		put_device(b, s->devices[i].path, &s->devices[i]);
}

static void put_mount(struct sv_buf *b, const struct spec_mount *m, uint32_t kind)
{
	plan_put(b, PT_MOUNT, NULL, 0);
	plan_put_u32(b, PT_MOUNT_KIND, kind);
	plan_put_str(b, PT_MOUNT_SRC, m->src);
	plan_put_str(b, PT_MOUNT_DST, m->dst);
	plan_put_str(b, PT_MOUNT_TYPE, m->type);
	plan_put_str(b, PT_MOUNT_DATA, m->data);
	plan_put_u64(b, PT_MOUNT_FLAGS, m->flags);
	plan_put_u64(b, PT_MOUNT_PROP, m->prop);
}

static void put_mounts(const struct spec *s, const struct build_opts *o, struct sv_buf *b)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		uint32_t kind = m->bind ? PLAN_MOUNT_BIND : PLAN_MOUNT_FS;
		if (!m->bind && m->type && strcmp(m->type, "cgroup") == 0 && o->cg)
			kind = PLAN_MOUNT_CGROUP;
		put_mount(b, m, kind);
	}
	if (o->cg) {
		bool own = spec_ns_find(s, CLONE_NEWCGROUP) != NULL;
		SV_AUTOSTRV char **cm = cgroup_mount_plan(o->cg, own);
		for (size_t i = 0; cm && cm[i]; i++)
			plan_put_str(b, PT_CGROUP_MOUNT, cm[i]);
	}
}

/* runc's rule: a sysctl must belong to a namespace the container owns. */
static int check_sysctl(const struct spec *s, const char *kv, sv_err **err)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
					   "kernel.shm_rmid_forced", NULL };
	const char *eq = strchr(kv, '=');
	size_t n = (size_t)(eq - kv);
	SV_AUTOFREE char *key = sv_xstrndup(kv, n);
	if (!n || strstr(key, "..") || strchr(key, '/') || key[0] == '.')
		return sv_err_setx(err, EINVAL, "sysctl %s: bad name", key);
	int ns = 0;
	for (size_t i = 0; ipc[i]; i++)
		if (strcmp(key, ipc[i]) == 0)
			ns = CLONE_NEWIPC;
	if (sv_str_has_prefix(key, "fs.mqueue."))
		ns = CLONE_NEWIPC;
	else if (sv_str_has_prefix(key, "net."))
		ns = CLONE_NEWNET;
	else if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		ns = CLONE_NEWUTS;
	if (!ns)
		return sv_err_setx(err, EINVAL, "sysctl %s is not in a separate kernel namespace", key);
	const struct spec_ns *have = spec_ns_find(s, ns);
	if (!have)
		return sv_err_setx(err, EINVAL, "sysctl %s needs the container's own %s namespace", key,
				   ns == CLONE_NEWNET ? "network" : ns == CLONE_NEWIPC ? "ipc" : "uts");
	return 0;
}

static int put_paths(const struct spec *s, struct sv_buf *b, sv_err **err)
{
	for (size_t i = 0; s->masked && s->masked[i]; i++)
		plan_put_str(b, PT_MASKED, s->masked[i]);
	for (size_t i = 0; s->readonly && s->readonly[i]; i++)
		plan_put_str(b, PT_READONLY, s->readonly[i]);
	for (size_t i = 0; s->sysctls && s->sysctls[i]; i++) {
		if (check_sysctl(s, s->sysctls[i], err) < 0)
			return -1;
		plan_put_str(b, PT_SYSCTL, s->sysctls[i]);
	}
	return 0;
}

static int put_namespaces(const struct spec *s, uint32_t *flags, struct sv_buf *b, sv_err **err)
{
	for (size_t i = 0; i < s->n_ns; i++) {
		const struct spec_ns *ns = &s->ns[i];
		if (ns->type == CLONE_NEWCGROUP && !ns->path)
			*flags |= PLAN_F_NEW_CGROUPNS;
		/* As runc and crun: a fresh network namespace gets its loopback
		 * up, so `--network none` needs nobody to enter it. */
		if (ns->type == CLONE_NEWNET && !ns->path)
			*flags |= PLAN_F_LOOPBACK;
		if (!ns->path)
			continue;
		plan_put_u32(b, PT_NS_JOIN, (uint32_t)ns->type);
		plan_put_str(b, PT_NS_JOIN_PATH, ns->path);
		if (ns->type == CLONE_NEWPID)
			*flags |= PLAN_F_FORK;
	}
	if (!spec_ns_find(s, CLONE_NEWNS))
		return sv_err_setx(err, EINVAL, "config.json: a mount namespace is required");
	const struct spec_ns *uts = spec_ns_find(s, CLONE_NEWUTS);
	if ((s->hostname && *s->hostname) || (s->domainname && *s->domainname)) {
		if (!uts || uts->path)
			return sv_err_setx(err, EINVAL, "config.json: a hostname needs a new uts namespace");
		plan_put_str(b, PT_HOSTNAME, s->hostname);
		plan_put_str(b, PT_DOMAINNAME, s->domainname);
	}
	return 0;
}

int build_plan(const struct spec *s, const struct build_opts *o, struct sv_buf *b, sv_err **err)
{
	uint32_t flags = 0;
	plan_put_u32(b, PT_MODE, (uint32_t)o->mode);
	plan_put_str(b, PT_ROOTFS, s->root);
	plan_put_u64(b, PT_PROPAGATION, s->rootfs_prop);
	plan_put_str(b, PT_FIFO, o->fifo);
	if (s->root_ro)
		flags |= PLAN_F_ROOT_RO;
	if (o->new_keyring)
		flags |= PLAN_F_NEW_KEYRING;
	if (o->detach)
		flags |= PLAN_F_DETACH | PLAN_F_FORK;
	if (!dev_is_bind_mounted(s))
		flags |= PLAN_F_DEFAULT_DEVICES;
	if (put_namespaces(s, &flags, b, err) < 0)
		return -1;
	SV_AUTOSTRV char **join = o->cg && !o->userns ? cgroup_join_files(o->cg) : NULL;
	for (size_t i = 0; join && join[i]; i++)
		plan_put_str(b, PT_CGROUP_JOIN, join[i]);
	put_mounts(s, o, b);
	put_devices(s, flags & PLAN_F_DEFAULT_DEVICES, b);
	if (put_paths(s, b, err) < 0)
		return -1;
	if (s->personality.set)
		plan_put_u32(b, PT_PERSONALITY, (uint32_t)s->personality.v);
	if (build_process(&s->proc, s, o->seccomp_cache, b, err) < 0)
		return -1;
	/* Flags last: build_process adds its own. */
	plan_put_u32(b, PT_FLAGS, flags);
	return 0;
}

static bool env_has(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return true;
	return false;
}

static void put_rlimits(const struct spec_process *p, struct sv_buf *b)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		char rec[20];
		uint32_t res = (uint32_t)p->rlimits[i].resource;
		memcpy(rec, &res, 4);
		memcpy(rec + 4, &p->rlimits[i].soft, 8);
		memcpy(rec + 12, &p->rlimits[i].hard, 8);
		plan_put(b, PT_RLIMIT, rec, sizeof rec);
	}
}

static int put_seccomp(const struct spec *s, const char *cache, struct sv_buf *b, sv_err **err)
{
	SV_AUTOBUF struct sv_buf bpf;
	sv_buf_init(&bpf);
	uint32_t sflags = 0;
	if (seccomp_compile_cached(s->seccomp, cache, &bpf, &sflags, err) < 0)
		return -1;
	if (bpf.len) {
		plan_put(b, PT_SECCOMP, bpf.data, (uint32_t)bpf.len);
		plan_put_u32(b, PT_SECCOMP_FLAGS, sflags);
	}
	return 0;
}

int build_process(const struct spec_process *p, const struct spec *s, const char *seccomp_cache,
		  struct sv_buf *b, sv_err **err)
{
	uint32_t flags = 0;
	for (size_t i = 0; p->args[i]; i++)
		plan_put_str(b, PT_ARG, p->args[i]);
	for (size_t i = 0; p->env && p->env[i]; i++)
		plan_put_str(b, PT_ENV, p->env[i]);
	if (p->terminal && !env_has(p->env, "TERM"))
		plan_put_str(b, PT_ENV, "TERM=xterm");
	plan_put_str(b, PT_CWD, p->cwd);
	plan_put_u32(b, PT_UID, p->uid);
	plan_put_u32(b, PT_GID, p->gid);
	for (size_t i = 0; i < p->n_groups; i++)
		plan_put_u32(b, PT_GROUP, p->groups[i]);
	if (p->umask.set) {
		flags |= PLAN_F_HAS_UMASK;
		plan_put_u32(b, PT_UMASK, (uint32_t)p->umask.v);
	}
	if (p->oom_score.set) {
		flags |= PLAN_F_HAS_OOM_SCORE;
		plan_put_u32(b, PT_OOM_SCORE, (uint32_t)(int32_t)p->oom_score.v);
	}
	put_rlimits(p, b);
	plan_put(b, PT_CAPS, p->caps, sizeof p->caps);
	if (p->terminal) {
		flags |= PLAN_F_TERMINAL;
		uint16_t sz[2] = { p->rows, p->cols };
		plan_put(b, PT_CONSOLE_SIZE, sz, sizeof sz);
	}
	if (p->no_new_privs)
		flags |= PLAN_F_NO_NEW_PRIVS;
	if (s->seccomp && put_seccomp(s, seccomp_cache, b, err) < 0)
		return -1;
	plan_put_u32(b, PT_FLAGS, flags);
	return 0;
}
