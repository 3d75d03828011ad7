/*
 * Docker seccomp profiles (`--security-opt seccomp=FILE`, untrusted) →
 * OCI linux.seccomp → BPF: no input crashes the translator or the
 * compiler, and whatever the translator accepts is valid JSON.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = sv_xstrndup((const char *)data, size);
	char *caps[] = { (char *)(uintptr_t)"CAP_CHOWN", (char *)(uintptr_t)"CAP_SYS_ADMIN", NULL };
	sv_err *err = NULL;
	char *oci = sv_runtime_seccomp_from_docker(text, caps, &err);
	sv_err_clear(&err);
	if (oci) {
		cJSON *j = cJSON_Parse(oci);
		if (!j)
			abort();
		struct sv_buf bpf;
		sv_buf_init(&bpf);
		uint32_t flags;
		if (seccomp_compile(j, &bpf, &flags, &err) == 0 && bpf.len % 8 != 0)
			abort();
		sv_err_clear(&err);
		sv_buf_release(&bpf);
		cJSON_Delete(j);
	}
	free(oci);
	free(text);
	return 0;
}
