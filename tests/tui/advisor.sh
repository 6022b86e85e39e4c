#!/usr/bin/env bash
# advisor: the Advisor panel (key A) end to end, in tmux, against the
# harness server.
#
# The profile has three databases: `main` (the harness database, where a
# session of users_pool is left idle in a transaction and a schema billing
# holds a pgdbm ledger the profile has no module for), `clean` (a fresh
# database with nothing in it) and `down` (connection refused). A opens the
# panel on the selected database and runs the advisor: the progress over
# the observation window shows, then the pattern, and each finding with its
# severity, rule and evidence (the idle pid, the ledger's rows). The console
# keeps answering keys during a run (another view, then back). Esc returns
# to the view the panel came from and the report is kept; r runs again;
# Tab runs it on the clean database, shown clean; the unreachable one
# fails with the reason. The panel opens from the Wizard view too, and from
# the Tenants view (whose A is its own) with F8 and with the menu.
. "$(dirname "$0")/lib.sh"

psql -X -q -c "CREATE DATABASE tui_adv_clean" || { echo "cannot create the clean database"; exit 1; }
psql -X -q <<'SQL' || { echo "cannot stage the ledger"; exit 1; }
CREATE SCHEMA billing;
CREATE TABLE billing.schema_migrations (
    id SERIAL PRIMARY KEY,
    filename VARCHAR(255) NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    module_name VARCHAR(100),
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    applied_by VARCHAR(100) DEFAULT CURRENT_USER,
    execution_time_ms INTEGER,
    UNIQUE(filename, module_name)
);
INSERT INTO billing.schema_migrations (filename, checksum, module_name, execution_time_ms)
VALUES ('001_invoices.sql', repeat('a', 64), 'billing', 4),
       ('002_payments.sql', repeat('b', 64), 'billing', 7);
SQL

cat >"$tui_dir/profile.yaml" <<YAML
name: advisortest
refresh: 1s
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 3 }
    alerts: { idle_in_transaction: 1s }
    apps:
      - { application_name: users_pool, pool_max: 5 }
  clean:
    conninfo: "dbname=tui_adv_clean"
    pool: { min: 1, max: 3 }
  down:
    conninfo: "host=127.0.0.1 port=1 dbname=nowhere"
    pool: { min: 1, max: 2, acquire_timeout: 1s }
YAML

# one session of users_pool idle in a transaction, one idle
helper "$tui_dir/hold.out" hold users_pool 1 0 1
wait_file_line "$tui_dir/hold.out" || fail "the helper did not open its sessions"
wait_sql "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'users_pool' AND state = 'idle in transaction' AND now() - state_change > interval '1500 ms'" ||
	fail "no session idle in a transaction"
idle_pid=$(psql -X -Atqc "SELECT pid FROM pg_stat_activity WHERE application_name = 'users_pool' AND state = 'idle in transaction'")

tui_start 100x30 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --view pools --no-mouse
expect "main is live" "main ● live"
keys A
expect "A opens the advisor panel on the selected database" "Advisor: main"
expect_re "the progress over the observation window shows" "\] +[0-9]+% (sampling sessions|reading)"
expect "the run ends" "done at" 20
expect "the finding about the idle transaction" "WARNING idle-in-transaction users_pool"
expect "with its rule" "rule: pgdbm closes a session left idle in a transaction"
expect "with the idle pid as evidence" "pid $idle_pid from local: idle in transaction for"
expect "the ledger without a module" "WARNING ledger-without-module billing"
expect_re "with the ledger's rows as evidence" "billing\.schema_migrations: 2 rows, module billing"
expect "the detected pattern (three databases in the profile)" "Pattern: Multiple Databases (this database: Simple)"
expect "the count of findings" "2 warnings"
keys End
expect "End scrolls to the pools seen" "Application pools seen"
keys Home
expect "Home scrolls back to the pattern" "Pattern: Multiple Databases"

# Esc goes back; the report is kept
keys Escape
expect "Esc goes back to the Pools view" "POOL"
keys A
expect "A again shows the kept report" "WARNING ledger-without-module billing"

# the loop never waits for a run: another view answers at once
keys w
expect "w changes the window and runs again" "window 10s"
expect "sampling for the longer window" "of 10s"
keys 2
expect "the Activity view answers during the run" " main │ live │ "
keys A
expect_re "back in the panel the run goes on" "of 10s|done at"
keys r
expect "r starts over" "of 10s"
expect "and ends again" "done at" 25
expect "with the same finding" "WARNING idle-in-transaction users_pool"

# Tab: the clean database is run and shown clean
keys Tab
expect "Tab runs the advisor on the next database" "Advisor: clean"
expect "the clean database is shown clean" "Clean: no warning or problem" 20
expect "its status line says so" "(clean)"
if screen | grep -q "idle-in-transaction"; then fail "the clean database shows main's findings"; else ok "no finding on the clean database"; fi

# the unreachable database fails with the reason, and the console lives on
keys Tab
expect "Tab again: the unreachable database" "Advisor: down"
expect "its run fails with the reason" "failed at" 20

# from the Wizard view
keys D D Escape 6
expect "the Wizard view" "How many services?"
keys A
expect "A opens the panel from the Wizard" "Advisor: main"
keys q
expect "q goes back to the Wizard" "How many services?"

# the Tenants view binds A itself (apply to every tenant): F8 and the menu
# still open the panel, and the key bar says F8
keys 4
expect "the Tenants view" "4 Tenants"
expect "its key bar offers F8 for the advisor" "F8 Advisor"
keys F8
expect "F8 opens the panel from the Tenants view" "Advisor: main"
keys q
wait_gone "Advisor: main" 5
keys m
expect "the menu is open" "A  Advisor"
keys A
expect "the menu's A opens the panel, not the view's apply" "Advisor: main"
if screen | grep -q "y yes"; then fail "the menu's A asked to apply"; else ok "nothing asks to apply"; fi
# help over the panel is about the panel and goes back to it; the panel
# opened from help goes back to the view under help, not to help
keys '?'
expect "help over the panel lists the panel's keys" "Help: Advisor view"
keys Escape
expect "Esc in help goes back to the panel" "Advisor: main"
keys q
wait_until 5 keybar_has "F8 Advisor" && ok "q in the panel goes back to the Tenants view" ||
	fail "q did not go back to the Tenants view"
keys '?'
expect "the help of the Tenants view" "Help: Tenants view"
keys F8
expect "F8 opens the panel from help" "Advisor: main"
keys q
wait_until 5 keybar_has "F8 Advisor" && ok "q goes back to the view under help" ||
	fail "q did not go back to the view under help"
quit_and_check_terminal
finish
