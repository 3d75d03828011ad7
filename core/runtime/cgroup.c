/*
 * The container's cgroups: find where each controller lives (from
 * /proc/self/cgroup and /proc/self/mountinfo — v1 hierarchies, the v2 tree,
 * or both on hybrid hosts), make the container's directories, and dispatch
 * every operation to the v1 or v2 backend of each directory.
 *
 * Joining is done by servin-init itself, writing "0" to each v1 "tasks"
 * file (the kernel then skips the global threadgroup rwsem that makes
 * cgroup.procs writes cost milliseconds) and, for v2, by clone3's
 * CLONE_INTO_CGROUP, which moves nothing at all.
 */
#include "runtime/cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ files */

int cgroup_write(const char *dir, const char *file, const char *value, sv_err **err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno, "open %s", path);
	ssize_t n = write(fd, value, strlen(value));
	int e = errno;
	close(fd);
	if (n < 0)
		return sv_err_set(err, e, "write \"%s\" to %s", value, path);
	return 0;
}

int cgroup_writef(const char *dir, const char *file, sv_err **err, const char *fmt, ...)
{
	char value[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	return cgroup_write(dir, file, value, err);
}

int cgroup_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

uint64_t cgroup_read_u64(const char *dir, const char *file)
{
	char buf[64];
	if (cgroup_read(dir, file, buf, sizeof buf) < 0)
		return 0;
	if (strncmp(buf, "max", 3) == 0)
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

uint64_t cgroup_read_key(const char *dir, const char *file, const char *key)
{
	char buf[8192];
	if (cgroup_read(dir, file, buf, sizeof buf) < 0)
		return 0;
	size_t kl = strlen(key);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
			return strtoull(line + kl + 1, NULL, 10);
	return 0;
}

/* ------------------------------------------------------------ value mapping */

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	/* [2, 262144] → [1, 10000], as runc and crun map it. */
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	/* [10, 1000] → [1, 10000]. */
	return 1 + ((weight - 10) * 9999) / 990;
}

int cgroup_v2_swap(int64_t limit, int64_t swap, int64_t *out, sv_err **err)
{
	if (swap == -1 || limit == -1) {
		*out = -1;
		return 0;
	}
	if (swap < limit)
		return sv_err_setx(err, EINVAL, "memory+swap limit %lld is below the memory limit %lld",
				   (long long)swap, (long long)limit);
	*out = swap - limit;
	return 0;
}

void cgroup_dev_rule_str(const struct spec_dev_rule *r, char *buf, size_t len)
{
	char maj[24] = "*", min[24] = "*";
	if (r->major >= 0)
		snprintf(maj, sizeof maj, "%lld", (long long)r->major);
	if (r->minor >= 0)
		snprintf(min, sizeof min, "%lld", (long long)r->minor);
	snprintf(buf, len, "%c %s:%s %s", r->type, maj, min, r->access);
}

const struct spec_dev_rule cgroup_default_dev_rules[] = {
	{ true, 'c', -1, -1, "m" },  { true, 'b', -1, -1, "m" },  { true, 'c', 1, 3, "rwm" },
	{ true, 'c', 1, 5, "rwm" },  { true, 'c', 1, 7, "rwm" },  { true, 'c', 1, 8, "rwm" },
	{ true, 'c', 1, 9, "rwm" },  { true, 'c', 5, 0, "rwm" },  { true, 'c', 5, 1, "rwm" },
	{ true, 'c', 5, 2, "rwm" },  { true, 'c', 136, -1, "rwm" },
};
const size_t cgroup_n_default_dev_rules = sizeof cgroup_default_dev_rules / sizeof *cgroup_default_dev_rules;

/* ------------------------------------------------------------ detection */

struct hier {
	char *controllers; /* from /proc/self/cgroup; "" for v2 */
	char *own;	   /* our path inside it */
	char *mount, *mount_root;
};

bool cgroup_has(const char *list, const char *c)
{
	size_t n = strlen(c);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (l == n && strncmp(p, c, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static void hiers_free(struct hier *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].controllers);
		free(h[i].own);
		free(h[i].mount);
		free(h[i].mount_root);
	}
	free(h);
}

/* Every controller of `want` is in the super options `opts`. */
static bool opts_cover(const char *opts, const char *want)
{
	SV_AUTOSTRV char **w = sv_strv_split(want, ',', true);
	for (size_t i = 0; w[i]; i++)
		if (!cgroup_has(opts, w[i]))
			return false;
	return true;
}

/* Fills mount and mount_root of each hierarchy from mountinfo. */
static void find_mounts(struct hier *h, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char root[4096], mnt[4096], fstype[64], opts[1024];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		bool v2 = strcmp(fstype, "cgroup2") == 0;
		if (!v2 && strcmp(fstype, "cgroup") != 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (h[i].mount || v2 != (h[i].controllers[0] == '\0'))
				continue;
			if (!v2 && !opts_cover(opts, h[i].controllers))
				continue;
			h[i].mount = sv_xstrdup(mnt);
			h[i].mount_root = sv_xstrdup(root);
		}
	}
	free(line);
	fclose(f);
}

