#!/usr/bin/env bash
# inventory: the inventories (tenant counts and pending migrations read over
# every tenant ledger, which only the Fleet view shows) are read once the
# Fleet view is shown, not before: over 100,000 tenants a round costs the
# server seconds.
#
# A console on one database opens on the Pools view. Every statement of
# the database is logged: the tenant catalog query does not reach the
# server while the Pools view is up; 0 shows the Fleet view, which reads
# the inventory at once and shows the three tenants.
. "$(dirname "$0")/lib.sh"

[ -n "${PGDBM_HARNESS_LOG:-}" ] || { echo "needs the harness server's log: skipped"; exit 77; }
psql -X -q -c "CREATE DATABASE tui_inv" -c "ALTER DATABASE tui_inv SET log_statement = 'all'" ||
	{ echo "cannot create the database"; exit 1; }
mkdir -p "$tui_dir/mig/tenant"
echo 'CREATE TABLE {{tables.items}} (id int);' >"$tui_dir/mig/tenant/001_items.sql"
cat >"$tui_dir/profile.yaml" <<YAML
name: invtest
refresh: 1s
databases:
  main:
    conninfo: "dbname=tui_inv"
    tenants:
      prefix: tenant_
      migrations: $tui_dir/mig/tenant
YAML
"$PGDBM_CONSOLE" tenant provision acme globex initech --profile "$tui_dir/profile.yaml" \
	>"$tui_dir/provision.out" 2>&1 || { cat "$tui_dir/provision.out"; exit 1; }

# catalog_queries: tenant catalog queries logged since the console started
catalog_queries() {
	tail -c +"$((log_from + 1))" "$PGDBM_HARNESS_LOG" | grep -c "FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid" || true
}

log_from=$(stat -c %s "$PGDBM_HARNESS_LOG")
tui_start 120x30 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main ● live"
expect "it opens on the Pools view" "1 Pools"
sleep 3 # three refreshes of the Pools view
n=$(catalog_queries)
[ "$n" = 0 ] && ok "no tenant catalog query while the Pools view is up" ||
	fail "$n tenant catalog queries before the Fleet view was shown"

keys 0
expect "0 shows the Fleet view" "TOP POOLS"
expect "the Fleet view reads the inventory: 3 tenants" "tenants 3 │" 15
n=$(catalog_queries)
[ "$n" -ge 1 ] && ok "the inventory read the tenant catalog ($n queries)" ||
	fail "the Fleet view shows tenants without a catalog query"
quit_and_check_terminal
finish
