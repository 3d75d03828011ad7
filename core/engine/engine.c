/*
 * Opening the engine: where the state lives, the store under it, and the
 * default image that makes a fresh install useful without a network.
 */
#include "engine/engine.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-internal.h"

const char *sv_engine_arch(void)
{
	return sv_host_arch();
}

const char *sv_engine_root(const sv_engine *e)
{
	return e->root;
}

const char *sv_engine_runroot(const sv_engine *e)
{
	return e->runroot;
}

static char *pick(const char *given, const char *env, const char *def)
{
	if (given && *given)
		return sv_xstrdup(given);
	const char *v = getenv(env);
	return sv_xstrdup(v && *v ? v : def);
}

static void locate_self(sv_engine *e, const char *self_exe)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		e->self_exe = sv_xstrdup(buf);
	} else if (self_exe && strchr(self_exe, '/')) {
		e->self_exe = realpath(self_exe, NULL);
	}
	if (e->self_exe) {
		char *slash = strrchr(e->self_exe, '/');
		e->bindir = sv_xstrndup(e->self_exe, (size_t)(slash - e->self_exe));
	}
}

int engine_open_core(const struct sv_engine_opts *opts, sv_engine **out, sv_err **err)
{
	sv_engine *e = sv_xcalloc(1, sizeof *e);
	pthread_mutex_init(&e->registry_mu, NULL);
	e->root = pick(opts->root, "SERVIN_ROOT", SV_ENGINE_DEFAULT_ROOT);
	e->runroot = pick(opts->runroot, "SERVIN_RUNROOT", SV_ENGINE_DEFAULT_RUNROOT);
	e->config = opts->config ? sv_xstrdup(opts->config) : NULL;
	e->fork_shim = opts->fork_shim;
	locate_self(e, opts->self_exe);
	if (e->root[0] != '/' || e->runroot[0] != '/') {
		sv_err_setx(err, EINVAL, "--root and --runroot must be absolute paths");
		goto fail;
	}
	if (sv_mkdir_p(e->runroot, 0700, err) < 0 || sv_store_open(e->root, &e->store, err) < 0)
		goto fail;
	*out = e;
	return 0;
fail:
	sv_engine_free(e);
	return -1;
}

int sv_engine_open_shim(const struct sv_engine_opts *opts, sv_engine **out, sv_err **err)
{
	return engine_open_core(opts, out, err);
}

int sv_engine_checkpoint(sv_engine *e, long min_frames, sv_err **err)
{
	if (min_frames > 0 && sv_store_wal_pending(e->root) < min_frames)
		return 0;
	return sv_store_checkpoint(e->store, err);
}

void sv_engine_free(sv_engine *e)
{
	if (!e)
		return;
	if (e->registry_release)
		e->registry_release(e);
	pthread_mutex_destroy(&e->registry_mu);
	sv_store_free(e->store);
	free(e->root);
	free(e->runroot);
	free(e->config);
	free(e->self_exe);
	free(e->bindir);
	free(e->shim_children);
	free(e);
}
