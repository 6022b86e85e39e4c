/*
 * test_msglog: the message log of include/msglog.h: the ring (order,
 * sequence numbers, wrap-around), levels, the sink and its switch, and the
 * log file (written to a temporary folder and read back).
 *
 * Each test gets a fixture in *state: a log of capacity 3, a temporary
 * folder, and a recorder a test may install as the sink.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "msglog.h"
#include "testutil.h"
#include "xalloc.h"

#define CAP 3

struct fixture {
	struct msglog log;
	char *dir;
	/* the sink recorder */
	int sunk;
	uint64_t sunk_seq[16];
	enum msg_level sunk_level[16];
	char sunk_text[16][64];
	const struct msg *sunk_last;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	f->dir = tu_mkdtemp();
	if (f->dir == NULL) {
		free(f);
		return -1;
	}
	msglog_init(&f->log, CAP);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	msglog_free(&f->log);
	tu_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
record(void *arg, const struct msg *m)
{
	struct fixture *f = arg;

	if (f->sunk < 16) {
		f->sunk_seq[f->sunk] = m->seq;
		f->sunk_level[f->sunk] = m->level;
		snprintf(f->sunk_text[f->sunk], sizeof f->sunk_text[0], "%s", m->text);
	}
	f->sunk_last = m;
	f->sunk++;
}

static char *
path_in(const struct fixture *f, const char *name)
{
	return xasprintf("%s/%s", f->dir, name);
}

/* The lines of a file, split in place; returns the count (at most max). */
static size_t
split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p = text, *nl;

	while (*p != '\0' && n < max && (nl = strchr(p, '\n')) != NULL) {
		*nl = '\0';
		lines[n++] = p;
		p = nl + 1;
	}
	assert_string_equal(p, ""); /* every line ends with a newline */
	return n;
}

static void
assert_matches(const char *line, const char *pattern)
{
	regex_t re;
	int rc;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&re, line, 0, NULL, 0);
	regfree(&re);
	if (rc != 0)
		fail_msg("\"%s\" does not match /%s/", line, pattern);
}

static void
test_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->log.count, 0);
	assert_int_equal(f->log.cap, CAP);
	assert_null(msglog_get(&f->log, 0));
	assert_null(f->log.file);
	assert_null(f->log.sink);
}

static void
test_order_and_seq(void **state)
{
	struct fixture *f = *state;
	const struct msg *m;

	msglog_add(&f->log, MSG_INFO, "db1", "first");
	msglog_add(&f->log, MSG_WARNING, "db2", "second %d", 2);
	assert_int_equal(f->log.count, 2);
	m = msglog_get(&f->log, 0);
	assert_non_null(m);
	assert_int_equal(m->seq, 1);
	assert_int_equal(m->level, MSG_INFO);
	assert_string_equal(m->source, "db1");
	assert_string_equal(m->text, "first");
	m = msglog_get(&f->log, 1);
	assert_non_null(m);
	assert_int_equal(m->seq, 2);
	assert_int_equal(m->level, MSG_WARNING);
	assert_string_equal(m->source, "db2");
	assert_string_equal(m->text, "second 2");
	assert_null(msglog_get(&f->log, 2));
}

static void
test_ring_wraps(void **state)
{
	struct fixture *f = *state;
	size_t i;

	for (i = 1; i <= 7; i++)
		msglog_add(&f->log, MSG_INFO, NULL, "m%zu", i);
	/* the newest CAP are kept, oldest first, with their own numbers */
	assert_int_equal(f->log.count, CAP);
	for (i = 0; i < CAP; i++) {
		const struct msg *m = msglog_get(&f->log, i);
		char want[8];

		assert_non_null(m);
		snprintf(want, sizeof want, "m%zu", 5 + i);
		assert_string_equal(m->text, want);
		assert_int_equal(m->seq, 5 + i);
	}
	assert_null(msglog_get(&f->log, CAP));
	assert_int_equal(f->log.next_seq, 8);
}

static void
test_ring_wraps_many_times(void **state)
{
	struct fixture *f = *state;
	uint64_t prev = 0;
	size_t i;

	for (i = 1; i <= 100; i++) {
		msglog_add(&f->log, (enum msg_level)(MSG_INFO + i % 4), "src", "n%zu", i);
		assert_int_equal(f->log.count, i < CAP ? i : CAP);
		/* the newest message is always the last one */
		assert_int_equal(msglog_get(&f->log, f->log.count - 1)->seq, i);
	}
	for (i = 0; i < CAP; i++) {
		const struct msg *m = msglog_get(&f->log, i);

		assert_true(m->seq > prev);
		prev = m->seq;
		assert_int_equal(m->level, (enum msg_level)(MSG_INFO + m->seq % 4));
	}
	assert_int_equal(msglog_get(&f->log, 0)->seq, 98);
}

