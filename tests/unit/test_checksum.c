/*
 * test_checksum: pgdbm's checksum rule (research/pgdbm.md 3.4, appendix C).
 *
 * Expected digests come from appendix C or were computed with Python 3.11
 * exactly as pgdbm does (text-mode read, replace CRLF, strip, SHA-256).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"

#define HEX_EMPTY    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HEX_SELECT_1 "17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a"

struct vector {
	const char *bytes;
	size_t len; /* 0: strlen(bytes) */
	const char *hex;
};

/* Appendix C, row by row. */
static const struct vector appendix_c[] = {
	{ "CREATE TABLE test1 (id INT);", 0,
	  "e82b033649c9156192bd92b6fa3b011c8f57a68dca51e0aa28bef349c7614ab7" },
	{ "CREATE TABLE test1 (id INT);\n", 0,
	  "e82b033649c9156192bd92b6fa3b011c8f57a68dca51e0aa28bef349c7614ab7" },
	{ "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);", 0,
	  "6571ca92f9f431d927759a6668356da26eb5d8b730b033f178b395f7989923ef" },
	{ "CREATE TABLE a (id INT);\r\nCREATE TABLE b (id INT);\r\n", 0,
	  "6571ca92f9f431d927759a6668356da26eb5d8b730b033f178b395f7989923ef" },
	{ "CREATE TABLE a (id INT);\rCREATE TABLE b (id INT);", 0,
	  "6571ca92f9f431d927759a6668356da26eb5d8b730b033f178b395f7989923ef" },
	{ "SELECT 1;", 0, HEX_SELECT_1 },
	{ "\xc2\xa0SELECT 1;\xe3\x80\x80\n", 0, HEX_SELECT_1 },
	{ "\xef\xbb\xbfSELECT 1;", 0,
	  "a35432496aa3b58f1818bc547ae78c87d1a5e702dcc7f28e2e1fdb38ff3bbf52" },
	{ "A;\r\r\nB;", 0, "23be58a7a81fdbb8b80f11e45429d3187227efcd9f89912308897c340f72f95c" },
};

static void
check_vector(const struct vector *v)
{
	struct checksum_utf8_error err = { 0, 0, NULL };
	size_t len = v->len ? v->len : strlen(v->bytes);
	char hex[CHECKSUM_HEX_SIZE];

	memset(hex, 'x', sizeof hex);
	assert_true(checksum_bytes(v->bytes, len, hex, &err));
	assert_string_equal(hex, v->hex);
}

static void
test_appendix_c(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof appendix_c / sizeof appendix_c[0]; i++)
		check_vector(&appendix_c[i]);
}

