/*
 * loop: poll(2) over watched fds, a heap of timers, signals through a
 * self-pipe. See include/loop.h for the contract.
 *
 * One iteration:
 *   1. build the pollfd array from the live watches;
 *   2. poll() for at most min(max_wait, time to the earliest timer);
 *   3. run the callbacks of the fds that are ready (skipping watches that
 *      an earlier callback removed);
 *   4. pop every timer due now, re-arm the repeating ones, and run them
 *      (timers created during this step wait for the next iteration, so a
 *      zero-delay timer that re-arms itself cannot starve the fds);
 *   5. free what callbacks removed (the "graveyard"), unless this iteration
 *      runs nested inside another one's callback.
 *
 * The signal handler only writes the signal number to a non-blocking pipe;
 * the pipe's read end is an ordinary watch whose callback runs the signal
 * watchers. There is one signal pipe per process, so signal watching
 * belongs to the first loop that asks for it.
 */
#include "config.h"

#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

#define MAX_SIGNAL 64

struct loop_watch {
	int fd;
	short events;
	loop_watch_cb cb;
	void *arg;
	bool dead;
};

struct loop_timer {
	int64_t due;
	int64_t interval;
	uint64_t seq; /* creation order: ties fire first-come first-served */
	loop_timer_cb cb;
	void *arg;
	size_t heap_index; /* SIZE_MAX when not in the heap */
	bool dead;
};

struct graveyard {
	void **v;
	size_t n, cap;
};

struct loop {
	struct loop_watch **watches;
	size_t n_watches, cap_watches;

	struct loop_timer **heap;
	size_t n_heap, cap_heap;
	uint64_t next_seq;

	struct graveyard graves;
	int depth; /* nesting of loop_run_once */

	struct pollfd *pfds;
	struct loop_watch **snap;
	size_t cap_pfds;

	int sig_pipe[2];
	struct loop_watch *sig_watch;
	struct {
		loop_signal_cb cb;
		void *arg;
	} signals[MAX_SIGNAL];

	int64_t now;
	bool stop;
	int64_t max_dispatch_us;
};

static volatile sig_atomic_t sig_write_fd = -1;
static struct loop *sig_owner;

/* ------------------------------------------------------------------------
 * Time
 * ------------------------------------------------------------------------ */

int64_t
loop_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
loop_now(const struct loop *loop)
{
	return loop->now;
}

void
loop_update_now(struct loop *loop)
{
	loop->now = loop_clock_us() / 1000;
}

/* ------------------------------------------------------------------------
 * Graveyard: memory removed during callbacks, freed between iterations
 * ------------------------------------------------------------------------ */

static void
bury(struct loop *loop, void *p)
{
	struct graveyard *g = &loop->graves;

	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->v = xreallocarray(g->v, g->cap, sizeof *g->v);
	}
	g->v[g->n++] = p;
}

static void
empty_graveyard(struct loop *loop)
{
	size_t i;

	for (i = 0; i < loop->graves.n; i++)
		free(loop->graves.v[i]);
	loop->graves.n = 0;
}

/* ------------------------------------------------------------------------
 * Timer heap (min-heap on due, then seq)
 * ------------------------------------------------------------------------ */

static bool
timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
heap_swap(struct loop *loop, size_t i, size_t j)
{
	struct loop_timer *t = loop->heap[i];

	loop->heap[i] = loop->heap[j];
	loop->heap[j] = t;
	loop->heap[i]->heap_index = i;
	loop->heap[j]->heap_index = j;
}

static void
heap_up(struct loop *loop, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(loop->heap[i], loop->heap[parent]))
			break;
		heap_swap(loop, i, parent);
		i = parent;
	}
}

static void
heap_down(struct loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < loop->n_heap && timer_before(loop->heap[l], loop->heap[m]))
			m = l;
		if (r < loop->n_heap && timer_before(loop->heap[r], loop->heap[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(loop, i, m);
		i = m;
	}
}

static void
heap_push(struct loop *loop, struct loop_timer *t)
{
	if (loop->n_heap == loop->cap_heap) {
		loop->cap_heap = loop->cap_heap ? loop->cap_heap * 2 : 16;
		loop->heap = xreallocarray(loop->heap, loop->cap_heap, sizeof *loop->heap);
	}
	t->heap_index = loop->n_heap;
	loop->heap[loop->n_heap++] = t;
	heap_up(loop, t->heap_index);
}

static void
heap_remove(struct loop *loop, struct loop_timer *t)
{
	size_t i = t->heap_index;

	if (i == SIZE_MAX)
		return;
	loop->n_heap--;
	if (i != loop->n_heap) {
		loop->heap[i] = loop->heap[loop->n_heap];
		loop->heap[i]->heap_index = i;
		heap_down(loop, i);
		heap_up(loop, i);
	}
	t->heap_index = SIZE_MAX;
}

struct loop_timer *
loop_timer_add(struct loop *loop, int64_t delay_ms, int64_t interval_ms, loop_timer_cb cb,
	       void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof *t);

	t->due = loop->now + (delay_ms > 0 ? delay_ms : 0);
	t->interval = interval_ms > 0 ? interval_ms : 0;
	t->seq = loop->next_seq++;
	t->cb = cb;
	t->arg = arg;
	heap_push(loop, t);
	return t;
}

