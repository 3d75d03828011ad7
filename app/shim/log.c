/*
 * The json-file log, byte-compatible with Docker's: one JSON object per
 * line, {"log":"...","stream":"stdout","time":"<RFC 3339 nano>"}, output
 * split at newlines (a line longer than 16 KiB is split too, as Docker's
 * 16K buffer does), strings escaped as Go's encoding/json escapes them.
 *
 * Rotation (--log-opt max-size, max-file): when an entry would take the
 * file over max-size, <log>.N-1 is dropped, each <log>.i becomes
 * <log>.i+1 and the log becomes <log>.1; with max-file 1 the log is cut
 * to zero. Readers take the files oldest first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

#define LINE_MAX_BYTES (16 * 1024)

static const char *const stream_names[] = { "stdin", "stdout", "stderr" };

int shim_log_open(struct shim_log *l, const char *path, int64_t max_size, int max_file)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
	for (int i = 0; i < 3; i++)
		sv_buf_init(&l->partial[i]);
	sv_buf_init(&l->line);
	if (!path)
		return 0;
	l->path = sv_xstrdup(path);
	l->max_size = max_size;
	l->max_file = max_file < 1 ? 1 : max_file;
	l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return -1;
	struct stat st;
	l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	unsigned cp = len == 2 ? (c & 0x1f) << 6 | (p[1] & 0x3f)
		    : len == 3 ? (c & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f)
			       : (c & 0x07) << 18 | (p[1] & 0x3f) << 12 | (p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void shim_json_escape(struct sv_buf *b, const char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)data;
	sv_buf_addc(b, '"');
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		if (c >= 0x80) {
			size_t n = utf8_len(p + i, len - i);
			if (!n) {
				sv_buf_adds(b, "\\ufffd");
				i++;
				continue;
			}
			/* U+2028 and U+2029 are escaped by encoding/json. */
			if (n == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
				sv_buf_adds(b, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			else
				sv_buf_add(b, p + i, n);
			i += n;
			continue;
		}
		if (c == '"' || c == '\\') {
			sv_buf_addc(b, '\\');
			sv_buf_addc(b, (char)c);
		} else if (c == '\n') {
			sv_buf_adds(b, "\\n");
		} else if (c == '\r') {
			sv_buf_adds(b, "\\r");
		} else if (c == '\t') {
			sv_buf_adds(b, "\\t");
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) {
			if (c == 0x7f) {
				sv_buf_addc(b, (char)c);
			} else {
				char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
				sv_buf_adds(b, u);
			}
		} else {
			sv_buf_addc(b, (char)c);
		}
		i++;
	}
	sv_buf_addc(b, '"');
}

static void rotate(struct shim_log *l)
{
	if (l->max_file <= 1) {
		if (ftruncate(l->fd, 0) == 0)
			l->size = 0;
		return;
	}
	char from[4096], to[4096];
	snprintf(to, sizeof to, "%s.%d", l->path, l->max_file - 1);
	unlink(to);
	for (int i = l->max_file - 2; i >= 1; i--) {
		snprintf(from, sizeof from, "%s.%d", l->path, i);
		snprintf(to, sizeof to, "%s.%d", l->path, i + 1);
		rename(from, to);
	}
	snprintf(to, sizeof to, "%s.1", l->path);
	if (rename(l->path, to) < 0)
		return;
	int fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	close(l->fd);
	l->fd = fd;
	l->size = 0;
}

static void timestamp(struct sv_buf *b)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	sv_buf_addf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

static void emit(struct shim_log *l, int stream, const char *data, size_t len)
{
	struct sv_buf *b = &l->line;
	sv_buf_reset(b);
	sv_buf_adds(b, "{\"log\":");
	shim_json_escape(b, data, len);
	sv_buf_addf(b, ",\"stream\":\"%s\",\"time\":\"", stream_names[stream]);
	timestamp(b);
	sv_buf_adds(b, "\"}\n");
	if (l->max_size > 0 && l->size > 0 && l->size + (int64_t)b->len > l->max_size)
		rotate(l);
	if (sv_write_all(l->fd, b->data, b->len) == 0)
		l->size += (int64_t)b->len;
}

void shim_log_write(struct shim_log *l, int stream, const char *data, size_t len)
{
	if (l->fd < 0 || stream < 1 || stream > 2)
		return;
	struct sv_buf *part = &l->partial[stream];
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) + 1 : len;
		if (part->len + take > LINE_MAX_BYTES && !nl) {
			size_t room = LINE_MAX_BYTES - part->len;
			sv_buf_add(part, data, room);
			emit(l, stream, part->data, part->len);
			sv_buf_reset(part);
			data += room;
			len -= room;
			continue;
		}
		if (nl && part->len == 0) {
			emit(l, stream, data, take);
		} else {
			sv_buf_add(part, data, take);
			if (nl || part->len >= LINE_MAX_BYTES) {
				emit(l, stream, part->data, part->len);
				sv_buf_reset(part);
			}
		}
		data += take;
		len -= take;
	}
}

void shim_log_flush(struct shim_log *l)
{
	for (int s = 1; s <= 2 && l->fd >= 0; s++) {
		if (l->partial[s].len)
			emit(l, s, l->partial[s].data, l->partial[s].len);
		sv_buf_reset(&l->partial[s]);
	}
}

void shim_log_close(struct shim_log *l)
{
	shim_log_flush(l);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	for (int i = 0; i < 3; i++)
		sv_buf_release(&l->partial[i]);
	sv_buf_release(&l->line);
	free(l->path);
	l->path = NULL;
}
