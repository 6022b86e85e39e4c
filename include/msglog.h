/*
 * msglog: the console's message log.
 *
 * Server notices, connection errors, job results and warnings all end up
 * here, never on stderr behind the screen's back. The log keeps the newest
 * `cap` messages in a ring; each message has a sequence number so a viewer
 * can tell what is new since it last looked. A sink, when set, sees every
 * message as it arrives (the CLI prints warnings and errors to stderr; the
 * TUI only reads the ring). A log file, when set, receives every message,
 * debug ones included, made safe for a terminal (safetext: a `tail -f` of
 * it must not run the escape sequences a server message carries), the
 * lines of a message after its first indented. The ring keeps the exact
 * text; whoever shows it makes it safe.
 */
#ifndef PGDBM_MSGLOG_H
#define PGDBM_MSGLOG_H

#include <stdint.h>
#include <stdio.h>

#include "xalloc.h"

enum msg_level {
	MSG_DEBUG,
	MSG_INFO,
	MSG_NOTICE,
	MSG_WARNING,
	MSG_ERROR,
};

struct msg {
	uint64_t seq;
	int64_t time_ms; /* wall clock, milliseconds since the epoch */
	enum msg_level level;
	char *source; /* database label, module or "console" */
	char *text;
};

struct msglog {
	struct msg *ring;
	size_t cap;
	size_t first; /* index of the oldest message */
	size_t count;
	uint64_t next_seq;
	void (*sink)(void *arg, const struct msg *m);
	void *sink_arg;
	FILE *file; /* owned: closed by msglog_free */
};

void msglog_init(struct msglog *log, size_t cap);
void msglog_free(struct msglog *log);

/* Open (append) a log file for every message; returns 0 or -1 with errno. */
int msglog_open_file(struct msglog *log, const char *path);

void msglog_add(struct msglog *log, enum msg_level level, const char *source, const char *fmt, ...)
	ATTR_FORMAT(4, 5);

/* Message i counting from the oldest still kept (i < log->count). */
const struct msg *msglog_get(const struct msglog *log, size_t i);

const char *msglog_level_name(enum msg_level level);

#endif
