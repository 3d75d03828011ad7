/*
 * storefx — a store in a fresh temporary directory, the fixture of the
 * unit tests that need a real database: dir/root is the store, dir/run a
 * run root path (made by whoever needs it). Failures abort the test.
 */
#ifndef SV_TESTS_STOREFX_H
#define SV_TESTS_STOREFX_H

#include "store/store.h"

struct store_fx {
	char dir[64];
	char root[96];
	char run[96];
	sv_store *s;
};

/* Opens a store in a new /tmp/<tag>-XXXXXX and runs seed_sql (may be NULL)
 * in it. Owned: store_fx_free. */
struct store_fx *store_fx_open(const char *tag, const char *seed_sql);
void store_fx_free(struct store_fx *f);
/* A cmocka teardown for a fixture made by store_fx_open. */
int store_fx_teardown(void **state);

#endif
