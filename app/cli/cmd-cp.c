/*
 * cp: files between a container and the host, Docker's rules:
 *   SRC a file:  DEST missing → created; a file → overwritten; a
 *                directory → DEST/basename(SRC).
 *   SRC a dir:   DEST missing → created with SRC's content; a directory →
 *                DEST/basename(SRC), or its content for "SRC/.".
 *   "-" as DEST writes the tar stream to stdout; as SRC reads one.
 * Both directions go through a tar stream; the side that receives it
 * extracts it with the layer extractor's guards (nothing lands outside
 * the destination, whatever the archive or the container holds).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

enum { CP_ARCHIVE, CP_FOLLOW, CP_QUIET };
static const struct cli_opt cp_opts[] = {
	[CP_ARCHIVE] = { "archive", 'a', CLI_NOARG, NULL, "Archive mode (copy all uid/gid information)" },
	[CP_FOLLOW] = { "follow-link", 'L', CLI_NOARG, NULL, "Always follow symbol link in SRC_PATH" },
	[CP_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Suppress progress output during copy" },
	{ 0 },
};

static int cp_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_cp = {
	.name = "cp",
	.aliases = "container cp",
	.usage = "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tservin cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
	.summary = "Copy files/folders between a container and the local filesystem",
	.opts = cp_opts,
	.exec = cp_exec,
};

/* "name:path" → container and path; NULL container for a host path. */
static void split_arg(const char *arg, char **ctr, const char **path)
{
	const char *colon = strchr(arg, ':');
	*ctr = NULL;
	*path = arg;
	/* A path starting with / or . is a host path even with a colon in it. */
	if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg)
		return;
	*ctr = sv_xstrndup(arg, (size_t)(colon - arg));
	*path = colon + 1;
}

static bool ends_with_dot(const char *p)
{
	size_t n = strlen(p);
	return (n >= 2 && strcmp(p + n - 2, "/.") == 0) || strcmp(p, ".") == 0;
}

static char *base_name(const char *p)
{
	SV_AUTOFREE char *c = sv_xstrdup(p);
	size_t n = strlen(c);
	while (n > 1 && c[n - 1] == '/')
		c[--n] = '\0';
	const char *s = strrchr(c, '/');
	return sv_xstrdup(s ? s + 1 : c);
}

static char *dir_name(const char *p)
{
	SV_AUTOFREE char *c = sv_xstrdup(p);
	size_t n = strlen(c);
	while (n > 1 && c[n - 1] == '/')
		c[--n] = '\0';
	char *s = strrchr(c, '/');
	if (!s)
		return sv_xstrdup(".");
	if (s == c)
		return sv_xstrdup("/");
	*s = '\0';
	return sv_xstrdup(c);
}

/* Where to extract and under which top name, given what DEST is. */
static int plan_dest(struct cli_ctx *ctx, bool src_dir, const char *src, bool dest_exists, bool dest_dir,
		     const char *dest, char **dir, char **as_name)
{
	if (dest_exists && dest_dir) {
		*dir = sv_xstrdup(dest);
		*as_name = src_dir && ends_with_dot(src) ? sv_xstrdup(".") : NULL;
		return 0;
	}
	if (dest_exists && src_dir)
		return cli_failf(ctx, 1, "cannot copy a directory to a file: %s", dest);
	if (!dest_exists && dest[strlen(dest) - 1] == '/' && !src_dir)
		return cli_failf(ctx, 1, "destination directory %s must exist", dest);
	*dir = dir_name(dest);
	*as_name = base_name(dest);
	return 0;
}

