#!/usr/bin/env bash
# screens.sh: the README's screen captures, taken from the demo.
#
#   scripts/screens.sh --update   capture every view and rewrite the README's
#                                 capture blocks with them
#   scripts/screens.sh --check    capture every view and compare it with the
#                                 README's block (make check runs this)
#
# Runs scripts/demo.sh --no-build (its own throwaway cluster and load) in a
# detached tmux of 100x30, waits for live data, then presses each view's
# key (the list below) and captures the screen. In the README each view has
# a block between "<!-- screen: NAME -->" and "<!-- /screen -->".
#
# Live data differs from run to run (pids, times, counts), so --check
# compares each view's frame: the tab bar, the table headings and the key
# bar, with digits masked. A view added, renamed or re-laid out without a
# fresh capture fails the check; --update fixes it.
#
# Environment: PGDBM_CONSOLE (the binary; default _build/demo/pgdbm-console),
# README (default README.md of the source tree).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
case $mode in
--update | --check) ;;
*)
	echo "usage: scripts/screens.sh --update | --check" >&2
	exit 2
	;;
esac
console=${PGDBM_CONSOLE:-$src/_build/demo/pgdbm-console}
readme=${README:-$src/README.md}
[ -x "$console" ] || { echo "screens.sh: no console at $console (set PGDBM_CONSOLE)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "screens.sh: tmux is missing" >&2; exit 77; }
command -v pgbench >/dev/null || { echo "screens.sh: pgbench is missing" >&2; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pgdbm-screens.XXXXXX")
chmod 0755 "$work"
mkdir "$work/t"
chmod 0755 "$work/t"
sock=$work/tmux.sock
tmx() { tmux -S "$sock" -f /dev/null "$@"; }
cleanup() {
	tmx send-keys -t screens q >/dev/null 2>&1 || true
	# the demo removes its cluster when the console quits
	for _ in $(seq 1 100); do
		[ -z "$(ls -A "$work/t" 2>/dev/null)" ] && break
		sleep 0.1
	done
	tmx kill-server >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

screen() { tmx capture-pane -p -t screens; }
wait_for() {
	local i
	for i in $(seq 1 "$((${2:-30} * 10))"); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "screens.sh: \"$1\" never showed; the screen:" >&2
	screen >&2
	return 1
}

tmx new-session -d -s screens -x 100 -y 30 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TMPDIR=$work/t PGDBM_CONSOLE=$console $src/scripts/demo.sh --no-build"
wait_for "demo ● live" 90
wait_for "waiting for a lock" 30
wait_for "idle in transaction for" 30 # the alert shows after 10 s
sleep 2 # a few more refreshes for the sparklines

# the views: key, name (the README block), text that says the view is ready
views="0|Fleet|conns │
1|Pools|POOL
2|Activity|sessions
3|Schemas|
4|Tenants|
5|Migrations|
6|Wizard|Question
A|Advisor|done at"

# the frame of a capture: tab bar, table headings, key bar; digits masked
frame() {
	sed -e 's/▼//g' -e 's/▲//g' | awk 'NR == 1 { print; next }
	     { last = $0 }
	     {
		n = split($0, w, /[ \t]+/); k = 0; ok = 1
		for (i = 1; i <= n; i++) {
			if (w[i] == "") continue
			k++
			if (w[i] !~ /^[A-Z][A-Z0-9_%\/]*$/) { ok = 0; break }
		}
		if (ok && k >= 3) print
	     }
	     END { print last }' | sed -E 's/[0-9]/#/g; s/[[:space:]]+/ /g; s/ $//'
}

declare -A shot
while IFS='|' read -r key name ready; do
	tmx send-keys -t screens "$key"
	sleep 1.5
	[ -z "$ready" ] || wait_for "$ready" 30
	# trailing blanks cut, runs of empty rows shown as one
	shot[$name]=$(screen | sed -e 's/[[:space:]]*$//' | cat -s)
	# the advisor is a panel: back to the view it came from
	[ "$key" = A ] && tmx send-keys -t screens Escape
done <<<"$views"

# the README's block of a view
block() {
	awk -v name="$1" '
		$0 == "<!-- screen: " name " -->" { on = 1; next }
		on && $0 == "<!-- /screen -->" { exit }
		on && !/^```/ { print }
	' "$readme"
}

status=0
if [ "$mode" = --check ]; then
	while IFS='|' read -r key name _; do
		want=$(block "$name" | frame)
		got=$(printf '%s\n' "${shot[$name]}" | frame)
		if [ -z "$(block "$name")" ]; then
			echo "screens.sh: the README has no capture of the $name view (key $key)" >&2
			status=1
		elif [ "$want" != "$got" ]; then
			echo "screens.sh: the README's capture of the $name view is out of date:" >&2
			diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
			status=1
		else
			echo "ok: $name"
		fi
	done <<<"$views"
	[ "$status" = 0 ] || echo "screens.sh: run scripts/screens.sh --update and commit README.md" >&2
	exit "$status"
fi

# --update: replace each block's content (the block must exist)
cp "$readme" "$work/readme"
while IFS='|' read -r key name _; do
	if ! grep -qxF "<!-- screen: $name -->" "$work/readme"; then
		echo "screens.sh: add a block for the $name view to the README:" >&2
		printf '  <!-- screen: %s -->\n  <!-- /screen -->\n' "$name" >&2
		status=1
		continue
	fi
	printf '%s\n' "${shot[$name]}" >"$work/shot"
	awk -v name="$name" -v shot="$work/shot" '
		$0 == "<!-- screen: " name " -->" {
			print; print "```"
			while ((getline line < shot) > 0) print line
			print "```"; skip = 1; next
		}
		skip && $0 == "<!-- /screen -->" { skip = 0 }
		!skip { print }
	' "$work/readme" >"$work/readme.new"
	mv "$work/readme.new" "$work/readme"
	echo "captured: $name"
done <<<"$views"
cp "$work/readme" "$readme"
exit "$status"
