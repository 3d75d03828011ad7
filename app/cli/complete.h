/*
 * app/cli/complete — completion over the command table, shared by
 * `servin shell` (readline) and servin-desktop's ':' line.
 *
 * It completes command names (one and two words), the options of the
 * command being typed (from its option table), and operands naming
 * objects: images, containers, volumes, networks, as the caller lists
 * them (the shell asks the engine; the TUI uses what it has loaded).
 */
#ifndef SV_APP_CLI_COMPLETE_H
#define SV_APP_CLI_COMPLETE_H

#include <stddef.h>

#include "cli.h"

/* Lists object names of a kind ("image", "container", "volume",
 * "network"): an owned strv, or NULL. */
typedef char **cli_names_fn(const char *kind, void *arg);

/* Candidates for the word that ends at `cursor` in `line`: an owned,
 * sorted strv of full words (never NULL), and *word_start, the byte
 * offset where that word begins. */
char **cli_complete(const char *line, size_t cursor, size_t *word_start, cli_names_fn *names,
		    void *arg);
/* The kind of object a command's operands name, or NULL. */
const char *cli_complete_kind(const struct cli_cmd *cmd);

/* The "Name" of each object of a Docker JSON array (volumes, networks;
 * borrowed, may be NULL): an owned strv, or NULL when there is none. */
struct cJSON;
char **cli_complete_json_names(const struct cJSON *list);

#endif
