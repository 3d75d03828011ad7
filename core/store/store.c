/*
 * Opening a store: the directory layout, one SQLite connection per thread,
 * transactions that wait for other writers instead of failing, and the
 * sweep of temporaries left by processes that died.
 */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-internal.h"

/* A writer waits this long for another process's transaction. Long on
 * purpose: a busy store must slow commands down, never fail them. */
#define STORE_BUSY_TIMEOUT_MS (5 * 60 * 1000)

static const char *const store_dirs[] = {
	"blobs", "blobs/sha256", "layers", "containers", "volumes", "tmp", "locks",
};

const char *sv_store_root(const sv_store *s)
{
	return s->root;
}

int sv_store_root_fd(const sv_store *s)
{
	return s->rootfd;
}

bool sv_store_created(const sv_store *s)
{
	return s->created;
}

const char *sv_store_watch_path(const sv_store *s)
{
	return s->wal_path;
}

int sv_store_sql_err(sv_store *s, const char *what, sv_err **err)
{
	sqlite3 *db = pthread_getspecific(s->key);
	int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
	int e = code == SQLITE_CONSTRAINT ? EEXIST : code == SQLITE_BUSY ? EBUSY : code == SQLITE_FULL ? ENOSPC : EIO;
	return sv_err_setx(err, e, "%s: %s", what, db ? sqlite3_errmsg(db) : "no database connection");
}

/* Waits for a lock another connection holds: SQLite's own handler sleeps
 * 1, 2, 5, 10... ms, and the locks a servin process meets are held for
 * well under a millisecond (a commit, another process's first read of the
 * WAL): retry after 50 µs, doubling to 4 ms, until the timeout. */
static int busy_wait(void *arg, int count)
{
	int64_t *since = arg;
	int64_t now = sv_time_mono_ns();
	if (count == 0)
		*since = now;
	if (now - *since > (int64_t)STORE_BUSY_TIMEOUT_MS * 1000000)
		return 0;
	int64_t ns = 50000LL << (count < 7 ? count : 7);
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ns };
	nanosleep(&ts, NULL);
	return 1;
}

