/*
 * One-line editing over a UTF-8 byte buffer. The cursor always sits on a
 * character boundary; moving walks continuation bytes.
 */
#include "widgets/lineedit.h"

#include <stdlib.h>
#include <string.h>

void lineedit_init(struct lineedit *e)
{
	memset(e, 0, sizeof *e);
	e->hist_pos = -1;
}

static void clear_choices(struct lineedit *e)
{
	sv_strv_free(e->choices);
	e->choices = NULL;
}

void lineedit_release(struct lineedit *e)
{
	free(e->saved);
	clear_choices(e);
	e->saved = NULL;
}

void lineedit_set(struct lineedit *e, const char *text)
{
	size_t n = strlen(text);
	if (n >= LINEEDIT_MAX)
		n = LINEEDIT_MAX - 1;
	while (n > 0 && (text[n] & 0xC0) == 0x80) /* do not cut a character */
		n--;
	memcpy(e->buf, text, n);
	e->buf[n] = '\0';
	e->len = e->cur = n;
	e->scroll = 0;
}

static size_t prev_char(const struct lineedit *e, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && (e->buf[i] & 0xC0) == 0x80)
		i--;
	return i;
}

static size_t next_char(const struct lineedit *e, size_t i)
{
	if (i >= e->len)
		return e->len;
	i++;
	while (i < e->len && (e->buf[i] & 0xC0) == 0x80)
		i++;
	return i;
}

static void delete_range(struct lineedit *e, size_t from, size_t to)
{
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	if (e->cur > to)
		e->cur -= to - from;
	else if (e->cur > from)
		e->cur = from;
}

static bool insert(struct lineedit *e, const char *s, size_t n)
{
	if (e->len + n >= LINEEDIT_MAX)
		return false;
	memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, s, n);
	e->len += n;
	e->cur += n;
	return true;
}

static void history_walk(struct lineedit *e, int dir)
{
	long n = (long)sv_strv_len(e->history);
	if (n == 0)
		return;
	long pos = e->hist_pos < 0 ? n : e->hist_pos;
	pos += dir;
	if (pos < 0)
		return;
	if (e->hist_pos < 0) {
		free(e->saved);
		e->saved = sv_xstrdup(e->buf);
	}
	if (pos >= n) {
		lineedit_set(e, e->saved ? e->saved : "");
		e->hist_pos = -1;
		return;
	}
	e->hist_pos = pos;
	lineedit_set(e, e->history[pos]);
}

/* The longest common prefix of the candidates. */
static size_t common_prefix(char *const *v)
{
	if (!v || !v[0])
		return 0;
	size_t n = strlen(v[0]);
	for (size_t i = 1; v[i]; i++) {
		size_t k = 0;
		while (k < n && v[i][k] == v[0][k])
			k++;
		n = k;
	}
	return n;
}

static void complete(struct lineedit *e)
{
	clear_choices(e);
	if (!e->complete)
		return;
	size_t start = e->cur;
	char **v = e->complete(e->buf, e->cur, &start, e->complete_arg);
	if (!v || !v[0] || start > e->cur) {
		sv_strv_free(v);
		return;
	}
	size_t n = common_prefix(v);
	bool single = !v[1];
	SV_AUTOFREE char *repl = sv_xstrndup(v[0], n);
	delete_range(e, start, e->cur);
	insert(e, repl, strlen(repl));
	if (single && e->cur == e->len)
		insert(e, " ", 1);
	if (!single)
		e->choices = v;
	else
		sv_strv_free(v);
}

static enum lineedit_result edit_key(struct lineedit *e, tui_key k)
{
	switch (k) {
	case KEYC_LEFT: e->cur = prev_char(e, e->cur); break;
	case KEYC_RIGHT: e->cur = next_char(e, e->cur); break;
	case KEYC_HOME:
	case KEYC_CTRL('a'): e->cur = 0; break;
	case KEYC_END:
	case KEYC_CTRL('e'): e->cur = e->len; break;
	case KEYC_BACKSPACE:
	case KEYC_CTRL('h'): delete_range(e, prev_char(e, e->cur), e->cur); break;
	case KEYC_DELETE:
	case KEYC_CTRL('d'): delete_range(e, e->cur, next_char(e, e->cur)); break;
	case KEYC_CTRL('u'): delete_range(e, 0, e->cur); break;
	case KEYC_CTRL('k'): delete_range(e, e->cur, e->len); break;
	case KEYC_CTRL('w'): {
		size_t i = e->cur;
		while (i > 0 && e->buf[i - 1] == ' ')
			i--;
		while (i > 0 && e->buf[i - 1] != ' ')
			i--;
		delete_range(e, i, e->cur);
		break;
	}
	case KEYC_UP: history_walk(e, -1); break;
	case KEYC_DOWN: history_walk(e, +1); break;
	case KEYC_TAB: complete(e); return LINEEDIT_EDITED;
	default: return LINEEDIT_NONE;
	}
	return LINEEDIT_EDITED;
}

enum lineedit_result lineedit_key(struct lineedit *e, tui_key k)
{
	if (k == KEYC_ENTER) {
		clear_choices(e);
		return LINEEDIT_SUBMIT;
	}
	if (k == KEYC_ESC || k == KEYC_CTRL('c') || k == KEYC_CTRL('g')) {
		clear_choices(e);
		return LINEEDIT_CANCEL;
	}
	enum lineedit_result r = edit_key(e, k);
	if (r != LINEEDIT_NONE) {
		if (k != KEYC_TAB)
			clear_choices(e);
		return r;
	}
	if (k < 0x20 || k == 0x7F || k >= KEYC_BASE)
		return LINEEDIT_NONE;
	char u[4];
	int n = utf8_encode(k, u);
	clear_choices(e);
	insert(e, u, (size_t)n);
	e->hist_pos = -1;
	return LINEEDIT_EDITED;
}

int lineedit_draw(struct lineedit *e, struct canvas *c, struct rect r, enum theme_role role)
{
	canvas_fill(c, rect_make(r.x, r.y, r.w, 1), role, ' ');
	if (r.w <= 1)
		return r.x;
	/* Scroll so the cursor stays visible with a column to spare. */
	if (e->cur < e->scroll)
		e->scroll = e->cur;
	for (;;) {
		char save = e->buf[e->cur];
		e->buf[e->cur] = '\0';
		int w = text_width(e->buf + e->scroll);
		e->buf[e->cur] = save;
		if (w < r.w || e->scroll >= e->cur)
			break;
		e->scroll = next_char(e, e->scroll);
	}
	char save = e->buf[e->cur];
	e->buf[e->cur] = '\0';
	int cx = r.x + text_width(e->buf + e->scroll);
	e->buf[e->cur] = save;
	canvas_text(c, r.x, r.y, r.w, role, e->buf + e->scroll);
	return cx;
}

void lineedit_history_add(char ***hist, const char *line, size_t max)
{
	if (!line || !*line)
		return;
	size_t n = sv_strv_len(*hist);
	if (n && strcmp((*hist)[n - 1], line) == 0)
		return;
	sv_strv_push(hist, line);
	n++;
	if (n > max) {
		free((*hist)[0]);
		memmove(*hist, *hist + 1, n * sizeof **hist); /* moves the NULL too */
	}
}
