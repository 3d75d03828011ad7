/*
 * The log pane. The ring is an array used circularly; `top` indexes lines
 * in age order (0 the oldest kept), so dropping the oldest line shifts top
 * by one to keep the view steady.
 */
#include "widgets/logpane.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void logpane_init(struct logpane *lp, size_t cap)
{
	memset(lp, 0, sizeof *lp);
	lp->cap = cap ? cap : 1;
	lp->ring = sv_xcalloc(lp->cap, sizeof *lp->ring);
	lp->follow = true;
	lp->match = -1;
}

void logpane_clear(struct logpane *lp)
{
	for (size_t i = 0; i < lp->n; i++)
		free(lp->ring[(lp->start + i) % lp->cap].text);
	lp->start = lp->n = lp->top = 0;
	lp->dropped = 0;
	lp->match = -1;
}

void logpane_release(struct logpane *lp)
{
	logpane_clear(lp);
	free(lp->ring);
	free(lp->search);
	memset(lp, 0, sizeof *lp);
}

const struct logline *logpane_line(const struct logpane *lp, size_t i)
{
	return i < lp->n ? &lp->ring[(lp->start + i) % lp->cap] : NULL;
}

static size_t page_rows(const struct logpane *lp)
{
	return lp->page > 0 ? (size_t)lp->page : 1;
}

static void clamp_top(struct logpane *lp)
{
	size_t page = page_rows(lp);
	if (lp->follow || lp->top + page > lp->n)
		lp->top = lp->n > page ? lp->n - page : 0;
}

void logpane_append(struct logpane *lp, const char *text, size_t len, int64_t time_ns, bool err)
{
	struct logline l = { sv_xstrndup(text, len), time_ns, err };
	if (lp->n == lp->cap) {
		free(lp->ring[lp->start].text);
		lp->ring[lp->start] = l;
		lp->start = (lp->start + 1) % lp->cap;
		lp->dropped++;
		if (lp->top > 0)
			lp->top--;
		if (lp->match > 0)
			lp->match--;
		else if (lp->match == 0)
			lp->match = -1;
	} else {
		lp->ring[(lp->start + lp->n) % lp->cap] = l;
		lp->n++;
	}
	if (lp->follow)
		clamp_top(lp);
}

void logpane_append_text(struct logpane *lp, const char *text, bool err)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		logpane_append(lp, text, len, 0, err);
		text += len + (nl ? 1 : 0);
	}
}

void logpane_scroll(struct logpane *lp, long delta)
{
	long t = (long)lp->top + delta;
	if (t < 0)
		t = 0;
	lp->top = (size_t)t;
	lp->follow = false;
	clamp_top(lp);
	if (delta > 0 && lp->top + page_rows(lp) >= lp->n)
		lp->follow = true; /* at the bottom again: follow */
}

void logpane_home(struct logpane *lp)
{
	lp->follow = false;
	lp->top = 0;
}

void logpane_end(struct logpane *lp)
{
	lp->follow = true;
	clamp_top(lp);
}

static bool line_matches(const struct logpane *lp, size_t i)
{
	const struct logline *l = logpane_line(lp, i);
	return lp->search && l && strcasestr(l->text, lp->search);
}

static void show_line(struct logpane *lp, size_t i)
{
	lp->follow = false;
	size_t page = page_rows(lp);
	if (i < lp->top || i >= lp->top + page)
		lp->top = i > page / 2 ? i - page / 2 : 0;
	clamp_top(lp);
}

bool logpane_search_next(struct logpane *lp, int dir)
{
	if (!lp->search || !lp->n)
		return false;
	size_t from = lp->match >= 0 ? (size_t)lp->match : (dir > 0 ? lp->top - 1 + lp->n : lp->top);
	for (size_t k = 1; k <= lp->n; k++) {
		size_t i = (from + (dir > 0 ? k : lp->n - k)) % lp->n;
		if (line_matches(lp, i)) {
			lp->match = (long)i;
			show_line(lp, i);
			return true;
		}
	}
	return false;
}

bool logpane_set_search(struct logpane *lp, const char *s)
{
	free(lp->search);
	lp->search = s && *s ? sv_xstrdup(s) : NULL;
	lp->match = -1;
	return lp->search ? logpane_search_next(lp, 1) : false;
}

