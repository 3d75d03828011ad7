/*
 * The logging sink. The core never writes to stdout or stderr: messages go
 * to whatever sink the surface installed (stderr for the CLI, a file and a
 * ring for the TUI, JSON lines for the REST server), or nowhere.
 */
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static sv_log_fn *log_sink;
static void *log_arg;
static enum sv_log_level log_max = SV_LOG_WARN;

static const char *const log_names[] = {
	[SV_LOG_ERROR] = "error",
	[SV_LOG_WARN] = "warning",
	[SV_LOG_INFO] = "info",
	[SV_LOG_DEBUG] = "debug",
};

void sv_log_set_sink(sv_log_fn *fn, void *arg, enum sv_log_level max)
{
	log_sink = fn;
	log_arg = arg;
	log_max = max;
}

enum sv_log_level sv_log_level_parse(const char *name, bool *ok)
{
	static const struct {
		const char *name;
		enum sv_log_level level;
	} names[] = {
		{ "error", SV_LOG_ERROR }, { "fatal", SV_LOG_ERROR }, { "panic", SV_LOG_ERROR },
		{ "warn", SV_LOG_WARN },   { "warning", SV_LOG_WARN }, { "info", SV_LOG_INFO },
		{ "debug", SV_LOG_DEBUG }, { "trace", SV_LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*ok = true;
			return names[i].level;
		}
	}
	*ok = false;
	return SV_LOG_WARN;
}

bool sv_log_enabled(enum sv_log_level level)
{
	return log_sink && level <= log_max;
}

static void log_v(enum sv_log_level level, const char *fmt, va_list ap)
{
	if (!sv_log_enabled(level))
		return;
	char small[512];
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(small, sizeof small, fmt, cp);
	va_end(cp);
	if (n >= 0 && (size_t)n < sizeof small) {
		log_sink(level, small, log_arg);
		return;
	}
	char *big = sv_xvasprintf(fmt, ap);
	log_sink(level, big, log_arg);
	free(big);
}

void sv_log(enum sv_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(level, fmt, ap);
	va_end(ap);
}

#define LOG_LEVEL_FN(fn, level)                 \
	void fn(const char *fmt, ...)           \
	{                                       \
		va_list ap;                     \
		va_start(ap, fmt);              \
		log_v(level, fmt, ap);          \
		va_end(ap);                     \
	}
LOG_LEVEL_FN(sv_error, SV_LOG_ERROR)
LOG_LEVEL_FN(sv_warn, SV_LOG_WARN)
LOG_LEVEL_FN(sv_info, SV_LOG_INFO)
LOG_LEVEL_FN(sv_debug, SV_LOG_DEBUG)

void sv_log_fd_sink(enum sv_log_level level, const char *msg, void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_addf(&b, "servin: %s: ", log_names[level]);
	/* Escape control characters, so a hostile name cannot drive the
	 * terminal (tmux:log.c does the same with stravis). */
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			sv_buf_addf(&b, "\\x%02x", *p);
		else
			sv_buf_addc(&b, (char)*p);
	}
	sv_buf_addc(&b, '\n');
	(void)sv_write_all(fd, b.data, b.len);
	sv_buf_release(&b);
}
