/*
 * test_json: the JSON writer and the string buffer under it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "strbuf.h"

static void
test_compact(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;

	(void)state;
	json_init(&j, &sb, false);
	json_object_begin(&j);
	json_kstr(&j, "a", "x");
	json_kint(&j, "b", -42);
	json_kbool(&j, "c", true);
	json_key(&j, "d");
	json_array_begin(&j);
	json_int(&j, 1);
	json_null(&j);
	json_str(&j, NULL);
	json_array_end(&j);
	json_key(&j, "e");
	json_object_begin(&j);
	json_object_end(&j);
	json_kdouble(&j, "f", 0.5);
	json_object_end(&j);
	assert_string_equal(
		strbuf_str(&sb),
		"{\"a\":\"x\",\"b\":-42,\"c\":true,\"d\":[1,null,null],\"e\":{},\"f\":0.5}");
	strbuf_free(&sb);
}

static void
test_pretty(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;

	(void)state;
	json_init(&j, &sb, true);
	json_object_begin(&j);
	json_key(&j, "list");
	json_array_begin(&j);
	json_int(&j, 1);
	json_int(&j, 2);
	json_array_end(&j);
	json_key(&j, "empty");
	json_array_begin(&j);
	json_array_end(&j);
	json_object_end(&j);
	assert_string_equal(strbuf_str(&sb),
			    "{\n  \"list\": [\n    1,\n    2\n  ],\n  \"empty\": []\n}\n");
	strbuf_free(&sb);
}

static void
test_escape(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	json_escape(&sb, "q\"b\\n\n\t\x01 \xc3\xa9 \xe2\x82\xac");
	assert_string_equal(strbuf_str(&sb), "\"q\\\"b\\\\n\\n\\t\\u0001 \xc3\xa9 \xe2\x82\xac\"");
	strbuf_reset(&sb);
	/* invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong */
	json_escape(&sb, "a\x80"
			 "b\xe2\x82"
			 "c\xc0\xaf");
	assert_string_equal(strbuf_str(&sb), "\"a\xef\xbf\xbd"
					     "b\xef\xbf\xbd\xef\xbf\xbd"
					     "c\xef\xbf\xbd\xef\xbf\xbd\"");
	strbuf_reset(&sb);
	/* no terminal control passes raw: ESC, DEL and the C1 controls are escaped
	 * (U+009B is CSI; U+00A0 is not a control) */
	json_escape(&sb, "\x1b]0;t\x07 \x7f \xc2\x80\xc2\x9b\xc2\x9f\xc2\xa0");
	assert_string_equal(strbuf_str(&sb),
			    "\"\\u001b]0;t\\u0007 \\u007f \\u0080\\u009b\\u009f\xc2\xa0\"");
	strbuf_free(&sb);
}

static void
test_strbuf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	int i;

	(void)state;
	assert_string_equal(strbuf_str(&sb), "");
	for (i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	assert_int_equal(sb.len, strlen(sb.data));
	assert_memory_equal(sb.data, "0,1,2,", 6);
	strbuf_truncate(&sb, 2);
	assert_string_equal(strbuf_str(&sb), "0,");
	strbuf_pad(&sb, '-', 3);
	strbuf_addc(&sb, '!');
	assert_string_equal(strbuf_str(&sb), "0,---!");
	s = strbuf_detach(&sb);
	assert_null(sb.data);
	assert_string_equal(s, "0,---!");
	free(s);
	s = strbuf_detach(&sb);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_strbuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
