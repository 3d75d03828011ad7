/*
 * The event journal seen through the engine: a copy of the store's rows in
 * the engine's own type, so surfaces (and a remote engine later) never
 * depend on the store's layout.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "engine-internal.h"

int sv_engine_events(sv_engine *e, int64_t after, int64_t since_ns, int64_t until_ns, size_t max,
		     struct sv_engine_event **out, size_t *n, sv_err **err)
{
	struct sv_event *rows = NULL;
	size_t nrows = 0;
	if (sv_store_events(e->store, after, since_ns, until_ns, max, &rows, &nrows, err) < 0)
		return -1;
	struct sv_engine_event *v = sv_xcalloc(nrows ? nrows : 1, sizeof *v);
	for (size_t i = 0; i < nrows; i++) {
		v[i] = (struct sv_engine_event){
			.seq = rows[i].seq,
			.time_ns = rows[i].time_ns,
			.type = sv_steal_ptr(&rows[i].type),
			.action = sv_steal_ptr(&rows[i].action),
			.actor = sv_steal_ptr(&rows[i].actor),
			.attrs = sv_steal_ptr(&rows[i].attrs),
		};
	}
	sv_events_free(rows, nrows);
	*out = v;
	*n = nrows;
	return 0;
}

void sv_engine_events_free(struct sv_engine_event *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].type);
		free(v[i].action);
		free(v[i].actor);
		cJSON_Delete(v[i].attrs);
	}
	free(v);
}

int64_t sv_engine_events_last(sv_engine *e, sv_err **err)
{
	return sv_store_events_last(e->store, err);
}

const char *sv_engine_watch_path(const sv_engine *e)
{
	return sv_store_watch_path(e->store);
}
