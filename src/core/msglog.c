/*
 * msglog: a ring of recent messages plus an optional log file.
 * See include/msglog.h.
 */
#include "config.h"

#include "msglog.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "safetext.h"
#include "strbuf.h"

void
msglog_init(struct msglog *log, size_t cap)
{
	log->ring = xcalloc(cap, sizeof *log->ring);
	log->cap = cap;
	log->first = 0;
	log->count = 0;
	log->next_seq = 1;
	log->sink = NULL;
	log->sink_arg = NULL;
	log->file = NULL;
}

void
msglog_free(struct msglog *log)
{
	size_t i;

	for (i = 0; i < log->count; i++) {
		struct msg *m = &log->ring[(log->first + i) % log->cap];

		free(m->source);
		free(m->text);
	}
	free(log->ring);
	log->ring = NULL;
	log->count = 0;
	if (log->file != NULL) {
		fclose(log->file);
		log->file = NULL;
	}
}

int
msglog_open_file(struct msglog *log, const char *path)
{
	FILE *f = fopen(path, "a");

	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	if (log->file != NULL)
		fclose(log->file);
	log->file = f;
	return 0;
}

const char *
msglog_level_name(enum msg_level level)
{
	switch (level) {
	case MSG_DEBUG:
		return "debug";
	case MSG_INFO:
		return "info";
	case MSG_NOTICE:
		return "notice";
	case MSG_WARNING:
		return "warning";
	case MSG_ERROR:
		return "error";
	}
	return "?";
}

/*
 * One entry of the log file: "stamp level [source] text", made safe
 * (safetext); each line of a text of several lines after the first is
 * indented, so that every entry, and only an entry, starts with its stamp.
 */
static void
write_entry(FILE *f, const struct timeval *tv, enum msg_level level, const char *source,
	    const char *text)
{
	unsigned flags = safetext_locale_utf8() ? SAFETEXT_UTF8 : 0;
	struct strbuf line = STRBUF_INIT, safe = STRBUF_INIT;
	const char *p, *nl;
	struct tm tm;
	char stamp[32];

	localtime_r(&tv->tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	strbuf_addf(&line, "%s.%03ld %s [", stamp, (long)(tv->tv_usec / 1000),
		    msglog_level_name(level));
	safetext_add(&line, source, strlen(source), flags);
	strbuf_adds(&line, "] ");
	safetext_add(&safe, text, strlen(text), flags | SAFETEXT_LINES);
	for (p = strbuf_str(&safe); (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		strbuf_add(&line, p, (size_t)(nl - p));
		strbuf_adds(&line, "\n    ");
	}
	strbuf_adds(&line, p);
	strbuf_addc(&line, '\n');
	fputs(strbuf_str(&line), f);
	strbuf_free(&safe);
	strbuf_free(&line);
}

void
msglog_add(struct msglog *log, enum msg_level level, const char *source, const char *fmt, ...)
{
	struct timeval tv;
	struct msg *m;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	gettimeofday(&tv, NULL);

	if (log->file != NULL)
		write_entry(log->file, &tv, level, source != NULL ? source : "console", text);
	if (level == MSG_DEBUG) {
		free(text);
		return;
	}
	if (log->count == log->cap) {
		m = &log->ring[log->first];
		free(m->source);
		free(m->text);
		log->first = (log->first + 1) % log->cap;
		log->count--;
	}
	m = &log->ring[(log->first + log->count) % log->cap];
	log->count++;
	m->seq = log->next_seq++;
	m->time_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	m->level = level;
	m->source = xstrdup(source != NULL ? source : "console");
	m->text = text;
	if (log->sink != NULL)
		log->sink(log->sink_arg, m);
}

const struct msg *
msglog_get(const struct msglog *log, size_t i)
{
	if (i >= log->count)
		return NULL;
	return &log->ring[(log->first + i) % log->cap];
}
