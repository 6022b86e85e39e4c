#!/usr/bin/env bash
# schemas: the Schemas view end to end, in tmux, against the harness server.
#
#   - every non-system schema is listed with its kind decided against the
#     profile (module, tenant, archived tenant, other), its owner, an
#     estimated size, its tables and the migration state of its owner;
#   - Enter drills into a schema: its tables with row estimates and sizes,
#     and its migration history (file, state, applied at, by, duration);
#   - `e` measures the exact size; while a migration holds an ACCESS
#     EXCLUSIVE lock on one of its tables, the answer is "locked" within
#     a second (lock_timeout), the screen keeps updating, and the estimate
#     stays; once the lock is gone, the exact size comes;
#   - Enter in the Tenants view opens the tenant's schema here.
. "$(dirname "$0")/lib.sh"

mkdir -p "$tui_dir/migrations/users" "$tui_dir/migrations/tenant"
printf 'CREATE TABLE {{tables.accounts}} (id bigint PRIMARY KEY, email text NOT NULL);\n' \
	>"$tui_dir/migrations/users/001_accounts.sql"
printf 'CREATE TABLE {{tables.projects}} (id bigint PRIMARY KEY);\n' \
	>"$tui_dir/migrations/tenant/001_projects.sql"
printf 'CREATE TABLE {{tables.tasks}} (id bigint PRIMARY KEY);\n' \
	>"$tui_dir/migrations/tenant/002_tasks.sql"
cat >"$tui_dir/profile.yaml" <<YAML
name: schematest
refresh: 500ms
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 4 }
    modules:
      - { name: users, migrations: migrations/users }
    tenants:
      prefix: tenant_
      migrations: migrations/tenant
YAML

sql() { psql -X -Atq -c "$1"; }
cli() { "$PGDBM_CONSOLE" "$@" --profile "$tui_dir/profile.yaml" >>"$tui_dir/cli.out" 2>&1; }

cli migrate apply || fail "migrate apply failed"
cli tenant provision acme beta || fail "tenant provision failed"
cli tenant deprovision beta --mode archive --confirm beta || fail "tenant deprovision failed"
sql "INSERT INTO users.accounts SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 5000) g; ANALYZE users.accounts" >/dev/null
sql "CREATE SCHEMA reporting; CREATE TABLE reporting.facts (id int); CREATE VIEW reporting.v AS SELECT 1" >/dev/null

tui_start 160x40 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main ● live"
keys 3
expect "3 shows the Schemas view with the counts by kind" \
	"main │ 6 schemas: 1 module, 1 tenant, 1 archived, 3 other"
expect_re "the module schema, its owner, size, tables and migration state" \
	"^users +module +users +~[0-9.]+[KM]iB +2 +1 applied"
expect_re "the tenant schema with its migration state" "^tenant_acme +tenant +acme +~[0-9.]+[KM]?i?B +3 +2 applied"
expect_re "the archived tenant" "^archived_beta +archived +beta .* archived"
expect_re "another schema" "^reporting +other +~[0-9.]+[KM]?i?B +1"
expect_re "the console's own events schema is listed as other" "^pgdbm_console +other"

# the filter prompt edits as the dialogs do: the cursor moves and a letter
# goes in where it is, the filter following each key
keys / u s r s Left Left e
expect "a letter typed in the middle of the filter" 'filter "users": 1 shown'
keys Home
keys -l '!'
expect_re "and at its start" 'filter "!users": [0-9]+ shown'
keys Escape
wait_gone 'filter "' 5 && ok "Esc clears the filter" || fail "the filter stayed"

# drill into users
keys / u s e r s Enter
expect "the filter keeps users" "filter \"users\": 1 shown"
keys Enter
expect "Enter opens the schema" "schema users │ module users │"
expect_re "its table with a row estimate and a size" "accounts +table +5000 +[0-9.]+[KM]iB"
expect_re "its history: file, state, when, by, how long" "001_accounts.sql +applied +20[0-9-]+ [0-9:]+ +postgres +[0-9]+ms"
keys e
expect_re "e measures the exact size" "~[0-9.]+[KM]iB, exact [0-9.]+[KM]iB"

# a migration holds an ACCESS EXCLUSIVE lock: exact sizes give up fast
cat >"$tui_dir/locker.sql" <<'SQL'
BEGIN;
LOCK TABLE users.accounts IN ACCESS EXCLUSIVE MODE;
SELECT pg_sleep(600);
SQL
psql_bg tui_migration_lock -f "$tui_dir/locker.sql"
wait_sql "SELECT count(*) = 1 FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND granted AND relation = 'users.accounts'::regclass" ||
	fail "the locker did not take its lock"
t0=$(now_ms)
keys e
if wait_for "exact: locked: a migration holds it" 5; then
	took=$(($(now_ms) - t0))
	[ "$took" -lt 2000 ] && ok "the exact size gives up behind the lock within ${took}ms" ||
		fail "the locked answer took ${took}ms"
else
	fail "no \"locked\" answer behind the migration's lock"
fi
# the clock ticks on while the lock is held (within 3 s: a loaded machine
# running the sanitizer build may be slow, a blocked loop never ticks)
before=$(screen | head -n 1 | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2}')
after=$before
deadline=$(($(now_ms) + 3000))
while [ "$after" = "$before" ] && [ "$(now_ms)" -lt "$deadline" ]; do
	sleep 0.1
	after=$(screen | head -n 1 | grep -oE '[0-9]{2}:[0-9]{2}:[0-9]{2}')
done
[ "$before" != "$after" ] && ok "the screen keeps updating while the lock is held" || fail "the clock stopped"
expect_re "the estimates are still shown" "accounts +table +5000 +[0-9.]+[KM]iB"
keys Escape
expect_re "the list marks the schema's size as locked" "^users +module +users +locked"
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tui_migration_lock'" >/dev/null
keys e
expect_re "without the lock, the exact size comes" "^users +module +users +[0-9.]+[KM]iB +2"
keys Escape

# the Tenants view opens a tenant's schema here
keys 4
expect_re "the tenants view lists acme" "acme +current"
keys / a c m e Enter Enter
expect "Enter opens the tenant's schema" "schema tenant_acme │ tenant │"
expect_re "with its tenant migrations" "002_tasks.sql +applied"
keys f
expect "f moves to the history" "f: tables"
quit_and_check_terminal
finish
