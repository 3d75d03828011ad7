/*
 * Batch scripts: parsing never crashes or leaks; a parsed script's words
 * quote back (cli_batch_quote) to lines that split to the same words; the
 * one-line splitter agrees with the script parser on single lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/batch.h"
#include "app/cli/complete.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(char **argv)
{
	struct sv_buf line;
	sv_buf_init(&line);
	for (size_t i = 0; argv[i]; i++) {
		char *q = cli_batch_quote(argv[i]);
		sv_buf_addf(&line, "%s%s", i ? " " : "", q);
		free(q);
	}
	char **again = NULL;
	sv_err *err = NULL;
	if (cli_batch_split(line.data, &again, &err) != 0)
		abort();
	for (size_t i = 0; argv[i]; i++)
		if (!again[i] || strcmp(again[i], argv[i]) != 0)
			abort();
	if (again[sv_strv_len(argv)])
		abort();
	sv_strv_free(again);
	sv_buf_release(&line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_batch b;
	sv_err *err = NULL;
	if (cli_batch_parse((const char *)data, size, "fuzz", &b, &err) == 0) {
		for (size_t i = 0; i < b.n; i++) {
			if (!b.cmds[i].argv[0] || b.cmds[i].line < 1)
				abort();
			check_round_trip(b.cmds[i].argv);
		}
		cli_batch_release(&b);
	} else {
		if (!err || !err->msg[0] || b.n || b.cmds)
			abort();
		sv_err_free(err);
	}
	/* The completer over the same text as a line never crashes. */
	char *s = sv_xstrndup((const char *)data, size < 512 ? size : 512);
	size_t ws = 0;
	char **v = cli_complete(s, strlen(s), &ws, NULL, NULL);
	if (ws > strlen(s))
		abort();
	sv_strv_free(v);
	free(s);
	return 0;
}