/* Draws one source line from column `skip` (wrap continuation), marking
 * search matches; returns the display columns the whole line needs. */
static void draw_text(struct logpane *lp, struct canvas *c, int x, int y, int w, const char *s,
		      int skip, enum theme_role role, bool current)
{
	int col = 0;
	size_t slen = lp->search ? strlen(lp->search) : 0;
	const char *hl_end = NULL;
	while (*s && col < skip + w) {
		if (slen && (!hl_end || s >= hl_end) && strncasecmp(s, lp->search, slen) == 0)
			hl_end = s + slen;
		bool hl = hl_end && s < hl_end;
		uint32_t cp;
		int n = utf8_decode(s, &cp);
		char one[5] = { 0 };
		memcpy(one, s, (size_t)n);
		int cw = cp == '\t' ? 1 : cp_width(cp);
		if (col >= skip)
			canvas_text(c, x + col - skip, y, skip + w - col,
				    hl ? (current ? ROLE_MATCH_CURRENT : ROLE_MATCH) : role,
				    cp == '\t' ? " " : one);
		col += cw;
		s += n;
	}
}

/* Rows a line takes at width w. */
static int line_rows(const struct logpane *lp, size_t i, int w)
{
	if (!lp->wrap || w <= 0)
		return 1;
	const struct logline *l = logpane_line(lp, i);
	int tw = l ? text_width(l->text) : 0;
	return tw <= w ? 1 : (tw + w - 1) / w;
}

static int prefix_text(const struct logpane *lp, const struct logline *l, char *buf, size_t len)
{
	if (!lp->times || !l->time_ns)
		return 0;
	sv_time_rfc3339(l->time_ns, buf, len);
	size_t n = strlen(buf);
	if (n + 1 < len) {
		buf[n] = ' ';
		buf[n + 1] = '\0';
	}
	return text_width(buf);
}

void logpane_draw(struct logpane *lp, struct canvas *c, struct rect r)
{
	canvas_fill(c, r, ROLE_DEFAULT, ' ');
	int y = r.y, rows = r.h;
	if (lp->dropped && rows > 1) {
		char note[96];
		snprintf(note, sizeof note, "%llu earlier lines not kept (the pane keeps %zu)",
			 (unsigned long long)lp->dropped, lp->cap);
		canvas_text(c, r.x, y++, r.w, ROLE_STATUS_WARN, note);
		rows--;
	}
	lp->page = rows;
	if (lp->follow && lp->wrap) { /* the newest lines, however many rows they wrap to */
		int used = 0;
		size_t t = lp->n;
		while (t > 0 && used + line_rows(lp, t - 1, r.w) <= rows)
			used += line_rows(lp, --t, r.w);
		lp->top = t;
	} else {
		clamp_top(lp);
	}
	for (size_t i = lp->top; i < lp->n && y < r.y + r.h; i++) {
		const struct logline *l = logpane_line(lp, i);
		char ts[64] = "";
		int pw = prefix_text(lp, l, ts, sizeof ts);
		enum theme_role role = l->err ? ROLE_LOG_STDERR : ROLE_DEFAULT;
		int w = r.w - pw;
		if (w <= 0)
			break;
		int nrows = line_rows(lp, i, w);
		for (int k = 0; k < nrows && y < r.y + r.h; k++, y++) {
			if (pw && k == 0)
				canvas_text(c, r.x, y, pw, ROLE_LOG_TIME, ts);
			int skip = lp->wrap ? k * w : lp->xoff;
			draw_text(lp, c, r.x + pw, y, w, l->text, skip, role, (long)i == lp->match);
		}
	}
}

int logpane_save(const struct logpane *lp, const char *path, sv_err **err)
{
	SV_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return sv_err_set(err, errno, "open %s", path);
	struct sv_buf b;
	sv_buf_init(&b);
	for (size_t i = 0; i < lp->n; i++) {
		const struct logline *l = logpane_line(lp, i);
		char ts[64] = "";
		prefix_text(lp, l, ts, sizeof ts);
		sv_buf_addf(&b, "%s%s\n", ts, l->text);
	}
	int rc = sv_write_all(fd, b.data, b.len) < 0 ? sv_err_set(err, errno, "write %s", path) : 0;
	sv_buf_release(&b);
	return rc;
}
