/*
 * Registry commands: pull, push, login, logout, search. Output follows
 * Docker's (progress per layer, "Digest:", "Status:", the full name last).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "format.h"
#include "progress.h"

/* "busybox" has no tag: Docker says it uses "latest". */
static bool names_tag(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	const char *last = slash ? slash + 1 : ref;
	return strchr(last, ':') || strchr(ref, '@');
}

/* ---------------------------------------------------------------- pull */

/* --creds USER[:PASSWORD] (podman's): for this call only; without the
 * password it is asked for on a terminal. */
struct creds {
	char *user, *password;
};

static char *prompt(struct cli_ctx *ctx, const char *what, bool secret);

static int parse_creds(struct cli_ctx *ctx, const char *arg, struct creds *c)
{
	const char *colon = strchr(arg, ':');
	c->user = colon ? sv_xstrndup(arg, (size_t)(colon - arg)) : sv_xstrdup(arg);
	if (colon)
		c->password = sv_xstrdup(colon + 1);
	else if (isatty(STDIN_FILENO))
		c->password = prompt(ctx, "Password", true);
	if (!*c->user || !c->password || !*c->password) {
		fprintf(ctx->err, "invalid --creds: want USER:PASSWORD\n");
		return -1;
	}
	return 0;
}

static void creds_release(struct creds *c)
{
	free(c->user);
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->password);
}

enum { PULL_ALL_TAGS, PULL_CREDS, PULL_PLATFORM, PULL_QUIET, PULL_TRUST };
static const struct cli_opt pull_opts[] = {
	[PULL_ALL_TAGS] = { "all-tags", 'a', CLI_NOARG, NULL, "Download all tagged images in the repository" },
	[PULL_CREDS] = { "creds", 0, CLI_ARG, "user:password", "Credentials for this pull (instead of a stored login)" },
	[PULL_PLATFORM] = { "platform", 0, CLI_ARG, "string", "Set platform if server is multi-platform capable" },
	[PULL_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Suppress verbose output" },
	[PULL_TRUST] = { "disable-content-trust", 0, CLI_OPTARG, "bool", "Skip image verification (always)" },
	{ 0 },
};

static int pull_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_pull = {
	.name = "pull",
	.aliases = "image pull",
	.usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
	.summary = "Download an image from a registry",
	.opts = pull_opts,
	.exec = pull_exec,
};

static int pull_one(struct cli_ctx *ctx, const char *ref, const char *platform, const struct creds *cr, bool quiet)
{
	SV_AUTOERR sv_err *err = NULL;
	struct cli_progress *pr = cli_progress_new(ctx->out, isatty(fileno(ctx->out)), quiet);
	if (!quiet && !names_tag(ref))
		fprintf(ctx->out, "Using default tag: latest\n");
	struct sv_pull_opts o = { .platform = platform, .progress = cli_progress_cb, .progress_arg = pr,
				  .username = cr->user, .password = cr->password };
	struct sv_pull_result res;
	int rc = sv_engine_image_pull(cli_engine(ctx), ref, &o, &res, &err);
	cli_progress_free(pr);
	if (rc < 0)
		return cli_fail(ctx, 1, err);
	if (!quiet) {
		fprintf(ctx->out, "Digest: %s\n", res.digest);
		fprintf(ctx->out, "Status: %s for %s\n", res.up_to_date ? "Image is up to date" : "Downloaded newer image",
			res.familiar);
	}
	fprintf(ctx->out, "%s\n", res.name);
	sv_pull_result_release(&res);
	return 0;
}

static int pull_all_tags(struct cli_ctx *ctx, const char *name, const char *platform, const struct creds *cr,
			 bool quiet)
{
	if (names_tag(name))
		return cli_failf(ctx, 1, "tag can't be used with --all-tags/-a");
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **tags = NULL;
	if (sv_engine_image_tags(cli_engine(ctx), name, &tags, &err) < 0)
		return cli_fail(ctx, 1, err);
	if (!tags[0])
		return cli_failf(ctx, 1, "%s: the repository has no tags", name);
	for (size_t i = 0; tags[i]; i++) {
		SV_AUTOFREE char *ref = sv_xasprintf("%s:%s", name, tags[i]);
		if (pull_one(ctx, ref, platform, cr, quiet) != 0)
			return 1;
	}
	return 0;
}

static int pull_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool all = false, quiet = false;
	const char *platform = NULL, *creds = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_pull, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == PULL_ALL_TAGS)
			all = true;
		else if (o == PULL_CREDS)
			creds = p.arg;
		else if (o == PULL_PLATFORM)
			platform = p.arg;
		else if (o == PULL_QUIET)
			quiet = true;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_pull, argc - first, 1, 1))
		return 1;
	if (!cli_engine(ctx))
		return 1;
	struct creds cr = { 0 };
	if (creds && parse_creds(ctx, creds, &cr) < 0) {
		creds_release(&cr);
		return 1;
	}
	int rc = all ? pull_all_tags(ctx, argv[first], platform, &cr, quiet)
		     : pull_one(ctx, argv[first], platform, &cr, quiet);
	creds_release(&cr);
	return rc;
}

