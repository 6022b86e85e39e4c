#!/usr/bin/env bash
# wizard-prompt: `pgdbm-console wizard` typed on a terminal asks the
# questions, line by line, in a detached tmux (no console, no database).
#
#  1. The decision tree walked with typed answers at 80x24: "How many
#     services?" asked first with the choices numbered and the default in
#     brackets; a number, Enter for the default, a name, a refused answer
#     (re-asked with the reason), an arrow key (a control character, refused
#     without echoing it), one back step, a unique prefix, free-text answers
#     checked by the core (a refused service name), then the result (pattern,
#     pool, reasons, anti-patterns), "Write the profile?", the path typed, the
#     verdict of loading it back; `pgdbm-console profile check` passes on
#     the file and it holds the answers.
#  2. Enter everywhere on an existing default file: the file is replaced only
#     after a yes (no keeps it and asks for the path again).
#  3. n to "Write the profile?" writes nothing and prints the profile.
#  4. Ctrl-C leaves at once without writing: killed by SIGINT (status 130),
#     the terminal still in canonical mode with echo.
#  5. Ctrl-D (end of input) leaves without writing, status 1.
#  6. On a terminal, --answer, --json, --write, a pipe on standard output or
#     standard input not a terminal keep the non-interactive command: no
#     question, the result at once.
#  7. The text is wrapped at the terminal's width (110 columns, no COLUMNS).
. "$(dirname "$0")/lib.sh"

work="$tui_dir/work"
mkdir -p "$work"

# Start the wizard on a terminal in folder DIR with ARGS (a shell command
# line). The shell around it traps SIGINT (the wizard gets the default
# disposition back at exec) so that it lives on to print the wizard's
# status after a Ctrl-C; without the trap a shell whose child was killed by
# SIGINT stops too, as a script calling the wizard should.
wizard_in() {
	local dir=$1
	shift
	tui_start "${wizard_size:-80x24}" bash -c "trap : INT; cd $(printf '%q' "$dir") && $(printf '%q' "$PGDBM_CONSOLE") wizard $*; exit \$?"
}

# Type a line: the text and Enter.
line() {
	[ -z "$1" ] || keys -l "$1"
	keys Enter
}

# The pane's whole history (scrolled-off lines too), wrapped lines joined.
history() { tmx capture-pane -p -J -S - -t tui 2>/dev/null; }

# Whether TEXT shows on a line after the last line that holds MARK.
has_after() {
	history | awk -v m="$1" -v t="$2" '
		index($0, m) { seen = 1; found = 0; next }
		seen && index($0, t) { found = 1 }
		END { exit !found }'
}

# expect_seen WHAT TEXT: wait until TEXT is in the history (on screen or
# scrolled off).
in_history() { history | grep -qF -- "$1"; }
expect_seen() {
	if wait_until 10 in_history "$2"; then ok "$1"; else fail "$1: no \"$2\" in the history"; fi
}

# expect_after WHAT MARK TEXT: wait until TEXT shows after the last MARK
# (text that was on the screen before MARK does not count).
expect_after() {
	if wait_until 10 has_after "$2" "$3"; then
		ok "$1"
	else
		fail "$1: no \"$3\" after \"$2\""
	fi
}

# --- 1. a walk with every kind of answer ------------------------------------
out="$work/out/saas.yaml"
mkdir -p "$work/out"
wizard_in "$work"
expect_seen "the wizard introduces itself" "pgdbm's architecture decision tree"
expect "it asks how many services" "How many services?"
expect "the first question is the flowchart's Q1" "Question 1 · flowchart Q1"
expect_re "the choices are numbered, with what they lead to" "^  1  One +-> Future growth\? +\(default\)"
expect "the guide's words for each choice" "guide: How many services? Multiple -> Services share"
expect "why the default is the default" "default: one, either answer reaches the Shared Pool"
expect "the prompt shows the default in brackets" "Answer [1: One] (1-2, b back, ? help):"

line 2
expect "a number answers: Multiple leads to Q2" "Question 2 · flowchart Q2"
expect "the path shows the first answer" "path: 1 How many services? Multiple"
expect "Q2's default in brackets" "Answer [1: Yes]"
line ""
expect "Enter takes the default (Yes): Q3" "Question 3 · flowchart Q3"
line no
expect "a name answers: the flowchart ends at Multiple Databases" "=> the flowchart ends at Multiple Databases"
expect "then the load question" "What's your expected load?"
expect "the pattern so far" "pattern so far: Multiple Databases"

# back one step and change the answer
line b
expect "b undoes the last answer" 'back: "Same database? No" is undone'
expect_after "the pattern is open again" 'is undone' "pattern so far: (still in the flowchart)"
expect_after "Q3 is asked again" 'is undone' "Answer [2: Yes] (1-2, b back, ? help):"
line yes
expect "the other answer reaches the Shared Pool node" "=> the flowchart ends at Shared Pool Pattern"

