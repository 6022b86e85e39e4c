/*
 * wizard_prompt: the architecture wizard asked on a terminal, line by line.
 *
 * `pgdbm-console wizard` typed on a terminal (standard input and output
 * both terminals, no answer, --json or --write given) walks the core
 * wizard state (wizard.h) one question at a time, as the console's Wizard
 * view does, with plain lines instead of curses:
 *
 *   Question 3 · flowchart Q3
 *     path: 1 How many services? Multiple; 2 Services share data? Yes
 *     pattern so far: (still in the flowchart)
 *
 *   Same database?
 *     1  No   -> Multiple Databases
 *          guide: Same database? No -> Multiple Databases -> Multiple DB Pattern
 *     2  Yes  -> Shared Pool Pattern  (default)
 *          guide: Same database? Yes -> Shared Pool Pattern (recommended)
 *     default: yes, "Default choice: Always use Shared Pool Pattern ..."
 *   Answer [2: Yes] (1-2, b back, ? help): _
 *
 * Every text comes from the core: the questions, their sources, choices,
 * what each leads to (wizard_choice_leads_to), the guide's words, the
 * default of this path and why, the path taken, the pattern so far, the
 * effect of each answer; free-text answers are checked by the core
 * (wizard_answer), which gives the reason of a refusal. A reply is a
 * number, a choice's value or label or the first letters of one, Enter for
 * the default, b or back, ? or help; anything else is asked again with the
 * reason. A line holding a control character (an arrow key's escape
 * sequence) is refused without being echoed.
 *
 * At the end: the result as the console's result page shows it (reasons,
 * anti-patterns, then the pattern and the pool last, where the terminal
 * still shows them), then "Write the profile? [Y/n]", the file
 * (default ./pgdbm-profile.yaml; an existing file is replaced only after a
 * yes), wizard_write() and the verdict of loading it back
 * (wizard_verdict()). No to writing prints the profile instead.
 *
 * Input is read from a file descriptor through the event loop (loop.h),
 * which also watches SIGINT: Ctrl-C while a line is awaited ends the
 * session at once (WIZARD_PROMPT_INTERRUPTED), end of input (Ctrl-D) too
 * (WIZARD_PROMPT_EOF); nothing is written then. The terminal's modes are
 * never changed (the terminal's own line editing is used), so there is
 * nothing to restore. The SIGINT handler is removed (SIG_DFL) before
 * wizard_prompt_run() returns.
 *
 * Ownership: nothing returned by wizard_prompt_run() is owned; the parse
 * functions return malloc'd strings the caller frees.
 */
#ifndef PGDBM_WIZARD_PROMPT_H
#define PGDBM_WIZARD_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct wizard_question;

#define WIZARD_PROMPT_DEFAULT_PATH "./pgdbm-profile.yaml"

struct wizard_prompt {
	int in;	    /* where the replies are read from (a terminal; a pipe in tests) */
	FILE *out;  /* where the questions go */
	int width;  /* columns to wrap at; 0: the terminal's (out's size, then
		      $COLUMNS, then 80), read again for every question */
	bool utf8;  /* the locale is UTF-8: widths in columns, "·" in headers */
	FILE *term; /* the terminal out ends up on, whose size is read (NULL: out
		       itself; the commands' out is a sanitising stream over it) */
};

/* How a session ended. */
enum wizard_prompt_end {
	WIZARD_PROMPT_WRITTEN,	   /* the profile was written and loads back */
	WIZARD_PROMPT_BAD_WRITE,   /* written, but it does not load back */
	WIZARD_PROMPT_DECLINED,	   /* finished, and no to writing: the profile was printed */
	WIZARD_PROMPT_EOF,	   /* the input ended before a profile was written */
	WIZARD_PROMPT_INTERRUPTED, /* SIGINT while a reply was awaited */
};

/* Ask the questions, show the result and offer to write the profile. */
enum wizard_prompt_end wizard_prompt_run(const struct wizard_prompt *p);

/* What a reply to a question means. */
enum wizard_prompt_reply {
	WIZARD_PROMPT_ANSWER,  /* answer with *value */
	WIZARD_PROMPT_BACK,    /* undo the last answer */
	WIZARD_PROMPT_HELP,    /* show how to answer and the question again */
	WIZARD_PROMPT_INVALID, /* *err says why */
};

/*
 * Read a reply to question q, whose default on this path is def. The line
 * is trimmed of spaces. Empty: the default. "b", "back": BACK; "?",
 * "help": HELP (any case). A choice question takes a number (1 to the
 * number of choices), a choice's value or label (any case), or the first
 * letters of exactly one of them; a free-text question takes the text as
 * it is (the core checks it). *value or *err is malloc'd, the other set to
 * NULL. The line must hold no control character (see
 * wizard_prompt_control()).
 */
enum wizard_prompt_reply wizard_prompt_parse(const struct wizard_question *q, const char *def,
					     const char *line, char **value, char **err);

/* A reply to a yes/no question: 1 yes ("y", "yes", any case), 0 no ("n",
 * "no"), the default when empty, -1 otherwise. */
int wizard_prompt_yes_no(const char *line, bool def);

/*
 * Whether line (len bytes, without its newline) holds what must not be
 * echoed to a terminal: a byte below 0x20 (a NUL inside too), DEL, a C1
 * control (U+0080 to U+009F in UTF-8, the bytes 0x80 to 0x9F otherwise),
 * or, in UTF-8, bytes that are not UTF-8 (a lone 0x9B is CSI to some
 * terminals). wizard_prompt_run() turns tabs into spaces first.
 */
bool wizard_prompt_control(const char *line, size_t len, bool utf8);

#endif
