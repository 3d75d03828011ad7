/*
 * Key names and bindings. The defaults live in the TUI_ACTIONS table in
 * keymap.h, so the help overlay, the hints and the config file all agree
 * on what each action is called and bound to.
 */
#include "app/tui/keymap.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/canvas.h"

static const struct action_def {
	const char *name, *keys, *help;
} action_defs[ACT_COUNT] = {
	[ACT_NONE] = { "", "", "" },
#define TUI_ACTION_DEF(sym, name, keys, help) [sym] = { name, keys, help },
	TUI_ACTIONS(TUI_ACTION_DEF)
#undef TUI_ACTION_DEF
};

static const struct {
	const char *name;
	tui_key key;
} named_keys[] = {
	{ "Enter", KEYC_ENTER },   { "Tab", KEYC_TAB },	   { "Esc", KEYC_ESC },
	{ "Backspace", KEYC_BACKSPACE }, { "Space", ' ' },	   { "Up", KEYC_UP },
	{ "Down", KEYC_DOWN },	   { "Left", KEYC_LEFT },  { "Right", KEYC_RIGHT },
	{ "Home", KEYC_HOME },	   { "End", KEYC_END },	   { "PgUp", KEYC_PGUP },
	{ "PgDn", KEYC_PGDN },	   { "Insert", KEYC_INSERT }, { "Delete", KEYC_DELETE },
	{ "S-Tab", KEYC_BTAB },
};

tui_key keymap_key_from_name(const char *name)
{
	if (!name || !*name)
		return KEYC_NONE;
	for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++)
		if (strcmp(named_keys[i].name, name) == 0)
			return named_keys[i].key;
	if ((name[0] == 'F' || name[0] == 'f') && name[1]) {
		int64_t n;
		if (sv_str_to_i64(name + 1, 1, 12, &n))
			return KEYC_F1 + (tui_key)(n - 1);
	}
	if (name[0] == 'C' && name[1] == '-' && name[2] && !name[3]) {
		char c = name[2];
		if (c >= 'a' && c <= 'z')
			return KEYC_CTRL(c);
		if (c >= 'A' && c <= 'Z')
			return KEYC_CTRL(c - 'A' + 'a');
		return KEYC_NONE;
	}
	uint32_t cp;
	int n = utf8_decode(name, &cp);
	if (name[n] || cp == 0xFFFD || cp < 0x21 || cp == 0x7F)
		return KEYC_NONE;
	return cp;
}

const char *keymap_key_name(tui_key k, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof named_keys / sizeof named_keys[0]; i++)
		if (named_keys[i].key == k) {
			snprintf(buf, len, "%s", named_keys[i].name);
			return buf;
		}
	if (k >= KEYC_F1 && k <= KEYC_F12)
		snprintf(buf, len, "F%u", k - KEYC_F1 + 1);
	else if (k >= 1 && k <= 26)
		snprintf(buf, len, "C-%c", 'a' + (int)k - 1);
	else if (k > 0x20 && k < KEYC_BASE) {
		char u[5] = { 0 };
		utf8_encode(k, u);
		snprintf(buf, len, "%s", u);
	} else
		snprintf(buf, len, "?");
	return buf;
}

enum tui_action keymap_action_from_name(const char *name)
{
	for (int a = 1; a < ACT_COUNT; a++)
		if (strcmp(action_defs[a].name, name) == 0)
			return (enum tui_action)a;
	return ACT_NONE;
}

const char *keymap_action_name(enum tui_action a)
{
	return a > 0 && a < ACT_COUNT ? action_defs[a].name : "";
}

const char *keymap_action_help(enum tui_action a)
{
	return a > 0 && a < ACT_COUNT ? action_defs[a].help : "";
}

