/*
 * Events for streaming surfaces: Docker's filters over the engine's event
 * rows, Docker's JSON shape for one event, and a watch that wakes a
 * blocked thread when any process commits a change.
 *
 * The watch is inotify on the store's directory, filtered to the WAL file:
 * every commit by any process writes to it. The directory (not the file)
 * is watched because SQLite deletes and recreates the WAL when the last
 * connection closes. A commit's WAL write lands before SQLite publishes it
 * in the shared-memory index, so a reader woken by the write may not see
 * it yet; one extra wake-up shortly after each change closes that window
 * without any polling while nothing happens.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>


/* The late re-check after a change (see the top of the file). */
#define WATCH_RECHECK_MS 60

static const char *const filter_keys[] = { "type", "event", "container", "image", "label",
					   "volume", "network", "daemon", "scope", NULL };

/* ---------------------------------------------------------------- filters */

static bool key_known(const char *key, size_t len)
{
	for (size_t i = 0; filter_keys[i]; i++)
		if (strlen(filter_keys[i]) == len && strncmp(filter_keys[i], key, len) == 0)
			return true;
	return false;
}

int sv_engine_event_filters_check(char *const *filters, sv_err **err)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		if (!eq || !key_known(filters[i], (size_t)(eq - filters[i])))
			return sv_err_setx(err, EINVAL, "invalid filter '%s'", filters[i]);
	}
	return 0;
}

/* "busybox" names the same image as "busybox:latest". */
static bool image_name_eq(const char *want, const char *have)
{
	if (!have)
		return false;
	if (strcmp(want, have) == 0)
		return true;
	size_t n = strlen(want);
	return strncmp(want, have, n) == 0 && strcmp(have + n, ":latest") == 0;
}

static bool id_matches(const char *want, const char *id)
{
	size_t n = strlen(want);
	if (sv_str_has_prefix(id, "sha256:") && !sv_str_has_prefix(want, "sha256:"))
		id += 7;
	return n > 0 && strncmp(want, id, n) == 0;
}

static bool label_matches(const struct sv_engine_event *ev, const char *want)
{
	const char *eq = strchr(want, '=');
	SV_AUTOFREE char *key = eq ? sv_xstrndup(want, (size_t)(eq - want)) : sv_xstrdup(want);
	const char *v = sv_json_str(ev->attrs, key);
	return v && (!eq || strcmp(v, eq + 1) == 0);
}

static bool named_matches(const struct sv_engine_event *ev, const char *type, const char *want)
{
	if (strcmp(ev->type, type) != 0)
		return false;
	const char *name = sv_json_str(ev->attrs, "name");
	return id_matches(want, ev->actor) || (name && strcmp(name, want) == 0);
}

static bool one_matches(const struct sv_engine_event *ev, const char *key, const char *v)
{
	if (!strcmp(key, "type"))
		return strcmp(ev->type, v) == 0;
	if (!strcmp(key, "event"))
		return strcmp(ev->action, v) == 0 ||
		       (sv_str_has_prefix(ev->action, v) && ev->action[strlen(v)] == ':');
	if (!strcmp(key, "container"))
		return named_matches(ev, "container", v);
	if (!strcmp(key, "volume"))
		return named_matches(ev, "volume", v);
	if (!strcmp(key, "network"))
		return named_matches(ev, "network", v);
	if (!strcmp(key, "image"))
		return image_name_eq(v, sv_json_str(ev->attrs, "image")) ||
		       (!strcmp(ev->type, "image") &&
			(id_matches(v, ev->actor) || image_name_eq(v, sv_json_str(ev->attrs, "name"))));
	if (!strcmp(key, "label"))
		return label_matches(ev, v);
	if (!strcmp(key, "scope"))
		return strcmp(v, "local") == 0;
	return true; /* daemon: there is one */
}

bool sv_engine_event_matches(const struct sv_engine_event *ev, char *const *filters)
{
	for (size_t k = 0; filter_keys[k]; k++) {
		const char *key = filter_keys[k];
		size_t klen = strlen(key);
		bool seen = false, hit = false;
		for (size_t i = 0; filters && filters[i] && !hit; i++) {
			if (strncmp(filters[i], key, klen) != 0 || filters[i][klen] != '=')
				continue;
			seen = true;
			hit = one_matches(ev, key, filters[i] + klen + 1);
		}
		if (seen && !hit)
			return false;
	}
	return true;
}

