/*
 * Internals shared by the files of core/engine.
 */
#ifndef SV_CORE_ENGINE_ENGINE_INTERNAL_H
#define SV_CORE_ENGINE_ENGINE_INTERNAL_H

#include <pthread.h>

#include "engine/engine.h"
#include "store/store.h"

struct sv_registry;
struct cJSON;

struct sv_engine {
	char *root;
	char *runroot;
	char *config;
	char *self_exe;	 /* absolute path of the surface binary, or NULL */
	char *bindir;	 /* directory of self_exe: servin-shim lives beside it */
	sv_store *store;
	struct sv_registry *registry; /* opened on first use (registry.c) */
	/* Set with the session: frees it. A pointer, so that binaries that
	 * never pull (servin-shim-ctl) do not link libcurl. */
	void (*registry_release)(sv_engine *e);
	pthread_mutex_t registry_mu;
	bool fork_shim;	 /* sv_engine_opts.fork_shim */
	pid_t *shim_children; /* shims forked by this process, not yet reaped */
	size_t n_shim_children;
};

/* Frees the registry session (registry.c). */
void engine_registry_release(sv_engine *e);

/* Opens the engine without seeding the default image (engine.c). */
int engine_open_core(const struct sv_engine_opts *opts, sv_engine **out, sv_err **err);
/* Docker's label filter: every "k" (present) or "k=v" (equal) in want
 * holds in the labels object (images.c). */
bool engine_labels_match(const struct cJSON *labels, char *const *want);
/* The default image is seeded once per store, on its first use: true
 * until a seed has succeeded (image.c). */
bool engine_needs_seed(sv_engine *e);
/* Loads the default image archive and records that the store is seeded. */
int engine_seed_default_image(sv_engine *e, const char *path, sv_err **err);

#endif
