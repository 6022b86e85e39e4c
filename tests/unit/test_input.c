/*
 * test_input: the text field of the console's input dialog: typing,
 * cursor movement, deletion, the line-editor keys, UTF-8 text, a full
 * buffer, accept and cancel (no terminal needed: drawing is seen by the
 * tmux tests).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <string.h>

#include "input.h"
#include "tui.h"
#include "tui_curses.h"

static void
type(struct input *in, const char *s)
{
	for (; *s != '\0'; s++)
		assert_int_equal(input_key(in, (unsigned char)*s), INPUT_EDITING);
}

static void
test_open_and_type(void **state)
{
	struct input in = { 0 };

	(void)state;
	input_open(&in, "Title", "help", "./pgdbm");
	assert_true(in.open);
	assert_string_equal(in.title, "Title");
	assert_int_equal(in.cursor, 7);
	type(&in, "-profile.yaml");
	assert_string_equal(input_text(&in), "./pgdbm-profile.yaml");
	assert_int_equal(input_key(&in, '\r'), INPUT_ACCEPT);
	assert_int_equal(input_key(&in, TUI_KEYCODE(KEY_ENTER)), INPUT_ACCEPT);
	assert_int_equal(input_key(&in, TUI_ESC), INPUT_CANCEL);
	assert_int_equal(input_key(&in, TUI_CTRL('g')), INPUT_CANCEL);
	input_close(&in);
	assert_false(in.open);
	assert_null(in.title);
	assert_string_equal(input_text(&in), "");
	input_close(&in); /* twice is fine */
}

static void
test_movement_and_insert(void **state)
{
	struct input in = { 0 };

	(void)state;
	input_open(&in, "t", NULL, "users");
	input_key(&in, TUI_KEYCODE(KEY_HOME));
	assert_int_equal(in.cursor, 0);
	type(&in, "app,");
	assert_string_equal(input_text(&in), "app,users");
	input_key(&in, TUI_KEYCODE(KEY_END));
	assert_int_equal(in.cursor, 9);
	input_key(&in, TUI_KEYCODE(KEY_LEFT));
	input_key(&in, TUI_KEYCODE(KEY_LEFT));
	type(&in, "X");
	assert_string_equal(input_text(&in), "app,useXrs");
	input_key(&in, TUI_KEYCODE(KEY_RIGHT));
	input_key(&in, TUI_KEYCODE(KEY_RIGHT)); /* past the end: stays */
	assert_int_equal(in.cursor, in.len);
	input_key(&in, TUI_CTRL('a'));
	input_key(&in, TUI_KEYCODE(KEY_LEFT)); /* before the start: stays */
	assert_int_equal(in.cursor, 0);
	input_key(&in, TUI_CTRL('e'));
	assert_int_equal(in.cursor, in.len);
	/* special keys that mean nothing here change nothing */
	assert_int_equal(input_key(&in, TUI_KEYCODE(KEY_F(3))), INPUT_EDITING);
	assert_int_equal(input_key(&in, TUI_CTRL('t')), INPUT_EDITING);
	assert_string_equal(input_text(&in), "app,useXrs");
	input_close(&in);
}

