/*
 * The monitor loop of servin-shim (see shim.h for its place).
 *
 * One epoll set holds: the container's output (two pipes, or the pty
 * master), the attach listening socket and its clients, the pidfd of the
 * container's process, and a timerfd (stats samples, the SIGKILL deadline
 * of a stop). Output is logged first, then copied to every client that
 * asked for its stream; a client that cannot keep up (1 MiB queued) is
 * dropped rather than allowed to stall the container.
 *
 * When the process has exited and its output is drained, the shim execs
 * servin-shim-ctl with the wait status and the fds it must keep (the
 * listening socket, the clients waiting for the exit frame).
 *
 * Arguments (all from servin-shim-ctl, or a forked CLI):
 *   --ctl PATH (--pid N --pidfd N | --report N --helper N) [--tty] [--in N]
 *   [--out N] [--err N] --listen N [--client N:STREAMS]... [--stdin-once]
 *   [--stop-signal N] [--log PATH --log-max-size N --log-max-file N]
 *   [--ring PATH] [--cgroup CTRL:DIR]... -- CTL-ARGS...
 *
 * With --report, this process was exec'd before the container existed:
 * its child --helper starts it, sends "PID\n" and "cgroup CTRL:DIR" lines
 * with the attach socket and the pipes on the report socket, and exits;
 * the container, its child, comes to us (a child subreaper) and we watch
 * it from then on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "network/network.h"
#include "store/store.h"
#include "shim.h"

#define CLIENT_MAX_QUEUE (1 << 20)
#define STATS_INTERVAL_NS 1000000000LL
#define DRAIN_NS 2000000000LL
#define FIRST_SAMPLE_NS 50000000LL

struct client {
	int fd;
	unsigned streams;
	bool hello;  /* streams known (preset or from HELLO) */
	struct sv_buf in, out;
};

