/*
 * The command table and what every command shares: lookup of one- and
 * two-word names ("images", "image ls"), option parsing over a command's
 * option table, usage text, and Docker's error wording.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmds.h"

const struct cli_cmd *const cli_cmds[] = {
#define CLI_CMD(sym) &sym,
#include "cmds.def"
#undef CLI_CMD
	NULL,
};

/* Does `name` (one or two words) equal argv[0] or argv[0] + " " + argv[1]? */
static int name_matches(const char *name, int argc, char *const *argv)
{
	const char *space = strchr(name, ' ');
	if (!space)
		return strcmp(name, argv[0]) == 0 ? 1 : 0;
	size_t n = (size_t)(space - name);
	if (argc < 2 || strlen(argv[0]) != n || strncmp(name, argv[0], n) != 0)
		return 0;
	return strcmp(space + 1, argv[1]) == 0 ? 2 : 0;
}

static int aliases_match(const char *aliases, int argc, char *const *argv)
{
	if (!aliases)
		return 0;
	SV_AUTOSTRV char **v = sv_strv_split(aliases, '|', true);
	for (size_t i = 0; v[i]; i++) {
		int n = name_matches(v[i], argc, argv);
		if (n)
			return n;
	}
	return 0;
}

const struct cli_cmd *cli_cmd_find(int argc, char *const *argv, int *consumed)
{
	if (argc < 1)
		return NULL;
	/* Two-word names win over one-word names ("image ls" before "image"). */
	for (int words = 2; words >= 1; words--) {
		for (size_t i = 0; cli_cmds[i]; i++) {
			const struct cli_cmd *c = cli_cmds[i];
			int n = name_matches(c->name, argc, argv);
			if (!n)
				n = aliases_match(c->aliases, argc, argv);
			if (n == words) {
				*consumed = n;
				return c;
			}
		}
	}
	return NULL;
}

int cli_usage_status(const struct cli_cmd *cmd)
{
	return (cmd->flags & CLI_CMD_POSIX) ? 125 : 1;
}

sv_engine *cli_engine(struct cli_ctx *ctx)
{
	if (ctx->engine)
		return ctx->engine;
	SV_AUTOERR sv_err *err = NULL;
	struct sv_engine_opts o = {
		.root = ctx->root,
		.runroot = ctx->runroot,
		.config = ctx->config,
		.self_exe = ctx->argv0,
		.fork_shim = true,
	};
	if (sv_engine_open(&o, &ctx->engine, &err) < 0) {
		cli_fail(ctx, 1, err);
		return NULL;
	}
	return ctx->engine;
}

void cli_ctx_release(struct cli_ctx *ctx)
{
	sv_engine_free(ctx->engine);
	ctx->engine = NULL;
}

int cli_fail(struct cli_ctx *ctx, int status, sv_err *err)
{
	fprintf(ctx->err, "Error: %s\n", err ? err->msg : "unknown error");
	fflush(ctx->err);
	return status;
}

int cli_failf(struct cli_ctx *ctx, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("Error: ", ctx->err);
	vfprintf(ctx->err, fmt, ap);
	fputc('\n', ctx->err);
	va_end(ap);
	fflush(ctx->err);
	return status;
}

void cli_usage(struct cli_ctx *ctx, const struct cli_cmd *cmd, FILE *out)
{
	(void)ctx;
	fprintf(out, "\nUsage:  servin %s %s\n\n%s\n", cmd->name, cmd->usage ? cmd->usage : "",
		cmd->summary ? cmd->summary : "");
	if (cmd->aliases) {
		SV_AUTOSTRV char **v = sv_strv_split(cmd->aliases, '|', true);
		fprintf(out, "\nAliases:\n  %s", cmd->name);
		for (size_t i = 0; v[i]; i++)
			fprintf(out, ", %s", v[i]);
		fputc('\n', out);
	}
	if (!cmd->opts || !cmd->opts[0].name)
		return;
	fputs("\nOptions:\n", out);
	for (const struct cli_opt *o = cmd->opts; o->name; o++) {
		char left[64];
		if (o->shortc)
			snprintf(left, sizeof left, "-%c, --%s %s", o->shortc, o->name,
				 o->arg ? (o->metavar ? o->metavar : "string") : "");
		else
			snprintf(left, sizeof left, "    --%s %s", o->name,
				 o->arg ? (o->metavar ? o->metavar : "string") : "");
		fprintf(out, "  %-28s %s\n", left, o->help ? o->help : "");
	}
}

