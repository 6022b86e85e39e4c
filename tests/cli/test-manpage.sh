#!/usr/bin/env bash
# test-manpage: the man page documents every command and every key.
#
# Renders docs/pgdbm-console.1 with groff (one long line per paragraph),
# then checks that
#   - every command of `pgdbm-console --help` ("migrate rollback", "pools")
#     is named in it;
#   - every key binding of `pgdbm-console --list-keys` appears in the Keys
#     section, in the paragraph of its scope ("Every view:" for global
#     keys, "<Scope> view:" for a view's own, or "<Scope> panel:"), spelled as the man page
#     spells keys (S-Tab: Shift-Tab, C-l: Ctrl-L).
set -u
bin=${PGDBM_CONSOLE:-./pgdbm-console}
srcdir=${srcdir:-.}
page=$srcdir/docs/pgdbm-console.1
command -v groff >/dev/null || { echo "groff not installed: skipped"; exit 77; }
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

text=$(groff -man -Tutf8 -rLL=400n -P-cbou "$page" 2>/dev/null | sed 's/‐/-/g')
[ -n "$text" ] || { echo "FAIL: groff rendered nothing from $page"; exit 1; }

# --- commands
n=0
while read -r w1 w2; do
	cmd=$w1
	case $w2 in "" | -* | "[" | "[-"* | [A-Z]*) ;; *) cmd="$w1 $w2" ;; esac
	n=$((n + 1))
	grep -qF -- "$cmd" <<<"$text" || fail "the man page does not name the command \"$cmd\""
done < <("$bin" --help | sed -n 's/^  pgdbm-console \([a-z][a-z-]*\)\( [a-z][a-z-]*\)\{0,1\}.*/\1\2/p')
[ "$n" -ge 10 ] || fail "only $n commands in --help"

# --- keys: the Keys section, one paragraph per scope
keys_section=$(sed -n '/^   Keys$/,/^   [A-Z][a-z]*$/p' <<<"$text" | sed -E 's/([0-9]) - ([0-9])/\1-\2/g')
[ -n "$keys_section" ] || fail "no Keys section"
# the words of one scope's paragraph: from its "<label>:" line to the next such line
scope_words() {
	awk -v label="$1:" '
		/^       [A-Z][A-Za-z ]*:$/ { on = ($0 == "       " label); next }
		on { print }
	' <<<"$keys_section" | tr ' ,;()' '\n\n\n\n\n' | sed '/^$/d'
}
m=0
while IFS=$'\t' read -r scope keyspec action; do
	case $scope in
	global) label="Every view" ;;
	*) label="$scope view" ;;
	esac
	words=$(scope_words "$label")
	if [ -z "$words" ] && [ "$scope" != global ]; then
		label="$scope panel"
		words=$(scope_words "$label")
	fi
	if [ -z "$words" ]; then
		fail "no \"$label:\" paragraph in the Keys section (for: $keyspec $action)"
		continue
	fi
	for k in $keyspec; do
		case $k in
		BS) k=Backspace ;;
		Del) k=Delete ;;
		S-*) k="Shift-${k#S-}" ;;
		C-?) k="Ctrl-$(tr '[:lower:]' '[:upper:]' <<<"${k#C-}")" ;;
		esac
		m=$((m + 1))
		grep -qxF -- "$k" <<<"$words" || fail "key \"$k\" ($scope: $action) is not in the man page's \"$label:\" paragraph"
	done
done < <("$bin" --list-keys)
[ "$m" -ge 20 ] || fail "only $m keys in --list-keys"

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "test-manpage: $n commands and $m keys documented"
