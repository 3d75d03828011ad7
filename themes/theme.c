/*
 * Theme loading. A theme file is JSON:
 *
 *   { "name": "mine", "inherit": "dark", "colors": true,
 *     "roles": { "selection": { "fg": 231, "bg": "#005f87",
 *                               "attrs": ["bold"], "mono": ["reverse"] } } }
 *
 * Every role starts from a base style (default colours, and attributes
 * that make the role readable without colour), then the inherited theme,
 * then the file. Unknown roles, colours and attributes are errors: a typo
 * should be seen, not silently ignored. Any error leaves the default theme
 * in place, with a message naming the file and the member.
 */
#include "themes/theme.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* theme_builtin_data[], generated from the JSON files in themes/ */
#include "theme-data.inc"

#define THEME_MAX_BYTES (64 * 1024)
#define THEME_MAX_DEPTH 4

static const char *const role_names[ROLE_COUNT] = {
#define THEME_ROLE_NAME(sym, name) [sym] = name,
	THEME_ROLES(THEME_ROLE_NAME)
#undef THEME_ROLE_NAME
};

const char *const theme_builtin_names[] = { "dark", "light", "high-contrast", "monochrome", NULL };

/* Readable without colour: what each role looks like on a mono terminal. */
static const uint8_t base_mono[ROLE_COUNT] = {
	[ROLE_TITLE] = THEME_REVERSE | THEME_BOLD,
	[ROLE_HEADER] = THEME_BOLD | THEME_UNDERLINE,
	[ROLE_HEADER_SORTED] = THEME_BOLD | THEME_UNDERLINE | THEME_REVERSE,
	[ROLE_SELECTION] = THEME_REVERSE,
	[ROLE_MARKED] = THEME_BOLD,
	[ROLE_MARKED_SELECTION] = THEME_REVERSE | THEME_BOLD,
	[ROLE_DIM] = THEME_DIM,
	[ROLE_STATUS] = THEME_REVERSE,
	[ROLE_STATUS_INFO] = THEME_REVERSE,
	[ROLE_STATUS_WARN] = THEME_REVERSE | THEME_BOLD,
	[ROLE_STATUS_ERROR] = THEME_REVERSE | THEME_BOLD,
	[ROLE_KEY] = THEME_REVERSE | THEME_BOLD,
	[ROLE_KEY_DESC] = THEME_REVERSE,
	[ROLE_TAB_ACTIVE] = THEME_REVERSE,
	[ROLE_DIALOG_TITLE] = THEME_BOLD,
	[ROLE_BUTTON_FOCUS] = THEME_REVERSE,
	[ROLE_INPUT] = THEME_UNDERLINE,
	[ROLE_INPUT_FOCUS] = THEME_REVERSE,
	[ROLE_MATCH] = THEME_REVERSE,
	[ROLE_MATCH_CURRENT] = THEME_REVERSE | THEME_BOLD | THEME_UNDERLINE,
	[ROLE_MENU_SELECTED] = THEME_REVERSE,
	[ROLE_STATE_RUNNING] = THEME_BOLD,
	[ROLE_STATE_PAUSED] = THEME_UNDERLINE,
	[ROLE_STATE_EXITED] = THEME_DIM,
	[ROLE_STATE_DEAD] = THEME_BOLD | THEME_UNDERLINE,
	[ROLE_STATE_RESTARTING] = THEME_BOLD,
	[ROLE_GAUGE_WARN] = THEME_BOLD,
	[ROLE_GAUGE_CRIT] = THEME_BOLD | THEME_REVERSE,
	[ROLE_JSON_KEY] = THEME_BOLD,
	[ROLE_LOG_STDERR] = THEME_BOLD,
	[ROLE_LOG_TIME] = THEME_DIM,
	[ROLE_HELP_SECTION] = THEME_BOLD | THEME_UNDERLINE,
};

int theme_role_from_name(const char *name)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (strcmp(role_names[i], name) == 0)
			return i;
	return -1;
}

const char *theme_role_name(enum theme_role r)
{
	return r < ROLE_COUNT ? role_names[r] : "?";
}

static void theme_base(struct theme *t, const char *name)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	for (int i = 0; i < ROLE_COUNT; i++)
		t->style[i] = (struct theme_style){ THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0,
						    base_mono[i] };
}

static const char *builtin_text(const char *name, size_t *len)
{
	for (size_t i = 0; i < sizeof theme_builtin_data / sizeof theme_builtin_data[0]; i++)
		if (strcmp(theme_builtin_data[i].name, name) == 0) {
			*len = strlen(theme_builtin_data[i].text);
			return theme_builtin_data[i].text;
		}
	return NULL;
}

void theme_default(struct theme *t)
{
	size_t len = 0;
	const char *text = builtin_text("dark", &len);
	SV_AUTOERR sv_err *err = NULL;
	if (!text || theme_parse(text, len, "dark", t, THEME_MAX_DEPTH, &err) < 0)
		theme_base(t, "dark");
}

/* ----------------------------------------------------------------- colours */