static int detect(struct hier **out, size_t *n, sv_err **err)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return sv_err_set(err, errno, "open /proc/self/cgroup");
	struct hier *h = NULL;
	size_t count = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		h = sv_xrealloc(h, (count + 1) * sizeof *h);
		h[count] = (struct hier){ sv_xstrndup(c1 + 1, (size_t)(c2 - c1 - 1)), sv_xstrdup(c2 + 1), NULL, NULL };
		count++;
	}
	free(line);
	fclose(f);
	find_mounts(h, count);
	*out = h;
	*n = count;
	return 0;
}

/* ------------------------------------------------------------ creation */

/* With a v2 directory the device list is enforced there (eBPF), so a v1
 * devices hierarchy of its own is not joined. */
static bool wanted_v1(const char *controllers, const struct spec_resources *r, bool v2)
{
	static const char *const always[] = { "cpu", "cpuacct", "memory", "pids", "devices", "freezer", "blkio", NULL };
	if (v2 && strcmp(controllers, "devices") == 0)
		return false;
	for (size_t i = 0; always[i]; i++)
		if (cgroup_has(controllers, always[i]))
			return true;
	if (cgroup_has(controllers, "cpuset") && (r->cpus || r->mems))
		return true;
	return cgroup_has(controllers, "hugetlb") && r->n_hugetlb;
}

/* The cgroup path (inside a hierarchy) of the container. */
static char *container_path(const struct spec *s, const char *id, const char *parent, const char *own)
{
	const char *cp = s->cgroups_path && *s->cgroups_path ? s->cgroups_path : NULL;
	SV_AUTOFREE char *rel = NULL;
	if (!cp) {
		rel = sv_path_join(parent ? parent : "servin", id);
		cp = rel;
	}
	if (cp[0] == '/')
		return sv_xstrdup(cp);
	return sv_path_join(own, cp);
}

static int check_path(const char *p, sv_err **err)
{
	SV_AUTOSTRV char **parts = sv_strv_split(p, '/', true);
	for (size_t i = 0; parts[i]; i++)
		if (strcmp(parts[i], "..") == 0 || strcmp(parts[i], ".") == 0)
			return sv_err_setx(err, EINVAL, "cgroup path %s: '.' and '..' are not allowed", p);
	if (!parts[0])
		return sv_err_setx(err, EINVAL, "cgroup path %s names the root cgroup", p);
	if (strchr(p, ':'))
		return sv_err_setx(err, EINVAL, "cgroup path %s: the systemd driver syntax is not supported", p);
	return 0;
}

/* mount + (path relative to the mount's root), or NULL when unreachable. */
static char *dir_of(const struct hier *h, const char *path)
{
	size_t rl = strlen(h->mount_root);
	if (strcmp(h->mount_root, "/") == 0)
		return sv_path_join(h->mount, path);
	if (strncmp(path, h->mount_root, rl) != 0 || (path[rl] != '/' && path[rl]))
		return NULL;
	return sv_path_join(h->mount, path + rl);
}

/* v1 cpuset: a new cgroup starts with empty cpus/mems and refuses tasks. */
static int cpuset_inherit(const char *dir, sv_err **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	SV_AUTOFREE char *parent = sv_xstrdup(dir);
	*strrchr(parent, '/') = '\0';
	for (int i = 0; i < 2; i++) {
		char cur[4096], up[4096];
		if (cgroup_read(dir, files[i], cur, sizeof cur) < 0 || strspn(cur, " \n") != strlen(cur))
			continue;
		if (cgroup_read(parent, files[i], up, sizeof up) < 0)
			return sv_err_set(err, errno, "read %s/%s", parent, files[i]);
		if (cgroup_write(dir, files[i], up, err) < 0)
			return -1;
	}
	return 0;
}

