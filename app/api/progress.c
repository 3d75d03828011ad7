/*
 * Docker's JSON-lines progress for pull, push, load and import.
 *
 * The stream opens lazily: an error before it is still a plain HTTP error
 * (the CLI's `run` relies on a 404 to pull), after it an errorDetail line.
 * Like Docker, which resolves the manifest before it writes anything, the
 * first line ("Pulling from ...") is held back until a second one comes,
 * so a missing image is a 404, not a 200 with an error inside. Byte counters ("Downloading", "Pushing", "Extracting")
 * are thinned to ten lines a second per layer; every change of status goes
 * out. The engine may call from its own worker threads (one at a time, it
 * says); a mutex keeps that an engine promise we do not depend on.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define PROGRESS_EVERY_NS (100 * 1000000LL)

struct rest_progress {
	struct rest_req *r;
	pthread_mutex_t mu;
	bool open, failed, quiet;
	volatile bool cancel;
	int64_t last_ns; /* of the last counter line */
	cJSON *held;	 /* the first line, until another follows */
	int lines;
};

struct rest_progress *rest_progress_new(struct rest_req *r, bool quiet)
{
	struct rest_progress *p = sv_xcalloc(1, sizeof *p);
	p->r = r;
	p->quiet = quiet;
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

void rest_progress_free(struct rest_progress *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->mu);
	cJSON_Delete(p->held);
	free(p);
}

const volatile bool *rest_progress_cancel(struct rest_progress *p)
{
	return &p->cancel;
}

bool rest_progress_opened(struct rest_progress *p)
{
	return p->open;
}

/* With p->mu held. */
static bool progress_write(struct rest_progress *p, const cJSON *o)
{
	if (p->failed)
		return false;
	if (!p->open)
		p->open = rest_stream_open(p->r, 200, "application/json", REST_STREAM_CHUNKED) >= 0;
	if (!p->open || rest_stream_json(p->r, o) < 0) {
		p->failed = true;
		p->cancel = true; /* the client left: stop the work */
		return false;
	}
	return true;
}

/* With p->mu held. */
static bool progress_send(struct rest_progress *p, const cJSON *o)
{
	if (p->lines++ == 0) {
		p->held = cJSON_Duplicate(o, true);
		return true;
	}
	if (p->held) {
		cJSON *h = sv_steal_ptr(&p->held);
		bool ok = progress_write(p, h);
		cJSON_Delete(h);
		if (!ok)
			return false;
	}
	return progress_write(p, o);
}

/* Sends a held first line (with p->mu held). */
static void progress_flush(struct rest_progress *p)
{
	if (!p->held)
		return;
	cJSON *h = sv_steal_ptr(&p->held);
	progress_write(p, h);
	cJSON_Delete(h);
}

void rest_progress_json(struct rest_progress *p, const cJSON *o)
{
	pthread_mutex_lock(&p->mu);
	progress_send(p, o);
	pthread_mutex_unlock(&p->mu);
}

void rest_progress_line(struct rest_progress *p, const char *key, const char *text, const char *id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, key, text);
	if (id)
		cJSON_AddStringToObject(o, "id", id);
	rest_progress_json(p, o);
	cJSON_Delete(o);
}

void rest_progress_error(struct rest_progress *p, const sv_err *err)
{
	pthread_mutex_lock(&p->mu);
	bool open = p->open;
	cJSON_Delete(sv_steal_ptr(&p->held)); /* the error replaces it */
	pthread_mutex_unlock(&p->mu);
	if (!open) {
		rest_reply_err(p->r, err);
		return;
	}
	const char *msg = err && err->msg ? err->msg : "unknown error";
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "errorDetail"), "message", msg);
	cJSON_AddStringToObject(o, "error", msg);
	rest_progress_json(p, o);
	cJSON_Delete(o);
}

/* Ends the answer: a held line goes out, an empty stream still needs its head. */
void rest_progress_finish(struct rest_progress *p)
{
	pthread_mutex_lock(&p->mu);
	progress_flush(p);
	if (!p->open && !p->failed)
		p->open = rest_stream_open(p->r, 200, "application/json", REST_STREAM_CHUNKED) >= 0;
	pthread_mutex_unlock(&p->mu);
}

static bool counting(const struct sv_progress *pr)
{
	static const char *const moving[] = { "Downloading", "Pushing", "Extracting", "Loading layer", "Resuming" };
	for (size_t i = 0; pr->status && i < sizeof moving / sizeof moving[0]; i++)
		if (!strcmp(pr->status, moving[i]))
			return pr->total < 0 || pr->current < pr->total;
	return false;
}

void rest_progress_fn(const struct sv_progress *pr, void *arg)
{
	struct rest_progress *p = arg;
	if (p->quiet)
		return;
	int64_t now = sv_time_mono_ns();
	const char *id = pr->id ? pr->id : "";
	bool count = counting(pr);
	pthread_mutex_lock(&p->mu);
	if (count && now - p->last_ns < PROGRESS_EVERY_NS) {
		pthread_mutex_unlock(&p->mu);
		return;
	}
	if (count)
		p->last_ns = now;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", pr->status ? pr->status : "");
	cJSON *d = cJSON_AddObjectToObject(o, "progressDetail");
	if (pr->total > 0 || pr->current > 0) {
		cJSON_AddNumberToObject(d, "current", (double)pr->current);
		if (pr->total >= 0)
			cJSON_AddNumberToObject(d, "total", (double)pr->total);
	}
	if (*id)
		cJSON_AddStringToObject(o, "id", id);
	progress_send(p, o);
	pthread_mutex_unlock(&p->mu);
	cJSON_Delete(o);
}
