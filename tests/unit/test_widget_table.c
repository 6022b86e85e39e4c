/*
 * test_widget_table: column layout, filter, sort and the cursor of the
 * console's list widget, through a fake row source (no terminal needed:
 * drawing is not exercised here; the tmux tests see it).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widget_table.h"

/* ------------------------------------------------------------------------
 * Layout
 * ------------------------------------------------------------------------ */

enum {
	PID,
	APP,
	USER,
	STATE,
	TIME,
	QUERY,
	N
};

static const struct widget_table_column cols[N] = {
	[PID] = { "PID", 0, 7, 7, true, false },     [APP] = { "APP", 3, 10, 20, false, false },
	[USER] = { "USER", 5, 6, 12, false, false }, [STATE] = { "STATE", 2, 7, 8, false, false },
	[TIME] = { "TIME", 1, 6, 7, true, false },   [QUERY] = { "QUERY", 1, 16, 36, false, true },
};

static int
total(const int *w)
{
	int i, sum = 0, shown = 0;

	for (i = 0; i < N; i++) {
		if (w[i] > 0) {
			sum += w[i];
			shown++;
		}
	}
	return sum + (shown > 0 ? shown - 1 : 0);
}

static void
test_layout_wide(void **state)
{
	int w[N];

	(void)state;
	assert_int_equal(widget_table_layout(cols, N, NULL, 200, w), N);
	assert_int_equal(total(w), 200);
	assert_int_equal(w[PID], 7);
	assert_int_equal(w[APP], 20);
	assert_true(w[QUERY] > 100); /* the rest goes to the query */
}

static void
test_layout_narrow_keeps_query(void **state)
{
	int w[N];

	(void)state;
	/* 80 columns: everything fits, the query gets its share (2/5) */
	widget_table_layout(cols, N, NULL, 80, w);
	assert_true(w[QUERY] >= 32);
	assert_true(w[USER] > 0);
	assert_int_equal(total(w), 80);
	/* 60 columns: USER (least important) goes before the query shrinks */
	widget_table_layout(cols, N, NULL, 60, w);
	assert_int_equal(w[USER], 0);
	assert_true(w[QUERY] >= 24);
	assert_true(w[PID] > 0 && w[STATE] > 0 && w[TIME] > 0 && w[APP] > 0);
	assert_int_equal(total(w), 60);
	/* 40 columns: the query is still there, the application is not */
	widget_table_layout(cols, N, NULL, 40, w);
	assert_true(w[QUERY] >= 16);
	assert_int_equal(w[APP], 0);
	assert_true(total(w) <= 40);
	/* a screen narrower than any column: one column, cut */
	assert_int_equal(widget_table_layout(cols, N, NULL, 5, w), 1);
	assert_int_equal(w[PID], 5);
}

static void
test_layout_hidden(void **state)
{
	bool hidden[N] = { false };
	int w[N];

	(void)state;
	hidden[APP] = true;
	widget_table_layout(cols, N, hidden, 200, w);
	assert_int_equal(w[APP], 0);
	assert_int_equal(total(w), 200);
}

/* ------------------------------------------------------------------------
 * Rows: a fake source
 * ------------------------------------------------------------------------ */

struct fake_row {
	int pid;
	const char *app;
	int time;
};

struct fake {
	struct fake_row *rows;
	size_t n;
};

static size_t
f_count(void *arg)
{
	return ((struct fake *)arg)->n;
}

static const char *
f_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	const struct fake_row *r = &((struct fake *)arg)->rows[row];

	switch (col) {
	case PID:
		snprintf(buf, size, "%d", r->pid);
		return buf;
	case APP:
		return r->app;
	case TIME:
		snprintf(buf, size, "%ds", r->time);
		return buf;
	default:
		return "";
	}
}

static int
f_compare(void *arg, size_t a, size_t b, int col)
{
	const struct fake_row *x = &((struct fake *)arg)->rows[a],
			      *y = &((struct fake *)arg)->rows[b];

	if (col == TIME)
		return x->time - y->time;
	if (col == PID)
		return x->pid - y->pid;
	return strcmp(x->app, y->app);
}

static int64_t
f_id(void *arg, size_t row)
{
	return ((struct fake *)arg)->rows[row].pid;
}

static const struct widget_table_source src = { f_count, f_cell, f_compare, f_id, NULL, NULL };

static struct fake_row rows1[] = {
	{ 10, "users_pool", 5 },
	{ 11, "orders_pool", 50 },
	{ 12, "users_pool", 1 },
	{ 13, "billing_pool", 20 },
};

static int64_t
selected_pid(struct widget_table *t, struct fake *f)
{
	size_t row;

	assert_true(widget_table_selected(t, &row));
	return f->rows[row].pid;
}

