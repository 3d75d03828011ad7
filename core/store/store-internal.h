/*
 * Internals shared by the files of core/store.
 */
#ifndef SV_CORE_STORE_STORE_INTERNAL_H
#define SV_CORE_STORE_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

struct store_conn {
	sqlite3 *db;
	struct store_conn *next;
};

struct sv_store {
	char *root;
	int rootfd;
	bool created;
	char *db_path;
	char *wal_path;
	pthread_key_t key;
	pthread_mutex_t mu; /* guards conns */
	struct store_conn *conns;
};

/* Finalizes the calling thread's cached statements; false (none
 * finalized) while one is lent out (stmt-cache.c). */
bool store_cache_drop(void);

/* Applies every migration not yet recorded (schema.c). */
int store_migrate(sv_store *s, sqlite3 *db, sv_err **err);

#endif
