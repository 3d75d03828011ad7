/*
 * `servin completion bash` (hidden) — prints a bash completion script made
 * from the command table, so the script knows every command, alias and
 * option that this binary knows. The installers run it at packaging time
 * and ship its output. `servin completion man` prints the same table as
 * the roff COMMANDS section of servin(1), filled in at packaging time too.
 *
 * The script is data in case arms: one function maps a command (any of its
 * names) to its options, one to the options that take a value, one to what
 * its operands name (an image, a container, a file), read from the usage
 * string, and whether it repeats. Image and container names are asked from
 * servin itself when completing, with the --root/--runroot given on the line.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The global options of main.c (put_opts adds --help); tests/e2e/installers-completion.sh checks
 * that every option `servin --help` prints is here. */
static const struct cli_opt global_opts[] = {
	{ "root", 0, CLI_ARG, "dir", NULL },
	{ "runroot", 0, CLI_ARG, "dir", NULL },
	{ "config", 0, CLI_ARG, "file", NULL },
	{ "log-level", 'l', CLI_ARG, "level", NULL },
	{ "debug", 'D', CLI_NOARG, NULL, NULL },
	{ "version", 'v', CLI_NOARG, NULL, NULL },
	{ 0 },
};

static int completion_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_completion = {
	.name = "completion",
	.usage = "bash|man",
	.summary = "Print the bash completion script, or the COMMANDS section of servin(1)",
	.flags = CLI_CMD_NO_ENGINE | CLI_CMD_HIDDEN,
	.exec = completion_exec,
};

/* Every name of c, "|"-joined and quoted for a case pattern. */
static void put_pattern(FILE *out, const struct cli_cmd *c)
{
	fprintf(out, "\t\"%s\"", c->name);
	if (c->aliases) {
		SV_AUTOSTRV char **v = sv_strv_split(c->aliases, '|', true);
		for (size_t i = 0; v[i]; i++)
			fprintf(out, "|\"%s\"", v[i]);
	}
	fputs(")", out);
}

/* The options of an option table; only those taking a value when
 * `with_arg`. "--help" belongs to every command. */
static void put_opts(FILE *out, const struct cli_opt *opts, bool with_arg)
{
	const char *sep = "";
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		if (with_arg && o->arg != CLI_ARG)
			continue;
		fprintf(out, "%s--%s", sep, o->name);
		if (o->shortc)
			fprintf(out, " -%c", o->shortc);
		sep = " ";
	}
	if (!with_arg)
		fprintf(out, "%s--help", sep);
}

/* What a command's first operand names, from its usage string: the first
 * word after [OPTIONS] ("IMAGE", "CONTAINER:SRC_PATH", "[CONTAINER...]").
 * "kind..." when the usage repeats it ("IMAGE [IMAGE...]"). */
static const struct {
	const char *word, *kind, *repeat;
} operand_words[] = {
	{ "CONTAINER", "container", "[CONTAINER...]" },
	{ "IMAGE", "image", "[IMAGE...]" },
	{ "SOURCE_IMAGE", "image", NULL },
	{ "COMMAND", "command", NULL },
	{ "file", "file", NULL },
	{ "FILE", "file", NULL },
};

static const char *operand_kind(const struct cli_cmd *c, bool *repeat)
{
	const char *u = c->usage ? c->usage : "";
	if (sv_str_has_prefix(u, "[OPTIONS]"))
		u += strlen("[OPTIONS]");
	u += strspn(u, " ");
	u += *u == '[';
	for (size_t i = 0; i < sizeof operand_words / sizeof operand_words[0]; i++) {
		size_t n = strlen(operand_words[i].word);
		/* the whole word: CONTAINER, CONTAINER:SRC_PATH, not CONTAINER-ID */
		if (strncmp(u, operand_words[i].word, n) != 0 || (u[n] && !strchr(" :[|.]", u[n])))
			continue;
		const char *r = operand_words[i].repeat;
		*repeat = u[n] == '.' || (r && strstr(c->usage, r));
		return operand_words[i].kind;
	}
	return NULL;
}

/* One case function over every visible command: `what` picks the arm body. */
enum arm { ARM_OPTS, ARM_ARGOPTS, ARM_KIND };

static void put_case_fn(FILE *out, const char *fn, enum arm what)
{
	fprintf(out, "%s() {\n\tcase $1 in\n", fn);
	for (size_t i = 0; cli_cmds[i]; i++) {
		const struct cli_cmd *c = cli_cmds[i];
		if (c->flags & CLI_CMD_HIDDEN)
			continue;
		bool repeat = false;
		const char *kind = operand_kind(c, &repeat);
		if (what == ARM_KIND && !kind)
			continue;
		put_pattern(out, c);
		fputs(" echo \"", out);
		if (what == ARM_KIND)
			fprintf(out, "%s%s", kind, repeat ? "..." : "");
		else
			put_opts(out, c->opts, what == ARM_ARGOPTS);
		fputs("\" ;;\n", out);
	}
	fputs("\tesac\n}\n\n", out);
}

