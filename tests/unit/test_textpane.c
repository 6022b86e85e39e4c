/*
 * test_textpane: wrapping paragraphs into screen lines (at spaces, long
 * words cut, hanging indents, raw lines, UTF-8 widths) and the scroll
 * position across re-wrapping and rebuilding (no terminal needed: drawing
 * is seen by the tmux tests).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <string.h>

#include "textpane.h"

static const struct tui_text_opts ascii = { false, false, "~", 1 };

static const char *
line(struct textpane *p, size_t i, int *indent)
{
	static char buf[256];
	enum tui_style s;
	int ind;

	textpane_line(p, i, indent != NULL ? indent : &ind, &s, buf, sizeof buf);
	return buf;
}

static void
test_wrap_at_spaces(void **state)
{
	const char *rest;
	size_t n;

	(void)state;
	n = textpane_wrap("the quick brown fox", 10, &ascii, &rest);
	assert_int_equal(n, 9); /* "the quick" */
	assert_string_equal(rest, "brown fox");
	n = textpane_wrap("brown fox", 10, &ascii, &rest);
	assert_int_equal(n, 9);
	assert_string_equal(rest, "");
	/* a cut that falls on a space */
	n = textpane_wrap("abcde fghij", 5, &ascii, &rest);
	assert_int_equal(n, 5);
	assert_string_equal(rest, "fghij");
	/* a word longer than the line is cut where it stops fitting */
	n = textpane_wrap("abcdefghijkl mn", 5, &ascii, &rest);
	assert_int_equal(n, 5);
	assert_string_equal(rest, "fghijkl mn");
	/* several spaces between words are skipped at the break */
	n = textpane_wrap("ab    cd", 4, &ascii, &rest);
	assert_int_equal(n, 2);
	assert_string_equal(rest, "cd");
}

static void
test_layout_indent_and_raw(void **state)
{
	struct textpane *p = textpane_new();
	int indent;

	(void)state;
	textpane_add(p, TUI_S_TITLE, 0, 0, "Title");
	textpane_add(p, TUI_S_NORMAL, 2, 4, "one two three four five six");
	textpane_add(p, TUI_S_NORMAL, 0, 0, "");
	textpane_add_raw(p, TUI_S_DIM, 2, "raw: a line that is far too long to fit");
	assert_int_equal(textpane_count(p), 4);
	/* width 16: the paragraph gets 14 then 10 columns */
	assert_int_equal(textpane_layout(p, 16, &ascii), 6);
	assert_string_equal(line(p, 0, &indent), "Title");
	assert_int_equal(indent, 0);
	assert_string_equal(line(p, 1, &indent), "one two three");
	assert_int_equal(indent, 2);
	assert_string_equal(line(p, 2, &indent), "four five");
	assert_int_equal(indent, 6);
	assert_string_equal(line(p, 3, &indent), "six");
	assert_int_equal(indent, 6);
	assert_string_equal(line(p, 4, &indent), ""); /* the empty paragraph is a line */
	assert_string_equal(line(p, 5, &indent), "raw: a line that is far too long to fit");
	assert_int_equal(indent, 2);
	assert_string_equal(line(p, 6, &indent), ""); /* past the end */
	/* wider: fewer lines */
	assert_int_equal(textpane_layout(p, 80, &ascii), 4);
	textpane_free(&p);
	assert_null(p);
}

static void
test_utf8_widths(void **state)
{
	struct tui_text_opts u = { true, false, "~", 1 };
	const char *rest;
	size_t n;

	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		skip();
		return;
	}
	/* "漢字 漢字": each ideograph is two columns */
	n = textpane_wrap("\xe6\xbc\xa2\xe5\xad\x97 \xe6\xbc\xa2\xe5\xad\x97", 5, &u, &rest);
	assert_int_equal(n, 6);
	assert_string_equal(rest, "\xe6\xbc\xa2\xe5\xad\x97");
	/* one column for a two-column character: it is taken anyway */
	n = textpane_wrap("\xe6\xbc\xa2x", 1, &u, &rest);
	assert_int_equal(n, 3);
	assert_string_equal(rest, "x");
	setlocale(LC_ALL, "C");
}

/*
 * Dialog lines (textpane_wrap_lines): a word of two-byte characters longer
 * than the line is cut by columns between characters, never at a byte
 * count; a line longer than its buffer is cut at a character boundary;
 * at most max lines.
 */
