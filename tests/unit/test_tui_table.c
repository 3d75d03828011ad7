/*
 * widgets/table at 10,000 rows: filtering, sorting, scrolling and marks,
 * with the table's invariants checked after every operation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/table.h"

#define N 10000

struct model {
	size_t n;
	char name[N][16];
	char state[N][8];
	int cpu[N];
	char key[N][12];
	size_t cell_calls;
};

enum { COL_NAME, COL_STATE, COL_CPU };
static const struct table_col cols[] = {
	{ "name", "NAME", 8, 0, false },
	{ "state", "STATE", 7, 8, false },
	{ "cpu", "CPU", 4, 5, true },
};

static size_t m_count(void *m)
{
	return ((struct model *)m)->n;
}

static const char *m_cell(void *m, size_t row, int col, char *buf, size_t len)
{
	struct model *md = m;
	md->cell_calls++;
	if (col == COL_NAME)
		return md->name[row];
	if (col == COL_STATE)
		return md->state[row];
	snprintf(buf, len, "%d", md->cpu[row]);
	return buf;
}

static int m_compare(void *m, size_t a, size_t b, int col)
{
	struct model *md = m;
	if (col == COL_CPU)
		return md->cpu[a] < md->cpu[b] ? -1 : md->cpu[a] > md->cpu[b];
	return strcmp(m_cell(m, a, col, NULL, 0), m_cell(m, b, col, NULL, 0));
}

static int m_match(void *m, size_t row, const char *field, const char *value)
{
	struct model *md = m;
	if (strcmp(field, "state") == 0)
		return strcmp(md->state[row], value) == 0;
	return -1;
}

static const char *m_key(void *m, size_t row)
{
	return ((struct model *)m)->key[row];
}

static const struct table_ops ops = {
	.count = m_count, .cell = m_cell, .compare = m_compare, .match = m_match, .key = m_key,
};

static struct model *model_new(void)
{
	struct model *m = calloc(1, sizeof *m);
	m->n = N;
	for (size_t i = 0; i < N; i++) {
		snprintf(m->name[i], sizeof m->name[i], "ct-%05zu", i);
		snprintf(m->state[i], sizeof m->state[i], "%s", i % 4 == 0 ? "exited" : "running");
		m->cpu[i] = (int)((i * 7919) % 1000);
		snprintf(m->key[i], sizeof m->key[i], "id%zu", i);
	}
	return m;
}

/* Every shown row passes the filter, appears once, the cursor and top are
 * in range and the marks are sorted and unique. */
static void assert_table_sane(const struct table *t, const struct model *m)
{
	assert_true(t->norder <= m->n);
	char *seen = calloc(m->n, 1);
	for (size_t i = 0; i < t->norder; i++) {
		assert_true(t->order[i] < m->n);
		assert_false(seen[t->order[i]]);
		seen[t->order[i]] = 1;
	}
	free(seen);
	if (t->norder) {
		assert_true(t->cursor < t->norder);
		assert_true(t->top <= t->cursor);
		assert_true(t->cursor < t->top + (size_t)(t->page > 0 ? t->page : 1));
	}
	for (size_t i = 1; i < t->nmarks; i++)
		assert_true(strcmp(t->marks[i - 1], t->marks[i]) < 0);
}

static void test_tui_table__filter_10000_rows(void **state)
{
	(void)state;
	struct model *m = model_new();
	struct table t;
	table_init(&t, cols, 3, &ops, m);
	table_reload(&t);
	assert_int_equal(t.norder, N);
	assert_table_sane(&t, m);
	table_set_filter(&t, "state:exited");
	assert_int_equal(t.norder, N / 4);
	assert_table_sane(&t, m);
	for (size_t i = 0; i < t.norder; i++)
		assert_string_equal(m->state[t.order[i]], "exited");
	table_set_filter(&t, "!state:exited ct-0009");
	assert_table_sane(&t, m);
	for (size_t i = 0; i < t.norder; i++) {
		assert_string_equal(m->state[t.order[i]], "running");
		assert_non_null(strstr(m->name[t.order[i]], "ct-0009"));
	}
	assert_int_equal(t.norder, 8); /* ct-00090..ct-00099 less the two exited (92, 96) */
	table_set_filter(&t, "no-such-thing");
	assert_int_equal(t.norder, 0);
	assert_table_sane(&t, m);
	table_set_filter(&t, NULL);
	assert_int_equal(t.norder, N);
	table_release(&t);
	free(m);
}

/* Typing a filter letter by letter: each step tests only the rows still
 * shown and gives what a fresh table gives; a step that is not a
 * narrowing ("!", "field:", a deletion) goes through every row again, in
 * the rows' text kept since the model last changed (no cell asked for);
 * a model change reads the cells once more. */