void
loop_timer_cancel(struct loop *loop, struct loop_timer **tp)
{
	struct loop_timer *t = *tp;

	if (t == NULL)
		return;
	*tp = NULL;
	if (t->dead)
		return;
	heap_remove(loop, t);
	t->dead = true;
	bury(loop, t);
}

int64_t
loop_timer_remaining(const struct loop *loop, const struct loop_timer *t)
{
	return t->due > loop->now ? t->due - loop->now : 0;
}

/* ------------------------------------------------------------------------
 * Watches
 * ------------------------------------------------------------------------ */

struct loop_watch *
loop_watch_add(struct loop *loop, int fd, short events, loop_watch_cb cb, void *arg)
{
	struct loop_watch *w = xcalloc(1, sizeof *w);

	w->fd = fd;
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	if (loop->n_watches == loop->cap_watches) {
		loop->cap_watches = loop->cap_watches ? loop->cap_watches * 2 : 16;
		loop->watches = xreallocarray(loop->watches, loop->cap_watches,
					      sizeof *loop->watches);
	}
	loop->watches[loop->n_watches++] = w;
	return w;
}

void
loop_watch_set(struct loop_watch *w, int fd, short events)
{
	w->fd = fd;
	w->events = events;
}

void
loop_watch_remove(struct loop *loop, struct loop_watch **wp)
{
	struct loop_watch *w = *wp;
	size_t i;

	if (w == NULL)
		return;
	*wp = NULL;
	for (i = 0; i < loop->n_watches; i++) {
		if (loop->watches[i] == w) {
			loop->watches[i] = loop->watches[--loop->n_watches];
			break;
		}
	}
	w->dead = true;
	bury(loop, w);
}

/* ------------------------------------------------------------------------
 * Signals
 * ------------------------------------------------------------------------ */

static void
signal_handler(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	if (sig_write_fd >= 0) {
		ssize_t n = write(sig_write_fd, &b, 1);

		(void)n; /* a full pipe already has a wakeup pending */
	}
	errno = saved;
}

static void
signal_pipe_ready(struct loop *loop, int fd, short revents, void *arg)
{
	unsigned char buf[64];
	ssize_t n, i;

	(void)revents;
	(void)arg;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (i = 0; i < n; i++) {
			int signo = buf[i];

			if (signo < MAX_SIGNAL && loop->signals[signo].cb != NULL)
				loop->signals[signo].cb(loop, signo, loop->signals[signo].arg);
		}
	}
}

