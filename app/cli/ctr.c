/*
 * Helpers the container commands share (ctr.h).
 */
#include "ctr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int cli_start_status(const sv_err *err)
{
	if (!err)
		return 125;
	if (err->code == ENOENT)
		return 127;
	if (err->code == EACCES || err->code == EISDIR || err->code == ENOEXEC)
		return 126;
	return 125;
}

int cli_attach_run(struct cli_ctx *ctx, const char *name, int conn, const struct cli_attach *a)
{
	fflush(ctx->out);
	struct sv_attach_pump p = {
		.conn = conn,
		.in_fd = (a->streams & SV_ATTACH_STDIN) ? STDIN_FILENO : -1,
		.out_fd = (a->streams & SV_ATTACH_STDOUT) ? STDOUT_FILENO : -1,
		.err_fd = (a->streams & SV_ATTACH_STDERR) ? STDERR_FILENO : -1,
		.tty = a->tty,
		.close_stdin_at_eof = a->stdin_once,
		.proxy_signals = a->sig_proxy,
		.detach_keys = a->detach_keys,
		.finish_engine = a->finish ? cli_engine(ctx) : NULL,
		.finish_id = name,
	};
	/* A stream nobody asked for goes nowhere. */
	SV_AUTOCLOSE int null = -1;
	if (p.out_fd < 0 || p.err_fd < 0)
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (p.out_fd < 0)
		p.out_fd = null;
	if (p.err_fd < 0)
		p.err_fd = null;
	int code;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_attach_pump_run(&p, &code, &err) < 0)
		return cli_fail(ctx, 125, err);
	if (code == -1)
		return 0; /* detached */
	if (code >= 0)
		return code;
	/* The shim went away without an exit frame: the store knows. */
	if (!name)
		return cli_failf(ctx, 125, "the process's monitor exited without reporting its status");
	if (sv_engine_container_wait(cli_engine(ctx), name, SV_WAIT_NOT_RUNNING, &code, &err) < 0) {
		if (sv_err_code(&err) == ENOENT)
			return 0;
		return cli_fail(ctx, 125, err);
	}
	return code;
}

bool cli_term_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;
	if ((ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0) || !ws.ws_row ||
	    !ws.ws_col)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

void cli_env_add(char ***env, const char *v)
{
	if (strchr(v, '=')) {
		sv_strv_push(env, v);
		return;
	}
	const char *host = getenv(v);
	if (host)
		sv_strv_push_take(env, sv_xasprintf("%s=%s", v, host));
}

int cli_env_file(struct cli_ctx *ctx, char ***env, const char *path, int status)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_read_file(path, 16 << 20, &b, &err) < 0)
		return cli_fail(ctx, status, err);
	SV_AUTOSTRV char **lines = sv_strv_split(b.data, '\n', true);
	for (size_t i = 0; lines[i]; i++) {
		char *l = lines[i];
		while (*l == ' ' || *l == '\t')
			l++;
		size_t n = strlen(l);
		if (n && l[n - 1] == '\r')
			l[--n] = '\0';
		if (!*l || *l == '#')
			continue;
		if (*l == '=')
			return cli_failf(ctx, status, "invalid environment variable: %s", l);
		cli_env_add(env, l);
	}
	return 0;
}

int cli_each(struct cli_ctx *ctx, char **names, int n, cli_each_fn *fn, void *arg, bool print)
{
	int rc = 0;
	for (int i = 0; i < n; i++) {
		SV_AUTOERR sv_err *err = NULL;
		if (fn(ctx, names[i], arg, &err) < 0) {
			fprintf(ctx->err, "Error response from daemon: %s\n", err ? err->msg : "failed");
			rc = 1;
			continue;
		}
		if (print)
			fprintf(ctx->out, "%s\n", names[i]);
	}
	fflush(ctx->err);
	return rc;
}
