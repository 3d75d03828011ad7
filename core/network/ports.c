/*
 * Published ports: -p parsing, host port choice, the `ports` rows of
 * running containers, and their firewall elements.
 *
 * How the host itself reaches a published port, 127.0.0.1 included: DNAT
 * in nftables' output hook plus route_localnet on servin's bridges (and a
 * masquerade of 127.0.0.0/8 sources towards them), not a userland proxy.
 * No process per port to start, watch or sweep after a crash, no copy of
 * every byte, UDP and TCP alike, and the container sees real client
 * addresses from other hosts. route_localnet's known hazard (CVE-2020-8558:
 * neighbours reaching the host's 127.0.0.1 services) is closed by the
 * `guard` chain, which drops anything arriving on a servin bridge for
 * 127.0.0.0/8. The price: a host process that later binds the same port
 * is shadowed for connections that the DNAT catches first, so a start
 * refuses a host port that something already listens on.
 */
#include "network-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------------------- parsing */

static bool parse_range(const char *s, int *lo, int *hi)
{
	const char *dash = strchr(s, '-');
	int64_t a, b;
	if (!dash) {
		if (!sv_str_to_i64(s, 1, 65535, &a))
			return false;
		*lo = *hi = (int)a;
		return true;
	}
	SV_AUTOFREE char *first = sv_xstrndup(s, (size_t)(dash - s));
	if (!sv_str_to_i64(first, 1, 65535, &a) || !sv_str_to_i64(dash + 1, 1, 65535, &b) || b < a)
		return false;
	*lo = (int)a;
	*hi = (int)b;
	return true;
}

int sv_port_spec_parse(const char *spec, struct sv_port_spec **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	SV_AUTOFREE char *s = sv_xstrdup(spec);
	const char *proto = "tcp";
	char *slash = strrchr(s, '/');
	if (slash) {
		*slash = 0;
		proto = slash + 1;
		if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
			return sv_err_setx(err, EINVAL, "invalid proto: %s (tcp or udp)", proto);
	}
	if (s[0] == '[')
		return sv_err_setx(err, EINVAL, "invalid publish spec %s: IPv6 host addresses are not supported", spec);
	SV_AUTOSTRV char **parts = sv_strv_split(s, ':', false);
	size_t np = sv_strv_len(parts);
	if (np < 1 || np > 3)
		return sv_err_setx(err, EINVAL, "invalid publish spec: %s", spec);
	const char *ip = np == 3 ? parts[0] : "";
	const char *host = np >= 2 ? parts[np - 2] : "";
	const char *ctr = parts[np - 1];
	uint32_t a;
	if (*ip && !sv_ipv4_parse(ip, &a))
		return sv_err_setx(err, EINVAL, "invalid IP address %s in publish spec %s", ip, spec);
	int clo, chi, hlo = 0, hhi = 0;
	if (!parse_range(ctr, &clo, &chi))
		return sv_err_setx(err, EINVAL, "invalid containerPort: %s", ctr);
	if (*host && !parse_range(host, &hlo, &hhi))
		return sv_err_setx(err, EINVAL, "invalid hostPort: %s", host);
	bool pick_in_range = *host && chi == clo && hhi > hlo;
	if (*host && !pick_in_range && hhi - hlo != chi - clo)
		return sv_err_setx(err, EINVAL, "invalid ranges specified for container and host Ports: %s and %s", ctr, host);
	size_t count = pick_in_range ? 1 : (size_t)(chi - clo + 1);
	*out = sv_xcalloc(count, sizeof **out);
	for (size_t i = 0; i < count; i++) {
		struct sv_port_spec *p = &(*out)[i];
		snprintf(p->host_ip, sizeof p->host_ip, "%s", ip);
		snprintf(p->proto, sizeof p->proto, "%s", proto);
		p->ctr_port = p->ctr_port_end = clo + (int)i;
		if (pick_in_range) {
			p->host_port = hlo;
			p->host_port_end = hhi;
		} else if (*host) {
			p->host_port = p->host_port_end = hlo + (int)i;
		}
	}
	*n = count;
	return 0;
}

/* ---------------------------------------------------------------- host ports */

/* Binds proto ip:port (port 0: any) to learn whether it is free; returns
 * the port, 0 when taken. */
static int probe(const char *proto, const char *ip, int port)
{
	int type = strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
	SV_AUTOCLOSE int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int one = 1;
	/* TIME_WAIT leftovers do not make a TCP port busy; a UDP socket
	 * with SO_REUSEADDR could share a port, so not there. */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint32_t a = 0;
	if (ip && *ip && sv_ipv4_parse(ip, &a))
		sa.sin_addr.s_addr = htonl(a);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return 0;
	socklen_t len = sizeof sa;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return 0;
	return ntohs(sa.sin_port);
}

/* The owner of a conflicting row, or "" when none. */
static int port_owner(sv_store *s, const char *proto, const char *ip, int port, char owner[SV_NET_ID_LEN + 1],
		      sv_err **err)
{
	owner[0] = 0;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT p.container_id, coalesce(c.state, '') FROM ports p LEFT JOIN containers c ON c.id = p.container_id"
		" WHERE p.proto = ?1 AND p.host_port = ?3 AND (p.host_ip = ?2 OR p.host_ip = '0.0.0.0' OR ?2 = '0.0.0.0')",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, port);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(st, 1);
		/* Rows of a container that no longer runs are a crash's
		 * leftovers: they lose to a live claim. */
		if (strcmp(state, "running") && strcmp(state, "paused") && strcmp(state, "restarting"))
			continue;
		snprintf(owner, SV_NET_ID_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
		return 0;
	}
	return 0;
}

