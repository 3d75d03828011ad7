/*
 * config.json → struct spec → the plan for servin-init → decoded again:
 * no input crashes the parser, and every accepted config gives a plan the
 * helper's decoder accepts with the same process. The same bytes also go
 * straight to the plan decoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/plan.h"
#include "runtime/runtime-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_plan(const struct spec *s)
{
	struct build_opts bo = { .mode = PLAN_MODE_RUN };
	struct sv_buf b;
	sv_buf_init(&b);
	sv_err *err = NULL;
	if (build_plan(s, &bo, &b, &err) == 0) {
		struct plan p;
		const char *why = NULL;
		if (plan_decode(b.data, b.len, &p, &why) != 0)
			abort();
		if (strcmp(p.args[0], s->proc.args[0]) != 0 || p.uid != s->proc.uid || p.n_mounts != s->n_mounts)
			abort();
		plan_release(&p);
	}
	sv_err_free(err);
	sv_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The helper's decoder takes any bytes without harm too. */
	struct plan raw;
	const char *why = NULL;
	plan_decode((const char *)data, size, &raw, &why);
	plan_release(&raw);
	struct spec s;
	sv_err *err = NULL;
	if (spec_parse((const char *)data, size, "/bundle", &s, &err) == 0 && s.has_process)
		check_plan(&s);
	spec_release(&s);
	sv_err_free(err);
	return 0;
}
