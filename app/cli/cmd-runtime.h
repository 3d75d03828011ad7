/*
 * What the `servin runtime …` command files share (cmd-runtime.c,
 * cmd-runtime-run.c).
 */
#ifndef SV_APP_CLI_CMD_RUNTIME_H
#define SV_APP_CLI_CMD_RUNTIME_H

#include "cli.h"

/* <runroot>/runtime. Owned. */
char *cli_runtime_state_root(struct cli_ctx *ctx);
/* "9", "KILL", "SIGKILL" → 9; -1 when unknown. */
int cli_runtime_signal(const char *s);
/* The option loop of a command whose options only store their argument:
 * vals[i] gets the last argument of option i ("1" for flags); option
 * multi_idx is also collected into *multi. Returns the first operand's
 * index, or <0 as cli_parse_next() (then see cli_runtime_parse_end). */
int cli_runtime_parse(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv,
		      const char **vals, char ***multi, int multi_idx);
/* The exit status after cli_runtime_parse() failed: 0 for --help. */
int cli_runtime_parse_end(const struct cli_cmd *cmd, int rc);
/* cli_runtime_parse() then a check of the operand count (min..max, max -1
 * for any): the first operand's index, or -1 with the exit status in
 * *status (0 after --help). */
int cli_runtime_begin(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, const char **vals,
		      int min, int max, int *status);

#endif
