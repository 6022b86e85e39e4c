#!/usr/bin/env bash
# test-bouncer-harness: the PgBouncer harness leaves no PgBouncer and no
# folder behind after a passing run, a failing run and runs interrupted by
# INT, TERM and HUP; it passes the command's exit status through; `ctl`
# stops and starts PgBouncer inside a run. PgBouncer starts without its
# server, so no PostgreSQL is needed here. Skipped without PgBouncer.
set -u
srcdir=${srcdir:-.}
harness="$srcdir/tests/bouncer-harness"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

"$harness" --quiet -- true >"$work/out" 2>&1
if [ $? = 77 ]; then
	cat "$work/out"
	exit 77
fi

# The folder a run used must be gone and no process may mention it.
check_clean() {
	local what=$1 dir
	dir=$(cat "$work/dir" 2>/dev/null)
	if [ -z "$dir" ]; then
		fail "$what: the command never ran"
		return
	fi
	for _ in $(seq 1 50); do
		[ -e "$dir" ] || break
		sleep 0.1
	done
	[ -e "$dir" ] && fail "$what: $dir was left behind"
	if pgrep -f "$dir" >/dev/null; then
		fail "$what: processes left: $(pgrep -af "$dir" | tr '\n' ';')"
	fi
	rm -f "$work/dir"
}

# 1. a passing run: the admin console answers as both users, status 0
"$harness" --quiet -- bash -c '
	echo "$PGDBM_BOUNCER_DIR" > "$1"
	psql "$PGDBM_BOUNCER_ADMIN" -XAtc "SHOW VERSION" &&
	psql "$PGDBM_BOUNCER_STATS" -XAtc "SHOW POOLS" >/dev/null' _ "$work/dir" >"$work/out" 2>&1
status=$?
[ "$status" = 0 ] || fail "passing run: exit status $status: $(cat "$work/out")"
grep -q "^PgBouncer " "$work/out" || fail "passing run: PgBouncer did not answer: $(cat "$work/out")"
check_clean "passing run"

# 2. a failing run: the command's status comes back
"$harness" --quiet -- bash -c 'echo "$PGDBM_BOUNCER_DIR" > "$1"; exit 3' _ "$work/dir"
status=$?
[ "$status" = 3 ] || fail "failing run: exit status $status, expected 3"
check_clean "failing run"

# 3. bad options are usage errors
"$harness" --quiet --pool-mode nonsense -- true >/dev/null 2>&1
[ $? = 2 ] || fail "bad --pool-mode: expected exit status 2"

# 4. interrupted runs
for sig in INT TERM HUP; do
	set -m
	# perl resets SIGINT first: a suite started from a non-interactive
	# shell's background job inherits it ignored, and bash cannot trap it then
	perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' \
		"$harness" --quiet -- bash -c 'echo "$PGDBM_BOUNCER_DIR" > "$1"; sleep 60' _ "$work/dir" &
	hpid=$!
	set +m
	for _ in $(seq 1 100); do [ -s "$work/dir" ] && break; sleep 0.1; done
	pgrep -f "$(cat "$work/dir" 2>/dev/null)/pgbouncer.ini" >/dev/null ||
		fail "$sig: PgBouncer not running before the signal"
	kill -"$sig" "$hpid"
	wait "$hpid"
	status=$?
	case $sig in
	INT) want=130 ;;
	TERM) want=143 ;;
	HUP) want=129 ;;
	esac
	[ "$status" = "$want" ] || fail "$sig: exit status $status, expected $want"
	check_clean "interrupted by $sig"
done

# 5. ctl stops and starts PgBouncer on the same port inside a run
"$harness" --quiet -- bash -c '
	echo "$PGDBM_BOUNCER_DIR" > "$1"
	psql "$PGDBM_BOUNCER_ADMIN" -XAtc "SHOW VERSION" >/dev/null || exit 10
	"$2" ctl stop || exit 11
	psql "$PGDBM_BOUNCER_ADMIN" -XAtc "SHOW VERSION" >/dev/null 2>&1 && exit 12
	"$2" ctl start || exit 13
	psql "$PGDBM_BOUNCER_ADMIN" -XAtc "SHOW VERSION" >/dev/null || exit 14' _ "$work/dir" "$harness"
status=$?
[ "$status" = 0 ] || fail "ctl: step failed with status $status"
check_clean "ctl run"

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "bouncer harness: all checks passed"
