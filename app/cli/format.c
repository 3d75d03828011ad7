/*
 * A small Go text/template subset — enough for what people pass to
 * docker's --format: {{.Field}}, {{.A.B}}, {{json .}}, {{json .Field}},
 * {{upper .F}}, {{lower .F}}, {{index .Labels "k"}}, {{.Field}} on arrays
 * (printed Go-style as [a b]) — and a tabwriter that pads like docker's.
 */
#include "format.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

struct cli_fmt {
	char *tmpl;
	bool table;
	bool json;
	const struct cli_header *headers;
	char **lines;
};

static const cJSON *lookup_path(const cJSON *obj, const char *path)
{
	if (!strcmp(path, "."))
		return obj;
	const cJSON *cur = obj;
	SV_AUTOSTRV char **parts = sv_strv_split(path + 1, '.', true);
	for (size_t i = 0; parts[i] && cur; i++)
		cur = cJSON_GetObjectItemCaseSensitive(cur, parts[i]);
	return cur;
}

static void value_text(struct sv_buf *b, const cJSON *v)
{
	if (!v || cJSON_IsNull(v)) {
		sv_buf_adds(b, "<no value>");
	} else if (cJSON_IsString(v)) {
		sv_buf_adds(b, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		sv_buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 9e15)
			sv_buf_addf(b, "%lld", (long long)d);
		else
			sv_buf_addf(b, "%g", d);
	} else if (cJSON_IsArray(v)) {
		sv_buf_addc(b, '[');
		const cJSON *it;
		bool first = true;
		cJSON_ArrayForEach(it, v)
		{
			if (!first)
				sv_buf_addc(b, ' ');
			first = false;
			value_text(b, it);
		}
		sv_buf_addc(b, ']');
	} else {
		sv_buf_adds(b, "map[");
		const cJSON *it;
		bool first = true;
		cJSON_ArrayForEach(it, v)
		{
			if (!first)
				sv_buf_addc(b, ' ');
			first = false;
			sv_buf_addf(b, "%s:", it->string);
			value_text(b, it);
		}
		sv_buf_addc(b, ']');
	}
}

static int eval_action(struct sv_buf *b, const char *act, const cJSON *obj, sv_err **err)
{
	SV_AUTOSTRV char **w = sv_strv_split(act, ' ', true);
	size_t n = sv_strv_len(w);
	if (n == 0)
		return sv_err_setx(err, EINVAL, "template: empty action");
	if (n == 1 && w[0][0] == '.') {
		value_text(b, lookup_path(obj, w[0]));
		return 0;
	}
	if (n == 2 && w[1][0] == '.') {
		const cJSON *v = lookup_path(obj, w[1]);
		if (!strcmp(w[0], "json")) {
			if (!v) {
				sv_buf_adds(b, "null");
				return 0;
			}
			char *s = sv_json_print(v);
			sv_buf_adds(b, s);
			free(s);
			return 0;
		}
		if (!strcmp(w[0], "upper") || !strcmp(w[0], "lower") || !strcmp(w[0], "title")) {
			struct sv_buf t;
			sv_buf_init(&t);
			value_text(&t, v);
			for (size_t i = 0; i < t.len; i++) {
				int c = (unsigned char)t.data[i];
				t.data[i] = (char)(w[0][0] == 'u' ? toupper(c) : w[0][0] == 'l' ? tolower(c) : (i == 0 ? toupper(c) : c));
			}
			sv_buf_add(b, t.data, t.len);
			sv_buf_release(&t);
			return 0;
		}
		if (!strcmp(w[0], "len")) {
			sv_buf_addf(b, "%d", v && (cJSON_IsArray(v) || cJSON_IsObject(v)) ? cJSON_GetArraySize(v)
								: v && cJSON_IsString(v) ? (int)strlen(v->valuestring) : 0);
			return 0;
		}
	}
	if (n == 3 && !strcmp(w[0], "index") && w[1][0] == '.') {
		const cJSON *v = lookup_path(obj, w[1]);
		size_t kl = strlen(w[2]);
		SV_AUTOFREE char *key = kl >= 2 && w[2][0] == '"' ? sv_xstrndup(w[2] + 1, kl - 2) : sv_xstrdup(w[2]);
		value_text(b, v ? cJSON_GetObjectItemCaseSensitive(v, key) : NULL);
		return 0;
	}
	return sv_err_setx(err, EINVAL, "template: unsupported action '{{%s}}'", act);
}

char *cli_template_render(const char *tmpl, const cJSON *obj, sv_err **err)
{
	struct sv_buf b;
	sv_buf_init(&b);
	const char *p = tmpl;
	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			sv_buf_adds(&b, p);
			break;
		}
		sv_buf_add(&b, p, (size_t)(open - p));
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			sv_buf_release(&b);
			return sv_err_setx(err, EINVAL, "template: unclosed action"), NULL;
		}
		SV_AUTOFREE char *act = sv_xstrndup(open + 2, (size_t)(close - open - 2));
		char *a = act;
		while (*a == ' ' || *a == '-')
			a++;
		size_t al = strlen(a);
		while (al && (a[al - 1] == ' ' || a[al - 1] == '-'))
			a[--al] = '\0';
		if (eval_action(&b, a, obj, err) < 0) {
			sv_buf_release(&b);
			return NULL;
		}
		p = close + 2;
	}
	return sv_buf_detach(&b, NULL);
}

