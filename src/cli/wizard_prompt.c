/*
 * wizard_prompt: the architecture wizard asked on a terminal, line by line.
 * See include/wizard_prompt.h.
 *
 * A session is three phases over one core state (struct wizard):
 *
 *   asking --(last answer)--> result shown --> offering to write --> end
 *     ^  |                                        |
 *     +--+ answer, back, help, refused reply      +-- y: the path, maybe
 *                                                     "Replace it?"; n: the
 *                                                     profile printed
 *
 * with Ctrl-C or end of input ending any phase while a line is awaited.
 * Lines are read from the descriptor through a private event loop that
 * also watches SIGINT (its handler only writes to the loop's self-pipe), so
 * a Ctrl-C is never lost between a check and a read. A line is what comes
 * before a newline; input that ends without one ends the session (its last
 * words are not taken as an answer). Tabs become spaces; a line with any
 * other control character is refused without being echoed.
 *
 * Text is wrapped at the terminal's width with the console's own wrapper
 * (textpane_wrap: display columns, breaks between words).
 */
#include "config.h"

#include "wizard_prompt.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "loop.h"
#include "strbuf.h"
#include "textpane.h"
#include "wizard.h"
#include "xalloc.h"

#define DEFAULT_WIDTH 80
#define MIN_WIDTH     20
#define READ_CHUNK    4096

struct session {
	const struct wizard_prompt *p;
	FILE *out;
	int width;
	struct tui_text_opts text;
	struct wizard *w;
	struct loop *loop;
	struct loop_watch *watch;
	bool sigint_watched;
	struct strbuf in; /* bytes read and not yet taken as lines */
	bool eof;
	bool interrupted;
};

enum got {
	GOT_LINE,
	GOT_EOF,
	GOT_INTERRUPT,
};

/* ------------------------------------------------------------------------
 * Replies (pure)
 * ------------------------------------------------------------------------ */

/* Length of the UTF-8 sequence at s (len bytes left), or 0 when it is not one. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

bool
wizard_prompt_control(const char *line, size_t len, bool utf8)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i, n;

	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return true;
		if (s[i] < 0x80)
			continue;
		if (!utf8) {
			if (s[i] <= 0x9f)
				return true;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (n == 0 || (s[i] == 0xc2 && s[i + 1] <= 0x9f))
			return true; /* not UTF-8, or a C1 control */
		i += n - 1;
	}
	return false;
}

/* line without its leading and trailing spaces, malloc'd. */
static char *
trimmed(const char *line)
{
	size_t len;

	while (*line == ' ')
		line++;
	len = strlen(line);
	while (len > 0 && line[len - 1] == ' ')
		len--;
	return xstrndup(line, len);
}

static bool
is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
	}
	return true;
}

static size_t
n_choices(const struct wizard_question *q)
{
	size_t n = 0;

	while (q->choices[n].value != NULL)
		n++;
	return n;
}

static char *
not_an_answer(const struct wizard_question *q, const char *t)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = n_choices(q);

	strbuf_addf(&sb, "\"%s\" is not one of the answers (type 1-%zu, or one of ", t, n);
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", q->choices[i].value);
	strbuf_adds(&sb, ")");
	return strbuf_detach(&sb);
}

