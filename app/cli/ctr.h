/*
 * What the container commands share: the exit status Docker gives a
 * failed start (125/126/127), attaching a terminal or pipes to a container
 * (run, start -a, attach, exec), and applying a verb to several containers
 * the way `docker stop a b c` does (print each name, report each error).
 */
#ifndef SV_APP_CLI_CTR_H
#define SV_APP_CLI_CTR_H

#include <stdbool.h>

#include "cli.h"

/* 127 for a missing executable, 126 for one that cannot run, 125 else. */
int cli_start_status(const sv_err *err);

struct cli_attach {
	unsigned streams;	 /* enum sv_attach_streams */
	bool tty;
	bool stdin_once;	 /* close the container's stdin at our EOF */
	bool sig_proxy;
	const char *detach_keys;
	/* conn was handed over at start with SV_ATTACH_FINISH: record the
	 * exit here (name is then the container's full id). */
	bool finish;
};
/* Pumps ctx's stdio over conn until the container exits; returns the exit
 * status to exit with (the container's, 0 after a detach). `name` (NULL
 * for an exec) is used to read the status from the store when the shim
 * went away without sending it. */
int cli_attach_run(struct cli_ctx *ctx, const char *name, int conn, const struct cli_attach *a);

/* The size of our terminal (stdin's, else stdout's); false when neither
 * is a terminal. */
bool cli_term_size(unsigned *rows, unsigned *cols);

/* Docker's -e: "K=V" as is; "K" takes K's value from our environment
 * (dropped when unset). Appends to *env. */
void cli_env_add(char ***env, const char *v);
/* Docker's --env-file: lines of -e values, # comments and blank lines
 * skipped. 0, or the exit status after printing the error. */
int cli_env_file(struct cli_ctx *ctx, char ***env, const char *path, int status);

/* Runs fn on each name, printing the name after success and "Error: ..."
 * after a failure; returns 0 or 1 (any failure). */
typedef int cli_each_fn(struct cli_ctx *ctx, const char *name, void *arg, sv_err **err);
int cli_each(struct cli_ctx *ctx, char **names, int n, cli_each_fn *fn, void *arg, bool print);

#endif
