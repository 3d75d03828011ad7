/*
 * Attach and exec streams: between a hijacked Docker client and the
 * engine's attach connection (servin frames, see engine.h "attach").
 *
 * Output frames already carry Docker's 8-byte multiplexing header, so
 * without a TTY they are forwarded as they are; with a TTY only their
 * payload goes out (Docker's raw stream). Client bytes become STDIN frames,
 * its half-close a CLOSE_STDIN frame; the EXIT frame ends the stream.
 *
 * Docker clients attach before they start (run: create, attach, wait,
 * start). The engine accepts an attach connection at start time
 * (sv_start_opts.attach_fd), so an attach to a container that is not
 * running registers one end of a socketpair here, and the start handler
 * hands it to the engine: no output is lost. Should the container be
 * started elsewhere (the CLI, another server), the attach notices and
 * connects to the running container instead.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"

struct pending {
	char id[SV_CONTAINER_ID_LEN + 1];
	int fd;		  /* the end the engine gets; -1 once taken */
	unsigned streams;
	struct pending *next;
};

static pthread_mutex_t pending_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pending *pending_list;

int rest_attach_register(const char *id, unsigned streams, int *mine)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	struct pending *p = sv_xcalloc(1, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", id);
	p->fd = sv[0];
	p->streams = streams;
	pthread_mutex_lock(&pending_mu);
	p->next = pending_list;
	pending_list = p;
	pthread_mutex_unlock(&pending_mu);
	*mine = sv[1];
	return 0;
}

/* Removes the registration; true when the engine had taken it. */
bool rest_attach_unregister(const char *id, int mine)
{
	(void)mine;
	bool taken = false;
	pthread_mutex_lock(&pending_mu);
	for (struct pending **pp = &pending_list; *pp; pp = &(*pp)->next) {
		struct pending *p = *pp;
		if (strcmp(p->id, id) != 0)
			continue;
		taken = p->fd < 0;
		if (p->fd >= 0)
			close(p->fd);
		*pp = p->next;
		free(p);
		break;
	}
	pthread_mutex_unlock(&pending_mu);
	return taken;
}

bool rest_attach_taken(const char *id)
{
	bool taken = false;
	pthread_mutex_lock(&pending_mu);
	for (struct pending *p = pending_list; p; p = p->next)
		if (!strcmp(p->id, id))
			taken = p->fd < 0;
	pthread_mutex_unlock(&pending_mu);
	return taken;
}

int rest_attach_take(const char *id, unsigned *streams)
{
	int fd = -1;
	pthread_mutex_lock(&pending_mu);
	for (struct pending *p = pending_list; p; p = p->next) {
		if (!strcmp(p->id, id) && p->fd >= 0) {
			fd = p->fd;
			p->fd = -1;
			*streams = p->streams;
			break;
		}
	}
	pthread_mutex_unlock(&pending_mu);
	return fd;
}

/* ---------------------------------------------------------------- pump */

/* One frame from the engine to the client. 1 go on, 0 the end, -1 gone. */
static int pump_output(const struct rest_attach_pump *p, int *exit_code)
{
	SV_AUTOBUF struct sv_buf b;
	SV_AUTOERR sv_err *err = NULL;
	int type;
	sv_buf_init(&b);
	int rc = sv_frame_read(p->conn, &type, &b, &err);
	if (rc <= 0)
		return 0;
	if (type == SV_FRAME_STDOUT || type == SV_FRAME_STDERR) {
		if (!p->tty) {
			unsigned char h[8] = { (unsigned char)type, 0, 0, 0, (unsigned char)(b.len >> 24),
					       (unsigned char)(b.len >> 16), (unsigned char)(b.len >> 8),
					       (unsigned char)b.len };
			if (sv_write_all(p->client, h, sizeof h) < 0)
				return -1;
		}
		return sv_write_all(p->client, b.data, b.len) < 0 ? -1 : 1;
	}
	if (type == SV_FRAME_EXIT) {
		*exit_code = atoi(b.data);
		return 0;
	}
	return type == SV_FRAME_ERROR ? 0 : 1;
}

static int send_frame(const struct rest_attach_pump *p, int type, const void *data, size_t len)
{
	SV_AUTOERR sv_err *err = NULL;
	if (p->conn_mu)
		pthread_mutex_lock(p->conn_mu);
	int rc = sv_frame_write(p->conn, type, data, len, &err);
	if (p->conn_mu)
		pthread_mutex_unlock(p->conn_mu);
	return rc;
}

/* Client bytes to STDIN frames; its half-close to CLOSE_STDIN. */
static int pump_input(const struct rest_attach_pump *p, bool *open)
{
	char buf[32768];
	ssize_t n = recv(p->client, buf, sizeof buf, 0);
	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0) {
		*open = false;
		send_frame(p, SV_FRAME_CLOSE_STDIN, NULL, 0);
		return 1;
	}
	return send_frame(p, SV_FRAME_STDIN, buf, (size_t)n) < 0 ? 0 : 1;
}

int rest_attach_pump(const struct rest_attach_pump *p, int *exit_code)
{
	bool in_open = p->stdin_;
	*exit_code = -1;
	for (;;) {
		struct pollfd f[2] = { { .fd = p->conn, .events = POLLIN },
				       { .fd = p->client, .events = in_open ? POLLIN : 0 } };
		int timeout = p->idle_check ? 1000 : -1;
		int n = poll(f, 2, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (p->idle_check && p->idle_check(p->idle_arg))
				return 1; /* the caller switches connections */
			continue;
		}
		if (f[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			return -1; /* the client is gone */
		if (f[0].revents) {
			int rc = pump_output(p, exit_code);
			if (rc <= 0)
				return rc;
		}
		if (in_open && (f[1].revents & POLLIN) && pump_input(p, &in_open) == 0)
			return 0;
	}
}
