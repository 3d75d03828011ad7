/*
 * The table widget. Filtering and sorting work on an array of row indices;
 * the model is asked for cell text only while filtering, comparing (when
 * it has no comparator) and drawing the visible rows.
 */
#include "widgets/table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void text_drop(struct table *t);

#define GUTTER 2 /* mark glyph + blank */

struct term_filter {
	bool neg;
	char *field; /* NULL: plain text */
	char *value;
};

void table_init(struct table *t, const struct table_col *cols, int ncols,
		const struct table_ops *ops, void *model)
{
	memset(t, 0, sizeof *t);
	t->cols = cols;
	t->ncols = ncols > 32 ? 32 : ncols;
	for (int i = 0; i < t->ncols; i++)
		t->shown[i] = i;
	t->nshown = t->ncols;
	t->ops = ops;
	t->model = model;
	t->sort_col = -1;
}

void table_release(struct table *t)
{
	free(t->order);
	free(t->filter);
	for (size_t i = 0; i < t->nmarks; i++)
		free(t->marks[i]);
	free(t->marks);
	free(t->cursor_key);
	text_drop(t);
	memset(t, 0, sizeof *t);
}

int table_set_columns(struct table *t, char *const *names, sv_err **err)
{
	int shown[32], n = 0;
	for (size_t i = 0; names && names[i]; i++) {
		int c = 0;
		while (c < t->ncols && strcmp(t->cols[c].name, names[i]))
			c++;
		if (c == t->ncols) {
			struct sv_buf known;
			sv_buf_init(&known);
			for (int k = 0; k < t->ncols; k++)
				sv_buf_addf(&known, "%s%s", k ? ", " : "", t->cols[k].name);
			sv_err_setx(err, EINVAL, "unknown column \"%s\" (known: %s)", names[i], known.data);
			sv_buf_release(&known);
			return -1;
		}
		if (n < 32)
			shown[n++] = c;
	}
	if (n == 0)
		return 0;
	memcpy(t->shown, shown, sizeof(int) * (size_t)n);
	t->nshown = n;
	return 0;
}

/* ------------------------------------------------------------------ marks */

static long mark_find(const struct table *t, const char *key, bool *found)
{
	size_t lo = 0, hi = t->nmarks;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->marks[mid], key);
		if (c == 0) {
			*found = true;
			return (long)mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return (long)lo;
}

bool table_is_marked(const struct table *t, const char *key)
{
	bool found;
	if (!key || !t->nmarks)
		return false;
	mark_find(t, key, &found);
	return found;
}

static void mark_set(struct table *t, const char *key, bool on)
{
	bool found;
	long at = mark_find(t, key, &found);
	if (on && !found) {
		t->marks = sv_xrealloc(t->marks, (t->nmarks + 1) * sizeof *t->marks);
		memmove(&t->marks[at + 1], &t->marks[at], (t->nmarks - (size_t)at) * sizeof *t->marks);
		t->marks[at] = sv_xstrdup(key);
		t->nmarks++;
	} else if (!on && found) {
		free(t->marks[at]);
		memmove(&t->marks[at], &t->marks[at + 1], (t->nmarks - (size_t)at - 1) * sizeof *t->marks);
		t->nmarks--;
	}
}

void table_clear_marks(struct table *t)
{
	for (size_t i = 0; i < t->nmarks; i++)
		free(t->marks[i]);
	t->nmarks = 0;
}

bool table_toggle_mark(struct table *t)
{
	size_t row;
	if (!table_selected(t, &row))
		return false;
	const char *key = t->ops->key(t->model, row);
	mark_set(t, key, !table_is_marked(t, key));
	return true;
}

void table_mark_all(struct table *t)
{
	bool all = t->norder > 0;
	for (size_t i = 0; i < t->norder && all; i++)
		all = table_is_marked(t, t->ops->key(t->model, t->order[i]));
	if (all) {
		table_clear_marks(t);
		return;
	}
	for (size_t i = 0; i < t->norder; i++)
		mark_set(t, t->ops->key(t->model, t->order[i]), true);
}

/* Drops marks whose rows left the model (not those merely filtered out). */
static void marks_prune(struct table *t, size_t count)
{
	if (!t->nmarks)
		return;
	bool *seen = sv_xcalloc(t->nmarks, sizeof *seen);
	for (size_t r = 0; r < count; r++) {
		bool found;
		long at = mark_find(t, t->ops->key(t->model, r), &found);
		if (found)
			seen[at] = true;
	}
	size_t w = 0;
	for (size_t i = 0; i < t->nmarks; i++) {
		if (seen[i])
			t->marks[w++] = t->marks[i];
		else
			free(t->marks[i]);
	}
	t->nmarks = w;
	free(seen);
}