/* First words of every name, and the second words that may follow each. */
static void put_words(FILE *out)
{
	SV_AUTOSTRV char **names = NULL;
	for (size_t i = 0; cli_cmds[i]; i++) {
		const struct cli_cmd *c = cli_cmds[i];
		if (c->flags & CLI_CMD_HIDDEN)
			continue;
		sv_strv_push(&names, c->name);
		SV_AUTOSTRV char **al = c->aliases ? sv_strv_split(c->aliases, '|', true) : NULL;
		for (size_t k = 0; al && al[k]; k++)
			sv_strv_push(&names, al[k]);
	}
	SV_AUTOSTRV char **firsts = NULL;
	for (size_t i = 0; names && names[i]; i++) {
		SV_AUTOSTRV char **w = sv_strv_split(names[i], ' ', true);
		if (w[0] && !sv_strv_contains(firsts, w[0]))
			sv_strv_push(&firsts, w[0]);
	}
	SV_AUTOFREE char *all = firsts ? sv_strv_join(firsts, " ") : sv_xstrdup("");
	fprintf(out, "_servin_commands() {\n\techo \"%s\"\n}\n\n", all);
	fputs("_servin_subcommands() {\n\tcase $1 in\n", out);
	for (size_t i = 0; firsts && firsts[i]; i++) {
		SV_AUTOSTRV char **subs = NULL;
		for (size_t k = 0; names[k]; k++) {
			SV_AUTOSTRV char **w = sv_strv_split(names[k], ' ', true);
			if (sv_strv_len(w) == 2 && strcmp(w[0], firsts[i]) == 0)
				sv_strv_push(&subs, w[1]);
		}
		if (!subs)
			continue;
		SV_AUTOFREE char *s = sv_strv_join(subs, " ");
		fprintf(out, "\t\"%s\") echo \"%s\" ;;\n", firsts[i], s);
	}
	fputs("\tesac\n}\n\n", out);
}

/* The part of the script that does not depend on the table. */
static const char completion_main[] =
	"# Words from the start of the line to the cursor, split on blanks (so\n"
	"# \"busybox:latest\" and \"--root=/x\" stay whole whatever COMP_WORDBREAKS says).\n"
	"_servin() {\n"
	"\tlocal line=${COMP_LINE:0:COMP_POINT} words=() cur prev i=1 cword cmd subs kind\n"
	"\tlocal globals=() opts\n"
	"\tread -ra words <<<\"$line\"\n"
	"\t[[ $line =~ [[:space:]]$ ]] && words+=(\"\")\n"
	"\tcword=$((${#words[@]} - 1))\n"
	"\tcur=${words[cword]}\n"
	"\tprev=${words[cword - 1]:-}\n"
	"\tCOMPREPLY=()\n"
	"\twhile [ \"$i\" -lt \"$cword\" ]; do\n"
	"\t\tcase ${words[i]} in\n"
	"\t\t--root | --runroot | --config | --log-level | -l)\n"
	"\t\t\tglobals+=(\"${words[i]}\" \"${words[i + 1]:-}\")\n"
	"\t\t\ti=$((i + 2))\n"
	"\t\t\tcontinue ;;\n"
	"\t\t--root=* | --runroot=* | --config=*) globals+=(\"${words[i]}\") ;;\n"
	"\t\t-*) ;;\n"
	"\t\t*) break ;;\n"
	"\t\tesac\n"
	"\t\ti=$((i + 1))\n"
	"\tdone\n"
	"\tif [ \"$i\" -ge \"$cword\" ]; then\n"
	"\t\tcase $prev in\n"
	"\t\t--root | --runroot) mapfile -t COMPREPLY < <(compgen -d -- \"$cur\"); return ;;\n"
	"\t\t--config) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); return ;;\n"
	"\t\t--log-level | -l) mapfile -t COMPREPLY < <(compgen -W \"error warn info debug\" -- \"$cur\"); return ;;\n"
	"\t\tesac\n"
	"\t\tif [[ $cur == -* ]]; then opts=$(_servin_global_options); else opts=$(_servin_commands); fi\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tcmd=${words[i]}\n"
	"\ti=$((i + 1))\n"
	"\tsubs=$(_servin_subcommands \"$cmd\")\n"
	"\tif [ -n \"$subs\" ]; then\n"
	"\t\tif [ \"$i\" -eq \"$cword\" ]; then\n"
	"\t\t\topts=$subs\n"
	"\t\t\t[[ $cur == -* ]] && opts=$(_servin_options \"$cmd\")\n"
	"\t\t\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
	"\t\t\treturn\n"
	"\t\tfi\n"
	"\t\tif [[ \" $subs \" == *\" ${words[i]} \"* ]]; then\n"
	"\t\t\tcmd=\"$cmd ${words[i]}\"\n"
	"\t\t\ti=$((i + 1))\n"
	"\t\tfi\n"
	"\tfi\n"
	"\tif [ \"$((cword - 1))\" -ge \"$i\" ] && [[ \" $(_servin_value_options \"$cmd\") \" == *\" $prev \"* ]]; then\n"
	"\t\tcase $prev in\n"
	"\t\t--input | -i | --output | -o | --*file) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\") ;;\n"
	"\t\tesac\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tif [[ $cur == -* ]]; then\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -W \"$(_servin_options \"$cmd\")\" -- \"$cur\")\n"
	"\t\treturn\n"
	"\tfi\n"
	"\t# operands before the cursor: words that are neither options nor their values\n"
	"\tlocal nops=0 vals j\n"
	"\tvals=\" $(_servin_value_options \"$cmd\") \"\n"
	"\tfor ((j = i; j < cword; j++)); do\n"
	"\t\tcase ${words[j]} in\n"
	"\t\t-*=*) ;;\n"
	"\t\t-*) [[ $vals == *\" ${words[j]} \"* ]] && j=$((j + 1)) ;;\n"
	"\t\t*) nops=$((nops + 1)) ;;\n"
	"\t\tesac\n"
	"\tdone\n"
	"\tkind=$(_servin_operand \"$cmd\")\n"
	"\t[ \"$nops\" -eq 0 ] || [[ $kind == *... ]] || return 0\n"
	"\tcase ${kind%...} in\n"
	"\timage) opts=$(\"${words[0]}\" \"${globals[@]}\" images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null |\n"
	"\t\tgrep -v '<none>') ;;\n"
	"\tcontainer) opts=$(\"${words[0]}\" \"${globals[@]}\" ps -a --format '{{.Names}}' 2>/dev/null) ;;\n"
	"\tcommand) opts=$(_servin_commands) ;;\n"
	"\tfile) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); return ;;\n"
	"\t*) return ;;\n"
	"\tesac\n"
	"\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
	"\t# readline replaces only the part after the last ':' when ':' breaks words\n"
	"\tif [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then\n"
	"\t\tlocal p=${cur%\"${cur##*:}\"}\n"
	"\t\tCOMPREPLY=(\"${COMPREPLY[@]#\"$p\"}\")\n"
	"\tfi\n"
	"}\n\n"
	"complete -F _servin servin\n";

