/*
 * The plan's record stream and the sync socket's framed messages (see
 * plan.h). Compiled into both libservin and servin-init.
 */
#include "runtime/plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* ------------------------------------------------------------ writing */

void plan_put(struct sv_buf *b, uint16_t tag, const void *data, uint32_t len)
{
	sv_buf_add(b, &tag, sizeof tag);
	sv_buf_add(b, &len, sizeof len);
	if (len)
		sv_buf_add(b, data, len);
}

void plan_put_str(struct sv_buf *b, uint16_t tag, const char *s)
{
	if (s)
		plan_put(b, tag, s, (uint32_t)strlen(s) + 1);
}

void plan_put_u32(struct sv_buf *b, uint16_t tag, uint32_t v)
{
	plan_put(b, tag, &v, sizeof v);
}

void plan_put_u64(struct sv_buf *b, uint16_t tag, uint64_t v)
{
	plan_put(b, tag, &v, sizeof v);
}

/* ------------------------------------------------------------ reading */

struct rec {
	uint16_t tag;
	uint32_t len;
	const char *data;
};

/* Grows an array by one zeroed element; returns it. */
static void *push(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	*arr = sv_xrealloc(*arr, (*n + 1) * size);
	char *el = (char *)*arr + *n * size;
	memset(el, 0, size);
	(*n)++;
	return el;
}

static int get_str(const struct rec *r, const char **out)
{
	if (r->len == 0 || r->data[r->len - 1] != '\0' || memchr(r->data, '\0', r->len) != r->data + r->len - 1)
		return -1;
	*out = r->data;
	return 0;
}

static int get_u32(const struct rec *r, uint32_t *out)
{
	if (r->len != sizeof *out)
		return -1;
	memcpy(out, r->data, sizeof *out);
	return 0;
}

static int get_u64(const struct rec *r, uint64_t *out)
{
	if (r->len != sizeof *out)
		return -1;
	memcpy(out, r->data, sizeof *out);
	return 0;
}

static int push_str(const struct rec *r, const char ***arr, size_t *n)
{
	const char **slot = push(arr, n, sizeof **arr);
	return get_str(r, slot);
}

/* Fields of the latest mount. */
static int decode_mount(const struct rec *r, struct plan *p)
{
	if (r->tag == PT_MOUNT) {
		push(&p->mounts, &p->n_mounts, sizeof *p->mounts);
		return 0;
	}
	if (!p->n_mounts)
		return -1;
	struct plan_mount *m = &p->mounts[p->n_mounts - 1];
	uint64_t v = 0;
	switch (r->tag) {
	case PT_MOUNT_SRC: return get_str(r, &m->src);
	case PT_MOUNT_DST: return get_str(r, &m->dst);
	case PT_MOUNT_TYPE: return get_str(r, &m->type);
	case PT_MOUNT_DATA: return get_str(r, &m->data);
	case PT_MOUNT_KIND: return get_u32(r, &m->kind);
	case PT_MOUNT_FLAGS:
		if (get_u64(r, &v) < 0)
			return -1;
		m->flags = (unsigned long)v;
		return 0;
	case PT_MOUNT_PROP:
		if (get_u64(r, &v) < 0)
			return -1;
		m->prop = (unsigned long)v;
		return 0;
	default: return -1;
	}
}

static int decode_device(const struct rec *r, struct plan *p)
{
	if (r->tag == PT_DEVICE) {
		push(&p->devices, &p->n_devices, sizeof *p->devices);
		return 0;
	}
	if (!p->n_devices)
		return -1;
	struct plan_device *d = &p->devices[p->n_devices - 1];
	uint32_t t = 0;
	switch (r->tag) {
	case PT_DEVICE_PATH: return get_str(r, &d->path);
	case PT_DEVICE_TYPE:
		if (get_u32(r, &t) < 0 || (t != 'c' && t != 'b' && t != 'p'))
			return -1;
		d->type = (char)t;
		return 0;
	case PT_DEVICE_MAJOR: return get_u32(r, &d->major);
	case PT_DEVICE_MINOR: return get_u32(r, &d->minor);
	case PT_DEVICE_MODE: return get_u32(r, &d->mode);
	case PT_DEVICE_UID: return get_u32(r, &d->uid);
	case PT_DEVICE_GID: return get_u32(r, &d->gid);
	default: return -1;
	}
}

