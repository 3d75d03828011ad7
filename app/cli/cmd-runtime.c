/*
 * `servin runtime …`: the OCI runtime alone, with runc's command-line
 * shape (create/start/state/kill/delete/run/exec/list/pause/resume/ps/spec,
 * the container id as operand, --bundle defaulting to the current
 * directory), so it can be driven exactly like crun and runc on the same
 * bundle. State lives in <runroot>/runtime.
 *
 * `run` and `exec` in the foreground wait for the process, forward the
 * signals they get to it, relay a terminal when there is no console
 * socket, and exit with its code (128 + signal when killed); `run` then
 * deletes the container, as runc does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmd-runtime.h"

#include <cjson/cJSON.h>

#include "engine/engine.h"
#include "runtime/runtime.h"

char *cli_runtime_state_root(struct cli_ctx *ctx)
{
	const char *rr = ctx->runroot ? ctx->runroot : SV_ENGINE_DEFAULT_RUNROOT;
	return sv_path_join(rr, "runtime");
}

int cli_runtime_signal(const char *s)
{
	int64_t n;
	if (sv_str_to_i64(s, 1, 64, &n))
		return (int)n;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *name = sigabbrev_np(i);
		if (name && strcasecmp(name, s) == 0)
			return i;
	}
	return -1;
}

int cli_runtime_parse(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv,
			const char **vals, char ***multi, int multi_idx)
{
	struct cli_parse p;
	int o;
	cli_parse_init(&p, cmd, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		vals[o] = p.arg ? p.arg : "1";
		if (o == multi_idx && multi)
			sv_strv_push(multi, p.arg);
	}
	int first = p.optind;
	cli_parse_release(&p);
	return o < -1 ? o : first;
}

int cli_runtime_parse_end(const struct cli_cmd *cmd, int rc)
{
	return rc == -3 ? 0 : cli_usage_status(cmd);
}

/* ------------------------------------------------------------ simple commands */

static int id_command(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv,
		      int (*fn)(const char *root, const char *id, sv_err **err))
{
	const char *vals[4] = { 0 };
	int first = cli_runtime_parse(ctx, cmd, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(cmd, first);
	if (cli_want_args(ctx, cmd, argc - first, 1, 1))
		return 1;
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	SV_AUTOERR sv_err *err = NULL;
	if (fn(root, argv[first], &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}

static int start_exec(struct cli_ctx *ctx, int argc, char **argv);
static int pause_exec(struct cli_ctx *ctx, int argc, char **argv);
static int resume_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_runtime_start = {
	.name = "runtime start", .usage = "CONTAINER-ID",
	.summary = "Start a created container (OCI runtime)",
	.flags = CLI_CMD_NO_ENGINE, .exec = start_exec,
};
const struct cli_cmd cli_cmd_runtime_pause = {
	.name = "runtime pause", .usage = "CONTAINER-ID",
	.summary = "Freeze every process of a container (OCI runtime)",
	.flags = CLI_CMD_NO_ENGINE, .exec = pause_exec,
};
const struct cli_cmd cli_cmd_runtime_resume = {
	.name = "runtime resume", .usage = "CONTAINER-ID",
	.summary = "Thaw a paused container (OCI runtime)",
	.flags = CLI_CMD_NO_ENGINE, .exec = resume_exec,
};

static int start_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return id_command(ctx, &cli_cmd_runtime_start, argc, argv, sv_runtime_start);
}

static int pause_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return id_command(ctx, &cli_cmd_runtime_pause, argc, argv, sv_runtime_pause);
}

static int resume_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	return id_command(ctx, &cli_cmd_runtime_resume, argc, argv, sv_runtime_resume);
}

static int state_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_runtime_state = {
	.name = "runtime state", .usage = "CONTAINER-ID",
	.summary = "Print the OCI state of a container",
	.flags = CLI_CMD_NO_ENGINE, .exec = state_exec,
};

static int state_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_state, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_state, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_state, argc - first, 1, 1))
		return 1;
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_runtime_state st;
	if (sv_runtime_state(root, argv[first], &st, &err) < 0)
		return cli_fail(ctx, 1, err);
	SV_AUTOFREE char *json = sv_runtime_state_json(&st);
	sv_runtime_state_release(&st);
	SV_AUTOJSON cJSON *j = sv_json_parse(json, strlen(json), 1u << 20, "state", &err);
	if (!j)
		return cli_fail(ctx, 1, err);
	cli_print_json(ctx->out, j);
	return 0;
}

static int events_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_runtime_events = {
	.name = "runtime events", .usage = "CONTAINER-ID",
	.summary = "Print a JSON line for every OOM kill in a container until it exits",
	.flags = CLI_CMD_NO_ENGINE, .exec = events_exec,
};

