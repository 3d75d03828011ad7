/*
 * The canvas: UTF-8 decoding, wide characters, clipping, and the ASCII
 * fallback that never produces a byte above 0x7F. The menu's clicks land
 * on the items where it drew them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/canvas.h"
#include "widgets/logpane.h"
#include "widgets/menu.h"
#include "widgets/spark.h"

static void test_tui_canvas__utf8_and_widths(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(utf8_decode("\xc3\xa9", &cp), 2);
	assert_int_equal(cp, 0xE9);
	assert_int_equal(utf8_decode("\xe2\x94\x80", &cp), 3);
	assert_int_equal(cp, 0x2500);
	assert_int_equal(utf8_decode("\xc0\xaf", &cp), 1); /* overlong */
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(utf8_decode("\xed\xa0\x80", &cp), 1); /* surrogate */
	assert_int_equal(utf8_decode("\xff", &cp), 1);
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width("日本"), 4);
	assert_int_equal(text_width("e\xcc\x81"), 1); /* combining accent */
}

static void test_tui_canvas__clips_and_blanks_split_wide(void **state)
{
	(void)state;
	struct canvas c;
	canvas_init(&c, 5, 2, false);
	assert_int_equal(canvas_text(&c, 3, 0, 10, ROLE_DEFAULT, "日本"), 2); /* second one does not fit */
	char *d = canvas_dump(&c);
	assert_string_equal(d, "   日\n\n");
	free(d);
	canvas_text(&c, 4, 0, 1, ROLE_DEFAULT, "x"); /* overwrites the right half */
	assert_int_equal(canvas_at(&c, 3, 0)->ch, ' ');
	canvas_text(&c, -2, 1, 10, ROLE_DEFAULT, "abcdefgh");
	d = canvas_dump(&c);
	assert_string_equal(d, "    x\ncdefg\n");
	free(d);
	canvas_field(&c, 0, 0, 5, ROLE_DEFAULT, "toolong");
	assert_int_equal(canvas_at(&c, 4, 0)->ch, 0x2026);
	canvas_box(&c, rect_make(-3, -3, 100, 100), ROLE_BORDER, "title"); /* clipped, no crash */
	canvas_resize(&c, 1, 1);
	canvas_text(&c, 0, 0, 80, ROLE_DEFAULT, "terminal too small");
	d = canvas_dump(&c);
	assert_string_equal(d, "t\n");
	free(d);
	canvas_release(&c);
}

static void test_tui_canvas__ascii_mode_is_7bit(void **state)
{
	(void)state;
	struct canvas c;
	canvas_init(&c, 40, 6, true);
	canvas_box(&c, rect_make(0, 0, 40, 6), ROLE_BORDER, "tïtle");
	canvas_text(&c, 1, 1, 38, ROLE_DEFAULT, "naïve café 日本 \x01\x7f");
	canvas_field(&c, 1, 2, 5, ROLE_DEFAULT, "truncated");
	double v[] = { 0, 10, 50, 100, -1, 75 };
	sparkline_draw(&c, rect_make(1, 3, 10, 1), v, 6, 100, ROLE_SPARK_CPU);
	gauge_draw(&c, rect_make(1, 4, 20, 1), 0.8, "80%");
	char *d = canvas_dump(&c);
	for (const unsigned char *p = (const unsigned char *)d; *p; p++)
		assert_true(*p < 0x80);
	assert_non_null(strstr(d, "+-"));
	free(d);
	canvas_release(&c);
}

static void test_tui_logpane__ring_counts_dropped_lines(void **state)
{
	(void)state;
	struct logpane lp;
	logpane_init(&lp, 100);
	for (int i = 0; i < 250; i++) {
		char line[32];
		int n = snprintf(line, sizeof line, "line %d", i);
		logpane_append(&lp, line, (size_t)n, 0, i % 2);
	}
	assert_int_equal(lp.n, 100);
	assert_int_equal(lp.dropped, 150);
	assert_string_equal(logpane_line(&lp, 0)->text, "line 150");
	struct canvas c;
	canvas_init(&c, 60, 10, false);
	logpane_draw(&lp, &c, rect_make(0, 0, 60, 10));
	char *d = canvas_dump(&c);
	assert_non_null(strstr(d, "150 earlier lines not kept"));
	assert_non_null(strstr(d, "line 249")); /* following: the newest is shown */
	free(d);
	assert_true(logpane_set_search(&lp, "LINE 17"));
	assert_int_equal(lp.match, 20); /* "line 170" */
	assert_true(logpane_search_next(&lp, 1));
	assert_int_equal(lp.match, 21);
	assert_true(logpane_search_next(&lp, -1));
	assert_true(logpane_search_next(&lp, -1));
	assert_int_equal(lp.match, 29); /* wrapped to "line 179" */
	assert_false(logpane_set_search(&lp, "absent"));
	canvas_release(&c);
	logpane_release(&lp);
}

/* A menu opened near the bottom-right corner is moved to fit; a click
 * on a drawn label picks that item, one on the frame nothing, one
 * outside closes. */
static void test_tui_menu__click_picks_the_item_drawn_there(void **state)
{
	(void)state;
	struct menu m;
	menu_init(&m, "web");
	menu_add(&m, "start", "s", 10);
	menu_add(&m, "stop", "x", 11);
	menu_add(&m, "pause / unpause", "p", 12);
	struct canvas c;
	canvas_init(&c, 40, 10, false);
	struct rect screen = rect_make(0, 0, 40, 10);
	menu_draw(&m, &c, screen, 35, 8); /* does not fit there: moved up and left */
	int found = 0;
	for (int y = 0; y < 10; y++)
		for (int x = 0; x < 40; x++)
			if (canvas_at(&c, x, y)->ch == 's' && canvas_at(&c, x + 1, y)->ch == 't' &&
			    canvas_at(&c, x + 2, y)->ch == 'o') {
				assert_int_equal(menu_click(&m, screen, 35, 8, x + 1, y), 11);
				assert_int_equal(m.cur, 1);
				assert_int_equal(menu_click(&m, screen, 35, 8, x, y + 1), 12);
				assert_int_equal(menu_click(&m, screen, 35, 8, x, y - 2), -2); /* the top border */
				assert_int_equal(menu_click(&m, screen, 35, 8, x - 3, y), -1);
				found++;
			}
	assert_int_equal(found, 1);
	assert_int_equal(menu_click(&m, screen, 35, 8, 0, 0), -1);
	canvas_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tui_canvas__utf8_and_widths),
		cmocka_unit_test(test_tui_canvas__clips_and_blanks_split_wide),
		cmocka_unit_test(test_tui_canvas__ascii_mode_is_7bit),
		cmocka_unit_test(test_tui_menu__click_picks_the_item_drawn_there),
		cmocka_unit_test(test_tui_logpane__ring_counts_dropped_lines),
	};
	return cmocka_run_group_tests_name("tui_canvas", tests, NULL, NULL);
}