static void
test_empty_and_blank(void **state)
{
	static const struct vector v[] = {
		{ "", 0, HEX_EMPTY },
		{ " \t\r\n", 0, HEX_EMPTY },
		{ "\n\n\r\r\n\x0b\x0c\x1c\x1d\x1e\x1f", 0, HEX_EMPTY },
		{ "\xe3\x80\x80\xc2\xa0", 0, HEX_EMPTY },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		check_vector(&v[i]);
}

static void
test_python_white_space(void **state)
{
	static const struct vector v[] = {
		/* Every multi-byte white space in the list, on both sides. */
		{ "\x1c\xc2\x85\xe1\x9a\x80\xe2\x80\xa8 SELECT 1;"
		  "\xe2\x80\xa9\xe2\x81\x9f\xe2\x80\xaf\xe2\x80\x80\xe2\x80\x8a\x0b\x0c",
		  0, HEX_SELECT_1 },
		/* U+200B ZERO WIDTH SPACE is not white space for Python. */
		{ "\xe2\x80\x8bSELECT 1;", 0,
		  "e92208575546ed0f3abe6e0747827ad43260c4b9a4b3616bb73aae35ec6af2b5" },
		/* A NUL byte is an ordinary character and is hashed. */
		{ "a\0b", 3, "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		check_vector(&v[i]);
}

static void
test_space_len(void **state)
{
	(void)state;
	assert_int_equal(checksum_space_len(" x", 2), 1);
	assert_int_equal(checksum_space_len("\xc2\xa0", 2), 2);
	assert_int_equal(checksum_space_len("\xe3\x80\x80", 3), 3);
	assert_int_equal(checksum_space_len("\xef\xbb\xbf", 3), 0); /* BOM */
	assert_int_equal(checksum_space_len("\xe2\x80\x8b", 3), 0); /* U+200B */
	assert_int_equal(checksum_space_len("\xe2\x80\x8a", 3), 3); /* U+200A */
	assert_int_equal(checksum_space_len("\xe2\x80\x8a", 2), 0); /* cut short */
	assert_int_equal(checksum_space_len("x", 1), 0);
	assert_int_equal(checksum_space_len("", 0), 0);
}

static void
test_strip_bounds(void **state)
{
	const char *t = "\xc2\xa0 ab c\xe3\x80\x80\n";
	size_t b, e;

	(void)state;
	checksum_strip(t, strlen(t), &b, &e);
	assert_int_equal(b, 3);
	assert_int_equal(e, 7);
	checksum_strip("   ", 3, &b, &e);
	assert_int_equal(e - b, 0);
	/* A multi-byte non-space at the end stays whole. */
	t = "x\xc3\xa9";
	checksum_strip(t, strlen(t), &b, &e);
	assert_int_equal(b, 0);
	assert_int_equal(e, 3);
}

static void
test_normalise(void **state)
{
	struct checksum_utf8_error err = { 0, 0, NULL };
	const char raw[] = "a\r\nb\rc\n\r\r\nd\0e\r";
	size_t len = 0;
	char *text = checksum_normalise(raw, sizeof raw - 1, &len, &err);

	(void)state;
	assert_non_null(text);
	assert_int_equal(len, 12);
	assert_memory_equal(text, "a\nb\nc\n\n\nd\0e\n", 12);
	assert_int_equal(text[len], '\0');
	free(text);
}

static void
test_text_replaces_crlf(void **state)
{
	char a[CHECKSUM_HEX_SIZE], b[CHECKSUM_HEX_SIZE];
	const char *crlf = "CREATE TABLE a (id INT);\r\nCREATE TABLE b (id INT);\r\n";
	const char *lf = "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);";

	(void)state;
	/* checksum_text() is pgdbm's _calculate_checksum on decoded text. */
	checksum_text(crlf, strlen(crlf), a);
	checksum_text(lf, strlen(lf), b);
	assert_string_equal(a, b);
	assert_string_equal(a, "6571ca92f9f431d927759a6668356da26eb5d8b730b033f178b395f7989923ef");
}

struct bad {
	const char *bytes;
	size_t offset, line;
	const char *reason;
};

static void
test_invalid_utf8(void **state)
{
	static const struct bad v[] = {
		{ "ab\x80", 2, 1, "invalid start byte" },
		{ "\xc0\xaf", 0, 1, "invalid start byte" },		     /* overlong '/' */
		{ "x\r\ny\xed\xa0\x80", 4, 2, "invalid continuation byte" }, /* surrogate */
		{ "ok\xe2\x82", 2, 1, "unexpected end of data" },
		{ "\xf5\x80\x80\x80", 0, 1, "invalid start byte" }, /* above U+10FFFF */
		{ "\xf4\x90\x80\x80", 0, 1, "invalid continuation byte" },
		{ "\xe0\x80\x80", 0, 1, "invalid continuation byte" }, /* overlong */
		{ "a\rb\r\nc\n\xe2(\xa1", 7, 4, "invalid continuation byte" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct checksum_utf8_error err = { 99, 99, NULL };
		char hex[CHECKSUM_HEX_SIZE] = "untouched";
		size_t len = 0;

		assert_false(checksum_bytes(v[i].bytes, strlen(v[i].bytes), hex, &err));
		assert_string_equal(hex, "untouched");
		assert_int_equal(err.offset, v[i].offset);
		assert_int_equal(err.line, v[i].line);
		assert_string_equal(err.reason, v[i].reason);
		assert_null(checksum_normalise(v[i].bytes, strlen(v[i].bytes), &len, &err));
	}
}

static void
test_valid_utf8(void **state)
{
	/* Two, three and four byte forms at their limits. */
	const char *ok = "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
			 "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf";
	struct checksum_utf8_error err = { 0, 0, NULL };

	(void)state;
	assert_true(checksum_utf8_valid(ok, strlen(ok), &err));
	assert_true(checksum_utf8_valid("", 0, &err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appendix_c),	   cmocka_unit_test(test_empty_and_blank),
		cmocka_unit_test(test_python_white_space), cmocka_unit_test(test_space_len),
		cmocka_unit_test(test_strip_bounds),	   cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_text_replaces_crlf), cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_valid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
