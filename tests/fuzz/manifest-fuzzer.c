/*
 * Manifests, indexes and configs: untrusted JSON through every parser.
 */
#include <stdint.h>
#include <stdlib.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	sv_manifest_kind(text, size, NULL, NULL);
	struct sv_manifest m;
	if (sv_manifest_parse(text, size, &m, NULL) == 0)
		sv_manifest_release(&m);
	struct sv_index ix;
	if (sv_index_parse(text, size, &ix, NULL) == 0) {
		sv_index_select(&ix, NULL, NULL, NULL, NULL);
		sv_index_select(&ix, "linux", "arm", "v7", NULL);
		sv_index_release(&ix);
	}
	struct sv_image_config c;
	if (sv_image_config_parse(text, size, &c, NULL) == 0)
		sv_image_config_release(&c);
	return 0;
}
