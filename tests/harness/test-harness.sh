#!/usr/bin/env bash
# test-harness: the PostgreSQL harness leaves no server and no folder behind
# after a passing run, a failing run, and runs interrupted by INT, TERM and
# HUP; it passes the command's exit status through.
set -u
srcdir=${srcdir:-.}
harness="$srcdir/tests/pg-harness"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

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

# 1. a passing run: the server answers, status 0
"$harness" --quiet -- bash -c 'echo "$PGDBM_HARNESS_DIR" > "$1"; psql -XAtc "select 40 + 2"' _ "$work/dir" >"$work/out" 2>&1
status=$?
[ "$status" = 0 ] || fail "passing run: exit status $status"
grep -qx 42 "$work/out" || fail "passing run: the server did not answer: $(cat "$work/out")"
check_clean "passing run"

# 2. a failing run: the command's status comes back
"$harness" --quiet -- bash -c 'echo "$PGDBM_HARNESS_DIR" > "$1"; exit 3' _ "$work/dir"
status=$?
[ "$status" = 3 ] || fail "failing run: exit status $status, expected 3"
check_clean "failing run"

# 3. a run whose server cannot start reports it and cleans up
"$harness" --quiet --set "shared_buffers=nonsense" -- true >"$work/out" 2>&1
status=$?
[ "$status" = 2 ] || fail "bad setting: exit status $status, expected 2"
grep -q "did not start" "$work/out" || fail "bad setting: no message: $(cat "$work/out")"

# 4. interrupted runs: the harness and the command get a signal mid-run
# (job control on, so the background harness does not start with SIGINT ignored)
for sig in INT TERM HUP; do
	set -m
	# perl resets SIGINT first: a suite started from a non-interactive
	# shell's background job inherits it ignored, and bash cannot trap it then
	perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' \
		"$harness" --quiet -- bash -c 'echo "$PGDBM_HARNESS_DIR" > "$1"; sleep 60' _ "$work/dir" &
	hpid=$!
	set +m
	for _ in $(seq 1 100); do [ -s "$work/dir" ] && break; sleep 0.1; done
	dir=$(cat "$work/dir" 2>/dev/null)
	[ -n "$dir" ] && psql -h "$dir" -U postgres -XAtc 'select 1' postgres >/dev/null 2>&1 ||
		fail "$sig: server not reachable before the signal"
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

# 5. ctl restarts the server inside a run (used by the outage tests)
"$harness" --quiet -- bash -c '
	echo "$PGDBM_HARNESS_DIR" > "$1"
	"$2" ctl stop || exit 10
	psql -XAtc "select 1" >/dev/null 2>&1 && exit 11
	"$2" ctl start || exit 12
	psql -XAtc "select 1" >/dev/null || exit 13
	"$2" ctl kill || exit 14
	"$2" ctl start || exit 15
	psql -XAtc "select 1" >/dev/null || exit 16' _ "$work/dir" "$harness"
status=$?
[ "$status" = 0 ] || fail "ctl: step failed with status $status"
check_clean "ctl run"

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "harness: all checks passed"