/* Waits on the OOM fd and the container's pidfd; one line per new kill. */
static int watch_oom(struct cli_ctx *ctx, const char *root, const char *id, int oomfd, int pidfd)
{
	uint64_t seen = 0;
	sv_runtime_oom_count(root, id, &seen, NULL);
	struct pollfd p[2] = { { oomfd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return cli_failf(ctx, 1, "poll: %s", strerror(errno));
		if (p[0].revents & POLLIN) {
			char buf[4096];
			(void)!read(oomfd, buf, sizeof buf);
			/* The event comes as the OOM starts; the kill is counted a
			 * moment later. */
			uint64_t now = seen;
			for (int i = 0; i < 50 && now == seen; i++) {
				sv_runtime_oom_count(root, id, &now, NULL);
				if (now == seen)
					nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
			}
			for (; seen < now; seen++)
				fprintf(ctx->out, "{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
			fflush(ctx->out);
		}
		if (p[1].revents & POLLIN)
			return 0;
	}
}

static int events_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_events, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_events, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_events, argc - first, 1, 1))
		return 1;
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_runtime_state st;
	if (sv_runtime_state(root, argv[first], &st, &err) < 0)
		return cli_fail(ctx, 1, err);
	pid_t pid = st.pid;
	sv_runtime_state_release(&st);
	SV_AUTOCLOSE int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pidfd < 0)
		return cli_failf(ctx, 1, "container %s is not running", argv[first]);
	SV_AUTOCLOSE int oomfd = sv_runtime_oom_fd(root, argv[first], &err);
	if (oomfd < 0)
		return cli_fail(ctx, 1, err);
	return watch_oom(ctx, root, argv[first], oomfd, pidfd);
}

static int stats_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_runtime_stats = {
	.name = "runtime stats", .usage = "CONTAINER-ID",
	.summary = "Print a container's cgroup counters as JSON",
	.flags = CLI_CMD_NO_ENGINE, .exec = stats_exec,
};

static void add_u64(cJSON *o, const char *k, uint64_t v)
{
	if (v == UINT64_MAX)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, (double)v);
}

static int stats_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_stats, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_stats, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_stats, argc - first, 1, 1))
		return 1;
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_runtime_stats st;
	if (sv_runtime_stats(root, argv[first], &st, &err) < 0)
		return cli_fail(ctx, 1, err);
	SV_AUTOJSON cJSON *j = cJSON_CreateObject();
	cJSON *m = cJSON_AddObjectToObject(j, "memory"), *c = cJSON_AddObjectToObject(j, "cpu");
	cJSON *p = cJSON_AddObjectToObject(j, "pids"), *b = cJSON_AddObjectToObject(j, "blkio");
	add_u64(m, "usage", st.mem_usage);
	add_u64(m, "limit", st.mem_limit);
	add_u64(m, "inactive_file", st.mem_inactive_file);
	add_u64(c, "usage_ns", st.cpu_usage_ns);
	add_u64(c, "user_ns", st.cpu_user_ns);
	add_u64(c, "system_ns", st.cpu_system_ns);
	add_u64(p, "current", st.pids_current);
	add_u64(p, "limit", st.pids_limit);
	add_u64(b, "read_bytes", st.blkio_read_bytes);
	add_u64(b, "write_bytes", st.blkio_write_bytes);
	add_u64(j, "oom_kills", st.oom_kills);
	cli_print_json(ctx->out, j);
	return 0;
}

static int kill_exec(struct cli_ctx *ctx, int argc, char **argv);
static const struct cli_opt kill_opts[] = {
	{ "all", 'a', CLI_NOARG, NULL, "send the signal to every process of the container" },
	{ 0 },
};
const struct cli_cmd cli_cmd_runtime_kill = {
	.name = "runtime kill", .usage = "[OPTIONS] CONTAINER-ID [SIGNAL]",
	.summary = "Send a signal (default SIGTERM) to a container's init",
	.opts = kill_opts, .flags = CLI_CMD_NO_ENGINE, .exec = kill_exec,
};

static int kill_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_kill, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_kill, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_kill, argc - first, 1, 2))
		return 1;
	int sig = argc - first == 2 ? cli_runtime_signal(argv[first + 1]) : SIGTERM;
	if (sig < 0)
		return cli_failf(ctx, 1, "invalid signal \"%s\"", argv[first + 1]);
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_runtime_kill(root, argv[first], sig, vals[0] ? SV_RUNTIME_KILL_ALL : 0, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}

