/*
 * Progress lines for pull and push (see progress.h). The engine calls
 * from its worker threads one at a time; a mutex still guards the state
 * so the display never depends on that.
 */
#include "progress.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 50
#define REDRAW_NS (100 * 1000000LL)

struct line {
	char *id;
	char *status;
	int64_t current, total;
};

struct cli_progress {
	FILE *out;
	bool tty, quiet;
	pthread_mutex_t mu;
	struct line *lines;
	size_t n;
	int64_t last_draw;
};

struct cli_progress *cli_progress_new(FILE *out, bool tty, bool quiet)
{
	struct cli_progress *p = sv_xcalloc(1, sizeof *p);
	p->out = out;
	p->tty = tty;
	p->quiet = quiet;
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

void cli_progress_free(struct cli_progress *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->lines[i].id);
		free(p->lines[i].status);
	}
	free(p->lines);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static bool moving(const char *status)
{
	return !strcmp(status, "Downloading") || !strcmp(status, "Pushing") || !strcmp(status, "Extracting") ||
	       !strcmp(status, "Resuming");
}

static void format_line(const struct line *l, char *buf, size_t len)
{
	if (l->total <= 0 || l->current <= 0 || l->current >= l->total || !moving(l->status)) {
		snprintf(buf, len, "%s: %s", l->id, l->status);
		return;
	}
	char bar[BAR_WIDTH + 1];
	int fill = (int)(l->current * BAR_WIDTH / l->total);
	for (int i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
	bar[BAR_WIDTH] = '\0';
	char cur[16], tot[16];
	sv_str_human_size(l->current, cur, sizeof cur);
	sv_str_human_size(l->total, tot, sizeof tot);
	snprintf(buf, len, "%s: %-11s [%s]  %s/%s", l->id, l->status, bar, cur, tot);
}

static void draw(struct cli_progress *p, size_t idx, bool added)
{
	char buf[256];
	format_line(&p->lines[idx], buf, sizeof buf);
	if (added) {
		fprintf(p->out, "%s\n", buf);
	} else {
		size_t up = p->n - idx;
		fprintf(p->out, "\033[%zuA\r\033[2K%s\r\033[%zuB", up, buf, up);
	}
	fflush(p->out);
}

static void update(struct cli_progress *p, const struct sv_progress *ev)
{
	size_t i = 0;
	while (i < p->n && strcmp(p->lines[i].id, ev->id) != 0)
		i++;
	bool added = i == p->n;
	if (added) {
		p->lines = sv_xrealloc(p->lines, (p->n + 1) * sizeof *p->lines);
		p->lines[p->n++] = (struct line){ sv_xstrdup(ev->id), sv_xstrdup(ev->status), 0, -1 };
	}
	struct line *l = &p->lines[i];
	bool changed = added || strcmp(l->status, ev->status) != 0;
	if (changed) {
		free(l->status);
		l->status = sv_xstrdup(ev->status);
	}
	l->current = ev->current;
	l->total = ev->total;
	if (!p->tty) {
		if (changed)
			fprintf(p->out, "%s: %s\n", l->id, l->status);
		return;
	}
	int64_t now = sv_time_mono_ns();
	if (!changed && now - p->last_draw < REDRAW_NS)
		return;
	p->last_draw = now;
	draw(p, i, added);
}

void cli_progress_cb(const struct sv_progress *ev, void *arg)
{
	struct cli_progress *p = arg;
	if (p->quiet)
		return;
	pthread_mutex_lock(&p->mu);
	if (!ev->id || !*ev->id)
		fprintf(p->out, "%s\n", ev->status);
	else
		update(p, ev);
	pthread_mutex_unlock(&p->mu);
}