static void
test_source_and_text_are_copies(void **state)
{
	struct fixture *f = *state;
	char source[8] = "db1", arg[8] = "abc";
	const struct msg *m;

	msglog_add(&f->log, MSG_ERROR, source, "value %s and %d%%", arg, 50);
	strcpy(source, "XXX");
	strcpy(arg, "YYY");
	m = msglog_get(&f->log, 0);
	assert_string_equal(m->source, "db1");
	assert_string_equal(m->text, "value abc and 50%");
	msglog_add(&f->log, MSG_INFO, NULL, "no source");
	assert_string_equal(msglog_get(&f->log, 1)->source, "console");
}

static void
test_time_is_wall_clock(void **state)
{
	struct fixture *f = *state;
	struct timeval before, after;
	int64_t lo, hi, t;

	gettimeofday(&before, NULL);
	msglog_add(&f->log, MSG_INFO, NULL, "now");
	gettimeofday(&after, NULL);
	lo = (int64_t)before.tv_sec * 1000 + before.tv_usec / 1000;
	hi = (int64_t)after.tv_sec * 1000 + after.tv_usec / 1000;
	t = msglog_get(&f->log, 0)->time_ms;
	assert_true(t >= lo);
	assert_true(t <= hi);
}

static void
test_level_names(void **state)
{
	static const struct {
		enum msg_level level;
		const char *name;
	} want[] = {
		{ MSG_DEBUG, "debug" },	    { MSG_INFO, "info" },   { MSG_NOTICE, "notice" },
		{ MSG_WARNING, "warning" }, { MSG_ERROR, "error" }, { (enum msg_level)99, "?" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_string_equal(msglog_level_name(want[i].level), want[i].name);
}

static void
test_debug_skips_ring_and_sink(void **state)
{
	struct fixture *f = *state;

	f->log.sink = record;
	f->log.sink_arg = f;
	msglog_add(&f->log, MSG_DEBUG, "db1", "chatter");
	assert_int_equal(f->log.count, 0);
	assert_int_equal(f->sunk, 0);
	msglog_add(&f->log, MSG_NOTICE, "db1", "kept");
	/* a debug message takes no sequence number */
	assert_int_equal(msglog_get(&f->log, 0)->seq, 1);
	assert_int_equal(f->sunk, 1);
}

static void
test_sink_sees_each_message(void **state)
{
	struct fixture *f = *state;
	enum msg_level lv;

	f->log.sink = record;
	f->log.sink_arg = f;
	for (lv = MSG_INFO; lv <= MSG_ERROR; lv++)
		msglog_add(&f->log, lv, "db1", "level %s", msglog_level_name(lv));
	assert_int_equal(f->sunk, 4);
	for (lv = MSG_INFO; lv <= MSG_ERROR; lv++) {
		char want[64];

		snprintf(want, sizeof want, "level %s", msglog_level_name(lv));
		assert_int_equal(f->sunk_level[lv - MSG_INFO], lv);
		assert_string_equal(f->sunk_text[lv - MSG_INFO], want);
		assert_int_equal(f->sunk_seq[lv - MSG_INFO], lv - MSG_INFO + 1);
	}
	/* the sink sees the stored message itself, once it is in the ring */
	assert_ptr_equal(f->sunk_last, msglog_get(&f->log, f->log.count - 1));
}

static void
test_sink_switched_off(void **state)
{
	struct fixture *f = *state;

	f->log.sink = record;
	f->log.sink_arg = f;
	msglog_add(&f->log, MSG_WARNING, NULL, "before");
	/* what cmd_console does before curses takes the terminal */
	f->log.sink = NULL;
	msglog_add(&f->log, MSG_ERROR, NULL, "after");
	assert_int_equal(f->sunk, 1);
	assert_string_equal(f->sunk_text[0], "before");
	/* the ring still keeps both */
	assert_int_equal(f->log.count, 2);
	assert_string_equal(msglog_get(&f->log, 1)->text, "after");
	f->log.sink = record;
	msglog_add(&f->log, MSG_ERROR, NULL, "again");
	assert_int_equal(f->sunk, 2);
	assert_string_equal(f->sunk_text[1], "again");
}

static void
test_file_receives_every_message(void **state)
{
	struct fixture *f = *state;
	char *path = path_in(f, "console.log");
	char *text, *lines[8];
	size_t n;

	assert_int_equal(msglog_open_file(&f->log, path), 0);
	assert_non_null(f->log.file);
	msglog_add(&f->log, MSG_INFO, "db1", "hello %s", "world");
	msglog_add(&f->log, MSG_DEBUG, NULL, "debug too");
	msglog_add(&f->log, MSG_ERROR, "db2", "it broke");
	/* line-buffered: readable while the log is still open */
	text = tu_read_file(path, NULL);
	assert_non_null(text);
	n = split_lines(text, lines, 8);
	assert_int_equal(n, 3);
	assert_matches(lines[0],
		       "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} "
		       "info \\[db1\\] hello world$");
	assert_matches(lines[1], "^[-0-9]{10} [:0-9]{8}\\.[0-9]{3} debug \\[console\\] debug too$");
	assert_matches(lines[2], "^[-0-9]{10} [:0-9]{8}\\.[0-9]{3} error \\[db2\\] it broke$");
	free(text);
	free(path);
}

static void
test_file_appends(void **state)
{
	struct fixture *f = *state;
	char *path = path_in(f, "console.log");
	char *text, *lines[8];

	assert_int_equal(tu_write_file(path, "an earlier line\n"), 0);
	assert_int_equal(msglog_open_file(&f->log, path), 0);
	msglog_add(&f->log, MSG_WARNING, NULL, "one");
	msglog_free(&f->log);
	assert_null(f->log.file);
	msglog_init(&f->log, CAP);
	assert_int_equal(msglog_open_file(&f->log, path), 0);
	msglog_add(&f->log, MSG_WARNING, NULL, "two");
	text = tu_read_file(path, NULL);
	assert_int_equal(split_lines(text, lines, 8), 3);
	assert_string_equal(lines[0], "an earlier line");
	assert_matches(lines[1], " warning \\[console\\] one$");
	assert_matches(lines[2], " warning \\[console\\] two$");
	free(text);
	free(path);
}

static void
test_file_switch(void **state)
{
	struct fixture *f = *state;
	char *a = path_in(f, "a.log"), *b = path_in(f, "b.log");
	char *ta, *tb, *lines[4];

	assert_int_equal(msglog_open_file(&f->log, a), 0);
	msglog_add(&f->log, MSG_INFO, NULL, "to a");
	assert_int_equal(msglog_open_file(&f->log, b), 0);
	msglog_add(&f->log, MSG_INFO, NULL, "to b");
	ta = tu_read_file(a, NULL);
	tb = tu_read_file(b, NULL);
	assert_int_equal(split_lines(ta, lines, 4), 1);
	assert_matches(lines[0], " to a$");
	assert_int_equal(split_lines(tb, lines, 4), 1);
	assert_matches(lines[0], " to b$");
	free(ta);
	free(tb);
	free(a);
	free(b);
}

static void
test_file_open_fails(void **state)
{
	struct fixture *f = *state;
	char *good = path_in(f, "good.log"), *bad = path_in(f, "no/such/folder/x.log");
	char *text, *lines[4];

	assert_int_equal(msglog_open_file(&f->log, good), 0);
	errno = 0;
	assert_int_equal(msglog_open_file(&f->log, bad), -1);
	assert_int_equal(errno, ENOENT);
	/* the file that was open stays open */
	assert_non_null(f->log.file);
	msglog_add(&f->log, MSG_INFO, NULL, "still here");
	text = tu_read_file(good, NULL);
	assert_int_equal(split_lines(text, lines, 4), 1);
	assert_matches(lines[0], " still here$");
	free(text);
	free(good);
	free(bad);
}

static void
test_free_releases(void **state)
{
	struct fixture *f = *state;
	char *path = path_in(f, "x.log");

	assert_int_equal(msglog_open_file(&f->log, path), 0);
	msglog_add(&f->log, MSG_INFO, "db", "a");
	msglog_add(&f->log, MSG_INFO, "db", "b");
	msglog_free(&f->log);
	assert_null(f->log.ring);
	assert_null(f->log.file);
	assert_int_equal(f->log.count, 0);
	assert_null(msglog_get(&f->log, 0));
	msglog_init(&f->log, CAP); /* for the teardown */
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_and_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_wraps_many_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_and_text_are_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_is_wall_clock, setup, teardown),
		cmocka_unit_test(test_level_names),
		cmocka_unit_test_setup_teardown(test_debug_skips_ring_and_sink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_sees_each_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_switched_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_receives_every_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_open_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_releases, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
