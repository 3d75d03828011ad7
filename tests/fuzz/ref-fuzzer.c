/*
 * Image references: parsing never crashes, and whatever parses prints back
 * to a string that parses to the same reference.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = sv_xstrndup((const char *)data, size);
	struct sv_ref r;
	if (sv_ref_parse(s, &r, NULL) == 0) {
		char *full = sv_ref_string(&r), *fam = sv_ref_familiar(&r);
		struct sv_ref r2;
		if (sv_ref_parse(full, &r2, NULL) != 0)
			abort();
		char *again = sv_ref_string(&r2);
		if (strcmp(full, again) != 0)
			abort();
		free(again);
		sv_ref_release(&r2);
		if (sv_ref_parse(fam, &r2, NULL) != 0)
			abort();
		sv_ref_release(&r2);
		free(full);
		free(fam);
		sv_ref_release(&r);
	}
	sv_ref_is_id_prefix(s);
	free(s);
	return 0;
}
