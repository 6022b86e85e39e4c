#!/usr/bin/env bash
# activity: the Activity view on a scenario with locks.
#
# A "migrator" holds the pgdbm migration lock of module users (an
# advisory lock on hashtext('pgdbm_migration_users')) and an ACCESS
# EXCLUSIVE lock on a table; a "users_waiter" waits for the advisory lock
# and an "orders_waiter" for the table. The blocking tree shows the
# migrator with both waiters under it, the advisory lock labelled with its
# module; the filter and the sort work; the detail pane lists the waiter's
# locks; cancel and terminate ask first and report in the message log;
# a read-only profile refuses them; `o` shows the console's own sessions.
. "$(dirname "$0")/lib.sh"

cat >"$tui_dir/profile.yaml" <<YAML
name: activitytest
refresh: 500ms
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 3 }
    modules:
      - { name: users, migrations: migrations/users }
YAML
mkdir -p "$tui_dir/migrations/users"
sed 's/^name: activitytest/name: readonlytest\nread_only: true/' "$tui_dir/profile.yaml" >"$tui_dir/ro.yaml"

psql -X -q -c "CREATE TABLE tui_accounts (id int)" || { echo "cannot create the table"; exit 1; }
cat >"$tui_dir/migrator.sql" <<'SQL'
SELECT pg_advisory_lock(hashtext('pgdbm_migration_users'));
BEGIN;
LOCK TABLE tui_accounts IN ACCESS EXCLUSIVE MODE;
SELECT pg_sleep(600);
SQL
psql_bg tui_migrator -f "$tui_dir/migrator.sql"
wait_sql "SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'relation' AND mode = 'AccessExclusiveLock' AND granted AND relation = 'tui_accounts'::regclass" ||
	fail "the migrator did not take its locks"
psql_bg users_waiter -c "SELECT pg_advisory_lock(hashtext('pgdbm_migration_users'))"
psql_bg orders_waiter -c "SELECT count(*) FROM tui_accounts"
wait_sql "SELECT count(*) = 2 FROM pg_stat_activity WHERE wait_event_type = 'Lock'" ||
	fail "the waiters are not waiting"
migrator=$(psql -X -Atqc "SELECT pid FROM pg_stat_activity WHERE application_name = 'tui_migrator'")
users_waiter=$(psql -X -Atqc "SELECT pid FROM pg_stat_activity WHERE application_name = 'users_waiter'")
orders_waiter=$(psql -X -Atqc "SELECT pid FROM pg_stat_activity WHERE application_name = 'orders_waiter'")

tui_start 160x40 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main ● live"
keys 2
expect "Activity lists the migrator" "tui_migrator"
wait_until 5 keybar_has "Cancel" && keybar_has "Kill" && ok "the key bar offers cancel and kill" ||
	fail "the key bar lacks cancel or kill: $(keybar)"
expect_re "a waiting session shows its lock wait" "users_waiter +postgres .*active +Lock:advisory"

# blocking tree
keys t
expect "t shows the blocking tree" "blocking tree"
expect_re "the migrator is a root holding the migration lock" "^ +$migrator +tui_migrator .*\[holds pgdbm migration lock of users"
expect_re "the users waiter is under it, waiting for the labelled advisory lock" "$users_waiter +users_waiter .*─ \[waits for pgdbm migration lock of users"
expect_re "the table waiter is under it too" "$orders_waiter +orders_waiter .*─ \[waits for a relation lock\]"
keys t

# filter and sort
keys / users_wait Enter
expect "the filter keeps the matching session" "1 of "
if screen | grep -q "tui_migrator"; then fail "the filter kept other sessions"; else ok "the filter hides the others"; fi
keys Escape
expect "Esc clears the filter" "tui_migrator"
keys S
expect "S reverses the sort" "▲TIME"
keys s
expect "s sorts by the next column" "▲XACT"

# detail pane with the waiter's locks, fetched on demand
keys / users_wait Enter Enter
expect "Enter opens the detail pane" "pid $users_waiter"
expect "the pane names the blocker" "blocked by $migrator (tui_migrator)"
expect_re "the pane lists the waiter's locks" "WAITING +ExclusiveLock +advisory -?[0-9]+: pgdbm migration lock of users"

# cancel after a confirmation
keys c
expect "c asks first" "Cancel the running statement of backend $users_waiter"
keys n
wait_gone "Cancel the running statement" 5 && ok "n keeps the session" || fail "the dialog stayed"
keys c y
expect "the cancel is reported" "cancel of backend $users_waiter: done"
wait_sql "SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'users_waiter'" &&
	ok "the waiter's statement was cancelled (its psql ended)" || fail "the waiter is still there"
keys Escape Escape

# terminate the migrator
keys / tui_migrator Enter
expect "the filter finds the migrator" "1 of "
keys k
expect "k asks first" "Terminate backend $migrator"
keys y
expect "the terminate is reported" "terminate of backend $migrator: done"
wait_sql "SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'tui_migrator'" &&
	ok "the migrator was terminated" || fail "the migrator is still there"
keys Escape

# own sessions
keys o
expect "o shows the console's own sessions" "own shown"
expect "the console's monitoring session is listed" "pgdbm-console"
keys o
quit_and_check_terminal

# a read-only profile refuses
tmx kill-session -t tui
psql_bg ro_target -c "SELECT pg_sleep(600)"
wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'ro_target'"
tui_start 160x40 "$PGDBM_CONSOLE" --profile "$tui_dir/ro.yaml" --no-mouse
expect "the read-only profile is live" "(read-only)"
keys 2 / ro_target Enter
expect "the target is listed" "ro_target"
wait_until 5 keybar_has "Detail" || fail "no key bar"
for w in Cancel Kill; do
	keybar_lacks "$w" && ok "read-only: $w is not in the key bar" || fail "read-only: $w is in the key bar: $(keybar)"
done
keys '?'
expect_re "read-only: help says why k is not available" "^ *k F9 +terminate the session.*not available: read-only profile"
keys Escape
keys c
expect "read-only: cancel is refused" "read-only profile: cancel is not offered"
keys k
expect "read-only: terminate is refused" "read-only profile: terminate is not offered"
[ "$(psql -X -Atqc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ro_target'")" = 1 ] &&
	ok "the target still runs" || fail "the target was touched"
quit_and_check_terminal
finish