/* ---------------------------------------------------------------- push */

enum { PUSH_CREDS, PUSH_QUIET, PUSH_TRUST };
static const struct cli_opt push_opts[] = {
	[PUSH_CREDS] = { "creds", 0, CLI_ARG, "user:password", "Credentials for this push (instead of a stored login)" },
	[PUSH_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Suppress verbose output" },
	[PUSH_TRUST] = { "disable-content-trust", 0, CLI_OPTARG, "bool", "Skip image signing (always)" },
	{ 0 },
};

static int push_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_push = {
	.name = "push",
	.aliases = "image push",
	.usage = "[OPTIONS] NAME[:TAG]",
	.summary = "Upload an image to a registry",
	.opts = push_opts,
	.exec = push_exec,
};

static int push_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool quiet = false;
	const char *creds = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_push, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == PUSH_QUIET)
			quiet = true;
		else if (o == PUSH_CREDS)
			creds = p.arg;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_push, argc - first, 1, 1))
		return 1;
	const char *ref = argv[first];
	struct creds cr = { 0 };
	if (creds && parse_creds(ctx, creds, &cr) < 0) {
		creds_release(&cr);
		return 1;
	}
	if (!quiet) {
		SV_AUTOFREE char *repo = sv_xstrndup(ref, strcspn(ref, "@"));
		const char *slash = strrchr(repo, '/');
		char *colon = strrchr(slash ? slash : repo, ':');
		if (colon)
			*colon = '\0';
		fprintf(ctx->out, "The push refers to repository [%s]\n", repo);
		fflush(ctx->out);
	}
	struct cli_progress *pr = cli_progress_new(ctx->out, isatty(fileno(ctx->out)), quiet);
	struct sv_push_opts po = { .progress = cli_progress_cb, .progress_arg = pr, .username = cr.user,
				   .password = cr.password };
	struct sv_push_result res;
	SV_AUTOERR sv_err *err = NULL;
	int rc = sv_engine_image_push(cli_engine(ctx), ref, &po, &res, &err);
	cli_progress_free(pr);
	creds_release(&cr);
	if (rc < 0)
		return cli_fail(ctx, 1, err);
	if (quiet)
		fprintf(ctx->out, "%s\n", ref);
	else
		fprintf(ctx->out, "%s: digest: %s size: %lld\n", res.tag ? res.tag : res.digest, res.digest,
			(long long)res.size);
	sv_push_result_release(&res);
	return 0;
}

/* ---------------------------------------------------------------- login */

enum { LOGIN_USER, LOGIN_PASSWORD, LOGIN_STDIN };
static const struct cli_opt login_opts[] = {
	[LOGIN_USER] = { "username", 'u', CLI_ARG, "string", "Username" },
	[LOGIN_PASSWORD] = { "password", 'p', CLI_ARG, "string", "Password" },
	[LOGIN_STDIN] = { "password-stdin", 0, CLI_NOARG, NULL, "Take the password from stdin" },
	{ 0 },
};

