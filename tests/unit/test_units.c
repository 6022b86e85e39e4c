/*
 * test_units: durations, percentages and sizes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "units.h"

static int64_t
dur(const char *s)
{
	int64_t ms = -1;

	assert_null(units_parse_duration(s, &ms));
	return ms;
}

static void
test_durations(void **state)
{
	int64_t ms = 0;

	(void)state;
	assert_int_equal(dur("500ms"), 500);
	assert_int_equal(dur("2s"), 2000);
	assert_int_equal(dur("1.5s"), 1500);
	assert_int_equal(dur("1m"), 60000);
	assert_int_equal(dur("1m30s"), 90000);
	assert_int_equal(dur("2h"), 7200000);
	assert_int_equal(dur("1d"), 86400000);
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("0s"), 0);
	assert_int_equal(dur("0.25s"), 250);
	assert_non_null(units_parse_duration("5", &ms));
	assert_non_null(units_parse_duration("", &ms));
	assert_non_null(units_parse_duration("s", &ms));
	assert_non_null(units_parse_duration("-1s", &ms));
	assert_non_null(units_parse_duration("5 s", &ms));
	assert_non_null(units_parse_duration("5sec", &ms));
	assert_non_null(units_parse_duration("5ss", &ms));
	assert_non_null(units_parse_duration("1.s", &ms));
	assert_non_null(units_parse_duration("1.2345s", &ms));
	assert_non_null(strstr(units_parse_duration("1.5ms", &ms), "millisecond"));
	assert_non_null(units_parse_duration("99999999999999999999h", &ms));
}

static void
test_percent(void **state)
{
	int pm = -1;

	(void)state;
	assert_null(units_parse_percent("80%", &pm));
	assert_int_equal(pm, 800);
	assert_null(units_parse_percent("92.5%", &pm));
	assert_int_equal(pm, 925);
	assert_null(units_parse_percent("100%", &pm));
	assert_int_equal(pm, 1000);
	assert_non_null(units_parse_percent("80", &pm));
	assert_non_null(units_parse_percent("101%", &pm));
	assert_non_null(units_parse_percent("80.55%", &pm));
	assert_non_null(units_parse_percent("%", &pm));
	assert_non_null(units_parse_percent("80 %", &pm));
}

static void
test_format(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(units_format_duration(750, b, sizeof b), "750ms");
	assert_string_equal(units_format_duration(2000, b, sizeof b), "2s");
	assert_string_equal(units_format_duration(90000, b, sizeof b), "1m30s");
	assert_string_equal(units_format_duration(60000, b, sizeof b), "1m");
	assert_string_equal(units_format_duration(7500000, b, sizeof b), "2h5m");
	assert_string_equal(units_format_duration(-5, b, sizeof b), "0ms");
	assert_string_equal(units_format_bytes(512, b, sizeof b), "512B");
	assert_string_equal(units_format_bytes(4096, b, sizeof b), "4.0KiB");
	assert_string_equal(units_format_bytes(50 * 1024 * 1024, b, sizeof b), "50MiB");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