# refused answers are asked again with the reason
expect "the load question again" "Answer [1: < 100 req/s] (1-3, b back, ? help):"
line lots
expect "an unknown answer is refused with the reason" 'not accepted: "lots" is not one of the answers'
keys Up Enter
expect "an arrow key is refused" "not accepted: the answer holds a control character"
if screen | grep -q $'\e'; then fail "an escape character reached the screen"; else ok "nothing of the escape sequence was echoed back by the wizard"; fi
line 7
expect "a number out of range is refused" 'not accepted: "7" is not one of the answers (type 1-3'
line 2
expect "100-1000 sizes the pool" "=> pool min 20, max 50"
expect "the shared-tables question (Shared Pool node)" "Will services share tables?"
line ""
expect "the tenant question" "Do you need tenant isolation?"
line y
expect "a unique prefix answers: tenant isolation turns the pattern" "pattern Shared Pool -> Schema per Tenant"
expect "the dual-mode question" "embedded deployment?"
line ""
expect "the scaling stage" "Which growth stage are you at?"
line ""

# free-text answers, checked by the core
expect "the services question is free text" "Service names?"
expect "with what it is used for" "used for: each service gets a schema"
expect "and the default in brackets" "Answer [users,orders] (b back, ? help):"
line "Bad Name"
expect "a refused name, with the core's reason" "contains white space"
line "billing,shipping"
expect "the tenant prefix question" "Tenant schema prefix?"
line "?"
expect_after "? shows how to answer" "Answer [tenant_] (b back, ? help): ?" "takes the default in brackets"
expect_after "and the question again" "Answer [tenant_] (b back, ? help): ?" "Tenant schema prefix?"
line ""
expect "the database question" "Database name?"
line saas

# the result, then writing it
expect "the wizard offers to write the profile" "Write the profile? [Y/n]"
expect "with the recommended pattern in sight" "Recommended pattern: Schema per Tenant"
expect "and the pool of the 100-1000 req/s band" "pool: min 20, max 50 connections"
last="Answer [app] (b back, ? help): saas"
expect_after "the reasons: each answer and its rule" "$last" "rule: Do you need tenant isolation? Yes -> Use Schema per"
expect_after "the anti-patterns for the pattern" "$last" "Anti-patterns to avoid with Schema per Tenant"
expect_after "and their reasons" "$last" "get_tenant_db"
line y
expect "it asks for the path, with a default" "File to write [./pgdbm-profile.yaml]:"
line "$work/missing/x.yaml"
expect "a path that cannot be written is refused with the reason" "cannot create the folder"
expect_after "and the path is asked again" "cannot create the folder" "File to write [./pgdbm-profile.yaml]:"
line "$out"
expect "it says where it wrote" "Written to $out"
expect "it loaded the file back" "profile check passed: profile schema-per-tenant"
expect "it created the migration folders" "created 7 migration folders next to it"
expect "the wizard ends with status 0" "exit=0"
if "$PGDBM_CONSOLE" profile check "$out" >"$tui_dir/check.out" 2>&1; then
	ok "pgdbm-console profile check passes on the written file"
else
	fail "profile check failed: $(cat "$tui_dir/check.out")"
fi
grep -q "prefix: tenant_" "$out" && grep -q "migrations: migrations/billing" "$out" &&
	grep -q "pool_max: 50" "$out" && grep -q "postgresql://app@localhost:5432/saas" "$out" &&
	grep -q -- "--answer same_database=yes" "$out" &&
	ok "the file holds the answers (changed after back, tenants, modules, pool, database)" ||
	fail "the file lacks the answers: $(cat "$out")"
[ ! -e "$work/pgdbm-profile.yaml" ] && ok "nothing was written at the default path" ||
	fail "a file was written at the default path"
if screen | grep -qE '(^| )-icanon|(^| )-echo( |$)'; then
	fail "the terminal was left without icanon or echo"
else
	ok "the terminal is in canonical mode with echo"
fi

# --- 2. the default path exists: replaced only after a yes -----------------
dir2="$work/two"
mkdir -p "$dir2"
echo "# kept" >"$dir2/pgdbm-profile.yaml"
wizard_in "$dir2"
expect "asked again" "How many services?"
for i in 1 2 3 4 5 6 7 8; do
	line ""
