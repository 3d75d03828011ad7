/*
 * exec: a command in a running container, attached (its exit status is
 * ours) or detached (-d).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "ctr.h"

enum { X_DETACH, X_DETACH_KEYS, X_ENV, X_ENV_FILE, X_INTERACTIVE, X_PRIVILEGED, X_TTY, X_USER, X_WORKDIR };
static const struct cli_opt exec_opts[] = {
	[X_DETACH] = { "detach", 'd', CLI_NOARG, NULL, "Detached mode: run command in the background" },
	[X_DETACH_KEYS] = { "detach-keys", 0, CLI_ARG, "string", "Override the key sequence for detaching a container" },
	[X_ENV] = { "env", 'e', CLI_ARG, "list", "Set environment variables" },
	[X_ENV_FILE] = { "env-file", 0, CLI_ARG, "list", "Read in a file of environment variables" },
	[X_INTERACTIVE] = { "interactive", 'i', CLI_NOARG, NULL, "Keep STDIN open even if not attached" },
	[X_PRIVILEGED] = { "privileged", 0, CLI_NOARG, NULL, "Give extended privileges to the command" },
	[X_TTY] = { "tty", 't', CLI_NOARG, NULL, "Allocate a pseudo-TTY" },
	[X_USER] = { "user", 'u', CLI_ARG, "string", "Username or UID (format: \"<name|uid>[:<group|gid>]\")" },
	[X_WORKDIR] = { "workdir", 'w', CLI_ARG, "string", "Working directory inside the container" },
	{ 0 },
};

static int exec_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_exec = {
	.name = "exec",
	.aliases = "container exec",
	.usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
	.summary = "Execute a command in a running container",
	.opts = exec_opts,
	.flags = CLI_CMD_POSIX,
	.exec = exec_exec,
};

static int exec_attached(struct cli_ctx *ctx, const char *name, struct sv_exec_opts *xo, const char *keys)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return cli_failf(ctx, 125, "socketpair: %s", strerror(errno));
	xo->attach_fd = sp[1];
	SV_AUTOERR sv_err *err = NULL;
	int rc = sv_engine_exec(cli_engine(ctx), name, xo, NULL, &err);
	close(sp[1]);
	if (rc < 0) {
		close(sp[0]);
		return cli_fail(ctx, cli_start_status(err), err);
	}
	struct cli_attach a = { .streams = xo->attach_streams, .tty = xo->tty, .stdin_once = true,
				.sig_proxy = !xo->tty, .detach_keys = keys };
	rc = cli_attach_run(ctx, NULL, sp[0], &a);
	close(sp[0]);
	return rc;
}

static int exec_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	struct sv_exec_opts xo = { .attach_fd = -1 };
	SV_AUTOSTRV char **env = NULL;
	bool interactive = false;
	const char *keys = NULL;
	int o, bad = 0;
	cli_parse_init(&p, &cli_cmd_exec, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0 && !bad) {
		switch (o) {
		case X_DETACH: xo.detach = true; break;
		case X_DETACH_KEYS: keys = p.arg; break;
		case X_ENV: cli_env_add(&env, p.arg); break;
		case X_ENV_FILE: bad = cli_env_file(ctx, &env, p.arg, 125); break;
		case X_INTERACTIVE: interactive = true; break;
		case X_PRIVILEGED: xo.privileged = true; break;
		case X_TTY: xo.tty = true; break;
		case X_USER: xo.user = p.arg; break;
		case X_WORKDIR: xo.workdir = p.arg; break;
		default: break;
		}
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1 || bad)
		return o == -3 ? 0 : 125;
	if (cli_want_args(ctx, &cli_cmd_exec, argc - first, 2, -1))
		return 125;
	if (interactive && xo.tty && !xo.detach && !isatty(STDIN_FILENO))
		return cli_failf(ctx, 125, "the input device is not a TTY");
	char id[SV_CONTAINER_ID_LEN + 1];
	SV_AUTOERR sv_err *rerr = NULL;
	if (sv_engine_container_resolve(cli_engine(ctx), argv[first], id, &rerr) < 0)
		return cli_fail(ctx, 125, rerr);
	xo.cmd = argv + first + 1;
	xo.env = env;
	xo.attach_streams = xo.detach ? 0 : SV_ATTACH_STDOUT | SV_ATTACH_STDERR | (interactive ? SV_ATTACH_STDIN : 0);
	if (!xo.detach)
		return exec_attached(ctx, argv[first], &xo, keys);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_exec(cli_engine(ctx), argv[first], &xo, NULL, &err) < 0)
		return cli_fail(ctx, cli_start_status(err), err);
	return 0;
}
