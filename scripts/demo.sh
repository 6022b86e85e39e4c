#!/usr/bin/env bash
# demo.sh: the console on a throwaway PostgreSQL with a live demo system.
#
#   scripts/demo.sh [--keep] [--no-build] [--load-only]
#
# Installs the Debian packages that are missing, builds the console (in
# _build/demo), starts a throwaway cluster with tests/pg-harness and loads
# the demo of profiles/demo.yaml into database "demo":
#   - three service schemas: users (two of three migrations applied; every
#     migration has a down script), orders (all applied), billing (one of
#     two applied), with some rows;
#   - 200 tenant schemas tenant_c001 ... tenant_c200, provisioned with the
#     first two tenant migrations, so the third is pending everywhere;
#   - live load from pgbench with pgdbm-style application names: users_pool
#     and tenant_pool at light rates, orders_pool with 7 clients against a
#     declared max of 8 (close to its max), billing_pool with one session
#     left idle in a transaction and one session waiting on its lock.
# Then it opens the console on profiles/demo.yaml. Quitting the console
# stops the load and removes the cluster.
#
#   --keep       keep the cluster (and stop only the load) on quit; prints
#                how to reconnect and how to remove it
#   --no-build   use $PGDBM_CONSOLE, or the binary an earlier run built
#   --load-only  load the demo and run the load without the console, until
#                interrupted (for scripts that drive their own console)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

# ---------------------------------------------------------------------------
# Inside the harness: load the demo, start the load, run the console.
# ---------------------------------------------------------------------------
if [ "${1:-}" = --inside ]; then
	console=$2 mode=$3 keep=$4
	work="$PGDBM_HARNESS_DIR/demo"
	mkdir -p "$work"
	load_pid=
	stop_load() {
		if [ -n "$load_pid" ]; then
			kill -TERM -- "-$load_pid" 2>/dev/null || true
			wait "$load_pid" 2>/dev/null || true
			load_pid=
		fi
	}
	trap stop_load EXIT
	trap 'stop_load; exit 130' INT
	trap 'stop_load; exit 143' TERM
	trap 'stop_load; exit 129' HUP
	say() { printf 'demo: %s\n' "$*" >&2; }
	profile="$src/profiles/demo.yaml"
	pc() { "$console" --profile "$profile" "$@"; }

	say "loading the demo into database \"demo\""
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE demo"
	export PGDATABASE=demo

	# the services' schemas, through the console's own migration runner
	pc migrate apply --module users --steps 2 >/dev/null
	pc migrate apply --module orders >/dev/null
	pc migrate apply --module billing --steps 1 >/dev/null
	psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO users.users (email, name)
