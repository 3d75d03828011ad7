/*
 * The whole application without a terminal (--headless, --iterations),
 * here under ASan and UBSan: the loop, the worker pool, the journal
 * watcher, every screen reachable without containers, the ':' line, the
 * help overlay, dialogs, filters and resizes down to tiny canvases. The
 * final frame is checked for what the keys should have left on it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/tui/app-internal.h"

int tui_main(const struct tui_opts *o);

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof tmp, "/tmp/servin-headless.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	char buf[256];
	snprintf(buf, sizeof buf, "%s/home", tmp);
	setenv("HOME", buf, 1);
	snprintf(buf, sizeof buf, "%s/config", tmp);
	setenv("XDG_CONFIG_HOME", buf, 1);
	snprintf(buf, sizeof buf, "%s/state", tmp);
	setenv("XDG_STATE_HOME", buf, 1);
	char *img = realpath("build/share/servin/busybox.oci.tar", NULL);
	if (img)
		setenv("SERVIN_DEFAULT_IMAGE", img, 1);
	free(img);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sv_err *err = NULL;
	sv_rm_rf(tmp, &err);
	sv_err_free(err);
	return 0;
}

/* Runs the app headless and returns the last frame (owned). */
static size_t fake; /* synthetic containers for the next run */

static char *run(int w, int h, long iterations, const char *keys, int *status)
{
	char root[128], runroot[128], out[128];
	snprintf(root, sizeof root, "%s/root", tmp);
	snprintf(runroot, sizeof runroot, "%s/run", tmp);
	snprintf(out, sizeof out, "%s/frame", tmp);
	struct tui_opts o = { .root = root, .runroot = runroot, .argv0 = "servin-desktop",
			      .headless_w = w, .headless_h = h, .iterations = iterations,
			      .keys = keys, .dump = true, .fake_containers = fake };
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	*status = tui_main(&o);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	struct sv_buf b;
	sv_buf_init(&b);
	sv_err *err = NULL;
	assert_int_equal(sv_read_file(out, 1 << 20, &b, &err), 0);
	return sv_buf_detach(&b, NULL);
}

static void test_tui_headless__images_and_command_line(void **state)
{
	(void)state;
	int status;
	char *frame = run(100, 30, 1, "2 : tag Space busybox Space headless:1 Enter", &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(frame, "REPOSITORY"));
	assert_non_null(strstr(frame, "headless"));
	free(frame);
	/* Filter, open the image, its tabs, back, help, a dialog cancelled. */
	frame = run(100, 30, 1,
		    "2 / headless Enter Enter Tab z Tab Esc Esc ? G q t Esc P Esc : images Enter 5",
		    &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(frame, "TYPE"));
	assert_non_null(strstr(frame, "headless:1"));
	free(frame);
}

static void test_tui_headless__tiny_and_quit(void **state)
{
	(void)state;
	int status;
	char *frame = run(1, 1, 2, "j k", &status);
	assert_int_equal(status, 0);
	assert_string_equal(frame, "t\n");
	free(frame);
	frame = run(30, 6, 1, "2", &status);
	assert_non_null(strstr(frame, "terminal too small"));
	free(frame);
	frame = run(80, 24, 50, "q", &status); /* q quits before 50 frames */
	assert_int_equal(status, 0);
	free(frame);
}

/* The dashboard over 10,000 (synthetic) containers: filter, sort by CPU,
 * reverse, mark, mark all, jump to the end, open one. */
static void test_tui_headless__dashboard_10000(void **state)
{
	(void)state;
	int status;
	fake = 10000;
	char *frame = run(140, 40, 1, "/ state:exited Enter > > > > o Space Space C-a G", &status);
	fake = 0;
	assert_int_equal(status, 0);
	assert_non_null(strstr(frame, "1429 of 10000 containers, 1429 marked"));
	assert_non_null(strstr(frame, "exited"));
	assert_null(strstr(frame, "running "));
	free(frame);
}

/* The row of the dashboard that names `name`, as a string (owned), or
 * NULL. */
static char *row_of(const char *frame, const char *name)
{
	const char *p = strstr(frame, name);
	if (!p)
		return NULL;
	while (p > frame && p[-1] != '\n')
		p--;
	return sv_xstrndup(p, strcspn(p, "\n"));
}

/* The fake containers carry tier=web (odd) or tier=db (even) labels; every
 * third runs alpine:3.19, the rest busybox:latest. */
