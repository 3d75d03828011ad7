/*
 * Output formatting shared by every listing and inspect command:
 * Docker's `--format` (table, json, and Go-template fields such as
 * "table {{.ID}}\t{{.Names}}", "{{json .}}", "{{.State.Status}}") and its
 * column layout (text/tabwriter: cells padded to 3 spaces, 10 wide at
 * least).
 */
#ifndef SV_APP_CLI_FORMAT_H
#define SV_APP_CLI_FORMAT_H

#include <stdio.h>

#include "util/util.h"

struct cJSON;

/* Header text of a field in table mode ("ID" → "IMAGE ID"). */
struct cli_header {
	const char *field;
	const char *title;
};

struct cli_fmt;

/* spec: NULL or "" or "table" (default_table is used), "json", "table
 * TEMPLATE" or a bare TEMPLATE. EINVAL for a template that cannot parse. */
struct cli_fmt *cli_fmt_new(const char *spec, const char *default_table, const struct cli_header *headers,
			    sv_err **err);
/* Adds a row; the object is borrowed for the call only. */
void cli_fmt_row(struct cli_fmt *f, const struct cJSON *row);
/* Writes the header (table mode) and all rows, aligned. */
void cli_fmt_flush(struct cli_fmt *f, FILE *out);
void cli_fmt_free(struct cli_fmt *f);

/* Renders one template against one object (inspect --format). Owned. */
char *cli_template_render(const char *tmpl, const struct cJSON *obj, sv_err **err);

/* Writes rows of tab-separated cells aligned like Go's tabwriter. */
void cli_tabwrite(FILE *out, char *const *lines);

#endif