SELECT 'user' || i || '@example.com', 'User ' || i FROM generate_series(1, 1000) i;
INSERT INTO orders.orders (user_id, total_cents, status)
SELECT 1 + i % 1000, 100 * (i % 97), (ARRAY['new', 'paid', 'shipped'])[1 + i % 3]
FROM generate_series(1, 5000) i;
INSERT INTO orders.order_items (order_id, sku, quantity)
SELECT i, 'sku-' || (i % 50), 1 + i % 4 FROM generate_series(1, 5000) i;
INSERT INTO billing.invoices (order_id, amount_cents)
SELECT i, 100 * (i % 97) FROM generate_series(1, 2000) i;
-- the tenant load: one small write into a random tenant's schema
CREATE FUNCTION public.demo_tenant_touch(n int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('INSERT INTO %I.projects (name) VALUES ($1)',
		       'tenant_c' || lpad(n::text, 3, '0'))
	USING 'project ' || n;
END $$;
SQL

	# 200 tenants with the first two tenant migrations: a profile that
	# sees only those, for provisioning
	mkdir -p "$work/tenant/down"
	cp "$src"/profiles/migrations/tenant/00[12]_*.sql "$work/tenant/"
	cp "$src"/profiles/migrations/tenant/down/00[12]_*.sql "$work/tenant/down/"
	sed -e "s|migrations: migrations/tenant|migrations: $work/tenant|" \
		-e "s|migrations: migrations/|migrations: $src/profiles/migrations/|" \
		"$profile" >"$work/provision.yaml"
	for i in $(seq 1 200); do printf 'c%03d\n' "$i"; done >"$work/tenants.txt"
	"$console" --profile "$work/provision.yaml" tenant provision --from-file "$work/tenants.txt" >/dev/null
	say "3 service schemas, 200 tenants (one tenant migration pending)"

	# the load: pgbench clients with pgdbm-style application names
	cat >"$work/users.sql" <<'SQL'
\set id random(1, 1000)
SELECT id, email, name FROM users.users WHERE id = :id;
UPDATE users.users SET last_login = now() WHERE id = :id;
SQL
	cat >"$work/orders.sql" <<'SQL'
\set u random(1, 1000)
\set ms random(20, 400)
BEGIN;
INSERT INTO orders.orders (user_id, total_cents) VALUES (:u, :u * 10);
SELECT pg_sleep(:ms / 1000.0);
COMMIT;
SELECT count(*) FROM orders.orders WHERE user_id = :u;
SQL
	cat >"$work/billing.sql" <<'SQL'
\set o random(1, 5000)
INSERT INTO billing.invoices (order_id, amount_cents) VALUES (:o, :o * 3);
SQL
	cat >"$work/tenant.sql" <<'SQL'
\set t random(1, 200)
SELECT public.demo_tenant_touch(:t);
SQL
	run_load() {
		bench() {
			local app=$1 clients=$2 rate=$3 script=$4
			PGAPPNAME=$app pgbench -n -c "$clients" -j 1 -R "$rate" -T 86400 \
				-f "$work/$script" >>"$work/load.log" 2>&1 &
		}
		bench users_pool 4 40 users.sql
		bench orders_pool 7 20 orders.sql
		bench billing_pool 2 5 billing.sql
		bench tenant_pool 3 15 tenant.sql
		# billing_pool: one transaction left open on invoice 1, and one
		# session waiting for its row lock
		{ printf 'BEGIN;\nUPDATE billing.invoices SET amount_cents = amount_cents + 1 WHERE id = 1;\n'
		  exec sleep 86400; } | PGAPPNAME=billing_pool psql -X -q >/dev/null 2>&1 &
		sleep 0.5
		PGAPPNAME=billing_pool psql -X -q \
			-c "UPDATE billing.invoices SET amount_cents = 0 WHERE id = 1" >/dev/null 2>&1 &
		wait
	}
	# the load in its own process group, stopped as one
	set -m
	run_load &
	load_pid=$!
	set +m
	say "load running: users_pool, orders_pool, billing_pool, tenant_pool"

	if [ "$mode" = load-only ]; then
		say "interrupt to stop"
		while kill -0 "$load_pid" 2>/dev/null; do sleep 1; done
		exit 0
	fi
	status=0
	"$console" --profile "$profile" || status=$?
	stop_load
	if [ "$keep" = 1 ]; then
		cat >&2 <<EOF
demo: the load is stopped; the demo database stays. Reconnect with:
  PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER PGDATABASE=demo $console --profile $profile
EOF
	fi
	exit "$status"
fi

# ---------------------------------------------------------------------------
# Outside: packages, build, then the harness runs this script again inside.
# ---------------------------------------------------------------------------
keep=0 build=1 mode=console
for arg in "$@"; do
	case $arg in
	--keep) keep=1 ;;
	--no-build) build=0 ;;
	--load-only) mode=load-only ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "demo.sh: unknown option \"$arg\" (expected --keep, --no-build, --load-only)" >&2
		exit 2
		;;
	esac
done

cd "$src"
. scripts/lib.sh
if [ "$build" = 1 ]; then
	# shellcheck disable=SC2086
	need_packages $PGDBM_DEMO_PACKAGES
	bootstrap
	echo "demo: building (in _build/demo)" >&2
	build_in demo
	console="$src/_build/demo/pgdbm-console"
else
	console=${PGDBM_CONSOLE:-$src/_build/demo/pgdbm-console}
fi
[ -x "$console" ] || { echo "demo.sh: no console at $console (run without --no-build)" >&2; exit 2; }
command -v pgbench >/dev/null || { echo "demo.sh: pgbench is missing (apt-get install postgresql-client)" >&2; exit 2; }

harness_args=(--quiet)
[ "$keep" = 1 ] && harness_args=(--keep)
exec "$src/tests/pg-harness" "${harness_args[@]}" -- "$src/scripts/demo.sh" --inside "$console" "$mode" "$keep"
