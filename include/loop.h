/*
 * loop: the one event loop everything runs on.
 *
 * A single thread waits in poll(2) on every registered file descriptor (the
 * terminal, each PostgreSQL connection's socket, the signal pipe) with the
 * events each one currently wants, for at most the time until the next
 * timer. Nothing busy-waits: with no fd ready and no timer due, the thread
 * sleeps.
 *
 * Vocabulary:
 *   watch   - a registered fd with the events it wants and a callback;
 *   timer   - a callback due at a monotonic time, one-shot or repeating;
 *   signal  - SIGWINCH, SIGINT, SIGTERM, SIGCHLD... caught by a handler that
 *             only writes the signal number to a self-pipe; the loop reads
 *             the pipe and runs the watchers as ordinary callbacks.
 *
 * Invariants: callbacks run on the loop's thread, one at a time; a callback
 * may add or remove any watch or timer, including its own. A removed watch
 * or cancelled timer never fires again, even later in the same iteration.
 * Handles stay valid until removed/cancelled (one-shot timers are removed
 * by the loop just before their callback runs: the callback must not
 * cancel them).
 *
 * Ownership: loop_new() returns a loop the caller frees with loop_free(),
 * which releases every watch and timer still registered.
 */
#ifndef PGDBM_LOOP_H
#define PGDBM_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_watch;
struct loop_timer;

typedef void (*loop_watch_cb)(struct loop *loop, int fd, short revents, void *arg);
typedef void (*loop_timer_cb)(struct loop *loop, void *arg);
typedef void (*loop_signal_cb)(struct loop *loop, int signo, void *arg);

struct loop *loop_new(void);
void loop_free(struct loop **loop);

/* Monotonic milliseconds, read once per iteration (and by loop_update_now). */
int64_t loop_now(const struct loop *loop);
void loop_update_now(struct loop *loop);

/* Monotonic clock in microseconds, read now (not cached). */
int64_t loop_clock_us(void);

/* Watch fd for events (POLLIN, POLLOUT); 0 events keeps it registered but idle. */
struct loop_watch *loop_watch_add(struct loop *loop, int fd, short events, loop_watch_cb cb,
				  void *arg);
void loop_watch_set(struct loop_watch *w, int fd, short events);
void loop_watch_remove(struct loop *loop, struct loop_watch **w);

/*
 * Call cb after delay_ms, then every interval_ms if interval_ms > 0.
 * A one-shot timer's handle is dead once its callback starts.
 */
struct loop_timer *loop_timer_add(struct loop *loop, int64_t delay_ms, int64_t interval_ms,
				  loop_timer_cb cb, void *arg);
void loop_timer_cancel(struct loop *loop, struct loop_timer **t);

/* Milliseconds until the timer fires (0 when due). */
int64_t loop_timer_remaining(const struct loop *loop, const struct loop_timer *t);

/* Run cb from the loop whenever signo arrives (one watcher per signal). */
int loop_signal_watch(struct loop *loop, int signo, loop_signal_cb cb, void *arg);
void loop_signal_unwatch(struct loop *loop, int signo);

/*
 * One iteration: wait for at most max_wait_ms (-1: until something
 * happens), then run the callbacks of ready fds and due timers. Returns the
 * number of callbacks run.
 */
int loop_run_once(struct loop *loop, int64_t max_wait_ms);

/* Iterate until loop_stop() is called. */
void loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

/*
 * Iterate until *done becomes true or timeout_ms elapses (-1: no limit).
 * Returns true when *done. The CLI's blocking facade is built on this.
 */
bool loop_run_until(struct loop *loop, const bool *done, int64_t timeout_ms);

/* Longest time one iteration's callbacks took, in microseconds (and reset it). */
int64_t loop_take_max_dispatch_us(struct loop *loop);

#endif