static int
signal_pipe_open(struct loop *loop)
{
	int i;

	if (loop->sig_pipe[0] >= 0)
		return 0;
	if (sig_owner != NULL && sig_owner != loop)
		return -1;
	if (pipe(loop->sig_pipe) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(loop->sig_pipe[i], F_SETFL, fcntl(loop->sig_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(loop->sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	sig_owner = loop;
	sig_write_fd = loop->sig_pipe[1];
	loop->sig_watch = loop_watch_add(loop, loop->sig_pipe[0], POLLIN, signal_pipe_ready, NULL);
	return 0;
}

int
loop_signal_watch(struct loop *loop, int signo, loop_signal_cb cb, void *arg)
{
	struct sigaction sa;

	if (signo <= 0 || signo >= MAX_SIGNAL || signal_pipe_open(loop) != 0)
		return -1;
	loop->signals[signo].cb = cb;
	loop->signals[signo].arg = arg;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = signal_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(signo, &sa, NULL);
}

void
loop_signal_unwatch(struct loop *loop, int signo)
{
	if (signo <= 0 || signo >= MAX_SIGNAL || loop->signals[signo].cb == NULL)
		return;
	loop->signals[signo].cb = NULL;
	signal(signo, SIG_DFL);
}

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------ */

struct loop *
loop_new(void)
{
	struct loop *loop = xcalloc(1, sizeof *loop);

	loop->sig_pipe[0] = loop->sig_pipe[1] = -1;
	loop_update_now(loop);
	return loop;
}

void
loop_free(struct loop **lp)
{
	struct loop *loop = *lp;
	size_t i;
	int s;

	if (loop == NULL)
		return;
	for (s = 1; s < MAX_SIGNAL; s++)
		loop_signal_unwatch(loop, s);
	if (sig_owner == loop) {
		sig_write_fd = -1;
		sig_owner = NULL;
		close(loop->sig_pipe[0]);
		close(loop->sig_pipe[1]);
	}
	for (i = 0; i < loop->n_watches; i++)
		free(loop->watches[i]);
	for (i = 0; i < loop->n_heap; i++)
		free(loop->heap[i]);
	empty_graveyard(loop);
	free(loop->graves.v);
	free(loop->watches);
	free(loop->heap);
	free(loop->pfds);
	free(loop->snap);
	free(loop);
	*lp = NULL;
}

/* ------------------------------------------------------------------------
 * Iterations
 * ------------------------------------------------------------------------ */

static int
run_timers(struct loop *loop)
{
	struct loop_timer **due = NULL;
	size_t n = 0, cap = 0, i;
	int ran = 0;

	/* collect first: timers added by the callbacks wait for the next round */
	while (loop->n_heap > 0 && loop->heap[0]->due <= loop->now) {
		struct loop_timer *t = loop->heap[0];

		heap_remove(loop, t);
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			due = xreallocarray(due, cap, sizeof *due);
		}
		due[n++] = t;
		if (t->interval > 0) {
			t->due += t->interval;
			if (t->due <= loop->now)
				t->due = loop->now + t->interval;
			t->seq = loop->next_seq++;
			heap_push(loop, t);
		}
	}
	for (i = 0; i < n; i++) {
		struct loop_timer *t = due[i];

		if (t->dead)
			continue;
		if (t->interval == 0) {
			/* one-shot: the handle dies as the callback starts */
			t->dead = true;
			bury(loop, t);
		}
		t->cb(loop, t->arg);
		ran++;
	}
	free(due);
	return ran;
}

int
loop_run_once(struct loop *loop, int64_t max_wait_ms)
{
	struct pollfd *pfds;
	struct loop_watch **snap;
	size_t n = loop->n_watches, i;
	int64_t wait = max_wait_ms, t0;
	int ready, ran = 0;
	bool own_buffers = loop->depth == 0;

	loop->depth++;
	if (own_buffers) {
		if (n > loop->cap_pfds) {
			loop->cap_pfds = n * 2;
			loop->pfds = xreallocarray(loop->pfds, loop->cap_pfds, sizeof *loop->pfds);
			loop->snap = xreallocarray(loop->snap, loop->cap_pfds, sizeof *loop->snap);
		}
		pfds = loop->pfds;
		snap = loop->snap;
	} else {
		pfds = xcalloc(n + 1, sizeof *pfds);
		snap = xcalloc(n + 1, sizeof *snap);
	}
	for (i = 0; i < n; i++) {
		snap[i] = loop->watches[i];
		pfds[i].fd = snap[i]->events != 0 ? snap[i]->fd : -1;
		pfds[i].events = snap[i]->events;
		pfds[i].revents = 0;
	}

	loop_update_now(loop);
	if (loop->n_heap > 0) {
		int64_t until = loop->heap[0]->due - loop->now;

		if (until < 0)
			until = 0;
		if (wait < 0 || until < wait)
			wait = until;
	}
	if (wait > INT32_MAX)
		wait = INT32_MAX;

	ready = poll(pfds, (nfds_t)n, (int)wait);
	loop_update_now(loop);
	t0 = loop_clock_us();

	for (i = 0; ready > 0 && i < n; i++) {
		struct loop_watch *w = snap[i];

		if (pfds[i].revents == 0 || w->dead)
			continue;
		w->cb(loop, pfds[i].fd, pfds[i].revents, w->arg);
		ran++;
	}
	loop_update_now(loop);
	ran += run_timers(loop);

	{
		int64_t took = loop_clock_us() - t0;

		if (took > loop->max_dispatch_us)
			loop->max_dispatch_us = took;
	}
	if (!own_buffers) {
		free(pfds);
		free(snap);
	}
	loop->depth--;
	if (loop->depth == 0)
		empty_graveyard(loop);
	return ran;
}

void
loop_run(struct loop *loop)
{
	loop->stop = false;
	while (!loop->stop)
		loop_run_once(loop, -1);
	loop->stop = false;
}

void
loop_stop(struct loop *loop)
{
	loop->stop = true;
}

bool
loop_run_until(struct loop *loop, const bool *done, int64_t timeout_ms)
{
	int64_t deadline;

	loop_update_now(loop);
	deadline = timeout_ms >= 0 ? loop->now + timeout_ms : -1;
	while (!*done) {
		int64_t wait = -1;

		if (deadline >= 0) {
			wait = deadline - loop->now;
			if (wait <= 0)
				break;
		}
		loop_run_once(loop, wait);
	}
	return *done;
}

int64_t
loop_take_max_dispatch_us(struct loop *loop)
{
	int64_t v = loop->max_dispatch_us;

	loop->max_dispatch_us = 0;
	return v;
}
