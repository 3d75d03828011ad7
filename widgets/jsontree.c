/*
 * The JSON tree flattens the document into lines, skipping the children
 * of folded containers; folding rebuilds the lines (documents here are
 * small: an inspect object).
 */
#include "widgets/jsontree.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsontree_init(struct jsontree *t)
{
	memset(t, 0, sizeof *t);
}

static void lines_free(struct jsontree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->lines[i].path);
	free(t->lines);
	t->lines = NULL;
	t->n = 0;
}

void jsontree_release(struct jsontree *t)
{
	lines_free(t);
	sv_strv_free(t->folded);
	memset(t, 0, sizeof *t);
}

static void push_line(struct jsontree *t, const cJSON *node, int depth, bool closing, const char *path)
{
	t->lines = sv_xrealloc(t->lines, (t->n + 1) * sizeof *t->lines);
	t->lines[t->n++] = (struct jline){ node, depth, closing, sv_xstrdup(path) };
}

static bool is_container(const cJSON *j)
{
	return (cJSON_IsObject(j) || cJSON_IsArray(j)) && j->child;
}

static void flatten(struct jsontree *t, const cJSON *node, int depth, const char *path)
{
	push_line(t, node, depth, false, path);
	if (!is_container(node) || sv_strv_contains(t->folded, path))
		return;
	int i = 0;
	for (const cJSON *c = node->child; c; c = c->next, i++) {
		SV_AUTOFREE char *p = c->string ? sv_xasprintf("%s/%s", path, c->string)
						: sv_xasprintf("%s/%d", path, i);
		flatten(t, c, depth + 1, p);
	}
	push_line(t, node, depth, true, path);
}

static void rebuild(struct jsontree *t)
{
	lines_free(t);
	if (t->root)
		flatten(t, t->root, 0, "");
	if (t->cursor >= t->n)
		t->cursor = t->n ? t->n - 1 : 0;
}

void jsontree_set(struct jsontree *t, const cJSON *root)
{
	t->root = root;
	rebuild(t);
}

void jsontree_move(struct jsontree *t, long delta)
{
	long c = (long)t->cursor + delta;
	if (c >= (long)t->n)
		c = (long)t->n - 1;
	if (c < 0)
		c = 0;
	t->cursor = (size_t)c;
}

void jsontree_toggle(struct jsontree *t)
{
	if (t->cursor >= t->n || !is_container(t->lines[t->cursor].node))
		return;
	const char *path = t->lines[t->cursor].path;
	if (sv_strv_contains(t->folded, path)) {
		char **keep = sv_xcalloc(1, sizeof *keep);
		for (size_t i = 0; t->folded[i]; i++)
			if (strcmp(t->folded[i], path) != 0)
				sv_strv_push(&keep, t->folded[i]);
		sv_strv_free(t->folded);
		t->folded = keep;
	} else {
		sv_strv_push(&t->folded, path);
	}
	SV_AUTOFREE char *at = sv_xstrdup(path);
	rebuild(t);
	for (size_t i = 0; i < t->n; i++) /* stay on the same container */
		if (!t->lines[i].closing && strcmp(t->lines[i].path, at) == 0) {
			t->cursor = i;
			break;
		}
}

void jsontree_toggle_all(struct jsontree *t)
{
	if (t->folded) {
		sv_strv_free(t->folded);
		t->folded = NULL;
	} else {
		for (size_t i = 0; i < t->n; i++)
			if (t->lines[i].depth == 1 && !t->lines[i].closing && is_container(t->lines[i].node))
				sv_strv_push(&t->folded, t->lines[i].path);
	}
	rebuild(t);
}

static int draw_scalar(struct canvas *c, int x, int y, int w, const cJSON *n, enum theme_role base)
{
	if (cJSON_IsString(n)) {
		cJSON *tmp = cJSON_CreateString(n->valuestring);
		SV_AUTOFREE char *s = sv_json_print(tmp);
		cJSON_Delete(tmp);
		return canvas_text(c, x, y, w, base == ROLE_DEFAULT ? ROLE_JSON_STRING : base, s);
	}
	SV_AUTOFREE char *s = sv_json_print(n);
	enum theme_role r = cJSON_IsNumber(n) ? ROLE_JSON_NUMBER : ROLE_JSON_LITERAL;
	return canvas_text(c, x, y, w, base == ROLE_DEFAULT ? r : base, s ? s : "?");
}

static void draw_line(struct jsontree *t, struct canvas *c, struct rect r, int y, size_t i)
{
	const struct jline *l = &t->lines[i];
	enum theme_role base = i == t->cursor ? ROLE_SELECTION : ROLE_DEFAULT;
	canvas_fill(c, rect_make(r.x, y, r.w, 1), base, ' ');
	int x = r.x + l->depth * 2, end = r.x + r.w;
	bool obj = cJSON_IsObject(l->node);
	if (l->closing) {
		canvas_text(c, x, y, end - x, base, obj ? "}" : "]");
		return;
	}
	if (l->node->string && l->depth > 0) {
		x += canvas_printf(c, x, y, end - x, base == ROLE_DEFAULT ? ROLE_JSON_KEY : base, "%s",
				   l->node->string);
		x += canvas_text(c, x, y, end - x, base, ": ");
	}
	if (!is_container(l->node)) {
		if (cJSON_IsObject(l->node) || cJSON_IsArray(l->node))
			canvas_text(c, x, y, end - x, base, obj ? "{}" : "[]");
		else
			draw_scalar(c, x, y, end - x, l->node, base);
		return;
	}
	if (sv_strv_contains(t->folded, l->path)) {
		int n = cJSON_GetArraySize(l->node);
		canvas_printf(c, x, y, end - x, base == ROLE_DEFAULT ? ROLE_DIM : base, "%s %d %s %s",
			      obj ? "{" : "[", n, obj ? (n == 1 ? "key" : "keys") : (n == 1 ? "item" : "items"),
			      obj ? "}" : "]");
		return;
	}
	canvas_text(c, x, y, end - x, base, obj ? "{" : "[");
}

void jsontree_draw(struct jsontree *t, struct canvas *c, struct rect r)
{
	canvas_fill(c, r, ROLE_DEFAULT, ' ');
	t->page = r.h > 0 ? r.h : 1;
	if (t->cursor < t->top)
		t->top = t->cursor;
	if (t->cursor >= t->top + (size_t)t->page)
		t->top = t->cursor - (size_t)t->page + 1;
	for (int y = 0; y < r.h && t->top + (size_t)y < t->n; y++)
		draw_line(t, c, r, r.y + y, t->top + (size_t)y);
}
