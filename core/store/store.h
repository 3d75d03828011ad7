/*
 * core/store — everything servin keeps on disk under its root.
 *
 *   servin.db          SQLite in WAL mode: images, tags, layers, containers,
 *                      volumes, networks, events (schema in schema.c)
 *   blobs/sha256/<hex> manifests, configs, layer tarballs; written to a
 *                      temporary name, verified, renamed into place
 *   layers/<hex>/      unpacked layers by chain id, shared by images
 *   containers/<id>/   per-container files (bundle, upper dir, log)
 *   volumes/<name>/    named volumes
 *   tmp/               temporaries named <kind>-<pid>-<rand>; a dead pid's
 *                      leftovers are swept at the next open
 *   locks/             flock(2) files
 *
 * Several processes share one root at once: SQLite's WAL lets readers run
 * beside one writer, writers wait on the busy handler (never fail fast), and
 * every change is one IMMEDIATE transaction. Within a process each thread
 * gets its own connection (sv_store_db), so a worker's transaction never
 * swallows another thread's statement.
 *
 * Crash rule: a process killed at any instant leaves the old state or the
 * new one. Files become visible by rename only after their content is
 * complete; database rows that point at files are committed after the
 * rename; removals delete rows first, then move files to tmp/ and delete
 * them there.
 */
#ifndef SV_CORE_STORE_STORE_H
#define SV_CORE_STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

struct sqlite3;
struct sqlite3_stmt;
struct cJSON;

typedef struct sv_store sv_store;

/* Opens (creating when needed) the store at root: directories 0700, the
 * database migrated to the current schema, stale temporaries swept.
 * Returns owned; free with sv_store_free(). Any thread. */
SV_API int sv_store_open(const char *root, sv_store **out, sv_err **err);
SV_API void sv_store_free(sv_store *s);
/* borrowed: valid until sv_store_free() */
SV_API const char *sv_store_root(const sv_store *s);
/* An O_DIRECTORY fd on the root, valid until sv_store_free(). */
SV_API int sv_store_root_fd(const sv_store *s);
/* True when this open created the database (first use of the root). */
SV_API bool sv_store_created(const sv_store *s);
/* Frames in the WAL not yet copied into the database, read from the
 * WAL index (<root>/servin.db-shm) without opening the database; -1 when
 * unknown. Cheap enough for a process without SQLite (the shim). */
SV_API long sv_store_wal_pending(const char *root);
/* Pending frames from which a process that is off the hot path (a shim
 * after its container's exit) checkpoints. */
#define SV_STORE_CHECKPOINT_FRAMES 128
/* Copies the WAL into the database (PASSIVE: never waits for readers or
 * writers), then empties the WAL if that took all of it and nobody uses
 * it (so a new process's first connection has no frames to read). Off
 * the hot path: whoever commits past 256 frames would otherwise pay for
 * it, fsyncs included. */
SV_API int sv_store_checkpoint(sv_store *s, sv_err **err);
/* Before a fork whose child uses the store: closes the process's
 * connections (SQLite state must not cross a fork), to be reopened on
 * next use. Single-threaded callers only; false (nothing closed) while a
 * statement is still out. */
SV_API bool sv_store_disconnect(sv_store *s);
/* Connects the calling thread and reads the schema now: the first
 * connection to a database no process has open rebuilds the WAL index,
 * and a second one that comes meanwhile waits for it. */
SV_API int sv_store_warm(sv_store *s, sv_err **err);
/* In the child, after it closed the fds it inherited: the root fd again. */
SV_API int sv_store_reopen_root(sv_store *s, sv_err **err);

/* ---------------------------------------------------------------- SQL */

/* The calling thread's connection (opened on first use). borrowed: valid
 * until the thread exits or sv_store_free(). NULL with *err on failure. */
SV_API struct sqlite3 *sv_store_db(sv_store *s, sv_err **err);
/* BEGIN IMMEDIATE on the calling thread's connection (waits for other
 * writers), COMMIT, ROLLBACK. */
SV_API int sv_store_begin(sv_store *s, sv_err **err);
SV_API int sv_store_commit(sv_store *s, sv_err **err);
SV_API void sv_store_rollback(sv_store *s);
/* Runs SQL without results on the calling thread's connection. */
SV_API int sv_store_exec(sv_store *s, const char *sql, sv_err **err);
/* Prepares a statement on the calling thread's connection; free with
 * sqlite3_finalize (or use SV_AUTOSTMT). */
SV_API struct sqlite3_stmt *sv_store_prepare(sv_store *s, const char *sql, sv_err **err);
/* Turns the connection's last error into *err ("<what>: <sqlite message>"). */
SV_API int sv_store_sql_err(sv_store *s, const char *what, sv_err **err);
SV_API void sv_cleanup_stmt(struct sqlite3_stmt **st);
#define SV_AUTOSTMT __attribute__((cleanup(sv_cleanup_stmt)))
/* sv_store_prepare for hot read paths: the statement comes from the calling
 * thread's cache (compiled once per thread and connection). Borrowed: give
 * it back with sv_store_cached_done (or declare it SV_AUTOSTMT_CACHED),
 * which resets it and clears its bindings; never finalize it. */
