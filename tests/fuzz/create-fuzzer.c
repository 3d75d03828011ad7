/*
 * The API's biggest JSON body, POST /containers/create, through the engine
 * that checks it (sv_engine_container_create), against a real store in a
 * temporary root holding the busybox image. Invariants: no crash or leak;
 * a refusal carries a message and leaves no container behind; an accepted
 * body gives a container that inspects and removes cleanly.
 *
 * The input is the body itself (seeds: what docker, docker-py and compose
 * send); the first line may instead be "name:<name>" to fuzz names too.
 *
 *   make fuzz-bins && tests/fuzz/run.sh 60 build/fuzz/create-fuzzer
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/engine/engine.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sv_engine *engine;
static char root[PATH_MAX];

static void remove_root(void)
{
	sv_engine_free(engine);
	engine = NULL;
	sv_rm_rf(root, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	/* build/fuzz/create-fuzzer -> build/share/servin/busybox.oci.tar */
	char image[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		abort();
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(image, sizeof image, "%s/../share/servin/busybox.oci.tar", self);
	snprintf(root, sizeof root, "%s/servin-create-fuzz.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		abort();
	char store[PATH_MAX + 8], run[PATH_MAX + 8];
	snprintf(store, sizeof store, "%s/root", root);
	snprintf(run, sizeof run, "%s/run", root);
	struct sv_engine_opts o = { .root = store, .runroot = run, .self_exe = (*argv)[0], .default_image = image };
	sv_err *err = NULL;
	if (sv_engine_open(&o, &engine, &err) < 0) {
		fprintf(stderr, "create-fuzzer: %s\n", err->msg);
		abort();
	}
	atexit(remove_root);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char name[80] = "";
	bool named = size > 5 && memcmp(text, "name:", 5) == 0;
	if (named) {
		const char *nl = memchr(text, '\n', size);
		size_t len = nl ? (size_t)(nl - text) - 5 : size - 5;
		if (len >= sizeof name)
			len = sizeof name - 1;
		memcpy(name, text + 5, len);
		name[len] = '\0';
		if (memchr(name, '\0', len))
			return 0;
		size_t skip = nl ? (size_t)(nl - text) + 1 : size;
		text += skip;
		size -= skip;
	}
	sv_err *err = NULL;
	cJSON *body = sv_json_parse(text, size, 1 << 20, "request body", &err);
	if (!body) {
		if (!err || !err->msg[0])
			abort();
		sv_err_free(err);
		return 0;
	}
	char id[SV_CONTAINER_ID_LEN + 1] = "";
	char **warnings = NULL;
	int rc = sv_engine_container_create(engine, named ? name : NULL, body, id, &warnings, &err);
	cJSON_Delete(body);
	sv_strv_free(warnings);
	if (rc < 0) {
		if (!err || !err->msg[0])
			abort();
		sv_err_free(err);
		return 0;
	}
	if (strlen(id) != SV_CONTAINER_ID_LEN)
		abort();
	cJSON *j = sv_engine_container_inspect(engine, id, false, &err);
	if (!j)
		abort(); /* created but not inspectable */
	cJSON_Delete(j);
	if (sv_engine_container_remove(engine, id, SV_CTR_RM_FORCE, &err) < 0)
		abort(); /* created but not removable */
	return 0;
}
