/*
 * Frames of an attach connection: Docker's 8-byte stream header
 * [type, 0, 0, 0, length big-endian] and a payload. Kept free of the store
 * and of cJSON: the static servin-shim links this file alone.
 */
#include "engine/engine.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int sv_frame_write(int fd, enum sv_frame_type type, const void *data, size_t len, sv_err **err)
{
	if (len > SV_FRAME_MAX)
		return sv_err_setx(err, E2BIG, "attach frame of %zu bytes is too large", len);
	unsigned char h[8] = { (unsigned char)type, 0, 0, 0, (unsigned char)(len >> 24),
			       (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len };
	if (sv_write_all(fd, h, sizeof h) < 0 || (len && sv_write_all(fd, data, len) < 0))
		return sv_err_set(err, errno, "attach: write");
	return 0;
}

/* Reads exactly n bytes; 0 at EOF before the first byte. */
static int read_full(int fd, void *buf, size_t n, sv_err **err)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sv_err_set(err, errno, "attach: read");
		if (r == 0) {
			if (got == 0)
				return 0;
			return sv_err_setx(err, EBADMSG, "attach: connection closed in the middle of a frame");
		}
		got += (size_t)r;
	}
	return 1;
}

int sv_frame_read(int fd, int *type, struct sv_buf *out, sv_err **err)
{
	unsigned char h[8];
	int rc = read_full(fd, h, sizeof h, err);
	if (rc <= 0)
		return rc;
	uint32_t len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
	if (len > SV_FRAME_MAX || h[1] || h[2] || h[3])
		return sv_err_setx(err, EBADMSG, "attach: bad frame header");
	*type = h[0];
	sv_buf_reset(out);
	sv_buf_grow(out, len);
	if (len && read_full(fd, out->data, len, err) <= 0)
		return sv_err_code(err) ? -1 : sv_err_setx(err, EBADMSG, "attach: truncated frame");
	out->len = len;
	out->data[len] = '\0';
	return 1;
}
