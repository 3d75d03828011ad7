/*
 * Themes, keymap and desktop.json: the built-ins load, a malformed file
 * gives a clear error and the defaults, a bad member costs only itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/tui/config.h"
#include "app/tui/keymap.h"
#include "themes/theme.h"

static void test_tui_theme__builtins_load(void **state)
{
	(void)state;
	for (size_t i = 0; theme_builtin_names[i]; i++) {
		struct theme t;
		sv_err *err = NULL;
		assert_int_equal(theme_load(theme_builtin_names[i], &t, &err), 0);
		assert_null(err);
		assert_string_equal(t.name, theme_builtin_names[i]);
	}
	struct theme t;
	sv_err *err = NULL;
	assert_int_equal(theme_load("monochrome", &t, &err), 0);
	assert_true(t.mono);
	assert_int_equal(t.style[ROLE_SELECTION].mono_attrs, THEME_REVERSE);
	assert_int_equal(theme_load("light", &t, &err), 0);
	assert_int_equal(t.style[ROLE_SELECTION].bg, 31);		/* its own */
	assert_int_equal(t.style[ROLE_DEFAULT].fg, THEME_COLOR_DEFAULT); /* inherited */
}

static void assert_default_theme(const struct theme *t)
{
	struct theme d;
	theme_default(&d);
	assert_memory_equal(t->style, d.style, sizeof d.style);
}