static int from_container(struct cli_ctx *ctx, const char *ctr, const char *src, const char *dest)
{
	SV_AUTOERR sv_err *err = NULL;
	sv_engine *e = cli_engine(ctx);
	if (strcmp(dest, "-") == 0) {
		fflush(ctx->out);
		if (sv_engine_container_archive_get(e, ctr, src, NULL, STDOUT_FILENO, NULL, &err) < 0)
			return cli_fail(ctx, 1, err);
		return 0;
	}
	SV_AUTOJSON cJSON *st = sv_engine_container_stat_path(e, ctr, src, &err);
	if (!st)
		return cli_fail(ctx, 1, err);
	bool src_dir = (sv_json_i64(st, "mode", 0) & (1LL << 31)) != 0;
	struct stat ds;
	bool exists = stat(dest, &ds) == 0;
	SV_AUTOFREE char *dir = NULL, *as_name = NULL;
	if (plan_dest(ctx, src_dir, src, exists, exists && S_ISDIR(ds.st_mode), dest, &dir, &as_name))
		return 1;
	/* The tar goes through a temporary file: the extractor reads a
	 * stream while archive_get writes one, in a single thread. */
	char tmpl[] = "/tmp/servin-cp-XXXXXX";
	SV_AUTOCLOSE int tfd = mkostemp(tmpl, O_CLOEXEC);
	if (tfd < 0)
		return cli_failf(ctx, 1, "temporary file: %s", strerror(errno));
	unlink(tmpl);
	if (sv_engine_container_archive_get(e, ctr, src, as_name, tfd, NULL, &err) < 0 || lseek(tfd, 0, SEEK_SET) < 0 ||
	    sv_engine_untar_host(tfd, dir, &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}

/* Writes the tar of a host path into a pipe from a child process and
 * extracts it into the container as it comes. */
static int to_container(struct cli_ctx *ctx, const char *src, const char *ctr, const char *dest, bool archive)
{
	SV_AUTOERR sv_err *err = NULL;
	sv_engine *e = cli_engine(ctx);
	if (strcmp(src, "-") == 0) {
		if (sv_engine_container_archive_put(e, ctr, dest, STDIN_FILENO, &err) < 0)
			return cli_fail(ctx, 1, err);
		return 0;
	}
	struct stat ss;
	if (lstat(src, &ss) < 0)
		return cli_failf(ctx, 1, "could not find the file %s: %s", src, strerror(errno));
	SV_AUTOJSON cJSON *st = sv_engine_container_stat_path(e, ctr, dest, &err);
	bool exists = st != NULL;
	if (!st && sv_err_code(&err) != ENOENT)
		return cli_fail(ctx, 1, err);
	sv_err_clear(&err);
	bool dest_dir = exists && (sv_json_i64(st, "mode", 0) & (1LL << 31)) != 0;
	SV_AUTOFREE char *dir = NULL, *as_name = NULL;
	if (plan_dest(ctx, S_ISDIR(ss.st_mode), src, exists, dest_dir, dest, &dir, &as_name))
		return 1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cli_failf(ctx, 1, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		SV_AUTOERR sv_err *e2 = NULL;
		_exit(sv_engine_tar_path(src, as_name, archive, p[1], &e2) < 0 ? 1 : 0);
	}
	close(p[1]);
	int rc = sv_engine_container_archive_put(e, ctr, dir, p[0], &err);
	close(p[0]);
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0)
		return cli_fail(ctx, 1, err);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cli_failf(ctx, 1, "could not read %s", src);
	return 0;
}

static int cp_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool archive = false;
	int o;
	cli_parse_init(&p, &cli_cmd_cp, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		if (o == CP_ARCHIVE)
			archive = true;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_cp, argc - first, 2, 2))
		return 1;
	SV_AUTOFREE char *sc = NULL, *dc = NULL;
	const char *sp, *dp;
	split_arg(argv[first], &sc, &sp);
	split_arg(argv[first + 1], &dc, &dp);
	if (sc && dc)
		return cli_failf(ctx, 1, "copying between containers is not supported");
	if (!sc && !dc)
		return cli_failf(ctx, 1, "must specify at least one container source");
	if (!*sp || !*dp)
		return cli_failf(ctx, 1, "path cannot be empty");
	return sc ? from_container(ctx, sc, sp, dp) : to_container(ctx, sp, dc, dp, archive);
}
