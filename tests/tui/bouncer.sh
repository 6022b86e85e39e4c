#!/usr/bin/env bash
# bouncer: the Pools view's PgBouncer block, with a real PgBouncer
# (tests/bouncer-harness: pool_size 2, session mode) in front of the
# harness server.
#
# Idle: the block is live and PgBouncer has no pool yet. Five clients running
# pg_sleep through PgBouncer: the pool shows 2 active, 3 waiting, 2 of 2
# servers active (100 %), the saturation alarm (on screen, in the Fleet
# view, and in the message log). After the clients finish the alarm clears
# (on screen and in the log). PgBouncer stopped: the block turns stale
# while the server's block stays live; started again: live.
. "$(dirname "$0")/lib.sh"

[ -n "${PGDBM_BOUNCER_STATS:-}" ] || { echo "no PgBouncer from tests/bouncer-harness: skipped"; exit 77; }

pool="${PGDATABASE:-postgres}/${PGUSER:-postgres}"
cat >"$tui_dir/profile.yaml" <<YAML
name: bouncertest
refresh: 500ms
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 2 }
    pgbouncer: "$PGDBM_BOUNCER_STATS"
YAML

tui_start 100x30 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main ● live"
expect "the PgBouncer block is live" "pgbouncer ● live"
# no client has come through yet: PgBouncer has no pool for it
expect "PgBouncer's pool list is empty before any client" "no pools in this PgBouncer yet"
if screen | grep -q "saturated"; then fail "saturated while idle"; else ok "no alarm while idle"; fi

# five clients, pool_size 2: two served, three waiting
for i in 1 2 3 4 5; do
	psql_bg "bouncer_client_$i" "$PGDBM_BOUNCER_DSN" -c 'SELECT pg_sleep(4)'
done
expect_re "2 active, 3 waiting, 2 of 2 servers: 100%" \
	"^$pool +session +2 +3 +2 +0 +0 +[0-9.]+m?s +2 .*100%"
expect "the saturation alarm is on screen" "pool $pool saturated: 3 clients waiting"
expect "the block's header counts the alarm" "▲ 1 alarm"
keys 0
expect_re "the Fleet view shows PgBouncer saturated and 3 waiting" "^main +live .* 3 .* SAT "
expect "the Fleet summary counts it" "1 PgBouncer saturated"
keys L
expect "the alarm is in the message log" "alarm: pool $pool saturated"
keys Escape 1

# the clients finish (about 12 s: three rounds of two): the alarm clears
expect_re "the pool is idle again" "^$pool +session +0 +0 +0 " 25
if wait_gone "saturated: " 5; then ok "the alarm is gone from the screen"; else fail "the alarm stayed"; fi
keys L
expect "the log says it cleared" "cleared: pool $pool is no longer saturated"
keys Escape

# PgBouncer goes away: its block turns stale, the server's stays live
"$srcdir/tests/bouncer-harness" ctl stop
expect "PgBouncer stopped: the block is stale" "pgbouncer ▲ stale"
if screen | grep -q "main ● live"; then ok "the server's block stays live"; else fail "the server's block lost its state"; fi
"$srcdir/tests/bouncer-harness" ctl start
expect "PgBouncer back: live again" "pgbouncer ● live" 15
quit_and_check_terminal
finish
