/*
 * The embedded DNS resolver, served by each container's shim.
 *
 * Where it runs, and why there: servin has no daemon, so the resolver
 * needs a process that lives exactly as long as the container does — the
 * shim is that process already. servin-shim-ctl binds a UDP socket and a
 * TCP listener on 127.0.0.11:53 inside the container's netns (the sockets
 * stay in that netns) and the shim serves them from its epoll loop through
 * the one fd sv_dns_fd() gives. Nothing to start, stop or sweep after a
 * crash; a container on several networks has one resolver that knows all
 * of them; forwarding happens from the shim's own (the host's) netns, so a
 * host resolver on 127.0.0.53 works for containers too.
 *
 * It answers A (and empty AAAA) for the names in the names files of the
 * container's user networks — container names, aliases, short ids — and
 * PTR for their addresses; everything else goes to the upstreams of the
 * container's conf file (ids rewritten, replies checked against the
 * upstream they came from), or gets NXDOMAIN when the container is only on
 * internal networks. Files are re-read when they change (stat per query).
 *
 * Input is a datagram from the container: bounds are checked on every
 * read; anything malformed gets FORMERR or nothing at all. libc and
 * core/util only, so the static shim can carry it.
 */
#include "network/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define DNS_MAX_UDP 512
#define DNS_MAX_MSG 4096
#define MAX_PENDING 256
#define MAX_TCP 16
#define UPSTREAM_TIMEOUT_NS (2000LL * 1000000LL)
#define TCP_IDLE_NS (5000LL * 1000000LL)
#define MAX_UPSTREAMS 4
#define MAX_NAMES_FILES 16
#define TTL 600

enum { T_A = 1, T_PTR = 12, T_AAAA = 28, T_ANY = 255 };
enum { RC_OK = 0, RC_FORMERR = 1, RC_SERVFAIL = 2, RC_NXDOMAIN = 3, RC_NOTIMP = 4 };

struct host {
	uint32_t ip;
	char **names; /* lower case */
};

struct file_stamp {
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t size;
	bool seen;
};

struct names_file {
	char *path;
	struct file_stamp st;
	struct host *hosts;
	size_t nhosts;
};

struct pending {
	bool used;
	uint16_t id, orig_id;
	int upstream;	       /* index being tried */
	int64_t deadline;
	struct sockaddr_in client; /* UDP client */
	int tcp_fd;	       /* TCP client, or -1 */
	unsigned char *query;  /* the client's query, for retries */
	size_t qlen;
	size_t qend;	       /* end of its question */
};

struct tcp_client {
	int fd;
	int64_t deadline;
	unsigned char buf[DNS_MAX_MSG + 2];
	size_t len;
};

struct sv_dns {
	int ep, udp, tcp, up, timer;
	char *conf_path;
	struct file_stamp conf_st;
	bool forward;
	struct sockaddr_in upstreams[MAX_UPSTREAMS];
	int nup;
	struct names_file files[MAX_NAMES_FILES];
	size_t nfiles;
	struct pending pending[MAX_PENDING];
	size_t npending;
	struct tcp_client tcp_clients[MAX_TCP];
	uint64_t rng;
};

static int64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint16_t rand16(sv_dns *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return (uint16_t)(d->rng >> 24);
}

/* ---------------------------------------------------------------- files */

static bool stamp_changed(const char *path, struct file_stamp *s)
{
	struct stat st;
	struct file_stamp n = { 0 };
	if (stat(path, &st) == 0)
		n = (struct file_stamp){ st.st_dev, st.st_ino, st.st_mtim, st.st_size, true };
	bool changed = n.seen != s->seen || n.dev != s->dev || n.ino != s->ino || n.size != s->size ||
		       n.mtime.tv_sec != s->mtime.tv_sec || n.mtime.tv_nsec != s->mtime.tv_nsec;
	*s = n;
	return changed;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static void hosts_free(struct names_file *f)
{
	for (size_t i = 0; i < f->nhosts; i++)
		sv_strv_free(f->hosts[i].names);
	free(f->hosts);
	f->hosts = NULL;
	f->nhosts = 0;
}

static void names_load(struct names_file *f)
{
	hosts_free(f);
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_read_file(f->path, 1 << 20, &b, &err) < 0)
		return;
	SV_AUTOSTRV char **lines = sv_strv_split(b.data, '\n', true);
	for (size_t i = 0; lines[i]; i++) {
		SV_AUTOSTRV char **w = sv_strv_split(lines[i], ' ', true);
		uint32_t ip;
		if (!w[0] || !w[1] || !sv_ipv4_parse(w[0], &ip))
			continue;
		f->hosts = sv_xrealloc(f->hosts, (f->nhosts + 1) * sizeof *f->hosts);
		struct host *h = &f->hosts[f->nhosts++];
		h->ip = ip;
		h->names = NULL;
		for (size_t j = 1; w[j]; j++) {
			lower(w[j]);
			sv_strv_push(&h->names, w[j]);
		}
	}
}

