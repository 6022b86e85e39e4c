#!/usr/bin/env bash
# tenants: the Tenants view end to end, in tmux, against the harness server.
#
#   - an invalid id typed in the provision dialog shows why as it is typed,
#     Enter runs nothing (no schema, no event);
#   - a tenant provisioned from the dialog shows its progress and result in
#     place, is listed with its migrations applied, and the database has
#     the schema, its tables and pgdbm's ledger rows;
#   - deprovision asks for the id typed back; archive renames the schema,
#     restore (R) brings it back, drop removes it;
#   - a fan-out over 300 tenants (made fast on the server with pgdbm-shaped
#     ledgers) shows a live progress bar, can be watched from the Pools
#     view, makes q ask before quitting, and ends with the right counts:
#     297 migrated and 3 failed, the failures list (F) naming them and the
#     error, and the ledgers in the database agreeing; a slow fan-out over
#     the tenants a filter shows is cancelled with c (no new tenant starts);
#   - a read-only profile offers none of the actions.
. "$(dirname "$0")/lib.sh"

mig=$tui_dir/migrations/tenant
mkdir -p "$mig/down"
body1='CREATE TABLE {{tables.projects}} (id bigint PRIMARY KEY, name text NOT NULL);'
body2='CREATE TABLE {{tables.tasks}} (id bigint PRIMARY KEY, project bigint NOT NULL);'
body3='ALTER TABLE {{tables.tasks}} ADD COLUMN due date;'
printf '%s' "$body1" >"$mig/001_projects.sql"
printf '%s' "$body2" >"$mig/002_tasks.sql"
printf '%s' "$body3" >"$mig/003_due.sql"
printf 'DROP TABLE {{tables.projects}};' >"$mig/down/001_projects.sql"
printf 'DROP TABLE {{tables.tasks}};' >"$mig/down/002_tasks.sql"
printf 'ALTER TABLE {{tables.tasks}} DROP COLUMN due;' >"$mig/down/003_due.sql"

cat >"$tui_dir/profile.yaml" <<YAML
name: tenanttest
refresh: 500ms
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 5 }
    tenants:
      prefix: tenant_
      migrations: migrations/tenant
      concurrency: 4
      canaries: 1
      on_failure: continue
YAML
sed 's/^name: tenanttest/name: readonlytest\nread_only: true/' "$tui_dir/profile.yaml" >"$tui_dir/ro.yaml"

sql() { psql -X -Atq -c "$1"; }

tui_start 160x40 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main ● live"
keys 4
expect "4 shows the Tenants view" " main │ 0 tenants │ 3 migrations in the folder"
expect "an empty list says how to start" "no tenants yet (p provisions one)"
wait_until 5 keybar_has "Provision" && keybar_has "ApplyAll" && ok "the key bar offers the actions" ||
	fail "the key bar lacks the actions: $(keybar)"

# an invalid id: the reason while typing, nothing runs
keys p
expect "p opens the provision dialog" "Provision a tenant"
expect "the dialog lists the migrations that will run" "002_tasks.sql"
keys -l Bad-id
expect "upper case is refused as it is typed" 'tenant id "Bad-id" contains upper case'
wait_until 5 screen_lacks "[Enter] confirm" && ok "Enter is not offered for a refused id" ||
	fail "the dialog offers Enter for a refused id"
keybar_lacks "Enter confirm" && ok "nor in the key bar: $(keybar)" || fail "the key bar offers Enter: $(keybar)"
keys C-u
keys -l bad-id
expect "a hyphen is refused with the reason" 'tenant id "bad-id" contains a hyphen (use a-z, 0-9 and _)'
keys Enter
sleep 0.5
expect "Enter on an invalid id keeps the dialog with the reason" 'tenant id "bad-id" contains a hyphen'
keys C-u s e l e c t
expect "a reserved word is refused" 'tenant id "select" is a reserved word'
keys Escape
wait_gone "Provision a tenant" 5 && ok "Esc closes the dialog" || fail "the dialog stayed"
[ "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\_%'")" = 0 ] &&
	ok "no schema was created for the invalid ids" || fail "a schema appeared"
[ "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgdbm_console'")" = 0 ] &&
	ok "nothing was written at all (no events table)" || fail "the console wrote something"

