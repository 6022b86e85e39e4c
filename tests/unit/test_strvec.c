/*
 * test_strvec: the string vector of include/strvec.h.
 *
 * Each test gets an empty vector (a zeroed pair) in *state; the teardown
 * frees whatever the test left in it, so a failing assertion leaks nothing
 * under LeakSanitizer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "strvec.h"
#include "xalloc.h"

/* A struct with a field pair, as the model's structs hold them. */
struct vec {
	char **v;
	size_t n;
};

static int
setup(void **state)
{
	*state = xcalloc(1, sizeof(struct vec));
	return 0;
}

static int
teardown(void **state)
{
	struct vec *s = *state;

	strvec_free(&s->v, &s->n);
	free(s);
	return 0;
}

/* The vector holds exactly the strings of want (NULL-terminated). */
static void
assert_holds(const struct vec *s, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < s->n);
		assert_non_null(s->v[i]);
		assert_string_equal(s->v[i], want[i]);
	}
	assert_int_equal(s->n, i);
}

static void
test_empty(void **state)
{
	struct vec *s = *state;
	static const char *const none[] = { NULL };

	assert_null(s->v);
	assert_holds(s, none);
	assert_false(strvec_contains(s->v, s->n, ""));
	strvec_sort(s->v, s->n);
	strvec_free(&s->v, &s->n);
	assert_null(s->v);
	assert_int_equal(s->n, 0);
}

static void
test_push_takes_add_copies(void **state)
{
	struct vec *s = *state;
	char mine[] = "copied";
	char *given = xstrdup("owned");
	static const char *const want[] = { "owned", "copied", "n=3", NULL };

	strvec_push(&s->v, &s->n, given);
	strvec_add(&s->v, &s->n, mine);
	strvec_addf(&s->v, &s->n, "n=%d", 3);
	assert_ptr_equal(s->v[0], given);    /* the very string: the vector owns it */
	assert_ptr_not_equal(s->v[1], mine); /* a copy: changing mine changes nothing */
	mine[0] = 'X';
	assert_holds(s, want);
}

/* What a module's own "format and append" wrapper does with strvec_vaddf. */
static void add_line(struct vec *s, const char *fmt, ...) ATTR_FORMAT(2, 3);

static void
add_line(struct vec *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strvec_vaddf(&s->v, &s->n, fmt, ap);
	va_end(ap);
}

static void
test_vaddf(void **state)
{
	struct vec *s = *state;
	static const char *const want[] = { "pid 42 from local", "", "100%", NULL };

	add_line(s, "pid %d from %s", 42, "local");
	add_line(s, "%s", "");
	add_line(s, "%d%%", 100);
	assert_holds(s, want);
}

static void
test_add_unique(void **state)
{
	struct vec *s = *state;
	static const char *const want[] = { "a", "b", "", NULL };

	assert_true(strvec_add_unique(&s->v, &s->n, "a"));
	assert_true(strvec_add_unique(&s->v, &s->n, "b"));
	assert_false(strvec_add_unique(&s->v, &s->n, "a"));
	assert_true(strvec_add_unique(&s->v, &s->n, ""));
	assert_false(strvec_add_unique(&s->v, &s->n, ""));
	assert_holds(s, want);
	assert_true(strvec_contains(s->v, s->n, "b"));
	assert_false(strvec_contains(s->v, s->n, "B"));
	assert_false(strvec_contains(s->v, s->n, "ab"));
}

static void
test_sort_bytewise(void **state)
{
	struct vec *s = *state;
	static const char *const want[] = { "", "002_b.sql", "010_a.sql", "Z", "a", "ab", NULL };
	const char *key = "Z";
	char **found;

	strvec_split(&s->v, &s->n, "ab,Z,010_a.sql,,a,002_b.sql", ',', 0);
	strvec_sort(s->v, s->n);
	assert_holds(s, want);
	/* the comparator serves bsearch too */
	found = bsearch(&key, s->v, s->n, sizeof *s->v, strvec_cmp);
	assert_non_null(found);
	assert_ptr_equal(found, &s->v[3]);
}

static void
test_split_keeps_items(void **state)
{
	struct vec *s = *state;
	static const char *const want[] = { " a", "", "b ", "", NULL };

	assert_int_equal(strvec_split(&s->v, &s->n, " a,,b ,", ',', 0), 4);
	assert_holds(s, want);
}

static void
test_split_trim(void **state)
{
	struct vec *s = *state;
	static const char *const want[] = { "users", "orders", "", "x y", "", NULL };

	assert_int_equal(
		strvec_split(&s->v, &s->n, " users ,\torders\t,  , x y ,", ',', STRVEC_TRIM), 5);
	assert_holds(s, want);
}

static void
test_split_empty_string(void **state)
{
	struct vec *s = *state;
	static const char *const one_empty[] = { "", NULL };
	static const char *const none[] = { NULL };

	assert_int_equal(strvec_split(&s->v, &s->n, "", ',', STRVEC_TRIM), 1);
	assert_holds(s, one_empty);
	strvec_free(&s->v, &s->n);
	assert_int_equal(strvec_split(&s->v, &s->n, "", '\n', STRVEC_NONEMPTY), 0);
	assert_holds(s, none);
	assert_null(s->v);
}

static void
test_split_nonempty_appends(void **state)
{
	struct vec *s = *state;
	static const char *const want[] = { "first", "001.sql", "002.sql", " ", "003.sql", NULL };

	strvec_add(&s->v, &s->n, "first");
	assert_int_equal(strvec_split(&s->v, &s->n, "\n001.sql\n002.sql\n\n \n003.sql\n", '\n',
				      STRVEC_NONEMPTY),
			 4);
	assert_holds(s, want);
	strvec_free(&s->v, &s->n);
	/* trimmed to nothing, then left out */
	assert_int_equal(strvec_split(&s->v, &s->n, " ,\t, a", ',', STRVEC_TRIM | STRVEC_NONEMPTY),
			 1);
	assert_int_equal(s->n, 1);
	assert_string_equal(s->v[0], "a");
	/* no separator: the whole string is the item */
	assert_int_equal(strvec_split(&s->v, &s->n, "a,b", '\0', 0), 1);
	assert_int_equal(s->n, 2);
	assert_string_equal(s->v[1], "a,b");
}

/* A pair allocated elsewhere with exactly n slots is a vector too. */
static void
test_pair_from_elsewhere(void **state)
{
	struct vec *s = *state;
	static const char *const want[] = { "x", "y", "z", NULL };

	s->v = xcalloc(2, sizeof *s->v);
	s->v[0] = xstrdup("x");
	s->v[1] = xstrdup("y");
	s->n = 2;
	strvec_add(&s->v, &s->n, "z");
	assert_holds(s, want);
}

static void
test_many(void **state)
{
	struct vec *s = *state;
	size_t i;

	for (i = 0; i < 10000; i++)
		strvec_addf(&s->v, &s->n, "%zu", i);
	assert_int_equal(s->n, 10000);
	assert_string_equal(s->v[0], "0");
	assert_string_equal(s->v[9999], "9999");
	assert_true(strvec_contains(s->v, s->n, "5000"));
	assert_false(strvec_add_unique(&s->v, &s->n, "42"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_takes_add_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vaddf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_bytewise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_keeps_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_trim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_empty_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_nonempty_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_from_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
