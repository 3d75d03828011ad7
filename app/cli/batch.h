/*
 * app/cli/batch — scripts over the command table, for `servin batch`,
 * `servin shell`, `servin-desktop --batch` and the TUI's ':' line.
 *
 * Syntax (a small, safe subset of the shell's): one command per line;
 * words split at blanks; '#' at the start of a word starts a comment;
 * '...' is literal; "..." allows \" \\ \$ \` escapes; a backslash outside
 * quotes escapes the next character; a backslash at the end of a line
 * continues the command on the next one, and quotes may span lines. There
 * is no expansion, globbing, piping or redirection: a word is what it
 * says. Bounds: 64 KiB per command, 4096 words, 16 MiB per script; a NUL
 * byte or other control character is an error with its line number.
 */
#ifndef SV_APP_CLI_BATCH_H
#define SV_APP_CLI_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

#define CLI_BATCH_MAX_COMMAND (64 * 1024)
#define CLI_BATCH_MAX_WORDS 4096
#define CLI_BATCH_MAX_SCRIPT (16 * 1024 * 1024)

struct cli_batch_cmd {
	int line;    /* where the command starts, from 1 */
	char **argv; /* owned strv, at least one word */
};

struct cli_batch {
	struct cli_batch_cmd *cmds;
	size_t n;
};

/* Parses a whole script. `name` ("script.sv", "-") prefixes errors:
 * "script.sv:3: unterminated quote". On error nothing is returned (a
 * script runs whole or not at all). */
int cli_batch_parse(const char *text, size_t len, const char *name, struct cli_batch *out,
		    sv_err **err);
void cli_batch_release(struct cli_batch *b);

/* Splits one line (a shell prompt's, the ':' line's). Returns 0 with
 * *argv (owned; empty for a blank line or a comment), 1 when the line is
 * incomplete (open quote, trailing backslash: read more and call again
 * with the lines joined by '\n'), -1 with *err. */
int cli_batch_split(const char *line, char ***argv, sv_err **err);

/* Quotes a word so cli_batch_split gives it back unchanged. Owned. */
char *cli_batch_quote(const char *word);

struct cli_batch_opts {
	bool keep_going; /* run every command; the status is still the first failure's */
	bool json;	 /* one JSON object per command on ctx->out */
	const char *name;
};

/* Runs the commands in order, stopping at the first failure unless
 * keep_going. Returns 0, or the exit status of the first command that
 * failed. */
int cli_batch_run(struct cli_ctx *ctx, const struct cli_batch *b, const struct cli_batch_opts *o);
/* Reads a script from path ("-": stdin), parses it, runs it. A script
 * that does not parse runs nothing and returns 2. */
int cli_batch_file(struct cli_ctx *ctx, const char *path, const struct cli_batch_opts *o);

#endif