static void files_clear(sv_dns *d)
{
	for (size_t i = 0; i < d->nfiles; i++) {
		hosts_free(&d->files[i]);
		free(d->files[i].path);
	}
	d->nfiles = 0;
}

static void conf_load(sv_dns *d)
{
	files_clear(d);
	d->nup = 0;
	d->forward = false;
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_read_file(d->conf_path, 64 << 10, &b, &err) < 0)
		return;
	SV_AUTOSTRV char **lines = sv_strv_split(b.data, '\n', true);
	for (size_t i = 0; lines[i]; i++) {
		const char *l = lines[i];
		uint32_t a;
		if (strcmp(l, "forward 1") == 0) {
			d->forward = true;
		} else if (sv_str_has_prefix(l, "upstream ") && d->nup < MAX_UPSTREAMS && sv_ipv4_parse(l + 9, &a)) {
			struct sockaddr_in *u = &d->upstreams[d->nup++];
			memset(u, 0, sizeof *u);
			u->sin_family = AF_INET;
			u->sin_port = htons(53);
			u->sin_addr.s_addr = htonl(a);
		} else if (sv_str_has_prefix(l, "names ") && d->nfiles < MAX_NAMES_FILES) {
			struct names_file *f = &d->files[d->nfiles++];
			memset(f, 0, sizeof *f);
			f->path = sv_xstrdup(l + 6);
		}
	}
}

static void refresh(sv_dns *d)
{
	if (stamp_changed(d->conf_path, &d->conf_st))
		conf_load(d);
	for (size_t i = 0; i < d->nfiles; i++)
		if (stamp_changed(d->files[i].path, &d->files[i].st))
			names_load(&d->files[i]);
}

/* ---------------------------------------------------------------- wire */

/* Reads the question name at off into out ("a.b", lower case, no final
 * dot); returns the offset after it, or 0 when malformed. Compression is
 * not expected in a question and is refused. */
static size_t read_qname(const unsigned char *m, size_t len, size_t off, char out[256])
{
	size_t o = 0;
	for (int labels = 0; labels < 128; labels++) {
		if (off >= len)
			return 0;
		unsigned l = m[off++];
		if (l == 0) {
			out[o] = 0;
			return off;
		}
		if (l > 63 || off + l > len || o + l + 1 >= 254)
			return 0;
		if (o)
			out[o++] = '.';
		for (unsigned i = 0; i < l; i++) {
			char c = (char)m[off + i];
			out[o++] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
		}
		off += l;
	}
	return 0;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Encodes "a.b" as labels at p (room bytes); returns the length or 0. */
static size_t put_name(unsigned char *p, size_t room, const char *name)
{
	size_t o = 0;
	const char *s = name;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || o + l + 2 > room)
			return 0;
		p[o++] = (unsigned char)l;
		memcpy(p + o, s, l);
		o += l;
		s += l + (dot ? 1 : 0);
	}
	if (o + 1 > room)
		return 0;
	p[o++] = 0;
	return o;
}

/* The header and question of q, as an answer with rcode. */
static size_t reply_head(const unsigned char *q, size_t qend, unsigned char *r, int rcode)
{
	memcpy(r, q, qend);
	r[2] = (unsigned char)(0x80 | (q[2] & 0x79)); /* QR, opcode, RD kept; AA/TC cleared */
	r[3] = (unsigned char)(0x80 | rcode);	     /* RA */
	put16(r + 6, 0);
	put16(r + 8, 0);
	put16(r + 10, 0);
	return qend;
}

static size_t add_a(unsigned char *r, size_t off, size_t room, uint32_t ip)
{
	if (off + 16 > room)
		return off;
	put16(r + off, 0xc00c); /* the question's name */
	put16(r + off + 2, T_A);
	put16(r + off + 4, 1);
	r[off + 6] = 0, r[off + 7] = 0;
	put16(r + off + 8, TTL);
	put16(r + off + 10, 4);
	uint32_t be = htonl(ip);
	memcpy(r + off + 12, &be, 4);
	put16(r + 6, get16(r + 6) + 1);
	return off + 16;
}

