/*
 * The verbs that act on each named container and print its name: stop,
 * kill, restart, pause, unpause, rm; and wait (prints exit codes) and
 * rename. Errors are printed per container; the status is 1 if any failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctr.h"

/* Parses the options of cmd into vals[] (the argument of each, or "" for
 * a flag); returns -1 on success with *first set, else the exit status. */
static int parse_simple(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, const char **vals,
			int min_args, int max_args, int *first)
{
	struct cli_parse p;
	int o;
	cli_parse_init(&p, cmd, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		if (vals)
			vals[o] = p.arg ? p.arg : "";
	*first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, cmd, argc - *first, min_args, max_args))
		return 1;
	return -1;
}

static int parse_timeout(struct cli_ctx *ctx, const char *v, int *out)
{
	int64_t t;
	if (!v) {
		*out = -1;
		return 0;
	}
	if (!sv_str_to_i64(v, -1, INT32_MAX, &t))
		return cli_failf(ctx, 1, "invalid argument \"%s\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"%s\": invalid syntax",
				 v, v);
	*out = (int)t;
	return 0;
}

/* ---------------------------------------------------------------- stop */

struct stop_arg {
	int timeout;
	const char *signal;
};

static int do_stop(struct cli_ctx *ctx, const char *name, void *arg, sv_err **err)
{
	struct stop_arg *a = arg;
	if (sv_engine_container_stop(cli_engine(ctx), name, a->timeout, a->signal, err) < 0) {
		if (sv_err_code(err) != EALREADY)
			return -1;
		sv_err_clear(err);
	}
	return 0;
}

static const struct cli_opt stop_opts[] = {
	{ "signal", 's', CLI_ARG, "string", "Signal to send to the container" },
	{ "time", 't', CLI_ARG, "int", "Seconds to wait before killing the container" },
	{ 0 },
};

static int stop_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_stop = {
	.name = "stop",
	.aliases = "container stop",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Stop one or more running containers",
	.opts = stop_opts,
	.exec = stop_exec,
};

static int stop_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first, rc = parse_simple(ctx, &cli_cmd_stop, argc, argv, vals, 1, -1, &first);
	if (rc >= 0)
		return rc;
	struct stop_arg a = { .signal = vals[0] };
	if (parse_timeout(ctx, vals[1], &a.timeout))
		return 1;
	return cli_each(ctx, argv + first, argc - first, do_stop, &a, true);
}

/* ---------------------------------------------------------------- restart */

static int do_restart(struct cli_ctx *ctx, const char *name, void *arg, sv_err **err)
{
	return sv_engine_container_restart(cli_engine(ctx), name, *(int *)arg, err);
}

static const struct cli_opt restart_opts[] = {
	{ "time", 't', CLI_ARG, "int", "Seconds to wait before killing the container" },
	{ 0 },
};

static int restart_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_restart = {
	.name = "restart",
	.aliases = "container restart",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Restart one or more containers",
	.opts = restart_opts,
	.exec = restart_exec,
};

static int restart_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[1] = { 0 };
	int first, timeout, rc = parse_simple(ctx, &cli_cmd_restart, argc, argv, vals, 1, -1, &first);
	if (rc >= 0)
		return rc;
	if (parse_timeout(ctx, vals[0], &timeout))
		return 1;
	return cli_each(ctx, argv + first, argc - first, do_restart, &timeout, true);
}

/* ---------------------------------------------------------------- kill */

static int do_kill(struct cli_ctx *ctx, const char *name, void *arg, sv_err **err)
{
	return sv_engine_container_kill(cli_engine(ctx), name, arg, err);
}

static const struct cli_opt kill_opts[] = {
	{ "signal", 's', CLI_ARG, "string", "Signal to send to the container (default \"KILL\")" },
	{ 0 },
};

static int kill_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_kill = {
	.name = "kill",
	.aliases = "container kill",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Kill one or more running containers",
	.opts = kill_opts,
	.exec = kill_exec,
};

static int kill_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[1] = { 0 };
	int first, rc = parse_simple(ctx, &cli_cmd_kill, argc, argv, vals, 1, -1, &first);
	if (rc >= 0)
		return rc;
	return cli_each(ctx, argv + first, argc - first, do_kill, (void *)(uintptr_t)vals[0], true);
}

