/*
 * Image archives: load, save, import.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ---------------------------------------------------------------- load */

enum { LOAD_INPUT, LOAD_QUIET };
static const struct cli_opt load_opts[] = {
	[LOAD_INPUT] = { "input", 'i', CLI_ARG, "string", "Read from tar archive file, instead of STDIN" },
	[LOAD_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Suppress the load output" },
	{ 0 },
};

static int load_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_load = {
	.name = "load",
	.aliases = "image load",
	.usage = "[OPTIONS]",
	.summary = "Load an image from a tar archive or STDIN",
	.opts = load_opts,
	.exec = load_exec,
};

static int load_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *input = NULL;
	bool quiet = false;
	int o;
	cli_parse_init(&p, &cli_cmd_load, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == LOAD_INPUT)
			input = p.arg;
		else
			quiet = true;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_load, argc - first, 0, 0))
		return 1;
	SV_AUTOCLOSE int fd = -1;
	if (input && strcmp(input, "-") != 0) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cli_failf(ctx, 1, "open %s: %s", input, strerror(errno));
	} else if (isatty(STDIN_FILENO)) {
		return cli_failf(ctx, 1, "requested load from stdin, but stdin is empty");
	}
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **loaded = NULL;
	if (sv_engine_image_load(cli_engine(ctx), fd >= 0 ? fd : STDIN_FILENO, NULL, NULL, &loaded, &err) < 0)
		return cli_fail(ctx, 1, err);
	for (size_t i = 0; !quiet && loaded[i]; i++) {
		if (sv_str_has_prefix(loaded[i], "sha256:"))
			fprintf(ctx->out, "Loaded image ID: %s\n", loaded[i]);
		else
			fprintf(ctx->out, "Loaded image: %s\n", loaded[i]);
	}
	return 0;
}

/* ---------------------------------------------------------------- save */

enum { SAVE_OUTPUT, SAVE_FORMAT };
static const struct cli_opt save_opts[] = {
	[SAVE_OUTPUT] = { "output", 'o', CLI_ARG, "string", "Write to a file, instead of STDOUT" },
	[SAVE_FORMAT] = { "format", 0, CLI_ARG, "string", "Archive format: docker (default) or oci" },
	{ 0 },
};

static int save_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_save = {
	.name = "save",
	.aliases = "image save",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
	.opts = save_opts,
	.exec = save_exec,
};

/* -o writes a temporary beside the target and renames it: a failed save
 * never leaves a truncated archive under the name asked for. */
static int save_to_file(struct cli_ctx *ctx, char *const *names, enum sv_archive_format f, const char *path)
{
	SV_AUTOFREE char *tmp = sv_xasprintf("%s.servin-tmp-%ld", path, (long)getpid());
	SV_AUTOCLOSE int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return cli_failf(ctx, 1, "create %s: %s", path, strerror(errno));
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_image_save(cli_engine(ctx), names, f, fd, &err) < 0) {
		unlink(tmp);
		return cli_fail(ctx, 1, err);
	}
	if (fsync(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return cli_failf(ctx, 1, "write %s: %s", path, strerror(e));
	}
	return 0;
}

static int save_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *output = NULL;
	enum sv_archive_format format = SV_ARCHIVE_DOCKER;
	int o;
	cli_parse_init(&p, &cli_cmd_save, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == SAVE_OUTPUT) {
			output = p.arg;
		} else if (!strcmp(p.arg, "oci") || !strcmp(p.arg, "oci-archive")) {
			format = SV_ARCHIVE_OCI;
		} else if (strcmp(p.arg, "docker") && strcmp(p.arg, "docker-archive")) {
			fprintf(ctx->err, "invalid --format '%s': want docker or oci\n", p.arg);
			o = -2;
			break;
		}
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_save, argc - first, 1, -1))
		return 1;
	if (output && strcmp(output, "-") != 0)
		return save_to_file(ctx, argv + first, format, output);
	if (isatty(STDOUT_FILENO))
		return cli_failf(ctx, 1, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
	fflush(ctx->out);
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_image_save(cli_engine(ctx), argv + first, format, STDOUT_FILENO, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}

/* ---------------------------------------------------------------- import */

enum { IMP_CHANGE, IMP_MESSAGE, IMP_PLATFORM };
static const struct cli_opt import_opts[] = {
	[IMP_CHANGE] = { "change", 'c', CLI_ARG, "list", "Apply Dockerfile instruction to the created image" },
	[IMP_MESSAGE] = { "message", 'm', CLI_ARG, "string", "Set commit message for imported image" },
	[IMP_PLATFORM] = { "platform", 0, CLI_ARG, "string", "Set platform if server is multi-platform capable" },
	{ 0 },
};

static int import_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_import = {
	.name = "import",
	.aliases = "image import",
	.usage = "[OPTIONS] file|- [REPOSITORY[:TAG]]",
	.summary = "Import the contents from a tarball to create a filesystem image",
	.opts = import_opts,
	.exec = import_exec,
};

static int import_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	SV_AUTOSTRV char **changes = NULL;
	struct sv_import_opts io = { 0 };
	int o;
	cli_parse_init(&p, &cli_cmd_import, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == IMP_CHANGE)
			sv_strv_push(&changes, p.arg);
		else if (o == IMP_MESSAGE)
			io.message = p.arg;
		else
			io.platform = p.arg;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_import, argc - first, 1, 2))
		return 1;
	const char *src = argv[first];
	io.reference = argc - first == 2 ? argv[first + 1] : NULL;
	io.changes = changes;
	if (strstr(src, "://"))
		return cli_failf(ctx, 1, "import from a URL is not supported: download %s first", src);
	SV_AUTOCLOSE int fd = strcmp(src, "-") ? open(src, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0)
		return cli_failf(ctx, 1, "open %s: %s", src, strerror(errno));
	SV_AUTOERR sv_err *err = NULL;
	char id[SV_DIGEST_STR_LEN];
	if (sv_engine_image_import(cli_engine(ctx), fd, &io, id, &err) < 0)
		return cli_fail(ctx, 1, err);
	fprintf(ctx->out, "%s\n", id);
	return 0;
}