size_t *table_targets(const struct table *t, size_t *n)
{
	size_t *v = sv_xcalloc(t->norder ? t->norder : 1, sizeof *v);
	*n = 0;
	for (size_t i = 0; i < t->norder && t->nmarks; i++)
		if (table_is_marked(t, t->ops->key(t->model, t->order[i])))
			v[(*n)++] = t->order[i];
	if (*n == 0 && table_selected(t, &v[0]))
		*n = 1;
	return v;
}

/* ----------------------------------------------------------------- filter */

static struct term_filter *filter_parse(const char *f, size_t *n)
{
	SV_AUTOSTRV char **words = sv_strv_split(f ? f : "", ' ', true);
	size_t count = sv_strv_len(words);
	struct term_filter *v = sv_xcalloc(count + 1, sizeof *v);
	*n = 0;
	for (size_t i = 0; i < count; i++) {
		const char *w = words[i];
		struct term_filter *tf = &v[*n];
		tf->neg = w[0] == '!';
		if (tf->neg)
			w++;
		if (!*w)
			continue;
		const char *colon = strchr(w, ':');
		if (colon && colon > w && colon[1]) {
			tf->field = sv_xstrndup(w, (size_t)(colon - w));
			tf->value = sv_xstrdup(colon + 1);
		} else {
			tf->value = sv_xstrdup(w);
		}
		(*n)++;
	}
	return v;
}

static void filter_free(struct term_filter *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].field);
		free(v[i].value);
	}
	free(v);
}

static void lower_into(char *dst, size_t len, const char *s)
{
	size_t n = 0;
	for (; *s && n + 1 < len; s++)
		dst[n++] = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
	dst[n] = '\0';
}

static void text_drop(struct table *t)
{
	for (size_t i = 0; i < t->ntext; i++)
		free(t->text[i]);
	free(t->text);
	t->text = NULL;
	t->ntext = 0;
}

/* Every row's cells, lowercased, joined by a separator no filter holds:
 * what the text filter searches while the model stays as it is. */
static void text_build(struct table *t, size_t count)
{
	text_drop(t);
	t->text = sv_xcalloc(count ? count : 1, sizeof *t->text);
	t->ntext = count;
	char line[2048], buf[256];
	for (size_t r = 0; r < count; r++) {
		size_t n = 0;
		for (int c = 0; c < t->ncols && n + 2 < sizeof line; c++) {
			const char *s = t->ops->cell(t->model, r, c, buf, sizeof buf);
			lower_into(line + n, sizeof line - n - 1, s ? s : "");
			n += strlen(line + n);
			line[n++] = '\x1f';
		}
		line[n] = '\0';
		t->text[r] = sv_xstrdup(line);
	}
}

static bool text_match(const struct table *t, size_t row, const char *needle)
{
	char low[256];
	if (t->text && row < t->ntext && strlen(needle) < sizeof low) {
		lower_into(low, sizeof low, needle);
		return strstr(t->text[row], low) != NULL;
	}
	char buf[256];
	for (int c = 0; c < t->ncols; c++) {
		const char *s = t->ops->cell(t->model, row, c, buf, sizeof buf);
		if (s && strcasestr(s, needle))
			return true;
	}
	return false;
}

static bool row_passes(const struct table *t, size_t row, const struct term_filter *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++) {
		int m = -1;
		if (f[i].field && t->ops->match)
			m = t->ops->match(t->model, row, f[i].field, f[i].value);
		if (m < 0) {
			if (f[i].field) {
				SV_AUTOFREE char *whole = sv_xasprintf("%s:%s", f[i].field, f[i].value);
				m = text_match(t, row, whole);
			} else {
				m = text_match(t, row, f[i].value);
			}
		}
		if ((m != 0) == f[i].neg)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------- sort */

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct table *t = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = 0;
	if (t->sort_col >= 0) {
		if (t->ops->compare) {
			c = t->ops->compare(t->model, a, b, t->sort_col);
		} else {
			char ba[256], bb[256];
			const char *sa = t->ops->cell(t->model, a, t->sort_col, ba, sizeof ba);
			const char *sb = t->ops->cell(t->model, b, t->sort_col, bb, sizeof bb);
			c = strverscmp(sa ? sa : "", sb ? sb : "");
		}
		if (t->sort_desc)
			c = -c;
	}
	if (c == 0) /* stable: model order breaks ties */
		c = a < b ? -1 : a > b ? 1 : 0;
	return c;
}

static void clamp_view(struct table *t)
{
	if (t->norder == 0) {
		t->cursor = t->top = 0;
		return;
	}
	if (t->cursor >= t->norder)
		t->cursor = t->norder - 1;
	size_t page = t->page > 0 ? (size_t)t->page : 1;
	if (t->cursor < t->top)
		t->top = t->cursor;
	if (t->cursor >= t->top + page)
		t->top = t->cursor - page + 1;
	if (t->top + page > t->norder)
		t->top = t->norder > page ? t->norder - page : 0;
}