static int completion_bash(FILE *out)
{
	fprintf(out, "# bash completion for servin %s, made by `servin completion bash`\n"
		     "# from the command table of that binary. Do not edit: regenerate.\n\n",
		SV_VERSION);
	fputs("_servin_global_options() {\n\techo \"", out);
	put_opts(out, global_opts, false);
	fputs("\"\n}\n\n", out);
	put_words(out);
	put_case_fn(out, "_servin_options", ARM_OPTS);
	put_case_fn(out, "_servin_value_options", ARM_ARGOPTS);
	put_case_fn(out, "_servin_operand", ARM_KIND);
	fputs(completion_main, out);
	return 0;
}

/* Text for roff: backslashes and hyphens escaped, no control line. */
static void put_roff(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void put_man_opts(FILE *out, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		fputs(".TP\n", out);
		if (o->shortc)
			fprintf(out, "\\fB\\-%c\\fR, ", o->shortc);
		fputs("\\fB\\-\\-", out);
		put_roff(out, o->name);
		fputs("\\fR", out);
		if (o->arg != CLI_NOARG) {
			fputs(o->arg == CLI_OPTARG ? "[=\\fI" : " \\fI", out);
			put_roff(out, o->metavar ? o->metavar : "string");
			fputs(o->arg == CLI_OPTARG ? "\\fR]" : "\\fR", out);
		}
		fputc('\n', out);
		put_roff(out, o->help ? o->help : "");
		fputc('\n', out);
	}
}

static int completion_man(FILE *out)
{
	for (size_t i = 0; cli_cmds[i]; i++) {
		const struct cli_cmd *c = cli_cmds[i];
		if (c->flags & CLI_CMD_HIDDEN)
			continue;
		fputs(".TP\n\\fBservin ", out);
		put_roff(out, c->name);
		fputs("\\fR ", out);
		put_roff(out, c->usage ? c->usage : "");
		fputc('\n', out);
		put_roff(out, c->summary ? c->summary : "");
		fputs(".\n", out);
		if (c->aliases) {
			SV_AUTOSTRV char **al = sv_strv_split(c->aliases, '|', true);
			fputs("Also: ", out);
			for (size_t k = 0; al[k]; k++) {
				fputs(k ? ", \\fBservin " : "\\fBservin ", out);
				put_roff(out, al[k]);
				fputs("\\fR", out);
			}
			fputs(".\n", out);
		}
		if (c->opts && c->opts[0].name) {
			fputs(".RS\n", out);
			put_man_opts(out, c->opts);
			fputs(".RE\n", out);
		}
	}
	return 0;
}

static int completion_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "bash") == 0)
		return completion_bash(ctx->out);
	if (argc == 2 && strcmp(argv[1], "man") == 0)
		return completion_man(ctx->out);
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_usage(ctx, &cli_cmd_completion, ctx->out);
		return 0;
	}
	return cli_failf(ctx, 1, "usage: servin completion bash|man");
}