static const char *const color_names[16] = {
	"black",	"red",	      "green",	      "yellow",	      "blue",	      "magenta",
	"cyan",		"white",      "bright-black", "bright-red",   "bright-green", "bright-yellow",
	"bright-blue",	"bright-magenta", "bright-cyan",  "bright-white",
};

/* xterm's RGB for palette index c. */
static void palette_rgb(int c, int *r, int *g, int *b)
{
	static const uint8_t base[16][3] = {
		{ 0, 0, 0 },	   { 205, 0, 0 },     { 0, 205, 0 },	 { 205, 205, 0 },
		{ 0, 0, 238 },	   { 205, 0, 205 },   { 0, 205, 205 },	 { 229, 229, 229 },
		{ 127, 127, 127 }, { 255, 0, 0 },     { 0, 255, 0 },	 { 255, 255, 0 },
		{ 92, 92, 255 },   { 255, 0, 255 },   { 0, 255, 255 },	 { 255, 255, 255 },
	};
	static const int steps[6] = { 0, 95, 135, 175, 215, 255 };
	if (c < 16) {
		*r = base[c][0], *g = base[c][1], *b = base[c][2];
	} else if (c < 232) {
		c -= 16;
		*r = steps[c / 36], *g = steps[(c / 6) % 6], *b = steps[c % 6];
	} else {
		*r = *g = *b = 8 + (c - 232) * 10;
	}
}

static int nearest(int r, int g, int b, int from, int to)
{
	int best = from;
	long bestd = -1;
	for (int i = from; i < to; i++) {
		int pr, pg, pb;
		palette_rgb(i, &pr, &pg, &pb);
		long d = (long)(pr - r) * (pr - r) + (long)(pg - g) * (pg - g) + (long)(pb - b) * (pb - b);
		if (bestd < 0 || d < bestd)
			best = i, bestd = d;
	}
	return best;
}

bool theme_parse_color(const char *s, int16_t *out)
{
	if (strcmp(s, "default") == 0) {
		*out = THEME_COLOR_DEFAULT;
		return true;
	}
	for (int i = 0; i < 16; i++)
		if (strcasecmp(s, color_names[i]) == 0) {
			*out = (int16_t)i;
			return true;
		}
	if (strcasecmp(s, "grey") == 0 || strcasecmp(s, "gray") == 0) {
		*out = 8;
		return true;
	}
	if (s[0] == '#' && strlen(s) == 7 && strspn(s + 1, "0123456789abcdefABCDEF") == 6) {
		unsigned v = (unsigned)strtoul(s + 1, NULL, 16);
		*out = (int16_t)nearest((int)(v >> 16), (int)((v >> 8) & 0xff), (int)(v & 0xff), 16, 256);
		return true;
	}
	int64_t n;
	if (sv_str_to_i64(s, 0, 255, &n)) {
		*out = (int16_t)n;
		return true;
	}
	return false;
}

int16_t theme_color_degrade(int16_t c, int colors, bool *bold)
{
	*bold = false;
	if (c < 0 || colors >= 256 || c < colors)
		return c;
	int r, g, b;
	palette_rgb(c, &r, &g, &b);
	int n = c < 16 ? c : nearest(r, g, b, 0, 16);
	if (colors >= 16)
		return (int16_t)n;
	if (n >= 8) {
		*bold = true;
		n -= 8;
	}
	/* A grey that maps to black or white stays readable either way. */
	return (int16_t)n;
}

/* ----------------------------------------------------------------- parsing */

static int parse_color_member(const cJSON *st, const char *key, int16_t *out, const char *what,
			      const char *role, sv_err **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, key);
	if (!v)
		return 0;
	char num[16];
	const char *s = NULL;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 255 &&
	    v->valuedouble == (double)(int)v->valuedouble) {
		snprintf(num, sizeof num, "%d", (int)v->valuedouble);
		s = num;
	} else if (cJSON_IsString(v)) {
		s = v->valuestring;
	}
	if (!s || !theme_parse_color(s, out))
		return sv_err_setx(err, EINVAL,
				   "%s: role \"%s\": %s must be a colour name, 0-255 or \"#rrggbb\"", what,
				   role, key);
	return 0;
}

static int parse_attrs(const cJSON *st, const char *key, uint8_t *out, const char *what,
		       const char *role, sv_err **err)
{
	static const struct {
		const char *name;
		uint8_t bit;
	} names[] = {
		{ "bold", THEME_BOLD },		  { "dim", THEME_DIM },	      { "underline", THEME_UNDERLINE },
		{ "reverse", THEME_REVERSE }, { "italic", THEME_ITALIC },
	};
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, key);
	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return sv_err_setx(err, EINVAL, "%s: role \"%s\": %s must be an array", what, role, key);
	uint8_t bits = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, v)
	{
		size_t i = 0;
		for (; i < sizeof names / sizeof names[0]; i++)
			if (cJSON_IsString(it) && strcmp(it->valuestring, names[i].name) == 0)
				break;
		if (i == sizeof names / sizeof names[0])
			return sv_err_setx(err, EINVAL,
					   "%s: role \"%s\": %s: unknown attribute (bold, dim, underline, "
					   "reverse, italic)",
					   what, role, key);
		bits |= names[i].bit;
	}
	*out = bits;
	return 0;
}