/* Fixed-size compound records. */
static int decode_fixed(const struct rec *r, struct plan *p)
{
	switch (r->tag) {
	case PT_RLIMIT: {
		if (r->len != 4 + 8 + 8)
			return -1;
		struct plan_rlimit *l = push(&p->rlimits, &p->n_rlimits, sizeof *p->rlimits);
		memcpy(&l->resource, r->data, 4);
		memcpy(&l->soft, r->data + 4, 8);
		memcpy(&l->hard, r->data + 12, 8);
		return 0;
	}
	case PT_CAPS:
		if (r->len != sizeof p->caps)
			return -1;
		memcpy(p->caps, r->data, sizeof p->caps);
		return 0;
	case PT_CONSOLE_SIZE:
		if (r->len != 4)
			return -1;
		memcpy(&p->console_rows, r->data, 2);
		memcpy(&p->console_cols, r->data + 2, 2);
		return 0;
	case PT_NS_JOIN: {
		struct plan_ns *ns = push(&p->ns, &p->n_ns, sizeof *p->ns);
		return get_u32(r, &ns->type);
	}
	case PT_NS_JOIN_PATH:
		return p->n_ns ? get_str(r, &p->ns[p->n_ns - 1].path) : -1;
	case PT_GROUP: {
		uint32_t *g = push(&p->groups, &p->n_groups, sizeof *p->groups);
		return get_u32(r, g);
	}
	case PT_SECCOMP:
		if (r->len == 0 || r->len % 8 || r->len > 8 * 65535)
			return -1;
		p->seccomp = r->data;
		p->seccomp_len = r->len;
		return 0;
	default:
		return -1;
	}
}

static int decode_one(const struct rec *r, struct plan *p)
{
	switch (r->tag) {
	case PT_MODE: return get_u32(r, &p->mode);
	case PT_FLAGS: {
		uint32_t v;
		if (get_u32(r, &v) < 0)
			return -1;
		p->flags |= v; /* several records OR together */
		return 0;
	}
	case PT_ROOTFS: return get_str(r, &p->rootfs);
	case PT_HOSTNAME: return get_str(r, &p->hostname);
	case PT_DOMAINNAME: return get_str(r, &p->domainname);
	case PT_FIFO: return get_str(r, &p->fifo);
	case PT_CWD: return get_str(r, &p->cwd);
	case PT_UID: return get_u32(r, &p->uid);
	case PT_GID: return get_u32(r, &p->gid);
	case PT_UMASK: return get_u32(r, &p->umask);
	case PT_PERSONALITY: return get_u32(r, &p->personality);
	case PT_SECCOMP_FLAGS: return get_u32(r, &p->seccomp_flags);
	case PT_OOM_SCORE: return get_u32(r, (uint32_t *)&p->oom_score);
	case PT_PROPAGATION: {
		uint64_t v;
		if (get_u64(r, &v) < 0)
			return -1;
		p->propagation = (unsigned long)v;
		return 0;
	}
	case PT_CGROUP_JOIN: return push_str(r, &p->cgroup_join, &p->n_cgroup_join);
	case PT_CGROUP_MOUNT: return push_str(r, &p->cgroup_mounts, &p->n_cgroup_mounts);
	case PT_MASKED: return push_str(r, &p->masked, &p->n_masked);
	case PT_READONLY: return push_str(r, &p->readonly, &p->n_readonly);
	case PT_SYSCTL: return push_str(r, &p->sysctls, &p->n_sysctls);
	case PT_ARG: return push_str(r, &p->args, &p->n_args);
	case PT_ENV: return push_str(r, &p->env, &p->n_env);
	default: break;
	}
	if (r->tag >= PT_MOUNT && r->tag <= PT_MOUNT_KIND)
		return decode_mount(r, p);
	if (r->tag >= PT_DEVICE && r->tag <= PT_DEVICE_GID)
		return decode_device(r, p);
	return decode_fixed(r, p);
}

