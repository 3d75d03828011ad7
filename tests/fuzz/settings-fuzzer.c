/*
 * desktop.json (settings and key bindings): any input leaves a usable
 * configuration — every setting in range, every binding a real key — and
 * an error message when something was refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/tui/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_config c;
	tui_config_init(&c);
	sv_err *err = NULL;
	int rc = tui_config_parse(&c, (const char *)data, size, "desktop.json", &err);
	if ((rc < 0) != (err != NULL))
		abort();
	sv_err_free(err);
	if (!c.theme || !c.view || c.refresh < 0.25 || c.refresh > 60)
		abort();
	for (int a = 1; a < ACT_COUNT; a++)
		for (int k = 0; k < KEYMAP_MAX_KEYS; k++) {
			tui_key key = c.keys.keys[a][k];
			char name[16];
			if (key && keymap_key_from_name(keymap_key_name(key, name, sizeof name)) != key)
				abort();
		}
	static const char *const scopes[] = { "containers", "list", "global", NULL };
	for (size_t i = 0; i < size && i < 64; i++)
		(void)keymap_lookup(&c.keys, scopes, data[i]);
	tui_config_release(&c);
	return 0;
}
