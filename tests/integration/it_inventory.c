/*
 * it_inventory: the fleet overview's slow facts against a real server:
 * pending service migrations per module, tenants (archived ones apart)
 * and their pending migrations, a new file or tenant seen on the next
 * round, the slow cadence, an unreachable database (no round queued behind
 * the pool's retries, the error kept), a database with nothing to read,
 * and a round abandoned in flight.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "database.h"
#include "inventory.h"
#include "itutil.h"
#include "loop.h"
#include "msglog.h"
#include "profile.h"
#include "testutil.h"
#include "xalloc.h"

struct env {
	struct loop *loop;
	struct msglog log;
	char *dir;
	struct profile *profile;
	struct database *db;
	struct inventory *inv;
	PGconn *check;
	struct it_count updates; /* rounds published */
};

static const char profile_text[] = "databases:\n"
				   "  main:\n"
				   "    conninfo: \"\"\n"
				   "    pool: { min: 1, max: 2 }\n"
				   "    modules:\n"
				   "      - { name: users, migrations: users }\n"
				   "      - { name: orders, migrations: orders }\n"
				   "    tenants:\n"
				   "      prefix: tenant_\n"
				   "      migrations: tenant\n"
				   "  down:\n"
				   "    conninfo: \"host=127.0.0.1 port=1 connect_timeout=2\"\n"
				   "    modules:\n"
				   "      - { name: users, migrations: users }\n"
				   "  plain:\n"
				   "    conninfo: \"\"\n";

static void
on_update(struct inventory *inv, void *arg)
{
	struct env *e = arg;

	(void)inv;
	e->updates.n++;
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);

	assert_int_equal(tu_write_file(path, text), 0);
	free(path);
}

static int
setup(void **state)
{
	struct env *e = xcalloc(1, sizeof *e);
	struct profile_diags diags = { NULL, 0, 0 };
	const char *sub[] = { "users", "orders", "tenant" };
	size_t i;

	e->loop = loop_new();
	msglog_init(&e->log, 1000);
	e->dir = tu_mkdtemp();
	for (i = 0; i < 3; i++) {
		char *d = xasprintf("%s/%s", e->dir, sub[i]);

		assert_int_equal(mkdir(d, 0755), 0);
		free(d);
	}
	write_file(e->dir, "users/001_users.sql", "CREATE TABLE {{tables.users}} (id int);\n");
	write_file(e->dir, "users/002_roles.sql", "CREATE TABLE {{tables.roles}} (id int);\n");
	write_file(e->dir, "orders/001_orders.sql", "CREATE TABLE {{tables.orders}} (id int);\n");
	write_file(e->dir, "tenant/001_items.sql", "CREATE TABLE {{tables.items}} (id int);\n");
	e->profile = profile_load_string(profile_text, strlen(profile_text), "it.yaml", e->dir,
					 &diags);
	assert_non_null(e->profile);
	profile_diags_free(&diags);
	e->db = database_open(e->loop, &e->profile->databases[0], &e->log, false);
	e->inv = inventory_new(e->loop, e->db, &e->log);
	inventory_on_update(e->inv, on_update, e);
	e->check = it_connect();
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	inventory_free(&e->inv);
	database_close(&e->db);
	profile_free(&e->profile);
	it_cmd(e->check, "DROP SCHEMA IF EXISTS tenant_acme, tenant_globex, tenant_hooli, "
			 "archived_initech CASCADE");
	PQfinish(e->check);
	loop_free(&e->loop);
	msglog_free(&e->log);
	tu_rm_rf(e->dir);
	free(e->dir);
	free(e);
	return 0;
}

/* Run until `n` more rounds have been published. */
static void
rounds(struct env *e, int n)
{
	e->updates.want = e->updates.n + n;
	it_run_until(e->loop, it_counted, &e->updates, 30000);
}

static bool
first_round_done(void *arg)
{
	return inventory_rounds(arg) >= 1;
}

static bool
round_ended(void *arg)
{
	return !inventory_busy(arg);
}

static void
test_counts(void **state)
{
	struct env *e = *state;
	const struct inventory_facts *f = inventory_facts(e->inv);

	/* before any round: unknown */
	assert_false(f->known);
	assert_true(f->has_modules);
	assert_true(f->has_tenants);
	assert_int_equal(f->service_pending, -1);
	assert_int_equal(f->tenants, -1);

	/* two tenants without a ledger, one archived: everything pending */
	it_cmd(e->check, "CREATE SCHEMA tenant_acme");
	it_cmd(e->check, "CREATE SCHEMA tenant_globex");
	it_cmd(e->check, "CREATE SCHEMA archived_initech");
	inventory_refresh(e->inv);
	assert_true(inventory_busy(e->inv));
	rounds(e, 1);
	f = inventory_facts(e->inv);
	assert_true(f->known);
	assert_string_equal(f->error, "");
	assert_int_equal(f->service_pending, 3); /* users 2 + orders 1 */
	assert_int_equal(f->service_drift, 0);
	assert_int_equal(f->modules_failed, 0);
	assert_int_equal(f->tenants, 2);
	assert_int_equal(f->tenants_archived, 1);
	assert_int_equal(f->tenants_pending, 2);
	assert_int_equal(f->tenant_pending, 2);
	assert_true(f->taken_ms > 0);
	assert_true(inventory_rounds(e->inv) == 1);

	/* a new tenant migration, a new tenant, a new service file: next round */
	write_file(e->dir, "tenant/002_more.sql", "CREATE TABLE {{tables.more}} (id int);\n");
	write_file(e->dir, "orders/002_lines.sql", "CREATE TABLE {{tables.lines}} (id int);\n");
	it_cmd(e->check, "CREATE SCHEMA tenant_hooli");
	inventory_refresh(e->inv);
	inventory_refresh(e->inv); /* in flight: skipped, not queued */
	rounds(e, 1);
	f = inventory_facts(e->inv);
	assert_int_equal(f->service_pending, 4);
	assert_int_equal(f->tenants, 3);
	assert_int_equal(f->tenant_pending, 6);
	assert_int_equal(inventory_rounds(e->inv), 2);
}

