/*
 * What the embedded resolvers read: one names file per user network
 * (runroot/networks/<id>/names, "ip name..." per running container,
 * replaced atomically whenever a container starts, stops, connects or
 * disconnects) and one small conf file per container (its upstreams and
 * the names files of its networks). The resolver in each shim re-reads a
 * file when its mtime or inode changes, so no process has to be told.
 */
#include "network-internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *net_names_path(const char *runroot, const char *network_id)
{
	return sv_xasprintf("%s/networks/%.64s/names", runroot, network_id);
}

char *sv_dns_conf_path(const char *runroot, const char *container_id)
{
	return sv_xasprintf("%s/containers/%.64s/dns", runroot, container_id);
}

int sv_net_write_file(int dirfd, const char *name, const char *text, sv_err **err)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, ".%.40s.%d", name, (int)getpid());
	SV_AUTOCLOSE int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return sv_err_set(err, errno, "create %s", name);
	if (sv_write_all(fd, text, strlen(text)) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return sv_err_set(err, e, "write %s", name);
	}
	return 0;
}

static int write_in(const char *dir, const char *name, const char *text, sv_err **err)
{
	if (sv_mkdir_p(dir, 0700, err) < 0)
		return -1;
	SV_AUTOCLOSE int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", dir);
	return sv_net_write_file(dfd, name, text, err);
}

/* Read and written under the network's names lock: two containers that
 * start at once each write the file, and without the lock the one that
 * read the database first could write last and drop the other. */
int net_names_write(sv_store *s, const char *runroot, const char *network_id, const char *plus, const char *minus,
		    sv_err **err)
{
	char lname[32];
	snprintf(lname, sizeof lname, "names-%.12s", network_id);
	SV_AUTOCLOSE int lock = sv_store_lock(s, lname, true, err);
	if (lock < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT e.ip, c.name, c.id, e.aliases FROM endpoints e JOIN containers c ON c.id = e.container_id"
		" WHERE e.network_id = ?1 AND (c.state IN ('running', 'paused') OR c.id = ?2)"
		" AND (?3 IS NULL OR c.id != ?3) ORDER BY e.ip",
		err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, plus ? plus : "", -1, SQLITE_STATIC);
	if (minus)
		sqlite3_bind_text(st, 3, minus, -1, SQLITE_STATIC);
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char a[16];
		sv_buf_addf(&b, "%s %s %.12s", sv_ipv4_fmt((uint32_t)sqlite3_column_int64(st, 0), a),
			    (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2));
		const char *al = (const char *)sqlite3_column_text(st, 3);
		SV_AUTOJSON cJSON *arr = cJSON_Parse(al ? al : "[]");
		const cJSON *it;
		cJSON_ArrayForEach(it, arr)
			if (cJSON_IsString(it) && *it->valuestring && !strpbrk(it->valuestring, " \t\n"))
				sv_buf_addf(&b, " %s", it->valuestring);
		sv_buf_addc(&b, '\n');
	}
	SV_AUTOFREE char *path = net_names_path(runroot, network_id);
	char *slash = strrchr(path, '/');
	*slash = 0;
	return write_in(path, "names", b.data, err);
}

int sv_dns_conf_write(const char *runroot, const char *container_id, char *const *upstreams, bool forward,
		      char *const *network_ids, sv_err **err)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_addf(&b, "forward %d\n", forward ? 1 : 0);
	for (size_t i = 0; upstreams && upstreams[i]; i++) {
		uint32_t a;
		if (sv_ipv4_parse(upstreams[i], &a))
			sv_buf_addf(&b, "upstream %s\n", upstreams[i]);
	}
	for (size_t i = 0; network_ids && network_ids[i]; i++) {
		SV_AUTOFREE char *p = net_names_path(runroot, network_ids[i]);
		sv_buf_addf(&b, "names %s\n", p);
	}
	SV_AUTOFREE char *dir = sv_xasprintf("%s/containers/%.64s", runroot, container_id);
	return write_in(dir, "dns", b.data, err);
}

int sv_net_names_refresh(sv_store *s, const char *runroot, const char *container_id, sv_err **err)
{
	struct sv_endpoint *eps;
	size_t n;
	if (sv_endpoint_list(s, NULL, container_id, &eps, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = net_names_write(s, runroot, eps[i].network_id, NULL, NULL, err);
	sv_endpoints_free(eps, n);
	return rc;
}