/* mkdir -p below the mount, with cpuset's inheritance on every new level. */
static int make_dirs(const char *mount, const char *dir, bool cpuset, sv_err **err)
{
	size_t ml = strlen(mount);
	SV_AUTOFREE char *p = sv_xstrdup(dir);
	for (char *s = p + ml; s && *s; s = strchr(s + 1, '/')) {
		char *next = strchr(s + 1, '/');
		if (next)
			*next = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return sv_err_set(err, errno, "mkdir %s", p);
		if (cpuset && cpuset_inherit(p, err) < 0)
			return -1;
		if (next)
			*next = '/';
	}
	return 0;
}

/* v2: a controller applies to a cgroup only when every ancestor enables it
 * in cgroup.subtree_control. Failures are left to show up when a limit of
 * that controller is written. */
static void v2_enable(const char *mount, const char *dir)
{
	char avail[1024];
	if (cgroup_read(mount, "cgroup.controllers", avail, sizeof avail) < 0)
		return;
	SV_AUTOSTRV char **ctl = sv_strv_split(avail, ' ', true);
	SV_AUTOBUF struct sv_buf want;
	sv_buf_init(&want);
	for (size_t i = 0; ctl[i]; i++) {
		ctl[i][strcspn(ctl[i], "\n")] = '\0';
		if (*ctl[i])
			sv_buf_addf(&want, "%s+%s", want.len ? " " : "", ctl[i]);
	}
	if (!want.len)
		return;
	SV_AUTOFREE char *parent = sv_xstrdup(dir);
	*strrchr(parent, '/') = '\0';
	SV_AUTOSTRV char **parts = sv_strv_split(parent + strlen(mount), '/', true);
	SV_AUTOBUF struct sv_buf level;
	sv_buf_init(&level);
	sv_buf_adds(&level, mount);
	for (size_t i = 0;; i++) {
		cgroup_write(level.data, "cgroup.subtree_control", want.data, NULL);
		if (!parts[i])
			break;
		sv_buf_addf(&level, "/%s", parts[i]);
	}
}

static bool wanted_v2(const struct hier *h, const struct spec_resources *r, bool hybrid)
{
	if (!hybrid)
		return true;
	char avail[1024];
	if (!h->mount || cgroup_read(h->mount, "cgroup.controllers", avail, sizeof avail) < 0)
		return false;
	return (r->n_hugetlb && strstr(avail, "hugetlb")) || r->unified;
}

static int add_dir(struct cgroup *cg, const struct hier *h, const char *path, const struct spec *s,
		   sv_err **err)
{
	bool v2 = h->controllers[0] == '\0';
	SV_AUTOFREE char *dir = dir_of(h, path);
	if (!dir)
		return sv_err_setx(err, EINVAL, "cgroup %s is outside the mounted part of the %s hierarchy", path,
				   v2 ? "v2" : h->controllers);
	if (make_dirs(h->mount, dir, cgroup_has(h->controllers, "cpuset"), err) < 0)
		return -1;
	cg->dirs = sv_xrealloc(cg->dirs, (cg->n + 1) * sizeof *cg->dirs);
	struct cgroup_dir *d = &cg->dirs[cg->n++];
	d->controllers = sv_xstrdup(h->controllers);
	d->path = sv_steal_ptr(&dir);
	d->ops = v2 ? &cgroup_v2_ops : &cgroup_v1_ops;
	d->devices_bpf = v2;
	if (v2) {
		v2_enable(h->mount, d->path);
		cg->v2fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->v2fd < 0)
			return sv_err_set(err, errno, "open %s", d->path);
	}
	return d->ops->apply(d, &s->res, err);
}

static int create_all(struct cgroup *cg, struct hier *h, size_t n, const struct spec *s, const char *id,
		      const char *parent, sv_err **err)
{
	bool hybrid = false, any_v2 = false, use_v2 = false;
	for (size_t i = 0; i < n; i++) {
		if (h[i].controllers[0] == '\0')
			any_v2 = h[i].mount != NULL;
		else if (h[i].mount)
			hybrid = true;
	}
	for (size_t i = 0; i < n; i++)
		if (h[i].controllers[0] == '\0' && h[i].mount && wanted_v2(&h[i], &s->res, hybrid))
			use_v2 = true;
	for (size_t i = 0; i < n; i++) {
		bool v2 = h[i].controllers[0] == '\0';
		if (!h[i].mount || (v2 ? !use_v2 : !wanted_v1(h[i].controllers, &s->res, use_v2)))
			continue;
		SV_AUTOFREE char *path = container_path(s, id, parent, h[i].own);
		if (check_path(path, err) < 0 || add_dir(cg, &h[i], path, s, err) < 0)
			return -1;
	}
	if (!cg->n && (hybrid || any_v2))
		return sv_err_setx(err, ENOENT, "no usable cgroup hierarchy found");
	if (!use_v2 && !cgroup_find(cg, "devices"))
		return sv_err_setx(err, ENOTSUP, "no devices cgroup (v1) nor cgroup v2 to enforce the device allow-list");
	if (s->res.n_hugetlb && !cgroup_find(cg, "hugetlb"))
		return sv_err_setx(err, ENOTSUP, "hugepage limits: the hugetlb controller is not available");
	return 0;
}

