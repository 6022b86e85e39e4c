/*
 * test_tui_text: fitting server text into screen columns.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <string.h>

#include "tui_text.h"

static const struct tui_text_opts ascii = { false, false, "~", 1 };
static const struct tui_text_opts utf8 = { true, false, "…", 1 };
static const struct tui_text_opts collapse = { true, true, "…", 1 };

static int
setup_utf8(void **state)
{
	(void)state;
	/* C.UTF-8 ships with every glibc; skip the UTF-8 cases when absent */
	return setlocale(LC_CTYPE, "C.UTF-8") == NULL ? -1 : 0;
}

static void
test_ascii_fit(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(tui_text_fit("hello", 10, &ascii, out, sizeof out), 5);
	assert_string_equal(out, "hello");
	assert_int_equal(tui_text_fit("hello world", 8, &ascii, out, sizeof out), 8);
	assert_string_equal(out, "hello w~");
	assert_int_equal(tui_text_fit("abc", 0, &ascii, out, sizeof out), 0);
	assert_string_equal(out, "");
	/* white space becomes a space, other controls '?' (safetext's rules), and
	 * bytes above 0x7f '?' */
	tui_text_fit("a\tb\nc\x01", 10, &ascii, out, sizeof out);
	assert_string_equal(out, "a b c?");
	tui_text_fit("\x1b]0;t\x07\x1b[2Jx\x7f", 20, &ascii, out, sizeof out);
	assert_string_equal(out, "?]0;t??[2Jx?");
	tui_text_fit("caf\xc3\xa9", 10, &ascii, out, sizeof out);
	assert_string_equal(out, "caf??");
	/* the output buffer is never overrun (and the cut is marked) */
	assert_int_equal(tui_text_fit("abcdefgh", 100, &ascii, out, 4), 3);
	assert_string_equal(out, "ab~");
}

static void
test_utf8_fit(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(tui_text_width("café", &utf8), 4);
	assert_int_equal(tui_text_fit("café au lait", 6, &utf8, out, sizeof out), 6);
	assert_string_equal(out, "café …");
	/* double-width characters count two columns and are never split */
	assert_int_equal(tui_text_width("日本語", &utf8), 6);
	assert_int_equal(tui_text_fit("日本語", 4, &utf8, out, sizeof out), 3);
	assert_string_equal(out, "日…");
	/* invalid UTF-8 is replaced, not passed through */
	tui_text_fit("a\xff"
		     "b",
		     10, &utf8, out, sizeof out);
	assert_string_equal(out, "a?b");
	/* so are C1 controls (U+009B is CSI) */
	tui_text_fit("a\xc2\x9b"
		     "2Jb",
		     10, &utf8, out, sizeof out);
	assert_string_equal(out, "a?2Jb");
	assert_int_equal(tui_text_width("\x1b[31m", &utf8), 5);
}

static void
test_collapse(void **state)
{
	char out[128];

	(void)state;
	tui_text_fit("  SELECT *\n    FROM t\n\tWHERE x  ", 100, &collapse, out, sizeof out);
	assert_string_equal(out, "SELECT * FROM t WHERE x");
	assert_int_equal(tui_text_width("a  \n b", &collapse), 3);
}

static void
test_rest(void **state)
{
	const struct tui_text_opts wrap = { true, true, NULL, 0 };
	const char *rest;
	char out[64];

	(void)state;
	tui_text_fit_rest("SELECT 1 FROM t", 6, &wrap, out, sizeof out, &rest);
	assert_string_equal(out, "SELECT");
	assert_string_equal(rest, " 1 FROM t");
	tui_text_fit_rest("abc", 6, &wrap, out, sizeof out, &rest);
	assert_string_equal(rest, "");
}

static void
test_contains(void **state)
{
	(void)state;
	assert_true(tui_text_contains("users_pool", "POOL"));
	assert_true(tui_text_contains("anything", ""));
	assert_false(tui_text_contains("users", "orders"));
	assert_false(tui_text_contains("ab", "abc"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_fit),
		cmocka_unit_test_setup(test_utf8_fit, setup_utf8),
		cmocka_unit_test_setup(test_collapse, setup_utf8),
		cmocka_unit_test_setup(test_rest, setup_utf8),
		cmocka_unit_test(test_contains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