/* The choice a text names: number, value, label, or the first letters of one. */
static char *
parse_choice(const struct wizard_question *q, const char *t, char **value)
{
	size_t n = n_choices(q), i, len = strlen(t), found = n, n_found = 0;

	if (is_number(t)) {
		unsigned long k = len <= 3 ? strtoul(t, NULL, 10) : 0;

		if (k >= 1 && k <= n) {
			*value = xstrdup(q->choices[k - 1].value);
			return NULL;
		}
		return not_an_answer(q, t);
	}
	for (i = 0; i < n; i++) {
		if (strcasecmp(t, q->choices[i].value) == 0 ||
		    strcasecmp(t, q->choices[i].label) == 0) {
			*value = xstrdup(q->choices[i].value);
			return NULL;
		}
	}
	for (i = 0; i < n; i++) {
		if (strncasecmp(t, q->choices[i].value, len) == 0 ||
		    strncasecmp(t, q->choices[i].label, len) == 0) {
			if (n_found++ == 0)
				found = i;
		}
	}
	if (n_found == 1) {
		*value = xstrdup(q->choices[found].value);
		return NULL;
	}
	if (n_found > 1) {
		struct strbuf sb = STRBUF_INIT;
		size_t k = 0;

		strbuf_addf(&sb, "\"%s\" could be ", t);
		for (i = 0; i < n; i++) {
			if (strncasecmp(t, q->choices[i].value, len) != 0 &&
			    strncasecmp(t, q->choices[i].label, len) != 0)
				continue;
			if (k > 0)
				strbuf_adds(&sb, k + 1 == n_found ? " or " : ", ");
			strbuf_adds(&sb, q->choices[i].value);
			k++;
		}
		strbuf_adds(&sb, " (type more of it, or its number)");
		return strbuf_detach(&sb);
	}
	return not_an_answer(q, t);
}

enum wizard_prompt_reply
wizard_prompt_parse(const struct wizard_question *q, const char *def, const char *line,
		    char **value, char **err)
{
	char *t = trimmed(line);
	enum wizard_prompt_reply r = WIZARD_PROMPT_ANSWER;

	*value = NULL;
	*err = NULL;
	if (t[0] == '\0') {
		*value = xstrdup(def);
	} else if (strcasecmp(t, "b") == 0 || strcasecmp(t, "back") == 0) {
		r = WIZARD_PROMPT_BACK;
	} else if (strcmp(t, "?") == 0 || strcasecmp(t, "help") == 0) {
		r = WIZARD_PROMPT_HELP;
	} else if (q->kind == WIZARD_CHOICE) {
		*err = parse_choice(q, t, value);
		if (*err != NULL)
			r = WIZARD_PROMPT_INVALID;
	} else {
		*value = t;
		t = NULL;
	}
	free(t);
	return r;
}

int
wizard_prompt_yes_no(const char *line, bool def)
{
	char *t = trimmed(line);
	int r = -1;

	if (t[0] == '\0')
		r = def;
	else if (strcasecmp(t, "y") == 0 || strcasecmp(t, "yes") == 0)
		r = 1;
	else if (strcasecmp(t, "n") == 0 || strcasecmp(t, "no") == 0)
		r = 0;
	free(t);
	return r;
}

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