static void
test_wrap_lines(void **state)
{
	struct tui_text_opts u = { true, false, "~", 1 };
	char lines[4][16], word[64] = "x", *e;
	int i, n;

	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		skip();
		return;
	}
	/* "x" then 12 times "é" (2 bytes, 1 column): 13 columns, 25 bytes */
	for (i = 0, e = word + 1; i < 12; i++, e += 2)
		memcpy(e, "\xc3\xa9", 2);
	*e = '\0';
	strcat(word, " yes");
	n = textpane_wrap_lines(word, 6, &u, lines[0], sizeof lines[0], 4);
	assert_int_equal(n, 3);
	/* six columns each: "x" and five "é", then six "é", then the rest */
	assert_string_equal(lines[0], "x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_string_equal(lines[1], "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_string_equal(lines[2], "\xc3\xa9 yes");
	/* the whole text fits 20 columns, not 16 bytes: "x" and 7 "é" (15 bytes) are kept,
	 * the 8th "é" would not fit whole */
	n = textpane_wrap_lines(word, 20, &u, lines[0], sizeof lines[0], 4);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(lines[0]), 15);
	assert_memory_equal(lines[0] + 13, "\xc3\xa9", 2);
	/* at most max lines */
	n = textpane_wrap_lines("a b c d e f", 1, &u, lines[0], sizeof lines[0], 4);
	assert_int_equal(n, 4);
	assert_string_equal(lines[3], "d");
	assert_int_equal(textpane_wrap_lines("", 10, &u, lines[0], sizeof lines[0], 4), 0);
	setlocale(LC_ALL, "C");
}

static struct textpane *
numbered(size_t n)
{
	struct textpane *p = textpane_new();
	size_t i;

	for (i = 0; i < n; i++)
		textpane_addf(p, TUI_S_NORMAL, 0, 0, "paragraph %zu", i);
	return p;
}

static void
test_scroll(void **state)
{
	/* 50 one-line paragraphs; a page is 20 lines until something is drawn */
	struct textpane *p = numbered(50);

	(void)state;
	textpane_layout(p, 40, &ascii);
	assert_int_equal(textpane_lines(p), 50);
	assert_int_equal(textpane_top(p), 0);
	textpane_scroll(p, TEXTPANE_UP);
	assert_int_equal(textpane_top(p), 0);
	textpane_scroll(p, TEXTPANE_DOWN);
	assert_int_equal(textpane_top(p), 1);
	textpane_scroll(p, TEXTPANE_PAGE_DOWN);
	assert_int_equal(textpane_top(p), 20);
	textpane_scroll(p, TEXTPANE_PAGE_DOWN);
	assert_int_equal(textpane_top(p), 30); /* the last page is full */
	textpane_scroll(p, TEXTPANE_DOWN);
	assert_int_equal(textpane_top(p), 30);
	textpane_scroll(p, TEXTPANE_PAGE_UP);
	assert_int_equal(textpane_top(p), 11);
	textpane_scroll(p, TEXTPANE_HOME);
	assert_int_equal(textpane_top(p), 0);
	textpane_scroll(p, TEXTPANE_END);
	assert_int_equal(textpane_top(p), 30);
	textpane_scroll_to(p, 12);
	assert_int_equal(textpane_top(p), 12);
	assert_string_equal(line(p, textpane_top(p), NULL), "paragraph 12");
	textpane_scroll_to(p, SIZE_MAX); /* past the end: the last page */
	assert_int_equal(textpane_top(p), 30);
	textpane_free(&p);

	/* shorter than a page: never scrolls */
	p = numbered(5);
	textpane_scroll(p, TEXTPANE_END);
	assert_int_equal(textpane_top(p), 0);
	textpane_free(&p);
}

static void
test_position_survives_rewrap_and_rebuild(void **state)
{
	struct textpane *p = textpane_new();
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++)
		textpane_addf(p, TUI_S_NORMAL, 0, 2,
			      "item %zu: some words that wrap on a narrow pane", i);
	textpane_layout(p, 80, &ascii);
	textpane_scroll_to(p, 10);
	assert_string_equal(line(p, textpane_top(p), NULL),
			    "item 10: some words that wrap on a narrow pane");
	/* narrower: each item takes more lines, the same item stays on top */
	textpane_layout(p, 20, &ascii);
	assert_true(textpane_lines(p) > 80);
	assert_string_equal(line(p, textpane_top(p), NULL), "item 10: some words");
	/* rebuilt with the same paragraphs: still there */
	textpane_clear(p);
	for (i = 0; i < 40; i++)
		textpane_addf(p, TUI_S_NORMAL, 0, 2,
			      "item %zu: some words that wrap on a narrow pane", i);
	textpane_layout(p, 20, &ascii);
	assert_string_equal(line(p, textpane_top(p), NULL), "item 10: some words");
	/* rebuilt shorter: clamped to the last page */
	textpane_clear(p);
	textpane_add(p, TUI_S_NORMAL, 0, 0, "only one");
	textpane_layout(p, 20, &ascii);
	assert_int_equal(textpane_top(p), 0);
	textpane_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_at_spaces),
		cmocka_unit_test(test_layout_indent_and_raw),
		cmocka_unit_test(test_utf8_widths),
		cmocka_unit_test(test_wrap_lines),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_position_survives_rewrap_and_rebuild),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
