#!/usr/bin/env bash
# migrations: the Migrations view (the queue) end to end, in tmux, against
# the harness server.
#
#   - the queue lists a module's migrations in order with their state, the
#     preview shows the rendered SQL and the down script;
#   - apply next and roll back the last, each after a confirmation naming
#     the file, change the database (ledger row, table) and the queue;
#   - a failing migration shows its file and line, is listed as failed,
#     and leaves the ledger consistent (the files before it applied, its
#     own change rolled back); fixed, it applies;
#   - who holds the module's migration lock shows while someone does;
#   - a drifted checksum is listed as modified and repaired after a
#     confirmation (the file is not run);
#   - an empty file is listed as empty with what to do, and an apply says
#     the same; entries of the folder that are skipped (a dot-file, a broken
#     symlink) are warned about in the message log, once;
#   - the preview's line numbers are never cut: a 10,001-line file shows
#     its last line numbered in full;
#   - a read-only profile offers none of the actions: they are not in the
#     key bar, help says why, and pressing their keys says so.
. "$(dirname "$0")/lib.sh"

mig=$tui_dir/migrations/users
mkdir -p "$mig/down"
printf 'CREATE TABLE {{tables.accounts}} (id bigint PRIMARY KEY, email text NOT NULL);\n' >"$mig/001_accounts.sql"
printf 'ALTER TABLE {{tables.accounts}} ADD COLUMN name text;\n' >"$mig/002_accounts_name.sql"
printf 'DROP TABLE {{tables.accounts}};\n' >"$mig/down/001_accounts.sql"
printf 'ALTER TABLE {{tables.accounts}} DROP COLUMN name;\n' >"$mig/down/002_accounts_name.sql"

cat >"$tui_dir/profile.yaml" <<YAML
name: queuetest
refresh: 500ms
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 4 }
    modules:
      - { name: users, migrations: migrations/users }
YAML
sed 's/^name: queuetest/name: readonlytest\nread_only: true/' "$tui_dir/profile.yaml" >"$tui_dir/ro.yaml"

sql() { psql -X -Atq -c "$1"; }

tui_start 160x40 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main ● live"
keys 5
expect "5 shows the Migrations view" " main │ 1 module │ 0 applied, 2 pending"
wait_until 5 keybar_has "ApplyNext" && keybar_has "Rollback" && ok "the key bar offers the actions" ||
	fail "the key bar lacks the actions: $(keybar)"
expect_re "the queue lists the first migration pending" "users +001_accounts.sql +pending"
expect "the ledger is not there yet" "users │ lock: free │ schema users, ledger users.schema_migrations (not created yet)"

# preview
keys Enter
expect "Enter previews the rendered SQL" 'CREATE TABLE "users".accounts (id bigint PRIMARY KEY'
expect "the preview says what it rendered for" "001_accounts.sql rendered for schema users"
keys d
expect "d shows the down script" 'DROP TABLE "users".accounts;'
keys Escape

# apply next, roll back the last
keys a
expect "a asks first, naming the file" "Apply to module users (schema users): 001_accounts.sql."
keys y
expect "the apply reports its result" "users: applied 1 migration (001_accounts.sql)"
expect_re "the queue shows it applied, with when and by whom" "users +001_accounts.sql +applied +20[0-9-]+ [0-9:]+ +postgres"
[ "$(sql "SELECT count(*) FROM users.schema_migrations WHERE module_name = 'users' AND filename = '001_accounts.sql'")" = 1 ] &&
	ok "the ledger has the row" || fail "no ledger row for 001_accounts.sql"
keys u
expect "u asks first, naming the file and its down script" "Roll back 001_accounts.sql of module users"
keys y
expect "the rollback reports its result" "users: rolled back 1 migration (001_accounts.sql)"
expect_re "the queue shows it pending again" "users +001_accounts.sql +pending"
[ "$(sql "SELECT count(*) FROM users.schema_migrations")" = 0 ] &&
	ok "the ledger row is gone" || fail "the ledger row is still there"
[ "$(sql "SELECT to_regclass('users.accounts') IS NULL")" = t ] &&
	ok "the down script dropped the table" || fail "users.accounts is still there"

# apply all
keys A
expect "A asks first, with every file" "Apply to module users (schema users): 001_accounts.sql,"
expect "A counts what it will apply" "Apply 2 migrations?"
keys y
expect "both are applied" "users: applied 2 migrations (001_accounts.sql, 002_accounts_name.sql)"

# an empty file: one state, one message; skipped entries are warned about in the log
printf '\n  \n' >"$mig/003_empty.sql"
printf 'SELECT 1;\n' >"$mig/.004_hidden.sql"
ln -s nowhere.sql "$mig/005_broken.sql"
keys r
expect_re "the empty file is listed as empty, with what to do" "users +003_empty.sql +empty .*write its SQL, or delete the file"
expect "the totals count it" "0 failed, 1 empty"
keys A
expect "an apply says the file is empty and what to do" "refused: $mig/003_empty.sql is empty: write its SQL, or delete the file"
rm "$mig/003_empty.sql"
keys r
wait_gone "003_empty.sql" && ok "deleted, it is gone from the queue" || fail "003_empty.sql is still listed"
keys L
expect "the log names the skipped dot-file" "$mig/.004_hidden.sql: skipped: a dot-file"
expect "the log names the broken symlink" "$mig/005_broken.sql: skipped: a broken symlink (to nowhere.sql)"
[ "$(screen | grep -cF "005_broken.sql: skipped")" = 1 ] && ok "a reload does not repeat the warning" ||
	fail "the warning is repeated"
