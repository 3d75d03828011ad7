/*
 * app/cli — the command table shared by `servin`, `servin batch`, `servin
 * shell` and the TUI's `:` line.
 *
 * Each command lives in app/cli/cmd-<verb>.c and exports one descriptor;
 * cmd.c holds the table. A command parses its own options from a table of
 * struct cli_opt (so help and completion come from the same data), talks
 * only to core/engine, prints through ctx->out/ctx->err, and returns a
 * Docker exit status: 0, 1 for a failed command, 125 when servin itself
 * failed in run/create/start, 126/127 for a command that can't run.
 */
#ifndef SV_APP_CLI_CLI_H
#define SV_APP_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct cJSON;

#include "engine/engine.h"
#include "util/util.h"

enum cli_arg { CLI_NOARG = 0, CLI_ARG = 1, CLI_OPTARG = 2 };

struct cli_opt {
	const char *name;    /* long name without "--" */
	int shortc;	     /* single-letter alias, or 0 */
	enum cli_arg arg;
	const char *metavar; /* "string", "int", "list"... */
	const char *help;
};

enum cli_cmd_flags {
	/* Options end at the first operand (run, exec, create: the rest
	 * belongs to the container's command). */
	CLI_CMD_POSIX = 1 << 0,
	/* Does not need the engine (help, version, completion). */
	CLI_CMD_NO_ENGINE = 1 << 1,
	/* Hidden from help (internal helpers). */
	CLI_CMD_HIDDEN = 1 << 2,
};

struct cli_ctx;

struct cli_cmd {
	const char *name;    /* "images", "image inspect", "runtime run" */
	const char *aliases; /* space-separated, two-word names in quotes: "image ls|image list" */
	const char *usage;   /* "[OPTIONS] IMAGE [IMAGE...]" */
	const char *summary;
	const struct cli_opt *opts; /* terminated by { 0 } */
	unsigned flags;		    /* enum cli_cmd_flags */
	/* argv[0] is the command name; options are parsed with cli_parse. */
	int (*exec)(struct cli_ctx *ctx, int argc, char **argv);
};

struct cli_ctx {
	const char *root;
	const char *runroot;
	const char *config;   /* registries.json path, or NULL for the default */
	const char *argv0;    /* path of the running binary */
	sv_engine *engine;    /* opened lazily by cli_engine() */
	FILE *out;	      /* stdout, or a capture in batch --json mode */
	FILE *err;
	bool interactive;     /* stdin and stdout are terminals */
	bool in_batch;	      /* run from a batch script or the shell */
	enum sv_log_level log_level;
};

/* The table, sorted by name. */
extern const struct cli_cmd *const cli_cmds[];

/* Finds the command for argv (one or two words); *consumed says how many
 * words named it. NULL when unknown. */
const struct cli_cmd *cli_cmd_find(int argc, char *const *argv, int *consumed);

/* Runs one command line (argv[0] is the first word after global options).
 * Returns the exit status. */
int cli_dispatch(struct cli_ctx *ctx, int argc, char **argv);

/* The engine for this invocation; prints the error and returns NULL when it
 * cannot be opened. */
sv_engine *cli_engine(struct cli_ctx *ctx);
void cli_ctx_release(struct cli_ctx *ctx);

/* Option parsing over a command's table (getopt_long underneath). */
struct cli_parse {
	const struct cli_cmd *cmd;
	int argc;
	char **argv;
	int optind;    /* after parsing: index of the first operand */
	const char *arg; /* argument of the option just returned */
	void *state;
};

void cli_parse_init(struct cli_parse *p, const struct cli_cmd *cmd, int argc, char **argv);
/* Returns the index of the next option in cmd->opts, -1 at the end of the
 * options, -2 after printing a usage error (status 125 for run-like
 * commands, 1 otherwise: see cli_usage_status), -3 after printing help. */
int cli_parse_next(struct cli_ctx *ctx, struct cli_parse *p);
void cli_parse_release(struct cli_parse *p);

/* Parses every option of cmd, calling set(index, arg, st) for each;
 * returns the index of the first operand (checked against min..max, max
 * -1 for any), -1 after help was printed, -2 after a usage error. */
int cli_parse_all(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv,
		  void (*set)(int o, const char *arg, void *st), void *st, int min, int max);
/* A set() for commands whose only option is --format: *(const char **)st. */
void cli_format_set(int o, const char *arg, void *st);
/* inspect: get(name) for argv[first..], printed as one JSON array or one
 * --format line each; 1 when any was missing. */
int cli_inspect_objects(struct cli_ctx *ctx, int argc, char **argv, int first, const char *format,
			struct cJSON *(*get)(sv_engine *e, const char *name, sv_err **err));

/* Prints "Error: <msg>" (Docker's wording) and returns status. */
int cli_fail(struct cli_ctx *ctx, int status, sv_err *err);
int cli_failf(struct cli_ctx *ctx, int status, const char *fmt, ...) SV_PRINTF(3, 4);
/* Prints the usage of a command to out. */
void cli_usage(struct cli_ctx *ctx, const struct cli_cmd *cmd, FILE *out);
/* "requires at least N argument(s)" in Docker's words; returns status. */
int cli_want_args(struct cli_ctx *ctx, const struct cli_cmd *cmd, int have, int min, int max);
/* Exit status for a usage error of this command (125 for run/create/exec/start). */
int cli_usage_status(const struct cli_cmd *cmd);

/* Parses a Docker boolean flag value ("true", "1", "false"...). */
bool cli_parse_bool(const char *s, bool *out);

/* Prints JSON as docker does (4-space indent, "key": value). */
void cli_print_json(FILE *out, const struct cJSON *j);
/* Asks "msg [y/N] " on ctx->out and reads a line from stdin; in batch
 * mode (scripts, the shell, the TUI) it answers no: use --force. */
bool cli_confirm(struct cli_ctx *ctx, const char *msg);
/* Go's time.Time.String() form: "2024-01-01 00:00:00 +0000 UTC". */
const char *cli_time_go(int64_t secs, char *buf, size_t len);
/* "2 hours ago" from a time in seconds. */
const char *cli_time_ago(int64_t secs, char *buf, size_t len);
/* A per-user file of servin's: kind "config" ($XDG_CONFIG_HOME or
 * ~/.config) or "state" ($XDG_STATE_HOME or ~/.local/state), then
 * "/servin/<name>". Owned; NULL when neither variable nor HOME is set.
 * With mkdir, the directory is made (0700). */
char *cli_user_file(const char *kind, const char *name, bool mkdir);
/* First 12 hex characters of an id with or without "sha256:". */
const char *cli_short_id(const char *id, char buf[13]);

#endif