static int login_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_login = {
	.name = "login",
	.usage = "[OPTIONS] [SERVER]",
	.summary = "Log in to a registry",
	.opts = login_opts,
	.exec = login_exec,
};

/* One line from fd, without its newline; NULL at EOF. */
static char *read_line(int fd)
{
	struct sv_buf b;
	sv_buf_init(&b);
	char c;
	ssize_t n;
	while ((n = read(fd, &c, 1)) == 1 && c != '\n')
		sv_buf_addc(&b, c);
	if (n <= 0 && b.len == 0) {
		sv_buf_release(&b);
		return NULL;
	}
	if (b.len && b.data[b.len - 1] == '\r')
		sv_buf_truncate(&b, b.len - 1);
	return sv_buf_detach(&b, NULL);
}

static char *prompt(struct cli_ctx *ctx, const char *what, bool secret)
{
	fprintf(ctx->out, "%s: ", what);
	fflush(ctx->out);
	struct termios old, quiet;
	bool echo_off = secret && tcgetattr(STDIN_FILENO, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *line = read_line(STDIN_FILENO);
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', ctx->out);
	}
	return line;
}

static int login_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *user = NULL, *password = NULL;
	bool from_stdin = false;
	int o;
	cli_parse_init(&p, &cli_cmd_login, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == LOGIN_USER)
			user = p.arg;
		else if (o == LOGIN_PASSWORD)
			password = p.arg;
		else
			from_stdin = true;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_login, argc - first, 0, 1))
		return 1;
	if (password && from_stdin)
		return cli_failf(ctx, 1, "--password and --password-stdin are mutually exclusive");
	if (from_stdin && !user)
		return cli_failf(ctx, 1, "Must provide --username with --password-stdin");
	if (password)
		fprintf(ctx->err, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
	SV_AUTOFREE char *user_buf = NULL;
	SV_AUTOFREE char *pass_buf = NULL;
	if (!user && isatty(STDIN_FILENO))
		user = user_buf = prompt(ctx, "Username", false);
	if (from_stdin)
		password = pass_buf = read_line(STDIN_FILENO);
	else if (!password && isatty(STDIN_FILENO))
		password = pass_buf = prompt(ctx, "Password", true);
	if (!user || !*user)
		return cli_failf(ctx, 1, "Username is required (use -u, or run on a terminal)");
	if (!password || !*password)
		return cli_failf(ctx, 1, "Password is required (use --password-stdin, or run on a terminal)");
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOFREE char *host = NULL;
	int rc = sv_engine_login(cli_engine(ctx), first < argc ? argv[first] : NULL, user, password, &host, &err);
	if (pass_buf)
		memset(pass_buf, 0, strlen(pass_buf));
	if (rc < 0)
		return cli_fail(ctx, 1, err);
	fprintf(ctx->out, "Login Succeeded\n");
	return 0;
}

/* ---------------------------------------------------------------- logout */

static int logout_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_logout = {
	.name = "logout",
	.usage = "[SERVER]",
	.summary = "Log out from a registry",
	.exec = logout_exec,
};

static int logout_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	int o;
	cli_parse_init(&p, &cli_cmd_logout, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_logout, argc - first, 0, 1))
		return 1;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOFREE char *host = NULL;
	if (sv_engine_logout(cli_engine(ctx), first < argc ? argv[first] : NULL, &host, &err) < 0) {
		if (err->code == ENOENT) {
			fprintf(ctx->out, "Not logged in to %s\n", host ? host : "the registry");
			return 0;
		}
		return cli_fail(ctx, 1, err);
	}
	fprintf(ctx->out, "Removing login credentials for %s\n", host ? host : "the registry");
	return 0;
}

/* ---------------------------------------------------------------- search */

enum { SEARCH_FILTER, SEARCH_FORMAT, SEARCH_LIMIT, SEARCH_NOTRUNC };
static const struct cli_opt search_opts[] = {
	[SEARCH_FILTER] = { "filter", 'f', CLI_ARG, "filter", "Filter output based on conditions provided" },
	[SEARCH_FORMAT] = { "format", 0, CLI_ARG, "string", "Pretty-print search using a Go template" },
	[SEARCH_LIMIT] = { "limit", 0, CLI_ARG, "int", "Max number of search results (default 25)" },
	[SEARCH_NOTRUNC] = { "no-trunc", 0, CLI_NOARG, NULL, "Don't truncate output" },
	{ 0 },
};

