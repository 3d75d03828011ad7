/*
 * Messages with file descriptors (SCM_RIGHTS) on SOCK_SEQPACKET sockets:
 * one sendmsg is one message, so data and fds arrive together or not at
 * all.
 */
#include "util/util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

_Static_assert(sizeof(union sv_msg_ctl) >= CMSG_SPACE(sizeof(int) * SV_MSG_MAX_FDS), "room for the fds");
_Static_assert(_Alignof(union sv_msg_ctl) >= _Alignof(struct cmsghdr), "aligned as a cmsghdr");

void sv_msg_put_fds(struct msghdr *mh, union sv_msg_ctl *ctl, const int *fds, size_t nfds)
{
	if (!nfds)
		return;
	memset(ctl, 0, sizeof *ctl);
	mh->msg_control = ctl->buf;
	mh->msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	if (!c)
		return;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
}

int sv_msg_send(int sock, const void *data, size_t len, const int *fds, size_t nfds, sv_err **err)
{
	if (nfds > SV_MSG_MAX_FDS)
		return sv_err_setx(err, E2BIG, "%zu fds in one message", nfds);
	struct iovec iov = { (void *)(uintptr_t)data, len };
	union sv_msg_ctl u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	sv_msg_put_fds(&mh, &u, fds, nfds);
	ssize_t n;
	while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return sv_err_set(err, errno, "send");
	if ((size_t)n != len)
		return sv_err_setx(err, EMSGSIZE, "send: %zd of %zu bytes", n, len);
	return 0;
}

void sv_msg_take_fds(struct msghdr *mh, int *fds, size_t *nfds)
{
	size_t want = fds && nfds ? *nfds : 0, got = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (got < want)
				fds[got++] = fd;
			else
				close(fd);
		}
	}
	if (nfds)
		*nfds = got;
}

int sv_msg_recv(int sock, size_t max, struct sv_buf *out, int *fds, size_t *nfds, sv_err **err)
{
	sv_buf_reset(out);
	sv_buf_grow(out, max + 1);
	struct iovec iov = { out->data, max + 1 };
	union sv_msg_ctl u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	ssize_t n;
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return sv_err_set(err, errno, "receive");
	sv_msg_take_fds(&mh, fds, nfds);
	size_t got = nfds ? *nfds : 0;
	if ((size_t)n > max || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (size_t i = 0; i < got; i++)
			close(fds[i]);
		if (nfds)
			*nfds = 0;
		return sv_err_setx(err, EMSGSIZE, "receive: message too large");
	}
	out->len = (size_t)n;
	out->data[n] = '\0';
	return n == 0 && !got ? 0 : 1;
}