/* A module whose folder is gone: the others still count, the error says which. */
static void
test_module_error(void **state)
{
	struct env *e = *state;
	const struct inventory_facts *f;
	char *gone = xasprintf("%s/orders", e->dir);

	tu_rm_rf(gone);
	free(gone);
	inventory_refresh(e->inv);
	rounds(e, 1);
	f = inventory_facts(e->inv);
	assert_int_equal(f->modules_failed, 1);
	assert_non_null(strstr(f->error, "module orders"));
	assert_int_equal(f->service_pending, 2); /* users */
	assert_int_equal(f->tenants, 0);
}

/*
 * The gap to the next round: the interval, or more when the last round
 * was slow (a loaded machine: a round of over 20 ms backs a 400 ms cadence
 * off, as it should).
 */
static int64_t
cadence_gap(struct env *e, int64_t interval_ms)
{
	int64_t slow = inventory_facts(e->inv)->took_ms * INVENTORY_BACKOFF_FACTOR;

	return slow > interval_ms ? slow : interval_ms;
}

/* The cadence: a round now, then every interval (a short one for the test). */
static void
test_cadence(void **state)
{
	struct env *e = *state;
	int64_t t0 = it_now_ms(), next;

	inventory_start(e->inv, 400);
	rounds(e, 3);
	/* three rounds need two intervals (the loop's clock is read once per
	 * iteration: allow a little) */
	assert_true(it_now_ms() - t0 >= 700);
	next = inventory_next_in_ms(e->inv);
	assert_true(next >= 0 && next <= cadence_gap(e, 400));
	inventory_stop(e->inv);
	assert_int_equal(inventory_next_in_ms(e->inv), -1);
	/* resumed (the console's pause): no round at once, the cadence goes on */
	inventory_start(e->inv, 0);
	assert_false(inventory_busy(e->inv));
	next = inventory_next_in_ms(e->inv);
	assert_true(next >= 0 && next <= cadence_gap(e, 400));
	inventory_stop(e->inv);
}

/* Unreachable: the round does not queue behind the pool; the facts say why. */
static void
test_unreachable(void **state)
{
	struct env *e = *state;
	struct database *down = database_open(e->loop, &e->profile->databases[1], &e->log, false);
	struct inventory *inv = inventory_new(e->loop, down, &e->log);
	const struct inventory_facts *f;

	inventory_on_update(inv, on_update, e);
	/* the first round waits for a connection and fails */
	inventory_refresh(inv);
	it_run_until(e->loop, first_round_done, inv, 20000);
	f = inventory_facts(inv);
	assert_true(f->known);
	assert_int_equal(f->service_pending, -1);
	assert_true(f->error[0] != '\0');
	/* now the pool is retrying: the next round ends at once, unreachable */
	inventory_refresh(inv);
	it_run_until(e->loop, round_ended, inv, 20000);
	f = inventory_facts(inv);
	assert_non_null(strstr(f->error, "unreachable"));
	assert_true(f->took_ms < 1000);
	inventory_free(&inv);
	database_close(&down);
}

/* Nothing to read: no round, no timer. */
static void
test_nothing(void **state)
{
	struct env *e = *state;
	struct database *plain = database_open(e->loop, &e->profile->databases[2], &e->log, false);
	struct inventory *inv = inventory_new(e->loop, plain, &e->log);

	inventory_start(inv, 100);
	inventory_refresh(inv);
	assert_false(inventory_busy(inv));
	assert_int_equal(inventory_next_in_ms(inv), -1);
	assert_false(inventory_facts(inv)->has_modules);
	assert_false(inventory_facts(inv)->has_tenants);
	inventory_free(&inv);
	database_close(&plain);
}

/* Freed with a round in flight: nothing runs afterwards (ASan watches). */
static void
test_free_in_flight(void **state)
{
	struct env *e = *state;
	int i;

	inventory_refresh(e->inv);
	for (i = 0; i < 3; i++)
		loop_run_once(e->loop, 1);
	inventory_free(&e->inv);
	for (i = 0; i < 20; i++)
		loop_run_once(e->loop, 10);
	e->inv = inventory_new(e->loop, e->db, &e->log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cadence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_flight, setup, teardown),
	};

	it_require_server();
	it_use_fresh_database("inventory");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
