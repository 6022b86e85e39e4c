#!/usr/bin/env bash
# render: how the console draws on different terminals.
#
# NO_COLOR leaves no colour escape on screen; --ascii and a non-UTF-8
# locale draw with ASCII only; 80x24 shows every column that matters
# (the query is not the first column to go) and nothing wraps;
# --exit-after quits by itself (the headless smoke run used under the
# sanitizers); a stale database keeps its data, marked with its age, when
# the server goes away, and comes back live.
. "$(dirname "$0")/lib.sh"

cat >"$tui_dir/profile.yaml" <<YAML
name: rendertest
refresh: 500ms
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 2 }
    apps:
      - { application_name: tui_render_pool, pool_max: 10 }
YAML
helper "$tui_dir/hold.out" hold tui_render_pool 3 2 0
wait_file_line "$tui_dir/hold.out" || fail "the helper did not open its sessions"

non_ascii() {
	screen | LC_ALL=C grep -c '[^[:print:][:space:]]'
}

# 80x24, colours and Unicode
tui_start 80x24 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "80x24: live" "main ● live"
expect_re "80x24: the pool row has every count" "tui_render_pool +5 +2 +3 +0 +0 +10"
expect "80x24: the pool columns fit" "POOL                ▼TOTAL  ACT IDLE  ITX WAIT  MAX USE"
if tmx capture-pane -p -e -t tui | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5;[0-9]+)m'; then
	ok "colours are used by default"
else
	fail "no colour escape without NO_COLOR"
fi
keys 2
expect "80x24: Activity shows the query column" "QUERY"
expect_re "80x24: the query text is on screen" "tui_rende.*active.*pg_sleep\(3600\)"
quit_and_check_terminal
tmx kill-session -t tui

# NO_COLOR
tui_start 80x24 env NO_COLOR=1 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "NO_COLOR: live" "main ● live"
if tmx capture-pane -p -e -t tui | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5;[0-9]+)m'; then
	fail "NO_COLOR: a colour escape is on screen"
else
	ok "NO_COLOR: no colour escape"
fi
quit_and_check_terminal
tmx kill-session -t tui

# --ascii in a UTF-8 locale
tui_start 80x24 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse --ascii
expect "--ascii: live" "main * live"
expect_re "--ascii: the meter is ASCII" "conns \\[[-#!w ]+\\] [0-9]+/"
[ "$(non_ascii)" = 0 ] && ok "--ascii: only ASCII on screen" || fail "--ascii: non-ASCII on screen"
quit_and_check_terminal
tmx kill-session -t tui

# a non-UTF-8 locale falls back to ASCII by itself
TUI_LOCALE=C tui_start 80x24 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "C locale: live" "main * live"
[ "$(non_ascii)" = 0 ] && ok "C locale: only ASCII on screen" || fail "C locale: non-ASCII on screen"
quit_and_check_terminal
tmx kill-session -t tui

# --exit-after
tui_start 80x24 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse --exit-after 2
expect "--exit-after quits by itself with status 0" "exit=0" 15
tmx kill-session -t tui

# an outage: stale data with its age, then live again
if "$srcdir/tests/pg-harness" ctl stop 2>/dev/null || [ -n "${PGDBM_HARNESS_DIR:-}" ]; then
	"$srcdir/tests/pg-harness" ctl start >/dev/null 2>&1
	kill $tui_pids 2>/dev/null
	tui_start 80x24 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
	expect "outage: live first" "main ● live"
	"$srcdir/tests/pg-harness" ctl stop
	expect_re "outage: the data stays, marked stale with its age" "main ● stale [0-9]+"
	expect "outage: the pool table is still there" "POOL"
	"$srcdir/tests/pg-harness" ctl start
	expect "outage: live again after the server is back" "main ● live" 30
	quit_and_check_terminal
else
	ok "outage: skipped (no harness control)"
fi
finish