SV_API struct sqlite3_stmt *sv_store_cached(sv_store *s, const char *sql, sv_err **err);
SV_API void sv_store_cached_done(struct sqlite3_stmt **st);
#define SV_AUTOSTMT_CACHED __attribute__((cleanup(sv_store_cached_done)))

/* ---------------------------------------------------------------- events */

/* Appends an event (Docker's Type/Action/Actor.ID/Actor.Attributes).
 * attrs may be NULL; it is not taken. Inside the caller's transaction when
 * one is open, else its own. */
SV_API int sv_store_event_add(sv_store *s, const char *type, const char *action, const char *actor,
			      const struct cJSON *attrs, sv_err **err);

struct sv_event {
	int64_t seq;
	int64_t time_ns;
	char *type;
	char *action;
	char *actor;
	struct cJSON *attrs; /* object, never NULL */
};

/* Events with seq > after and time in [since_ns, until_ns] (0 = unbounded),
 * at most max, oldest first. *out owned: free with sv_events_free(). */
SV_API int sv_store_events(sv_store *s, int64_t after, int64_t since_ns, int64_t until_ns, size_t max,
			   struct sv_event **out, size_t *n, sv_err **err);
SV_API void sv_events_free(struct sv_event *ev, size_t n);
/* The newest event's seq (0 when none). */
SV_API int64_t sv_store_events_last(sv_store *s, sv_err **err);
/* Path of the file that changes whenever any process commits (the WAL);
 * watch it with inotify/uv_fs_event. borrowed. */
SV_API const char *sv_store_watch_path(const sv_store *s);

/* ---------------------------------------------------------------- blobs */

typedef struct sv_blob_writer sv_blob_writer;

/* A blob being written to tmp/, hashed as it goes. */
SV_API int sv_blob_writer_new(sv_store *s, sv_blob_writer **out, sv_err **err);
SV_API int sv_blob_writer_write(sv_blob_writer *w, const void *data, size_t len, sv_err **err);
SV_API int64_t sv_blob_writer_size(const sv_blob_writer *w);
/* Verifies the digest (and size when expected_size >= 0) and renames the
 * blob into place; EBADMSG on a mismatch, and the temporary is gone.
 * digest_out (may be NULL) receives the digest. The writer is finished
 * either way; free it. */
SV_API int sv_blob_writer_commit(sv_blob_writer *w, const char *expected, int64_t expected_size,
				 char digest_out[SV_DIGEST_STR_LEN], sv_err **err);
/* Removes the temporary when not committed. NULL is fine. */
SV_API void sv_blob_writer_free(sv_blob_writer *w);

/* Stores a small blob from memory. */
SV_API int sv_store_blob_put(sv_store *s, const void *data, size_t len, const char *expected,
			     char digest_out[SV_DIGEST_STR_LEN], sv_err **err);
SV_API bool sv_store_blob_exists(sv_store *s, const char *digest);
/* Opens a blob read-only; *size receives its size. ENOENT when absent. */
SV_API int sv_store_blob_open(sv_store *s, const char *digest, int64_t *size, sv_err **err);
/* Reads a blob of at most max bytes and checks its digest (EBADMSG). */
SV_API int sv_store_blob_read(sv_store *s, const char *digest, size_t max, struct sv_buf *out,
			      sv_err **err);
/* Removes a blob; absent is fine. */
SV_API int sv_store_blob_remove(sv_store *s, const char *digest, sv_err **err);
/* Path of a blob (owned), whether or not it exists. */
SV_API char *sv_store_blob_path(const sv_store *s, const char *digest);

/* ---------------------------------------------------------- temporaries */

/* Makes tmp/<kind>-<pid>-<rand>/ (0700) and returns its path (owned). */
SV_API char *sv_store_tmpdir(sv_store *s, const char *kind, sv_err **err);
/* Moves root-relative `rel` to tmp/ under a dead-on-arrival name and
 * removes it there: the old name disappears atomically. */
SV_API int sv_store_trash(sv_store *s, const char *rel, sv_err **err);
/* sv_store_trash in two steps, for a caller with someone waiting: the
 * move (*trash: the name in tmp/, owned, NULL when rel did not exist),
 * then sv_store_purge(*trash) once the waiter is answered. Should the
 * process die in between, the next store open sweeps it. */
SV_API int sv_store_trash_move(sv_store *s, const char *rel, char **trash, sv_err **err);
/* The same for a purge that process `purger` does (named after it: the
 * sweep leaves the trash alone while that process lives). */
SV_API int sv_store_trash_move_for(sv_store *s, const char *rel, pid_t purger, char **trash, sv_err **err);
SV_API int sv_store_purge(sv_store *s, const char *trash, sv_err **err);

/* ---------------------------------------------------------------- locks */

/* flock(2) on locks/<name>; returns an fd to close to release it. Waits. */
SV_API int sv_store_lock(sv_store *s, const char *name, bool exclusive, sv_err **err);

#endif
