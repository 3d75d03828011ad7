#include "storefx.h"

#include <stdio.h>
#include <stdlib.h>

static void fail(const char *what, sv_err *err)
{
	fprintf(stderr, "storefx: %s: %s\n", what, err ? err->msg : "failed");
	abort();
}

struct store_fx *store_fx_open(const char *tag, const char *seed_sql)
{
	struct store_fx *f = sv_xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/%s-XXXXXX", tag);
	if (!mkdtemp(f->dir))
		fail("mkdtemp", NULL);
	snprintf(f->root, sizeof f->root, "%s/root", f->dir);
	snprintf(f->run, sizeof f->run, "%s/run", f->dir);
	sv_err *err = NULL;
	if (sv_store_open(f->root, &f->s, &err) < 0)
		fail("open store", err);
	if (seed_sql && sv_store_exec(f->s, seed_sql, &err) < 0)
		fail("seed", err);
	return f;
}

void store_fx_free(struct store_fx *f)
{
	if (!f)
		return;
	sv_store_free(f->s);
	sv_rm_rf(f->dir, NULL);
	free(f);
}

int store_fx_teardown(void **state)
{
	store_fx_free(*state);
	*state = NULL;
	return 0;
}
