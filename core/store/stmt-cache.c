/*
 * Prepared statements kept per thread for the hot read paths: a server
 * answers the same listings thousands of times a second, and compiling a
 * statement cost more than running it (GET /images/json spent 45% of its
 * time in sqlite3_prepare).
 *
 * Each thread keeps a small table of statements keyed by the SQL text (not
 * its address: a caller may build it in a buffer) and the connection they
 * were compiled on (the thread's own, sv_store_db).
 * A statement is lent to one caller at a time: a nested use of the same
 * SQL gets a fresh statement, finalized when given back. Given back, a
 * cached statement is reset and its bindings cleared, so it holds no read
 * snapshot between uses. The table is freed when its thread exits.
 *
 * A cached statement outlives sv_store_free(): SQLite's close_v2 keeps the
 * connection until its last statement is finalized (evicted from the
 * table, or the thread exits), so nothing dangles.
 */
#include "store/store.h"
#include "store-internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define CACHE_SLOTS 24

struct cached_stmt {
	sqlite3 *db;
	sqlite3_stmt *st;
	bool lent;
	uint64_t used; /* for eviction: least recently lent goes first */
};

struct stmt_cache {
	struct cached_stmt slot[CACHE_SLOTS];
	uint64_t tick;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
	struct stmt_cache *c = p;
	for (int i = 0; i < CACHE_SLOTS; i++)
		sqlite3_finalize(c->slot[i].st);
	free(c);
}

static void cache_key_init(void)
{
	pthread_key_create(&cache_key, cache_free);
}

static struct stmt_cache *cache_get(void)
{
	pthread_once(&cache_once, cache_key_init);
	struct stmt_cache *c = pthread_getspecific(cache_key);
	if (!c) {
		c = sv_xcalloc(1, sizeof *c);
		pthread_setspecific(cache_key, c);
	}
	return c;
}

static bool slot_is(const struct cached_stmt *e, sqlite3 *db, const char *sql)
{
	return e->st && e->db == db && strcmp(sqlite3_sql(e->st), sql) == 0;
}

/* A free slot, else the least recently lent one not out now; NULL when
 * every slot is lent. */
static struct cached_stmt *cache_victim(struct stmt_cache *c)
{
	struct cached_stmt *v = NULL;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct cached_stmt *e = &c->slot[i];
		if (!e->st)
			return e;
		if (!e->lent && (!v || e->used < v->used))
			v = e;
	}
	return v;
}

sqlite3_stmt *sv_store_cached(sv_store *s, const char *sql, sv_err **err)
{
	sqlite3 *db = sv_store_db(s, err);
	if (!db)
		return NULL;
	struct stmt_cache *c = cache_get();
	struct cached_stmt *hit = NULL;
	for (int i = 0; i < CACHE_SLOTS && !hit; i++)
		if (slot_is(&c->slot[i], db, sql))
			hit = &c->slot[i];
	if (hit && hit->lent)
		return sv_store_prepare(s, sql, err); /* nested: one of its own */
	if (hit) {
		hit->lent = true;
		hit->used = ++c->tick;
		return hit->st;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		sv_err_setx(err, EIO, "database: prepare: %s", sqlite3_errmsg(db));
		return NULL;
	}
	struct cached_stmt *v = cache_victim(c);
	if (v) {
		sqlite3_finalize(v->st);
		*v = (struct cached_stmt){ .db = db, .st = st, .lent = true, .used = ++c->tick };
	}
	return st;
}

bool store_cache_drop(void)
{
	pthread_once(&cache_once, cache_key_init);
	struct stmt_cache *c = pthread_getspecific(cache_key);
	for (int i = 0; c && i < CACHE_SLOTS; i++)
		if (c->slot[i].lent)
			return false;
	for (int i = 0; c && i < CACHE_SLOTS; i++) {
		sqlite3_finalize(c->slot[i].st);
		c->slot[i] = (struct cached_stmt){ 0 };
	}
	return true;
}

void sv_store_cached_done(sqlite3_stmt **st)
{
	if (!*st)
		return;
	struct stmt_cache *c = cache_get();
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct cached_stmt *e = &c->slot[i];
		if (e->st == *st && e->lent) {
			sqlite3_reset(e->st);
			sqlite3_clear_bindings(e->st);
			e->lent = false;
			*st = NULL;
			return;
		}
	}
	sqlite3_finalize(*st);
	*st = NULL;
}