static int
terminal_width(const struct wizard_prompt *p)
{
	struct winsize ws;
	const char *cols;
	int w = 0;

	if (p->width > 0)
		return p->width;
	if (ioctl(fileno(p->term != NULL ? p->term : p->out), TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		w = ws.ws_col;
	else if ((cols = getenv("COLUMNS")) != NULL)
		w = atoi(cols);
	if (w <= 0)
		w = DEFAULT_WIDTH;
	return w < MIN_WIDTH ? MIN_WIDTH : w;
}

/* One line of text (no newline in it) wrapped: `first` spaces before the
 * first line, `rest` before the others. */
static void
wrap_line(struct session *s, int first, int rest, const char *text)
{
	int indent = first;

	do {
		const char *next;
		size_t n = textpane_wrap(text, s->width - indent, &s->text, &next);

		fprintf(s->out, "%*s%.*s\n", indent, "", (int)n, text);
		text = next;
		indent = rest;
	} while (*text != '\0');
}

/* A paragraph (lines separated by \n), wrapped. */
static void ATTR_FORMAT(4, 5) para(struct session *s, int first, int rest, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	const char *line, *nl;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	for (line = strbuf_str(&sb);; line = nl + 1) {
		char *one;

		nl = strchr(line, '\n');
		one = nl != NULL ? xstrndup(line, (size_t)(nl - line)) : xstrdup(line);
		wrap_line(s, first, rest, one);
		free(one);
		if (nl == NULL)
			break;
	}
	strbuf_free(&sb);
}

static void
show_keys(struct session *s)
{
	static const char *const keys[][2] = {
		{ "a number or a name", "answers (the first letters of a name will do)" },
		{ "Enter", "takes the default in brackets" },
		{ "b or back", "goes back one question" },
		{ "? or help", "shows this and the question again" },
		{ "Ctrl-C or Ctrl-D", "leaves without writing anything" },
	};
	size_t i;

	para(s, 0, 2, "How to answer:");
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		para(s, 2, 23, "%-20s %s", keys[i][0], keys[i][1]);
}

/* The step's answer as people read it: the choice's label, or the text. */
static const char *
step_answer(const struct wizard_step *st)
{
	return st->choice != NULL ? st->choice->label : st->value;
}

static void
show_path(struct session *s)
{
	const struct wizard_step *steps;
	struct strbuf sb = STRBUF_INIT;
	size_t n, i;
	int pattern = wizard_pattern_so_far(s->w);

	steps = wizard_path(s->w, &n);
	if (n == 0)
		strbuf_adds(&sb, "(no answer yet: the flowchart starts here)");
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%zu %s %s%s", i ? "; " : "", i + 1, steps[i].question->prompt,
			    step_answer(&steps[i]), steps[i].assumed ? " (default)" : "");
	para(s, 2, 8, "path: %s", strbuf_str(&sb));
	para(s, 2, 4, "pattern so far: %s",
	     pattern >= 0 ? wizard_pattern_name((enum wizard_pattern)pattern)
			  : "(still in the flowchart)");
	strbuf_free(&sb);
}

static void
show_question(struct session *s)
{
	const struct wizard_question *q = wizard_current(s->w);
	const char *def = wizard_current_default(s->w);
	size_t n_steps, i, n;
	int label_w = 0;
	char leads[160];

	wizard_path(s->w, &n_steps);
	fputc('\n', s->out);
	para(s, 0, 2, "Question %zu %s %s", n_steps + 1, s->text.utf8 ? "·" : "-", q->source);
	show_path(s);
	fputc('\n', s->out);
	para(s, 0, 0, "%s", q->prompt);
	if (q->kind == WIZARD_CHOICE) {
		n = n_choices(q);
		for (i = 0; i < n; i++) {
			int len = (int)strlen(q->choices[i].label);

			if (len > label_w)
				label_w = len;
		}
		for (i = 0; i < n; i++) {
			const struct wizard_choice *c = &q->choices[i];

			wizard_choice_leads_to(c, leads, sizeof leads);
			para(s, 2, 7 + label_w, "%zu  %-*s%s%s%s", i + 1, label_w, c->label,
			     leads[0] != '\0' ? "  -> " : "", leads,
			     strcmp(c->value, def) == 0 ? "  (default)" : "");
			if (c->rule != NULL)
				para(s, 5, 12, "guide: %s", c->rule);
		}
	} else {
		if (q->rule != NULL)
			para(s, 2, 4, "used for: %s", q->rule);
		para(s, 2, 4, "expected: %s", q->form);
	}
	para(s, 2, 4, "default: %s, %s", def, q->def_why);
	if (q->ask_note != NULL)
		para(s, 2, 4, "asked now: %s", q->ask_note);
}

/* The prompt line (no newline: the reply follows it). */
static void
show_prompt(struct session *s)
{
	const struct wizard_question *q = wizard_current(s->w);
	const char *def = wizard_current_default(s->w);
	size_t i, n;

	if (q->kind != WIZARD_CHOICE) {
		fprintf(s->out, "Answer [%s] (b back, ? help): ", def);
		return;
	}
	n = n_choices(q);
	for (i = 0; i < n && strcmp(q->choices[i].value, def) != 0; i++)
		;
	fprintf(s->out, "Answer [%zu: %s] (1-%zu, b back, ? help): ", i + 1,
		i < n ? q->choices[i].label : def, n);
}

/*
 * The result, as the console's result page has it, but the recommendation
 * last: the lines above the "Write the profile?" question are the ones a
 * terminal still shows.
 */
static void
show_result(struct session *s, const struct wizard_result *r)
{
	size_t i;

	fputc('\n', s->out);
	para(s, 0, 2, "Why: each answer and the rule it triggered");
	for (i = 0; i < r->n_reasons; i++) {
		const struct wizard_step *st = &r->reasons[i];

		para(s, 2, 4, "%zu. %s %s%s", i + 1, st->question->prompt, step_answer(st),
		     st->assumed ? "  (assumed: the guide's default)" : "");
		if (st->rule != NULL)
			para(s, 6, 8, "rule: %s", st->rule);
		if (st->effect != NULL)
			para(s, 6, 9, "=> %s", st->effect);
	}

	fputc('\n', s->out);
	para(s, 0, 2, "Anti-patterns to avoid with %s", r->pattern_name);
	for (i = 0; i < r->n_anti; i++) {
		para(s, 2, 4, "- %s: \"%s\"", r->anti[i].name, r->anti[i].guide);
		para(s, 6, 6, "%s", r->anti[i].reason);
	}

	fputc('\n', s->out);
	para(s, 0, 2, "Recommended pattern: %s", r->pattern_name);
	para(s, 2, 4, "flowchart: %s%s -> %s", r->node_name,
	     r->recommended ? " (recommended by the guide)" : "", r->code_pattern);
	para(s, 2, 4, "when to use: %s", r->when_to_use);
	para(s, 2, 4, "selection matrix: %s", r->matrix);
	para(s, 2, 4,
	     "pool: min %d, max %d connections (DatabaseConfig min_connections and "
	     "max_connections: the %s band)",
	     r->pool_min, r->pool_max, r->load != NULL ? r->load : "load");
	if (r->stage_note != NULL && r->stage_note[0] != '\0')
		para(s, 2, 4, "scaling: %s", r->stage_note);
	fputc('\n', s->out);
}

/* ------------------------------------------------------------------------
 * Input
 * ------------------------------------------------------------------------ */

static void
on_input(struct loop *loop, int fd, short revents, void *arg)
{
	struct session *s = arg;
	char buf[READ_CHUNK];
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(fd, buf, sizeof buf);
	if (n > 0)
		strbuf_add(&s->in, buf, (size_t)n);
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		s->eof = true;
	if (s->eof)
		loop_watch_set(s->watch, fd, 0);
}

static void
on_sigint(struct loop *loop, int signo, void *arg)
{
	struct session *s = arg;

	(void)loop;
	(void)signo;
	s->interrupted = true;
}

/*
 * Wait for the next line (without its newline, tabs as spaces) into *line,
 * malloc'd. A Ctrl-C wins over lines typed ahead.
 */
static enum got
get_line(struct session *s, char **line)
{
	const char *nl;
	size_t len, i;

	*line = NULL;
	fflush(s->out);
	loop_run_once(s->loop, 0); /* a signal or input that is there already */
	for (;;) {
		if (s->interrupted)
			return GOT_INTERRUPT;
		nl = s->in.len > 0 ? memchr(s->in.data, '\n', s->in.len) : NULL;
		if (nl != NULL)
			break;
		if (s->eof)
			return GOT_EOF;
		loop_run_once(s->loop, -1);
	}
	len = (size_t)(nl - s->in.data);
	*line = xstrndup(s->in.data, len);
	memmove(s->in.data, nl + 1, s->in.len - len - 1);
	strbuf_truncate(&s->in, s->in.len - len - 1);
	if (len > 0 && (*line)[len - 1] == '\r')
		(*line)[--len] = '\0';
	for (i = 0; i < len; i++) {
		if ((*line)[i] == '\t')
			(*line)[i] = ' ';
	}
	if (wizard_prompt_control(*line, len, s->text.utf8)) {
		/* say why without echoing it; the caller asks again */
		para(s, 2, 4,
		     "not accepted: the answer holds a control character or bytes that are not "
		     "text (arrow and function keys do not work here: type the number or the "
		     "name)");
		free(*line);
		*line = NULL;
	}
	return GOT_LINE;
}

/* ------------------------------------------------------------------------
 * The phases
 * ------------------------------------------------------------------------ */

static enum got
ask_questions(struct session *s)
{
	bool show = true;
	char *line, *value, *err;
	enum got got;

	while (!wizard_finished(s->w)) {
		s->width = terminal_width(s->p);
		if (show)
			show_question(s);
		show = false;
		show_prompt(s);
		got = get_line(s, &line);
		if (got != GOT_LINE)
			return got;
		if (line == NULL)
			continue; /* a control character: refused, asked again */
		switch (wizard_prompt_parse(wizard_current(s->w), wizard_current_default(s->w),
					    line, &value, &err)) {
		case WIZARD_PROMPT_ANSWER:
			if (wizard_answer(s->w, value, &err) == 0) {
				const struct wizard_step *steps;
				size_t n;

				steps = wizard_path(s->w, &n);
				if (steps[n - 1].effect != NULL)
					para(s, 2, 5, "=> %s", steps[n - 1].effect);
				show = true;
			}
			break;
		case WIZARD_PROMPT_BACK: {
			const struct wizard_step *steps;
			char *undone = NULL;
			size_t n;

			steps = wizard_path(s->w, &n);
			if (n > 0)
				undone = xasprintf("\"%s %s\"", steps[n - 1].question->prompt,
						   step_answer(&steps[n - 1]));
			if (wizard_back(s->w, &err) == 0) {
				para(s, 2, 4, "back: %s is undone", undone);
				show = true;
			}
			free(undone);
			break;
		}
		case WIZARD_PROMPT_HELP:
			fputc('\n', s->out);
			show_keys(s);
			show = true;
			break;
		case WIZARD_PROMPT_INVALID:
			break;
		}
		if (err != NULL)
			para(s, 2, 4, "not accepted: %s", err);
		free(err);
		free(value);
		free(line);
	}
	return GOT_LINE;
}

/* Ask a yes/no question until it gets one; *yes the answer. */
static enum got
ask_yes_no(struct session *s, const char *question, bool def, bool *yes)
{
	char *line;
	enum got got;
	int r;

	for (;;) {
		fprintf(s->out, "%s %s ", question, def ? "[Y/n]" : "[y/N]");
		got = get_line(s, &line);
		if (got != GOT_LINE)
			return got;
		r = line != NULL ? wizard_prompt_yes_no(line, def) : -2;
		free(line);
		if (r >= 0) {
			*yes = r == 1;
			return GOT_LINE;
		}
		if (r == -1)
			para(s, 2, 4, "not accepted: type y or n (Enter: %s)", def ? "yes" : "no");
	}
}

/* "~/x" is in the home folder, as a shell would have it (as the console's dialog). */
static char *
expand_path(const char *text)
{
	const char *home = getenv("HOME");

	if (text[0] == '~' && text[1] == '/' && home != NULL && home[0] != '\0')
		return xasprintf("%s%s", home, text + 1);
	return xstrdup(text);
}

static void
show_written(struct session *s, const char *path, char **created, size_t n_created,
	     const char *verdict)
{
	struct strbuf sb = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	size_t base = slash != NULL ? (size_t)(slash - path) + 1 : 0, i;

	fputc('\n', s->out);
	para(s, 0, 2, "Written to %s", path);
	para(s, 2, 4, "%s", verdict);
	/* the folders as the profile names them: relative to its folder */
	for (i = 0; i < n_created; i++) {
		const char *f = created[i];

		if (base > 0 && strncmp(f, path, base) == 0)
			f += base;
		strbuf_addf(&sb, "%s%s", i ? ", " : "", f);
	}
	if (n_created > 0)
		para(s, 2, 4, "created %zu migration folder%s next to it: %s", n_created,
		     n_created == 1 ? "" : "s", strbuf_str(&sb));
	else
		para(s, 2, 4, "created no folder: the migration folders it names exist already");
	strbuf_free(&sb);
}

static enum wizard_prompt_end
offer_write(struct session *s)
{
	const struct wizard_result *r = wizard_result(s->w);
	char *line, *path, *t, *err, **created, *verdict;
	size_t n_created, i;
	bool yes, force, loads;
	enum got got;
	int rc;

	got = ask_yes_no(s, "Write the profile?", true, &yes);
	if (got != GOT_LINE)
		return got == GOT_EOF ? WIZARD_PROMPT_EOF : WIZARD_PROMPT_INTERRUPTED;
	if (!yes) {
		fprintf(s->out, "\nNot written. The generated profile:\n\n%s", r->profile);
		return WIZARD_PROMPT_DECLINED;
	}
	for (;;) {
		fprintf(s->out, "File to write [%s]: ", WIZARD_PROMPT_DEFAULT_PATH);
		got = get_line(s, &line);
		if (got != GOT_LINE)
			return got == GOT_EOF ? WIZARD_PROMPT_EOF : WIZARD_PROMPT_INTERRUPTED;
		if (line == NULL)
			continue;
		t = trimmed(line);
		free(line);
		path = expand_path(t[0] != '\0' ? t : WIZARD_PROMPT_DEFAULT_PATH);
		free(t);
		force = false;
		for (;;) {
			rc = wizard_write(r, path, force, &created, &n_created, &err);
			if (rc != 1)
				break;
			t = xasprintf("%s already exists. Replace it?", path);
			got = ask_yes_no(s, t, false, &yes);
			free(t);
			if (got != GOT_LINE) {
				free(path);
				return got == GOT_EOF ? WIZARD_PROMPT_EOF
						      : WIZARD_PROMPT_INTERRUPTED;
			}
			if (!yes)
				break;
			force = true;
		}
		if (rc == 0) {
			verdict = wizard_verdict(path, &loads);
			show_written(s, path, created, n_created, verdict);
			free(verdict);
		} else if (rc == 1) {
			para(s, 2, 4,
			     "Kept %s. Type another file name, or Ctrl-D to leave without writing.",
			     path);
		} else {
			para(s, 2, 4, "not written: %s", err);
		}
		for (i = 0; i < n_created; i++)
			free(created[i]);
		free(created);
		free(err);
		free(path);
		if (rc == 0)
			return loads ? WIZARD_PROMPT_WRITTEN : WIZARD_PROMPT_BAD_WRITE;
	}
}

enum wizard_prompt_end
wizard_prompt_run(const struct wizard_prompt *p)
{
	struct session s;
	struct sigaction old;
	enum wizard_prompt_end end;
	enum got got;

	memset(&s, 0, sizeof s);
	s.p = p;
	s.out = p->out;
	s.width = terminal_width(p);
	s.text.utf8 = p->utf8;
	s.w = wizard_new();
	s.loop = loop_new();
	s.watch = loop_watch_add(s.loop, p->in, POLLIN, on_input, &s);
	/* a SIGINT ignored by whoever started us stays ignored */
	if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		s.sigint_watched = loop_signal_watch(s.loop, SIGINT, on_sigint, &s) == 0;

	para(&s, 0, 0,
	     "pgdbm-console wizard: pgdbm's architecture decision tree, one question at a time, "
	     "to a pattern, a pool size and a profile (wizard --help lists every question; "
	     "--answer KEY=VALUE answers without asking).");
	fputc('\n', s.out);
	show_keys(&s);
	got = ask_questions(&s);
	if (got == GOT_LINE) {
		show_result(&s, wizard_result(s.w));
		end = offer_write(&s);
	} else {
		end = got == GOT_EOF ? WIZARD_PROMPT_EOF : WIZARD_PROMPT_INTERRUPTED;
	}
	if (end == WIZARD_PROMPT_EOF || end == WIZARD_PROMPT_INTERRUPTED)
		fputc('\n', s.out); /* after the prompt (and the terminal's ^C) */
	fflush(s.out);

	if (s.sigint_watched)
		loop_signal_unwatch(s.loop, SIGINT);
	loop_watch_remove(s.loop, &s.watch);
	loop_free(&s.loop);
	strbuf_free(&s.in);
	wizard_free(&s.w);
	return end;
}
