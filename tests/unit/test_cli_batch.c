/*
 * The batch script parser: words, quotes, comments, continuations, line
 * numbers, bounds, and the errors for what it refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/batch.h"
#include "app/cli/complete.h"

static void assert_words(char **argv, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	assert_int_equal(sv_strv_len(argv), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(argv[i], want[i]);
}

static void split_ok(const char *line, const char *const *want)
{
	char **argv = NULL;
	sv_err *err = NULL;
	assert_int_equal(cli_batch_split(line, &argv, &err), 0);
	assert_words(argv, want);
	sv_strv_free(argv);
}

static void test_cli_batch__split_words_and_quotes(void **state)
{
	(void)state;
	split_ok("images -q", (const char *[]){ "images", "-q", NULL });
	split_ok("  tag\tbusybox   'my img:1'  ", (const char *[]){ "tag", "busybox", "my img:1", NULL });
	split_ok("run \"a \\\"b\\\" \\$c \\\\\" d\\ e", (const char *[]){ "run", "a \"b\" $c \\", "d e", NULL });
	split_ok("x '' \"\" y", (const char *[]){ "x", "", "", "y", NULL });
	split_ok("echo a#b # a comment", (const char *[]){ "echo", "a#b", NULL });
	split_ok("# only a comment", (const char *[]){ NULL });
	split_ok("", (const char *[]){ NULL });
	split_ok("a'b'\"c\"d", (const char *[]){ "abcd", NULL });
	split_ok("images\r\n", (const char *[]){ "images", NULL });
	split_ok("'it''s'", (const char *[]){ "its", NULL });
	split_ok("\"\\n stays\"", (const char *[]){ "\\n stays", NULL });
}

static void test_cli_batch__split_incomplete_and_bad(void **state)
{
	(void)state;
	char **argv = NULL;
	sv_err *err = NULL;
	assert_int_equal(cli_batch_split("tag 'open", &argv, &err), 1);
	assert_int_equal(cli_batch_split("tag \"open", &argv, &err), 1);
	assert_int_equal(cli_batch_split("tag trailing\\", &argv, &err), 1);
	assert_null(argv);
	assert_int_equal(cli_batch_split("bell\a", &argv, &err), -1);
	assert_non_null(strstr(err->msg, "control character"));
	sv_err_free(err);
	err = NULL;
	/* Quotes spanning lines come back whole once complete. */
	assert_int_equal(cli_batch_split("echo 'a\nb'", &argv, &err), 0);
	assert_words(argv, (const char *[]){ "echo", "a\nb", NULL });
	sv_strv_free(argv);
}

static void test_cli_batch__script_lines_and_continuations(void **state)
{
	(void)state;
	const char *text = "# setup\n"
			   "images -q\n"
			   "\n"
			   "tag busybox \\\n"
			   "    mine:1   # same command\n"
			   "  inspect 'multi\n"
			   "line'\n"
			   "last";
	struct cli_batch b;
	sv_err *err = NULL;
	assert_int_equal(cli_batch_parse(text, strlen(text), "s.sv", &b, &err), 0);
	assert_int_equal(b.n, 4);
	assert_int_equal(b.cmds[0].line, 2);
	assert_words(b.cmds[0].argv, (const char *[]){ "images", "-q", NULL });
	assert_int_equal(b.cmds[1].line, 4);
	assert_words(b.cmds[1].argv, (const char *[]){ "tag", "busybox", "mine:1", NULL });
	assert_int_equal(b.cmds[2].line, 6);
	assert_words(b.cmds[2].argv, (const char *[]){ "inspect", "multi\nline", NULL });
	assert_int_equal(b.cmds[3].line, 8);
	cli_batch_release(&b);
}

static void script_fails(const char *text, size_t len, const char *want)
{
	struct cli_batch b;
	sv_err *err = NULL;
	assert_int_equal(cli_batch_parse(text, len, "s.sv", &b, &err), -1);
	assert_non_null(err);
	if (!strstr(err->msg, want))
		fail_msg("'%s' lacks '%s'", err->msg, want);
	assert_int_equal(b.n, 0);
	assert_null(b.cmds);
	sv_err_free(err);
}

static void test_cli_batch__script_errors_name_the_line(void **state)
{
	(void)state;
	script_fails("images\ntag 'x\n\n", 13, "s.sv:2: unterminated quote");
	script_fails("images\ninfo\\", 12, "s.sv:2: backslash at the end");
	script_fails("images\nin\0fo\n", 13, "s.sv:2: NUL byte");
	script_fails("a\nb\nc\x1b[31m\n", 11, "s.sv:3: control character");
	/* Bounds: a command over 64 KiB, more than 4096 words. */
	size_t big = CLI_BATCH_MAX_COMMAND + 10;
	char *s = malloc(big + 1);
	memset(s, 'a', big);
	s[big] = '\0';
	script_fails(s, big, "longer than 64 KiB");
	size_t nw = CLI_BATCH_MAX_WORDS + 5;
	char *w = malloc(nw * 2 + 1);
	for (size_t i = 0; i < nw; i++)
		w[2 * i] = 'x', w[2 * i + 1] = ' ';
	w[nw * 2] = '\0';
	script_fails(w, nw * 2, "too many words");
	free(s);
	free(w);
}

static void test_cli_batch__quote_round_trips(void **state)
{
	(void)state;
	static const char *const words[] = { "plain", "with space", "it's", "a\"b", "", "$HOME", "#x" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		char *q = cli_batch_quote(words[i]);
		char **argv = NULL;
		sv_err *err = NULL;
		assert_int_equal(cli_batch_split(q, &argv, &err), 0);
		assert_words(argv, (const char *[]){ words[i], NULL });
		sv_strv_free(argv);
		free(q);
	}
}

static char **names(const char *kind, void *arg)
{
	(void)arg;
	char **v = NULL;
	if (strcmp(kind, "image") == 0) {
		sv_strv_push(&v, "busybox:latest");
		sv_strv_push(&v, "alpine:3");
	}
	return v;
}

static void test_cli_complete__commands_options_names(void **state)
{
	(void)state;
	size_t ws;
	char **v = cli_complete("ima", 3, &ws, names, NULL);
	assert_int_equal(ws, 0);
	assert_true(sv_strv_contains(v, "images") && sv_strv_contains(v, "image"));
	sv_strv_free(v);
	v = cli_complete("image ins", 9, &ws, names, NULL);
	assert_int_equal(ws, 6);
	assert_words(v, (const char *[]){ "inspect", NULL });
	sv_strv_free(v);
	v = cli_complete("images --fo", 11, &ws, names, NULL);
	assert_words(v, (const char *[]){ "--format", NULL });
	sv_strv_free(v);
	v = cli_complete("rmi bu", 6, &ws, names, NULL);
	assert_words(v, (const char *[]){ "busybox:latest", NULL });
	sv_strv_free(v);
	v = cli_complete("tag 'bu", 7, &ws, names, NULL); /* inside a quote: no guesses */
	assert_int_equal(sv_strv_len(v), 0);
	sv_strv_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_batch__split_words_and_quotes),
		cmocka_unit_test(test_cli_batch__split_incomplete_and_bad),
		cmocka_unit_test(test_cli_batch__script_lines_and_continuations),
		cmocka_unit_test(test_cli_batch__script_errors_name_the_line),
		cmocka_unit_test(test_cli_batch__quote_round_trips),
		cmocka_unit_test(test_cli_complete__commands_options_names),
	};
	return cmocka_run_group_tests_name("cli_batch", tests, NULL, NULL);
}
