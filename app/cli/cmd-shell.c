/*
 * `servin shell`: an interactive prompt over the command table, with
 * readline editing, completion of commands, options and object names
 * (images, containers, volumes, networks), and history kept in
 * $XDG_STATE_HOME/servin/shell_history. Lines use the batch syntax
 * (quotes, comments, continuation). Without a terminal on stdin it reads
 * lines like a batch script that keeps going.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "complete.h"

#define SHELL_HISTORY_MAX 1000

static int shell_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_shell = {
	.name = "shell",
	.usage = "",
	.summary = "An interactive prompt for servin commands, with completion and history",
	.flags = CLI_CMD_NO_ENGINE,
	.exec = shell_exec,
};

static struct cli_ctx *shell_ctx; /* readline's callbacks take no argument */
static char **shell_matches;

static char **image_names(sv_engine *e)
{
	struct sv_image_summary *v = NULL;
	size_t n = 0;
	SV_AUTOERR sv_err *err = NULL;
	struct sv_image_list_opts lo = { 0 };
	if (sv_engine_images(e, &lo, &v, &n, &err) < 0)
		return NULL;
	char **names = NULL;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; v[i].repo_tags[k]; k++)
			sv_strv_push(&names, v[i].repo_tags[k]);
		char sid[13];
		sv_strv_push(&names, cli_short_id(v[i].id, sid));
	}
	sv_image_summaries_free(v, n);
	return names;
}

static char **container_names(sv_engine *e)
{
	struct sv_container_summary *v = NULL;
	size_t n = 0;
	SV_AUTOERR sv_err *err = NULL;
	struct sv_container_list_opts lo = { .all = true };
	if (sv_engine_containers(e, &lo, &v, &n, &err) < 0)
		return NULL;
	char **names = NULL;
	for (size_t i = 0; i < n; i++) {
		sv_strv_push(&names, v[i].name);
		char sid[13];
		sv_strv_push(&names, cli_short_id(v[i].id, sid));
	}
	sv_container_summaries_free(v, n);
	return names;
}

static char **volume_names(sv_engine *e)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *list = sv_engine_volume_list(e, NULL, &err);
	return cli_complete_json_names(list);
}

static char **network_names(sv_engine *e)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *list = sv_engine_network_list(e, NULL, &err);
	return cli_complete_json_names(list);
}

static const struct {
	const char *kind;
	char **(*list)(sv_engine *e);
} name_lists[] = {
	{ "image", image_names },
	{ "container", container_names },
	{ "volume", volume_names },
	{ "network", network_names },
};

static char **shell_names(const char *kind, void *arg)
{
	struct cli_ctx *ctx = arg;
	if (!ctx->engine) {
		struct sv_engine_opts o = { .root = ctx->root, .runroot = ctx->runroot,
					    .self_exe = ctx->argv0 };
		SV_AUTOERR sv_err *err = NULL;
		if (sv_engine_open(&o, &ctx->engine, &err) < 0)
			return NULL;
	}
	for (size_t i = 0; i < sizeof name_lists / sizeof name_lists[0]; i++)
		if (strcmp(kind, name_lists[i].kind) == 0)
			return name_lists[i].list(ctx->engine);
	return NULL;
}

static char *match_generator(const char *text, int state)
{
	static size_t i;
	(void)text;
	if (state == 0)
		i = 0;
	return shell_matches && shell_matches[i] ? strdup(shell_matches[i++]) : NULL;
}

static char **shell_complete(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	rl_attempted_completion_over = 1; /* no file names */
	size_t ws = 0;
	sv_strv_free(shell_matches);
	shell_matches = cli_complete(rl_line_buffer, (size_t)rl_point, &ws, shell_names, shell_ctx);
	return rl_completion_matches(text, match_generator);
}

/* One complete command (lines joined while quotes are open). */
static int run_line(struct cli_ctx *ctx, const char *line)
{
	char **argv = NULL;
	SV_AUTOERR sv_err *err = NULL;
	if (cli_batch_split(line, &argv, &err) < 0)
		return cli_fail(ctx, 2, err);
	int rc = 0;
	if (argv[0] && (strcmp(argv[0], "batch") == 0 || strcmp(argv[0], "shell") == 0))
		rc = cli_failf(ctx, 125, "'%s' cannot run inside the shell", argv[0]);
	else if (argv[0])
		rc = cli_dispatch(ctx, (int)sv_strv_len(argv), argv);
	sv_strv_free(argv);
	return rc;
}

/* Reads a command, asking for more lines while it is incomplete. */
static char *read_command(bool tty)
{
	struct sv_buf b;
	sv_buf_init(&b);
	for (;;) {
		char *line = NULL;
		if (tty) {
			line = readline(b.len ? "> " : "servin> ");
		} else {
			size_t cap = 0;
			if (getline(&line, &cap, stdin) < 0) {
				free(line);
				line = NULL;
			}
		}
		if (!line)
			break;
		if (b.len)
			sv_buf_addc(&b, '\n');
		sv_buf_adds(&b, line);
		free(line);
		char **argv = NULL;
		SV_AUTOERR sv_err *err = NULL;
		int rc = cli_batch_split(b.data, &argv, &err);
		sv_strv_free(argv);
		if (rc != 1)
			return sv_buf_detach(&b, NULL);
	}
	if (!b.len) {
		sv_buf_release(&b);
		return NULL;
	}
	return sv_buf_detach(&b, NULL);
}

static int shell_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	int rc = cli_want_args(ctx, &cli_cmd_shell, argc - 1, 0, 0);
	if (rc || (argc > 1 && strcmp(argv[1], "--help") == 0))
		return rc;
	if (ctx->in_batch)
		return cli_failf(ctx, 125, "batch scripts cannot start another batch or shell");
	bool tty = isatty(STDIN_FILENO);
	SV_AUTOFREE char *hist = tty ? cli_user_file("state", "shell_history", true) : NULL;
	shell_ctx = ctx;
	if (tty) {
		rl_readline_name = "servin";
		rl_attempted_completion_function = shell_complete;
		rl_completer_word_break_characters = (char *)(uintptr_t)" \t";
		stifle_history(SHELL_HISTORY_MAX);
		if (hist)
			read_history(hist);
	}
	int last = 0;
	char *line;
	while ((line = read_command(tty)) != NULL) {
		const char *s = line + strspn(line, " \t");
		if (strcmp(s, "exit") == 0 || strcmp(s, "quit") == 0) {
			free(line);
			break;
		}
		if (tty && *s) {
			add_history(line);
			if (hist)
				append_history(1, hist), history_truncate_file(hist, SHELL_HISTORY_MAX);
		}
		last = run_line(ctx, line);
		free(line);
	}
	if (tty && hist && access(hist, F_OK) != 0)
		write_history(hist);
	sv_strv_free(shell_matches);
	shell_matches = NULL;
	return last;
}
