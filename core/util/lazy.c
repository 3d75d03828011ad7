/*
 * dlopen on first use. Each library is opened once (pthread_once, so
 * threads racing to the first call are fine) with RTLD_LOCAL: its symbols
 * never interpose anyone else's.
 */
#include "util/lazy.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pthread_once takes no argument: one trampoline per library, found by
 * the address of its once-flag. */
static struct sv_lazy_lib *lazy_opening;
static pthread_mutex_t lazy_mu = PTHREAD_MUTEX_INITIALIZER;

static void lazy_open(void)
{
	struct sv_lazy_lib *lib = lazy_opening;
	lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
}

static void __attribute__((noreturn)) lazy_die(const char *what, const char *detail)
{
	char msg[512];
	int n = snprintf(msg, sizeof msg, "servin: cannot load %s: %s (is the package installed completely?)\n",
			 what, detail ? detail : "unknown error");
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	abort();
}

void *sv_lazy_sym(struct sv_lazy_lib *lib, const char *name)
{
	pthread_mutex_lock(&lazy_mu);
	lazy_opening = lib;
	pthread_once(&lib->once, lazy_open);
	pthread_mutex_unlock(&lazy_mu);
	if (!lib->handle)
		lazy_die(lib->soname, dlerror());
	void *sym = dlsym(lib->handle, name);
	if (!sym)
		lazy_die(name, dlerror());
	return sym;
}
