/*
 * view_log: the message log screen. See include/view_log.h.
 *
 * One row per message of the log ring (newest last): time, level, source
 * and text, coloured by level. The cursor follows the newest message
 * unless the user moved it up.
 */
#include "config.h"

#include "view_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msglog.h"
#include "session.h"
#include "tui_draw.h"
#include "widget_table.h"
#include "xalloc.h"

enum {
	COL_TIME,
	COL_LEVEL,
	COL_SOURCE,
	COL_TEXT,
	N_COLS
};

static const struct widget_table_column columns[N_COLS] = {
	[COL_TIME] = { "TIME", 0, 8, 8, false, false },
	[COL_LEVEL] = { "LEVEL", 1, 7, 7, false, false },
	[COL_SOURCE] = { "SOURCE", 2, 6, 14, false, false },
	[COL_TEXT] = { "MESSAGE", 0, 20, 0, false, true },
};

struct view_log {
	struct tui *t;
	struct widget_table *table;
	bool follow; /* keep the cursor on the newest message */
};

static struct msglog *
the_log(const struct view_log *v)
{
	return session_log(tui_session(v->t));
}

static size_t
rows_count(void *arg)
{
	return the_log(arg)->count;
}

static const char *
rows_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct msg *m = msglog_get(the_log(arg), row);
	time_t sec;
	struct tm tm;

	switch (col) {
	case COL_TIME:
		sec = (time_t)(m->time_ms / 1000);
		localtime_r(&sec, &tm);
		strftime(buf, size, "%H:%M:%S", &tm);
		return buf;
	case COL_LEVEL:
		return msglog_level_name(m->level);
	case COL_SOURCE:
		return m->source;
	default:
		return m->text;
	}
}

static int64_t
rows_id(void *arg, size_t row)
{
	return (int64_t)msglog_get(the_log(arg), row)->seq;
}

enum tui_style
view_log_style(enum msg_level level)
{
	switch (level) {
	case MSG_ERROR:
		return TUI_S_CRIT;
	case MSG_WARNING:
		return TUI_S_WARN;
	case MSG_NOTICE:
		return TUI_S_OK;
	default:
		return TUI_S_NORMAL;
	}
}

static enum tui_style
rows_style(void *arg, size_t row)
{
	return view_log_style(msglog_get(the_log(arg), row)->level);
}

static const struct widget_table_source rows_source = {
	rows_count, rows_cell, NULL, rows_id, rows_style, NULL,
};

static void *
log_create(struct tui *t)
{
	struct view_log *v = xcalloc(1, sizeof *v);

	v->t = t;
	v->follow = true;
	v->table = widget_table_new(columns, N_COLS, &rows_source, v);
	return v;
}

static void
log_destroy(void *view)
{
	struct view_log *v = view;

	widget_table_free(&v->table);
	free(v);
}

static void
log_update(void *view, size_t db)
{
	struct view_log *v = view;

	(void)db;
	widget_table_rebuild(v->table);
	if (v->follow)
		widget_table_move(v->table, WT_END);
}

static void
log_cursor(void *view)
{
	struct view_log *v = view;
	size_t row, last;

	last = widget_table_shown(v->table);
	v->follow = last == 0 || (widget_table_selected(v->table, &row) &&
				  row == widget_table_row_at(v->table, last - 1));
}

static void
log_draw(void *view, int y, int x, int h, int w)
{
	struct view_log *v = view;
	const struct tui_draw *d = tui_canvas(v->t);
	char buf[256];

	snprintf(buf, sizeof buf,
		 " Message log: %zu of %zu messages (newest last; --log FILE keeps them all)",
		 widget_table_shown(v->table), the_log(v)->count);
	tui_draw_text(d, y, x, w, TUI_S_TITLE, TUI_LEFT, true, buf);
	widget_table_draw(v->table, d, y + 1, x, h - 1, w, true);
}

static struct widget_table *
log_table(void *view)
{
	return ((struct view_log *)view)->table;
}

static const struct tui_binding log_bindings[] = {
	{ { 'q', 0 }, "q Esc", "Close", "close the message log", tui_act_back },
	{ { 0 }, NULL, NULL, NULL, NULL },
};

const struct tui_view_class view_log_class = {
	.name = "Log",
	.bindings = log_bindings,
	.create = log_create,
	.destroy = log_destroy,
	.update = log_update,
	.draw = log_draw,
	.table = log_table,
	.cursor = log_cursor,
	.back = true,
	.overlay = true,
};