done
expect "Enter everywhere: the guide's defaults" "Recommended pattern: Shared Pool"
expect "write?" "Write the profile? [Y/n]"
line ""
expect "Enter means yes: the path" "File to write [./pgdbm-profile.yaml]:"
line ""
expect "an existing file is not replaced without asking" "./pgdbm-profile.yaml already exists. Replace it? [y/N]"
line ""
expect "Enter keeps it" "Kept ./pgdbm-profile.yaml."
grep -qx "# kept" "$dir2/pgdbm-profile.yaml" && ok "the file is as it was" || fail "the file was replaced without a yes"
expect_after "the path is asked again" "Kept ./pgdbm-profile.yaml." "File to write [./pgdbm-profile.yaml]:"
line ""
expect_after "asked again before replacing" "Kept ./pgdbm-profile.yaml." "./pgdbm-profile.yaml already exists. Replace it? [y/N]"
line y
expect "yes replaces it" "Written to ./pgdbm-profile.yaml"
expect "and it loads" "profile check passed: profile shared-pool"
expect "status 0" "exit=0"
grep -q "^name: shared-pool$" "$dir2/pgdbm-profile.yaml" && ok "the file was replaced" || fail "the file was not replaced"

# --- 3. no to writing ------------------------------------------------------
dir3="$work/three"
mkdir -p "$dir3"
wizard_in "$dir3"
expect "asked" "How many services?"
line one
# typed only once asked: typed ahead, the terminal echoes it amid the output
expect "the next question" "Answer [2: Might grow]"
line "stay"
expect "a unique prefix of a value answers" "=> the flowchart ends at Simple Setup"
for i in 1 2 3 4 5 6; do
	line ""
done
expect "the result" "Recommended pattern: Simple"
expect "write?" "Write the profile? [Y/n]"
line n
expect_seen "no writes nothing" "Not written. The generated profile:"
expect "and prints the profile instead" "name: simple"
expect "status 0" "exit=0"
[ -z "$(ls -A "$dir3")" ] && ok "nothing was written" || fail "files were written: $(ls -A "$dir3")"

# --- 4. Ctrl-C -------------------------------------------------------------
dir4="$work/four"
mkdir -p "$dir4"
wizard_in "$dir4"
expect "asked" "How many services?"
line 2
expect "answered" "Question 2 · flowchart Q2"
keys C-c
expect "Ctrl-C says nothing was written" "pgdbm-console: wizard: interrupted: nothing written"
expect "and ends as interrupted (status 130)" "exit=130"
if screen | grep -qE '(^| )-icanon|(^| )-echo( |$)'; then
	fail "the terminal was left without icanon or echo"
else
	ok "the terminal is in canonical mode with echo"
fi
[ -z "$(ls -A "$dir4")" ] && ok "nothing was written" || fail "files were written: $(ls -A "$dir4")"

# Ctrl-C at the path question: nothing written either
wizard_in "$dir4"
expect "asked" "How many services?"
for i in 1 2 3 4 5 6 7 8; do
	line ""
done
expect "write?" "Write the profile? [Y/n]"
line y
expect "the path" "File to write [./pgdbm-profile.yaml]:"
keys -l "x.yaml"
keys C-c
expect "Ctrl-C at the path" "exit=130"
[ -z "$(ls -A "$dir4")" ] && ok "nothing was written" || fail "files were written: $(ls -A "$dir4")"

# --- 5. Ctrl-D -------------------------------------------------------------
wizard_in "$dir4"
expect "asked" "How many services?"
line 1
expect "answered" "Future growth?"
keys C-d
expect "Ctrl-D says nothing was written" "pgdbm-console: wizard: end of input: nothing written"
expect "status 1: the questions were not all answered" "exit=1"
[ -z "$(ls -A "$dir4")" ] && ok "nothing was written" || fail "files were written: $(ls -A "$dir4")"

# --- 6. the non-interactive command on a terminal ---------------------------
noask() {
	local what=$1 text=$2
	shift 2
	wizard_in "$work" "$@"
	if wait_for "exit=" 10; then
		screen_has "$text" && screen_lacks "b back, ? help" && screen_has "exit=0" &&
			ok "$what: no question, the result at once" ||
			fail "$what: expected \"$text\", no question and status 0"
	else
		fail "$what: did not end without input"
	fi
}
noask "--answer" "pool_max: 20" --answer growth=stay-simple
noask "positional answers" "pool_max: 20" growth=stay-simple
noask "--json" '"written": null' --json
noask "--write" "Profile written to w.yaml" --write w.yaml
noask "standard output a pipe" "pool_max: 20" "| tail -n 5"
noask "standard input not a terminal" "pool_max: 20" "</dev/null"
noask "standard input a pipe" "pool_max: 20" "< <(echo 2)"

# --- 7. wrapped at the terminal's width ---------------------------------------
dir7="$work/wide"
mkdir -p "$dir7"
wizard_size=110x30 wizard_in "$dir7"
expect "asked on a wide terminal" "How many services?"
expect_re "the introduction is wrapped at 110 columns, not 80" \
	"decision tree, one question at a time, to a pattern, a pool size"
keys C-d
expect "Ctrl-D leaves" "exit=1"
finish