# provision from the dialog
keys p a c m e
expect "a valid id is accepted" "ok: Enter to confirm"
expect "a valid id offers Enter" "[Enter] confirm"
keybar_has "Enter confirm" && ok "the key bar offers Enter for a valid id" || fail "the key bar lacks Enter: $(keybar)"
expect "the dialog names the schema" "schema tenant_acme on main, in one transaction:"
keys Enter
expect "progress and result show in place" "done: tenant acme provisioned: 3 migrations applied"
keys Escape
expect_re "acme is listed with its migrations applied" "acme +current +[0-9.]+[KM]?i?B +3 +3 +0 +0 +003_due.sql"
[ "$(sql "SELECT count(*) FROM tenant_acme.schema_migrations WHERE module_name = 'tenant_acme'")" = 3 ] &&
	ok "the database has acme's three ledger rows" || fail "acme's ledger is not complete"
[ "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'tenant_acme' AND table_name = 'tasks' AND column_name = 'due'")" = 1 ] &&
	ok "acme's tables were made by its migrations" || fail "acme's tables are missing"
keys p a c m e
expect "provisioning acme again is refused while typing" "tenant acme exists already (schema tenant_acme)"
keys Escape

# deprovision: archive with the id typed back, restore, drop
keys X
expect "X asks for the id typed back" "Deprovision tenant acme"
expect "archive is the default and says what it does" "archive: rename schema tenant_acme to archived_acme"
keys a c m
expect "a partial id is not enough" "type acme to confirm"
keys e Enter
expect "archiving reports in place" "done: tenant acme archived"
keys Escape
expect_re "acme is listed as archived" "acme +archived"
[ "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'archived_acme'")" = 1 ] &&
	ok "the schema was renamed to archived_acme" || fail "no archived_acme schema"
keys R
expect "R asks before restoring" "Restore tenant acme: rename schema archived_acme"
keys y
expect_re "acme is live again" "acme +current"
[ "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant_acme'")" = 1 ] &&
	ok "the schema is tenant_acme again" || fail "tenant_acme was not restored"
keys X Tab
expect "Tab switches to drop, which says it is for good" "DROP: DROP SCHEMA tenant_acme CASCADE"
keys a c m e Enter
expect "the drop reports in place" "done: tenant acme dropped"
keys Escape
expect "the list is empty again" " main │ 0 tenants │"
[ "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname IN ('tenant_acme', 'archived_acme')")" = 0 ] &&
	ok "acme's schema is gone" || fail "acme's schema is still there"

# 300 tenants with pgdbm-shaped ledgers, made on the server
psql -X -q -v ON_ERROR_STOP=1 <<SQL || fail "cannot make the 300 tenants"
SET client_min_messages = warning;
DO \$\$
DECLARE i int; s text; f text; body text;
  files text[] := ARRAY['001_projects.sql', '002_tasks.sql', '003_due.sql'];
  bodies text[] := ARRAY[\$b\$$body1\$b\$, \$b\$$body2\$b\$, \$b\$$body3\$b\$];
BEGIN
  FOR i IN 1..300 LOOP
    s := CASE WHEN i > 297 THEN format('tenant_zfail%s', i - 297) ELSE format('tenant_t%s', lpad(i::text, 3, '0')) END;
    EXECUTE format('CREATE SCHEMA %I', s);
    EXECUTE format('CREATE TABLE %I.schema_migrations (id SERIAL PRIMARY KEY, filename VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, module_name VARCHAR(100), applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, applied_by VARCHAR(100) DEFAULT CURRENT_USER, execution_time_ms INTEGER, UNIQUE(filename, module_name))', s);
    EXECUTE format('CREATE INDEX idx_schema_migrations_module ON %I.schema_migrations (module_name, filename)', s);
    FOR f IN 1..3 LOOP
      body := bodies[f];
      EXECUTE regexp_replace(body, '[{][{]tables[.]([a-z_]+)[}][}]', format('"%s".\\1', s), 'g');
      EXECUTE format('INSERT INTO %I.schema_migrations (filename, checksum, module_name, execution_time_ms) VALUES (%L, %L, %L, 1)',
        s, files[f], encode(sha256(convert_to(body, 'UTF8')), 'hex'), s);
    END LOOP;
  END LOOP;
END \$\$;
SQL
keys r
expect "the 300 tenants are listed after a refresh" " main │ 300 tenants │ 3 migrations in the folder"
expect_re "they are current" "t001 +current +[0-9.]+[KM]?i?B +3 +3 +0 +0 +003_due.sql"

