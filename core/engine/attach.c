/*
 * The client end of an attach connection for a terminal or pipes (the
 * CLI's run, start -a, attach and exec): stdin goes out as frames, frames
 * come back to stdout and stderr, the local terminal is raw while a TTY
 * is attached (resized on SIGWINCH), signals are proxied to the container
 * without a TTY (Docker's --sig-proxy), and ctrl-p ctrl-q detaches.
 *
 * Single-threaded: one poll loop; signals arrive through a signalfd while
 * the pump runs and are restored after it.
 */
#include "engine/engine.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "containers-internal.h"

static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM };

/* "ctrl-p,ctrl-q" → bytes; false when unparsable. */
static bool parse_keys(const char *spec, unsigned char *keys, size_t *n)
{
	SV_AUTOSTRV char **v = sv_strv_split(spec, ',', true);
	*n = 0;
	for (size_t i = 0; v[i] && *n < 8; i++) {
		const char *k = v[i];
		if (strncmp(k, "ctrl-", 5) == 0 && strlen(k) == 6)
			keys[(*n)++] = (unsigned char)(k[5] == '@' ? 0 : (k[5] & 0x1f));
		else if (strlen(k) == 1)
			keys[(*n)++] = (unsigned char)k[0];
		else
			return false;
	}
	return *n > 0;
}

struct pump {
	const struct sv_attach_pump *p;
	struct sv_buf in;      /* frame bytes from the connection */
	unsigned char keys[8];
	size_t nkeys, matched; /* detach sequence progress */
	int exit_code;
	bool done, stdin_open;
};

static void send_resize(struct pump *s)
{
	struct winsize ws;
	if (ioctl(s->p->in_fd >= 0 ? s->p->in_fd : s->p->out_fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
		return;
	char msg[32];
	int n = snprintf(msg, sizeof msg, "%u %u", ws.ws_row, ws.ws_col);
	(void)sv_frame_write(s->p->conn, SV_FRAME_RESIZE, msg, (size_t)n, NULL);
}

/* The shim handed the exit over (SV_FRAME_EXITED): record it here and
 * answer; a decline (a restart is due, or recording failed) leaves it to
 * servin-shim-ctl, whose EXIT frame ends the pump as usual. */
static void finish(struct pump *s, const char *data, size_t len)
{
	SV_AUTOFREE char *text = sv_xstrndup(data, len);
	SV_AUTOFREE char *trash = NULL;
	SV_AUTOERR sv_err *err = NULL;
	int code = 0;
	int rc = sv_engine_shim_finish(s->p->finish_engine, s->p->finish_id, text, &code, &trash, &err);
	if (rc != 0) {
		if (rc < 0)
			sv_debug("container %.12s: finish: %s", s->p->finish_id, err->msg);
		(void)sv_frame_write(s->p->conn, SV_FRAME_FINISHED, "decline", 7, NULL);
		return;
	}
	SV_AUTOFREE char *reply = trash ? sv_xasprintf("%d %s", code, trash) : sv_xasprintf("%d", code);
	/* The shim purges the trash (and unmounts the rootfs left in it);
	 * gone, it cannot: then here. */
	if (sv_frame_write(s->p->conn, SV_FRAME_FINISHED, reply, strlen(reply), NULL) < 0 && trash &&
	    sv_rm_rf_unmounting(trash, &err) < 0)
		sv_warn("container %.12s: %s", s->p->finish_id, err->msg);
	s->exit_code = code;
	s->done = true;
}

/* Frames from the shim: output to our fds; EXIT ends the pump. */
static int conn_readable(struct pump *s, sv_err **err)
{
	char buf[65536];
	ssize_t n = read(s->p->conn, buf, sizeof buf);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0)
		return sv_err_set(err, errno, "attach: read");
	if (n == 0) {
		s->done = true;
		return 0;
	}
	sv_buf_add(&s->in, buf, (size_t)n);
	size_t off = 0;
	while (s->in.len - off >= 8 && !s->done) {
		const unsigned char *h = (const unsigned char *)s->in.data + off;
		uint32_t len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
		if (len > SV_FRAME_MAX)
			return sv_err_setx(err, EBADMSG, "attach: bad frame");
		if (s->in.len - off < 8 + (size_t)len)
			break;
		const char *data = s->in.data + off + 8;
		if (h[0] == SV_FRAME_STDOUT || (h[0] == SV_FRAME_STDERR && s->p->tty))
			(void)sv_write_all(s->p->out_fd, data, len);
		else if (h[0] == SV_FRAME_STDERR)
			(void)sv_write_all(s->p->err_fd, data, len);
		else if (h[0] == SV_FRAME_EXIT) {
			char code[16];
			snprintf(code, sizeof code, "%.*s", (int)(len < 15 ? len : 15), data);
			s->exit_code = atoi(code);
			s->done = true;
		} else if (h[0] == SV_FRAME_ERROR) {
			(void)sv_write_all(s->p->err_fd, data, len);
		} else if (h[0] == SV_FRAME_EXITED && s->p->finish_engine) {
			finish(s, data, len);
		}
		off += 8 + len;
	}
	memmove(s->in.data, s->in.data + off, s->in.len - off);
	sv_buf_truncate(&s->in, s->in.len - off);
	return 0;
}

/* Local input: frames to the shim, watching for the detach keys. */
static int stdin_readable(struct pump *s, sv_err **err)
{
	unsigned char buf[16384];
	ssize_t n = read(s->p->in_fd, buf, sizeof buf);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		s->stdin_open = false;
		if (s->p->close_stdin_at_eof)
			return sv_frame_write(s->p->conn, SV_FRAME_CLOSE_STDIN, NULL, 0, err);
		return 0;
	}
	if (s->p->tty && s->nkeys) {
		for (ssize_t i = 0; i < n; i++) {
			s->matched = buf[i] == s->keys[s->matched] ? s->matched + 1 : buf[i] == s->keys[0];
			if (s->matched == s->nkeys) {
				s->exit_code = -1;
				s->done = true;
				return 0;
			}
		}
	}
	return sv_frame_write(s->p->conn, SV_FRAME_STDIN, buf, (size_t)n, err);
}