static size_t add_ptr(unsigned char *r, size_t off, size_t room, const char *name)
{
	if (off + 12 > room)
		return off;
	size_t nl = put_name(r + off + 12, room - off - 12, name);
	if (!nl)
		return off;
	put16(r + off, 0xc00c);
	put16(r + off + 2, T_PTR);
	put16(r + off + 4, 1);
	r[off + 6] = 0, r[off + 7] = 0;
	put16(r + off + 8, TTL);
	put16(r + off + 10, (unsigned)nl);
	put16(r + 6, get16(r + 6) + 1);
	return off + 12 + nl;
}

/* "d.c.b.a.in-addr.arpa" → a.b.c.d */
static bool ptr_addr(const char *name, uint32_t *ip)
{
	if (!sv_str_has_suffix(name, ".in-addr.arpa"))
		return false;
	SV_AUTOFREE char *rev = sv_xstrndup(name, strlen(name) - strlen(".in-addr.arpa"));
	SV_AUTOSTRV char **p = sv_strv_split(rev, '.', false);
	if (sv_strv_len(p) != 4)
		return false;
	SV_AUTOFREE char *fwd = sv_xasprintf("%s.%s.%s.%s", p[3], p[2], p[1], p[0]);
	return sv_ipv4_parse(fwd, ip);
}

/* Answers from the names files; true when the name is ours. */
static bool answer_local(sv_dns *d, const char *name, unsigned qtype, unsigned char *r, size_t *off, size_t room)
{
	bool found = false;
	uint32_t seen[32];
	size_t nseen = 0;
	uint32_t rip;
	bool is_ptr = qtype == T_PTR && ptr_addr(name, &rip);
	for (size_t f = 0; f < d->nfiles; f++)
		for (size_t h = 0; h < d->files[f].nhosts; h++) {
			const struct host *ho = &d->files[f].hosts[h];
			if (is_ptr) {
				if (ho->ip == rip && !found) {
					*off = add_ptr(r, *off, room, ho->names[0]);
					found = true;
				}
				continue;
			}
			if (!sv_strv_contains(ho->names, name))
				continue;
			found = true;
			bool dup = false;
			for (size_t i = 0; i < nseen; i++)
				dup |= seen[i] == ho->ip;
			if (dup || nseen == 32 || (qtype != T_A && qtype != T_ANY))
				continue;
			seen[nseen++] = ho->ip;
			*off = add_a(r, *off, room, ho->ip);
		}
	return found;
}

/* ---------------------------------------------------------------- sending */

static void send_udp(sv_dns *d, const struct sockaddr_in *to, const unsigned char *m, size_t len)
{
	(void)sendto(d->udp, m, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to, sizeof *to);
}