int cgroup_create(const struct spec *s, const char *id, const char *parent, struct cgroup **out,
		  sv_err **err)
{
	if (parent && check_path(parent, err) < 0)
		return -1;
	struct hier *h = NULL;
	size_t n = 0;
	if (detect(&h, &n, err) < 0)
		return -1;
	struct cgroup *cg = sv_xcalloc(1, sizeof *cg);
	cg->v2fd = -1;
	int rc = create_all(cg, h, n, s, id, parent, err);
	hiers_free(h, n);
	if (rc < 0) {
		cgroup_destroy(cg, NULL);
		cgroup_free(cg);
		return sv_err_prefix(err, "cgroups");
	}
	*out = cg;
	return 0;
}

/* ------------------------------------------------------------ dispatch */

const struct cgroup_dir *cgroup_find(const struct cgroup *cg, const char *c)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->dirs[i].ops->version == 1 && cgroup_has(cg->dirs[i].controllers, c))
			return &cg->dirs[i];
	for (size_t i = 0; i < cg->n; i++) {
		char avail[1024];
		if (cg->dirs[i].ops->version != 2 || cgroup_read(cg->dirs[i].path, "cgroup.controllers", avail, sizeof avail) < 0)
			continue;
		avail[strcspn(avail, "\n")] = '\0';
		char *save = NULL;
		for (char *t = strtok_r(avail, " ", &save); t; t = strtok_r(NULL, " ", &save))
			if (strcmp(t, c) == 0)
				return &cg->dirs[i];
	}
	return NULL;
}

struct cgroup *cgroup_from_state(char *const *paths)
{
	if (!paths || !paths[0])
		return NULL;
	struct cgroup *cg = sv_xcalloc(1, sizeof *cg);
	cg->v2fd = -1;
	for (size_t i = 0; paths[i]; i++) {
		const char *colon = strchr(paths[i], ':');
		if (!colon || colon[1] != '/')
			continue;
		cg->dirs = sv_xrealloc(cg->dirs, (cg->n + 1) * sizeof *cg->dirs);
		struct cgroup_dir *d = &cg->dirs[cg->n++];
		d->controllers = sv_xstrndup(paths[i], (size_t)(colon - paths[i]));
		d->path = sv_xstrdup(colon + 1);
		d->ops = d->controllers[0] ? &cgroup_v1_ops : &cgroup_v2_ops;
	}
	return cg;
}

char **cgroup_paths(const struct cgroup *cg)
{
	char **v = sv_xcalloc(1, sizeof *v);
	for (size_t i = 0; cg && i < cg->n; i++)
		sv_strv_push_take(&v, sv_xasprintf("%s:%s", cg->dirs[i].controllers, cg->dirs[i].path));
	return v;
}

char **cgroup_join_files(const struct cgroup *cg)
{
	char **v = sv_xcalloc(1, sizeof *v);
	for (size_t i = 0; i < cg->n; i++)
		if (cg->dirs[i].ops->version == 1)
			sv_strv_push_take(&v, sv_path_join(cg->dirs[i].path, "tasks"));
	return v;
}

int cgroup_v2_fd(const struct cgroup *cg)
{
	return cg ? cg->v2fd : -1;
}

int cgroup_apply_late(struct cgroup *cg, const struct spec *s, sv_err **err)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->dirs[i].ops->apply_late(&cg->dirs[i], &s->res, err) < 0)
			return sv_err_prefix(err, "cgroups");
	return 0;
}

