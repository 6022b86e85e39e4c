#!/usr/bin/env bash
# pools: the Pools view counts 30 new sessions of one application within
# two refreshes, split by state, against the pool max the profile declares,
# and raises the "at its max" alert (highlighted on screen, and logged).
. "$(dirname "$0")/lib.sh"

refresh_ms=1000
cat >"$tui_dir/profile.yaml" <<YAML
name: poolstest
refresh: 1s
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 2 }
    apps:
      - { application_name: tui_thirty_pool, pool_max: 30 }
YAML

tui_start 100x30 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main ● live"
expect_re "the declared pool is listed before it has sessions" "tui_thirty_pool +0 +0 +0 +0 +0 +30"

# 20 idle, 8 active, 2 idle in transaction
helper "$tui_dir/hold.out" hold tui_thirty_pool 20 8 2
wait_file_line "$tui_dir/hold.out" 60 || fail "the helper did not open its 30 sessions"
connected=$(now_ms)
if wait_re "tui_thirty_pool +30 +8 +20 +2 +0 +30" 10; then
	seen=$(now_ms)
	took=$((seen - connected))
	if [ "$took" -le $((2 * refresh_ms + 500)) ]; then
		ok "30 sessions counted ${took} ms after they were all connected (within two refreshes)"
	else
		fail "30 sessions counted only after ${took} ms (more than two refreshes)"
	fi
else
	fail "the pools view never counted the 30 sessions"
fi
expect "the pool at its max raises an alert" "pool tui_thirty_pool is at its max (30 of 30)"
expect "the pool shows 100% of its max" "100%"

keys L
expect "the alert is in the message log" "alert: pool tui_thirty_pool is at its max"
keys Escape

# Enter on the pool opens its sessions in the Activity view
keys Home Enter
expect "Enter opens the pool's sessions in Activity" "filter \"tui_thirty_pool\""
expect "30 of the sessions match" "30 of "
quit_and_check_terminal
finish
