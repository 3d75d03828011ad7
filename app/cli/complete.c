/*
 * Completion. The line up to the cursor is split as the batch parser
 * would (quotes included); the last word, unfinished, is the one to
 * complete. What it can be depends on its position: a command name, an
 * option of that command, or an object name.
 */
#include "complete.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

/* Which operands name which objects. Commands not in the table yet are
 * harmless here. */
static const struct {
	const char *cmd, *kind;
} operand_kinds[] = {
	{ "history", "image" },	      { "image history", "image" },   { "image inspect", "image" },
	{ "image rm", "image" },      { "image save", "image" },      { "image tag", "image" },
	{ "rmi", "image" },	      { "save", "image" },	      { "tag", "image" },
	{ "run", "image" },	      { "create", "image" },	      { "push", "image" },
	{ "attach", "container" },    { "exec", "container" },	      { "inspect", "container" },
	{ "kill", "container" },      { "logs", "container" },	      { "pause", "container" },
	{ "port", "container" },      { "rename", "container" },      { "restart", "container" },
	{ "rm", "container" },	      { "start", "container" },	      { "stats", "container" },
	{ "stop", "container" },      { "top", "container" },	      { "unpause", "container" },
	{ "wait", "container" },      { "diff", "container" },	      { "export", "container" },
	{ "commit", "container" },    { "container inspect", "container" },
	{ "container rm", "container" }, { "container start", "container" },
	{ "container stop", "container" }, { "container logs", "container" },
	{ "volume inspect", "volume" }, { "volume rm", "volume" },    { "network inspect", "network" },
	{ "network rm", "network" },  { "network connect", "network" },
	{ "network disconnect", "network" },
};

const char *cli_complete_kind(const struct cli_cmd *cmd)
{
	for (size_t i = 0; cmd && i < sizeof operand_kinds / sizeof operand_kinds[0]; i++)
		if (strcmp(operand_kinds[i].cmd, cmd->name) == 0)
			return operand_kinds[i].kind;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_unique(char ***v, const char *s)
{
	if (!sv_strv_contains(*v, s))
		sv_strv_push(v, s);
}

/* Every way to name a command: its name and its aliases. */
static void command_names(const struct cli_cmd *c, char ***out)
{
	if (c->flags & CLI_CMD_HIDDEN)
		return;
	sv_strv_push(out, c->name);
	if (c->aliases) {
		SV_AUTOSTRV char **al = sv_strv_split(c->aliases, '|', true);
		for (size_t i = 0; al[i]; i++)
			sv_strv_push(out, al[i]);
	}
}

/* Word number `pos` (0 or 1) of command names whose earlier words match. */
static void complete_command(char *const *words, size_t pos, const char *prefix, char ***out)
{
	for (size_t i = 0; cli_cmds[i]; i++) {
		SV_AUTOSTRV char **names = NULL;
		command_names(cli_cmds[i], &names);
		for (size_t k = 0; names && names[k]; k++) {
			SV_AUTOSTRV char **w = sv_strv_split(names[k], ' ', true);
			if (sv_strv_len(w) <= pos || (pos == 1 && strcmp(w[0], words[0]) != 0))
				continue;
			if (sv_str_has_prefix(w[pos], prefix))
				add_unique(out, w[pos]);
		}
	}
}

static void complete_options(const struct cli_cmd *cmd, const char *prefix, char ***out)
{
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		SV_AUTOFREE char *name = sv_xasprintf("--%s", o->name);
		if (sv_str_has_prefix(name, prefix))
			add_unique(out, name);
	}
	if (sv_str_has_prefix("--help", prefix))
		add_unique(out, "--help");
}

/* Does the word before the one being completed take it as its argument? */
static bool after_option_with_arg(const struct cli_cmd *cmd, const char *prev)
{
	if (!prev || prev[0] != '-' || strchr(prev, '='))
		return false;
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		if (o->arg != CLI_ARG)
			continue;
		if ((prev[1] == '-' && strcmp(prev + 2, o->name) == 0) ||
		    (prev[1] == o->shortc && prev[2] == '\0'))
			return true;
	}
	return false;
}

static void complete_operand(const struct cli_cmd *cmd, const char *prefix, cli_names_fn *names,
			     void *arg, char ***out)
{
	const char *kind = cli_complete_kind(cmd);
	if (!kind || !names)
		return;
	SV_AUTOSTRV char **v = names(kind, arg);
	for (size_t i = 0; v && v[i]; i++)
		if (sv_str_has_prefix(v[i], prefix))
			add_unique(out, v[i]);
}

/* The start of the last word before cursor (after the last unquoted blank). */
static size_t word_start_of(const char *line, size_t cursor)
{
	size_t start = 0;
	char quote = 0;
	for (size_t i = 0; i < cursor; i++) {
		char c = line[i];
		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == '\\' && i + 1 < cursor) {
			i++;
		} else if (c == ' ' || c == '\t') {
			start = i + 1;
		}
	}
	return start;
}

char **cli_complete(const char *line, size_t cursor, size_t *word_start, cli_names_fn *names, void *arg)
{
	char **out = sv_xcalloc(1, sizeof *out);
	size_t len = strlen(line);
	if (cursor > len)
		cursor = len;
	size_t start = word_start_of(line, cursor);
	*word_start = start;
	SV_AUTOFREE char *head = sv_xstrndup(line, start);
	SV_AUTOFREE char *prefix = sv_xstrndup(line + start, cursor - start);
	SV_AUTOSTRV char **words = NULL;
	SV_AUTOERR sv_err *err = NULL;
	if (cli_batch_split(head, &words, &err) != 0 || strpbrk(prefix, "'\"\\"))
		return out; /* inside a quote: no guesses */
	size_t nw = sv_strv_len(words);
	int consumed = 0;
	const struct cli_cmd *cmd = nw ? cli_cmd_find((int)nw, words, &consumed) : NULL;
	if (nw == 0 || (nw == 1 && !cmd))
		complete_command(words, nw, prefix, &out);
	else if (nw == 1 && cmd && consumed == 1)
		complete_command(words, 1, prefix, &out); /* "image" + "ls" also */
	if (cmd && nw >= (size_t)consumed) {
		if (prefix[0] == '-')
			complete_options(cmd, prefix, &out);
		else if (!after_option_with_arg(cmd, nw > (size_t)consumed ? words[nw - 1] : NULL))
			complete_operand(cmd, prefix, names, arg, &out);
	}
	qsort(out, sv_strv_len(out), sizeof *out, cmp_str);
	return out;
}

char **cli_complete_json_names(const struct cJSON *list)
{
	char **names = NULL;
	const cJSON *o;
	cJSON_ArrayForEach(o, list) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "Name"));
		if (name)
			sv_strv_push(&names, name);
	}
	return names;
}
