/*
 * Reading a container's json-file log (written by servin-shim): the
 * rotated files oldest first, then the live one; --since/--until by the
 * entries' times; --tail as a count from the end (a first pass counts);
 * --follow waits on inotify for more until the container stops, and
 * follows the file across a rotation (a new inode at the same path).
 *
 * Every line is untrusted data: a torn or malformed line is skipped.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "containers-internal.h"

#define LOG_LINE_MAX (1 << 20)

struct log_reader {
	const struct sv_log_opts *o;
	sv_log_entry_fn *fn;
	void *arg;
	int64_t skip;	  /* matching entries still to skip (tail) */
	int64_t matched;  /* matching entries seen */
	bool counting;	  /* first pass of --tail: count only */
	bool stop;
	struct sv_buf line;
};

/* One JSON line: calls back for a matching entry; < 0 stops. */
static int entry(struct log_reader *lr, const char *text, size_t len, sv_err **err)
{
	SV_AUTOJSON cJSON *j = cJSON_ParseWithLength(text, len);
	const char *log = sv_json_str(j, "log"), *stream = sv_json_str(j, "stream"), *time = sv_json_str(j, "time");
	if (!log || !stream || !time)
		return 0;
	int s = strcmp(stream, "stderr") == 0 ? 2 : 1;
	if ((s == 1 && !lr->o->stdout_) || (s == 2 && !lr->o->stderr_))
		return 0;
	int64_t t = 0;
	SV_AUTOERR sv_err *e2 = NULL;
	if (sv_time_parse(time, 0, &t, &e2) < 0)
		return 0;
	if ((lr->o->since_ns && t < lr->o->since_ns) || (lr->o->until_ns && t > lr->o->until_ns))
		return 0;
	lr->matched++;
	if (lr->counting)
		return 0;
	if (lr->skip > 0) {
		lr->skip--;
		return 0;
	}
	/* cJSON stops at NUL: the log string's length is its own. */
	cJSON *lj = cJSON_GetObjectItemCaseSensitive(j, "log");
	size_t n = strlen(lj->valuestring);
	if (lr->fn(s, t, log, n, lr->arg) < 0) {
		lr->stop = true;
		return sv_err_code(err) ? -1 : 0;
	}
	return 0;
}

/* Reads whole lines from fd until EOF; a partial last line stays in lr->line. */
static int read_lines(struct log_reader *lr, int fd, sv_err **err)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sv_err_set(err, errno, "read log");
		if (n == 0)
			return 0;
		sv_buf_add(&lr->line, buf, (size_t)n);
		size_t off = 0;
		char *nl;
		while ((nl = memchr(lr->line.data + off, '\n', lr->line.len - off))) {
			size_t len = (size_t)(nl - (lr->line.data + off));
			if (entry(lr, lr->line.data + off, len, err) < 0)
				return -1;
			off += len + 1;
			if (lr->stop)
				return 0;
		}
		memmove(lr->line.data, lr->line.data + off, lr->line.len - off);
		sv_buf_truncate(&lr->line, lr->line.len - off);
		if (lr->line.len > LOG_LINE_MAX)
			sv_buf_reset(&lr->line);
	}
}

static char **log_files(const char *path)
{
	char **v = NULL;
	for (int i = 1000; i >= 1; i--) {
		SV_AUTOFREE char *p = sv_xasprintf("%s.%d", path, i);
		if (access(p, F_OK) == 0)
			sv_strv_push(&v, p);
	}
	sv_strv_push(&v, path);
	return v;
}

/* One pass over every file; the live one's fd is left in *live. */
static int pass(struct log_reader *lr, const char *path, int *live, sv_err **err)
{
	SV_AUTOSTRV char **files = log_files(path);
	for (size_t i = 0; files[i] && !lr->stop; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		sv_buf_reset(&lr->line);
		int rc = read_lines(lr, fd, err);
		if (!files[i + 1] && live && rc == 0)
			*live = fd;
		else
			close(fd);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static bool still_running(sv_engine *e, const char *id)
{
	struct ctr_row r;
	SV_AUTOERR sv_err *err = NULL;
	if (ctr_load(e, id, &r, &err) < 0 || ctr_reconcile(e, &r, &err) < 0)
		return false;
	bool live = ctr_is_live(r.state);
	ctr_row_release(&r);
	return live;
}

/* Polls the log's directory, and the reader's hang-up fd if it has one:
 * false once that fd reports its peer gone. */
static bool wait_more(struct log_reader *lr, int in)
{
	const int *hfd = lr->o->hangup_fd;
	struct pollfd p[2] = { { .fd = in, .events = POLLIN },
			       { .fd = hfd && *hfd >= 0 ? *hfd : -1, .events = POLLRDHUP } };
	/* The timeout catches a stop that wrote nothing to the log. */
	if (poll(p, 2, 500) > 0) {
		if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR))
			return false;
		char evbuf[4096];
		while (read(in, evbuf, sizeof evbuf) > 0)
			;
	}
	return true;
}

static int follow(sv_engine *e, struct log_reader *lr, const char *id, const char *path, int fd, sv_err **err)
{
	SV_AUTOCLOSE int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	SV_AUTOFREE char *dir = ctr_dir(e, id);
	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF) < 0)
		return sv_err_set(err, errno, "watch %s", dir);
	SV_AUTOCLOSE int cur = fd;
	while (!lr->stop) {
		bool live = still_running(e, id);
		if (read_lines(lr, cur, err) < 0)
			return -1;
		struct stat a, b;
		if (stat(path, &b) == 0 && fstat(cur, &a) == 0 && a.st_ino != b.st_ino) {
			/* Rotated: the rest of the old file, then the new one. */
			int nfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nfd >= 0) {
				close(cur);
				cur = nfd;
				sv_buf_reset(&lr->line);
				continue;
			}
		}
		if (!live || !wait_more(lr, in))
			return 0;
	}
	return 0;
}

int sv_engine_container_logs(sv_engine *e, const char *name, const struct sv_log_opts *opts, sv_log_entry_fn *fn,
			     void *arg, sv_err **err)
{
	struct ctr_row r;
	if (ctr_find(e, name, &r, err) < 0)
		return -1;
	const cJSON *lc = sv_json_obj(ctr_host(&r), "LogConfig");
	const char *type = lc ? sv_json_str(lc, "Type") : NULL;
	bool none = type && strcmp(type, "none") == 0;
	char id[SV_CONTAINER_ID_LEN + 1];
	memcpy(id, r.id, sizeof id);
	ctr_row_release(&r);
	if (none)
		return sv_err_setx(err, ENOTSUP, "configured logging driver does not support reading");
	SV_AUTOFREE char *path = ctr_log_path(e, id);
	struct log_reader lr = { .o = opts, .fn = fn, .arg = arg };
	sv_buf_init(&lr.line);
	int rc = 0, live = -1;
	if (opts->tail >= 0) {
		lr.counting = true;
		rc = pass(&lr, path, NULL, err);
		lr.counting = false;
		lr.skip = lr.matched > opts->tail ? lr.matched - opts->tail : 0;
	}
	if (rc == 0)
		rc = pass(&lr, path, opts->follow ? &live : NULL, err);
	if (rc == 0 && opts->follow && !lr.stop && live >= 0) {
		rc = follow(e, &lr, id, path, live, err);
	} else if (live >= 0) {
		close(live);
	}
	sv_buf_release(&lr.line);
	return rc;
}
