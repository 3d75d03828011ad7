/*
 * Local image commands: images (image ls), image inspect, history, tag,
 * rmi (image rm), image prune.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

/* ---------------------------------------------------------------- images */

enum { IMG_ALL, IMG_DIGESTS, IMG_FILTER, IMG_FORMAT, IMG_NOTRUNC, IMG_QUIET };
static const struct cli_opt images_opts[] = {
	[IMG_ALL] = { "all", 'a', CLI_NOARG, NULL, "Show all images (default hides intermediate images)" },
	[IMG_DIGESTS] = { "digests", 0, CLI_NOARG, NULL, "Show digests" },
	[IMG_FILTER] = { "filter", 'f', CLI_ARG, "filter", "Filter output based on conditions provided" },
	[IMG_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output: table, json, or a Go template" },
	[IMG_NOTRUNC] = { "no-trunc", 0, CLI_NOARG, NULL, "Don't truncate output" },
	[IMG_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Only show image IDs" },
	{ 0 },
};

static const struct cli_header image_headers[] = {
	{ "ID", "IMAGE ID" }, { "CreatedSince", "CREATED" }, { "CreatedAt", "CREATED AT" },
	{ "Repository", "REPOSITORY" }, { "Tag", "TAG" }, { "Size", "SIZE" }, { "Digest", "DIGEST" },
	{ "SharedSize", "SHARED SIZE" }, { "UniqueSize", "UNIQUE SIZE" }, { "Containers", "CONTAINERS" },
	{ NULL, NULL },
};

static cJSON *image_row(const struct sv_image_summary *s, const char *repotag, bool notrunc)
{
	char idb[13], sz[16], when[64], ago[64];
	SV_AUTOFREE char *repo = sv_xstrdup(repotag ? repotag : "<none>");
	const char *tag = "<none>";
	char *colon = repotag ? strrchr(repo, ':') : NULL;
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		tag = colon + 1;
	}
	const char *digest = "<none>";
	for (size_t i = 0; s->repo_digests[i]; i++) {
		const char *at = strchr(s->repo_digests[i], '@');
		if (at && strncmp(s->repo_digests[i], repo, (size_t)(at - s->repo_digests[i])) == 0)
			digest = at + 1;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Containers", "N/A");
	cJSON_AddStringToObject(o, "CreatedAt", cli_time_go(s->created, when, sizeof when));
	cJSON_AddStringToObject(o, "CreatedSince", cli_time_ago(s->created, ago, sizeof ago));
	cJSON_AddStringToObject(o, "Digest", digest);
	cJSON_AddStringToObject(o, "ID", notrunc ? s->id : cli_short_id(s->id, idb));
	cJSON_AddStringToObject(o, "Repository", repo);
	cJSON_AddStringToObject(o, "SharedSize", "N/A");
	cJSON_AddStringToObject(o, "Size", sv_str_human_size(s->size, sz, sizeof sz));
	cJSON_AddStringToObject(o, "Tag", tag);
	cJSON_AddStringToObject(o, "UniqueSize", "N/A");
	cJSON_AddStringToObject(o, "VirtualSize", sz);
	return o;
}

static int images_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_images = {
	.name = "images",
	.aliases = "image ls|image list",
	.usage = "[OPTIONS] [REPOSITORY[:TAG]]",
	.summary = "List images",
	.opts = images_opts,
	.exec = images_exec,
};

static int images_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool digests = false, notrunc = false, quiet = false;
	const char *format = NULL;
	SV_AUTOSTRV char **filters = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_images, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		switch (o) {
		case IMG_DIGESTS: digests = true; break;
		case IMG_FILTER: sv_strv_push(&filters, p.arg); break;
		case IMG_FORMAT: format = p.arg; break;
		case IMG_NOTRUNC: notrunc = true; break;
		case IMG_QUIET: quiet = true; break;
		default: break;
		}
	}
	int optind_ = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_images, argc - optind_, 0, 1))
		return 1;
	if (argc - optind_ == 1) {
		SV_AUTOFREE char *f = sv_xasprintf("reference=%s", argv[optind_]);
		sv_strv_push(&filters, f);
	}
	SV_AUTOERR sv_err *err = NULL;
	struct sv_image_summary *v;
	size_t n;
	if (sv_engine_images(cli_engine(ctx), &(struct sv_image_list_opts){ .filters = filters }, &v, &n, &err) < 0)
		return cli_fail(ctx, 1, err);
	const char *table = digests ? "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
				    : "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
	struct cli_fmt *f = cli_fmt_new(quiet ? "{{.ID}}" : format, table, image_headers, &err);
	if (!f) {
		sv_image_summaries_free(v, n);
		return cli_fail(ctx, 1, err);
	}
	for (size_t i = 0; i < n; i++) {
		size_t ntags = sv_strv_len(v[i].repo_tags);
		for (size_t t = 0; t < (ntags ? ntags : 1); t++) {
			cJSON *row = image_row(&v[i], ntags ? v[i].repo_tags[t] : NULL, notrunc);
			cli_fmt_row(f, row);
			cJSON_Delete(row);
		}
	}
	cli_fmt_flush(f, ctx->out);
	cli_fmt_free(f);
	sv_image_summaries_free(v, n);
	return 0;
}

