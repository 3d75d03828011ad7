/*
 * Libraries loaded on first use (dlopen), for libcurl and libarchive: see
 * mk/gen-lazy.py for why. Internal to libservin.
 */
#ifndef SV_CORE_UTIL_LAZY_H
#define SV_CORE_UTIL_LAZY_H

#include <pthread.h>

struct sv_lazy_lib {
	const char *soname;
	pthread_once_t once;
	void *handle;
};

#define SV_LAZY_LIB(soname) { (soname), PTHREAD_ONCE_INIT, NULL }

/* The address of `name` in the library, loading it on first use. A missing
 * library or symbol is a broken installation: the process stops with a
 * message naming what is missing (the package depends on both). */
void *sv_lazy_sym(struct sv_lazy_lib *lib, const char *name);

#endif
