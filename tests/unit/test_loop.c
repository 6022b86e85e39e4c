/*
 * test_loop: timers, fd watches, signals and the no-busy-wait property of
 * the event loop.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "loop.h"

struct rec {
	char log[256];
	int count;
	struct loop_timer *self;
	struct loop_timer *other;
	struct loop *loop;
};

static void
mark(struct rec *r, char c)
{
	size_t n = strlen(r->log);

	r->log[n] = c;
	r->log[n + 1] = '\0';
}

static void
timer_a(struct loop *loop, void *arg)
{
	(void)loop;
	mark(arg, 'a');
}

static void
timer_b(struct loop *loop, void *arg)
{
	(void)loop;
	mark(arg, 'b');
}

static void
timer_c(struct loop *loop, void *arg)
{
	(void)loop;
	mark(arg, 'c');
}

static void
test_timer_order(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { "", 0, NULL, NULL, NULL };
	bool never = false;

	(void)state;
	loop_timer_add(loop, 30, 0, timer_c, &r);
	loop_timer_add(loop, 10, 0, timer_a, &r);
	loop_timer_add(loop, 20, 0, timer_b, &r);
	assert_false(loop_run_until(loop, &never, 80));
	assert_string_equal(r.log, "abc");
	loop_free(&loop);
	assert_null(loop);
}

static void
repeat_cb(struct loop *loop, void *arg)
{
	struct rec *r = arg;

	r->count++;
	if (r->count == 5)
		loop_timer_cancel(loop, &r->self);
}

static void
test_repeating_and_cancel_from_callback(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { "", 0, NULL, NULL, NULL };
	bool never = false;

	(void)state;
	r.self = loop_timer_add(loop, 5, 5, repeat_cb, &r);
	loop_run_until(loop, &never, 100);
	assert_int_equal(r.count, 5);
	assert_null(r.self);
	loop_free(&loop);
}

static void
cancel_other_cb(struct loop *loop, void *arg)
{
	struct rec *r = arg;

	mark(r, 'x');
	loop_timer_cancel(loop, &r->other);
}

/* Two timers due in the same round: the first cancels the second. */
static void
test_cancel_sibling_in_same_round(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { "", 0, NULL, NULL, NULL };
	bool never = false;

	(void)state;
	loop_timer_add(loop, 10, 0, cancel_other_cb, &r);
	r.other = loop_timer_add(loop, 10, 0, timer_a, &r);
	loop_run_until(loop, &never, 40);
	assert_string_equal(r.log, "x");
	loop_free(&loop);
}

static void
zero_again_cb(struct loop *loop, void *arg)
{
	struct rec *r = arg;

	r->count++;
	loop_timer_add(loop, 0, 0, zero_again_cb, r);
}

/* A zero-delay timer that re-arms itself runs once per iteration. */
static void
test_zero_delay_does_not_starve(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { "", 0, NULL, NULL, NULL };
	int i;

	(void)state;
	loop_timer_add(loop, 0, 0, zero_again_cb, &r);
	for (i = 0; i < 10; i++)
		loop_run_once(loop, 0);
	assert_int_equal(r.count, 10);
	loop_free(&loop);
}

struct pipe_rec {
	int reads;
	char last;
	struct loop_watch *w;
	bool done;
};

static void
pipe_cb(struct loop *loop, int fd, short revents, void *arg)
{
	struct pipe_rec *p = arg;
	char c;

	assert_true(revents & POLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	p->reads++;
	p->last = c;
	if (c == 'q') {
		loop_watch_remove(loop, &p->w);
		p->done = true;
	}
}

static void
test_watch_pipe(void **state)
{
	struct loop *loop = loop_new();
	struct pipe_rec p = { 0, 0, NULL, false };
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	p.w = loop_watch_add(loop, fds[0], POLLIN, pipe_cb, &p);
	assert_int_equal(write(fds[1], "ab", 2), 2);
	loop_run_once(loop, 100);
	loop_run_once(loop, 100);
	assert_int_equal(p.reads, 2);
	assert_int_equal(p.last, 'b');
	/* events 0: registered but not polled */
	loop_watch_set(p.w, fds[0], 0);
	assert_int_equal(write(fds[1], "q", 1), 1);
	loop_run_once(loop, 20);
	assert_int_equal(p.reads, 2);
	loop_watch_set(p.w, fds[0], POLLIN);
	assert_true(loop_run_until(loop, &p.done, 200));
	assert_null(p.w);
	close(fds[0]);
	close(fds[1]);
	loop_free(&loop);
}

struct sig_rec {
	int got[64];
	bool done;
};

static void
sig_cb(struct loop *loop, int signo, void *arg)
{
	struct sig_rec *s = arg;

	(void)loop;
	s->got[signo]++;
	if (s->got[SIGWINCH] && s->got[SIGTERM] && s->got[SIGINT] && s->got[SIGCHLD])
		s->done = true;
}

static void
test_signals(void **state)
{
	struct loop *loop = loop_new();
	struct sig_rec s;
	pid_t pid;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(loop_signal_watch(loop, SIGWINCH, sig_cb, &s), 0);
	assert_int_equal(loop_signal_watch(loop, SIGTERM, sig_cb, &s), 0);
	assert_int_equal(loop_signal_watch(loop, SIGINT, sig_cb, &s), 0);
	assert_int_equal(loop_signal_watch(loop, SIGCHLD, sig_cb, &s), 0);
	raise(SIGWINCH);
	raise(SIGTERM);
	raise(SIGINT);
	pid = fork();
	if (pid == 0)
		_exit(0);
	assert_true(loop_run_until(loop, &s.done, 2000));
	assert_int_equal(s.got[SIGWINCH], 1);
	assert_int_equal(s.got[SIGTERM], 1);
	loop_free(&loop);
	signal(SIGTERM, SIG_DFL);
}

static int64_t
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
	       (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}

/* 300 ms of waiting for a timer costs almost no CPU: the loop sleeps. */
static void
test_no_busy_wait(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { "", 0, NULL, NULL, NULL };
	int64_t cpu0, wall0, cpu, wall;
	bool never = false;

	(void)state;
	loop_timer_add(loop, 300, 0, timer_a, &r);
	cpu0 = cpu_us();
	wall0 = loop_clock_us();
	loop_run_until(loop, &never, 320);
	cpu = cpu_us() - cpu0;
	wall = loop_clock_us() - wall0;
	assert_string_equal(r.log, "a");
	assert_true(wall >= 300000);
	assert_true(cpu < 30000); /* under 10% of the wall time */
	loop_free(&loop);
}

static void
test_remaining(void **state)
{
	struct loop *loop = loop_new();
	struct rec r = { "", 0, NULL, NULL, NULL };
	struct loop_timer *t;

	(void)state;
	t = loop_timer_add(loop, 1000, 0, timer_a, &r);
	assert_true(loop_timer_remaining(loop, t) > 900);
	loop_timer_cancel(loop, &t);
	assert_null(t);
	loop_free(&loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_repeating_and_cancel_from_callback),
		cmocka_unit_test(test_cancel_sibling_in_same_round),
		cmocka_unit_test(test_zero_delay_does_not_starve),
		cmocka_unit_test(test_watch_pipe),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_no_busy_wait),
		cmocka_unit_test(test_remaining),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