static int parse_role(const cJSON *st, struct theme *t, const char *what, sv_err **err)
{
	int r = theme_role_from_name(st->string);
	if (r < 0)
		return sv_err_setx(err, EINVAL, "%s: unknown role \"%s\"", what, st->string);
	if (!cJSON_IsObject(st))
		return sv_err_setx(err, EINVAL, "%s: role \"%s\" must be an object", what, st->string);
	for (const cJSON *m = st->child; m; m = m->next)
		if (strcmp(m->string, "fg") && strcmp(m->string, "bg") && strcmp(m->string, "attrs") &&
		    strcmp(m->string, "mono"))
			return sv_err_setx(err, EINVAL, "%s: role \"%s\": unknown member \"%s\"", what,
					   st->string, m->string);
	struct theme_style *s = &t->style[r];
	if (parse_color_member(st, "fg", &s->fg, what, st->string, err) < 0 ||
	    parse_color_member(st, "bg", &s->bg, what, st->string, err) < 0 ||
	    parse_attrs(st, "attrs", &s->attrs, what, st->string, err) < 0 ||
	    parse_attrs(st, "mono", &s->mono_attrs, what, st->string, err) < 0)
		return -1;
	return 0;
}

static int parse_tree(const cJSON *j, const char *what, struct theme *t, int depth, sv_err **err)
{
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "%s: a theme must be a JSON object", what);
	const char *inherit = sv_json_str(j, "inherit");
	if (cJSON_GetObjectItemCaseSensitive(j, "inherit") && !inherit)
		return sv_err_setx(err, EINVAL, "%s: \"inherit\" must be a theme name", what);
	if (inherit) {
		if (depth >= THEME_MAX_DEPTH)
			return sv_err_setx(err, ELOOP, "%s: \"inherit\" nests too deep", what);
		size_t len = 0;
		const char *text = builtin_text(inherit, &len);
		if (!text)
			return sv_err_setx(err, ENOENT, "%s: inherits unknown theme \"%s\"", what, inherit);
		if (theme_parse(text, len, inherit, t, depth + 1, err) < 0)
			return -1;
	} else {
		theme_base(t, "");
	}
	const char *name = sv_json_str(j, "name");
	snprintf(t->name, sizeof t->name, "%s", name ? name : what);
	const cJSON *colors = cJSON_GetObjectItemCaseSensitive(j, "colors");
	if (colors && !cJSON_IsBool(colors))
		return sv_err_setx(err, EINVAL, "%s: \"colors\" must be true or false", what);
	if (colors)
		t->mono = cJSON_IsFalse(colors);
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(j, "roles");
	if (roles && !cJSON_IsObject(roles))
		return sv_err_setx(err, EINVAL, "%s: \"roles\" must be an object", what);
	for (const cJSON *st = roles ? roles->child : NULL; st; st = st->next)
		if (parse_role(st, t, what, err) < 0)
			return -1;
	return 0;
}

int theme_parse(const char *text, size_t len, const char *what, struct theme *t, int depth,
		sv_err **err)
{
	SV_AUTOJSON cJSON *j = sv_json_parse(text, len, THEME_MAX_BYTES, what, err);
	struct theme tmp;
	if (!j || parse_tree(j, what, &tmp, depth, err) < 0) {
		if (depth == 0)
			theme_default(t);
		return -1;
	}
	*t = tmp;
	return 0;
}

static char *user_theme_path(const char *name)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		return sv_xasprintf("%s/servin/themes/%s.json", xdg, name);
	if (home && *home)
		return sv_xasprintf("%s/.config/servin/themes/%s.json", home, name);
	return NULL;
}

int theme_load(const char *name, struct theme *t, sv_err **err)
{
	if (!name || !*name)
		name = "dark";
	size_t len = 0;
	const char *text = builtin_text(name, &len);
	if (text)
		return theme_parse(text, len, name, t, 0, err);
	bool is_path = strchr(name, '/') || sv_str_has_suffix(name, ".json");
	SV_AUTOFREE char *path = is_path ? sv_xstrdup(name) : user_theme_path(name);
	struct sv_buf b;
	sv_buf_init(&b);
	if (!path) {
		theme_default(t);
		sv_buf_release(&b);
		return sv_err_setx(err, ENOENT, "unknown theme \"%s\" (built in: dark, light, "
					       "high-contrast, monochrome)", name);
	}
	if (sv_read_file(path, THEME_MAX_BYTES, &b, err) < 0) {
		theme_default(t);
		sv_buf_release(&b);
		if (!is_path && sv_err_code(err) == ENOENT) {
			sv_err_clear(err);
			return sv_err_setx(err, ENOENT,
					   "unknown theme \"%s\" (built in: dark, light, high-contrast, "
					   "monochrome; or a file %s)",
					   name, path);
		}
		return sv_err_prefix(err, "theme");
	}
	int rc = theme_parse(b.data, b.len, path, t, 0, err);
	sv_buf_release(&b);
	return rc;
}
