/*
 * The batch script parser and runner. Parsing is one pass of a small
 * state machine over the whole text; a command ends at an unquoted
 * newline. Running a command captures its output only in --json mode;
 * otherwise it prints where the command prints.
 */
#include "batch.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum split_state { S_BLANK, S_WORD, S_SQUOTE, S_DQUOTE, S_COMMENT };

struct parser {
	const char *name;
	int line;	/* current line, from 1 */
	int cmd_line;	/* line the current command started on */
	enum split_state st;
	bool in_word;	/* a word is open (possibly empty: "") */
	struct sv_buf word;
	size_t cmd_bytes;
	char **argv;
	size_t nwords;
};

static int perr(struct parser *p, sv_err **err, const char *msg)
{
	if (p->name)
		return sv_err_setx(err, EINVAL, "%s:%d: %s", p->name, p->line, msg);
	return sv_err_setx(err, EINVAL, "%s", msg);
}

static int end_word(struct parser *p, sv_err **err)
{
	if (!p->in_word)
		return 0;
	if (++p->nwords > CLI_BATCH_MAX_WORDS)
		return perr(p, err, "too many words in one command (the limit is 4096)");
	sv_strv_push_take(&p->argv, sv_buf_detach(&p->word, NULL));
	p->in_word = false;
	return 0;
}

static int add_char(struct parser *p, char c, sv_err **err)
{
	if (++p->cmd_bytes > CLI_BATCH_MAX_COMMAND)
		return perr(p, err, "command longer than 64 KiB");
	sv_buf_addc(&p->word, c);
	p->in_word = true;
	return 0;
}

/* One character outside quotes. *escape is set after a backslash. */
static int step_plain(struct parser *p, char c, char next, bool *skip, sv_err **err)
{
	switch (c) {
	case ' ':
	case '\t':
	case '\r':
		p->st = S_BLANK;
		return end_word(p, err);
	case '#':
		if (!p->in_word) {
			p->st = S_COMMENT;
			return 0;
		}
		return add_char(p, c, err);
	case '\'':
		p->st = S_SQUOTE;
		p->in_word = true;
		return 0;
	case '"':
		p->st = S_DQUOTE;
		p->in_word = true;
		return 0;
	case '\\':
		*skip = true;
		if (next == '\n')
			return 0; /* continuation: the newline is dropped */
		if (next == '\0')
			return 1;
		return add_char(p, next, err);
	default:
		p->st = S_WORD;
		return add_char(p, c, err);
	}
}

static int step_dquote(struct parser *p, char c, char next, bool *skip, sv_err **err)
{
	if (c == '"') {
		p->st = S_WORD;
		return 0;
	}
	if (c == '\\' && next && strchr("\"\\$`\n", next)) {
		*skip = true;
		return next == '\n' ? 0 : add_char(p, next, err);
	}
	return add_char(p, c, err);
}

static bool bad_control(char c)
{
	unsigned char u = (unsigned char)c;
	return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f;
}

/* Feeds text; calls emit at each completed command. Returns 1 when the
 * text ends inside a command (quote or continuation), 0, or -1. */
static int feed(struct parser *p, const char *text, size_t len,
		int (*emit)(struct parser *p, void *arg, sv_err **err), void *arg, sv_err **err)
{
	for (size_t i = 0; i < len; i++) {
		char c = text[i], next = i + 1 < len ? text[i + 1] : '\0';
		bool skip = false;
		int rc = 0;
		/* The character after a backslash is taken as it is: check it too. */
		for (size_t k = i; k <= i + 1 && k < len; k++) {
			if (k > i && c != '\\')
				break;
			if (text[k] == '\0')
				return perr(p, err, "NUL byte in script");
			if (bad_control(text[k]))
				return perr(p, err, "control character in script");
		}
		if (!p->argv && !p->in_word && p->st != S_COMMENT && c != ' ' && c != '\t' && c != '\n')
			p->cmd_line = p->line;
		switch (p->st) {
		case S_COMMENT:
			if (c == '\n')
				p->st = S_BLANK;
			break;
		case S_SQUOTE:
			if (c == '\'')
				p->st = S_WORD;
			else
				rc = add_char(p, c, err);
			break;
		case S_DQUOTE: rc = step_dquote(p, c, next, &skip, err); break;
		default:
			if (c == '\n')
				break;
			rc = step_plain(p, c, next, &skip, err);
			if (rc == 1) /* backslash at the very end */
				return 1;
			break;
		}
		if (rc < 0)
			return -1;
		if (c == '\n' && (p->st == S_BLANK || p->st == S_WORD)) {
			if (end_word(p, err) < 0 || emit(p, arg, err) < 0)
				return -1;
			p->st = S_BLANK;
		}
		if (c == '\n' || (skip && next == '\n'))
			p->line++;
		if (skip)
			i++;
	}
	return p->st == S_SQUOTE || p->st == S_DQUOTE ? 1 : 0;
}

