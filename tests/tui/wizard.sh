#!/usr/bin/env bash
# wizard: the Wizard view (key 6) end to end, in tmux, against the harness
# server, at 80x24.
#
# Walks the decision tree with keys from the first question to the result:
# Multiple services that share data, first in separate databases (the
# flowchart ends at Multiple Databases), then back one step and the same
# database instead (Shared Pool), a 100-1000 req/s load, tenant isolation
# (Schema per Tenant); a refused free-text answer keeps the dialog open with
# the reason; the result page shows the pattern the changed answers lead
# to, the pool of that load band, the reasons and the profile. The profile
# is written through the path dialog (a path that cannot be written is
# refused in the dialog), the migration folders are created, the view says
# the profile loads, and `pgdbm-console profile check` passes on the file.
# Writing again asks before replacing; no keeps the file. Restart asks,
# then `f` finishes with the guide's defaults (Shared Pool). The help lists
# every binding of the view. At 40x10, the documented minimum, each question
# still shows all its answers. q restores the terminal.
. "$(dirname "$0")/lib.sh"

cat >"$tui_dir/profile.yaml" <<YAML
name: wizardtest
refresh: 1s
databases:
  main:
    conninfo: ""
    pool: { min: 1, max: 3 }
YAML
mkdir -p "$tui_dir/out"
out="$tui_dir/out/pgdbm-profile.yaml"

# Page down until TEXT shows (a few pages at most).
page_until() {
	local what=$1 text=$2 i
	for i in 1 2 3 4 5 6; do
		if wait_for "$text" 1; then
			ok "$what"
			return
		fi
		keys NPage
	done
	fail "$what: no \"$text\" on any page"
}

tui_start 80x24 "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" --no-mouse
expect "main is live" "main●"
keys 6
expect "6 shows the Wizard view" " Wizard "
expect "the first question is the flowchart's Q1" "Question 1 · flowchart Q1"
expect "it asks how many services" "How many services?"
expect "the path is empty yet" "no answer yet"
expect_re "the answers are listed with the guide's default" "One +default +Future growth\?"

# Q1 Multiple, Q2 Yes (the default), Q3 No: Multiple Databases
keys Down Enter
expect "Multiple leads to Q2" "Services share data?"
expect "the path shows the first answer" "1 How many services? Multiple"
keys Enter
expect "Yes leads to Q3" "Same database?"
expect "the path shows the second answer" "2 Services share data? Yes"
keys Up Enter
expect "then the load question" "What's your expected load?"
expect "the path says where the flowchart ended" "pattern so far: Multiple"
expect "the answer is on the path" "3 Same database? No"

# back one step and change the answer
keys b
expect "b goes back to Q3" "Same database?"
wait_gone "3 Same database? No" 5 && ok "the path lost the undone answer" || fail "the undone answer is still on the path"
expect "the pattern is open again" "(still in the"
keys Enter
expect "Yes (the default after back) reaches the Shared Pool node" "pattern so far: Shared Pool"
expect "the new answer is on the path" "3 Same database? Yes"

# refining questions: load 100-1000, tables not shared, tenant isolation
expect "the load question" "What's your expected load?"
keys Down Enter
expect "the load band sizes the pool" "pool min 20, max 50"
expect "the shared-tables question (Shared Pool node)" "Will services share tables?"
keys Enter
expect "the tenant question" "Do you need tenant isolation?"
keys Down Enter
expect "tenant isolation turns the pattern" "pattern so far: Schema per"
expect "the dual-mode question" "embedded deployment?"
keys Enter
expect "the scaling stage" "Which growth stage are you at?"
keys Enter

# free-text answers through the dialog
expect "the services question is free text" "Service names?"
keys Enter
expect "Enter opens the text input with the default" "users,orders"
expect "the key bar shows the dialog's keys" "Enter accept"
keys C-u "Bad Name" Enter
expect "a refused value keeps the dialog open with the reason" "contains white space"
keys C-u "billing,shipping" Enter
expect "the tenant prefix question" "Tenant schema prefix?"
wait_gone "contains white space" 5 && ok "the dialog closed on a valid answer" || fail "the dialog stayed"
keys Enter
expect "the prefix dialog opens" "digits and _, starting with a letter"
keys Enter
expect "the database question" "Database name?"
keys Enter
expect "the database dialog" "Expected: an identifier"
keys C-u saas Enter

# the result page
expect "the result names the pattern the changed answers lead to" "Result: Schema per Tenant"
expect "the recommended pattern" "Recommended pattern: Schema per Tenant"
expect "the pool of the 100-1000 req/s band" "pool: min 20, max 50 connections"
page_until "the reasons list the answer that changed the pattern" "Do you need tenant isolation? Yes"
expect "with the rule it triggered" "rule: Do you need tenant isolation? Yes -> Use Schema per"
page_until "the anti-patterns for the pattern" "Anti-patterns to avoid with Schema per Tenant"
keys p
expect "p jumps to the generated profile" "Generated profile"
expect "the profile regenerates with the same answers" "--answer same_database=yes"
keys End
expect "the profile sizes the pool" "pool_max: 50"

# write it: a path that cannot be written is refused in the dialog
keys w
expect "w opens the path dialog with the default" "./pgdbm-profile.yaml"
keys C-u "$tui_dir/missing/x.yaml" Enter
expect "an unwritable path is refused in the dialog" "cannot create the folder"
keys C-u "$out" Enter
expect "the page says where it was written" "Written to $tui_dir/out/"
expect "the view loaded it back" "profile check passed: profile schema-per-tenant"
expect "and lists the migration folders it created" "created 7 migration folders next to it"
expect "named as the profile names them" "migrations/tenant/down"
[ -f "$out" ] && ok "the profile file exists" || fail "no file at $out"
for d in billing billing/down shipping shipping/down tenant tenant/down; do
	[ -d "$tui_dir/out/migrations/$d" ] || fail "folder migrations/$d was not created"