static void
test_sort_filter_cursor(void **state)
{
	struct fake f = { rows1, 4 };
	struct widget_table *t = widget_table_new(cols, N, &src, &f);

	(void)state;
	widget_table_rebuild(t);
	assert_int_equal(widget_table_shown(t), 4);
	assert_int_equal(selected_pid(t, &f), 10);

	/* sort by time, descending: 11 (50s) first */
	widget_table_set_sort(t, TIME, true);
	assert_int_equal(f.rows[widget_table_row_at(t, 0)].pid, 11);
	assert_int_equal(f.rows[widget_table_row_at(t, 3)].pid, 12);
	/* the cursor stayed on pid 10 */
	assert_int_equal(selected_pid(t, &f), 10);
	widget_table_sort_flip(t);
	assert_int_equal(f.rows[widget_table_row_at(t, 0)].pid, 12);
	assert_false(widget_table_sort_descending(t));

	/* filter: case-insensitive, anywhere in the row; '!' inverts */
	widget_table_set_filter(t, "USERS");
	assert_int_equal(widget_table_shown(t), 2);
	assert_int_equal(widget_table_total(t), 4);
	widget_table_set_filter(t, "!users");
	assert_int_equal(widget_table_shown(t), 2);
	widget_table_set_filter(t, "50s");
	assert_int_equal(widget_table_shown(t), 1);
	assert_int_equal(selected_pid(t, &f), 11);
	widget_table_set_filter(t, "nothing like this");
	assert_int_equal(widget_table_shown(t), 0);
	{
		size_t row;

		assert_false(widget_table_selected(t, &row));
	}
	widget_table_set_filter(t, "");

	/* moves */
	widget_table_move(t, WT_HOME);
	assert_int_equal(selected_pid(t, &f), 12);
	assert_true(widget_table_move(t, WT_DOWN));
	widget_table_move(t, WT_END);
	assert_int_equal(selected_pid(t, &f), 11);
	assert_false(widget_table_move(t, WT_DOWN));

	/* the row under the cursor goes away: the cursor stays in range */
	f.n = 2;
	widget_table_rebuild(t);
	assert_int_equal(widget_table_shown(t), 2);
	assert_true(selected_pid(t, &f) == 10 || selected_pid(t, &f) == 11);

	/* sort_next walks the columns and back to the source order */
	widget_table_set_sort(t, N - 1, false);
	widget_table_sort_next(t, 1);
	assert_int_equal(widget_table_sort_column(t), -1);
	widget_table_set_sortable(t, false);
	assert_int_equal(widget_table_sort_column(t), -1);
	widget_table_free(&t);
	assert_null(t);
}

/* A list of 20,000 rows "r00000".."r19999" filtered through a match callback. */
struct many {
	char (*names)[8];
	size_t n;
	size_t matched; /* match calls */
};

static size_t
m_count(void *arg)
{
	return ((struct many *)arg)->n;
}

static const char *
m_cell(void *arg, size_t row, int col, char *buf, size_t size)
{
	(void)col;
	snprintf(buf, size, "%s", ((struct many *)arg)->names[row]);
	return buf;
}

static int64_t
m_id(void *arg, size_t row)
{
	(void)arg;
	return (int64_t)row;
}

static bool
m_match(void *arg, size_t row, const char *text)
{
	struct many *m = arg;

	m->matched++;
	return strstr(m->names[row], text) != NULL;
}

static const struct widget_table_source msrc = { m_count, m_cell, NULL, m_id, NULL, NULL };

static void
test_filter_narrows_as_typed(void **state)
{
	struct many m = { NULL, 20000, 0 };
	struct widget_table *t;
	size_t i;

	(void)state;
	m.names = calloc(m.n, sizeof *m.names);
	for (i = 0; i < m.n; i++)
		snprintf(m.names[i], sizeof m.names[i], "r%05u", (unsigned)(i % 100000));
	t = widget_table_new(cols, N, &msrc, &m);
	widget_table_set_match(t, m_match);
	widget_table_set_sort(t, 0, true); /* the reverse of the source order */
	widget_table_rebuild(t);
	assert_int_equal(widget_table_shown(t), 20000);

	/* the first character looks at every row, through the callback */
	m.matched = 0;
	widget_table_set_filter(t, "1");
	assert_int_equal(m.matched, 20000);
	/* typing more looks only at the rows still shown, and keeps their order */
	m.matched = 0;
	widget_table_set_filter(t, "19");
	assert_true(m.matched < 20000);
	m.matched = 0;
	widget_table_set_filter(t, "199");
	assert_int_equal(widget_table_shown(t), 140); /* r199xx, rx199x, rxx199 */
	{
		size_t prev = widget_table_row_at(t, 0);

		for (i = 1; i < widget_table_shown(t); i++) {
			assert_true(widget_table_row_at(t, i) < prev);
			prev = widget_table_row_at(t, i);
		}
	}
	widget_table_set_filter(t, "19999");
	assert_int_equal(widget_table_shown(t), 1);
	assert_string_equal(m.names[widget_table_row_at(t, 0)], "r19999");
	/* erasing widens: every row is looked at again */
	m.matched = 0;
	widget_table_set_filter(t, "1999");
	assert_int_equal(m.matched, 20000);
	assert_int_equal(widget_table_shown(t), 12); /* r1999x, rx1999 */
	/* an inverted filter is never narrowed from the last one */
	widget_table_set_filter(t, "!1999");
	assert_int_equal(widget_table_shown(t), 20000 - 12);
	widget_table_set_filter(t, "");
	assert_int_equal(widget_table_shown(t), 20000);
	widget_table_free(&t);
	free(m.names);
}

/* The one number comparison every view's compare callback uses. */
static void
test_cmp(void **state)
{
	(void)state;
	assert_int_equal(widget_table_cmp(1, 2), -1);
	assert_int_equal(widget_table_cmp(2, 1), 1);
	assert_int_equal(widget_table_cmp(7, 7), 0);
	assert_int_equal(widget_table_cmp(-5, 3), -1);
	/* sizes past 2^31 (bytes of a large schema) keep their order */
	assert_int_equal(widget_table_cmp(INT64_C(5000000000), INT64_C(4000000000)), 1);
	assert_int_equal(widget_table_cmp(INT64_MIN, INT64_MAX), -1);
	assert_int_equal(widget_table_cmp(INT64_MAX, INT64_MIN), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_wide),
		cmocka_unit_test(test_layout_narrow_keeps_query),
		cmocka_unit_test(test_layout_hidden),
		cmocka_unit_test(test_sort_filter_cursor),
		cmocka_unit_test(test_filter_narrows_as_typed),
		cmocka_unit_test(test_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