static void test_tui_theme__malformed_gives_error_and_default(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{ \"roles\": { \"selection\": { \"fg\": 999 } } }", "colour" },
		{ "{ \"roles\": { \"no.such.role\": {} } }", "unknown role \"no.such.role\"" },
		{ "{ \"roles\": { \"selection\": { \"attrs\": [\"blink\"] } } }", "unknown attribute" },
		{ "{ \"roles\": { \"selection\": { \"fgg\": 1 } } }", "unknown member \"fgg\"" },
		{ "{ \"inherit\": \"nope\" }", "inherits unknown theme" },
		{ "[1, 2]", "must be a JSON object" },
		{ "{ \"roles\": ", "malformed JSON" },
		{ "{ \"colors\": 3 }", "\"colors\" must be true or false" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct theme t;
		memset(&t, 0x5a, sizeof t);
		sv_err *err = NULL;
		assert_int_equal(theme_parse(cases[i].text, strlen(cases[i].text), "mine.json", &t, 0, &err), -1);
		assert_non_null(err);
		assert_non_null(strstr(err->msg, "mine.json"));
		if (!strstr(err->msg, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err->msg, cases[i].want);
		assert_default_theme(&t);
		sv_err_free(err);
	}
	struct theme t;
	sv_err *err = NULL;
	assert_int_equal(theme_load("/nonexistent/theme.json", &t, &err), -1);
	assert_non_null(strstr(err->msg, "/nonexistent/theme.json"));
	assert_default_theme(&t);
	sv_err_free(err);
}

static void test_tui_theme__colours_degrade(void **state)
{
	(void)state;
	int16_t c;
	assert_true(theme_parse_color("bright-blue", &c));
	assert_int_equal(c, 12);
	assert_true(theme_parse_color("#ff0000", &c));
	assert_int_equal(c, 196);
	assert_false(theme_parse_color("#ff00", &c));
	assert_false(theme_parse_color("256", &c));
	bool bold;
	assert_int_equal(theme_color_degrade(196, 16, &bold), 9);
	assert_false(bold);
	assert_int_equal(theme_color_degrade(196, 8, &bold), 1);
	assert_true(bold);
	assert_int_equal(theme_color_degrade(231, 8, &bold), 7);
	assert_int_equal(theme_color_degrade(4, 8, &bold), 4);
	assert_false(bold);
	assert_int_equal(theme_color_degrade(THEME_COLOR_DEFAULT, 8, &bold), THEME_COLOR_DEFAULT);
}

static void test_tui_keymap__names_round_trip(void **state)
{
	(void)state;
	static const char *const names[] = { "a", "Z", "C-a", "Enter", "Esc", "Tab", "S-Tab", "PgDn",
					     "F5", "Space", "Delete", "/", "?", "é" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		tui_key k = keymap_key_from_name(names[i]);
		assert_int_not_equal(k, KEYC_NONE);
		char buf[16];
		assert_string_equal(keymap_key_name(k, buf, sizeof buf), names[i]);
	}
	assert_int_equal(keymap_key_from_name("C-"), KEYC_NONE);
	assert_int_equal(keymap_key_from_name("F13"), KEYC_NONE);
	assert_int_equal(keymap_key_from_name("ab"), KEYC_NONE);
	assert_int_equal(keymap_key_from_name(""), KEYC_NONE);
	assert_int_equal(keymap_key_from_name("\xff"), KEYC_NONE);
}

static void test_tui_keymap__scopes_and_lookup(void **state)
{
	(void)state;
	struct keymap km;
	keymap_defaults(&km);
	static const char *const ct[] = { "containers", "list", "global", NULL };
	static const char *const img[] = { "images", "list", "global", NULL };
	assert_int_equal(keymap_lookup(&km, ct, 'x'), ACT_STOP);
	assert_int_equal(keymap_lookup(&km, ct, 'j'), ACT_DOWN);
	assert_int_equal(keymap_lookup(&km, ct, KEYC_DOWN), ACT_DOWN);
	assert_int_equal(keymap_lookup(&km, ct, 'q'), ACT_QUIT);
	assert_int_equal(keymap_lookup(&km, img, 'r'), ACT_IMG_RUN);
	assert_int_equal(keymap_lookup(&km, ct, 'r'), ACT_RESTART);
	assert_int_equal(keymap_lookup(&km, img, 'x'), ACT_NONE);
	/* Every action has at least one default key and a name that maps back. */
	for (int a = 1; a < ACT_COUNT; a++) {
		assert_int_not_equal(km.keys[a][0], 0);
		assert_int_equal(keymap_action_from_name(keymap_action_name((enum tui_action)a)), a);
	}
}

static void test_tui_config__defaults_without_file(void **state)
{
	(void)state;
	struct tui_config c;
	tui_config_init(&c);
	sv_err *err = NULL;
	assert_int_equal(tui_config_load(&c, "/nonexistent/desktop.json", &err), -1);
	assert_non_null(strstr(err->msg, "using the default settings"));
	sv_err_free(err);
	assert_string_equal(c.theme, "dark");
	assert_true(c.mouse);
	tui_config_release(&c);
	setenv("XDG_CONFIG_HOME", "/nonexistent-xdg", 1);
	tui_config_init(&c);
	err = NULL;
	assert_int_equal(tui_config_load(&c, NULL, &err), 0); /* no file at the default path: fine */
	assert_null(err);
	tui_config_release(&c);
}

static void test_tui_config__malformed_gives_error_and_defaults(void **state)
{
	(void)state;
	const char *text = "{ \"theme\": \"light\", \"keys\": { \"containers.stop\": [\"C-s\"] } ";
	struct tui_config c;
	tui_config_init(&c);
	sv_err *err = NULL;
	assert_int_equal(tui_config_parse(&c, text, strlen(text), "desktop.json", &err), -1);
	assert_non_null(strstr(err->msg, "desktop.json: malformed JSON"));
	assert_non_null(strstr(err->msg, "default"));
	assert_string_equal(c.theme, "dark");
	struct keymap def;
	keymap_defaults(&def);
	assert_memory_equal(&c.keys, &def, sizeof def);
	sv_err_free(err);
	tui_config_release(&c);
}

static void test_tui_config__bad_members_cost_only_themselves(void **state)
{
	(void)state;
	const char *text = "{ \"theme\": \"light\", \"refresh\": 0.01, \"mouse\": \"yes\", \"colour\": 1,"
			   "  \"columns\": { \"containers\": [\"name\", \"cpu\"], \"images\": 7 },"
			   "  \"keys\": { \"containers.stop\": [\"C-s\", \"x\"], \"bogus.act\": \"q\","
			   "            \"global.quit\": \"NoSuchKey\", \"list.down\": \"n\" } }";
	struct tui_config c;
	tui_config_init(&c);
	sv_err *err = NULL;
	assert_int_equal(tui_config_parse(&c, text, strlen(text), "desktop.json", &err), -1);
	static const char *const wants[] = { "refresh", "mouse", "unknown setting \"colour\"",
					     "columns.images", "unknown action \"bogus.act\"",
					     "unknown key \"NoSuchKey\"" };
	for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++)
		if (!strstr(err->msg, wants[i]))
			fail_msg("'%s' lacks '%s'", err->msg, wants[i]);
	sv_err_free(err);
	assert_string_equal(c.theme, "light");	/* good members apply */
	assert_true(c.refresh == 1.0);		/* bad ones keep their defaults */
	assert_true(c.mouse);
	assert_string_equal(c.containers_columns[1], "cpu");
	assert_null(c.images_columns);
	assert_int_equal(c.keys.keys[ACT_STOP][0], KEYC_CTRL('s'));
	assert_int_equal(c.keys.keys[ACT_STOP][1], 'x');
	assert_int_equal(c.keys.keys[ACT_DOWN][0], 'n');
	assert_int_equal(c.keys.keys[ACT_QUIT][0], 'q'); /* the bad binding left the default */
	tui_config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tui_theme__builtins_load),
		cmocka_unit_test(test_tui_theme__malformed_gives_error_and_default),
		cmocka_unit_test(test_tui_theme__colours_degrade),
		cmocka_unit_test(test_tui_keymap__names_round_trip),
		cmocka_unit_test(test_tui_keymap__scopes_and_lookup),
		cmocka_unit_test(test_tui_config__defaults_without_file),
		cmocka_unit_test(test_tui_config__malformed_gives_error_and_defaults),
		cmocka_unit_test(test_tui_config__bad_members_cost_only_themselves),
	};
	return cmocka_run_group_tests_name("tui_settings", tests, NULL, NULL);
}
