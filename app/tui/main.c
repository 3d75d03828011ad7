/*
 * servin-desktop — the terminal workstation. Until its issue lands this is
 * the stub screen the foundation allows: it opens the engine (seeding the
 * default image on first use) and says what is there.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/engine.h"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "runroot", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sv_engine_opts o = { .self_exe = argv[0] };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o.root = optarg; break;
		case 'R': o.runroot = optarg; break;
		case 'h':
			puts("Usage: servin-desktop [--root DIR] [--runroot DIR]");
			return 0;
		default: return 125;
		}
	}
	sv_log_set_sink(sv_log_fd_sink, (void *)(intptr_t)STDERR_FILENO, SV_LOG_WARN);
	sv_engine *e = NULL;
	sv_err *err = NULL;
	if (sv_engine_open(&o, &e, &err) < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		sv_err_free(err);
		return 1;
	}
	printf("servin-desktop: the terminal workstation is not built yet; state in %s\n",
	       sv_engine_root(e));
	sv_engine_free(e);
	return 0;
}