static void remember_cursor(struct table *t)
{
	size_t row;
	free(t->cursor_key);
	t->cursor_key = table_selected(t, &row) ? sv_xstrdup(t->ops->key(t->model, row)) : NULL;
}

/* The cursor goes back to the row it was on (by key), wherever it is now. */
static void cursor_follow(struct table *t)
{
	if (t->cursor_key) {
		for (size_t i = 0; i < t->norder; i++)
			if (strcmp(t->ops->key(t->model, t->order[i]), t->cursor_key) == 0) {
				t->cursor = i;
				break;
			}
	}
	clamp_view(t);
	remember_cursor(t);
}

/* Filters and sorts again; the rows' text is built (once per model
 * change) when there is a filter to search it with. */
static void reload(struct table *t)
{
	size_t count = t->ops->count(t->model);
	size_t nf = 0;
	struct term_filter *f = filter_parse(t->filter, &nf);
	if (nf > 0 && (!t->text || t->ntext != count))
		text_build(t, count);
	t->order = sv_xrealloc(t->order, (count ? count : 1) * sizeof *t->order);
	t->norder = 0;
	for (size_t r = 0; r < count; r++)
		if (nf == 0 || row_passes(t, r, f, nf))
			t->order[t->norder++] = r;
	filter_free(f, nf);
	if (t->sort_col >= 0)
		qsort_r(t->order, t->norder, sizeof *t->order, cmp_rows, t);
	marks_prune(t, count);
	cursor_follow(t);
}

void table_reload(struct table *t)
{
	text_drop(t);
	reload(t);
}

/* Typing on at the end of a plain word (no "!", no "field:") only narrows
 * what the filter lets through: every row the new filter passes, the old
 * one passed. */
static bool filter_narrows(const char *old, const char *new)
{
	if (!old || !*old || !new)
		return false;
	size_t n = strlen(old);
	if (strncmp(old, new, n) != 0 || strchr(new + n, ' '))
		return false;
	const char *w = strrchr(new, ' ');
	w = w ? w + 1 : new;
	return *w != '!' && !strchr(w, ':');
}

void table_set_filter(struct table *t, const char *filter)
{
	bool narrow = filter_narrows(t->filter, filter);
	free(t->filter);
	t->filter = filter && *filter ? sv_xstrdup(filter) : NULL;
	if (!narrow) {
		reload(t);
		return;
	}
	/* Only the rows shown are tested again; their order stays sorted. */
	size_t nf = 0, kept = 0;
	struct term_filter *f = filter_parse(t->filter, &nf);
	for (size_t i = 0; i < t->norder; i++)
		if (row_passes(t, t->order[i], f, nf))
			t->order[kept++] = t->order[i];
	t->norder = kept;
	filter_free(f, nf);
	cursor_follow(t);
}

void table_sort(struct table *t, int col, bool desc)
{
	t->sort_col = col >= 0 && col < t->ncols ? col : -1;
	t->sort_desc = desc;
	reload(t);
}

void table_sort_step(struct table *t, int dir)
{
	int pos = -1;
	for (int i = 0; i < t->nshown; i++)
		if (t->shown[i] == t->sort_col)
			pos = i;
	pos += dir;
	if (pos < -1)
		pos = t->nshown - 1;
	if (pos >= t->nshown)
		pos = -1;
	table_sort(t, pos < 0 ? -1 : t->shown[pos], t->sort_desc);
}

void table_move(struct table *t, long delta)
{
	if (t->norder == 0)
		return;
	long c = (long)t->cursor + delta;
	if (c < 0)
		c = 0;
	if ((size_t)c >= t->norder)
		c = (long)t->norder - 1;
	t->cursor = (size_t)c;
	clamp_view(t);
	remember_cursor(t);
}

void table_move_to(struct table *t, size_t index)
{
	t->cursor = index;
	clamp_view(t);
	remember_cursor(t);
}

bool table_selected(const struct table *t, size_t *row)
{
	if (t->cursor >= t->norder)
		return false;
	*row = t->order[t->cursor];
	return true;
}

/* ------------------------------------------------------------------- draw */

/* Column widths for w columns of screen: minimums first, then fixed
 * columns up to their max, then the spare split among flexible ones.
 * Columns that do not fit even at their minimum are dropped (width 0). */
