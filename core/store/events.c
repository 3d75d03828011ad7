/*
 * The events table: every change any process makes is recorded here, in
 * the same transaction as the change, so `servin events`, the TUI and the
 * REST API see what happened even while they were not running. Followers
 * learn that something changed by watching the WAL file, then read rows
 * after the last seq they saw — no polling loop.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>

#include "store-internal.h"

/* Events older than this many rows behind the newest are trimmed. */
#define EVENTS_KEEP 100000

int sv_store_event_add(sv_store *s, const char *type, const char *action, const char *actor,
		       const cJSON *attrs, sv_err **err)
{
	SV_AUTOFREE char *a = attrs ? sv_json_print(attrs) : sv_xstrdup("{}");
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s, "INSERT INTO events (time, type, action, actor, attrs) VALUES (?, ?, ?, ?, ?)", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, sv_time_now_ns());
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, actor ? actor : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sv_store_sql_err(s, "record event", err);
	int64_t seq = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	if (seq % 1000 == 0) {
		SV_AUTOFREE char *trim =
			sv_xasprintf("DELETE FROM events WHERE seq <= %lld", (long long)(seq - EVENTS_KEEP));
		SV_AUTOERR sv_err *e2 = NULL;
		(void)sv_store_exec(s, trim, &e2);
	}
	return 0;
}

static void event_release(struct sv_event *e)
{
	free(e->type);
	free(e->action);
	free(e->actor);
	cJSON_Delete(e->attrs);
}

void sv_events_free(struct sv_event *ev, size_t n)
{
	for (size_t i = 0; ev && i < n; i++)
		event_release(&ev[i]);
	free(ev);
}

int sv_store_events(sv_store *s, int64_t after, int64_t since_ns, int64_t until_ns, size_t max,
		    struct sv_event **out, size_t *n, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		s,
		"SELECT seq, time, type, action, actor, attrs FROM events"
		" WHERE seq > ? AND time >= ? AND (? = 0 OR time <= ?) ORDER BY seq LIMIT ?",
		err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, since_ns);
	sqlite3_bind_int64(st, 3, until_ns);
	sqlite3_bind_int64(st, 4, until_ns);
	sqlite3_bind_int64(st, 5, max ? (int64_t)max : -1);
	struct sv_event *v = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			v = sv_xrealloc(v, cap * sizeof *v);
		}
		struct sv_event *e = &v[len++];
		e->seq = sqlite3_column_int64(st, 0);
		e->time_ns = sqlite3_column_int64(st, 1);
		e->type = sv_xstrdup((const char *)sqlite3_column_text(st, 2));
		e->action = sv_xstrdup((const char *)sqlite3_column_text(st, 3));
		e->actor = sv_xstrdup((const char *)sqlite3_column_text(st, 4));
		e->attrs = cJSON_Parse((const char *)sqlite3_column_text(st, 5));
		if (!cJSON_IsObject(e->attrs)) {
			cJSON_Delete(e->attrs);
			e->attrs = cJSON_CreateObject();
		}
	}
	if (rc != SQLITE_DONE) {
		sv_events_free(v, len);
		return sv_store_sql_err(s, "read events", err);
	}
	*out = v;
	*n = len;
	return 0;
}

int64_t sv_store_events_last(sv_store *s, sv_err **err)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, "SELECT COALESCE(MAX(seq), 0) FROM events", err);
	if (!st)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW)
		return sv_store_sql_err(s, "read events", err);
	return sqlite3_column_int64(st, 0);
}
