#!/usr/bin/env bash
# many: the Tenants view with 100,000 tenant schemas (TUI_TENANTS).
#
# The harness database is filled on the server by tests/fill-tenants: the
# first TUI_TENANTS_MIGRATED (10,000) tenants as pgdbm leaves them (ledger
# table, index and a row per migration), the rest as tenants created and
# never migrated (the schema alone: 90,000 migrated tenants would take four
# minutes and 8 GB; bench/browse reads 100,000 ledgers). The view opens with
# the list before its ledgers are read, then shows every migrated tenant
# current and the others without a ledger, both migrations pending; the filter
# narrows as it is typed (the last id alone, then a range), Esc restores
# the whole list; End, PgUp/PgDn and the reversed sort reach the far end;
# Enter opens a tenant's schema; and the console stays under 200 MB (not
# checked under AddressSanitizer, whose shadow memory counts too).
. "$(dirname "$0")/lib.sh"

n=${TUI_TENANTS:-100000}
m=${TUI_TENANTS_MIGRATED:-10000}
[ "$m" -le "$n" ] || m=$n
mkdir -p "$tui_dir/migrations/tenant"
printf 'CREATE TABLE {{tables.projects}} (id bigint PRIMARY KEY);\n' >"$tui_dir/migrations/tenant/001_projects.sql"
printf 'CREATE TABLE {{tables.tasks}} (id bigint PRIMARY KEY);\n' >"$tui_dir/migrations/tenant/002_tasks.sql"
cat >"$tui_dir/profile.yaml" <<YAML
name: manytest
refresh: 1s
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 4 }
    tenants:
      prefix: tenant_
      migrations: migrations/tenant
YAML

t0=$(now_ms)
"$srcdir/tests/fill-tenants" "$m" tenant_ "$tui_dir/migrations/tenant" || { echo "cannot fill the tenants"; exit 1; }
"$srcdir/tests/fill-tenants" --bare $((n - m)) tenant_ "$tui_dir/migrations/tenant" $((m + 1)) ||
	{ echo "cannot make the bare tenants"; exit 1; }
echo "filled $n tenant schemas ($m migrated) in $(($(now_ms) - t0))ms"
last=$(printf 't%06d' "$n")
# the state the view shows for tenant number $1
state_of() { if [ "$1" -le "$m" ]; then echo current; else echo "no ledger"; fi; }

tui_start 120x30 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main ● live"
t0=$(now_ms)
keys 4
expect "the view opens with every tenant" " main │ $n tenants │ 2 migrations in the folder" 60
echo "list on screen after $(($(now_ms) - t0))ms"
if wait_gone "reading ledgers" 120; then ok "every ledger was read"; else fail "the ledgers were not read"; fi
echo "ledgers read after $(($(now_ms) - t0))ms"
expect_re "the first tenant is current" "^t000001 +current +[0-9.]+[KM]?i?B +1 +2 +0 +0 +002_tasks.sql"
if [ "$n" -gt "$m" ]; then
	keys End
	expect_re "a tenant never migrated has no ledger and both migrations pending" "^$last +no ledger +[0-9.]+[KM]?i?B +0 +0 +2 +0 *$"
	keys Home
fi

# filter as you type: the last id alone, then a range
keys /
keys -l "$last"
expect "typing the last id leaves one tenant" "filter \"$last\": 1 shown"
expect_re "and it is on screen" "^$last +$(state_of "$n")"
keys BSpace
expect "Backspace widens the filter again" "filter \"${last%?}\": "
keys Enter Escape
if wait_gone 'filter "' 5; then ok "Esc clears the filter"; else fail "the filter is still on"; fi
expect_re "the whole list is back, the cursor still on the tenant it was on" "^$(printf 't%06d' $((n - 1))) +$(state_of $((n - 1)))"

# scroll to the far end and back
keys End
expect_re "End reaches the last tenant" "^$last +$(state_of "$n")"
keys PPage PPage
if wait_re_gone "^$last " 5; then ok "PgUp scrolls back"; else fail "PgUp did not move"; fi
keys Home
expect_re "Home is back at the first tenant" "^t000001 +current"
keys S
expect_re "S reverses the sort" "ID▼"
keys Home
# the first row (line 4) is the last id once Home's frame is drawn
first_row_is_last() { screen | sed -n 4p | grep -qE "^$last +$(state_of "$n")"; }
if wait_until 5 first_row_is_last; then
	ok "the reversed sort puts the last id first"
else
	fail "the last id is not first after the reversed sort"
fi
keys S Home

# Enter opens a tenant's schema
keys Enter
expect "Enter opens the tenant's schema" "schema tenant_t000001 │ tenant │"
keys Escape 4

pid=$(pgrep -f -n "pgdbm-console --profile $tui_dir/profile.yaml" || true)
if [ -n "$pid" ] && ! ldd "$PGDBM_CONSOLE" 2>/dev/null | grep -q asan; then
	rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	echo "peak RSS ${rss} kB"
	[ "$rss" -lt 204800 ] && ok "peak RSS under 200 MB (${rss} kB)" || fail "peak RSS ${rss} kB"
fi
quit_and_check_terminal
finish