static void parser_init(struct parser *p, const char *name)
{
	memset(p, 0, sizeof *p);
	p->name = name;
	p->line = p->cmd_line = 1;
	sv_buf_init(&p->word);
}

static void parser_release(struct parser *p)
{
	sv_buf_release(&p->word);
	sv_strv_free(p->argv);
	p->argv = NULL;
}

static void parser_reset_cmd(struct parser *p)
{
	p->argv = NULL;
	p->nwords = 0;
	p->cmd_bytes = 0;
}

static int emit_batch(struct parser *p, void *arg, sv_err **err)
{
	(void)err;
	struct cli_batch *b = arg;
	if (!p->argv)
		return 0;
	b->cmds = sv_xrealloc(b->cmds, (b->n + 1) * sizeof *b->cmds);
	b->cmds[b->n++] = (struct cli_batch_cmd){ p->cmd_line, p->argv };
	parser_reset_cmd(p);
	return 0;
}

int cli_batch_parse(const char *text, size_t len, const char *name, struct cli_batch *out,
		    sv_err **err)
{
	memset(out, 0, sizeof *out);
	if (len > CLI_BATCH_MAX_SCRIPT)
		return sv_err_setx(err, E2BIG, "%s: script larger than 16 MiB", name);
	struct parser p;
	parser_init(&p, name);
	int rc = feed(&p, text, len, emit_batch, out, err);
	if (rc == 1) {
		p.line = p.cmd_line;
		rc = perr(&p, err, p.st == S_SQUOTE || p.st == S_DQUOTE ? "unterminated quote"
								       : "backslash at the end of the script");
	}
	if (rc == 0 && (end_word(&p, err) < 0 || emit_batch(&p, out, err) < 0))
		rc = -1;
	parser_release(&p);
	if (rc < 0)
		cli_batch_release(out);
	return rc < 0 ? -1 : 0;
}

void cli_batch_release(struct cli_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		sv_strv_free(b->cmds[i].argv);
	free(b->cmds);
	memset(b, 0, sizeof *b);
}

static int emit_one(struct parser *p, void *arg, sv_err **err)
{
	(void)p;
	(void)arg;
	return sv_err_setx(err, EINVAL, "one command per line");
}

int cli_batch_split(const char *line, char ***argv, sv_err **err)
{
	struct parser p;
	parser_init(&p, NULL);
	*argv = NULL;
	size_t len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	int rc = feed(&p, line, len, emit_one, NULL, err);
	if (rc == 0 && end_word(&p, err) < 0)
		rc = -1;
	if (rc == 0) {
		*argv = p.argv ? p.argv : sv_xcalloc(1, sizeof(char *));
		parser_reset_cmd(&p);
	}
	parser_release(&p);
	return rc;
}

char *cli_batch_quote(const char *word)
{
	if (*word && strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				  "-_./:=@,+%") == strlen(word))
		return sv_xstrdup(word);
	struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_addc(&b, '\'');
	for (const char *s = word; *s; s++) {
		if (*s == '\'')
			sv_buf_adds(&b, "'\\''");
		else
			sv_buf_addc(&b, *s);
	}
	sv_buf_addc(&b, '\'');
	return sv_buf_detach(&b, NULL);
}

/* --------------------------------------------------------------- running */

static bool is_nested(char *const *argv)
{
	return strcmp(argv[0], "batch") == 0 || strcmp(argv[0], "shell") == 0;
}

