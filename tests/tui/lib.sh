# lib.sh: shared by the console tests in tests/tui (sourced, not run).
#
# Each test runs the real pgdbm-console inside a detached tmux server of
# its own (a private socket in a temporary folder), types with send-keys
# and reads the screen with capture-pane. Waits poll the screen until a
# text shows up, with a deadline, instead of sleeping fixed times. The
# trap kills the tmux server and every helper the test started, whatever
# happens.
#
# Environment (from Makefile.am's AM_TESTS_ENVIRONMENT and the harness):
#   PGDBM_CONSOLE  the binary      TMUX_BIN  tmux      TUI_HELPER  tests/tui/tui_helper
#   PGHOST, PGPORT, PGUSER, PGDATABASE: the harness server
set -u

: "${PGDBM_CONSOLE:?PGDBM_CONSOLE must name the pgdbm-console binary}"
srcdir=${srcdir:-.}
TMUX_BIN=${TMUX_BIN:-tmux}
[ -n "$TMUX_BIN" ] || TMUX_BIN=tmux
if ! command -v "$TMUX_BIN" >/dev/null 2>&1; then
	echo "tmux not found: skipped"
	exit 77
fi
TUI_HELPER=${TUI_HELPER:-$(dirname "$PGDBM_CONSOLE")/tests/tui/tui_helper}

tui_dir=$(mktemp -d "${TMPDIR:-/tmp}/pgdbm-tui.XXXXXX")
tui_pids=""
tui_failures=0
TUI_LOCALE=C.UTF-8

tui_cleanup() {
	"$TMUX_BIN" -S "$tui_dir/tmux.sock" kill-server >/dev/null 2>&1
	for p in $tui_pids; do kill "$p" 2>/dev/null; done
	for p in $tui_pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tui_dir"
}
trap tui_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tmx() {
	"$TMUX_BIN" -S "$tui_dir/tmux.sock" -f /dev/null "$@"
}

# Milliseconds of the wall clock.
now_ms() {
	date +%s%3N
}

# The screen as text.
screen() {
	tmx capture-pane -p -t tui 2>/dev/null
}

fail() {
	printf 'FAIL: %s\n' "$*"
	printf -- '--- screen ---\n'
	screen
	printf -- '--------------\n'
	tui_failures=$((tui_failures + 1))
}

ok() {
	printf 'ok: %s\n' "$*"
}

# Start a command in the detached tmux session "tui" of WIDTHxHEIGHT.
# The pane keeps the shell after the command ends (to read its exit status).
tui_start() {
	local size=$1
	shift
	local w=${size%x*} h=${size#*x}
	local cmd
	cmd=$(printf '%q ' "$@")
	# a server whose last session was just killed is exiting: a client that
	# reaches it then fails ("server exited unexpectedly"); wait until it is
	# gone, and try again if the start still races with it
	local try
	tmx kill-server >/dev/null 2>&1
	for try in $(seq 1 40); do
		tmx list-sessions >/dev/null 2>&1 || break
		sleep 0.05
	done
	for try in 1 2 3 4 5; do
		tmx new-session -d -s tui -x "$w" -y "$h" \
			"env LANG=$TUI_LOCALE LC_ALL=$TUI_LOCALE $cmd; echo \"exit=\$?\"; stty -a; sleep 600" &&
			return 0
		sleep 0.2
	done
	echo "tmux would not start a session" >&2
	return 1
}

# wait_until TIMEOUT COMMAND...: run COMMAND every 50 ms until it succeeds
# (0) or TIMEOUT seconds have passed (1). Every wait below is one of these.
wait_until() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

screen_has() { screen | grep -qF -- "$1"; }
screen_matches() { screen | grep -qE -- "$1"; }
screen_lacks() { ! screen | grep -qF -- "$1"; }
screen_unmatched() { ! screen | grep -qE -- "$1"; }

# Wait until the screen shows TEXT (fixed string); TIMEOUT in seconds (10).
wait_for() { wait_until "${2:-10}" screen_has "$1"; }

# Wait until the screen matches an extended regular expression.
wait_re() { wait_until "${2:-10}" screen_matches "$1"; }

# The key bar: the last line of the screen.
keybar() { screen | tail -n 1; }
keybar_has() { keybar | grep -qF -- "$1"; }
keybar_lacks() { ! keybar | grep -qF -- "$1"; }

# Wait until TEXT is gone from the screen.
wait_gone() { wait_until "${2:-10}" screen_lacks "$1"; }

# Wait until no line of the screen matches an extended regular expression.
wait_re_gone() { wait_until "${2:-10}" screen_unmatched "$1"; }

expect() {
	local what=$1 text=$2 timeout=${3:-10}
	if wait_for "$text" "$timeout"; then ok "$what"; else fail "$what: no \"$text\" on screen"; fi
}

expect_re() {
	local what=$1 re=$2 timeout=${3:-10}
	if wait_re "$re" "$timeout"; then ok "$what"; else fail "$what: nothing matches /$re/"; fi
}

keys() {
	tmx send-keys -t tui "$@"
}

resize() {
	tmx resize-window -t tui -x "$1" -y "$2"
}

# Start the helper in the background: helper OUTFILE ARGS...; remembers its pid.
helper() {
	local out=$1
	shift
	"$TUI_HELPER" "$@" >"$out" 2>&1 &
	tui_pids="$tui_pids $!"
}

# Wait until FILE has a line (the helper's "ready" or port).
wait_file_line() { wait_until "${2:-30}" test -s "$1"; }

# A run of psql in the background (locks and sessions for a scenario).
psql_bg() {
	local app=$1
	shift
	PGAPPNAME=$app psql -X -q "$@" >/dev/null 2>&1 &
	tui_pids="$tui_pids $!"
}

# Wait until a query over the server returns "t".
sql_true() { [ "$(psql -X -Atqc "$1" 2>/dev/null)" = t ]; }
wait_sql() { wait_until "${2:-10}" sql_true "$1"; }

# Quit with q and check the terminal came back: exit status 0, canonical
# mode and echo on again, the alternate screen left.
quit_and_check_terminal() {
	keys q
	if wait_for "exit=0" 10; then ok "q quits with status 0"; else fail "q did not quit with status 0"; fi
	if screen | grep -qE '(^| )-icanon|(^| )-echo( |$)'; then
		fail "the terminal was left without icanon or echo"
	else
		ok "the terminal is back in canonical mode with echo"
	fi
	if [ "$(tmx display-message -p -t tui '#{alternate_on}')" = 0 ]; then
		ok "the alternate screen was left"
	else
		fail "still on the alternate screen"
	fi
}

finish() {
	if [ "$tui_failures" -gt 0 ]; then
		echo "$tui_failures check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