/* ---------------------------------------------------------------- inspect */

static const struct cli_opt inspect_opts[] = {
	{ "format", 'f', CLI_ARG, "string", "Format output using a Go template" },
	{ 0 },
};

static int image_inspect_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_image_inspect = {
	.name = "image inspect",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Display detailed information on one or more images",
	.opts = inspect_opts,
	.exec = image_inspect_exec,
};

static int image_inspect_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *format = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_image_inspect, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		format = p.arg;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_image_inspect, argc - first, 1, -1))
		return 1;
	cJSON *all = cJSON_CreateArray();
	int rc = 0;
	for (int i = first; i < argc; i++) {
		SV_AUTOERR sv_err *err = NULL;
		cJSON *j = sv_engine_image_inspect(cli_engine(ctx), argv[i], &err);
		if (!j) {
			fprintf(ctx->err, "Error: %s\n", err->msg);
			rc = 1;
			continue;
		}
		if (format) {
			char *line = cli_template_render(format, j, &err);
			cJSON_Delete(j);
			if (!line) {
				cJSON_Delete(all);
				return cli_fail(ctx, 1, err);
			}
			fprintf(ctx->out, "%s\n", line);
			free(line);
			continue;
		}
		cJSON_AddItemToArray(all, j);
	}
	if (!format)
		cli_print_json(ctx->out, all);
	cJSON_Delete(all);
	return rc;
}

/* ---------------------------------------------------------------- history */

enum { HIST_FORMAT, HIST_HUMAN, HIST_NOTRUNC, HIST_QUIET };
static const struct cli_opt history_opts[] = {
	[HIST_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output: table, json, or a Go template" },
	[HIST_HUMAN] = { "human", 'H', CLI_OPTARG, "bool", "Print sizes and dates in human readable format (default true)" },
	[HIST_NOTRUNC] = { "no-trunc", 0, CLI_NOARG, NULL, "Don't truncate output" },
	[HIST_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Only show image IDs" },
	{ 0 },
};

static const struct cli_header history_headers[] = {
	{ "ID", "IMAGE" }, { "CreatedSince", "CREATED" }, { "CreatedAt", "CREATED AT" },
	{ "CreatedBy", "CREATED BY" }, { "Size", "SIZE" }, { "Comment", "COMMENT" }, { NULL, NULL },
};

static int history_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_history = {
	.name = "history",
	.aliases = "image history",
	.usage = "[OPTIONS] IMAGE",
	.summary = "Show the history of an image",
	.opts = history_opts,
	.exec = history_exec,
};

static cJSON *history_row(const cJSON *h, bool human, bool notrunc)
{
	char buf[64], idb[13];
	cJSON *o = cJSON_CreateObject();
	const char *id = sv_json_str(h, "Id");
	cJSON_AddStringToObject(o, "ID", !id || notrunc || !sv_str_has_prefix(id, "sha256:") ? (id ? id : "") : cli_short_id(id, idb));
	int64_t created = sv_json_i64(h, "Created", 0);
	cJSON_AddStringToObject(o, "CreatedAt", cli_time_go(created, buf, sizeof buf));
	cJSON_AddStringToObject(o, "CreatedSince", human ? cli_time_ago(created, buf, sizeof buf) : cli_time_go(created, buf, sizeof buf));
	const char *by = sv_json_str(h, "CreatedBy");
	SV_AUTOFREE char *bys = sv_xstrdup(by ? by : "");
	if (!notrunc && strlen(bys) > 45)
		strcpy(bys + 44, "…");
	cJSON_AddStringToObject(o, "CreatedBy", bys);
	int64_t size = sv_json_i64(h, "Size", 0);
	if (human)
		cJSON_AddStringToObject(o, "Size", sv_str_human_size(size, buf, sizeof buf));
	else {
		snprintf(buf, sizeof buf, "%lld", (long long)size);
		cJSON_AddStringToObject(o, "Size", buf);
	}
	const char *c = sv_json_str(h, "Comment");
	cJSON_AddStringToObject(o, "Comment", c ? c : "");
	return o;
}

static int history_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	const char *format = NULL;
	bool human = true, notrunc = false, quiet = false;
	int o;
	cli_parse_init(&p, &cli_cmd_history, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		switch (o) {
		case HIST_FORMAT: format = p.arg; break;
		case HIST_HUMAN:
			if (p.arg && !cli_parse_bool(p.arg, &human))
				o = -2;
			break;
		case HIST_NOTRUNC: notrunc = true; break;
		case HIST_QUIET: quiet = true; break;
		default: break;
		}
		if (o == -2)
			break;
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_history, argc - first, 1, 1))
		return 1;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *h = sv_engine_image_history(cli_engine(ctx), argv[first], &err);
	if (!h)
		return cli_fail(ctx, 1, err);
	struct cli_fmt *f = cli_fmt_new(quiet ? "{{.ID}}" : format,
					"{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}", history_headers, &err);
	if (!f)
		return cli_fail(ctx, 1, err);
	const cJSON *it;
	cJSON_ArrayForEach(it, h)
	{
		cJSON *row = history_row(it, human, notrunc);
		cli_fmt_row(f, row);
		cJSON_Delete(row);
	}
	cli_fmt_flush(f, ctx->out);
	cli_fmt_free(f);
	return 0;
}

