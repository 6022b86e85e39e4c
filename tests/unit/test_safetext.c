/*
 * test_safetext: what reaches a terminal from the server or from files.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "safetext.h"

static int
setup_c(void **state)
{
	(void)state;
	return setlocale(LC_CTYPE, "C") == NULL ? -1 : 0;
}

static int
setup_utf8(void **state)
{
	(void)state;
	/* C.UTF-8 ships with every glibc; the UTF-8 cases fail without it */
	return setlocale(LC_CTYPE, "C.UTF-8") == NULL ? -1 : 0;
}

/* safetext_dup(in, flags) must be `want` */
static void
check(const char *in, unsigned flags, const char *want)
{
	char *got = safetext_dup(in, flags);

	assert_string_equal(got, want);
	free(got);
}

static void
test_ascii_controls(void **state)
{
	(void)state;
	assert_false(safetext_locale_utf8());
	check("plain text, 100% ASCII ~", 0, "plain text, 100% ASCII ~");
	/* CSI, OSC with BEL, DEL: every control is '?', what follows stays */
	check("a\x1b[31mred\x1b[0m", 0, "a?[31mred?[0m");
	check("\x1b]0;title\x07 x\x7f", 0, "?]0;title? x?");
	/* white space is a space; newline and tab too unless kept */
	check("a\tb\nc\rd\ve\ff", 0, "a b c d e f");
	check("a\tb\nc\rd", SAFETEXT_LINES, "a\tb\nc d");
	check("bell\x07 nul-free \x01\x1f", SAFETEXT_LINES, "bell? nul-free ??");
	check(NULL, 0, "");
}

static void
test_not_utf8(void **state)
{
	(void)state;
	/* another locale shows ASCII only: 8-bit C1 (0x9b is CSI) and UTF-8 alike */
	check("caf\xc3\xa9", 0, "caf??");
	check("x\x9b"
	      "31my",
	      0, "x?31my");
	/* even when UTF-8 decoding is asked for, ASCII controls are refused */
	check("\x1b[2J", SAFETEXT_UTF8, "?[2J");
}

static void
test_utf8(void **state)
{
	struct safetext_char c;

	(void)state;
	assert_true(safetext_locale_utf8());
	check("café 日本", SAFETEXT_UTF8, "café 日本");
	/* U+009B (CSI as a C1 control) and U+0085 (NEL) */
	check("a\xc2\x9b"
	      "31mb\xc2\x85"
	      "c",
	      SAFETEXT_UTF8, "a?31mb?c");
	/* invalid UTF-8: one '?' per bad byte, the rest kept */
	check("a\xff"
	      "b\xc3"
	      "c\xe2\x82",
	      SAFETEXT_UTF8, "a?b?c?");
	/* bidirectional embeddings, overrides and isolates (U+202A..U+202E,
	 * U+2066..U+2069, U+061C) reorder what a terminal shows ("Trojan
	 * Source"): a schema named tenant_<RLO>lanif shows as tenant_final */
	check("tenant_\xe2\x80\xae"
	      "lanif",
	      SAFETEXT_UTF8, "tenant_?lanif");
	check("a\xe2\x80\xaa"
	      "b\xe2\x80\xac"
	      "c\xe2\x81\xa6"
	      "d\xe2\x81\xa9"
	      "e\xd8\x9c"
	      "f",
	      SAFETEXT_UTF8, "a?b?c?d?e?f");
	/* Unicode white space is a space */
	check("a\xe2\x80\x83"
	      "b",
	      SAFETEXT_UTF8, "a b");

	safetext_next("日", SAFETEXT_MAX_CHAR, true, &c);
	assert_int_equal(c.kind, SAFETEXT_PRINT);
	assert_int_equal(c.len, 3);
	assert_int_equal(c.width, 2);
	safetext_next("\xc2\x9b", SAFETEXT_MAX_CHAR, true, &c);
	assert_int_equal(c.kind, SAFETEXT_REPLACED);
	assert_int_equal(c.len, 2);
	assert_int_equal(c.width, 1);
	/* a NUL-terminated string never reads past its end */
	safetext_next("\xe6\x97", SAFETEXT_MAX_CHAR, true, &c);
	assert_int_equal(c.kind, SAFETEXT_REPLACED);
	assert_int_equal(c.len, 1);
	/* a buffer that ends inside a character */
	safetext_next("\xe6\x97", 2, true, &c);
	assert_int_equal(c.kind, SAFETEXT_PARTIAL);
	assert_int_equal(c.len, 2);
}

static void
test_stream(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const char *in = "ab\xc3\xa9\x1b";
	size_t used;

	(void)state;
	/* a character cut by the end of one write is kept for the next */
	used = safetext_add(&sb, in, 3, SAFETEXT_UTF8 | SAFETEXT_STREAM);
	assert_int_equal(used, 2);
	assert_string_equal(strbuf_str(&sb), "ab");
	used += safetext_add(&sb, in + used, 5 - used, SAFETEXT_UTF8 | SAFETEXT_STREAM);
	assert_int_equal(used, 5);
	assert_string_equal(strbuf_str(&sb), "abé?");
	/* without SAFETEXT_STREAM the cut character is '?' */
	strbuf_reset(&sb);
	assert_int_equal(safetext_add(&sb, in, 3, SAFETEXT_UTF8), 3);
	assert_string_equal(strbuf_str(&sb), "ab?");
	/* a NUL byte inside a counted buffer is a control */
	strbuf_reset(&sb);
	safetext_add(&sb, "a\0b", 3, SAFETEXT_LINES);
	assert_string_equal(strbuf_str(&sb), "a?b");
	strbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ascii_controls, setup_c),
		cmocka_unit_test_setup(test_not_utf8, setup_c),
		cmocka_unit_test_setup(test_utf8, setup_utf8),
		cmocka_unit_test_setup(test_stream, setup_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
