/*
 * Allocation that aborts on OOM. Running out of memory is the one failure
 * the core does not report as an error value: there is no sane recovery
 * from it in a runtime, and every caller would otherwise need a path that
 * is never tested (tmux:xmalloc.c, htop:XUtils.c).
 */
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static SV_NORETURN void oom(size_t n)
{
	char msg[96];
	int len = snprintf(msg, sizeof msg, "servin: out of memory allocating %zu bytes\n", n);
	if (len > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)len);
	abort();
}

void *sv_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *sv_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *sv_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *sv_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom(strlen(s) + 1);
	return p;
}

char *sv_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom(n + 1);
	return p;
}

char *sv_xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		oom(strlen(fmt));
	return s;
}

char *sv_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = sv_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void sv_cleanup_free(void *pp)
{
	void **p = pp;
	free(*p);
	*p = NULL;
}

void sv_cleanup_close(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

void sv_cleanup_strv(char ***v)
{
	sv_strv_free(*v);
	*v = NULL;
}