cJSON *sv_engine_event_json(const struct sv_engine_event *ev)
{
	cJSON *o = cJSON_CreateObject();
	/* The legacy fields come first, as Docker prints them. */
	if (!strcmp(ev->type, "container") || !strcmp(ev->type, "image")) {
		cJSON_AddStringToObject(o, "status", ev->action);
		cJSON_AddStringToObject(o, "id", ev->actor);
		const char *from = sv_json_str(ev->attrs, "image");
		if (from)
			cJSON_AddStringToObject(o, "from", from);
	}
	cJSON_AddStringToObject(o, "Type", ev->type);
	cJSON_AddStringToObject(o, "Action", ev->action);
	cJSON *actor = cJSON_AddObjectToObject(o, "Actor");
	cJSON_AddStringToObject(actor, "ID", ev->actor);
	cJSON_AddItemToObject(actor, "Attributes", cJSON_Duplicate(ev->attrs, true));
	cJSON_AddStringToObject(o, "scope", "local");
	cJSON_AddNumberToObject(o, "time", (double)(ev->time_ns / 1000000000));
	/* Nanoseconds exceed a double's exact range: print the digits. */
	char ns[24];
	snprintf(ns, sizeof ns, "%lld", (long long)ev->time_ns);
	cJSON_AddRawToObject(o, "timeNano", ns);
	return o;
}

/* ---------------------------------------------------------------- watch */

struct sv_engine_watch {
	int ifd;
	char *name;	     /* the WAL file's name in the watched directory */
	int64_t recheck_ns;  /* monotonic deadline of the late re-check, 0 = none */
};

int sv_engine_watch_new(sv_engine *e, sv_engine_watch **out, sv_err **err)
{
	const char *path = sv_engine_watch_path(e);
	const char *slash = strrchr(path, '/');
	SV_AUTOFREE char *dir = slash ? sv_xstrndup(path, (size_t)(slash - path)) : sv_xstrdup(".");
	SV_AUTOCLOSE int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0)
		return sv_err_set(err, errno, "inotify");
	if (inotify_add_watch(ifd, *dir ? dir : "/", IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		return sv_err_set(err, errno, "watch %s", dir);
	sv_engine_watch *w = sv_xcalloc(1, sizeof *w);
	w->ifd = sv_steal_fd(&ifd);
	w->name = sv_xstrdup(slash ? slash + 1 : path);
	*out = w;
	return 0;
}

void sv_engine_watch_free(sv_engine_watch *w)
{
	if (!w)
		return;
	close(w->ifd);
	free(w->name);
	free(w);
}

/* Drains the inotify queue; true when the WAL was among the changes. */
static bool watch_drain(sv_engine_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;
	while ((n = read(w->ifd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)(void *)p;
			if (ev->len && strcmp(ev->name, w->name) == 0)
				hit = true;
			p += sizeof *ev + ev->len;
		}
	}
	return hit;
}

static int watch_timeout(const sv_engine_watch *w, int timeout_ms)
{
	if (!w->recheck_ns)
		return timeout_ms;
	int64_t left = (w->recheck_ns - sv_time_mono_ns()) / 1000000;
	if (left < 0)
		left = 0;
	return timeout_ms < 0 || left < timeout_ms ? (int)left : timeout_ms;
}

int sv_engine_watch_wait(sv_engine_watch *w, int also_fd, int timeout_ms, sv_err **err)
{
	int64_t deadline = timeout_ms < 0 ? 0 : sv_time_mono_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		int left = timeout_ms;
		if (deadline) {
			int64_t ms = (deadline - sv_time_mono_ns()) / 1000000;
			left = ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
		}
		struct pollfd p[2] = { { .fd = w->ifd, .events = POLLIN },
				       { .fd = also_fd, .events = POLLIN | POLLRDHUP } };
		int rc = poll(p, also_fd >= 0 ? 2 : 1, watch_timeout(w, left));
		if (rc < 0 && errno != EINTR)
			return sv_err_set(err, errno, "poll");
		if (rc > 0 && also_fd >= 0 && p[1].revents)
			return 2;
		if (rc > 0 && (p[0].revents & POLLIN) && watch_drain(w)) {
			w->recheck_ns = sv_time_mono_ns() + (int64_t)WATCH_RECHECK_MS * 1000000;
			return 1;
		}
		if (w->recheck_ns && sv_time_mono_ns() >= w->recheck_ns) {
			w->recheck_ns = 0;
			return 1;
		}
		if (deadline && sv_time_mono_ns() >= deadline)
			return 0;
	}
}