static const struct cli_header search_headers[] = {
	{ "Name", "NAME" }, { "Description", "DESCRIPTION" }, { "StarCount", "STARS" },
	{ "IsOfficial", "OFFICIAL" }, { "IsAutomated", "AUTOMATED" }, { NULL, NULL },
};

static int search_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_search = {
	.name = "search",
	.usage = "[OPTIONS] TERM",
	.summary = "Search a registry for images",
	.opts = search_opts,
	.exec = search_exec,
};

struct search_filter {
	int64_t min_stars;
	int official, automated; /* -1: any */
};

static bool parse_search_filter(const char *f, struct search_filter *sf)
{
	bool b;
	if (sv_str_has_prefix(f, "stars="))
		return sv_str_to_i64(f + 6, 0, INT64_MAX, &sf->min_stars);
	if (sv_str_has_prefix(f, "is-official=") && cli_parse_bool(f + 12, &b))
		return sf->official = b, true;
	if (sv_str_has_prefix(f, "is-automated=") && cli_parse_bool(f + 13, &b))
		return sf->automated = b, true;
	return false;
}

static bool hit_passes(const struct sv_search_hit *h, const struct search_filter *sf)
{
	return h->stars >= sf->min_stars && (sf->official < 0 || h->official == sf->official) &&
	       (sf->automated < 0 || h->automated == sf->automated);
}

static cJSON *hit_row(const struct sv_search_hit *h, bool notrunc)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Name", h->name);
	char desc[48];
	if (!notrunc && strlen(h->description) > 45)
		snprintf(desc, sizeof desc, "%.42s...", h->description);
	cJSON_AddStringToObject(o, "Description", !notrunc && strlen(h->description) > 45 ? desc : h->description);
	cJSON_AddNumberToObject(o, "StarCount", (double)h->stars);
	cJSON_AddStringToObject(o, "IsOfficial", h->official ? "[OK]" : "");
	cJSON_AddStringToObject(o, "IsAutomated", h->automated ? "[OK]" : "");
	return o;
}

static int search_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *format = NULL;
	int64_t limit = 25;
	bool notrunc = false;
	struct search_filter sf = { 0, -1, -1 };
	int o;
	cli_parse_init(&p, &cli_cmd_search, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == SEARCH_FORMAT) {
			format = p.arg;
		} else if (o == SEARCH_NOTRUNC) {
			notrunc = true;
		} else if (o == SEARCH_LIMIT && !sv_str_to_i64(p.arg, 1, 100, &limit)) {
			fprintf(ctx->err, "invalid --limit '%s': want 1 to 100\n", p.arg);
			o = -2;
			break;
		} else if (o == SEARCH_FILTER && !parse_search_filter(p.arg, &sf)) {
			fprintf(ctx->err, "invalid filter '%s'\n", p.arg);
			o = -2;
			break;
		}
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_search, argc - first, 1, 1))
		return 1;
	SV_AUTOERR sv_err *err = NULL;
	struct cli_fmt *f = cli_fmt_new(format, "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}\t{{.IsAutomated}}",
					search_headers, &err);
	if (!f)
		return cli_fail(ctx, 1, err);
	struct sv_search_hit *hits = NULL;
	size_t n = 0;
	if (sv_engine_image_search(cli_engine(ctx), argv[first], (int)limit, &hits, &n, &err) < 0) {
		cli_fmt_free(f);
		return cli_fail(ctx, 1, err);
	}
	for (size_t i = 0; i < n; i++) {
		if (!hit_passes(&hits[i], &sf))
			continue;
		cJSON *row = hit_row(&hits[i], notrunc);
		cli_fmt_row(f, row);
		cJSON_Delete(row);
	}
	cli_fmt_flush(f, ctx->out);
	cli_fmt_free(f);
	sv_search_hits_free(hits, n);
	return 0;
}