static void json_result(struct cli_ctx *ctx, const struct cli_batch_cmd *c, int rc, const char *out,
			const char *errs)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "line", c->line);
	cJSON *argv = cJSON_AddArrayToObject(o, "command");
	for (size_t i = 0; c->argv[i]; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(c->argv[i]));
	cJSON_AddNumberToObject(o, "status", rc);
	cJSON_AddStringToObject(o, "stdout", out);
	cJSON_AddStringToObject(o, "stderr", errs);
	char *s = sv_json_print(o);
	fprintf(ctx->out, "%s\n", s);
	free(s);
	cJSON_Delete(o);
}

/* Runs one command with its output captured into memory. */
static int run_captured(struct cli_ctx *ctx, const struct cli_batch_cmd *c, char **out, char **errs)
{
	size_t olen = 0, elen = 0;
	FILE *fo = open_memstream(out, &olen), *fe = open_memstream(errs, &elen);
	if (!fo || !fe) {
		if (fo)
			fclose(fo);
		if (fe)
			fclose(fe);
		*out = sv_xstrdup("");
		*errs = sv_xstrdup("cannot capture output");
		return 125;
	}
	struct cli_ctx sub = *ctx;
	sub.out = fo;
	sub.err = fe;
	int argc = (int)sv_strv_len(c->argv);
	int rc = cli_dispatch(&sub, argc, c->argv);
	ctx->engine = sub.engine; /* opened lazily: keep it for the next command */
	fclose(fo);
	fclose(fe);
	return rc;
}

static int run_one(struct cli_ctx *ctx, const struct cli_batch_cmd *c, const struct cli_batch_opts *o)
{
	if (is_nested(c->argv)) {
		const char *msg = "batch scripts cannot start another batch or shell";
		if (o->json)
			json_result(ctx, c, 125, "", msg);
		else
			fprintf(ctx->err, "Error: %s\n", msg);
		return 125;
	}
	if (!o->json) {
		int rc = cli_dispatch(ctx, (int)sv_strv_len(c->argv), c->argv);
		fflush(ctx->out);
		fflush(ctx->err);
		return rc;
	}
	char *out = NULL, *errs = NULL;
	int rc = run_captured(ctx, c, &out, &errs);
	json_result(ctx, c, rc, out ? out : "", errs ? errs : "");
	free(out);
	free(errs);
	fflush(ctx->out);
	return rc;
}

int cli_batch_run(struct cli_ctx *ctx, const struct cli_batch *b, const struct cli_batch_opts *o)
{
	int first = 0;
	bool saved = ctx->in_batch;
	ctx->in_batch = true;
	for (size_t i = 0; i < b->n; i++) {
		int rc = run_one(ctx, &b->cmds[i], o);
		if (rc == 0)
			continue;
		if (!first)
			first = rc;
		if (!o->keep_going) {
			if (!o->json && i + 1 < b->n)
				fprintf(ctx->err, "%s:%d: exit status %d; stopping (--keep-going runs the rest)\n",
					o->name ? o->name : "batch", b->cmds[i].line, rc);
			break;
		}
	}
	ctx->in_batch = saved;
	return first;
}

int cli_batch_file(struct cli_ctx *ctx, const char *path, const struct cli_batch_opts *o)
{
	bool is_stdin = strcmp(path, "-") == 0;
	SV_AUTOCLOSE int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	SV_AUTOERR sv_err *err = NULL;
	struct sv_buf text;
	sv_buf_init(&text);
	int rc = 0;
	if (fd < 0)
		sv_err_set(&err, errno, "open %s", path);
	else if (sv_read_fd(fd, CLI_BATCH_MAX_SCRIPT, &text, &err) < 0)
		sv_err_prefix(&err, "read %s", is_stdin ? "standard input" : path);
	if (err) {
		rc = cli_fail(ctx, 2, err);
		goto out;
	}
	struct cli_batch b;
	struct cli_batch_opts oo = *o;
	oo.name = is_stdin ? "-" : path;
	if (cli_batch_parse(text.data, text.len, oo.name, &b, &err) < 0) {
		rc = cli_fail(ctx, 2, err);
		goto out;
	}
	rc = cli_batch_run(ctx, &b, &oo);
	cli_batch_release(&b);
out:
	sv_buf_release(&text);
	return rc;
}
