/*
 * Small helpers every command shares: docker-style JSON printing, the
 * y/N prompt, and the time and id forms docker prints.
 */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* encoding/json's MarshalIndent with four spaces: every non-empty object
 * and array opens a new level; scalars print as cJSON writes them. */
static void json_indent(struct sv_buf *b, const cJSON *j, int depth)
{
	bool obj = cJSON_IsObject(j);
	if (!obj && !cJSON_IsArray(j)) {
		char *s = sv_json_print(j);
		sv_buf_adds(b, s);
		free(s);
		return;
	}
	if (!j->child) {
		sv_buf_adds(b, obj ? "{}" : "[]");
		return;
	}
	sv_buf_addc(b, obj ? '{' : '[');
	for (const cJSON *it = j->child; it; it = it->next) {
		sv_buf_addf(b, "\n%*s", 4 * (depth + 1), "");
		if (obj) {
			cJSON *key = cJSON_CreateString(it->string ? it->string : "");
			char *k = sv_json_print(key);
			sv_buf_addf(b, "%s: ", k);
			free(k);
			cJSON_Delete(key);
		}
		json_indent(b, it, depth + 1);
		if (it->next)
			sv_buf_addc(b, ',');
	}
	sv_buf_addf(b, "\n%*s%c", 4 * depth, "", obj ? '}' : ']');
}

void cli_print_json(FILE *out, const cJSON *j)
{
	struct sv_buf b;
	sv_buf_init(&b);
	json_indent(&b, j, 0);
	fprintf(out, "%s\n", b.data);
	sv_buf_release(&b);
}

bool cli_confirm(struct cli_ctx *ctx, const char *msg)
{
	/* A script's stdin is the script (or a terminal curses owns): never
	 * read an answer from it. */
	if (ctx->in_batch) {
		fprintf(ctx->err, "%s\nNot confirmed: scripts and servin-desktop's ':' line need --force\n",
			msg);
		return false;
	}
	fprintf(ctx->out, "%s [y/N] ", msg);
	fflush(ctx->out);
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

const char *cli_time_go(int64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	return buf;
}

const char *cli_time_ago(int64_t secs, char *buf, size_t len)
{
	char d[48];
	int64_t now = sv_time_now_ns() / 1000000000;
	snprintf(buf, len, "%s ago", sv_str_human_duration(now - secs, d, sizeof d));
	return buf;
}

const char *cli_short_id(const char *id, char buf[13])
{
	const char *hex = sv_str_has_prefix(id, "sha256:") ? id + 7 : id;
	snprintf(buf, 13, "%s", hex);
	return buf;
}

char *cli_user_file(const char *kind, const char *name, bool mkdir)
{
	bool state = strcmp(kind, "state") == 0;
	const char *xdg = getenv(state ? "XDG_STATE_HOME" : "XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	SV_AUTOFREE char *dir = xdg && *xdg	? sv_xasprintf("%s/servin", xdg)
				: home && *home ? sv_xasprintf("%s/%s/servin", home, state ? ".local/state" : ".config")
						: NULL;
	if (!dir)
		return NULL;
	SV_AUTOERR sv_err *err = NULL;
	if (mkdir && sv_mkdir_p(dir, 0700, &err) < 0)
		return NULL;
	return sv_xasprintf("%s/%s", dir, name);
}
