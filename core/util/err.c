/*
 * Error values. An error carries an errno-style code and a message fit for
 * a user; context is prepended while it travels up ("pull busybox: fetch
 * layer sha256:…: connection reset"). The first error set wins, so a
 * cleanup path cannot overwrite the cause.
 */
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int err_install(sv_err **err, int code, char *msg)
{
	if (!err || *err) {
		free(msg);
		return -1;
	}
	sv_err *e = sv_xmalloc(sizeof *e);
	e->code = code ? code : EIO;
	e->msg = msg;
	*err = e;
	return -1;
}

int sv_err_vsetx(sv_err **err, int code, const char *fmt, va_list ap)
{
	if (!err || *err)
		return -1;
	return err_install(err, code, sv_xvasprintf(fmt, ap));
}

int sv_err_setx(sv_err **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sv_err_vsetx(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int sv_err_set(sv_err **err, int code, const char *fmt, ...)
{
	if (!err || *err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	SV_AUTOFREE char *head = sv_xvasprintf(fmt, ap);
	va_end(ap);
	return err_install(err, code, sv_xasprintf("%s: %s", head, strerror(code)));
}

int sv_err_prefix(sv_err **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	SV_AUTOFREE char *head = sv_xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = sv_xasprintf("%s: %s", head, (*err)->msg);
	free((*err)->msg);
	(*err)->msg = msg;
	return -1;
}

void sv_err_free(sv_err *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e);
}

void sv_err_clear(sv_err **err)
{
	if (!err)
		return;
	sv_err_free(*err);
	*err = NULL;
}

int sv_err_code(sv_err *const *err)
{
	return err && *err ? (*err)->code : 0;
}

void sv_cleanup_err(sv_err **e)
{
	sv_err_clear(e);
}