static void
test_deletion(void **state)
{
	struct input in = { 0 };

	(void)state;
	input_open(&in, "t", NULL, "/tmp/some dir/file.yaml");
	input_key(&in, 127);
	assert_string_equal(input_text(&in), "/tmp/some dir/file.yam");
	input_key(&in, TUI_KEYCODE(KEY_BACKSPACE));
	input_key(&in, 8);
	assert_string_equal(input_text(&in), "/tmp/some dir/file.y");
	input_key(&in, TUI_CTRL('w'));
	assert_string_equal(input_text(&in), "/tmp/some dir/");
	input_key(&in, TUI_CTRL('w')); /* a lone separator goes */
	assert_string_equal(input_text(&in), "/tmp/some dir");
	input_key(&in, TUI_CTRL('w'));
	assert_string_equal(input_text(&in), "/tmp/some ");
	input_key(&in, TUI_KEYCODE(KEY_HOME));
	input_key(&in, TUI_KEYCODE(KEY_DC));
	assert_string_equal(input_text(&in), "tmp/some ");
	input_key(&in, TUI_CTRL('d'));
	assert_string_equal(input_text(&in), "mp/some ");
	input_key(&in, TUI_KEYCODE(KEY_RIGHT));
	input_key(&in, TUI_KEYCODE(KEY_RIGHT));
	input_key(&in, TUI_CTRL('k'));
	assert_string_equal(input_text(&in), "mp");
	input_key(&in, TUI_CTRL('u'));
	assert_string_equal(input_text(&in), "");
	assert_int_equal(in.cursor, 0);
	input_key(&in, 127); /* nothing left: nothing happens */
	input_key(&in, TUI_KEYCODE(KEY_DC));
	assert_int_equal(in.len, 0);
	input_close(&in);
}

static void
test_error_cleared_by_editing(void **state)
{
	struct input in = { 0 };

	(void)state;
	input_open(&in, "t", NULL, "Bad Name");
	input_set_error(&in, "contains white space");
	assert_string_equal(in.error, "contains white space");
	input_key(&in, TUI_KEYCODE(KEY_LEFT)); /* moving keeps it */
	assert_non_null(in.error);
	input_key(&in, TUI_CTRL('u'));
	assert_null(in.error);
	input_set_error(&in, "again");
	input_set_error(&in, NULL);
	assert_null(in.error);
	input_close(&in);
}

static void
test_utf8(void **state)
{
	struct input in = { 0 };

	(void)state;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		skip();
		return;
	}
	input_open(&in, "t", NULL, "caf");
	input_key(&in, 0xe9); /* é */
	assert_string_equal(input_text(&in), "caf\xc3\xa9");
	assert_int_equal(in.cursor, 5);
	input_key(&in, TUI_KEYCODE(KEY_LEFT)); /* one character, two bytes */
	assert_int_equal(in.cursor, 3);
	input_key(&in, 0x6f22); /* 漢, inserted before é */
	assert_string_equal(input_text(&in), "caf\xe6\xbc\xa2\xc3\xa9");
	input_key(&in, 127);
	assert_string_equal(input_text(&in), "caf\xc3\xa9");
	input_key(&in, TUI_KEYCODE(KEY_DC));
	assert_string_equal(input_text(&in), "caf");
	input_close(&in);
	/* an initial text too long is cut on a character boundary */
	{
		char big[INPUT_MAX + 8];
		size_t i;

		for (i = 0; i + 2 <= sizeof big - 1; i += 2)
			memcpy(big + i, "\xc3\xa9", 2);
		big[i] = '\0';
		input_open(&in, "t", NULL, big);
		assert_true(in.len < INPUT_MAX);
		assert_int_equal(in.len % 2, 0);
		input_close(&in);
	}
	setlocale(LC_ALL, "C");
}

static void
test_full_buffer(void **state)
{
	struct input in = { 0 };
	char big[INPUT_MAX];

	(void)state;
	memset(big, 'a', sizeof big - 2);
	big[sizeof big - 2] = '\0';
	input_open(&in, "t", NULL, big);
	assert_int_equal(in.len, INPUT_MAX - 2);
	type(&in, "b");
	assert_int_equal(in.len, INPUT_MAX - 1);
	type(&in, "c"); /* no room for it and the NUL */
	assert_int_equal(in.len, INPUT_MAX - 1);
	assert_int_equal(input_text(&in)[INPUT_MAX - 2], 'b');
	input_close(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_and_type),
		cmocka_unit_test(test_movement_and_insert),
		cmocka_unit_test(test_deletion),
		cmocka_unit_test(test_error_cleared_by_editing),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_full_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
