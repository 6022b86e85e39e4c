#!/usr/bin/env bash
# test-bouncer-pools: `pgdbm-console pools` of the real binary ($PGDBM_CONSOLE)
# against the harness's server and a real PgBouncer in front of it
# (tests/bouncer-harness: pool_size 2, session mode).
#
# Idle: exit 0, the server side and PgBouncer both live, no alarm. With five
# clients through PgBouncer waiting on an advisory lock that a direct
# session holds until the checks are done (not a fixed sleep, which a
# loaded machine can outlast): exit 1, the pool shows 2
# active, 3 waiting, 2 of 2 servers active (100 %), saturated, with the
# alarm, in --json and in text. After the clients finish: exit 0 and no
# alarm. An unreachable PgBouncer or server: exit 1 and the error. Several
# databases, and --database; two profiles (--profile twice). Usage errors: 2.
set -u
bin=${PGDBM_CONSOLE:-./pgdbm-console}
work=$(mktemp -d)
clients=()
holder=
lock=424242
cleanup() {
	local p
	release_lock
	for p in "${clients[@]+"${clients[@]}"}" $holder; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
failures=0

fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

# The direct session holding the lock ends: the clients go through at once.
release_lock() {
	[ -n "$holder" ] || return 0
	psql -XAtq -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'pgdbm-bouncer-holder'" >/dev/null 2>&1
	wait "$holder" 2>/dev/null
	holder=
}

if ! command -v jq >/dev/null; then
	echo "jq is not installed: skipped"
	exit 77
fi
[ -n "${PGDBM_BOUNCER_STATS:-}" ] || { echo "no PgBouncer from tests/bouncer-harness: skipped"; exit 77; }

db=${PGDATABASE:-postgres}
user=${PGUSER:-postgres}
pool="$db/$user"

cat >"$work/profile.yaml" <<EOF
name: bouncer-test
databases:
  main:
    conninfo: ""
    application_name: pgdbm-console-test
    pgbouncer: "$PGDBM_BOUNCER_STATS"
EOF
sed "s/port=$PGDBM_BOUNCER_PORT/port=$((PGDBM_BOUNCER_PORT + 1))/" "$work/profile.yaml" \
	>"$work/unreachable.yaml"

# run STATUS WHAT COMMAND...: run it, keep stdout and stderr, check the status
run() {
	local want=$1 what=$2 got
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	got=$?
	[ "$got" = "$want" ] ||
		fail "$what: exit status $got, expected $want; stderr: $(cat "$work/err"); stdout: $(head -c 2000 "$work/out")"
}

# jq_is WHAT FILTER EXPECTED: the JSON in $work/out says EXPECTED for FILTER
jq_is() {
	local what=$1 filter=$2 want=$3 got
	got=$(jq -c "$filter" "$work/out" 2>&1)
	[ "$got" = "$want" ] || fail "$what: $filter is $got, expected $want"
}

sel=".databases[0].pgbouncer.pools[] | select(.database == \"$db\" and .user == \"$user\")"

# 1. idle: everything read, nothing wrong
run 0 "idle pools --json" "$bin" pools --profile "$work/profile.yaml" --json
jq_is "idle" .ok true
jq_is "idle" '.databases[0].label' '"main"'
jq_is "idle" '.databases[0].server.status' '"live"'
jq_is "idle" '.databases[0].pgbouncer.status' '"live"'
jq_is "idle" '.databases[0].pgbouncer.alarms | length' 0
jq_is "idle" ".databases[0].pgbouncer.databases[] | select(.name == \"$db\") | .pool_size" 2
jq_is "idle" '.databases[0].pgbouncer.conninfo | contains("pgdbm_stats")' true

# 2. five clients, pool size 2: two served, three waiting, saturated
PGAPPNAME=pgdbm-bouncer-holder psql -XAtq -c "SELECT pg_advisory_lock($lock)" \
	-c 'SELECT pg_sleep(600)' >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 100); do
	[ "$(psql -XAtq -c "SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND objid = $lock AND granted")" = 1 ] && break
	sleep 0.1
done
for _ in 1 2 3 4 5; do
	psql -XAtq "$PGDBM_BOUNCER_DSN" -c "SELECT pg_advisory_lock_shared($lock)" \
		>/dev/null 2>&1 &
	clients+=($!)
done
saturated=no
for _ in $(seq 1 150); do
	"$bin" pools --profile "$work/profile.yaml" --json >"$work/out" 2>"$work/err"
	status=$?
	if [ "$(jq -c "$sel | .cl_waiting" "$work/out" 2>/dev/null)" = 3 ]; then
		saturated=yes
		break
	fi
	sleep 0.1
