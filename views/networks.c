/*
 * Networks: the list (name, id, driver, subnet, gateway, internal, how
 * many containers), Enter to inspect, c for the create form (subnet,
 * gateway, internal, labels), C and X to connect or disconnect a
 * container, D to remove the marked ones (asking first), P to prune
 * unused ones. Actions are lines of the CLI's table.
 */
#include "views/jsonlist.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/batch.h"
#include "widgets/form.h"

enum { NC_NAME, NC_ID, NC_DRIVER, NC_SUBNET, NC_GATEWAY, NC_INTERNAL, NC_CONTAINERS, NC_COUNT };

static const struct table_col network_cols[NC_COUNT] = {
	[NC_NAME] = { "name", "NAME", 10, 0, false },
	[NC_ID] = { "id", "NETWORK ID", 12, 12, false },
	[NC_DRIVER] = { "driver", "DRIVER", 6, 8, false },
	[NC_SUBNET] = { "subnet", "SUBNET", 10, 18, false },
	[NC_GATEWAY] = { "gateway", "GATEWAY", 9, 15, false },
	[NC_INTERNAL] = { "internal", "INTERNAL", 8, 8, false },
	[NC_CONTAINERS] = { "containers", "CONTAINERS", 10, 10, true },
};

static const cJSON *ipam0(const cJSON *o)
{
	const cJSON *cfg = sv_json_arr(sv_json_obj(o, "IPAM"), "Config");
	return cfg ? cJSON_GetArrayItem(cfg, 0) : NULL;
}

static const char *n_cell(void *m, size_t row, int col, char *buf, size_t len)
{
	const cJSON *o = ((struct jsonlist *)m)->items[row];
	const char *s;
	switch (col) {
	case NC_NAME: return jsonlist_str(m, row, "Name");
	case NC_ID: snprintf(buf, len, "%.12s", jsonlist_str(m, row, "Id")); return buf;
	case NC_DRIVER: return jsonlist_str(m, row, "Driver");
	case NC_SUBNET: return (s = sv_json_str(ipam0(o), "Subnet")) ? s : "";
	case NC_GATEWAY: return (s = sv_json_str(ipam0(o), "Gateway")) ? s : "";
	case NC_INTERNAL: return sv_json_bool(o, "Internal", false) ? "yes" : "";
	case NC_CONTAINERS:
		snprintf(buf, len, "%d", cJSON_GetArraySize(sv_json_obj(o, "Containers")));
		return buf;
	default: return "";
	}
}

static int n_match(void *m, size_t row, const char *field, const char *value)
{
	if (strcmp(field, "driver") == 0)
		return strcmp(jsonlist_str(m, row, "Driver"), value) == 0;
	return -1;
}

static const struct table_ops networks_table = {
	.count = jsonlist_count, .cell = n_cell, .match = n_match, .key = jsonlist_key_name,
};

static cJSON *fetch(struct tui_backend *b, sv_err **err)
{
	return b->ops->networks(b, err);
}

enum { NF_NAME, NF_SUBNET, NF_GATEWAY, NF_LABELS, NF_INTERNAL };

static void add_flag(struct sv_buf *line, const char *flag, const char *value)
{
	if (!*value)
		return;
	SV_AUTOFREE char *q = cli_batch_quote(value);
	sv_buf_addf(line, " %s %s", flag, q);
}

static void create_ok(struct tui *app, const struct form *f, void *arg)
{
	(void)arg;
	if (!*form_text(f, NF_NAME)) {
		tui_status(app, TUI_WARN, "a network needs a name: nothing created");
		return;
	}
	struct sv_buf line;
	sv_buf_init(&line);
	sv_buf_adds(&line, "network create");
	add_flag(&line, "--subnet", form_text(f, NF_SUBNET));
	add_flag(&line, "--gateway", form_text(f, NF_GATEWAY));
	char **labels = NULL;
	SV_AUTOERR sv_err *err = NULL;
	if (cli_batch_split(form_text(f, NF_LABELS), &labels, &err) == 0)
		for (size_t i = 0; labels[i]; i++)
			add_flag(&line, "--label", labels[i]);
	sv_strv_free(labels);
	if (form_checked(f, NF_INTERNAL))
		sv_buf_adds(&line, " --internal");
	add_flag(&line, "", form_text(f, NF_NAME));
	tui_command(app, line.data);
	sv_buf_release(&line);
}

static void prune_yes(struct tui *app, void *arg)
{
	(void)arg;
	tui_command(app, "network prune --force");
}

