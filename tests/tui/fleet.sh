#!/usr/bin/env bash
# fleet: the Fleet view over two harness clusters with ten databases each,
# given as two profiles (--profile twice) whose labels clash.
#
# The test runs under tests/pg-harness as every console test does (cluster
# "east"), and runs itself again inside a nested tests/pg-harness (cluster
# "west"): each harness stops and removes its own cluster whatever happens.
#
# Checks: the console opens on the Fleet view and lists all twenty
# databases, labelled east/f01 … west/f10; the inventory shows east/f01's
# pending service migrations and tenants, and R reads a new tenant
# migration at once; with west stopped, its ten databases show as
# unreachable while east's ten stay live and keep updating (a new
# application pool shows up on east/f03); west started again comes back;
# Enter opens a database in the Pools view.
if [ "${FLEET_INNER:-}" != 1 ]; then
	srcdir=${srcdir:-.}
	[ -n "${PGDBM_HARNESS_DIR:-}" ] || { echo "not under tests/pg-harness: skipped"; exit 77; }
	export FLEET_EAST_HOST="$PGHOST" FLEET_EAST_PORT="$PGPORT" FLEET_INNER=1
	exec "$srcdir/tests/pg-harness" --quiet -- bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

east=(-h "$FLEET_EAST_HOST" -p "$FLEET_EAST_PORT")
west=(-h "$PGHOST" -p "$PGPORT")
creates=()
for i in 01 02 03 04 05 06 07 08 09 10; do creates+=(-c "CREATE DATABASE f$i"); done
psql -X -q "${east[@]}" "${creates[@]}" || { echo "cannot create east's databases"; exit 1; }
psql -X -q "${west[@]}" "${creates[@]}" || { echo "cannot create west's databases"; exit 1; }

# east/f01 has a service module (two files) and tenants (one file)
mkdir -p "$tui_dir/mig/users" "$tui_dir/mig/tenant"
echo 'CREATE TABLE {{tables.users}} (id int);' >"$tui_dir/mig/users/001_users.sql"
echo 'CREATE TABLE {{tables.roles}} (id int);' >"$tui_dir/mig/users/002_roles.sql"
echo 'CREATE TABLE {{tables.items}} (id int);' >"$tui_dir/mig/tenant/001_items.sql"

profile() { # NAME HOST PORT EXTRA-FOR-f01
	printf 'name: %s\nrefresh: 1s\ndatabases:\n' "$1"
	for i in 01 02 03 04 05 06 07 08 09 10; do
		printf '  f%s:\n    conninfo: "host=%s port=%s dbname=f%s"\n    pool: { min: 1, max: 2 }\n' \
			"$i" "$2" "$3" "$i"
		[ "$i" = 01 ] && printf '%s' "$4"
	done
}
profile east "$FLEET_EAST_HOST" "$FLEET_EAST_PORT" "    modules:
      - { name: users, schema: users, migrations: $tui_dir/mig/users }
    tenants:
      prefix: tenant_
      migrations: $tui_dir/mig/tenant
" >"$tui_dir/east.yaml"
profile west "$PGHOST" "$PGPORT" "" >"$tui_dir/west.yaml"

"$PGDBM_CONSOLE" tenant provision acme globex initech --profile "$tui_dir/east.yaml" \
	--database f01 >"$tui_dir/provision.out" 2>&1 || { cat "$tui_dir/provision.out"; exit 1; }

# count_rows RE: rows of the screen matching RE
count_rows() {
	screen | grep -cE -- "$1"
}

# wait_rows RE N [TIMEOUT]: until exactly N rows match RE
rows_are() { [ "$(count_rows "$1")" = "$2" ]; }
wait_rows() { wait_until "${3:-20}" rows_are "$1" "$2"; }

tui_start 160x40 "$PGDBM_CONSOLE" --profile "$tui_dir/east.yaml" --profile "$tui_dir/west.yaml" --no-mouse
expect "it opens on the Fleet view" "TOP POOLS"
if wait_rows "^(east|west)/f(0[1-9]|10) +live " 20 30; then
	ok "all twenty databases are listed and live"
else
	fail "not twenty live rows: $(count_rows "^(east|west)/f(0[1-9]|10) +live ")"
fi
[ "$(count_rows "^east/f")" = 10 ] && [ "$(count_rows "^west/f")" = 10 ] &&
	ok "labels that clash are profile/label" || fail "expected ten east/ and ten west/ rows"
expect "the summary counts twenty live" "20 databases: 20 live"

# the inventory: 2 service migrations pending, 3 tenants, none pending
expect_re "east/f01 shows 2 pending service migrations, 3 tenants, 0 pending" \
	"^east/f01 +live .* 2 +3 +0 +0 *$" 20
expect "the summary adds them up" "tenants 3 │ pending: 2 service, 0 tenant │ read"
echo 'CREATE TABLE {{tables.orders}} (id int);' >"$tui_dir/mig/tenant/002_orders.sql"
keys R
expect_re "R reads again at once: 3 tenant migrations pending" "^east/f01 +live .* 2 +3 +3 +0 *$" 10

# west goes away: its ten databases are unreachable, east's ten stay live
"$srcdir/tests/pg-harness" ctl stop || fail "cannot stop west"
if wait_rows "^west/f(0[1-9]|10) +unreachable " 10 20; then
	ok "west's ten databases show as unreachable"
else
	fail "west: $(count_rows "^west/f(0[1-9]|10) +unreachable ") of 10 unreachable"
fi
[ "$(count_rows "^east/f(0[1-9]|10) +live ")" = 10 ] && ok "east's ten stay live" ||
	fail "east: $(count_rows "^east/f(0[1-9]|10) +live ") of 10 live"
expect "the summary says so" "20 databases: 10 live, 10 unreachable"
# east keeps updating meanwhile: a new application pool on east/f03
PGHOST=$FLEET_EAST_HOST PGPORT=$FLEET_EAST_PORT PGDATABASE=f03 helper "$tui_dir/hold.out" hold fleet_app_pool 3 0 0
wait_file_line "$tui_dir/hold.out" || fail "the helper did not open its sessions"
expect_re "east/f03 keeps updating while west is down" "^east/f03 +live .*fleet_app 3" 10
keys 2
expect "the other views keep working" "Activity"
keys 0

# west comes back
"$srcdir/tests/pg-harness" ctl start || fail "cannot start west"
if wait_rows "^(east|west)/f(0[1-9]|10) +live " 20 30; then
	ok "west's databases are live again"
else
	fail "after west came back: $(count_rows "^(east|west)/f(0[1-9]|10) +live ") of 20 live"
fi

# Enter opens the database under the cursor in the Pools view
keys Home Down Down Enter
expect "Enter opens east/f03 in the Pools view" "> east/f03 ● live"
expect "with its application pool" "fleet_app_pool"
keys 0
expect "0 goes back to the Fleet view" "TOP POOLS"
quit_and_check_terminal
finish
