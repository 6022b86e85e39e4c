#!/usr/bin/env bash
# privileges: the console with least privilege.
#
# A role with only pg_monitor sees everything the views need: no hint,
# other roles' sessions counted with their states. A plain role without
# it still gets both views (counts, its own sessions) and a one-line hint
# instead of a failure. The profile files are left as they were.
. "$(dirname "$0")/lib.sh"

psql -X -q <<'SQL' || { echo "cannot create the roles"; exit 1; }
CREATE ROLE tui_monitor LOGIN;
GRANT pg_monitor TO tui_monitor;
CREATE ROLE tui_plain LOGIN;
SQL

for who in monitor plain; do
	cat >"$tui_dir/$who.yaml" <<YAML
name: priv-$who
refresh: 500ms
databases:
  main:
    conninfo: "user=tui_$who"
    pool: { min: 1, max: 2 }
YAML
done
sums_before=$(cat "$tui_dir"/*.yaml | cksum)

helper "$tui_dir/hold.out" hold tui_other_pool 2 1 1
wait_file_line "$tui_dir/hold.out" || fail "the helper did not open its sessions"

tui_start 120x30 "$PGDBM_CONSOLE" --profile "$tui_dir/monitor.yaml" --no-mouse
expect "pg_monitor: main is live" "main ● live"
expect_re "pg_monitor: other roles' sessions are counted by state" "tui_other_pool +4 +1 +2 +1 +0"
if screen | grep -q "hint:"; then fail "pg_monitor: a hint is shown"; else ok "pg_monitor: no hint"; fi
keys 2
expect "pg_monitor: other roles' queries are visible" "pg_sleep(3600)"
quit_and_check_terminal
tmx kill-session -t tui

tui_start 120x30 "$PGDBM_CONSOLE" --profile "$tui_dir/plain.yaml" --no-mouse
expect "plain role: main is live" "main ● live"
expect "plain role: a one-line hint instead of a failure" "hint: this role cannot see other roles' states and queries"
expect_re "plain role: the connections meter still counts every backend" "conns .*\] ([5-9]|[1-9][0-9])/[0-9]+ "
keys 2
expect "plain role: the Activity view shows the hint too" "hint: this role cannot see"
expect " plain role: the Activity view works" " main │ live │ "
quit_and_check_terminal

[ "$(cat "$tui_dir"/*.yaml | cksum)" = "$sums_before" ] && ok "the profiles were not rewritten" ||
	fail "a profile changed"
finish
