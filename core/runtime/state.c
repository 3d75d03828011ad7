/*
 * Per-container state under <state_root>/<id>/: state.json (written
 * atomically, once the container exists; renamed into place but not
 * fsync'd — runtime state belongs on a tmpfs like /run and means nothing
 * after a reboot) holding the config.json the container was made from (for
 * exec), and exec.fifo while the container is "created". One file each:
 * creating inodes is a visible part of a container's start. mkdir of the directory is the lock
 * that makes ids unique. The live status is computed, never stored: the
 * recorded pid plus its start time identify the process even after pid
 * reuse.
 */
#include "runtime/runtime-internal.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int state_put_file(int dirfd, const char *name, const void *data, size_t len, mode_t mode, sv_err **err)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, ".%s.tmp-%ld", name, (long)getpid());
	SV_AUTOCLOSE int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return sv_err_set(err, errno, "create %s", name);
	if (sv_write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return sv_err_set(err, e, "write %s", name);
	}
	return 0;
}

int state_pid_file(const char *path, pid_t pid, sv_err **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%d", (int)pid);
	SV_AUTOFREE char *d = sv_xstrdup(path);
	char *slash = strrchr(d, '/');
	const char *base = slash ? slash + 1 : d;
	if (slash)
		*slash = '\0';
	SV_AUTOCLOSE int dfd = open(slash ? (*d ? d : "/") : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "pid file %s", path);
	if (state_put_file(dfd, base, buf, (size_t)n, 0644, err) < 0)
		return sv_err_prefix(err, "pid file %s", path);
	return 0;
}

int state_check_id(const char *id, sv_err **err)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 128 || id[0] == '.' ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-") != n)
		return sv_err_setx(err, EINVAL, "invalid container id \"%s\": use 1-128 of [A-Za-z0-9_.+-]",
				   id ? id : "");
	return 0;
}

int state_dir(const char *state_root, const char *id, char **out, sv_err **err)
{
	if (state_check_id(id, err) < 0)
		return -1;
	*out = sv_path_join(state_root ? state_root : SV_RUNTIME_DEFAULT_STATE, id);
	return 0;
}

uint64_t state_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parens: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* after ')': state is field 3, starttime field 22 → skip 19 more. */
	char state = 0;
	unsigned long long start = 0;
	if (sscanf(p, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
		   &state, &start) != 2)
		return 0;
	if (state == 'Z' || state == 'X')
		return 0;
	return start;
}