/* "\t" and "\n" typed on a shell command line arrive as two characters. */
static char *unescape(const char *s)
{
	struct sv_buf b;
	sv_buf_init(&b);
	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
			sv_buf_addc(&b, s[1] == 't' ? '\t' : '\n');
			s++;
		} else {
			sv_buf_addc(&b, *s);
		}
	}
	return sv_buf_detach(&b, NULL);
}

struct cli_fmt *cli_fmt_new(const char *spec, const char *default_table, const struct cli_header *headers,
			    sv_err **err)
{
	struct cli_fmt *f = sv_xcalloc(1, sizeof *f);
	f->headers = headers;
	f->lines = sv_xcalloc(1, sizeof *f->lines);
	if (!spec || !*spec || !strcmp(spec, "table")) {
		f->table = true;
		f->tmpl = unescape(default_table);
	} else if (!strcmp(spec, "json")) {
		f->json = true;
		f->tmpl = sv_xstrdup("{{json .}}");
	} else if (sv_str_has_prefix(spec, "table ")) {
		f->table = true;
		f->tmpl = unescape(spec + 6);
	} else {
		f->tmpl = unescape(spec);
	}
	/* Validate the template once against an empty object. */
	cJSON *probe = cJSON_CreateObject();
	char *r = cli_template_render(f->tmpl, probe, err);
	cJSON_Delete(probe);
	if (!r) {
		cli_fmt_free(f);
		return NULL;
	}
	free(r);
	return f;
}

void cli_fmt_row(struct cli_fmt *f, const cJSON *row)
{
	char *line = cli_template_render(f->tmpl, row, NULL);
	if (line)
		sv_strv_push_take(&f->lines, line);
}

/* The header line: each {{.Field}} replaced by its title. */
static char *header_line(const struct cli_fmt *f)
{
	struct sv_buf b;
	sv_buf_init(&b);
	const char *p = f->tmpl;
	while (*p) {
		const char *open = strstr(p, "{{");
		const char *close = open ? strstr(open, "}}") : NULL;
		if (!open || !close) {
			sv_buf_adds(&b, p);
			break;
		}
		sv_buf_add(&b, p, (size_t)(open - p));
		SV_AUTOFREE char *act = sv_xstrndup(open + 2, (size_t)(close - open - 2));
		SV_AUTOSTRV char **w = sv_strv_split(act, ' ', true);
		const char *field = NULL;
		for (size_t i = 0; w[i]; i++)
			if (w[i][0] == '.')
				field = w[i] + 1;
		const char *title = NULL;
		for (const struct cli_header *h = f->headers; h && h->field && field; h++)
			if (!strcmp(h->field, field))
				title = h->title;
		if (title) {
			sv_buf_adds(&b, title);
		} else if (field) {
			for (const char *c = field; *c; c++)
				sv_buf_addc(&b, (char)toupper((unsigned char)*c));
		}
		p = close + 2;
	}
	return sv_buf_detach(&b, NULL);
}

void cli_fmt_flush(struct cli_fmt *f, FILE *out)
{
	if (!f->table) {
		for (size_t i = 0; f->lines[i]; i++)
			fprintf(out, "%s\n", f->lines[i]);
	} else {
		char **all = sv_xcalloc(1, sizeof *all);
		sv_strv_push_take(&all, header_line(f));
		for (size_t i = 0; f->lines[i]; i++)
			sv_strv_push(&all, f->lines[i]);
		cli_tabwrite(out, all);
		sv_strv_free(all);
	}
	sv_strv_free(f->lines);
	f->lines = sv_xcalloc(1, sizeof *f->lines);
}

void cli_fmt_free(struct cli_fmt *f)
{
	if (!f)
		return;
	free(f->tmpl);
	sv_strv_free(f->lines);
	free(f);
}

/* Display width of UTF-8 text: count code points, not bytes. */
static size_t text_width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

void cli_tabwrite(FILE *out, char *const *lines)
{
	/* Go's tabwriter with minwidth 10, padding 3: a cell is as wide as the
	 * widest cell of its column in the block, plus 3, at least 10. Cells
	 * are terminated by tabs; the last cell of a line is not padded. */
	size_t widths[64] = { 0 };
	for (size_t i = 0; lines[i]; i++) {
		const char *p = lines[i];
		for (size_t c = 0; c < 64; c++) {
			const char *tab = strchr(p, '\t');
			if (!tab)
				break;
			size_t w = text_width(p, (size_t)(tab - p)) + 3;
			if (w < 10)
				w = 10;
			if (w > widths[c])
				widths[c] = w;
			p = tab + 1;
		}
	}
	for (size_t i = 0; lines[i]; i++) {
		const char *p = lines[i];
		for (size_t c = 0;; c++) {
			const char *tab = c < 64 ? strchr(p, '\t') : NULL;
			if (!tab) {
				fprintf(out, "%s\n", p);
				break;
			}
			size_t n = (size_t)(tab - p);
			fwrite(p, 1, n, out);
			for (size_t k = text_width(p, n); k < widths[c]; k++)
				fputc(' ', out);
			p = tab + 1;
		}
	}
}
