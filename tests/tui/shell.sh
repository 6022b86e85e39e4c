#!/usr/bin/env bash
# shell: the console's screen manager end to end, in tmux, against the
# harness server.
#
# A profile of three databases: `main` (the harness server), `down`
# (connection refused) and `hung` (a listener that accepts and never
# answers). The screen shows all three; main updates (a new application
# pool appears) while the others show their state; number keys switch
# views (1-6); Tab selects another database;
# the window is resized to 60x15, 200x60 and below the minimum; the help
# screen lists every binding of --list-keys; q restores the terminal.
. "$(dirname "$0")/lib.sh"

helper "$tui_dir/listen.out" listen
wait_file_line "$tui_dir/listen.out" || { echo "the hung listener did not start"; exit 1; }
hung_port=$(head -n 1 "$tui_dir/listen.out")

cat >"$tui_dir/profile.yaml" <<YAML
name: shelltest
refresh: 500ms
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 3 }
  down:
    conninfo: "host=127.0.0.1 port=1 dbname=nowhere"
    pool: { min: 1, max: 2 }
  hung:
    conninfo: "host=127.0.0.1 port=$hung_port dbname=nowhere"
    connect_timeout: 2s
    pool: { min: 1, max: 2 }
YAML
sum_before=$(cksum <"$tui_dir/profile.yaml")

tui_start 120x40 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
# several databases: the console opens on the Fleet view
expect_re "it opens on the Fleet view, down is unreachable" "^down +unreachable "
keys 1
expect "main is live" "main ● live"
expect "down shows it is retrying" "down ○ retrying in"
expect_re "hung shows it is connecting or retrying" "hung ○ (connecting|retrying in)"
expect "the header names the profile and the databases" "shelltest │ main● down○ hung○"

# main keeps updating while the others are down
helper "$tui_dir/hold.out" hold tui_shell_pool 2 1 0
wait_file_line "$tui_dir/hold.out" || fail "the helper did not open its sessions"
expect_re "main shows a new pool while the others are down" "tui_shell_pool +3 +1 +2"
if screen | grep -q "down ○ retrying in"; then ok "down still shows retrying meanwhile"; else fail "down lost its state"; fi

# views
keys 2
expect "2 shows the Activity view" " main │ live │ "
expect "Activity lists the new sessions" "tui_shell_pool"
keys 3
expect "3 shows the Schemas view" "schemas: 0 module"
keys 4
expect "4 shows the Tenants view" "no tenants section in the profile"
keys 5
expect "5 shows the Migrations view" "no modules and no tenants section in the profile"
keys 6
expect "6 shows the Wizard view" "How many services?"
keys 1
expect "1 shows the Pools view again" "POOL"
keys Tab
keys 2
expect "Tab selects the next database (Activity follows)" " down │ retrying in"
keys D 1
keys m
expect "m opens the view menu" "Views"
keys Escape
wait_gone " Views " 5 || fail "Esc did not close the menu"

# resizes
resize 60 15
expect "60x15: the header shows" " 1 Pools "
expect "60x15: the key bar shows" "q Quit"
if screen | grep -q "too small"; then fail "60x15 is reported too small"; else ok "60x15 is usable"; fi
lines=$(screen | wc -l)
[ "$lines" -le 15 ] && ok "60x15: nothing drawn past the screen" || fail "60x15: $lines lines"
resize 30 8
expect "30x8 says the terminal is too small" "too small"
resize 200 60
expect "200x60: re-laid out" "every 500ms"
expect "200x60: the wide pool columns show" "ITX AGE"

# help lists every binding of the view it was opened from, and the global ones
check_help() {
	local scope=$1 missing=0 label help
	: >"$tui_dir/help.txt"
	screen >>"$tui_dir/help.txt"
	keys NPage
	sleep 0.3
	screen >>"$tui_dir/help.txt"
	while IFS="$(printf '\t')" read -r where label help; do
		[ "$where" = "$scope" ] || [ "$where" = global ] || [ "$where" = Help ] || continue
		if ! grep -F -- "$help" "$tui_dir/help.txt" | grep -qE "^$(printf '%s' "$label" | sed 's/[][\.*^$?+(){}|/]/\\&/g') +"; then
			echo "missing in help ($scope): $label  $help"
			missing=$((missing + 1))
		fi
	done <"$tui_dir/keys.txt"
	[ "$missing" = 0 ] && ok "help from $scope lists every binding" || fail "help from $scope misses $missing binding(s)"
}
"$PGDBM_CONSOLE" --list-keys >"$tui_dir/keys.txt"
[ "$(wc -l <"$tui_dir/keys.txt")" -ge 25 ] && ok "--list-keys prints the bindings" || fail "--list-keys printed too little"
keys 1 '?'
expect "? opens the help of the Pools view" "Help: Pools view"
check_help Pools
for v in 3:Schemas 4:Tenants 5:Migrations; do
	keys Escape "${v%%:*}" '?'
	expect "? opens the help of the ${v#*:} view" "Help: ${v#*:} view"
	check_help "${v#*:}"
done
keys Escape 2 '?'
expect "? opens the help of the Activity view" "Help: Activity view"
check_help Activity
keys q
expect "q closes the help" " main │ live │ "

resize 80 24
expect "back to 80x24" "Kill"
quit_and_check_terminal
[ "$(cksum <"$tui_dir/profile.yaml")" = "$sum_before" ] && ok "the profile was not rewritten" || fail "the profile changed"
finish