int state_pidfd(const struct state_rec *r)
{
	if (r->pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	int fd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (fd < 0)
		return -1;
	/* Opened first, checked second: the pidfd pins the process we saw. */
	if (state_proc_start_time(r->pid) != r->start_time) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

enum sv_runtime_status state_status(const char *dir, const struct state_rec *r)
{
	if (r->pid <= 0 || state_proc_start_time(r->pid) != r->start_time)
		return SV_RUNTIME_STOPPED;
	SV_AUTOFREE char *fifo = sv_path_join(dir, "exec.fifo");
	if (access(fifo, F_OK) == 0)
		return SV_RUNTIME_CREATED;
	struct cgroup *cg = cgroup_from_state(r->cgroups);
	int frozen = cg ? cgroup_is_frozen(cg) : 0;
	cgroup_free(cg);
	return frozen > 0 ? SV_RUNTIME_PAUSED : SV_RUNTIME_RUNNING;
}

static cJSON *strv_json(char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

int state_write(const char *dir, const struct state_rec *r, sv_err **err)
{
	SV_AUTOJSON cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", r->id);
	cJSON_AddNumberToObject(j, "pid", r->pid);
	cJSON_AddNumberToObject(j, "startTime", (double)r->start_time);
	cJSON_AddStringToObject(j, "bundle", r->bundle);
	cJSON_AddStringToObject(j, "rootfs", r->rootfs);
	cJSON_AddNumberToObject(j, "created", (double)r->created_ns);
	cJSON_AddNumberToObject(j, "nsFlags", r->ns_flags);
	cJSON_AddItemToObject(j, "annotations", strv_json(r->annotations));
	cJSON_AddItemToObject(j, "cgroups", strv_json(r->cgroups));
	if (r->config)
		cJSON_AddStringToObject(j, "config", r->config);
	SV_AUTOFREE char *text = sv_json_print(j);
	SV_AUTOCLOSE int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", dir);
	return state_put_file(dfd, "state.json", text, strlen(text), 0600, err);
}

static int get_strv_member(const cJSON *j, const char *key, char ***out, sv_err **err)
{
	const cJSON *a = sv_json_arr(j, key);
	if (!a) {
		*out = sv_xcalloc(1, sizeof(char *));
		return 0;
	}
	return sv_json_strv(a, out, err);
}

int state_read(const char *dir, struct state_rec *r, sv_err **err)
{
	memset(r, 0, sizeof *r);
	SV_AUTOFREE char *path = sv_path_join(dir, "state.json");
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_read_file(path, 8u << 20, &b, err) < 0)
		return -1;
	SV_AUTOJSON cJSON *j = sv_json_parse(b.data, b.len, 8u << 20, "state.json", err);
	if (!j)
		return -1;
	const char *id = sv_json_str(j, "id"), *bundle = sv_json_str(j, "bundle");
	const char *rootfs = sv_json_str(j, "rootfs");
	if (!id || !bundle || !rootfs)
		return sv_err_setx(err, EBADMSG, "%s: incomplete", path);
	r->id = sv_xstrdup(id);
	r->bundle = sv_xstrdup(bundle);
	r->rootfs = sv_xstrdup(rootfs);
	r->pid = (pid_t)sv_json_i64(j, "pid", 0);
	r->start_time = (uint64_t)sv_json_i64(j, "startTime", 0);
	r->created_ns = sv_json_i64(j, "created", 0);
	r->ns_flags = (unsigned)sv_json_i64(j, "nsFlags", 0);
	const char *config = sv_json_str(j, "config");
	r->config = config ? sv_xstrdup(config) : NULL;
	if (get_strv_member(j, "annotations", &r->annotations, err) < 0 ||
	    get_strv_member(j, "cgroups", &r->cgroups, err) < 0) {
		state_rec_release(r);
		return sv_err_prefix(err, "%s", path);
	}
	return 0;
}

int state_load(const char *state_root, const char *id, char **dir, struct state_rec *r, sv_err **err)
{
	*dir = NULL;
	if (state_dir(state_root, id, dir, err) < 0)
		return -1;
	SV_AUTOERR sv_err *e = NULL;
	if (state_read(*dir, r, &e) == 0)
		return 0;
	free(*dir);
	*dir = NULL;
	if (sv_err_code(&e) == ENOENT)
		return sv_err_setx(err, ENOENT, "container \"%s\" does not exist", id);
	*err = sv_steal_ptr(&e);
	return -1;
}

void state_rec_release(struct state_rec *r)
{
	free(r->id);
	free(r->bundle);
	free(r->rootfs);
	sv_strv_free(r->annotations);
	sv_strv_free(r->cgroups);
	free(r->config);
	memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ public */

int sv_runtime_state(const char *state_root, const char *id, struct sv_runtime_state *out,
		     sv_err **err)
{
	memset(out, 0, sizeof *out);
	SV_AUTOFREE char *dir = NULL;
	struct state_rec r;
	if (state_load(state_root, id, &dir, &r, err) < 0)
		return -1;
	out->status = state_status(dir, &r);
	out->pid = out->status == SV_RUNTIME_STOPPED ? 0 : r.pid;
	out->id = sv_steal_ptr(&r.id);
	out->bundle = sv_steal_ptr(&r.bundle);
	out->rootfs = sv_steal_ptr(&r.rootfs);
	out->created_ns = r.created_ns;
	out->annotations = sv_steal_ptr(&r.annotations);
	out->cgroup_paths = sv_steal_ptr(&r.cgroups);
	state_rec_release(&r);
	return 0;
}

void sv_runtime_state_release(struct sv_runtime_state *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->bundle);
	free(s->rootfs);
	sv_strv_free(s->annotations);
	sv_strv_free(s->cgroup_paths);
	memset(s, 0, sizeof *s);
}

const char *sv_runtime_status_name(enum sv_runtime_status s)
{
	static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown";
}

char *sv_runtime_state_json(const struct sv_runtime_state *s)
{
	SV_AUTOJSON cJSON *j = cJSON_CreateObject();
	char created[64];
	cJSON_AddStringToObject(j, "ociVersion", "1.0.2");
	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddNumberToObject(j, "pid", s->pid);
	cJSON_AddStringToObject(j, "status", sv_runtime_status_name(s->status));
	cJSON_AddStringToObject(j, "bundle", s->bundle);
	cJSON_AddStringToObject(j, "rootfs", s->rootfs);
	cJSON_AddStringToObject(j, "created", sv_time_rfc3339(s->created_ns, created, sizeof created));
	cJSON_AddStringToObject(j, "owner", "");
	cJSON *a = cJSON_AddObjectToObject(j, "annotations");
	for (size_t i = 0; s->annotations && s->annotations[i]; i++) {
		const char *eq = strchr(s->annotations[i], '=');
		SV_AUTOFREE char *k = sv_xstrndup(s->annotations[i], eq ? (size_t)(eq - s->annotations[i]) : strlen(s->annotations[i]));
		cJSON_AddStringToObject(a, k, eq ? eq + 1 : "");
	}
	return sv_json_print_pretty(j);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sv_runtime_list(const char *state_root, char ***ids, sv_err **err)
{
	const char *root = state_root ? state_root : SV_RUNTIME_DEFAULT_STATE;
	*ids = sv_xcalloc(1, sizeof(char *));
	DIR *d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : sv_err_set(err, errno, "open %s", root);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || state_check_id(de->d_name, NULL) < 0)
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/%s/state.json", root, de->d_name);
		if (access(p, F_OK) == 0)
			sv_strv_push(ids, de->d_name);
	}
	closedir(d);
	qsort(*ids, sv_strv_len(*ids), sizeof(char *), cmp_str);
	return 0;
}

char *state_rec_json(const struct state_rec *r, enum sv_runtime_status status)
{
	struct sv_runtime_state st = {
		.id = r->id, .status = status, .pid = status == SV_RUNTIME_STOPPED ? 0 : r->pid,
		.bundle = r->bundle, .rootfs = r->rootfs, .created_ns = r->created_ns,
		.annotations = r->annotations, .cgroup_paths = r->cgroups,
	};
	return sv_runtime_state_json(&st);
}

int state_hooks(const struct state_rec *r, enum spec_hook_kind kind, enum sv_runtime_status status,
		sv_err **err)
{
	if (!r->config || !strstr(r->config, "\"hooks\""))
		return 0;
	struct spec s;
	if (spec_parse(r->config, strlen(r->config), r->bundle, &s, err) < 0)
		return -1;
	int rc = 0;
	if (s.n_hooks[kind]) {
		SV_AUTOFREE char *json = state_rec_json(r, status);
		rc = hooks_run(&s, kind, json, err);
	}
	spec_release(&s);
	return rc;
}