keys L
rm "$mig/.004_hidden.sql" "$mig/005_broken.sql"

# a failing migration: file and line, the queue stays consistent
cat >"$mig/003_bad.sql" <<'SQL'
-- 003: a column, then a typo
ALTER TABLE {{tables.accounts}} ADD COLUMN age int;
ALTER TABLE {{tables.accounts}} ADD COLUMN nick text DEFAUL 'x';
SQL
keys r
expect_re "the new file is pending" "users +003_bad.sql +pending"
keys A y
expect "the failure names the file and the line" "users/003_bad.sql:3: syntax error at or near \"DEFAUL\""
expect_re "the queue lists it as failed" "users +003_bad.sql +failed"
[ "$(sql "SELECT string_agg(filename, ',' ORDER BY id) FROM users.schema_migrations")" = "001_accounts.sql,002_accounts_name.sql" ] &&
	ok "the ledger still has exactly the two applied files" || fail "the ledger changed"
[ "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'users' AND column_name = 'age'")" = 0 ] &&
	ok "the failed file's first statement was rolled back" || fail "column age is there"
expect "the totals count it as failed" \
	" main │ 1 module │ 2 applied, 0 pending, 0 modified, 0 out of order, 0 missing, 1 failed"

# who holds the migration lock
psql_bg tui_lock_holder -c "SELECT pg_advisory_lock(hashtext('pgdbm_migration_users')), pg_sleep(600)"
wait_sql "SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()" ||
	fail "the lock holder did not take the lock"
holder=$(sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'tui_lock_holder'")
expect "the lock holder is named" "lock: held by pid $holder (tui_lock_holder"
sql "SELECT pg_terminate_backend($holder)" >/dev/null
expect "the lock is free again" "users │ lock: free │"

# drift, then repair
printf -- '-- reviewed\nCREATE TABLE {{tables.accounts}} (id bigint PRIMARY KEY, email text NOT NULL);\n' >"$mig/001_accounts.sql"
keys r g
expect_re "the edited file is listed as modified" "users +001_accounts.sql +modified .*checksum drift"
keys A
expect "an apply is refused while the queue has drift" "refused: 001_accounts.sql was modified after it was applied"
keys R
expect "R asks first and says the file is not run" "Repair 001_accounts.sql of module users"
keys y
expect "the repair reports its result" "users: accepted the new checksum of 001_accounts.sql"
expect_re "the file is applied again" "users +001_accounts.sql +applied"
[ "$(sql "SELECT checksum FROM users.schema_migrations WHERE filename = '001_accounts.sql'")" = \
	"$(printf '%s' "$(cat "$mig/001_accounts.sql")" | sha256sum | cut -c1-64)" ] &&
	ok "the ledger has the file's new checksum" || fail "the ledger checksum was not updated"

# the failed file, fixed, applies
printf -- '-- 003: a column and a nickname\nALTER TABLE {{tables.accounts}} ADD COLUMN age int;\nALTER TABLE {{tables.accounts}} ADD COLUMN nick text DEFAULT '"'x'"';\n' >"$mig/003_bad.sql"
keys r
keys a
expect "a asks for the fixed file" "Apply to module users (schema users): 003_bad.sql."
keys y
expect "the fixed file applies" "users: applied 1 migration (003_bad.sql)"
expect_re "the queue is all applied" "users +003_bad.sql +applied"

# the preview's line numbers are sized to the file: 10,001 lines
seq 1 10001 | sed 's/.*/SELECT &;/' >"$mig/004_big.sql"
keys r
expect_re "the long file is pending" "users +004_big.sql +pending"
keys End Enter
expect "the long file is previewed" "004_big.sql rendered for schema users"
expect_re "the first line is numbered in a gutter for five digits" "^ +1 SELECT 1;"
keys End
expect_re "the last line shows its number in full, then its text" "^ *10001 SELECT 10001;"
expect_re "and the line before it" "^ *10000 SELECT 10000;"
keys Escape
quit_and_check_terminal

# read-only: no action is offered
tmx kill-session -t tui
tui_start 160x40 "$PGDBM_CONSOLE" --profile "$tui_dir/ro.yaml" --no-mouse
expect "the read-only profile is live" "(read-only)"
keys 5
expect "the read-only queue shows" "read-only: no actions"
wait_until 5 keybar_has "Preview" || fail "no key bar"
for w in ApplyNext ApplyAll Rollback Repair; do
	keybar_lacks "$w" && ok "read-only: $w is not in the key bar" || fail "read-only: $w is in the key bar: $(keybar)"
done
keys '?'
expect_re "read-only: help says why a is not available" "^ *a +apply the next pending migration.*not available: read-only profile"
expect_re "read-only: help says why u is not available" "^ *u +roll back the module's last applied.*not available: read-only profile"
keys Escape
for k in a A u R; do
	keys "$k"
	expect "read-only: $k is not offered" "read-only profile: migrations are not applied, rolled back or repaired"
done
[ "$(sql "SELECT count(*) FROM users.schema_migrations")" = 3 ] &&
	ok "nothing ran from the read-only profile" || fail "the ledger changed"
quit_and_check_terminal
finish
