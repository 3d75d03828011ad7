/*
 * servin — the command-line entry point. Parses the global options
 * (--root, --runroot, --config, --log-level), installs the stderr log sink
 * and hands the rest to the command table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *out)
{
	fputs("\nUsage:  servin [OPTIONS] COMMAND\n\n"
	      "A daemonless, Docker-compatible container runtime\n\n"
	      "Global options:\n"
	      "      --root string        state directory (default /var/lib/servin, $SERVIN_ROOT)\n"
	      "      --runroot string     runtime directory (default /run/servin, $SERVIN_RUNROOT)\n"
	      "      --config string      registries configuration file\n"
	      "  -l, --log-level string   error, warn, info or debug (default \"warn\")\n"
	      "  -v, --version            print version information and quit\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; cli_cmds[i]; i++) {
		const struct cli_cmd *c = cli_cmds[i];
		if (!(c->flags & CLI_CMD_HIDDEN))
			fprintf(out, "  %-18s %s\n", c->name, c->summary ? c->summary : "");
	}
	fputs("\nRun 'servin COMMAND --help' for more information on a command.\n", out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "runroot", required_argument, NULL, 'R' },
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "debug", no_argument, NULL, 'D' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ctx ctx = {
		.root = getenv("SERVIN_ROOT"),
		.runroot = getenv("SERVIN_RUNROOT"),
		.config = getenv("SERVIN_CONFIG"),
		.argv0 = argv[0],
		.out = stdout,
		.err = stderr,
		.interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO),
		.log_level = SV_LOG_WARN,
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+l:Dvh", opts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'r': ctx.root = optarg; break;
		case 'R': ctx.runroot = optarg; break;
		case 'c': ctx.config = optarg; break;
		case 'l': ctx.log_level = sv_log_level_parse(optarg, &ok); break;
		case 'D': ctx.log_level = SV_LOG_DEBUG; break;
		case 'v': {
			char *v[] = { (char *)(uintptr_t)"version", NULL };
			return cli_dispatch(&ctx, 1, v);
		}
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "unknown flag: %s\nSee 'servin --help'.\n", argv[optind - 1]);
			return 125;
		}
		if (!ok) {
			fprintf(stderr, "Error: invalid log level '%s'\n", optarg);
			return 125;
		}
	}
	if (optind >= argc) {
		usage(stdout);
		return 0;
	}
	sv_log_set_sink(sv_log_fd_sink, (void *)(intptr_t)STDERR_FILENO, ctx.log_level);
	int rc = cli_dispatch(&ctx, argc - optind, argv + optind);
	cli_ctx_release(&ctx);
	return rc;
}
