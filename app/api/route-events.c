/*
 * GET /events: past events (since/until), then a live stream of what any
 * process commits to the store, until `until` or until the client leaves.
 *
 * The head goes out at once (clients wait for it before anything else).
 * Waiting costs nothing: the thread sleeps in the engine's watch (inotify
 * on the store) and on its own stream socket, which wakes it when the
 * client hangs up.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "api.h"

static int parse_time(struct rest_req *r, const char *key, int64_t now, int64_t *out, sv_err **err)
{
	const char *v = rest_qs(r, key);
	*out = 0;
	if (!v || !*v)
		return 0;
	if (sv_time_parse(v, now, out, err) < 0)
		return sv_err_prefix(err, "%s", key);
	return 0;
}

/* Sends the events after *seq (up to until) that match filters; -1 once
 * the client is gone. */
static int send_batch(struct rest_req *r, int64_t *seq, int64_t since, int64_t until, char **filters)
{
	SV_AUTOERR sv_err *err = NULL;
	for (;;) {
		struct sv_engine_event *v;
		size_t n;
		if (sv_engine_events(r->engine, *seq, since, until, 256, &v, &n, &err) < 0) {
			sv_warn("events: %s", err->msg);
			return -1;
		}
		int rc = 0;
		for (size_t i = 0; i < n && rc == 0; i++) {
			if (!sv_engine_event_matches(&v[i], filters))
				continue;
			cJSON *j = sv_engine_event_json(&v[i]);
			rc = rest_stream_json(r, j);
			cJSON_Delete(j);
		}
		if (n)
			*seq = v[n - 1].seq;
		sv_engine_events_free(v, n);
		if (rc < 0)
			return -1;
		if (n < 256)
			return 0;
	}
}

static int follow(struct rest_req *r, int64_t seq, int64_t until, char **filters)
{
	SV_AUTOERR sv_err *err = NULL;
	sv_engine_watch *w;
	if (sv_engine_watch_new(r->engine, &w, &err) < 0) {
		sv_warn("events: %s", err->msg);
		return -1;
	}
	int rc = 0;
	while (rc == 0) {
		int timeout = -1;
		if (until) {
			int64_t left = (until - sv_time_now_ns()) / 1000000;
			if (left <= 0)
				break;
			timeout = left > INT_MAX ? INT_MAX : (int)left + 1;
		}
		int woke = sv_engine_watch_wait(w, r->fd, timeout, &err);
		if (woke < 0 || woke == 2)
			break;
		rc = send_batch(r, &seq, 0, until, filters);
	}
	sv_engine_watch_free(w);
	return rc;
}

static void events(struct rest_req *r)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **filters = NULL;
	int64_t now = sv_time_now_ns(), since, until;
	if (parse_time(r, "since", now, &since, &err) < 0 || parse_time(r, "until", now, &until, &err) < 0 ||
	    rest_filters(r, &filters, &err) < 0 || sv_engine_event_filters_check(filters, &err) < 0) {
		rest_reply_err(r, err);
		return;
	}
	/* Where the live part starts: now, whatever the past part shows. */
	int64_t live = sv_engine_events_last(r->engine, &err);
	if (live < 0) {
		rest_reply_err(r, err);
		return;
	}
	if (rest_stream_open(r, 200, "application/json", REST_STREAM_CHUNKED) < 0)
		return;
	if (rest_qs(r, "since") && *rest_qs(r, "since")) {
		int64_t seq = 0;
		if (send_batch(r, &seq, since, until, filters) < 0)
			return;
		if (seq > live)
			live = seq;
	}
	bool has_until = rest_qs(r, "until") && *rest_qs(r, "until");
	if (has_until && until <= now)
		return;
	follow(r, live, until, filters);
}

const struct rest_route rest_routes_events[] = {
	{ "GET", "/events", events, REST_ROUTE_STREAM, "Stream events (past ones with since/until)",
	  "since:string until:string filters:string", "200 400 500" },
	{ 0 },
};