static sqlite3 *conn_open(sv_store *s, int64_t *busy_since, sv_err **err)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(s->db_path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sv_err_setx(err, EIO, "open %s: %s", s->db_path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_handler(db, busy_wait, busy_since);
	sqlite3_extended_result_codes(db, 0);
	/* Every CLI call closes the last connection: without this, each close
	 * would checkpoint and delete the WAL with four fsyncs (~12 ms here).
	 * Commits checkpoint automatically instead, every 256 pages: the first
	 * connection of each process rebuilds the WAL index by reading every
	 * frame since the last checkpoint (~1.5 ms per 1000 frames here, paid
	 * by each of the three processes of a `run`), so a short WAL is worth
	 * a checkpoint every dozen runs. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	char *msg = NULL;
	/* The journal mode is the database's own (kept in its header): set
	 * once, when the database is made; asking again costs a read of it
	 * on every connection. */
	if (s->created)
		rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL;", NULL, NULL, &msg);
	rc = rc != SQLITE_OK ? rc : sqlite3_exec(db,
			  "PRAGMA synchronous=NORMAL;"
			  "PRAGMA wal_autocheckpoint=256;"
			  "PRAGMA journal_size_limit=1048576;"
			  "PRAGMA foreign_keys=ON;"
			  "PRAGMA temp_store=MEMORY;",
			  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		sv_err_setx(err, EIO, "configure %s: %s", s->db_path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *sv_store_db(sv_store *s, sv_err **err)
{
	sqlite3 *db = pthread_getspecific(s->key);
	if (db)
		return db;
	struct store_conn *c = sv_xcalloc(1, sizeof *c);
	db = conn_open(s, &c->busy_since, err);
	if (!db) {
		free(c);
		return NULL;
	}
	c->db = db;
	pthread_mutex_lock(&s->mu);
	c->next = s->conns;
	s->conns = c;
	pthread_mutex_unlock(&s->mu);
	pthread_setspecific(s->key, db);
	return db;
}

int sv_store_exec(sv_store *s, const char *sql, sv_err **err)
{
	sqlite3 *db = sv_store_db(s, err);
	if (!db)
		return -1;
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = sqlite3_errcode(db);
		sv_err_setx(err, code == SQLITE_CONSTRAINT ? EEXIST : code == SQLITE_BUSY ? EBUSY : EIO,
			    "database: %.40s: %s (%d)", sql, msg ? msg : "error", sqlite3_extended_errcode(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *sv_store_prepare(sv_store *s, const char *sql, sv_err **err)
{
	sqlite3 *db = sv_store_db(s, err);
	if (!db)
		return NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sv_err_setx(err, EIO, "database: prepare: %s", sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

void sv_cleanup_stmt(sqlite3_stmt **st)
{
	sqlite3_finalize(*st);
	*st = NULL;
}

int sv_store_begin(sv_store *s, sv_err **err)
{
	/* A statement of this connection still mid-row holds a read snapshot,
	 * and BEGIN IMMEDIATE then fails at once ("database is locked") when
	 * another process has written since. Callers must reset or finalize their
	 * statements first; test builds stop here when one did not. */
	sqlite3 *db = sv_store_db(s, err);
	if (!db)
		return -1;
	for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p; p = sqlite3_next_stmt(db, p)) {
		if (!sqlite3_stmt_busy(p))
			continue;
		sv_debug("statement still active at BEGIN: %s", sqlite3_sql(p));
#ifdef SV_TESTING
		abort();
#endif
	}
	return sv_store_exec(s, "BEGIN IMMEDIATE", err);
}

int sv_store_commit(sv_store *s, sv_err **err)
{
	if (sv_store_exec(s, "COMMIT", err) < 0) {
		sv_store_rollback(s);
		return -1;
	}
	return 0;
}

void sv_store_rollback(sv_store *s)
{
	sqlite3 *db = pthread_getspecific(s->key);
	if (db && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Temporaries whose process is gone are swept; a live process's are not. */
static void sweep_tmp(sv_store *s)
{
	int fd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		/* Names are <kind>-<pid>-<rand>; the kind has no digits-dash. */
		const char *dash = strchr(de->d_name, '-');
		if (!dash)
			continue;
		SV_AUTOFREE char *prefix = sv_xstrndup(de->d_name, (size_t)(dash - de->d_name) + 1);
		if (!sv_tmp_name_is_stale(de->d_name, prefix))
			continue;
		SV_AUTOERR sv_err *err = NULL;
		if (sv_rm_rf_at_unmounting(fd, de->d_name, &err) < 0)
			sv_warn("sweep %s/tmp/%s: %s", s->root, de->d_name, err->msg);
		else
			sv_debug("swept stale temporary %s", de->d_name);
	}
	closedir(d);
}

static int store_layout(sv_store *s, sv_err **err)
{
	if (sv_mkdir_p(s->root, 0700, err) < 0)
		return -1;
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return sv_err_set(err, errno, "open %s", s->root);
	/* The root is not reachable by unprivileged users: layers hold setuid
	 * files and device nodes (attacks.md item 20). */
	struct stat st;
	if (fstat(s->rootfd, &st) == 0 && (st.st_mode & 0077) && st.st_uid == geteuid())
		fchmod(s->rootfd, 0700);
	for (size_t i = 0; i < sizeof store_dirs / sizeof store_dirs[0]; i++)
		if (mkdirat(s->rootfd, store_dirs[i], 0700) < 0 && errno != EEXIST)
			return sv_err_set(err, errno, "mkdir %s/%s", s->root, store_dirs[i]);
	return 0;
}

static int store_init(sv_store *s, sv_err **err)
{
	if (store_layout(s, err) < 0)
		return -1;
	/* Migrations run under an exclusive lock, so two first uses of one
	 * root cannot both create the schema. */
	SV_AUTOCLOSE int lk = sv_store_lock(s, "schema", true, err);
	if (lk < 0)
		return -1;
	s->created = faccessat(s->rootfd, "servin.db", F_OK, 0) < 0;
	sqlite3 *db = sv_store_db(s, err);
	if (!db || store_migrate(s, db, err) < 0)
		return -1;
	sweep_tmp(s);
	return 0;
}

/* SQLite's memory statistics take a global mutex around every malloc: a
 * quarter of a busy listing's time. Must be set before any connection. */
static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int sv_store_open(const char *root, sv_store **out, sv_err **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_configure);
	sv_store *s = sv_xcalloc(1, sizeof *s);
	s->rootfd = -1;
	s->root = sv_xstrdup(root);
	s->db_path = sv_path_join(root, "servin.db");
	s->wal_path = sv_xasprintf("%s-wal", s->db_path);
	pthread_mutex_init(&s->mu, NULL);
	pthread_key_create(&s->key, NULL);
	if (store_init(s, err) < 0) {
		sv_err_prefix(err, "store %s", root);
		sv_store_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int sv_store_checkpoint(sv_store *s, sv_err **err)
{
	sqlite3 *db = sv_store_db(s, err);
	if (!db)
		return -1;
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return sv_err_setx(err, EIO, "checkpoint %s: %s", s->db_path, sqlite3_errmsg(db));
	/* Every copied frame stays valid in the WAL until a writer restarts
	 * it, and the first connection of each process (one per CLI call)
	 * rebuilds the WAL index by reading every valid frame and counts them
	 * all as pending again (then no writer restarts it: the frames would
	 * be read, and copied, again and again). So once the WAL is all in
	 * the database, a write from here restarts it: it is the first
	 * writer to see it so, and it pays the sync of the new WAL header
	 * that synchronous=NORMAL asks of a restart, instead of some CLI.
	 * (TRUNCATE would restart it too, but the next commit then grows the
	 * file again and syncs its inode along with the header.) */
	if (rc == SQLITE_OK && log > 0 && done == log) {
		SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
			s, "INSERT OR REPLACE INTO meta (key, value) VALUES ('checkpoint', ?)", err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, sv_time_now_ns() / 1000000000);
		if (sqlite3_step(st) != SQLITE_DONE)
			return sv_store_sql_err(s, "checkpoint", err);
	}
	return 0;
}

/* Closes every connection (s->mu held); the calling thread's is forgotten. */
static void conns_close(sv_store *s)
{
	for (struct store_conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		sqlite3_close_v2(c->db);
		free(c);
	}
	s->conns = NULL;
	pthread_setspecific(s->key, NULL);
}

bool sv_store_disconnect(sv_store *s)
{
	/* The cached statements go first (finalizing them is harmless if we
	 * then keep the connections): afterwards any statement left is out. */
	if (!store_cache_drop())
		return false;
	pthread_mutex_lock(&s->mu);
	bool busy = false;
	for (struct store_conn *c = s->conns; c && !busy; c = c->next)
		busy = !sqlite3_get_autocommit(c->db) || sqlite3_next_stmt(c->db, NULL);
	if (!busy)
		conns_close(s);
	pthread_mutex_unlock(&s->mu);
	return !busy;
}

int sv_store_warm(sv_store *s, sv_err **err)
{
	return sv_store_exec(s, "SELECT count(*) FROM sqlite_master", err);
}

int sv_store_reopen_root(sv_store *s, sv_err **err)
{
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return s->rootfd < 0 ? sv_err_set(err, errno, "open %s", s->root) : 0;
}

void sv_store_free(sv_store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	conns_close(s);
	pthread_mutex_unlock(&s->mu);
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->mu);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root);
	free(s->db_path);
	free(s->wal_path);
	free(s);
}

char *sv_store_tmpdir(sv_store *s, const char *kind, sv_err **err)
{
	SV_AUTOFREE char *prefix = sv_xasprintf("%s-", kind);
	SV_AUTOFREE char *name = sv_tmp_name(prefix);
	SV_AUTOFREE char *rel = sv_path_join("tmp", name);
	if (mkdirat(s->rootfd, rel, 0700) < 0)
		return sv_err_set(err, errno, "mkdir %s/%s", s->root, rel), NULL;
	return sv_path_join(s->root, rel);
}

int sv_store_trash_move(sv_store *s, const char *rel, char **trash, sv_err **err)
{
	return sv_store_trash_move_for(s, rel, getpid(), trash, err);
}

int sv_store_trash_move_for(sv_store *s, const char *rel, pid_t purger, char **trash, sv_err **err)
{
	SV_AUTOFREE char *name = sv_tmp_name_for("trash-", purger);
	char *dst = sv_path_join("tmp", name);
	*trash = NULL;
	if (renameat(s->rootfd, rel, s->rootfd, dst) < 0) {
		int e = errno;
		free(dst);
		return e == ENOENT ? 0 : sv_err_set(err, e, "move %s/%s aside", s->root, rel);
	}
	*trash = dst;
	return 0;
}

int sv_store_purge(sv_store *s, const char *trash, sv_err **err)
{
	/* (a container removed at its exit may have left its rootfs mounted
	 * in there for the purge to detach: see ctr_destroy_deferred) */
	return trash ? sv_rm_rf_at_unmounting(s->rootfd, trash, err) : 0;
}

int sv_store_trash(sv_store *s, const char *rel, sv_err **err)
{
	SV_AUTOFREE char *trash = NULL;
	if (sv_store_trash_move(s, rel, &trash, err) < 0)
		return -1;
	return sv_store_purge(s, trash, err);
}

int sv_store_lock(sv_store *s, const char *name, bool exclusive, sv_err **err)
{
	SV_AUTOFREE char *rel = sv_path_join("locks", name);
	SV_AUTOCLOSE int fd = openat(s->rootfd, rel, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sv_err_set(err, errno, "open lock %s", rel);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR)
			return sv_err_set(err, errno, "lock %s", rel);
	}
	return sv_steal_fd(&fd);
}