struct shim {
	const char *ctl;
	pid_t pid;
	int pidfd;
	int report_fd;	 /* --report: the helper's account of the start */
	pid_t helper;	 /* not reaped yet; its pidfd is watched */
	int helper_pidfd;
	bool tty, stdin_once;
	int in_fd, out_fd, err_fd;
	struct sv_buf pending_in; /* bytes for the container's stdin */
	int listen_fd;
	struct client *clients;
	size_t nclients;
	struct shim_log log;
	struct shim_ring ring;
	bool has_ring;
	const char *ring_path;
	const char *log_path;
	int epfd, timer_fd;
	int dns_udp, dns_tcp;	 /* the embedded resolver's sockets (network.h) */
	const char *dns_conf;
	sv_dns *dns;
	int stop_signal;
	int64_t kill_at;	 /* monotonic ns; 0: none */
	int64_t next_sample;
	bool manual, canceled;
	int64_t ooms;		 /* read at the exit; -1: unknown */
	bool exited;
	int status;
	int64_t drain_until;
	char **ctl_args;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void watch(struct shim *s, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void unwatch_close(struct shim *s, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* ---------------------------------------------------------------- clients */

static struct client *client_add(struct shim *s, int fd, unsigned streams, bool hello)
{
	s->clients = sv_xrealloc(s->clients, (s->nclients + 1) * sizeof *s->clients);
	struct client *c = &s->clients[s->nclients++];
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->streams = streams;
	c->hello = hello;
	sv_buf_init(&c->in);
	sv_buf_init(&c->out);
	nonblock(fd);
	watch(s, fd, EPOLLIN);
	return c;
}

static void client_drop(struct shim *s, size_t i)
{
	struct client *c = &s->clients[i];
	unwatch_close(s, &c->fd);
	sv_buf_release(&c->in);
	sv_buf_release(&c->out);
	s->clients[i] = s->clients[--s->nclients];
}

static struct client *client_of(struct shim *s, int fd, size_t *idx)
{
	for (size_t i = 0; i < s->nclients; i++)
		if (s->clients[i].fd == fd) {
			*idx = i;
			return &s->clients[i];
		}
	return NULL;
}

/* Queues a frame; returns false when the client fell too far behind. */
static bool client_send(struct shim *s, struct client *c, int type, const char *data, size_t len)
{
	if (c->out.len + len + 8 > CLIENT_MAX_QUEUE)
		return false;
	unsigned char h[8] = { (unsigned char)type, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
			       (unsigned char)(len >> 8), (unsigned char)len };
	sv_buf_add(&c->out, h, 8);
	sv_buf_add(&c->out, data, len);
	ssize_t n = write(c->fd, c->out.data, c->out.len);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return false;
	if (n > 0) {
		memmove(c->out.data, c->out.data + n, c->out.len - (size_t)n);
		sv_buf_truncate(&c->out, c->out.len - (size_t)n);
	}
	watch(s, c->fd, c->out.len ? EPOLLIN | EPOLLOUT : EPOLLIN);
	return true;
}

static void broadcast(struct shim *s, int stream, const char *data, size_t len)
{
	unsigned want = stream == 1 ? SV_ATTACH_STDOUT : SV_ATTACH_STDERR;
	for (size_t i = 0; i < s->nclients;) {
		struct client *c = &s->clients[i];
		if (c->hello && (c->streams & want) && !client_send(s, c, stream, data, len)) {
			client_drop(s, i);
			continue;
		}
		i++;
	}
}

static void flush_client(struct shim *s, size_t i)
{
	struct client *c = &s->clients[i];
	ssize_t n = write(c->fd, c->out.data, c->out.len);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		client_drop(s, i);
		return;
	}
	if (n > 0) {
		memmove(c->out.data, c->out.data + n, c->out.len - (size_t)n);
		sv_buf_truncate(&c->out, c->out.len - (size_t)n);
	}
	watch(s, c->fd, c->out.len ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/* ---------------------------------------------------------------- input */

static void flush_stdin(struct shim *s)
{
	if (s->in_fd < 0) {
		sv_buf_reset(&s->pending_in);
		return;
	}
	while (s->pending_in.len) {
		ssize_t n = write(s->in_fd, s->pending_in.data, s->pending_in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			watch(s, s->in_fd, s->tty ? EPOLLIN | EPOLLOUT : EPOLLOUT);
			return;
		}
		if (n < 0) {
			/* The reader is gone: what is left can never be read. */
			sv_buf_reset(&s->pending_in);
			if (!s->tty)
				unwatch_close(s, &s->in_fd);
			return;
		}
		memmove(s->pending_in.data, s->pending_in.data + n, s->pending_in.len - (size_t)n);
		sv_buf_truncate(&s->pending_in, s->pending_in.len - (size_t)n);
	}
	if (s->in_fd >= 0 && s->tty)
		watch(s, s->in_fd, EPOLLIN);
	else if (s->in_fd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->in_fd, NULL);
}

static void send_signal(struct shim *s, int sig)
{
	if (s->exited)
		return;
	if (syscall(SYS_pidfd_send_signal, s->pidfd, sig, NULL, 0) < 0 && errno == ENOSYS)
		kill(s->pid, sig);
}

static void handle_frame(struct shim *s, struct client *c, int type, const char *p, size_t len)
{
	int a = 0, b = 0;
	switch (type) {
	case SV_FRAME_HELLO:
		/* Only the connection handed over at start may finish. */
		c->streams = len ? (unsigned char)p[0] & ~(unsigned)SV_ATTACH_FINISH : 0;
		c->hello = true;
		break;
	case SV_FRAME_STDIN:
		if ((c->streams & SV_ATTACH_STDIN) && s->in_fd >= 0) {
			sv_buf_add(&s->pending_in, p, len);
			flush_stdin(s);
		}
		break;
	case SV_FRAME_CLOSE_STDIN:
		if ((c->streams & SV_ATTACH_STDIN) && s->stdin_once && !s->tty && s->in_fd >= 0) {
			flush_stdin(s);
			if (!s->pending_in.len)
				unwatch_close(s, &s->in_fd);
		}
		break;
	case SV_FRAME_RESIZE:
		if (s->tty && sscanf(p, "%d %d", &a, &b) == 2 && a > 0 && b > 0) {
			struct winsize ws = { .ws_row = (unsigned short)a, .ws_col = (unsigned short)b };
			ioctl(s->out_fd, TIOCSWINSZ, &ws);
		}
		break;
	case SV_FRAME_SIGNAL:
		if (sscanf(p, "%d", &a) == 1 && a > 0 && a < 65) {
			s->manual = true;
			if (a == SIGKILL || a == s->stop_signal)
				s->canceled = true;
			send_signal(s, a);
		}
		break;
	case SV_FRAME_STOP:
		if (sscanf(p, "%d %d", &a, &b) == 2 && a > 0 && a < 65) {
			s->manual = s->canceled = true;
			send_signal(s, a);
			int64_t at = mono_ns() + (int64_t)(b < 0 ? 0 : b) * 1000000000LL;
			if (!s->kill_at || at < s->kill_at)
				s->kill_at = at;
		}
		break;
	default:
		break;
	}
}

static void client_readable(struct shim *s, size_t i)
{
	struct client *c = &s->clients[i];
	char buf[65536];
	ssize_t n = read(c->fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(s, i);
		return;
	}
	sv_buf_add(&c->in, buf, (size_t)n);
	size_t off = 0;
	while (c->in.len - off >= 8) {
		const unsigned char *h = (const unsigned char *)c->in.data + off;
		uint32_t len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
		if (len > SV_FRAME_MAX) {
			client_drop(s, i);
			return;
		}
		if (c->in.len - off < 8 + (size_t)len)
			break;
		/* Payloads are NUL-terminated for sscanf: copy out first. */
		char *p = sv_xstrndup(c->in.data + off + 8, len);
		handle_frame(s, c, h[0], p, len);
		free(p);
		off += 8 + len;
		size_t idx;
		c = client_of(s, s->clients[i].fd, &idx);
		if (!c)
			return;
	}
	memmove(c->in.data, c->in.data + off, c->in.len - off);
	sv_buf_truncate(&c->in, c->in.len - off);
}

static void accept_client(struct shim *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0)
		client_add(s, fd, 0, false);
}

/* ---------------------------------------------------------------- output */

static void output_readable(struct shim *s, int *fd, int stream)
{
	char buf[65536];
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n = read(*fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* EOF (or EIO on a pty whose last writer closed). */
			if (*fd == s->in_fd)
				s->in_fd = -1;
			unwatch_close(s, fd);
			return;
		}
		shim_log_write(&s->log, stream, buf, (size_t)n);
		broadcast(s, stream, buf, (size_t)n);
	}
}

/* The helper that started the container, reaped once it is gone (it
 * exits right after its report; its exit, freeing a fork of the CLI's
 * memory, overlaps our setup): from then on the container is our child.
 * Blocking; a no-op after the first time. */
static void reap_helper(struct shim *s)
{
	while (s->helper > 0 && waitpid(s->helper, NULL, 0) < 0 && errno == EINTR)
		;
	s->helper = 0;
	unwatch_close(s, &s->helper_pidfd);
}

static void process_exited(struct shim *s)
{
	reap_helper(s);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid((idtype_t)P_PIDFD, (id_t)s->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0) {
		if (errno != ECHILD)
			return;
	}
	s->exited = true;
	s->status = si.si_code == CLD_EXITED ? si.si_status << 8 : si.si_status & 0x7f;
	s->drain_until = mono_ns() + DRAIN_NS;
	unwatch_close(s, &s->pidfd);
}

/* ---------------------------------------------------------------- timer */

static void arm_timer(struct shim *s)
{
	int64_t next = 0, now = mono_ns();
	if (s->has_ring && !s->exited)
		next = s->next_sample;
	if (s->kill_at && (!next || s->kill_at < next))
		next = s->kill_at;
	if (s->exited && (!next || s->drain_until < next))
		next = s->drain_until;
	struct itimerspec its = { 0 };
	if (next) {
		int64_t d = next > now ? next - now : 1;
		its.it_value.tv_sec = d / 1000000000LL;
		its.it_value.tv_nsec = d % 1000000000LL;
	}
	timerfd_settime(s->timer_fd, 0, &its, NULL);
}

static void timer_fired(struct shim *s)
{
	uint64_t n;
	(void)!read(s->timer_fd, &n, sizeof n);
	int64_t now = mono_ns();
	if (s->kill_at && now >= s->kill_at) {
		s->kill_at = 0;
		send_signal(s, SIGKILL);
	}
	if (s->has_ring && now >= s->next_sample) {
		shim_ring_sample(&s->ring);
		s->next_sample = now + STATS_INTERVAL_NS;
	}
}

/* ---------------------------------------------------------------- main */

static int fd_arg(const char *s);

/* "--client=FD:STREAMS": a connection handed over with its streams known. */
static void add_preset_client(struct shim *s, const char *v)
{
	char num[16];
	const char *colon = strchr(v, ':');
	snprintf(num, sizeof num, "%.*s", colon ? (int)(colon - v) : (int)strlen(v), v);
	int fd = fd_arg(num);
	if (fd >= 0)
		client_add(s, fd, colon ? (unsigned)atoi(colon + 1) : 0, colon != NULL);
}

static int fd_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *end || v < -1 || v > 1 << 20 ? -2 : (int)v;
}

/* Options are "--key=value" (or "--flag"); "--" starts servin-shim-ctl's
 * arguments for the exit. */
static int parse_args(struct shim *s, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (int j = i + 1; j < argc; j++)
				sv_strv_push(&s->ctl_args, argv[j]);
			return 0;
		}
		if (strcmp(a, "--tty") == 0) {
			s->tty = true;
			continue;
		}
		if (strcmp(a, "--stdin-once") == 0) {
			s->stdin_once = true;
			continue;
		}
		const char *eq = strchr(a, '=');
		if (!eq)
			return -1;
		const char *v = eq + 1;
		size_t k = (size_t)(eq - a);
#define IS(name) (k == sizeof(name) - 1 && strncmp(a, name, k) == 0)
		if (IS("--ctl"))
			s->ctl = v;
		else if (IS("--pid"))
			s->pid = (pid_t)atoi(v);
		else if (IS("--pidfd"))
			s->pidfd = fd_arg(v);
		else if (IS("--report"))
			s->report_fd = fd_arg(v);
		else if (IS("--helper"))
			s->helper = (pid_t)atoi(v);
		else if (IS("--in"))
			s->in_fd = fd_arg(v);
		else if (IS("--out"))
			s->out_fd = fd_arg(v);
		else if (IS("--err"))
			s->err_fd = fd_arg(v);
		else if (IS("--listen"))
			s->listen_fd = fd_arg(v);
		else if (IS("--stop-signal"))
			s->stop_signal = atoi(v);
		else if (IS("--client"))
			add_preset_client(s, v);
		else if (IS("--log"))
			s->log_path = v;
		else if (IS("--log-max-size"))
			s->log.max_size = atoll(v);
		else if (IS("--log-max-file"))
			s->log.max_file = atoi(v);
		else if (IS("--ring"))
			s->ring_path = v;
		else if (IS("--cgroup"))
			sv_strv_push(&s->ring.cgroups, v);
		else if (IS("--dns-udp"))
			s->dns_udp = fd_arg(v);
		else if (IS("--dns-tcp"))
			s->dns_tcp = fd_arg(v);
		else if (IS("--dns-conf"))
			s->dns_conf = v;
		else
			return -1;
#undef IS
	}
	return 0;
}