int cli_want_args(struct cli_ctx *ctx, const struct cli_cmd *cmd, int have, int min, int max)
{
	if (have >= min && (max < 0 || have <= max))
		return 0;
	if (max == 0)
		fprintf(ctx->err, "\"servin %s\" accepts no arguments.\n", cmd->name);
	else if (have < min && min == max)
		fprintf(ctx->err, "\"servin %s\" requires exactly %d argument%s.\n", cmd->name, min,
			min == 1 ? "" : "s");
	else if (have < min)
		fprintf(ctx->err, "\"servin %s\" requires at least %d argument%s.\n", cmd->name, min,
			min == 1 ? "" : "s");
	else
		fprintf(ctx->err, "\"servin %s\" requires at most %d argument%s.\n", cmd->name, max,
			max == 1 ? "" : "s");
	fprintf(ctx->err, "See 'servin %s --help'.\n\nUsage:  servin %s %s\n\n%s\n", cmd->name,
		cmd->name, cmd->usage ? cmd->usage : "", cmd->summary ? cmd->summary : "");
	return cli_usage_status(cmd);
}

/* ---------------------------------------------------------- option parsing */

struct parse_state {
	struct option *longopts;
	char *shortopts;
	int nopts;
	bool h_is_opt; /* -h belongs to the command (run -h HOSTNAME), not help */
};

void cli_parse_init(struct cli_parse *p, const struct cli_cmd *cmd, int argc, char **argv)
{
	memset(p, 0, sizeof *p);
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	struct parse_state *st = sv_xcalloc(1, sizeof *st);
	int n = 0;
	while (cmd->opts && cmd->opts[n].name)
		n++;
	st->nopts = n;
	st->longopts = sv_xcalloc((size_t)n + 2, sizeof *st->longopts);
	struct sv_buf shorts;
	sv_buf_init(&shorts);
	/* '+': stop at the first operand for run-like commands; ':' lets us
	 * word the errors ourselves. */
	sv_buf_adds(&shorts, (cmd->flags & CLI_CMD_POSIX) ? "+:" : ":");
	for (int i = 0; i < n; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		st->longopts[i] = (struct option){ o->name,
						   o->arg == CLI_ARG	  ? required_argument
						   : o->arg == CLI_OPTARG ? optional_argument
									  : no_argument,
						   NULL, 1000 + i };
		if (o->shortc) {
			st->h_is_opt |= o->shortc == 'h';
			sv_buf_addc(&shorts, (char)o->shortc);
			if (o->arg == CLI_ARG)
				sv_buf_addc(&shorts, ':');
		}
	}
	st->longopts[n] = (struct option){ "help", no_argument, NULL, 999 };
	if (!st->h_is_opt)
		sv_buf_addc(&shorts, 'h');
	st->shortopts = sv_buf_detach(&shorts, NULL);
	p->state = st;
	optind = 0; /* GNU: a full re-initialisation, so batch lines start fresh */
	opterr = 0;
}

void cli_parse_release(struct cli_parse *p)
{
	struct parse_state *st = p->state;
	if (!st)
		return;
	free(st->longopts);
	free(st->shortopts);
	free(st);
	p->state = NULL;
}

int cli_parse_next(struct cli_ctx *ctx, struct cli_parse *p)
{
	struct parse_state *st = p->state;
	int longidx = -1;
	int c = getopt_long(p->argc, p->argv, st->shortopts, st->longopts, &longidx);
	p->optind = optind;
	p->arg = optarg;
	if (c == -1)
		return -1;
	if (c == 999 || (c == 'h' && !st->h_is_opt)) {
		cli_usage(ctx, p->cmd, ctx->out);
		return -3;
	}
	if (c >= 1000 && c < 1000 + st->nopts)
		return c - 1000;
	if (c == '?' || c == ':') {
		const char *bad = p->argv[optind - 1];
		if (c == ':')
			fprintf(ctx->err, "flag needs an argument: %s\n", bad);
		else if (optopt && optopt < 256)
			fprintf(ctx->err, "unknown shorthand flag: '%c' in %s\n", optopt, bad);
		else
			fprintf(ctx->err, "unknown flag: %s\n", bad);
		fprintf(ctx->err, "See 'servin %s --help'.\n", p->cmd->name);
		return -2;
	}
	for (int i = 0; i < st->nopts; i++)
		if (p->cmd->opts[i].shortc == c)
			return i;
	return -2;
}

bool cli_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = true, true;
		if (strcmp(s, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

int cli_dispatch(struct cli_ctx *ctx, int argc, char **argv)
{
	int consumed = 0;
	const struct cli_cmd *cmd = cli_cmd_find(argc, argv, &consumed);
	if (!cmd) {
		fprintf(ctx->err, "servin: '%s' is not a servin command.\nSee 'servin --help'\n",
			argc ? argv[0] : "");
		return 1;
	}
	if (!(cmd->flags & CLI_CMD_NO_ENGINE) && !cli_engine(ctx))
		return cmd->flags & CLI_CMD_POSIX ? 125 : 1;
	/* The command sees its own name as argv[0], options after it. */
	int rc = cmd->exec(ctx, argc - consumed + 1, argv + consumed - 1);
	fflush(ctx->out);
	return rc;
}