/* NULL-terminates the string arrays so they can serve as argv/envp. */
static void terminate(const char ***arr, size_t n)
{
	*arr = sv_xrealloc(*arr, (n + 1) * sizeof **arr);
	(*arr)[n] = NULL;
}

int plan_decode(const char *buf, size_t len, struct plan *p, const char **why)
{
	memset(p, 0, sizeof *p);
	p->personality = UINT32_MAX;
	size_t off = 0;
	while (off < len) {
		struct rec r;
		if (len - off < 6) {
			*why = "truncated record header";
			return -1;
		}
		memcpy(&r.tag, buf + off, 2);
		memcpy(&r.len, buf + off + 2, 4);
		off += 6;
		if (r.len > len - off) {
			*why = "truncated record";
			return -1;
		}
		r.data = buf + off;
		off += r.len;
		if (decode_one(&r, p) < 0) {
			*why = "malformed record";
			return -1;
		}
	}
	terminate(&p->args, p->n_args);
	terminate(&p->env, p->n_env);
	if (!p->mode || (p->mode != PLAN_MODE_EXEC && !p->rootfs) || !p->n_args) {
		*why = "incomplete plan";
		return -1;
	}
	return 0;
}

void plan_release(struct plan *p)
{
	free(p->cgroup_join);
	free(p->cgroup_mounts);
	free(p->ns);
	free(p->mounts);
	free(p->devices);
	free(p->masked);
	free(p->readonly);
	free(p->sysctls);
	free(p->args);
	free(p->env);
	free(p->groups);
	free(p->rlimits);
	memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------ messages */

struct frame {
	uint32_t type;
	uint32_t len;
};

/* sendmsg until total bytes left: the first call carries the fds, a large
 * payload may need more calls. */
static int send_all(int sock, struct msghdr *mh, size_t total)
{
	size_t sent = 0;
	while (sent < total) {
		ssize_t n = sendmsg(sock, mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		sent += (size_t)n;
		mh->msg_control = NULL;
		mh->msg_controllen = 0;
		size_t skip = (size_t)n;
		while (mh->msg_iovlen && skip >= mh->msg_iov[0].iov_len) {
			skip -= mh->msg_iov[0].iov_len;
			mh->msg_iov++;
			mh->msg_iovlen--;
		}
		if (mh->msg_iovlen) {
			mh->msg_iov[0].iov_base = (char *)mh->msg_iov[0].iov_base + skip;
			mh->msg_iov[0].iov_len -= skip;
		}
	}
	return 0;
}

int plan_msg_send(int sock, uint32_t type, const void *data, size_t len, const int *fds,
		  size_t nfds)
{
	if (len > PLAN_MAX_SIZE || nfds > PLAN_MAX_FDS) {
		errno = E2BIG;
		return -1;
	}
	struct frame f = { type, (uint32_t)len };
	struct iovec iov[2] = { { &f, sizeof f }, { (void *)(uintptr_t)data, len } };
	union sv_msg_ctl u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	sv_msg_put_fds(&mh, &u, fds, nfds);
	return send_all(sock, &mh, sizeof f + len);
}

static int read_full(int sock, void *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(sock, (char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EPIPE;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

int plan_msg_recv(int sock, uint32_t *type, struct sv_buf *b, int *fds, size_t *nfds)
{
	struct frame f;
	union {
		char buf[CMSG_SPACE(sizeof(int) * PLAN_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &f, sizeof f };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (n < 0 && errno == EINTR);
	sv_msg_take_fds(&mh, fds, nfds);
	if (n == 0)
		return 1;
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof f && read_full(sock, (char *)&f + n, sizeof f - (size_t)n) < 0)
		return -1;
	if (f.len > PLAN_MAX_SIZE) {
		errno = E2BIG;
		return -1;
	}
	sv_buf_reset(b);
	sv_buf_grow(b, f.len);
	if (read_full(sock, b->data, f.len) < 0)
		return -1;
	b->len = f.len;
	b->data[f.len] = '\0';
	*type = f.type;
	return 0;
}
