/*
 * core/store: layout and permissions, migrations, blobs verified before
 * they become visible, events, temporaries swept only when their owner is
 * dead, and many writers at once (threads and processes) never failing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "helpers/storefx.h"

static int setup(void **state)
{
	*state = store_fx_open("sv-store", NULL);
	return 0;
}

static int count_dir(const char *path)
{
	int n = 0;
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_store__layout_private_and_migrated(void **state)
{
	struct store_fx *f = *state;
	struct stat st;
	assert_int_equal(stat(f->root, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_true(sv_store_created(f->s));
	static const char *const dirs[] = { "blobs/sha256", "layers", "containers", "volumes", "tmp", "locks" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char p[160];
		snprintf(p, sizeof p, "%s/%s", f->root, dirs[i]);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	/* reopening migrates nothing twice and is not "created" */
	sv_store *s2;
	assert_int_equal(sv_store_open(f->root, &s2, NULL), 0);
	assert_false(sv_store_created(s2));
	SV_AUTOSTMT sqlite3_stmt *st2 = sv_store_prepare(s2, "SELECT COUNT(*) FROM migrations", NULL);
	assert_int_equal(sqlite3_step(st2), SQLITE_ROW);
	assert_true(sqlite3_column_int(st2, 0) >= 1);
	SV_AUTOSTMT sqlite3_stmt *jm = sv_store_prepare(s2, "PRAGMA journal_mode", NULL);
	assert_int_equal(sqlite3_step(jm), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(jm, 0), "wal");
	sqlite3_finalize(st2);
	st2 = NULL;
	sqlite3_finalize(jm);
	jm = NULL;
	sv_store_free(s2);
}

static void exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static int count_sql(sv_store *s, const char *sql)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(s, sql, NULL);
	assert_non_null(st);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	return sqlite3_column_int(st, 0);
}

/* A database from before a migration (its row, table and column gone) gets
 * it on the next open, and the rows it had are kept. */
static void test_store__missing_migration_applied_rows_kept(void **state)
{
	struct store_fx *f = *state;
	sqlite3 *db = sv_store_db(f->s, NULL);
	assert_non_null(db);
	exec_sql(db, "INSERT INTO volumes (name, created) VALUES ('keep-me', 1);"
		     "INSERT INTO meta (key, value) VALUES ('marker', 'kept');"
		     "DELETE FROM migrations WHERE name = 'volume-0001-refs';"
		     "DROP TABLE volume_refs;"
		     "ALTER TABLE volumes DROP COLUMN anonymous;");
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'volume_refs'"), 0);
	sv_store_free(f->s);
	f->s = NULL;

	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_store_open(f->root, &f->s, &err), 0);
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) FROM migrations WHERE name = 'volume-0001-refs'"), 1);
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'volume_refs'"), 1);
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'volume_refs_volume'"), 1);
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) FROM volumes WHERE name = 'keep-me' AND anonymous = 0"), 1);
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) FROM meta WHERE key = 'marker' AND value = 'kept'"), 1);
	/* and every migration is recorded once */
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) - COUNT(DISTINCT name) FROM migrations"), 0);
}

static void test_store__blob_verified_before_visible(void **state)
{
	struct store_fx *f = *state;
	char d[SV_DIGEST_STR_LEN];
	assert_int_equal(sv_store_blob_put(f->s, "hello", 5, NULL, d, NULL), 0);
	assert_true(sv_store_blob_exists(f->s, d));
	struct sv_buf b;
	sv_buf_init(&b);
	assert_int_equal(sv_store_blob_read(f->s, d, 100, &b, NULL), 0);
	assert_string_equal(b.data, "hello");

	/* wrong digest: refused, nothing stored, no temporary left */
	sv_blob_writer *w;
	assert_int_equal(sv_blob_writer_new(f->s, &w, NULL), 0);
	assert_int_equal(sv_blob_writer_write(w, "other", 5, NULL), 0);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_blob_writer_commit(w, d, -1, NULL, &err), -1);
	assert_int_equal(err->code, EBADMSG);
	sv_blob_writer_free(w);
	char other[SV_DIGEST_STR_LEN];
	sv_sha256_data("other", 5, other);
	assert_false(sv_store_blob_exists(f->s, other));
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s/tmp", f->root);
	assert_int_equal(count_dir(tmp), 0);

	/* wrong size */
	assert_int_equal(sv_blob_writer_new(f->s, &w, NULL), 0);
	assert_int_equal(sv_blob_writer_write(w, "other", 5, NULL), 0);
	SV_AUTOERR sv_err *e2 = NULL;
	assert_int_equal(sv_blob_writer_commit(w, other, 6, NULL, &e2), -1);
	assert_int_equal(e2->code, EBADMSG);
	sv_blob_writer_free(w);
	assert_false(sv_store_blob_exists(f->s, other));

	/* an abandoned writer leaves nothing */
	assert_int_equal(sv_blob_writer_new(f->s, &w, NULL), 0);
	sv_blob_writer_free(w);
	assert_int_equal(count_dir(tmp), 0);

	/* corruption on disk is detected on read */
	char *path = sv_store_blob_path(f->s, d);
	FILE *fp = fopen(path, "w");
	fputs("HELLO", fp);
	fclose(fp);
	free(path);
	sv_buf_reset(&b);
	SV_AUTOERR sv_err *e3 = NULL;
	assert_int_equal(sv_store_blob_read(f->s, d, 100, &b, &e3), -1);
	assert_int_equal(e3->code, EBADMSG);
	assert_non_null(strstr(e3->msg, "corrupt"));
	sv_buf_release(&b);
	SV_AUTOERR sv_err *e4 = NULL;
	assert_int_equal(sv_store_blob_open(f->s, "sha256:../../etc/passwd", NULL, &e4), -1);
}