# one more migration: a little slow, failing for the zfail tenants
cat >"$mig/004_note.sql" <<'SQL'
SELECT pg_sleep(0.05);
DO $$ BEGIN IF '{{schema}}' LIKE '%zfail%' THEN RAISE EXCEPTION 'boom in {{schema}}'; END IF; END $$;
ALTER TABLE {{tables.projects}} ADD COLUMN note text;
SQL
keys r
expect "the new migration is pending everywhere" " main │ 300 tenants │ 4 migrations in the folder"
expect_re "a tenant shows it pending" "t001 +pending +[0-9.]+[KM]?i?B +3 +3 +1 +0"
keys A
expect "A says on how many tenants it will run" "Apply pending migrations to all 300 tenants:"
expect "A says which migrations will run" "004_note.sql"
keys y
expect_re "a live progress bar with done, failed, rate and ETA" "fan-out \[.*\] [0-9]+/300 done, [0-9]+ failed, [0-9.]+/s, ETA"
keys q
expect "q asks first while the fan-out runs" "1 job is still running"
keys n
keys 1
expect "the Pools view shows the fan-out while it runs" "job fan-out: apply pending migrations to every tenant: "
keys 4
expect "the fan-out ends with the right counts" "297 migrated, 3 failed, 0 skipped of 300 tenants" 60
keys F
expect "F opens the failures" "failures of the last run: 3"
expect_re "a failure names the tenant and the error" "zfail1 .*boom in \"tenant_zfail1\""
keys Escape
[ "$(sql "SELECT count(*) FROM pg_namespace n WHERE nspname LIKE 'tenant\_%' AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = n.nspname AND table_name = 'projects' AND column_name = 'note')")" = 297 ] &&
	ok "297 tenants have the new column" || fail "the new column is not on 297 tenants"
n_rows=$(sql "SELECT format('SELECT count(*) FROM %I.schema_migrations WHERE filename = %L;', nspname, '004_note.sql') FROM pg_namespace WHERE nspname LIKE 'tenant\_%'" |
	psql -X -Atq | awk '{ s += $1 } END { print s + 0 }')
[ "$n_rows" = 297 ] && ok "297 ledgers record 004_note.sql, the failed ones do not" || fail "$n_rows ledger rows for 004_note.sql"
keys / z f a i l Enter
expect "the filter narrows to the failed tenants" "filter \"zfail\": 3 shown"
expect_re "the failed tenants are still pending" "zfail1 +pending"

# cancel: a slow migration over the tenants a filter shows, cancelled while it runs
printf 'SELECT pg_sleep(0.3);\n' >"$mig/005_slow.sql"
keys Escape r
expect "the slow migration is in the folder" " main │ 300 tenants │ 5 migrations in the folder"
keys / t 0 Enter
expect "the filter shows 99 tenants" 'filter "t0": 99 shown'
keys A
expect "A names the filtered tenants" "Apply pending migrations to the 99 tenants the filter"
keys y
expect_re "the slow fan-out runs" "fan-out \[.*\] [1-9][0-9]*/99 done"
keys c
expect "c cancels it: the tenants in flight finish, no new one starts" "fan-out cancelled: " 20
n5=$(sql "SELECT format('SELECT count(*) FROM %I.schema_migrations WHERE filename = %L;', nspname, '005_slow.sql') FROM pg_namespace WHERE nspname LIKE 'tenant\_%'" |
	psql -X -Atq | awk '{ s += $1 } END { print s + 0 }')
[ "$n5" -gt 0 ] && [ "$n5" -lt 99 ] && ok "the cancelled run applied $n5 of 99" || fail "the cancelled run applied $n5 of 99"
quit_and_check_terminal

# read-only: no action is offered
tmx kill-session -t tui
tui_start 160x40 "$PGDBM_CONSOLE" --profile "$tui_dir/ro.yaml" --no-mouse
expect "the read-only profile is live" "(read-only)"
keys 4
expect "the read-only list shows" " main │ 300 tenants"
wait_until 5 keybar_has "Failures" || fail "no key bar"
for w in Provision Deprov ApplyAll; do
	keybar_lacks "$w" && ok "read-only: $w is not in the key bar" || fail "read-only: $w is in the key bar: $(keybar)"
done
keys '?'
expect_re "read-only: help says why p is not available" "^ *p +provision a tenant.*not available: read-only profile"
keys Escape
keys p
expect "read-only: provisioning is not offered" "read-only profile: tenant actions are not offered"
keys A
expect "read-only: the fan-out is not offered" "read-only profile: tenant actions are not offered"
keys X
expect "read-only: deprovisioning is not offered" "read-only profile: tenant actions are not offered"
quit_and_check_terminal
finish
