/*
 * test_strbuf: the growable string of include/strbuf.h.
 *
 * Each test gets a zeroed buffer (STRBUF_INIT) in *state; the teardown
 * releases whatever the test left in it, so a failing assertion leaks
 * nothing under LeakSanitizer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xalloc.h"

static int
setup(void **state)
{
	struct strbuf *sb = xcalloc(1, sizeof *sb);
	const struct strbuf init = STRBUF_INIT;

	*sb = init;
	*state = sb;
	return 0;
}

static int
teardown(void **state)
{
	struct strbuf *sb = *state;

	strbuf_free(sb);
	free(sb);
	return 0;
}

/* The buffer holds exactly want (len bytes, NUL after them). */
static void
assert_holds(const struct strbuf *sb, const char *want, size_t len)
{
	assert_int_equal(sb->len, len);
	assert_non_null(sb->data);
	assert_true(sb->cap > sb->len);
	assert_memory_equal(sb->data, want, len);
	assert_int_equal(sb->data[len], '\0');
}

static void
test_init_is_empty(void **state)
{
	struct strbuf *sb = *state;

	assert_null(sb->data);
	assert_int_equal(sb->len, 0);
	assert_int_equal(sb->cap, 0);
	assert_string_equal(strbuf_str(sb), "");
	/* reset and truncate to 0 are harmless on a buffer that never grew */
	strbuf_reset(sb);
	strbuf_truncate(sb, 0);
	assert_null(sb->data);
	assert_string_equal(strbuf_str(sb), "");
}

static void
test_growth_keeps_contents(void **state)
{
	struct strbuf *sb = *state;
	char want[1000];
	size_t i;

	strbuf_addc(sb, 'a');
	assert_int_equal(sb->cap, 64); /* first allocation */
	want[0] = 'a';
	for (i = 1; i < sizeof want; i++) {
		want[i] = (char)('a' + i % 26);
		strbuf_addc(sb, want[i]);
		/* never more than twice what is needed, always room for the NUL */
		assert_true(sb->cap > sb->len);
		assert_true(sb->cap <= 2 * (sb->len + 1) || sb->cap == 64);
	}
	assert_holds(sb, want, sizeof want);
	assert_int_equal(sb->cap, 1024);
}

static void
test_growth_on_the_boundary(void **state)
{
	struct strbuf *sb = *state;
	char block[64];

	memset(block, 'x', sizeof block);
	strbuf_add(sb, block, 63); /* 63 bytes + NUL fill the first 64 */
	assert_int_equal(sb->cap, 64);
	strbuf_addc(sb, 'y'); /* 64 + NUL no longer fit */
	assert_int_equal(sb->cap, 128);
	assert_int_equal(sb->len, 64);
	assert_int_equal(sb->data[63], 'y');
	assert_int_equal(sb->data[64], '\0');
	strbuf_add(sb, block, 0); /* nothing added, still terminated */
	assert_int_equal(sb->len, 64);
	assert_int_equal(sb->data[64], '\0');
}

static void
test_add_binary_with_nul(void **state)
{
	struct strbuf *sb = *state;

	strbuf_add(sb, "a\0b", 3);
	strbuf_adds(sb, "cd");
	assert_holds(sb, "a\0bcd", 5);
	/* the C string view stops at the embedded NUL; len does not */
	assert_string_equal(strbuf_str(sb), "a");
}

static void
test_adds_and_addc(void **state)
{
	struct strbuf *sb = *state;

	strbuf_adds(sb, "");
	assert_int_equal(sb->len, 0);
	assert_string_equal(strbuf_str(sb), "");
	strbuf_adds(sb, "key");
	strbuf_addc(sb, '=');
	strbuf_adds(sb, "value");
	assert_string_equal(strbuf_str(sb), "key=value");
	assert_int_equal(sb->len, 9);
}

static void
test_addf_appends(void **state)
{
	struct strbuf *sb = *state;

	strbuf_adds(sb, "x=");
	strbuf_addf(sb, "%d-%s-%c", 42, "y", 'z');
	assert_string_equal(strbuf_str(sb), "x=42-y-z");
	assert_int_equal(sb->len, 8);
	strbuf_addf(sb, "%s", "");
	assert_string_equal(strbuf_str(sb), "x=42-y-z");
	strbuf_addf(sb, " %05.1f%%", 2.5);
	assert_string_equal(strbuf_str(sb), "x=42-y-z 002.5%");
}