/* The container's resolver on 127.0.0.11 (sockets bound in its netns by
 * servin-shim-ctl). Without it names fail, the container still runs. */
static void start_dns(struct shim *s)
{
	if (s->dns_udp < 0 || !s->dns_conf)
		return;
	fcntl(s->dns_udp, F_SETFD, FD_CLOEXEC);
	if (s->dns_tcp >= 0)
		fcntl(s->dns_tcp, F_SETFD, FD_CLOEXEC);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_dns_opts o = { .udp_fd = s->dns_udp, .tcp_fd = s->dns_tcp, .conf = s->dns_conf };
	if (sv_dns_new(&o, &s->dns, &err) < 0) {
		s->dns = NULL;
		return;
	}
	watch(s, sv_dns_fd(s->dns), EPOLLIN);
}

static void run_loop(struct shim *s)
{
	for (;;) {
		bool outputs_open = s->out_fd >= 0 || s->err_fd >= 0;
		if (s->exited && (!outputs_open || mono_ns() >= s->drain_until))
			return;
		arm_timer(s);
		struct epoll_event evs[32];
		int n = epoll_wait(s->epfd, evs, 32, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			size_t idx;
			if (fd == s->timer_fd)
				timer_fired(s);
			else if (s->dns && fd == sv_dns_fd(s->dns))
				sv_dns_run(s->dns);
			else if (fd == s->pidfd)
				process_exited(s);
			else if (fd == s->helper_pidfd)
				reap_helper(s);
			else if (fd == s->listen_fd)
				accept_client(s);
			else if (fd == s->out_fd && (evs[i].events & EPOLLOUT))
				flush_stdin(s);
			else if (fd == s->out_fd)
				output_readable(s, &s->out_fd, 1);
			else if (fd == s->err_fd)
				output_readable(s, &s->err_fd, 2);
			else if (fd == s->in_fd)
				flush_stdin(s);
			else if (client_of(s, fd, &idx) && (evs[i].events & EPOLLOUT))
				flush_client(s, idx);
			else if (client_of(s, fd, &idx))
				client_readable(s, idx);
		}
	}
}