done
ok "the migration folders exist"
if "$PGDBM_CONSOLE" profile check "$out" >"$tui_dir/check.out" 2>&1; then
	ok "pgdbm-console profile check passes on the written file"
else
	fail "profile check failed: $(cat "$tui_dir/check.out")"
fi
grep -q "prefix: tenant_" "$out" && grep -q "migrations: migrations/billing" "$out" &&
	grep -q "pool_max: 50" "$out" && grep -q "postgresql://app@localhost:5432/saas" "$out" &&
	ok "the file holds the answers (tenants, modules, pool, database)" ||
	fail "the file lacks the answers: $(cat "$out")"

# writing again asks first; no keeps the file
echo "# kept" >>"$out"
keys w
expect "w opens the dialog again" "Write the generated profile"
keys Enter
expect "an existing file is not replaced without asking" "already exists. Replace it"
keys n
wait_gone "Replace it with" 5
tail -n 1 "$out" | grep -q "# kept" && ok "no keeps the file as it was" || fail "the file was replaced without a yes"
keys w Enter
expect "asked again" "already exists. Replace it"
keys y
expect "yes replaces it" "created no folder"
grep -q "# kept" "$out" && fail "the file was not replaced" || ok "yes replaced the file"

# a question too long for a line wraps by columns, never inside a character: a
# path with no space, longer than the box, of two-byte characters, where the
# box's width in bytes falls inside one of them
long="$tui_dir/out/"
[ $((${#long} % 2)) = 0 ] && long="${long}x"
long_start="$long$(printf '\303\251\303\251')"
long="$long$(printf '\303\251%.0s' $(seq 1 50))"
mkdir -p "$long"
long="$long/p.yaml"
: >"$long"
keys w C-u
keys -l "$long"
keys Enter
expect "a long path asks before replacing" "already exists. Replace it"
# the dialog's lines, frame and margins off, joined: the path comes back whole
joined=$(screen | grep -F -A1 -- "$long_start" | sed -e 's/^ *[│|] //' -e 's/ *[│|].*$//' | tr -d '\n')
case "$joined" in
"$long already exists."*) ok "the question wraps the long path by columns, every character whole" ;;
*) fail "the long path came back as: $joined" ;;
esac
keys n
wait_gone "Replace it with" 5

# restart asks, then f takes the defaults: Shared Pool
keys R
expect "R asks first" "Forget every answer"
keys y
expect "back at the first question" "Question 1 · flowchart Q1"
expect "with an empty path" "no answer yet"
keys f
expect "f finishes with the defaults" "Result: Shared Pool "
expect "the defaults are marked as assumed" "(assumed: the guide's default)"
keys b
expect "b from the result goes back to the last question" "Database name?"

# narrow: the path goes under the question
resize 60 24
expect "60x24: the question still shows" "Database name?"
expect "60x24: and the path" "Path taken"
resize 80 24

# help from the wizard lists the view's bindings and the global ones
"$PGDBM_CONSOLE" --list-keys >"$tui_dir/keys.txt"
resize 120 60
keys '?'
expect "? opens the help of the Wizard view" "Help: Wizard view"
expect "the help is laid out at 120x60" "idles in a transaction too long"
screen >"$tui_dir/help.txt"
missing=0
while IFS="$(printf '\t')" read -r where label help; do
	[ "$where" = Wizard ] || [ "$where" = global ] || [ "$where" = Help ] || continue
	grep -qF -- "$help" "$tui_dir/help.txt" || { echo "missing in help: $label $help"; missing=$((missing + 1)); }
done <"$tui_dir/keys.txt"
[ "$missing" = 0 ] && ok "help lists every binding of the Wizard view" || fail "help misses $missing binding(s)"
keys Escape
expect "Esc goes back to the Wizard" "Database name?"

# the documented minimum size, 40x10: every answer of each question stays in sight
resize 80 24
keys R
expect "R asks first (again)" "Forget every answer"
keys y
expect "back at the first question (again)" "Question 1 · flowchart Q1"
resize 40 10
expect "40x10: the first question" "How many services?"
expect_re "40x10: its first answer" "^ +One +default"
expect_re "40x10: its second answer" "^ +Multiple"
keys Enter
expect "40x10: the growth question" "Future growth?"
expect_re "40x10: stay simple" "^ +Will stay simple"
expect_re "40x10: might grow" "^ +Might grow +default"
keys Enter
expect "40x10: the load question" "What's your expected load?"
for a in "< 100 req/s" "100-1000 req/s" "> 1000 req/s"; do
	expect_re "40x10: load answer $a" "^ +$a"
done
keys Enter
expect "40x10: the tenant question" "tenant isolation?"
expect_re "40x10: no" "^ +No +default"
expect_re "40x10: yes" "^ +Yes( |$)"
keys Enter
expect "40x10: the dual-mode question, on two lines" "embedded deployment?"
expect_re "40x10: its answers" "^ +No +default"
keys Enter
expect "40x10: the stage question" "growth stage"
for a in Prototype MVP Growth Scale Enterprise; do
	expect_re "40x10: stage answer $a" "^ +$a"
done
resize 80 24
quit_and_check_terminal
finish