static void forward_signal(struct pump *s, int sfd)
{
	struct signalfd_siginfo si;
	if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
		return;
	if (si.ssi_signo == SIGWINCH) {
		send_resize(s);
		return;
	}
	char msg[16];
	int n = snprintf(msg, sizeof msg, "%u", si.ssi_signo);
	(void)sv_frame_write(s->p->conn, SV_FRAME_SIGNAL, msg, (size_t)n, NULL);
}

static int loop(struct pump *s, int sfd, sv_err **err)
{
	while (!s->done) {
		struct pollfd fds[3] = {
			{ .fd = s->p->conn, .events = POLLIN },
			{ .fd = s->stdin_open ? s->p->in_fd : -1, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return sv_err_set(err, errno, "poll");
		}
		if (fds[2].revents & POLLIN)
			forward_signal(s, sfd);
		if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && stdin_readable(s, err) < 0)
			return -1;
		if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && conn_readable(s, err) < 0)
			return -1;
	}
	return 0;
}

int sv_attach_pump_run(const struct sv_attach_pump *p, int *exit_code, sv_err **err)
{
	struct pump s = { .p = p, .exit_code = -2, .stdin_open = p->in_fd >= 0 };
	sv_buf_init(&s.in);
	if (!parse_keys(p->detach_keys ? p->detach_keys : "ctrl-p,ctrl-q", s.keys, &s.nkeys))
		return sv_err_setx(err, EINVAL, "invalid detach keys: %s", p->detach_keys);
	struct termios saved;
	bool raw = p->tty && p->in_fd >= 0 && tcgetattr(p->in_fd, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(p->in_fd, TCSANOW, &t);
	}
	sigset_t set, old;
	sigemptyset(&set);
	if (p->tty)
		sigaddset(&set, SIGWINCH);
	if (p->proxy_signals && !p->tty)
		for (size_t i = 0; i < sizeof proxied / sizeof proxied[0]; i++)
			sigaddset(&set, proxied[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p->tty)
		send_resize(&s);
	int rc = loop(&s, sfd, err);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (raw)
		tcsetattr(p->in_fd, TCSANOW, &saved);
	sv_buf_release(&s.in);
	*exit_code = s.exit_code;
	return rc;
}
