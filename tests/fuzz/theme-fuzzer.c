/*
 * Theme files: any input either parses or gives an error naming the file,
 * and in both cases leaves a complete theme (the default on error) whose
 * colours are valid palette entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme t;
	sv_err *err = NULL;
	int rc = theme_parse((const char *)data, size, "fuzz.json", &t, 0, &err);
	if (rc < 0 && (!err || !strstr(err->msg, "fuzz.json")))
		abort();
	if (rc == 0 && err)
		abort();
	sv_err_free(err);
	for (int r = 0; r < ROLE_COUNT; r++) {
		const struct theme_style *s = &t.style[r];
		if (s->fg < -1 || s->fg > 255 || s->bg < -1 || s->bg > 255)
			abort();
		bool bold;
		int16_t d = theme_color_degrade(s->fg, 8, &bold);
		if (d < -1 || d > 7)
			abort();
	}
	return 0;
}