/* ---------------------------------------------------------------- exit */

static void blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

/* The exit code to every client but the finisher, queued output first,
 * and to the connections still in the listen backlog. */
static void tell_others(struct shim *s, const struct client *finisher, int code)
{
	char msg[16];
	int n = snprintf(msg, sizeof msg, "%d", code);
	for (size_t i = 0; i < s->nclients; i++) {
		struct client *c = &s->clients[i];
		if (c == finisher)
			continue;
		blocking(c->fd);
		if ((!c->out.len || sv_write_all(c->fd, c->out.data, c->out.len) == 0))
			(void)sv_frame_write(c->fd, SV_FRAME_EXIT, msg, (size_t)n, NULL);
	}
	int fd;
	if (s->listen_fd >= 0)
		nonblock(s->listen_fd); /* only what is queued already */
	while (s->listen_fd >= 0 && (fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		blocking(fd);
		(void)sv_frame_write(fd, SV_FRAME_EXIT, msg, (size_t)n, NULL);
		close(fd);
	}
}

/* Offers the exit to the client that said it would record it (an
 * attached `run`, which has the store open already): EXITED, then its
 * FINISHED "<code>[ <trash>]". True when it did; then the other clients
 * get the code from here, and the trash is purged after everyone has it.
 * False (no finisher, a decline, the finisher gone): servin-shim-ctl. */
static bool hand_over_exit(struct shim *s)
{
	struct client *f = NULL;
	for (size_t i = 0; i < s->nclients && !f; i++)
		if ((s->clients[i].streams & SV_ATTACH_FINISH) && !s->clients[i].in.len)
			f = &s->clients[i];
	if (!f)
		return false;
	blocking(f->fd);
	if (f->out.len && sv_write_all(f->fd, f->out.data, f->out.len) < 0)
		return false;
	sv_buf_reset(&f->out);
	char msg[64];
	int n = snprintf(msg, sizeof msg, "%d %d %d %lld", s->status, s->manual, s->canceled, (long long)s->ooms);
	if (sv_frame_write(f->fd, SV_FRAME_EXITED, msg, (size_t)n, NULL) < 0)
		return false;
	/* The count is with the finisher: the cgroups can go meanwhile. */
	if (s->has_ring)
		shim_ring_remove_cgroups();
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	int type = -1;
	while (type != SV_FRAME_FINISHED)
		if (sv_frame_read(f->fd, &type, &b, NULL) <= 0)
			return false;
	if (!b.len || !strchr("-0123456789", b.data[0]))
		return false;
	int code = atoi(b.data);
	const char *trash = strchr(b.data, ' ');
	tell_others(s, f, code);
	for (size_t i = 0; i < s->nclients; i++)
		close(s->clients[i].fd);
	s->nclients = 0;
	/* The exit is on record: later clients are refused and read it there
	 * (not left queued while the trash is purged). */
	unwatch_close(s, &s->listen_fd);
	if (trash && trash[1] == '/') {
		/* (the rootfs still mounted in it, when the CLI left it so) */
		SV_AUTOERR sv_err *err = NULL;
		(void)sv_rm_rf_unmounting(trash + 1, &err);
	}
	return true;
}

/* After a handed-over exit nobody waits on us: when the store's WAL has
 * grown, exec servin-shim-ctl to fold it into the database here rather
 * than inside some CLI's commit (fsyncs and all). */
static void checkpoint_if_due(struct shim *s)
{
	const char *root = NULL;
	for (size_t i = 0; s->ctl_args && s->ctl_args[i]; i++)
		if (strncmp(s->ctl_args[i], "--root=", 7) == 0)
			root = s->ctl_args[i] + 7;
	if (!root || sv_store_wal_pending(root) < SV_STORE_CHECKPOINT_FRAMES)
		return;
	char **argv = NULL;
	sv_strv_push(&argv, s->ctl);
	sv_strv_push(&argv, "checkpoint");
	for (size_t i = 0; s->ctl_args && s->ctl_args[i]; i++)
		if (strncmp(s->ctl_args[i], "--root=", 7) == 0 || strncmp(s->ctl_args[i], "--runroot=", 10) == 0)
			sv_strv_push(&argv, s->ctl_args[i]);
	execv(s->ctl, argv);
	sv_strv_free(argv);
}

/* Hands over to servin-shim-ctl: the clients and the listening socket
 * survive the exec; everything else is closed. */
static void exec_ctl(struct shim *s)
{
	shim_log_close(&s->log);
	if (s->has_ring)
		shim_ring_close(&s->ring);
	char **argv = NULL;
	sv_strv_push(&argv, s->ctl);
	for (size_t i = 0; s->ctl_args && s->ctl_args[i]; i++)
		sv_strv_push(&argv, s->ctl_args[i]);
	sv_strv_push_take(&argv, sv_xasprintf("--status=%d", s->status));
	sv_strv_push_take(&argv, sv_xasprintf("--manual=%d", s->manual));
	sv_strv_push_take(&argv, sv_xasprintf("--canceled=%d", s->canceled));
	sv_strv_push_take(&argv, sv_xasprintf("--ooms=%lld", (long long)s->ooms));
	if (s->listen_fd >= 0) {
		fcntl(s->listen_fd, F_SETFD, 0);
		sv_strv_push_take(&argv, sv_xasprintf("--listen=%d", s->listen_fd));
	}
	for (size_t i = 0; i < s->nclients; i++) {
		struct client *c = &s->clients[i];
		/* Blocking again: ctl writes the exit frame with plain writes. */
		int fl = fcntl(c->fd, F_GETFL);
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
		if (c->out.len)
			(void)sv_write_all(c->fd, c->out.data, c->out.len);
		fcntl(c->fd, F_SETFD, 0);
		sv_strv_push_take(&argv, sv_xasprintf("--client=%d", c->fd));
	}
	execv(s->ctl, argv);
	char msg[256];
	int n = snprintf(msg, sizeof msg, "servin-shim: exec %s: %s\n", s->ctl, strerror(errno));
	(void)!write(2, msg, (size_t)n);
	_exit(1);
}

/* The helper's report (one message: "PID\n", "cgroup CTRL:DIR" lines, and
 * the attach socket, the stdout and stderr pipes and the stdin one if
 * any). The container becomes our child (we are its subreaper) when the
 * helper is gone, even if it is over already: reap_helper before waiting
 * for it. False when the helper started nothing (it told the caller). */
static bool take_report(struct shim *s)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	SV_AUTOERR sv_err *err = NULL;
	int fds[4];
	size_t nfds = 4;
	int rc = sv_msg_recv(s->report_fd, 16 << 10, &b, fds, &nfds, &err);
	close(s->report_fd);
	s->report_fd = -1;
	if (rc <= 0 || nfds < 3) {
		for (size_t i = 0; rc > 0 && i < nfds; i++)
			close(fds[i]);
		reap_helper(s);
		return false;
	}
	s->listen_fd = fds[0];
	s->out_fd = fds[1];
	s->err_fd = fds[2];
	s->in_fd = nfds > 3 ? fds[3] : -1;
	char *save = NULL;
	for (char *line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "cgroup ", 7) == 0)
			sv_strv_push(&s->ring.cgroups, line + 7);
		else if (!s->pid)
			s->pid = (pid_t)atoi(line);
	}
	if (s->pid <= 0)
		return false;
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	return s->pidfd >= 0;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (strcmp(base, "docker-init") == 0)
		return shim_init_main(argc, argv);
	struct shim s = { .pidfd = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1, .listen_fd = -1,
			  .stop_signal = SIGTERM, .dns_udp = -1, .dns_tcp = -1, .report_fd = -1,
			  .helper_pidfd = -1 };
	signal(SIGPIPE, SIG_IGN);
	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	s.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	s.log.max_file = 1;
	if (s.epfd < 0 || s.timer_fd < 0 || parse_args(&s, argc, argv) < 0 || !s.ctl ||
	    (s.pidfd < 0 && s.report_fd < 0)) {
		static const char usage[] = "servin-shim: started by servin-shim-ctl only\n";
		(void)!write(2, usage, sizeof usage - 1);
		return 2;
	}
	/* Nothing started: the helper told whoever waits. */
	if (s.report_fd >= 0 && !take_report(&s))
		return 0;
	if (shim_log_open(&s.log, s.log_path, s.log.max_size, s.log.max_file) < 0)
		s.log.fd = -1;
	s.has_ring = s.ring_path && shim_ring_open(&s.ring, s.ring_path, s.ring.cgroups) == 0;
	sv_buf_init(&s.pending_in);
	watch(&s, s.timer_fd, EPOLLIN);
	watch(&s, s.pidfd, EPOLLIN);
	/* (the helper's exit, reaped when it comes) */
	if (s.helper > 0 && (s.helper_pidfd = (int)syscall(SYS_pidfd_open, s.helper, 0)) >= 0)
		watch(&s, s.helper_pidfd, EPOLLIN);
	if (s.listen_fd >= 0)
		watch(&s, s.listen_fd, EPOLLIN);
	int fds[] = { s.out_fd, s.err_fd, s.in_fd };
	for (size_t i = 0; i < 3; i++)
		if (fds[i] >= 0)
			nonblock(fds[i]);
	if (s.out_fd >= 0)
		watch(&s, s.out_fd, EPOLLIN);
	if (s.err_fd >= 0)
		watch(&s, s.err_fd, EPOLLIN);
	start_dns(&s);
	/* The first sample a little later: a container that is over at once
	 * (`run --rm ... true`) does not wait for one at its exit. */
	s.next_sample = mono_ns() + FIRST_SAMPLE_NS;
	run_loop(&s);
	sv_dns_free(s.dns);
	/* Complete on disk before anyone hears of the exit. */
	shim_log_close(&s.log);
	s.ooms = s.has_ring ? shim_ring_oom_kills() : -1;
	bool handed = hand_over_exit(&s);
	if (s.has_ring)
		shim_ring_close(&s.ring);
	s.has_ring = false;
	if (handed) {
		checkpoint_if_due(&s);
		return 0;
	}
	exec_ctl(&s);
	return 1;
}