static void
test_addf_grows(void **state)
{
	struct strbuf *sb = *state;
	char want[3001];
	size_t i;

	strbuf_adds(sb, "<");
	/* longer than the first allocation and than several doublings */
	strbuf_addf(sb, "%0*d>", 2998, 7);
	want[0] = '<';
	for (i = 1; i < 2998; i++)
		want[i] = '0';
	want[2998] = '7';
	want[2999] = '>';
	want[3000] = '\0';
	assert_holds(sb, want, 3000);
	assert_int_equal(strlen(strbuf_str(sb)), 3000);
}

static void via_vaddf(struct strbuf *sb, const char *fmt, ...) ATTR_FORMAT(2, 3);

/* vaddf measures on a copy of the caller's va_list and formats with the original */
static void
via_vaddf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

static void
test_vaddf(void **state)
{
	struct strbuf *sb = *state;

	via_vaddf(sb, "[%s:%d]", "a", 1);
	via_vaddf(sb, "[%s:%ld:%s]", "bb", 22L,
		  "a long argument that needs more than sixty-four bytes of room");
	assert_string_equal(
		strbuf_str(sb),
		"[a:1][bb:22:a long argument that needs more than sixty-four bytes of room]");
	assert_int_equal(sb->len, strlen(strbuf_str(sb)));
}

static void
test_pad(void **state)
{
	struct strbuf *sb = *state;
	size_t i;

	strbuf_pad(sb, '.', 0);
	assert_int_equal(sb->len, 0);
	assert_string_equal(strbuf_str(sb), "");
	strbuf_adds(sb, "ab");
	strbuf_pad(sb, '.', 3);
	assert_string_equal(strbuf_str(sb), "ab...");
	strbuf_pad(sb, ' ', 200); /* beyond the first allocation */
	assert_int_equal(sb->len, 205);
	for (i = 5; i < 205; i++)
		assert_int_equal(sb->data[i], ' ');
	assert_int_equal(sb->data[205], '\0');
}

static void
test_reset_keeps_storage(void **state)
{
	struct strbuf *sb = *state;
	char *data;
	size_t cap;

	strbuf_pad(sb, 'x', 100);
	data = sb->data;
	cap = sb->cap;
	strbuf_reset(sb);
	assert_int_equal(sb->len, 0);
	assert_string_equal(strbuf_str(sb), "");
	assert_ptr_equal(sb->data, data);
	assert_int_equal(sb->cap, cap);
	strbuf_adds(sb, "again");
	assert_string_equal(strbuf_str(sb), "again");
	assert_ptr_equal(sb->data, data); /* reused, not reallocated */
}

static void
test_truncate(void **state)
{
	struct strbuf *sb = *state;
	size_t cap;

	strbuf_adds(sb, "hello world");
	cap = sb->cap;
	strbuf_truncate(sb, 11); /* to the current length: unchanged */
	assert_string_equal(strbuf_str(sb), "hello world");
	strbuf_truncate(sb, 5);
	assert_holds(sb, "hello", 5);
	assert_int_equal(sb->cap, cap);
	strbuf_adds(sb, ", you");
	assert_string_equal(strbuf_str(sb), "hello, you");
	strbuf_truncate(sb, 0);
	assert_holds(sb, "", 0);
}

static void
test_free_leaves_reusable(void **state)
{
	struct strbuf *sb = *state;

	strbuf_adds(sb, "something");
	strbuf_free(sb);
	assert_null(sb->data);
	assert_int_equal(sb->len, 0);
	assert_int_equal(sb->cap, 0);
	assert_string_equal(strbuf_str(sb), "");
	strbuf_free(sb); /* twice is harmless */
	strbuf_adds(sb, "more");
	assert_string_equal(strbuf_str(sb), "more");
}

static void
test_detach(void **state)
{
	struct strbuf *sb = *state;
	char *s;

	strbuf_addf(sb, "%s=%d", "n", 3);
	s = strbuf_detach(sb);
	assert_string_equal(s, "n=3");
	assert_null(sb->data);
	assert_int_equal(sb->len, 0);
	assert_int_equal(sb->cap, 0);
	free(s);
	/* the buffer is empty and usable again; detaching it gives "" to free */
	s = strbuf_detach(sb);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	strbuf_adds(sb, "reused");
	assert_string_equal(strbuf_str(sb), "reused");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growth_keeps_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growth_on_the_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_binary_with_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adds_and_addc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addf_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addf_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vaddf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_keeps_storage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_leaves_reusable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