static void layout(struct table *t, int w)
{
	int avail = w - GUTTER, flex = 0;
	for (int i = 0; i < t->nshown; i++) {
		const struct table_col *col = &t->cols[t->shown[i]];
		int need = col->min + (i ? 1 : 0);
		t->widths[i] = avail >= need ? col->min : 0;
		avail -= t->widths[i] ? need : 0;
		if (avail < 0)
			avail = 0;
		if (t->widths[i] && !col->max)
			flex++;
	}
	for (int i = 0; i < t->nshown && avail > 0; i++) {
		const struct table_col *col = &t->cols[t->shown[i]];
		if (!t->widths[i] || !col->max || col->max <= col->min)
			continue;
		int add = col->max - col->min < avail ? col->max - col->min : avail;
		t->widths[i] += add;
		avail -= add;
	}
	for (int i = 0; i < t->nshown && avail > 0 && flex; i++) {
		if (!t->widths[i] || t->cols[t->shown[i]].max)
			continue;
		int add = avail / flex;
		t->widths[i] += add;
		avail -= add;
		flex--;
	}
}

static void draw_header(struct table *t, struct canvas *c, struct rect r)
{
	canvas_fill(c, rect_make(r.x, r.y, r.w, 1), ROLE_HEADER, ' ');
	int x = r.x + GUTTER;
	for (int i = 0; i < t->nshown; i++) {
		if (!t->widths[i])
			continue;
		int col = t->shown[i];
		bool sorted = col == t->sort_col;
		enum theme_role role = sorted ? ROLE_HEADER_SORTED : ROLE_HEADER;
		int w = t->widths[i] - (sorted ? 1 : 0);
		if (t->cols[col].right)
			canvas_field_right(c, x + (sorted ? 1 : 0), r.y, w, role, t->cols[col].title);
		else
			canvas_field(c, x, r.y, w, role, t->cols[col].title);
		if (sorted)
			canvas_glyph(c, t->cols[col].right ? x : x + w, r.y, role,
				     t->sort_desc ? GLYPH_DOWN : GLYPH_UP);
		x += t->widths[i] + 1;
	}
}

static void draw_row(struct table *t, struct canvas *c, struct rect r, int y, size_t i, bool focused)
{
	size_t row = t->order[i];
	bool marked = t->nmarks && table_is_marked(t, t->ops->key(t->model, row));
	bool cur = i == t->cursor && focused;
	enum theme_role base = cur && marked ? ROLE_MARKED_SELECTION
			       : cur	      ? ROLE_SELECTION
			       : marked	      ? ROLE_MARKED
					      : ROLE_DEFAULT;
	canvas_fill(c, rect_make(r.x, y, r.w, 1), base, ' ');
	if (marked)
		canvas_glyph(c, r.x, y, base, GLYPH_MARK);
	int x = r.x + GUTTER;
	for (int k = 0; k < t->nshown; k++) {
		if (!t->widths[k])
			continue;
		int col = t->shown[k];
		enum theme_role role = base;
		if (base == ROLE_DEFAULT && t->ops->role)
			role = t->ops->role(t->model, row, col);
		struct rect cr = rect_make(x, y, t->widths[k], 1);
		if (!t->ops->draw || !t->ops->draw(t->model, row, col, c, cr, role)) {
			char buf[256];
			const char *s = t->ops->cell(t->model, row, col, buf, sizeof buf);
			if (t->cols[col].right)
				canvas_field_right(c, x, y, t->widths[k], role, s ? s : "");
			else
				canvas_field(c, x, y, t->widths[k], role, s ? s : "");
		}
		x += t->widths[k] + 1;
	}
}

void table_draw(struct table *t, struct canvas *c, struct rect r, bool focused)
{
	if (r.w <= 0 || r.h <= 0)
		return;
	layout(t, r.w);
	draw_header(t, c, r);
	t->page = r.h - 1 > 0 ? r.h - 1 : 1;
	clamp_view(t);
	canvas_fill(c, rect_make(r.x, r.y + 1, r.w, r.h - 1), ROLE_DEFAULT, ' ');
	if (t->norder == 0 && r.h > 1) {
		const char *msg = t->filter ? "nothing matches the filter" : "nothing here yet";
		canvas_text(c, r.x + GUTTER, r.y + 1, r.w - GUTTER, ROLE_DIM, msg);
		return;
	}
	for (int y = 1; y < r.h && t->top + (size_t)(y - 1) < t->norder; y++)
		draw_row(t, c, r, r.y + y, t->top + (size_t)(y - 1), focused);
}

bool table_click(struct table *t, struct rect r, int x, int y)
{
	if (x < r.x || y < r.y || x >= r.x + r.w || y >= r.y + r.h)
		return false;
	if (y == r.y) {
		int cx = r.x + GUTTER;
		for (int i = 0; i < t->nshown; i++) {
			if (!t->widths[i])
				continue;
			if (x >= cx && x < cx + t->widths[i]) {
				int col = t->shown[i];
				table_sort(t, col, col == t->sort_col ? !t->sort_desc : false);
				return true;
			}
			cx += t->widths[i] + 1;
		}
		return false;
	}
	size_t i = t->top + (size_t)(y - r.y - 1);
	if (i >= t->norder)
		return false;
	table_move_to(t, i);
	return true;
}