static void test_tui_headless__filter_label_and_image(void **state)
{
	(void)state;
	static const struct {
		const char *keys, *want;
	} cases[] = {
		{ "/ label:tier=db Enter", "10 of 20 containers" },
		{ "/ label:tier=web Enter", "10 of 20 containers" },
		{ "/ label:tier Enter", "20 of 20 containers" },
		{ "/ label:tier=nope Enter", "0 of 20 containers" },
		{ "/ label:nope Enter", "0 of 20 containers" },
		{ "/ image:alpine Enter", "7 of 20 containers" },
		{ "/ image:busybox Enter", "13 of 20 containers" },
		{ "/ image:nope Enter", "0 of 20 containers" },
	};
	fake = 20;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int status;
		char *frame = run(120, 30, 1, cases[i].keys, &status);
		assert_int_equal(status, 0);
		if (!strstr(frame, cases[i].want))
			fail_msg("%s: no '%s' in\n%s", cases[i].keys, cases[i].want, frame);
		if (strncmp(cases[i].keys, "/ label:tier=db", 15) == 0) {
			assert_non_null(strstr(frame, "fake-00000"));
			assert_null(strstr(frame, "fake-00001"));
		}
		if (strncmp(cases[i].keys, "/ image:alpine", 14) == 0) {
			assert_non_null(strstr(frame, "fake-00003"));
			assert_null(strstr(frame, "busybox:latest"));
		}
		free(frame);
	}
	fake = 0;
}

/* The container keys, on the fake backend (which records the new state):
 * the row shows the result and the status bar says what was done. */
static void test_tui_headless__container_keys(void **state)
{
	(void)state;
	static const struct {
		const char *keys, *name, *state, *status;
	} cases[] = {
		{ "/ fake-00003 Enter s", "fake-00003", "running", "fake-00003 started" },
		{ "/ fake-00000 Enter x", "fake-00000", "exited", "fake-00000 stopped" },
		{ "/ fake-00003 Enter r", "fake-00003", "running", "fake-00003 restarted" },
		{ "/ fake-00000 Enter p", "fake-00000", "paused", "fake-00000 paused" },
		{ "/ fake-00000 Enter p p", "fake-00000", "running", "fake-00000 unpaused" },
		{ "/ fake-00000 Enter K", "fake-00000", "running", "Kill 1 container?" },
		{ "/ fake-00000 Enter K Tab Enter", "fake-00000", "exited", "fake-00000 killed" },
		{ "/ fake-00000 Enter D", "fake-00000", "running", "Remove 1 container?" },
		{ "/ fake-00000 Enter D Esc", "fake-00000", "running", NULL },
		{ "/ fake-00000 Enter D Tab Enter", "fake-00000", "removing", "fake-00000 removed" },
	};
	fake = 20;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int status;
		char *frame = run(120, 30, 1, cases[i].keys, &status);
		assert_int_equal(status, 0);
		char *row = row_of(frame, cases[i].name);
		if (!row || !strstr(row, cases[i].state) ||
		    (cases[i].status && !strstr(frame, cases[i].status)))
			fail_msg("%s: want %s %s, '%s' in\n%s", cases[i].keys, cases[i].name,
				 cases[i].state, cases[i].status ? cases[i].status : "", frame);
		free(row);
		free(frame);
	}
	fake = 0;
}

/* The ':' line completes container names: the app lists them (from the
 * backend, here the fake one) once the first screen is up. */
static void test_tui_headless__command_line_completes_containers(void **state)
{
	(void)state;
	int status;
	fake = 11; /* fake-00000 .. fake-00010: one name starts fake-0001 */
	char *frame = run(100, 16, 1, ": stop Space fake-0001 Tab", &status);
	fake = 0;
	assert_int_equal(status, 0);
	if (!strstr(frame, "\n:stop fake-00010"))
		fail_msg("no completed name in\n%s", frame);
	free(frame);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tui_headless__images_and_command_line),
		cmocka_unit_test(test_tui_headless__tiny_and_quit),
		cmocka_unit_test(test_tui_headless__dashboard_10000),
		cmocka_unit_test(test_tui_headless__filter_label_and_image),
		cmocka_unit_test(test_tui_headless__container_keys),
		cmocka_unit_test(test_tui_headless__command_line_completes_containers),
	};
	return cmocka_run_group_tests_name("tui_headless", tests, setup, teardown);
}
