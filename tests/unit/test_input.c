/*
 * test_input: the text field of the console's input dialog: typing,
 * cursor movement, deletion, the line-editor keys, UTF-8 text, a full
 * buffer, accept and cancel; a checked input (the check as you type, Enter
 * refused on a text it does not accept, the submitted state) and the key
 * bar of each state (no terminal needed: drawing is seen by the tmux
 * tests).
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
#include "xalloc.h"

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

/* A check as the Tenants view's: lower-case letters only, and not "taken". */
struct owner {
	int checks;  /* how often the check ran */
	bool strict; /* what the check depends on besides the text (Tab in a view) */
};

static char *
letters_only(void *arg, const char *text)
{
	struct owner *o = arg;
	const char *p;

	o->checks++;
	if (text[0] == '\0')
		return xstrdup("type an id");
	for (p = text; *p != '\0'; p++) {
		if (*p < 'a' || *p > 'z')
			return xasprintf("\"%s\" is not all lower-case letters", text);
	}
	if (o->strict && strcmp(text, "taken") == 0)
		return xstrdup("taken exists already");
	return NULL;
}

static const struct input_check letters_check = { letters_only, NULL };

static void
test_checked(void **state)
{
	struct input in = { 0 };
	struct owner o = { 0, false };

	(void)state;
	input_open_checked(&in, "Provision a tenant", "tenant id:", &letters_check, &o);
	assert_true(in.open);
	assert_string_equal(in.label, "tenant id:");
	/* checked at once: the reason shows before the first key */
	assert_int_equal(o.checks, 1);
	assert_string_equal(in.error, "type an id");
	/* while the text is not acceptable, Enter is not offered */
	assert_string_equal(input_bar(&in),
			    " type   Esc cancel   C-u erase   (Enter once it is ok)");
	/* the reason follows every change */
	type(&in, "aB");
	assert_string_equal(in.error, "\"aB\" is not all lower-case letters");
	assert_false(in.refused);
	assert_string_equal(input_bar(&in),
			    " type   Esc cancel   C-u erase   (Enter once it is ok)");
	/* Enter on a text the check refuses: stays open, nothing accepted */
	assert_int_equal(input_key(&in, '\r'), INPUT_EDITING);
	assert_true(in.refused);
	assert_string_equal(input_text(&in), "aB");
	/* moving the cursor changes nothing: still refused */
	input_key(&in, TUI_KEYCODE(KEY_LEFT));
	assert_true(in.refused);
	/* an edit asks again and clears the refusal */
	input_key(&in, TUI_KEYCODE(KEY_END));
	input_key(&in, TUI_KEYCODE(KEY_BACKSPACE));
	assert_false(in.refused);
	assert_null(in.error);
	assert_string_equal(input_bar(&in), " type   Enter confirm   Esc cancel   C-u erase");
	type(&in, "ken");
	assert_string_equal(input_text(&in), "aken");
	input_key(&in, TUI_KEYCODE(KEY_HOME));
	type(&in, "t");
	assert_string_equal(input_text(&in), "taken");
	assert_null(in.error);
	/* what the check depends on changed (a Tab in the view): ask again */
	o.strict = true;
	input_recheck(&in);
	assert_string_equal(in.error, "taken exists already");
	assert_int_equal(input_key(&in, '\n'), INPUT_EDITING);
	o.strict = false;
	input_recheck(&in);
	assert_false(in.refused);
	/* an acceptable text: Enter accepts it */
	assert_int_equal(input_key(&in, TUI_KEYCODE(KEY_ENTER)), INPUT_ACCEPT);
	input_close(&in);
	assert_null(in.label);
	assert_null(in.check);
	assert_false(in.refused);
	assert_false(in.submitted);
}

static void
test_submitted(void **state)
{
	struct input in = { 0 };
	struct owner o = { 0, false };
	int checks;

	(void)state;
	input_open_checked(&in, "t", "id:", &letters_check, &o);
	type(&in, "acme");
	assert_int_equal(input_key(&in, '\r'), INPUT_ACCEPT);
	input_set_submitted(&in);
	assert_true(in.submitted);
	assert_string_equal(input_bar(&in),
			    " Esc close (what was started goes on; the Pools view lists it)");
	/* the field is fixed: typing and editing keys do nothing */
	checks = o.checks;
	type(&in, "xyz");
	assert_int_equal(input_key(&in, TUI_KEYCODE(KEY_BACKSPACE)), INPUT_EDITING);
	assert_int_equal(input_key(&in, TUI_CTRL('u')), INPUT_EDITING);
	assert_string_equal(input_text(&in), "acme");
	assert_int_equal(o.checks, checks);
	/* Esc, Enter and q close */
	assert_int_equal(input_key(&in, TUI_ESC), INPUT_CANCEL);
	assert_int_equal(input_key(&in, '\r'), INPUT_CANCEL);
	assert_int_equal(input_key(&in, 'q'), INPUT_CANCEL);
	input_close(&in);
	/* a plain input: its own bar, and q is text */
	input_open(&in, "t", NULL, "");
	assert_string_equal(input_bar(&in), " type the value   Enter accept   Esc cancel   C-u "
					    "erase   Left/Right move");
	type(&in, "q");
	assert_string_equal(input_text(&in), "q");
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
		cmocka_unit_test(test_checked),
		cmocka_unit_test(test_submitted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