/* ---------------------------------------------------------------- pause */

static int do_pause(struct cli_ctx *ctx, const char *name, void *arg, sv_err **err)
{
	return arg ? sv_engine_container_pause(cli_engine(ctx), name, err)
		   : sv_engine_container_unpause(cli_engine(ctx), name, err);
}

static const struct cli_opt no_opts[] = { { 0 } };

static int pause_exec(struct cli_ctx *ctx, int argc, char **argv);
static int unpause_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_pause = {
	.name = "pause",
	.aliases = "container pause",
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Pause all processes within one or more containers",
	.opts = no_opts,
	.exec = pause_exec,
};

const struct cli_cmd cli_cmd_unpause = {
	.name = "unpause",
	.aliases = "container unpause",
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Unpause all processes within one or more containers",
	.opts = no_opts,
	.exec = unpause_exec,
};

static int pause_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	int first, rc = parse_simple(ctx, &cli_cmd_pause, argc, argv, NULL, 1, -1, &first);
	return rc >= 0 ? rc : cli_each(ctx, argv + first, argc - first, do_pause, ctx, true);
}

static int unpause_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	int first, rc = parse_simple(ctx, &cli_cmd_unpause, argc, argv, NULL, 1, -1, &first);
	return rc >= 0 ? rc : cli_each(ctx, argv + first, argc - first, do_pause, NULL, true);
}

/* ---------------------------------------------------------------- rm */

static int do_rm(struct cli_ctx *ctx, const char *name, void *arg, sv_err **err)
{
	return sv_engine_container_remove(cli_engine(ctx), name, *(unsigned *)arg, err);
}

enum { RM_FORCE, RM_LINK, RM_VOLUMES };
static const struct cli_opt rm_opts[] = {
	[RM_FORCE] = { "force", 'f', CLI_NOARG, NULL, "Force the removal of a running container (uses SIGKILL)" },
	[RM_LINK] = { "link", 'l', CLI_NOARG, NULL, "Remove the specified link" },
	[RM_VOLUMES] = { "volumes", 'v', CLI_NOARG, NULL, "Remove anonymous volumes associated with the container" },
	{ 0 },
};

static int rm_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_rm = {
	.name = "rm",
	.aliases = "container rm|container remove",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Remove one or more containers",
	.opts = rm_opts,
	.exec = rm_exec,
};

static int rm_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[3] = { 0 };
	int first, rc = parse_simple(ctx, &cli_cmd_rm, argc, argv, vals, 1, -1, &first);
	if (rc >= 0)
		return rc;
	unsigned flags = (vals[RM_FORCE] ? SV_CTR_RM_FORCE : 0) | (vals[RM_VOLUMES] ? SV_CTR_RM_VOLUMES : 0);
	return cli_each(ctx, argv + first, argc - first, do_rm, &flags, true);
}

/* ---------------------------------------------------------------- wait */

static int do_wait(struct cli_ctx *ctx, const char *name, void *arg, sv_err **err)
{
	(void)arg;
	int code;
	if (sv_engine_container_wait(cli_engine(ctx), name, SV_WAIT_NOT_RUNNING, &code, err) < 0)
		return -1;
	fprintf(ctx->out, "%d\n", code);
	fflush(ctx->out);
	return 0;
}

static int wait_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_wait = {
	.name = "wait",
	.aliases = "container wait",
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Block until one or more containers stop, then print their exit codes",
	.opts = no_opts,
	.exec = wait_exec,
};

static int wait_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	int first, rc = parse_simple(ctx, &cli_cmd_wait, argc, argv, NULL, 1, -1, &first);
	return rc >= 0 ? rc : cli_each(ctx, argv + first, argc - first, do_wait, NULL, false);
}

/* ---------------------------------------------------------------- rename */

static int rename_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_rename = {
	.name = "rename",
	.aliases = "container rename",
	.usage = "CONTAINER NEW_NAME",
	.summary = "Rename a container",
	.opts = no_opts,
	.exec = rename_exec,
};

static int rename_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	int first, rc = parse_simple(ctx, &cli_cmd_rename, argc, argv, NULL, 2, 2, &first);
	if (rc >= 0)
		return rc;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_container_rename(cli_engine(ctx), argv[first], argv[first + 1], &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}