/* ---------------------------------------------------------------- tag */

static int tag_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_tag = {
	.name = "tag",
	.aliases = "image tag",
	.usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
	.summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
	.exec = tag_exec,
};

static int tag_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	int o;
	cli_parse_init(&p, &cli_cmd_tag, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_tag, argc - first, 2, 2))
		return 1;
	SV_AUTOERR sv_err *err = NULL;
	if (sv_engine_image_tag(cli_engine(ctx), argv[first], argv[first + 1], &err) < 0)
		return cli_fail(ctx, 1, err);
	return 0;
}

/* ---------------------------------------------------------------- rmi */

enum { RMI_FORCE, RMI_NOPRUNE };
static const struct cli_opt rmi_opts[] = {
	[RMI_FORCE] = { "force", 'f', CLI_NOARG, NULL, "Force removal of the image" },
	[RMI_NOPRUNE] = { "no-prune", 0, CLI_NOARG, NULL, "Do not delete untagged parents" },
	{ 0 },
};

static int rmi_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_rmi = {
	.name = "rmi",
	.aliases = "image rm|image remove",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Remove one or more images",
	.opts = rmi_opts,
	.exec = rmi_exec,
};

static void print_removal(struct cli_ctx *ctx, const struct sv_image_rm_result *r)
{
	for (size_t i = 0; r->untagged && r->untagged[i]; i++)
		fprintf(ctx->out, "Untagged: %s\n", r->untagged[i]);
	for (size_t i = 0; r->deleted && r->deleted[i]; i++)
		fprintf(ctx->out, "Deleted: %s\n", r->deleted[i]);
}

static int rmi_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	unsigned flags = 0;
	int o;
	cli_parse_init(&p, &cli_cmd_rmi, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0)
		flags |= o == RMI_FORCE ? SV_IMAGE_RM_FORCE : SV_IMAGE_RM_NOPRUNE;
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_rmi, argc - first, 1, -1))
		return 1;
	int rc = 0;
	for (int i = first; i < argc; i++) {
		SV_AUTOERR sv_err *err = NULL;
		struct sv_image_rm_result r = { 0 };
		if (sv_engine_image_remove(cli_engine(ctx), argv[i], flags, &r, &err) < 0) {
			fprintf(ctx->err, "Error response from daemon: %s\n", err->msg);
			rc = 1;
		}
		print_removal(ctx, &r);
		sv_image_rm_result_release(&r);
	}
	return rc;
}

/* ---------------------------------------------------------------- prune */

enum { PRUNE_ALL, PRUNE_FILTER, PRUNE_FORCE };
static const struct cli_opt prune_opts[] = {
	[PRUNE_ALL] = { "all", 'a', CLI_NOARG, NULL, "Remove all unused images, not just dangling ones" },
	[PRUNE_FILTER] = { "filter", 0, CLI_ARG, "filter", "Provide filter values (e.g. \"until=<timestamp>\")" },
	[PRUNE_FORCE] = { "force", 'f', CLI_NOARG, NULL, "Do not prompt for confirmation" },
	{ 0 },
};

static int image_prune_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_image_prune = {
	.name = "image prune",
	.usage = "[OPTIONS]",
	.summary = "Remove unused images",
	.opts = prune_opts,
	.exec = image_prune_exec,
};

static int image_prune_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_parse p;
	bool all = false, force = false;
	SV_AUTOSTRV char **filters = NULL;
	int o;
	cli_parse_init(&p, &cli_cmd_image_prune, argc, argv);
	while ((o = cli_parse_next(ctx, &p)) >= 0) {
		if (o == PRUNE_ALL)
			all = true;
		else if (o == PRUNE_FORCE)
			force = true;
		else
			sv_strv_push(&filters, p.arg);
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (o < -1)
		return o == -3 ? 0 : 1;
	if (cli_want_args(ctx, &cli_cmd_image_prune, argc - first, 0, 0))
		return 1;
	const char *warn = all ? "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?"
			       : "WARNING! This will remove all dangling images.\nAre you sure you want to continue?";
	if (!force && !cli_confirm(ctx, warn))
		return 0;
	SV_AUTOERR sv_err *err = NULL;
	struct sv_image_rm_result r = { 0 };
	int rc = sv_engine_image_prune(cli_engine(ctx), all, filters, &r, &err);
	if (r.untagged || r.deleted) {
		fputs("Deleted Images:\n", ctx->out);
		print_removal(ctx, &r);
		fputc('\n', ctx->out);
	}
	char sz[16];
	fprintf(ctx->out, "Total reclaimed space: %s\n", sv_str_human_size(r.reclaimed, sz, sizeof sz));
	sv_image_rm_result_release(&r);
	return rc < 0 ? cli_fail(ctx, 1, err) : 0;
}
