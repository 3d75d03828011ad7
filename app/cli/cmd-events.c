/*
 * `servin events`: the journal of what happened (from the store, so it
 * includes what happened while nobody was watching), then — without
 * --until — what happens next, woken by the store's changes, never by a
 * polling loop.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

enum { EV_FILTER, EV_FORMAT, EV_SINCE, EV_UNTIL };
static const struct cli_opt events_opts[] = {
	[EV_FILTER] = { "filter", 'f', CLI_ARG, "filter", "Filter output based on conditions provided" },
	[EV_FORMAT] = { "format", 0, CLI_ARG, "string", "Format output: json or a Go template" },
	[EV_SINCE] = { "since", 0, CLI_ARG, "string", "Show all events created since timestamp" },
	[EV_UNTIL] = { "until", 0, CLI_ARG, "string", "Stream events until this timestamp" },
	{ 0 },
};

static int events_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_events = {
	.name = "events",
	.aliases = "system events",
	.usage = "[OPTIONS]",
	.summary = "Get real time events from the server",
	.opts = events_opts,
	.exec = events_exec,
};

struct events_st {
	char **filters;
	const char *format, *since, *until;
};

static void events_set(int o, const char *a, void *arg)
{
	struct events_st *s = arg;
	switch (o) {
	case EV_FILTER: sv_strv_push(&s->filters, a); break;
	case EV_FORMAT: s->format = a; break;
	case EV_SINCE: s->since = a; break;
	case EV_UNTIL: s->until = a; break;
	default: break;
	}
}

/* docker's default line: time type action id (attr=value, ...) */
static void print_plain(FILE *out, const struct sv_engine_event *ev)
{
	char t[48];
	fprintf(out, "%s %s %s %s", sv_time_rfc3339(ev->time_ns, t, sizeof t), ev->type, ev->action, ev->actor);
	const cJSON *a;
	bool first = true;
	cJSON_ArrayForEach(a, ev->attrs)
	{
		if (!cJSON_IsString(a))
			continue;
		fprintf(out, "%s%s=%s", first ? " (" : ", ", a->string, a->valuestring);
		first = false;
	}
	fputs(first ? "\n" : ")\n", out);
}

static int print_event(struct cli_ctx *ctx, const struct events_st *s, const struct sv_engine_event *ev)
{
	if (!s->format) {
		print_plain(ctx->out, ev);
		return 0;
	}
	SV_AUTOJSON cJSON *j = sv_engine_event_json(ev);
	SV_AUTOERR sv_err *err = NULL;
	char *line = cli_template_render(strcmp(s->format, "json") ? s->format : "{{json .}}", j, &err);
	if (!line)
		return cli_fail(ctx, 1, err);
	fprintf(ctx->out, "%s\n", line);
	free(line);
	return 0;
}

static int events_run(struct cli_ctx *ctx, const struct events_st *s)
{
	SV_AUTOERR sv_err *err = NULL;
	sv_engine *e = cli_engine(ctx);
	int64_t now = sv_time_now_ns(), since = 0, until = 0;
	if (sv_engine_event_filters_check(s->filters, &err) < 0 ||
	    (s->since && sv_time_parse(s->since, now, &since, &err) < 0) ||
	    (s->until && sv_time_parse(s->until, now, &until, &err) < 0))
		return cli_fail(ctx, 1, err);
	/* Without --since, only what happens from now on (as docker does). */
	int64_t after = s->since ? 0 : sv_engine_events_last(e, &err);
	if (after < 0)
		return cli_fail(ctx, 1, err);
	sv_engine_watch *w = NULL;
	if (!s->until && sv_engine_watch_new(e, &w, &err) < 0)
		return cli_fail(ctx, 1, err);
	int rc = 0;
	for (;;) {
		struct sv_engine_event *v;
		size_t n;
		if (sv_engine_events(e, after, since, until, 0, &v, &n, &err) < 0) {
			rc = cli_fail(ctx, 1, err);
			break;
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			after = v[i].seq;
			if (sv_engine_event_matches(&v[i], s->filters))
				rc = print_event(ctx, s, &v[i]);
		}
		sv_engine_events_free(v, n);
		fflush(ctx->out);
		if (rc || s->until || sv_engine_watch_wait(w, -1, -1, &err) < 0)
			break;
	}
	sv_engine_watch_free(w);
	return rc;
}

static int events_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct events_st s = { 0 };
	int first = cli_parse_all(ctx, &cli_cmd_events, argc, argv, events_set, &s, 0, 0);
	int rc = first < 0 ? (first == -1 ? 0 : 1) : events_run(ctx, &s);
	sv_strv_free(s.filters);
	return rc;
}
