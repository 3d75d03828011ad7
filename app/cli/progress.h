/*
 * The per-layer progress display of pull and push, fed by the core's
 * sv_progress_fn: on a terminal one line per layer, redrawn in place
 * (a bar and byte counts while bytes move, at most 10 redraws a second);
 * otherwise plain lines, one per status change.
 */
#ifndef SV_APP_CLI_PROGRESS_H
#define SV_APP_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "util/util.h"

struct cli_progress;

/* tty: redraw lines in place; quiet: print nothing. */
struct cli_progress *cli_progress_new(FILE *out, bool tty, bool quiet);
void cli_progress_free(struct cli_progress *p);
/* The callback to hand to the engine (arg: the cli_progress). */
void cli_progress_cb(const struct sv_progress *ev, void *arg);

#endif