done
if [ "$saturated" = yes ]; then
	[ "$status" = 1 ] || fail "saturated: exit status $status, expected 1"
	jq_is "saturated" .ok false
	jq_is "saturated" "$sel | .cl_active" 2
	jq_is "saturated" "$sel | .cl_waiting" 3
	jq_is "saturated" "$sel | .sv_active" 2
	jq_is "saturated" "$sel | .pool_size" 2
	jq_is "saturated" "$sel | .utilisation_percent" 100
	jq_is "saturated" "$sel | .pool_mode" '"session"'
	jq_is "saturated" "$sel | .saturated" true
	jq_is "saturated" "$sel | .maxwait_us > 0" true
	jq_is "saturated" '.databases[0].pgbouncer.alarms | length' 1
	jq_is "saturated" '.databases[0].pgbouncer.alarms[0].kind' '"saturated"'
	jq_is "saturated" '.databases[0].pgbouncer.alarms[0].text | contains("3 clients waiting")' true
	grep -q "alarm: pool $pool saturated" "$work/err" ||
		fail "saturated: no alarm on standard error: $(cat "$work/err")"
	# the same in text
	run 1 "saturated text" "$bin" pools --profile "$work/profile.yaml"
	grep -Eq "^    $pool +session +2 +3 +2 +0 +0 +2 +100% .*SATURATED\$" "$work/out" ||
		fail "saturated text: no saturated pool row: $(cat "$work/out")"
	grep -q "ALARM pool $pool saturated: 3 clients waiting" "$work/out" ||
		fail "saturated text: no ALARM line: $(cat "$work/out")"
else
	fail "the pool never showed 3 waiting clients: $(cat "$work/out")"
fi

# 3. the clients finish: the alarm clears
release_lock
for p in "${clients[@]}"; do wait "$p"; done
clients=()
run 0 "after pools --json" "$bin" pools --profile "$work/profile.yaml" --json
jq_is "after" .ok true
jq_is "after" "$sel | .cl_waiting" 0
jq_is "after" "$sel | .sv_active" 0
jq_is "after" "$sel | .saturated" false
jq_is "after" '.databases[0].pgbouncer.alarms | length' 0
jq_is "after" ".databases[0].pgbouncer.databases[] | select(.name == \"$db\") | .stats.total_xact_count >= 5" true
run 0 "after text" "$bin" pools --profile "$work/profile.yaml"
grep -q "^main\$" "$work/out" || fail "after text: no database heading: $(cat "$work/out")"
grep -q "pgbouncer (.*pgdbm_stats.*): live" "$work/out" || fail "after text: PgBouncer not live: $(cat "$work/out")"
grep -q SATURATED "$work/out" && fail "after text: still saturated: $(cat "$work/out")"

# 4. an unreachable PgBouncer: exit 1, with the reason; the server side still shown
run 1 "unreachable" "$bin" pools --profile "$work/unreachable.yaml" --json
jq_is "unreachable" '.databases[0].pgbouncer.status' '"unreachable"'
jq_is "unreachable" '.databases[0].pgbouncer.error | contains("cannot connect")' true
jq_is "unreachable" '.databases[0].server.status' '"live"'
run 1 "unreachable text" "$bin" pools --profile "$work/unreachable.yaml"
grep -q "pgbouncer (.*): unreachable: " "$work/out" || fail "unreachable text: $(cat "$work/out")"

# 5. several databases: every one by default, one with --database; a
# database without pgbouncer has none, and an unreachable server fails
cat >"$work/three.yaml" <<EOF
name: three
databases:
  main:
    conninfo: ""
    pgbouncer: "$PGDBM_BOUNCER_STATS"
  plain:
    conninfo: ""
  down:
    conninfo: "host=127.0.0.1 port=$((PGDBM_BOUNCER_PORT + 1))"
    connect_timeout: 2s
EOF
run 1 "three databases" "$bin" pools --profile "$work/three.yaml" --json
jq_is "three databases" '[.databases[].label]' '["main","plain","down"]'
jq_is "three databases" '[.databases[].ok]' '[true,true,false]'
jq_is "three databases" '.databases[1].pgbouncer' null
jq_is "three databases" '.databases[2].server.status' '"unreachable"'
jq_is "three databases" '.databases[2].server.error != null' true
run 0 "--database plain" "$bin" pools --profile "$work/three.yaml" --database plain --json
jq_is "--database plain" '[.databases[].label]' '["plain"]'
run 1 "--database down" "$bin" pools --profile "$work/three.yaml" --database down
grep -q "server: unreachable: " "$work/out" || fail "--database down text: $(cat "$work/out")"

# 5b. --profile twice: every database of both, shared labels as profile/label
run 1 "two profiles" "$bin" pools --profile "$work/three.yaml" --profile "$work/profile.yaml" --json
jq_is "two profiles" '[.databases[].label]' '["three/main","plain","down","bouncer-test/main"]'
jq_is "two profiles" '.databases[3].pgbouncer.status' '"live"'
run 0 "two profiles, --database bouncer-test/main" "$bin" pools --profile "$work/three.yaml" \
	--profile "$work/profile.yaml" --database bouncer-test/main --json
jq_is "two profiles, --database" '[.databases[].label]' '["bouncer-test/main"]'

# 6. usage and profile errors
run 2 "unknown database" "$bin" pools --profile "$work/profile.yaml" --database nosuch
grep -q 'no database "nosuch"' "$work/err" || fail "unknown database: $(cat "$work/err")"
run 2 "extra argument" "$bin" pools --profile "$work/profile.yaml" extra
run 2 "missing profile" "$bin" pools --profile "$work/nosuch.yaml"
run 0 "help" "$bin" pools --help
grep -q "usage: pgdbm-console pools" "$work/out" || fail "help: $(cat "$work/out")"

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "pools: all checks passed"