static int delete_exec(struct cli_ctx *ctx, int argc, char **argv);
static const struct cli_opt delete_opts[] = {
	{ "force", 'f', CLI_NOARG, NULL, "kill the container first if it is running" },
	{ 0 },
};
const struct cli_cmd cli_cmd_runtime_delete = {
	.name = "runtime delete", .aliases = "runtime rm", .usage = "[OPTIONS] CONTAINER-ID",
	.summary = "Delete a stopped container's state and cgroups",
	.opts = delete_opts, .flags = CLI_CMD_NO_ENGINE, .exec = delete_exec,
};

static int delete_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_delete, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_delete, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_delete, argc - first, 1, 1))
		return 1;
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_runtime_delete(root, argv[first], vals[0] ? SV_RUNTIME_DELETE_FORCE : 0, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}

static int list_exec(struct cli_ctx *ctx, int argc, char **argv);
static const struct cli_opt list_opts[] = {
	{ "quiet", 'q', CLI_NOARG, NULL, "print only the ids" },
	{ 0 },
};
const struct cli_cmd cli_cmd_runtime_list = {
	.name = "runtime list", .aliases = "runtime ls", .usage = "[OPTIONS]",
	.summary = "List the containers of the OCI runtime",
	.opts = list_opts, .flags = CLI_CMD_NO_ENGINE, .exec = list_exec,
};

static int list_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_list, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_list, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_list, argc - first, 0, 0))
		return 1;
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **ids = NULL;
	if (sv_runtime_list(root, &ids, &err) < 0)
		return cli_fail(ctx, 1, err);
	if (!vals[0])
		fprintf(ctx->out, "%-24s %-8s %-10s %s\n", "ID", "PID", "STATUS", "BUNDLE");
	for (size_t i = 0; ids[i]; i++) {
		struct sv_runtime_state st;
		if (vals[0]) {
			fprintf(ctx->out, "%s\n", ids[i]);
			continue;
		}
		if (sv_runtime_state(root, ids[i], &st, NULL) < 0)
			continue;
		fprintf(ctx->out, "%-24s %-8d %-10s %s\n", st.id, (int)st.pid, sv_runtime_status_name(st.status), st.bundle);
		sv_runtime_state_release(&st);
	}
	return 0;
}

static int ps_exec(struct cli_ctx *ctx, int argc, char **argv);
const struct cli_cmd cli_cmd_runtime_ps = {
	.name = "runtime ps", .usage = "CONTAINER-ID",
	.summary = "List the host pids of a container's processes",
	.flags = CLI_CMD_NO_ENGINE, .exec = ps_exec,
};

static int ps_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_ps, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_ps, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_ps, argc - first, 1, 1))
		return 1;
	SV_AUTOFREE char *root = cli_runtime_state_root(ctx);
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOFREE pid_t *pids = NULL;
	size_t n = 0;
	if (sv_runtime_pids(root, argv[first], &pids, &n, &err) < 0)
		return cli_fail(ctx, 1, err);
	for (size_t i = 0; i < n; i++)
		fprintf(ctx->out, "%d\n", (int)pids[i]);
	return 0;
}

static int spec_exec(struct cli_ctx *ctx, int argc, char **argv);
static const struct cli_opt spec_opts[] = {
	{ "bundle", 'b', CLI_ARG, "dir", "write config.json into this directory (default: current)" },
	{ 0 },
};
const struct cli_cmd cli_cmd_runtime_spec = {
	.name = "runtime spec", .usage = "[OPTIONS]",
	.summary = "Write a config.json with Docker's defaults",
	.opts = spec_opts, .flags = CLI_CMD_NO_ENGINE, .exec = spec_exec,
};

static int spec_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *vals[2] = { 0 };
	int first = cli_runtime_parse(ctx, &cli_cmd_runtime_spec, argc, argv, vals, NULL, -1);
	if (first < 0)
		return cli_runtime_parse_end(&cli_cmd_runtime_spec, first);
	if (cli_want_args(ctx, &cli_cmd_runtime_spec, argc - first, 0, 0))
		return 1;
	SV_AUTOFREE char *json = sv_runtime_spec_default();
	SV_AUTOCLOSE int dfd = open(vals[0] ? vals[0] : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	SV_AUTOERR sv_err *err = NULL;
	if (dfd < 0)
		return cli_failf(ctx, 1, "open %s: %s", vals[0] ? vals[0] : ".", strerror(errno));
	if (faccessat(dfd, "config.json", F_OK, 0) == 0)
		return cli_failf(ctx, 1, "config.json already exists");
	if (sv_write_file_atomic(dfd, "config.json", json, strlen(json), 0644, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}