static void test_store__events_in_order_with_bounds(void **state)
{
	struct store_fx *f = *state;
	int64_t t0 = sv_time_now_ns();
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "name", "busybox:latest");
	assert_int_equal(sv_store_event_add(f->s, "image", "load", "busybox:latest", a, NULL), 0);
	cJSON_Delete(a);
	assert_int_equal(sv_store_event_add(f->s, "container", "start", "abc", NULL, NULL), 0);
	int64_t last = sv_store_events_last(f->s, NULL);
	assert_true(last >= 2);
	struct sv_event *ev;
	size_t n;
	assert_int_equal(sv_store_events(f->s, 0, t0, 0, 0, &ev, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].action, "load");
	assert_string_equal(sv_json_str(ev[0].attrs, "name"), "busybox:latest");
	assert_string_equal(ev[1].type, "container");
	assert_true(ev[0].seq < ev[1].seq);
	int64_t after = ev[0].seq;
	sv_events_free(ev, n);
	assert_int_equal(sv_store_events(f->s, after, 0, 0, 0, &ev, &n, NULL), 0);
	assert_int_equal(n, 1);
	sv_events_free(ev, n);
	assert_int_equal(sv_store_events(f->s, 0, 0, t0 - 1, 0, &ev, &n, NULL), 0);
	assert_int_equal(n, 0);
	sv_events_free(ev, n);
}

