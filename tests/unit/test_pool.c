/*
 * test_pool: the pool's reconnection schedule (the pool itself runs
 * against a real server in tests/integration/it_pool).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pool.h"

/* A server that is down: retried soon, the delay capped at a second. */
static void
test_backoff_unreachable(void **state)
{
	static const int64_t want[] = { 200, 400, 800, 1000, 1000, 1000 };
	struct pool_config cfg;
	int i;

	(void)state;
	pool_config_defaults(&cfg);
	for (i = 0; i < 6; i++)
		assert_int_equal(pool_backoff_ms(&cfg, i + 1, false), want[i]);
}

/*
 * A wrong password does not heal by itself: the delay doubles from 2 s to
 * a minute, so that once there, even jittered down to half, attempts stay
 * at least 30 s apart.
 */
static void
test_backoff_authentication(void **state)
{
	static const int64_t want[] = { 2000, 4000, 8000, 16000, 32000, 60000, 60000 };
	struct pool_config cfg;
	int i;

	(void)state;
	pool_config_defaults(&cfg);
	for (i = 0; i < 7; i++)
		assert_int_equal(pool_backoff_ms(&cfg, i + 1, true), want[i]);
	for (i = 6; i < 40; i++)
		assert_true(pool_backoff_ms(&cfg, i, true) / 2 >= 30000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_unreachable),
		cmocka_unit_test(test_backoff_authentication),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
