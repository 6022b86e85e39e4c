#!/usr/bin/env bash
# queue: the Migrations view stays truthful about what it shows.
#
#   - the queue is read again by itself on the inventory cadence (30 s),
#     and says how old it is: a rollback made from another shell shows up
#     without a key;
#   - a reload that fails (the module's folder removed) says so in the view
#     and in the message log, and the rows kept from the last good read are
#     marked stale; once the folder is back, a reload clears it;
#   - a database that never connected does not claim its migration lock is
#     free: its lock state is unknown.
. "$(dirname "$0")/lib.sh"

mig=$tui_dir/migrations/users
mkdir -p "$mig/down"
printf 'CREATE TABLE {{tables.accounts}} (id bigint PRIMARY KEY);\n' >"$mig/001_accounts.sql"
printf 'ALTER TABLE {{tables.accounts}} ADD COLUMN name text;\n' >"$mig/002_accounts_name.sql"
printf 'DROP TABLE {{tables.accounts}};\n' >"$mig/down/001_accounts.sql"
printf 'ALTER TABLE {{tables.accounts}} DROP COLUMN name;\n' >"$mig/down/002_accounts_name.sql"

# "gone" points at a socket folder where no server listens: it never connects
mkdir -p "$tui_dir/nosock"
cat >"$tui_dir/profile.yaml" <<YAML
name: queuefresh
refresh: 500ms
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 4 }
    modules:
      - { name: users, migrations: migrations/users }
  gone:
    conninfo: "host=$tui_dir/nosock port=5432 connect_timeout=2"
    pool: { min: 1, max: 2, acquire_timeout: 1s }
    modules:
      - { name: users, migrations: migrations/users }
YAML
P=(--profile "$tui_dir/profile.yaml" --database main)

"$PGDBM_CONSOLE" migrate apply "${P[@]}" >"$tui_dir/apply.out" 2>&1 ||
	{ cat "$tui_dir/apply.out"; exit 1; }

tui_start 160x40 "$PGDBM_CONSOLE" "${P[@]}" --view pools --no-mouse
expect "main is live" "main ● live"
keys 5
expect "the queue shows both files applied" " main │ 1 module │ 2 applied, 0 pending"
expect_re "the queue says how old it is" "queue read [0-9]+s ago"

# --- 6: a rollback from another shell shows up by itself
"$PGDBM_CONSOLE" migrate rollback "${P[@]}" --module users >"$tui_dir/rollback.out" 2>&1 ||
	fail "the rollback from another shell failed: $(cat "$tui_dir/rollback.out")"
started=$(now_ms)
if wait_for " main │ 1 module │ 1 applied, 1 pending" 45; then
	ok "the queue was read again by itself $(($(now_ms) - started)) ms after the rollback"
else
	fail "the queue still shows the old state 45 s after a rollback from another shell"
fi
expect_re "the rolled back file is pending" "users +002_accounts_name.sql +pending"

# --- 7: a reload that fails is shown, logged, and the old rows are stale
mv "$mig" "$tui_dir/migrations/users.moved"
keys r
expect "the view says the reload failed and why" "cannot read the queue of users:"
expect "the error names the folder" "$mig"
expect_re "the rows kept are marked stale" "users +001_accounts.sql +applied .*stale"
expect "the totals say they are stale" "(stale)"
keys L
expect "the message log has the failure" "cannot read the queue of users:"
keys Escape
expect "back on the Migrations view" " main │ 1 module │"
mv "$tui_dir/migrations/users.moved" "$mig"
keys r
if wait_gone "stale" 15; then ok "a good reload clears the stale mark"; else fail "still stale after the folder came back"; fi
expect_re "the queue is read again" "users +002_accounts_name.sql +pending"

# --- 8: the lock of a database that never connected is unknown
keys Tab
expect "Tab selects the database that never connected" " gone │ 1 module │"
expect "its migration lock is unknown, not free" "users │ lock: unknown"
if screen_has "lock: free"; then fail "a database that never connected shows lock: free"; else ok "no lock: free for it"; fi
keys Tab
expect "back on main, whose lock is known" "users │ lock: free │"
quit_and_check_terminal
finish