static void test_store__stale_temporaries_swept(void **state)
{
	struct store_fx *f = *state;
	char p[200];
	/* pid 2^22+1 is above pid_max here: certainly dead */
	snprintf(p, sizeof p, "%s/tmp/load-4194305-deadbeef", f->root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/tmp/blob-4194305-cafe", f->root);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	snprintf(p, sizeof p, "%s/tmp/load-%d-live", f->root, (int)getppid());
	assert_int_equal(mkdir(p, 0700), 0);
	sv_store *s2;
	assert_int_equal(sv_store_open(f->root, &s2, NULL), 0);
	sv_store_free(s2);
	snprintf(p, sizeof p, "%s/tmp", f->root);
	assert_int_equal(count_dir(p), 1);
	snprintf(p, sizeof p, "%s/tmp/load-%d-live", f->root, (int)getppid());
	assert_int_equal(access(p, F_OK), 0);
}

static void test_store__trash_removes_atomically(void **state)
{
	struct store_fx *f = *state;
	char p[200];
	snprintf(p, sizeof p, "%s/layers/x", f->root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/layers/x/f", f->root);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(sv_store_trash(f->s, "layers/x", NULL), 0);
	snprintf(p, sizeof p, "%s/layers/x", f->root);
	assert_true(access(p, F_OK) < 0);
	snprintf(p, sizeof p, "%s/tmp", f->root);
	assert_int_equal(count_dir(p), 0);
	assert_int_equal(sv_store_trash(f->s, "layers/missing", NULL), 0);
}

#define WRITERS 4
#define ROUNDS 100

static int write_events(sv_store *s, const char *who)
{
	for (int i = 0; i < ROUNDS; i++) {
		SV_AUTOERR sv_err *err = NULL;
		if (sv_store_begin(s, &err) < 0)
			return -1;
		if (sv_store_event_add(s, "test", "write", who, NULL, &err) < 0) {
			sv_store_rollback(s);
			return -1;
		}
		if (sv_store_commit(s, &err) < 0)
			return -1;
	}
	return 0;
}

static void *writer_thread(void *arg)
{
	return (void *)(intptr_t)write_events(arg, "thread");
}

static void test_store__threads_write_at_once(void **state)
{
	struct store_fx *f = *state;
	pthread_t t[WRITERS];
	for (int i = 0; i < WRITERS; i++)
		pthread_create(&t[i], NULL, writer_thread, f->s);
	for (int i = 0; i < WRITERS; i++) {
		void *rc;
		pthread_join(t[i], &rc);
		assert_int_equal((intptr_t)rc, 0);
	}
	struct sv_event *ev;
	size_t n;
	assert_int_equal(sv_store_events(f->s, 0, 0, 0, 0, &ev, &n, NULL), 0);
	assert_int_equal(n, WRITERS * ROUNDS);
	sv_events_free(ev, n);
}

static void test_store__processes_write_at_once(void **state)
{
	struct store_fx *f = *state;
	pid_t pids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			sv_store *s;
			int rc = sv_store_open(f->root, &s, NULL) == 0 ? write_events(s, "proc") : -1;
			_exit(rc == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < WRITERS; i++) {
		int status;
		waitpid(pids[i], &status, 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	struct sv_event *ev;
	size_t n;
	assert_int_equal(sv_store_events(f->s, 0, 0, 0, 0, &ev, &n, NULL), 0);
	assert_int_equal(n, WRITERS * ROUNDS);
	sv_events_free(ev, n);
}

static void test_store__locks_exclude(void **state)
{
	struct store_fx *f = *state;
	int a = sv_store_lock(f->s, "x", true, NULL);
	assert_true(a >= 0);
	pid_t pid = fork();
	if (pid == 0) {
		char p[200];
		snprintf(p, sizeof p, "%s/locks/x", f->root);
		int fd = open(p, O_RDWR);
		_exit(flock(fd, LOCK_EX | LOCK_NB) == 0 ? 1 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	close(a);
	int b = sv_store_lock(f->s, "x", false, NULL);
	int c = sv_store_lock(f->s, "x", false, NULL);
	assert_true(b >= 0 && c >= 0);
	close(b);
	close(c);
}

/* The WAL index read without SQLite follows commits and checkpoints. */
static void test_store__wal_pending_and_checkpoint(void **state)
{
	struct store_fx *f = *state;
	/* (what a checkpoint leaves pending: its own small write) */
	assert_int_equal(sv_store_checkpoint(f->s, NULL), 0);
	long base = sv_store_wal_pending(f->root);
	assert_true(base >= 0 && base <= 2);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sv_store_event_add(f->s, "container", "start", "abc", NULL, NULL), 0);
	long n = sv_store_wal_pending(f->root);
	assert_true(n >= base + 5); /* one frame a commit at least */
	assert_int_equal(sv_store_event_add(f->s, "container", "die", "abc", NULL, NULL), 0);
	assert_true(sv_store_wal_pending(f->root) > n);
	assert_int_equal(sv_store_checkpoint(f->s, NULL), 0);
	assert_true(sv_store_wal_pending(f->root) <= 2);
	/* The checkpoint restarted the WAL: the next process's first
	 * connection, which rebuilds the index from every valid frame (and
	 * counts them all as pending again), finds only the checkpoint's own
	 * small write, not the frames copied already. */
	sv_store_free(f->s);
	assert_int_equal(sv_store_open(f->root, &f->s, NULL), 0);
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) FROM events WHERE action = 'die'"), 1);
	assert_int_equal(count_sql(f->s, "SELECT COUNT(*) FROM meta WHERE key = 'checkpoint'"), 1);
	long after = sv_store_wal_pending(f->root);
	assert_true(after >= 0 && after < n);
	/* No index, or not SQLite's: unknown. */
	assert_int_equal(sv_store_wal_pending(f->dir), -1);
	char p[200];
	snprintf(p, sizeof p, "%s/servin.db-shm", f->dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	char junk[200];
	memset(junk, 0x5a, sizeof junk);
	assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	assert_int_equal(sv_store_wal_pending(f->dir), -1);
	unlink(p);
}

/* A fork's child may use the store once the parent let go of its
 * connections; never while a statement is out. */
static void test_store__disconnect_for_fork(void **state)
{
	struct store_fx *f = *state;
	assert_int_equal(sv_store_event_add(f->s, "container", "create", "abc", NULL, NULL), 0);
	sqlite3_stmt *st = sv_store_cached(f->s, "SELECT count(*) FROM events", NULL);
	assert_non_null(st);
	assert_false(sv_store_disconnect(f->s)); /* lent out */
	sv_store_cached_done(&st);
	assert_int_equal(sv_store_begin(f->s, NULL), 0);
	assert_false(sv_store_disconnect(f->s)); /* in a transaction */
	sv_store_rollback(f->s);
	assert_true(sv_store_disconnect(f->s));
	pid_t pid = fork();
	if (pid == 0) {
		close(sv_store_root_fd(f->s));
		int ok = sv_store_reopen_root(f->s, NULL) == 0 &&
			 sv_store_event_add(f->s, "container", "start", "child", NULL, NULL) == 0;
		_exit(ok ? 0 : 1);
	}
	(void)sv_store_db(f->s, NULL); /* the parent reconnects meanwhile */
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct sv_event *ev;
	size_t n;
	assert_int_equal(sv_store_events(f->s, 0, 0, 0, 0, &ev, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ev[1].actor, "child");
	sv_events_free(ev, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, store_fx_teardown)
		T(test_store__layout_private_and_migrated),
		T(test_store__missing_migration_applied_rows_kept),
		T(test_store__blob_verified_before_visible),
		T(test_store__events_in_order_with_bounds),
		T(test_store__stale_temporaries_swept),
		T(test_store__trash_removes_atomically),
		T(test_store__threads_write_at_once),
		T(test_store__processes_write_at_once),
		T(test_store__locks_exclude),
		T(test_store__wal_pending_and_checkpoint),
		T(test_store__disconnect_for_fork),
#undef T
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