static void test_tui_table__filter_as_you_type_narrows(void **state)
{
	(void)state;
	struct model *m = model_new();
	struct table t, fresh;
	table_init(&t, cols, 3, &ops, m);
	table_init(&fresh, cols, 3, &ops, m);
	table_sort(&t, COL_CPU, true);
	table_sort(&fresh, COL_CPU, true);
	static const char *const steps[] = { "c", "ct", "ct-", "ct-0", "ct-00", "ct-001", "ct-0012",
					     "ct-0012 ", "ct-0012 r", "ct-0012 ru", "ct-0012 ru!",
					     "ct-0012 ru", "ct-001", "ct-001 state:exited", "ct-0" };
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		size_t before = t.norder;
		m->cell_calls = 0;
		table_set_filter(&t, steps[i]);
		size_t calls = m->cell_calls;
		table_set_filter(&fresh, steps[i]);
		assert_int_equal(t.norder, fresh.norder);
		assert_memory_equal(t.order, fresh.order, t.norder * sizeof *t.order);
		assert_table_sane(&t, m);
		if (i >= 1 && i <= 10 && i != 7) /* narrowing: each shown row's cells, per term */
			assert_true(calls <= before * 3 * 2);
		if (i == 11 || i == 12) /* a deletion widens: every row again, from their text */
			assert_int_equal(calls, 0);
	}
	assert_int_equal(t.norder, N);
	/* The model changed: its text is read again, once. */
	snprintf(m->name[5], sizeof m->name[5], "ZZ-new");
	m->cell_calls = 0;
	table_reload(&t);
	assert_int_equal(m->cell_calls, (size_t)N * 3);
	assert_int_equal(t.norder, N - 1);
	m->cell_calls = 0;
	table_set_filter(&t, "zz-N");
	assert_int_equal(m->cell_calls, 0);
	assert_int_equal(t.norder, 1);
	assert_string_equal(m->name[t.order[0]], "ZZ-new");
	table_release(&t);
	table_release(&fresh);
	free(m);
}

static void test_tui_table__sort_10000_rows(void **state)
{
	(void)state;
	struct model *m = model_new();
	struct table t;
	table_init(&t, cols, 3, &ops, m);
	table_sort(&t, COL_CPU, true);
	assert_table_sane(&t, m);
	for (size_t i = 1; i < t.norder; i++) {
		int a = m->cpu[t.order[i - 1]], b = m->cpu[t.order[i]];
		assert_true(a >= b);
		if (a == b) /* stable: model order breaks ties */
			assert_true(t.order[i - 1] < t.order[i]);
	}
	table_sort(&t, COL_NAME, false);
	for (size_t i = 1; i < t.norder; i++)
		assert_true(strcmp(m->name[t.order[i - 1]], m->name[t.order[i]]) < 0);
	table_sort_step(&t, 1);
	assert_int_equal(t.sort_col, COL_STATE);
	table_release(&t);
	free(m);
}

static void test_tui_table__scroll_and_draw_is_virtual(void **state)
{
	(void)state;
	struct model *m = model_new();
	struct table t;
	table_init(&t, cols, 3, &ops, m);
	table_reload(&t);
	struct canvas c;
	canvas_init(&c, 60, 20, false);
	table_draw(&t, &c, rect_make(0, 0, 60, 20), true);
	assert_int_equal(t.page, 19);
	table_move(&t, 5000);
	assert_int_equal(t.cursor, 5000);
	assert_table_sane(&t, m);
	m->cell_calls = 0;
	table_draw(&t, &c, rect_make(0, 0, 60, 20), true);
	assert_true(m->cell_calls <= 19 * 3); /* only the visible rows were asked for */
	char *dump = canvas_dump(&c);
	assert_non_null(strstr(dump, m->name[5000]));
	free(dump);
	table_move(&t, 100000);
	assert_int_equal(t.cursor, N - 1);
	assert_table_sane(&t, m);
	table_move(&t, -100000);
	assert_int_equal(t.cursor, 0);
	assert_int_equal(t.top, 0);
	canvas_release(&c);
	table_release(&t);
	free(m);
}

static void test_tui_table__cursor_and_marks_follow_keys(void **state)
{
	(void)state;
	struct model *m = model_new();
	struct table t;
	table_init(&t, cols, 3, &ops, m);
	table_reload(&t);
	table_move_to(&t, 1234);
	assert_true(table_toggle_mark(&t));
	assert_true(table_is_marked(&t, "id1234"));
	table_sort(&t, COL_CPU, false); /* the cursor stays on its row */
	size_t row;
	assert_true(table_selected(&t, &row));
	assert_int_equal(row, 1234);
	table_mark_all(&t);
	assert_int_equal(t.nmarks, N);
	assert_table_sane(&t, m);
	size_t n;
	size_t *targets = table_targets(&t, &n);
	assert_int_equal(n, N);
	free(targets);
	m->n = N / 2; /* rows went away: their marks go too */
	table_reload(&t);
	assert_int_equal(t.nmarks, N / 2);
	assert_table_sane(&t, m);
	table_mark_all(&t); /* all marked: clears */
	assert_int_equal(t.nmarks, 0);
	targets = table_targets(&t, &n);
	assert_int_equal(n, 1); /* nothing marked: the cursor's row */
	free(targets);
	table_release(&t);
	free(m);
}

static void test_tui_table__columns_from_settings(void **state)
{
	(void)state;
	struct model *m = model_new();
	struct table t;
	table_init(&t, cols, 3, &ops, m);
	char **good = sv_strv_split("cpu name", ' ', true);
	sv_err *err = NULL;
	assert_int_equal(table_set_columns(&t, good, &err), 0);
	assert_int_equal(t.nshown, 2);
	assert_int_equal(t.shown[0], COL_CPU);
	char **bad = sv_strv_split("name bogus", ' ', true);
	assert_int_equal(table_set_columns(&t, bad, &err), -1);
	assert_non_null(strstr(err->msg, "bogus"));
	assert_int_equal(t.nshown, 2); /* unchanged */
	sv_err_free(err);
	sv_strv_free(good);
	sv_strv_free(bad);
	table_release(&t);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tui_table__filter_10000_rows),
		cmocka_unit_test(test_tui_table__filter_as_you_type_narrows),
		cmocka_unit_test(test_tui_table__sort_10000_rows),
		cmocka_unit_test(test_tui_table__scroll_and_draw_is_virtual),
		cmocka_unit_test(test_tui_table__cursor_and_marks_follow_keys),
		cmocka_unit_test(test_tui_table__columns_from_settings),
	};
	return cmocka_run_group_tests_name("tui_table", tests, NULL, NULL);
}