static void send_tcp(int fd, const unsigned char *m, size_t len)
{
	unsigned char buf[DNS_MAX_MSG + 2];
	if (len > DNS_MAX_MSG)
		return;
	put16(buf, (unsigned)len);
	memcpy(buf + 2, m, len);
	(void)send(fd, buf, len + 2, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void respond(sv_dns *d, const struct sockaddr_in *client, int tcp_fd, const unsigned char *m, size_t len)
{
	if (tcp_fd >= 0)
		send_tcp(tcp_fd, m, len);
	else
		send_udp(d, client, m, len);
}

static void tcp_close(sv_dns *d, int fd)
{
	for (size_t i = 0; i < MAX_TCP; i++)
		if (d->tcp_clients[i].fd == fd) {
			epoll_ctl(d->ep, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			d->tcp_clients[i].fd = -1;
		}
}

static void arm_timer(sv_dns *d)
{
	bool busy = d->npending > 0;
	for (size_t i = 0; i < MAX_TCP && !busy; i++)
		busy = d->tcp_clients[i].fd >= 0;
	struct itimerspec its = { 0 };
	if (busy)
		its.it_value.tv_nsec = its.it_interval.tv_nsec = 250000000L;
	timerfd_settime(d->timer, 0, &its, NULL);
}

/* ---------------------------------------------------------------- forwarding */

static void pending_drop(sv_dns *d, struct pending *p)
{
	if (p->tcp_fd >= 0)
		tcp_close(d, p->tcp_fd);
	free(p->query);
	memset(p, 0, sizeof *p);
	p->tcp_fd = -1;
	d->npending--;
}

static void fail_with(sv_dns *d, struct pending *p, int rcode)
{
	unsigned char r[DNS_MAX_UDP];
	if (p->qend >= 12 && p->qend <= sizeof r) {
		put16(p->query, p->orig_id);
		size_t n = reply_head(p->query, p->qend, r, rcode);
		put16(r + 4, 1);
		respond(d, &p->client, p->tcp_fd, r, n);
	}
	pending_drop(d, p);
}

static void send_upstream(sv_dns *d, struct pending *p)
{
	unsigned char *q = p->query;
	put16(q, p->id);
	(void)sendto(d->up, q, p->qlen, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&d->upstreams[p->upstream],
		     sizeof d->upstreams[0]);
	p->deadline = mono() + UPSTREAM_TIMEOUT_NS;
}

static void forward(sv_dns *d, const unsigned char *m, size_t len, size_t qend, const struct sockaddr_in *client,
		    int tcp_fd)
{
	struct pending *p = NULL;
	for (size_t i = 0; i < MAX_PENDING && !p; i++)
		if (!d->pending[i].used)
			p = &d->pending[i];
	if (!p) {
		unsigned char r[DNS_MAX_UDP];
		size_t n = reply_head(m, qend, r, RC_SERVFAIL);
		put16(r + 4, 1);
		respond(d, client, tcp_fd, r, n);
		if (tcp_fd >= 0)
			tcp_close(d, tcp_fd);
		return;
	}
	p->used = true;
	d->npending++;
	p->orig_id = (uint16_t)get16(m);
	bool clash;
	do {
		p->id = rand16(d);
		clash = false;
		for (size_t i = 0; i < MAX_PENDING; i++)
			clash |= &d->pending[i] != p && d->pending[i].used && d->pending[i].id == p->id;
	} while (clash);
	if (client)
		p->client = *client;
	p->tcp_fd = tcp_fd;
	p->query = sv_xmalloc(len);
	memcpy(p->query, m, len);
	p->qlen = len;
	p->qend = qend;
	p->upstream = 0;
	send_upstream(d, p);
	arm_timer(d);
}

static void on_upstream(sv_dns *d)
{
	unsigned char m[DNS_MAX_MSG];
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(d->up, m, sizeof m, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (n < 12)
			continue;
		uint16_t id = (uint16_t)get16(m);
		for (size_t i = 0; i < MAX_PENDING; i++) {
			struct pending *p = &d->pending[i];
			const struct sockaddr_in *u = &d->upstreams[p->upstream];
			if (!p->used || p->id != id || from.sin_addr.s_addr != u->sin_addr.s_addr ||
			    from.sin_port != u->sin_port)
				continue;
			put16(m, p->orig_id);
			respond(d, &p->client, p->tcp_fd, m, (size_t)n);
			pending_drop(d, p);
			break;
		}
	}
}

static void on_timer(sv_dns *d)
{
	uint64_t ticks;
	(void)!read(d->timer, &ticks, sizeof ticks);
	int64_t now = mono();
	for (size_t i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &d->pending[i];
		if (!p->used || p->deadline > now)
			continue;
		if (p->upstream + 1 < d->nup) {
			p->upstream++;
			send_upstream(d, p);
		} else {
			fail_with(d, p, RC_SERVFAIL);
		}
	}
	for (size_t i = 0; i < MAX_TCP; i++)
		if (d->tcp_clients[i].fd >= 0 && d->tcp_clients[i].deadline <= now) {
			bool waiting = false;
			for (size_t j = 0; j < MAX_PENDING; j++)
				waiting |= d->pending[j].used && d->pending[j].tcp_fd == d->tcp_clients[i].fd;
			if (!waiting)
				tcp_close(d, d->tcp_clients[i].fd);
		}
	arm_timer(d);
}

/* ---------------------------------------------------------------- queries */

/* Handles one query from the container. */
static void query(sv_dns *d, const unsigned char *m, size_t len, const struct sockaddr_in *client, int tcp_fd)
{
	if (len < 12 || (m[2] & 0x80))
		return; /* too short to answer, or a response: ignore */
	unsigned char r[DNS_MAX_UDP];
	char name[256];
	unsigned opcode = (m[2] >> 3) & 0xf;
	size_t qend = get16(m + 4) == 1 ? read_qname(m, len, 12, name) : 0;
	if (qend && qend + 4 <= len)
		qend += 4;
	else
		qend = 0;
	if (!qend || opcode != 0) {
		memcpy(r, m, 12);
		r[2] = (unsigned char)(0x80 | (m[2] & 0x79));
		r[3] = (unsigned char)(0x80 | (opcode ? RC_NOTIMP : RC_FORMERR));
		memset(r + 4, 0, 8);
		respond(d, client, tcp_fd, r, 12);
		return;
	}
	if (qend > sizeof r - 16)
		return;
	refresh(d);
	unsigned qtype = get16(m + qend - 4), qclass = get16(m + qend - 2);
	size_t off = reply_head(m, qend, r, RC_OK);
	put16(r + 4, 1);
	size_t room = tcp_fd >= 0 ? sizeof r : DNS_MAX_UDP;
	if (qclass == 1 && answer_local(d, name, qtype, r, &off, room)) {
		respond(d, client, tcp_fd, r, off);
		if (tcp_fd >= 0)
			tcp_close(d, tcp_fd);
		return;
	}
	if (d->forward && d->nup > 0) {
		forward(d, m, len, qend, client, tcp_fd);
		return;
	}
	off = reply_head(m, qend, r, RC_NXDOMAIN);
	put16(r + 4, 1);
	respond(d, client, tcp_fd, r, off);
	if (tcp_fd >= 0)
		tcp_close(d, tcp_fd);
}

static void on_udp(sv_dns *d)
{
	unsigned char m[DNS_MAX_MSG];
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(d->udp, m, sizeof m, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		query(d, m, (size_t)n, &from, -1);
	}
}

static void on_accept(sv_dns *d)
{
	for (;;) {
		int fd = accept4(d->tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct tcp_client *c = NULL;
		for (size_t i = 0; i < MAX_TCP && !c; i++)
			if (d->tcp_clients[i].fd < 0)
				c = &d->tcp_clients[i];
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = 0;
		c->deadline = mono() + TCP_IDLE_NS;
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
		epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev);
		arm_timer(d);
	}
}

static void on_tcp_client(sv_dns *d, int fd)
{
	struct tcp_client *c = NULL;
	for (size_t i = 0; i < MAX_TCP && !c; i++)
		if (d->tcp_clients[i].fd == fd)
			c = &d->tcp_clients[i];
	if (!c)
		return;
	ssize_t n = read(fd, c->buf + c->len, sizeof c->buf - c->len);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			tcp_close(d, fd);
		return;
	}
	c->len += (size_t)n;
	if (c->len < 2)
		return;
	size_t want = get16(c->buf);
	if (want > DNS_MAX_MSG || want < 12) {
		tcp_close(d, fd);
		return;
	}
	if (c->len < want + 2)
		return;
	/* One query per connection: answered (or forwarded), then closed. */
	epoll_ctl(d->ep, EPOLL_CTL_DEL, fd, NULL);
	query(d, c->buf + 2, want, NULL, fd);
}

/* ---------------------------------------------------------------- life */

static int watch(sv_dns *d, int fd, sv_err **err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return sv_err_set(err, errno, "epoll_ctl");
	return 0;
}

int sv_dns_new(const struct sv_dns_opts *o, sv_dns **out, sv_err **err)
{
	sv_dns *d = sv_xcalloc(1, sizeof *d);
	d->udp = o->udp_fd;
	d->tcp = o->tcp_fd;
	d->up = d->timer = -1;
	for (size_t i = 0; i < MAX_TCP; i++)
		d->tcp_clients[i].fd = -1;
	for (size_t i = 0; i < MAX_PENDING; i++)
		d->pending[i].tcp_fd = -1;
	d->conf_path = sv_xstrdup(o->conf);
	if (getrandom(&d->rng, sizeof d->rng, 0) != sizeof d->rng || !d->rng)
		d->rng = (uint64_t)mono() | 1;
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	d->up = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	d->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->ep < 0 || d->up < 0 || d->timer < 0) {
		sv_err_set(err, errno, "dns resolver");
		sv_dns_free(d);
		return -1;
	}
	if ((d->udp >= 0 && watch(d, d->udp, err) < 0) || (d->tcp >= 0 && watch(d, d->tcp, err) < 0) ||
	    watch(d, d->up, err) < 0 || watch(d, d->timer, err) < 0) {
		sv_dns_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void sv_dns_free(sv_dns *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < MAX_PENDING; i++)
		if (d->pending[i].used)
			free(d->pending[i].query);
	for (size_t i = 0; i < MAX_TCP; i++)
		if (d->tcp_clients[i].fd >= 0)
			close(d->tcp_clients[i].fd);
	int fds[] = { d->ep, d->udp, d->tcp, d->up, d->timer };
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	files_clear(d);
	free(d->conf_path);
	free(d);
}

int sv_dns_fd(const sv_dns *d)
{
	return d->ep;
}

void sv_dns_run(sv_dns *d)
{
	struct epoll_event ev[16];
	int n = epoll_wait(d->ep, ev, 16, 0);
	for (int i = 0; i < n; i++) {
		int fd = ev[i].data.fd;
		if (fd == d->udp)
			on_udp(d);
		else if (fd == d->tcp)
			on_accept(d);
		else if (fd == d->up)
			on_upstream(d);
		else if (fd == d->timer)
			on_timer(d);
		else
			on_tcp_client(d, fd);
	}
}
