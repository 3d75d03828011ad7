/*
 * start (optionally attached) and attach.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "ctr.h"

/* Tty/OpenStdin of a container, read from its inspect object. */
static int container_tty(struct cli_ctx *ctx, const char *name, bool *tty, bool *open_stdin, sv_err **err)
{
	SV_AUTOJSON cJSON *j = sv_engine_container_inspect(cli_engine(ctx), name, false, err);
	if (!j)
		return -1;
	const cJSON *cfg = sv_json_obj(j, "Config");
	*tty = sv_json_bool(cfg, "Tty", false);
	*open_stdin = sv_json_bool(cfg, "OpenStdin", false);
	return 0;
}

/* ---------------------------------------------------------------- start */

enum { S_ATTACH, S_DETACH_KEYS, S_INTERACTIVE };
static const struct cli_opt start_opts[] = {
	[S_ATTACH] = { "attach", 'a', CLI_NOARG, NULL, "Attach STDOUT/STDERR and forward signals" },
	[S_DETACH_KEYS] = { "detach-keys", 0, CLI_ARG, "string", "Override the key sequence for detaching a container" },
	[S_INTERACTIVE] = { "interactive", 'i', CLI_NOARG, NULL, "Attach container's STDIN" },
	{ 0 },
};

static int start_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_start = {
	.name = "start",
	.aliases = "container start",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Start one or more stopped containers",
	.opts = start_opts,
	.exec = start_exec,
};

static int do_start(struct cli_ctx *ctx, const char *name, void *arg, sv_err **err)
{
	(void)arg;
	if (sv_engine_container_start(cli_engine(ctx), name, NULL, err) < 0 && sv_err_code(err) != EALREADY)
		return -1;
	sv_err_clear(err);
	return 0;
}

static int start_attached(struct cli_ctx *ctx, const char *name, bool interactive, const char *keys)
{
	bool tty, open_stdin;
	SV_AUTOERR sv_err *err = NULL;
	if (container_tty(ctx, name, &tty, &open_stdin, &err) < 0)
		return cli_fail(ctx, 1, err);
	unsigned streams = SV_ATTACH_STDOUT | SV_ATTACH_STDERR | (interactive && open_stdin ? SV_ATTACH_STDIN : 0);
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return cli_failf(ctx, 1, "socketpair: %s", strerror(errno));
	struct sv_start_opts so = { .attach_fd = sp[1], .attach_streams = streams };
	int rc = sv_engine_container_start(cli_engine(ctx), name, &so, &err);
	close(sp[1]);
	if (rc < 0) {
		close(sp[0]);
		if (sv_err_code(&err) == EALREADY)
			return cli_failf(ctx, 1, "container %s is already running: use attach", name);
		return cli_fail(ctx, cli_start_status(err) == 125 ? 1 : cli_start_status(err), err);
	}
	struct cli_attach a = { .streams = streams, .tty = tty, .stdin_once = true, .sig_proxy = !tty,
				.detach_keys = keys };
	rc = cli_attach_run(ctx, name, sp[0], &a);
	close(sp[0]);
	return rc;
}

static int start_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool attach = false, interactive = false;
	const char *keys = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_start, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == S_ATTACH)
			attach = true;
		else if (o == S_INTERACTIVE)
			interactive = true;
		else
			keys = p.arg;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_start, argc - first, 1, -1))
		return 1;
	if (attach || interactive) {
		if (argc - first > 1)
			return cli_failf(ctx, 1, "you cannot start and attach multiple containers at once");
		return start_attached(ctx, argv[first], interactive, keys);
	}
	return cli_each(ctx, argv + first, argc - first, do_start, NULL, true);
}

/* ---------------------------------------------------------------- attach */

enum { A_DETACH_KEYS, A_NO_STDIN, A_SIG_PROXY };
static const struct cli_opt attach_opts[] = {
	[A_DETACH_KEYS] = { "detach-keys", 0, CLI_ARG, "string", "Override the key sequence for detaching a container" },
	[A_NO_STDIN] = { "no-stdin", 0, CLI_NOARG, NULL, "Do not attach STDIN" },
	[A_SIG_PROXY] = { "sig-proxy", 0, CLI_OPTARG, "bool", "Proxy all received signals to the process (default true)" },
	{ 0 },
};

static int attach_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_attach = {
	.name = "attach",
	.aliases = "container attach",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Attach local standard input, output, and error streams to a running container",
	.opts = attach_opts,
	.exec = attach_exec,
};

static int attach_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool no_stdin = false, proxy = true;
	const char *keys = NULL;
	int o, bad = 0;
	cli_parse_init(&p, &cli_cmd_attach, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == A_NO_STDIN)
			no_stdin = true;
		else if (o == A_SIG_PROXY && p.arg && !cli_parse_bool(p.arg, &proxy))
			bad = cli_failf(ctx, 1, "invalid argument \"%s\" for \"--sig-proxy\" flag", p.arg);
		else if (o == A_DETACH_KEYS)
			keys = p.arg;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1 || bad)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_attach, argc - first, 1, 1))
		return 1;
	bool tty, open_stdin;
	SV_AUTOERR sv_err *err = NULL;
	if (container_tty(ctx, argv[first], &tty, &open_stdin, &err) < 0)
		return cli_fail(ctx, 1, err);
	unsigned streams = SV_ATTACH_STDOUT | SV_ATTACH_STDERR | (!no_stdin && open_stdin ? SV_ATTACH_STDIN : 0);
	int fd;
	if (sv_engine_container_attach(cli_engine(ctx), argv[first], streams, &fd, &err) < 0)
		return cli_fail(ctx, 1, err);
	struct cli_attach a = { .streams = streams, .tty = tty, .sig_proxy = proxy && !tty, .detach_keys = keys };
	int rc = cli_attach_run(ctx, argv[first], fd, &a);
	close(fd);
	return rc;
}