void keymap_defaults(struct keymap *km)
{
	memset(km, 0, sizeof *km);
	for (int a = 1; a < ACT_COUNT; a++) {
		SV_AUTOSTRV char **v = sv_strv_split(action_defs[a].keys, ' ', true);
		for (size_t i = 0, n = 0; v[i] && n < KEYMAP_MAX_KEYS; i++) {
			tui_key k = keymap_key_from_name(v[i]);
			if (k != KEYC_NONE)
				km->keys[a][n++] = k;
		}
	}
}

void keymap_problem(struct sv_buf *b, const char *fmt, ...)
{
	if (b->len)
		sv_buf_adds(b, "; ");
	va_list ap;
	va_start(ap, fmt);
	sv_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

#define add_problem(...) (keymap_problem(__VA_ARGS__), 0)

/* One "action": "key" or ["k1", "k2"] entry. */
static int apply_one(struct keymap *km, const cJSON *e, struct sv_buf *problems)
{
	enum tui_action a = keymap_action_from_name(e->string);
	if (a == ACT_NONE) {
		return add_problem(problems, "unknown action \"%s\"", e->string);
	}
	tui_key keys[KEYMAP_MAX_KEYS] = { 0 };
	size_t n = 0;
	if (cJSON_IsString(e)) {
		keys[n] = keymap_key_from_name(e->valuestring);
		if (keys[n] == KEYC_NONE)
			return add_problem(problems, "%s: unknown key \"%s\"", e->string, e->valuestring);
		n++;
	} else if (cJSON_IsArray(e)) {
		const cJSON *it;
		cJSON_ArrayForEach(it, e)
		{
			if (!cJSON_IsString(it))
				return add_problem(problems, "%s: keys must be strings", e->string);
			if (n == KEYMAP_MAX_KEYS)
				return add_problem(problems, "%s: more than 4 keys", e->string);
			keys[n] = keymap_key_from_name(it->valuestring);
			if (keys[n] == KEYC_NONE)
				return add_problem(problems, "%s: unknown key \"%s\"", e->string,
						   it->valuestring);
			n++;
		}
	} else {
		return add_problem(problems, "%s: a key name or an array of them", e->string);
	}
	memcpy(km->keys[a], keys, sizeof keys);
	return 0;
}

int keymap_apply_json(struct keymap *km, const cJSON *keys, sv_err **err)
{
	if (!keys)
		return 0;
	if (!cJSON_IsObject(keys))
		return sv_err_setx(err, EINVAL, "\"keys\" must be an object of action: key(s)");
	struct sv_buf problems;
	sv_buf_init(&problems);
	for (const cJSON *e = keys->child; e; e = e->next)
		apply_one(km, e, &problems);
	int rc = 0;
	if (problems.len)
		rc = sv_err_setx(err, EINVAL, "keys: %s", problems.data);
	sv_buf_release(&problems);
	return rc;
}

static bool in_scope(enum tui_action a, const char *scope)
{
	const char *name = action_defs[a].name;
	size_t n = strlen(scope);
	return strncmp(name, scope, n) == 0 && name[n] == '.';
}

enum tui_action keymap_lookup(const struct keymap *km, const char *const *scopes, tui_key k)
{
	if (k == 0 || k == KEYC_NONE)
		return ACT_NONE;
	for (size_t s = 0; scopes && scopes[s]; s++)
		for (int a = 1; a < ACT_COUNT; a++) {
			if (!in_scope((enum tui_action)a, scopes[s]))
				continue;
			for (int i = 0; i < KEYMAP_MAX_KEYS; i++)
				if (km->keys[a][i] == k)
					return (enum tui_action)a;
		}
	return ACT_NONE;
}

const char *keymap_keys_text(const struct keymap *km, enum tui_action a, char *buf, size_t len)
{
	buf[0] = '\0';
	if (a <= 0 || a >= ACT_COUNT)
		return buf;
	size_t used = 0;
	for (int i = 0; i < KEYMAP_MAX_KEYS && km->keys[a][i]; i++) {
		char name[16];
		keymap_key_name(km->keys[a][i], name, sizeof name);
		int n = snprintf(buf + used, len - used, "%s%s", i ? "/" : "", name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}
