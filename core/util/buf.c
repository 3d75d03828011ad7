/*
 * Growable buffers and NULL-terminated string vectors. A buffer is always
 * NUL-terminated, so its data can be used as a C string at any time (git's
 * strbuf); an empty buffer points at a shared "" and allocates nothing.
 */
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char buf_empty[1];

void sv_buf_init(struct sv_buf *b)
{
	b->data = buf_empty;
	b->len = 0;
	b->cap = 0;
}

void sv_buf_release(struct sv_buf *b)
{
	if (b->cap)
		free(b->data);
	sv_buf_init(b);
}

void sv_cleanup_buf(struct sv_buf *b)
{
	sv_buf_release(b);
}

char *sv_buf_detach(struct sv_buf *b, size_t *len)
{
	if (!b->cap)
		sv_buf_grow(b, 0);
	char *p = b->data;
	if (len)
		*len = b->len;
	sv_buf_init(b);
	return p;
}

void sv_buf_reset(struct sv_buf *b)
{
	sv_buf_truncate(b, 0);
}

void sv_buf_truncate(struct sv_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

void sv_buf_grow(struct sv_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	if (b->cap) {
		b->data = sv_xrealloc(b->data, cap);
	} else {
		b->data = sv_xmalloc(cap);
		b->data[0] = '\0';
	}
	b->cap = cap;
}

void sv_buf_add(struct sv_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	sv_buf_grow(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void sv_buf_adds(struct sv_buf *b, const char *s)
{
	sv_buf_add(b, s, strlen(s));
}

void sv_buf_addc(struct sv_buf *b, char c)
{
	sv_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void sv_buf_vaddf(struct sv_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	sv_buf_grow(b, 64);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		sv_buf_grow(b, (size_t)n);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void sv_buf_addf(struct sv_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sv_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------ string vectors */

size_t sv_strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void sv_strv_push_take(char ***v, char *s)
{
	size_t n = sv_strv_len(*v);
	*v = sv_xrealloc(*v, (n + 2) * sizeof **v);
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

void sv_strv_push(char ***v, const char *s)
{
	sv_strv_push_take(v, sv_xstrdup(s));
}

void sv_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char **sv_strv_dup(char *const *v)
{
	size_t n = sv_strv_len(v);
	char **out = sv_xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = sv_xstrdup(v[i]);
	return out;
}

bool sv_strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

char **sv_strv_split(const char *s, char sep, bool skip_empty)
{
	char **v = sv_xcalloc(1, sizeof *v);
	const char *start = s;
	for (const char *p = s;; p++) {
		if (*p != sep && *p != '\0')
			continue;
		if (p > start || !skip_empty)
			sv_strv_push_take(&v, sv_xstrndup(start, (size_t)(p - start)));
		if (*p == '\0')
			break;
		start = p + 1;
	}
	return v;
}

char *sv_strv_join(char *const *v, const char *sep)
{
	struct sv_buf b;
	sv_buf_init(&b);
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			sv_buf_adds(&b, sep);
		sv_buf_adds(&b, v[i]);
	}
	return sv_buf_detach(&b, NULL);
}