int cgroup_freeze(struct cgroup *cg, bool frozen, sv_err **err)
{
	for (size_t i = 0; i < cg->n; i++) {
		int rc = cg->dirs[i].ops->freeze(&cg->dirs[i], frozen, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return 0;
	}
	return sv_err_setx(err, ENOTSUP, "no freezer cgroup for this container");
}

int cgroup_is_frozen(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		int rc = cg->dirs[i].ops->is_frozen(&cg->dirs[i]);
		if (rc >= 0)
			return rc;
	}
	return -1;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int cgroup_pids(const struct cgroup *cg, pid_t **pids, size_t *n, sv_err **err)
{
	*pids = NULL;
	*n = 0;
	if (!cg || !cg->n)
		return 0;
	/* Any directory lists every task; prefer pids/memory (always there). */
	const struct cgroup_dir *d = cgroup_find(cg, "pids");
	if (!d)
		d = &cg->dirs[0];
	SV_AUTOFREE char *path = sv_path_join(d->path, "cgroup.procs");
	struct sv_buf b;
	sv_buf_init(&b);
	if (sv_read_file(path, 16u << 20, &b, err) < 0) {
		sv_buf_release(&b);
		return -1;
	}
	for (char *p = b.data; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		*pids = sv_xrealloc(*pids, (*n + 1) * sizeof **pids);
		(*pids)[(*n)++] = (pid_t)v;
		p = end + strspn(end, "\n");
	}
	sv_buf_release(&b);
	qsort(*pids, *n, sizeof **pids, cmp_pid);
	return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, sv_err **err)
{
	/* Frozen, nobody forks between the listing and the signals. */
	bool froze = sig == SIGKILL && cgroup_freeze(cg, true, NULL) == 0;
	pid_t *pids = NULL;
	size_t n = 0;
	int rc = cgroup_pids(cg, &pids, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			rc = sv_err_set(err, errno, "kill %d", (int)pids[i]);
	free(pids);
	if (froze)
		cgroup_freeze(cg, false, NULL);
	return rc;
}

int cgroup_stats(const struct cgroup *cg, struct sv_runtime_stats *st, sv_err **err)
{
	(void)err;
	memset(st, 0, sizeof *st);
	st->mem_limit = st->pids_limit = UINT64_MAX;
	for (size_t i = 0; cg && i < cg->n; i++)
		cg->dirs[i].ops->stats(&cg->dirs[i], st);
	return 0;
}

uint64_t cgroup_oom_kills(const struct cgroup *cg)
{
	uint64_t n = 0;
	for (size_t i = 0; cg && i < cg->n; i++)
		n += cg->dirs[i].ops->oom_kills(&cg->dirs[i]);
	return n;
}

int cgroup_oom_fd(const struct cgroup *cg, sv_err **err)
{
	for (size_t i = 0; cg && i < cg->n; i++) {
		const struct cgroup_dir *d = &cg->dirs[i];
		if (d->ops->version == 1 && !cgroup_has(d->controllers, "memory"))
			continue;
		int fd = d->ops->oom_fd(d, err);
		if (fd >= 0 || sv_err_code(err))
			return fd;
	}
	return sv_err_setx(err, ENOTSUP, "no memory cgroup for this container");
}

static int rmdir_retry(const char *dir, sv_err **err)
{
	/* Tasks that just died leave the cgroup asynchronously. */
	for (int i = 0; i < 200; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return sv_err_set(err, errno, "remove cgroup %s", dir);
}

int cgroup_destroy(struct cgroup *cg, sv_err **err)
{
	int rc = 0;
	for (size_t i = 0; cg && i < cg->n; i++)
		if (rmdir_retry(cg->dirs[i].path, err) < 0)
			rc = -1;
	return rc;
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->dirs[i].controllers);
		free(cg->dirs[i].path);
	}
	free(cg->dirs);
	if (cg->v2fd >= 0)
		close(cg->v2fd);
	free(cg);
}

char **cgroup_mount_plan(const struct cgroup *cg, bool own_ns)
{
	/* "fstype\0options\0dir" would not survive plan_put_str; use
	 * "fstype|options|subdir|hostdir" (no '|' in cgroup names we make). */
	char **v = sv_xcalloc(1, sizeof *v);
	for (size_t i = 0; i < cg->n; i++) {
		const struct cgroup_dir *d = &cg->dirs[i];
		bool v2 = d->ops->version == 2;
		const char *sub = v2 ? "unified" : d->controllers;
		if (sv_str_has_prefix(sub, "name="))
			continue;
		sv_strv_push_take(&v, sv_xasprintf("%s|%s|%s|%s", v2 ? "cgroup2" : "cgroup", v2 ? "" : d->controllers,
						   sub, own_ns ? "" : d->path));
	}
	return v;
}
