/*
 * servin-desktop — the terminal workstation. Parses the options and runs
 * either the full-screen app (app/tui/app.c) or a batch script over the
 * CLI's command table (--batch).
 */
#include <getopt.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli/batch.h"
#include "app/tui/app-internal.h"

int tui_main(const struct tui_opts *o);

static void usage(FILE *out)
{
	fputs("Usage: servin-desktop [OPTIONS]\n\n"
	      "The servin terminal workstation.\n\n"
	      "Options:\n"
	      "      --root DIR        state directory (default /var/lib/servin, $SERVIN_ROOT)\n"
	      "      --runroot DIR     runtime directory (default /run/servin, $SERVIN_RUNROOT)\n"
	      "      --config FILE     settings (default ~/.config/servin/desktop.json)\n"
	      "      --theme NAME      dark, light, high-contrast, monochrome, or a theme file\n"
	      "      --ascii           draw with ASCII only (automatic when the locale is not UTF-8)\n"
	      "      --no-color        no colours (also NO_COLOR=1)\n"
	      "      --no-mouse        start with the mouse off\n"
	      "      --batch FILE|-    run a script of servin commands and exit\n"
	      "      --keep-going      --batch: run every command even after a failure\n"
	      "      --json            --batch: one JSON result per command\n"
	      "      --iterations N    draw N settled frames, then exit (tests)\n"
	      "      --headless WxH    no terminal: draw into memory (tests; with --dump)\n"
	      "      --keys KEYS       headless: key names to press, one per frame\n"
	      "      --dump            headless: print the last frame\n"
	      "  -h, --help            this help\n",
	      out);
}

static int run_batch(const struct tui_opts *o, const char *file, bool keep, bool json)
{
	struct cli_ctx ctx = {
		.root = o->root,
		.runroot = o->runroot,
		.argv0 = o->argv0,
		.out = stdout,
		.err = stderr,
		.log_level = SV_LOG_WARN,
	};
	sv_log_set_sink(sv_log_fd_sink, (void *)(intptr_t)STDERR_FILENO, SV_LOG_WARN);
	struct cli_batch_opts bo = { .keep_going = keep, .json = json };
	int rc = cli_batch_file(&ctx, file, &bo);
	cli_ctx_release(&ctx);
	return rc;
}

static bool parse_size(const char *s, int *w, int *h)
{
	char x;
	return sscanf(s, "%d%c%d", w, &x, h) == 3 && (x == 'x' || x == 'X') && *w > 0 && *h > 0 &&
	       *w <= 1000 && *h <= 1000;
}

enum { O_ROOT = 256, O_RUNROOT, O_CONFIG, O_THEME, O_ASCII, O_NOCOLOR, O_NOMOUSE, O_BATCH,
       O_KEEP, O_JSON, O_ITER, O_HEADLESS, O_KEYS, O_DUMP, O_FAKE };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, O_ROOT },
		{ "runroot", required_argument, NULL, O_RUNROOT },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "theme", required_argument, NULL, O_THEME },
		{ "ascii", no_argument, NULL, O_ASCII },
		{ "no-color", no_argument, NULL, O_NOCOLOR },
		{ "no-mouse", no_argument, NULL, O_NOMOUSE },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "keep-going", no_argument, NULL, O_KEEP },
		{ "json", no_argument, NULL, O_JSON },
		{ "iterations", required_argument, NULL, O_ITER },
		{ "headless", required_argument, NULL, O_HEADLESS },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "dump", no_argument, NULL, O_DUMP },
		{ "fake-containers", required_argument, NULL, O_FAKE }, /* tests only */
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	setlocale(LC_ALL, "");
	struct tui_opts o = { .argv0 = argv[0] };
	const char *batch = NULL;
	bool keep = false, json = false;
	int c;
	int64_t n;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_ROOT: o.root = optarg; break;
		case O_RUNROOT: o.runroot = optarg; break;
		case O_CONFIG: o.config_path = optarg; break;
		case O_THEME: o.theme = optarg; break;
		case O_ASCII: o.ascii = true; break;
		case O_NOCOLOR: o.no_color = true; break;
		case O_NOMOUSE: o.no_mouse = true; break;
		case O_BATCH: batch = optarg; break;
		case O_KEEP: keep = true; break;
		case O_JSON: json = true; break;
		case O_DUMP: o.dump = true; break;
		case O_KEYS: o.keys = optarg; break;
		case O_ITER:
			if (!sv_str_to_i64(optarg, 1, 1000000, &n)) {
				fprintf(stderr, "servin-desktop: --iterations wants a number from 1\n");
				return 125;
			}
			o.iterations = (long)n;
			break;
		case O_HEADLESS:
			if (!parse_size(optarg, &o.headless_w, &o.headless_h)) {
				fprintf(stderr, "servin-desktop: --headless wants WIDTHxHEIGHT\n");
				return 125;
			}
			break;
		case O_FAKE:
			if (!sv_str_to_i64(optarg, 0, 100000, &n)) {
				fprintf(stderr, "servin-desktop: --fake-containers wants 0-100000\n");
				return 125;
			}
			o.fake_containers = (size_t)n;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 125;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "servin-desktop: unexpected argument '%s'\n", argv[optind]);
		return 125;
	}
	if (batch)
		return run_batch(&o, batch, keep, json);
	if (o.headless_w && !o.iterations)
		o.iterations = 1;
	return tui_main(&o);
}
