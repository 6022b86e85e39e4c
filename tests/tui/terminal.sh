#!/usr/bin/env bash
# terminal: terminals the console cannot draw on, in tmux.
#
# TERM=dumb (a terminal that cannot move the cursor), a TERM that terminfo
# does not know and an empty TERM: the console says so and exits 2, at
# once, without taking the screen. A TERM carrying escape sequences is
# quoted made safe. A terminal that can move the cursor still starts.
. "$(dirname "$0")/lib.sh"

cat >"$tui_dir/profile.yaml" <<YAML
databases:
  main:
    conninfo: "host=127.0.0.1 port=1 dbname=nowhere"
YAML

# refused TERM SCREEN-TEXT WHAT
refused() {
	local term=$1 text=$2 what=$3
	tui_start 80x24 env "TERM=$term" "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" \
		--no-mouse --exit-after 5
	if wait_re "^exit=[0-9]" 10; then
		if screen | grep -q "^exit=2$"; then ok "$what: exit status 2"; else fail "$what: $(screen | grep '^exit=')"; fi
	else
		fail "$what: the console did not end"
	fi
	if screen | grep -qF -- "$text"; then ok "$what: says why"; else fail "$what: no \"$text\""; fi
	if screen | grep -q "Quit"; then fail "$what: the console drew its screen"; else ok "$what: nothing drawn"; fi
	tmx kill-session -t tui
}

refused dumb "pgdbm-console: TERM=dumb: this terminal cannot move the cursor" "TERM=dumb"
refused no-such-terminal "pgdbm-console: TERM=no-such-terminal: unknown terminal type" \
	"an unknown TERM"
refused "" "pgdbm-console: TERM is not set" "an empty TERM"
refused $'evil\e]0;title\a' "TERM=evil?]0;title?: unknown terminal type" "a TERM with escapes"

# a terminal that can move the cursor starts as before
tui_start 80x24 env TERM=xterm "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse \
	--exit-after 3
expect "TERM=xterm: the console starts" "q Quit"
expect "TERM=xterm: and ends with status 0" "exit=0" 15
tmx kill-session -t tui
finish
