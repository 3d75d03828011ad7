/*
 * The local engine as the TUI's backend: each operation is one engine call.
 */
#include "app/tui/backend.h"

#include <errno.h>
#include <stdlib.h>

void tui_containers_free(struct tui_container *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].image);
		free(v[i].command);
		free(v[i].state);
		free(v[i].status);
		free(v[i].ports);
		sv_strv_free(v[i].labels);
	}
	free(v);
}

static int be_images(struct tui_backend *b, struct sv_image_summary **out, size_t *n, sv_err **err)
{
	struct sv_image_list_opts o = { 0 };
	return sv_engine_images(b->engine, &o, out, n, err);
}

static struct cJSON *be_image_inspect(struct tui_backend *b, const char *id, sv_err **err)
{
	return sv_engine_image_inspect(b->engine, id, err);
}

static struct cJSON *be_image_history(struct tui_backend *b, const char *id, sv_err **err)
{
	return sv_engine_image_history(b->engine, id, err);
}

static int be_image_remove(struct tui_backend *b, const char *id, bool force,
			   struct sv_image_rm_result *res, sv_err **err)
{
	return sv_engine_image_remove(b->engine, id, force ? SV_IMAGE_RM_FORCE : 0, res, err);
}

static int be_image_tag(struct tui_backend *b, const char *id, const char *target, sv_err **err)
{
	return sv_engine_image_tag(b->engine, id, target, err);
}

static int be_image_prune(struct tui_backend *b, bool all, struct sv_image_rm_result *res, sv_err **err)
{
	return sv_engine_image_prune(b->engine, all, NULL, res, err);
}

static int be_events(struct tui_backend *b, int64_t after, size_t max, struct sv_engine_event **out,
		     size_t *n, sv_err **err)
{
	return sv_engine_events(b->engine, after, 0, 0, max, out, n, err);
}

static int64_t be_events_last(struct tui_backend *b, sv_err **err)
{
	return sv_engine_events_last(b->engine, err);
}

static const char *be_watch_path(struct tui_backend *b)
{
	return sv_engine_watch_path(b->engine);
}

static int be_containers(struct tui_backend *b, struct tui_container **out, size_t *n, sv_err **err)
{
	(void)b;
	*out = NULL;
	*n = 0;
	return sv_err_setx(err, ENOSYS, "this engine has no containers yet");
}

static int be_container_op(struct tui_backend *b, const char *id, enum tui_container_op op,
			   sv_err **err)
{
	(void)b;
	(void)op;
	return sv_err_setx(err, ENOSYS, "%s: this engine has no containers yet", id);
}

static const struct tui_backend_ops engine_ops = {
	.name = "engine",
	.images = be_images,
	.image_inspect = be_image_inspect,
	.image_history = be_image_history,
	.image_remove = be_image_remove,
	.image_tag = be_image_tag,
	.image_prune = be_image_prune,
	.events = be_events,
	.events_last = be_events_last,
	.watch_path = be_watch_path,
	.containers = be_containers,
	.container_op = be_container_op,
};

void tui_backend_engine_init(struct tui_backend *b, sv_engine *e)
{
	b->ops = &engine_ops;
	b->engine = e;
	b->priv = NULL;
}

void tui_backend_fake_release(struct tui_backend *b);

void tui_backend_release(struct tui_backend *b)
{
	if (b->ops && b->ops != &engine_ops)
		tui_backend_fake_release(b);
	b->priv = NULL;
}

/* For backend-fake.c: the engine operations it does not replace. */
const struct tui_backend_ops *tui_backend_engine_ops(void);
const struct tui_backend_ops *tui_backend_engine_ops(void)
{
	return &engine_ops;
}