/* The preview: user networks with no container attached. */
static void ask_prune(struct jsonlist *jl)
{
	char **lines = NULL;
	for (size_t i = 0; i < jl->n; i++) {
		const char *name = sv_json_str(jl->items[i], "Name");
		bool builtin = name && (!strcmp(name, "bridge") || !strcmp(name, "host") || !strcmp(name, "none"));
		if (name && !builtin && cJSON_GetArraySize(sv_json_obj(jl->items[i], "Containers")) == 0)
			sv_strv_push(&lines, name);
	}
	if (!lines) {
		tui_status(jl->app, TUI_INFO, "nothing to prune: every user network is in use");
		return;
	}
	tui_confirm(jl->app, "Prune unused networks?", lines, "Prune", prune_yes, NULL, NULL);
}

static void connect_ok(struct tui *app, const char *text, void *arg)
{
	const char *verb_net = arg; /* "network connect NET" */
	if (!*text)
		return;
	SV_AUTOFREE char *q = cli_batch_quote(text);
	SV_AUTOFREE char *line = sv_xasprintf("%s %s", verb_net, q);
	tui_command(app, line);
}

static void ask_connect(struct jsonlist *jl, bool connect)
{
	const cJSON *o = jsonlist_selected(jl);
	const char *name = o ? sv_json_str(o, "Name") : NULL;
	if (!name)
		return;
	SV_AUTOFREE char *q = cli_batch_quote(name);
	char *cmd = sv_xasprintf("network %s %s", connect ? "connect" : "disconnect", q);
	SV_AUTOFREE char *title = sv_xasprintf("%s %s", connect ? "Connect a container to" : "Disconnect a container from", name);
	tui_prompt(jl->app, title, "container:", "", connect_ok, cmd, free);
}

static void *networks_init(struct tui *app, struct view *self, const char *arg)
{
	(void)arg;
	struct jsonlist *jl = sv_xcalloc(1, sizeof *jl);
	jsonlist_init(jl, app, self, network_cols, NC_COUNT, &networks_table, fetch, "networks");
	return jl;
}

static void networks_free(void *state)
{
	jsonlist_release(state);
	free(state);
}

static void networks_draw(void *state, struct canvas *c, struct rect r)
{
	jsonlist_draw(state, c, r);
}

static int networks_key(void *state, enum tui_action a, tui_key k)
{
	struct jsonlist *jl = state;
	int r = jsonlist_key(jl, a, k);
	if (r != VIEW_IGNORED)
		return r;
	switch (a) {
	case ACT_NET_CREATE: {
		struct form *f = sv_xcalloc(1, sizeof *f);
		form_init(f, "Create a network");
		form_add_text(f, "Name", "", "required");
		form_add_text(f, "Subnet", "", "optional: CIDR, e.g. 10.91.0.0/24 (picked otherwise)");
		form_add_text(f, "Gateway", "", "optional: an address in the subnet");
		form_add_text(f, "Labels", "", "optional: k=v pairs, blanks between");
		form_add_check(f, "Internal", false);
		tui_form(jl->app, f, create_ok, NULL, NULL);
		break;
	}
	case ACT_NET_REMOVE: jsonlist_ask_remove(jl, "network rm", "network", ""); break;
	case ACT_NET_PRUNE: ask_prune(jl); break;
	case ACT_NET_CONNECT: ask_connect(jl, true); break;
	case ACT_NET_DISCONNECT: ask_connect(jl, false); break;
	default: return VIEW_IGNORED;
	}
	return VIEW_REDRAW;
}

static int networks_mouse(void *state, const struct tui_mouse *m)
{
	return list_ui_mouse(&((struct jsonlist *)state)->list, m);
}

static void networks_on_event(void *state, const struct sv_engine_event *ev)
{
	if (strcmp(ev->type, "network") == 0 || strcmp(ev->type, "container") == 0)
		jsonlist_load(state);
}

static void networks_refresh(void *state)
{
	jsonlist_load(state);
}

static const char *networks_selected_id(void *state)
{
	const cJSON *o = jsonlist_selected(state);
	return o ? sv_json_str(o, "Id") : NULL;
}

static const char *const networks_scopes[] = { "networks", "list", "global", NULL };
static const enum tui_action networks_hints[] = { ACT_OPEN, ACT_NET_CREATE, ACT_NET_CONNECT,
						  ACT_NET_DISCONNECT, ACT_NET_REMOVE, ACT_NET_PRUNE,
						  ACT_NONE };

const struct view_ops view_networks = {
	.name = "networks",
	.title = "Networks",
	.scopes = networks_scopes,
	.hints = networks_hints,
	.init = networks_init,
	.free = networks_free,
	.draw = networks_draw,
	.key = networks_key,
	.mouse = networks_mouse,
	.on_event = networks_on_event,
	.refresh = networks_refresh,
	.selected_id = networks_selected_id,
};
