/*
 * core/store statement cache: a statement comes back reset and unbound,
 * a nested use of the same SQL gets its own, the key is the text (not
 * only its address), eviction keeps answers right, and each store and
 * each thread has its own statements — also after a store is freed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "helpers/storefx.h"

static sv_store *open_store(const char *root)
{
	SV_AUTOERR sv_err *err = NULL;
	sv_store *s = NULL;
	assert_int_equal(sv_store_open(root, &s, &err), 0);
	return s;
}

static int setup(void **state)
{
	*state = store_fx_open("sv-stmtc",
					"CREATE TABLE t (k INTEGER); INSERT INTO t VALUES (1), (2), (3);");
	return 0;
}

/* The single integer a statement answers (its first row), -1 for none. */
static int64_t answer(sqlite3_stmt *st)
{
	return sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
}

static int64_t ask(sv_store *s, const char *sql)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTMT_CACHED sqlite3_stmt *st = sv_store_cached(s, sql, &err);
	assert_non_null(st);
	return answer(st);
}

static void test_store_cache__reused_reset_and_unbound(void **state)
{
	struct store_fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	static const char sql[] = "SELECT k + coalesce(?1, 100) FROM t ORDER BY k";
	sqlite3_stmt *a = sv_store_cached(f->s, sql, &err);
	assert_non_null(a);
	sqlite3_bind_int(a, 1, 10);
	assert_int_equal(answer(a), 11);
	assert_int_equal(answer(a), 12); /* left mid-rows */
	sqlite3_stmt *kept = a;
	sv_store_cached_done(&a);
	assert_null(a);
	sqlite3_stmt *b = sv_store_cached(f->s, sql, &err);
	assert_ptr_equal(b, kept);
	assert_int_equal(answer(b), 101); /* from the first row, no binding left */
	sv_store_cached_done(&b);
	/* Given back reset: a writer is not blocked by a read snapshot. */
	assert_int_equal(sv_store_begin(f->s, &err), 0);
	assert_int_equal(sv_store_exec(f->s, "INSERT INTO t VALUES (0)", &err), 0);
	assert_int_equal(sv_store_commit(f->s, &err), 0);
	assert_int_equal(ask(f->s, sql), 100);
}

static void test_store_cache__nested_use_gets_its_own(void **state)
{
	struct store_fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	static const char sql[] = "SELECT k FROM t ORDER BY k";
	sqlite3_stmt *outer = sv_store_cached(f->s, sql, &err);
	assert_int_equal(answer(outer), 1);
	sqlite3_stmt *inner = sv_store_cached(f->s, sql, &err);
	assert_non_null(inner);
	assert_ptr_not_equal(inner, outer);
	assert_int_equal(answer(inner), 1);
	assert_int_equal(answer(inner), 2);
	sv_store_cached_done(&inner); /* finalized: not the cache's */
	assert_int_equal(answer(outer), 2);
	sqlite3_stmt *kept = outer;
	sv_store_cached_done(&outer);
	sqlite3_stmt *again = sv_store_cached(f->s, sql, &err);
	assert_ptr_equal(again, kept);
	sv_store_cached_done(&again);
}

static void test_store_cache__keyed_by_text(void **state)
{
	struct store_fx *f = *state;
	char sql[64];
	/* The same buffer with another text: another statement. */
	snprintf(sql, sizeof sql, "SELECT max(k) FROM t");
	assert_int_equal(ask(f->s, sql), 3);
	snprintf(sql, sizeof sql, "SELECT min(k) FROM t");
	assert_int_equal(ask(f->s, sql), 1);
}

static void test_store_cache__eviction_keeps_answers(void **state)
{
	struct store_fx *f = *state;
	char sql[64];
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 60; i++) {
			snprintf(sql, sizeof sql, "SELECT %d + count(*) FROM t", i);
			assert_int_equal(ask(f->s, sql), i + 3);
		}
	/* Many lent at once (more than the cache holds) all work. */
	sqlite3_stmt *lent[40];
	SV_AUTOERR sv_err *err = NULL;
	for (int i = 0; i < 40; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		lent[i] = sv_store_cached(f->s, sql, &err);
		assert_non_null(lent[i]);
	}
	for (int i = 0; i < 40; i++) {
		assert_int_equal(answer(lent[i]), i);
		sv_store_cached_done(&lent[i]);
	}
}

static void test_store_cache__bad_sql(void **state)
{
	struct store_fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	assert_null(sv_store_cached(f->s, "SELECT FROM nowhere", &err));
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "prepare"));
	sqlite3_stmt *none = NULL;
	sv_store_cached_done(&none); /* giving back nothing is fine */
}

static void test_store_cache__per_store_even_after_free(void **state)
{
	struct store_fx *f = *state;
	static const char sql[] = "SELECT count(*) FROM t";
	char root2[128];
	snprintf(root2, sizeof root2, "%s/other", f->dir);
	sv_store *s2 = open_store(root2);
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_store_exec(s2, "CREATE TABLE t (k INTEGER); INSERT INTO t VALUES (7);", &err), 0);
	assert_int_equal(ask(f->s, sql), 3);
	assert_int_equal(ask(s2, sql), 1);
	/* A store freed with its statement cached, then opened again: the
	 * new connection compiles its own; the old one is not touched. */
	sv_store_free(s2);
	s2 = open_store(root2);
	assert_int_equal(sv_store_exec(s2, "INSERT INTO t VALUES (8)", &err), 0);
	assert_int_equal(ask(s2, sql), 2);
	assert_int_equal(ask(f->s, sql), 3);
	sv_store_free(s2);
}

struct thread_arg {
	sv_store *s;
	sqlite3_stmt *seen;
	int64_t got;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	SV_AUTOERR sv_err *err = NULL;
	sqlite3_stmt *st = sv_store_cached(a->s, "SELECT count(*) FROM t", &err);
	a->seen = st;
	a->got = st ? answer(st) : -1;
	sv_store_cached_done(&st);
	return NULL; /* the thread's cache is freed as it exits */
}

static void test_store_cache__per_thread(void **state)
{
	struct store_fx *f = *state;
	SV_AUTOERR sv_err *err = NULL;
	sqlite3_stmt *mine = sv_store_cached(f->s, "SELECT count(*) FROM t", &err);
	struct thread_arg a = { .s = f->s };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, thread_main, &a), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(a.got, 3);
	assert_ptr_not_equal(a.seen, mine);
	sv_store_cached_done(&mine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_cache__reused_reset_and_unbound, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_cache__nested_use_gets_its_own, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_cache__keyed_by_text, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_cache__eviction_keeps_answers, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_cache__bad_sql, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_cache__per_store_even_after_free, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_cache__per_thread, setup, store_fx_teardown),
	};
	return cmocka_run_group_tests_name("store_cache", tests, NULL, NULL);
}