static int drop_stale(sv_store *s, const char *proto, const char *ip, int port, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "DELETE FROM ports WHERE proto = ?1 AND host_port = ?3 AND (host_ip = ?2 OR host_ip = '0.0.0.0' OR ?2 = '0.0.0.0')",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, port);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : sv_store_sql_err(s, "drop stale port", err);
}

/* Is proto ip:port free for us: no live row, nothing listening. */
static int port_free(sv_store *s, const char *proto, const char *ip, int port, const char *self, bool *free_,
		     sv_err **err)
{
	char owner[SV_NET_ID_LEN + 1];
	*free_ = false;
	if (port_owner(s, proto, ip, port, owner, err) < 0)
		return -1;
	if (owner[0] && strcmp(owner, self) != 0)
		return 0;
	if (!probe(proto, ip, port))
		return 0;
	*free_ = true;
	return drop_stale(s, proto, ip, port, err);
}

static int insert_port(sv_store *s, const struct sv_port_binding *b, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "INSERT INTO ports (container_id, proto, host_ip, host_port, ctr_port, ctr_ip) VALUES (?, ?, ?, ?, ?, ?)",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, b->container_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, b->host_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, b->host_port);
	sqlite3_bind_int(st, 5, b->ctr_port);
	sqlite3_bind_int64(st, 6, b->ctr_ip);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		return sv_err_setx(err, EADDRINUSE, "Bind for %s:%d failed: port is already allocated", b->host_ip,
				   b->host_port);
	return rc == SQLITE_DONE ? 0 : sv_store_sql_err(s, "insert port", err);
}

/* Chooses the host port of one spec (inside the transaction). */
static int choose(sv_store *s, const struct sv_port_spec *p, const char *ip, const char *self, int *port, sv_err **err)
{
	bool ok = false;
	if (p->host_port == 0) {
		/* The kernel's ephemeral choice, checked against our rows. */
		for (int tries = 0; tries < 64; tries++) {
			int cand = probe(p->proto, ip, 0);
			if (cand && port_free(s, p->proto, ip, cand, self, &ok, err) < 0)
				return -1;
			if (ok) {
				*port = cand;
				return 0;
			}
		}
		return sv_err_setx(err, EADDRINUSE, "no free host port for %d/%s", p->ctr_port, p->proto);
	}
	for (int cand = p->host_port; cand <= p->host_port_end; cand++) {
		if (port_free(s, p->proto, ip, cand, self, &ok, err) < 0)
			return -1;
		if (ok) {
			*port = cand;
			return 0;
		}
	}
	if (p->host_port_end > p->host_port)
		return sv_err_setx(err, EADDRINUSE, "Bind for %s:%d-%d failed: every port is already allocated", ip,
				   p->host_port, p->host_port_end);
	return sv_err_setx(err, EADDRINUSE, "Bind for %s:%d failed: port is already allocated", ip, p->host_port);
}

int net_ports_claim(sv_store *s, const char *container_id, uint32_t ctr_ip, const struct sv_port_spec *specs,
		    size_t n, struct sv_port_binding **out, size_t *nout, sv_err **err)
{
	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	struct sv_port_binding *v = sv_xcalloc(n, sizeof *v);
	if (sv_store_begin(s, err) < 0) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sv_port_spec *p = &specs[i];
		struct sv_port_binding *b = &v[i];
		snprintf(b->container_id, sizeof b->container_id, "%s", container_id);
		snprintf(b->proto, sizeof b->proto, "%s", p->proto);
		snprintf(b->host_ip, sizeof b->host_ip, "%s", p->host_ip[0] ? p->host_ip : "0.0.0.0");
		b->ctr_port = p->ctr_port;
		b->ctr_ip = ctr_ip;
		if (choose(s, p, b->host_ip, container_id, &b->host_port, err) < 0 || insert_port(s, b, err) < 0) {
			sv_store_rollback(s);
			free(v);
			return -1;
		}
	}
	if (sv_store_commit(s, err) < 0) {
		free(v);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

int sv_port_list(sv_store *s, const char *container_id, struct sv_port_binding **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	SV_AUTOSTMT_CACHED sqlite3_stmt *st = sv_store_cached(
		s,
		"SELECT container_id, proto, host_ip, host_port, ctr_port, ctr_ip FROM ports"
		" WHERE ?1 IS NULL OR container_id = ?1 ORDER BY ctr_port, proto, host_ip",
		err);
	if (!st)
		return -1;
	if (container_id)
		sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*out = sv_xrealloc(*out, (*n + 1) * sizeof **out);
		struct sv_port_binding *b = &(*out)[(*n)++];
		memset(b, 0, sizeof *b);
		snprintf(b->container_id, sizeof b->container_id, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(b->proto, sizeof b->proto, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(b->host_ip, sizeof b->host_ip, "%s", (const char *)sqlite3_column_text(st, 2));
		b->host_port = sqlite3_column_int(st, 3);
		b->ctr_port = sqlite3_column_int(st, 4);
		b->ctr_ip = (uint32_t)sqlite3_column_int64(st, 5);
	}
	return 0;
}

int net_ports_release(sv_store *s, const char *container_id, sv_err **err)
{
	SV_AUTOFREE struct sv_port_binding *v = NULL;
	size_t n;
	if (sv_port_list(s, container_id, &v, &n, err) < 0)
		return -1;
	if (!n)
		return 0; /* no write on the stop path of a container without ports */
	if (fw_ports(v, n, false, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "DELETE FROM ports WHERE container_id = ?", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : sv_store_sql_err(s, "delete ports", err);
}
