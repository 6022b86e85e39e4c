#!/usr/bin/env bash
# test-wizard: the wizard command of the real binary ($PGDBM_CONSOLE).
#
# For every pattern of the guide's selection matrix, `wizard --answer ...
# --write FILE` writes a profile that `profile check FILE` accepts. Also:
# answers as arguments, --json, --help listing every question, refusing to
# overwrite without --force, the exit status of bad answers (2) and of a
# failed write (1), and the output of a set of cases byte for byte against
# tests/data/wizard (the non-interactive command, as it was before the
# interactive prompt: see tests/tui/wizard-prompt.sh for that).
set -u
bin=${PGDBM_CONSOLE:-./pgdbm-console}
srcdir=${srcdir:-.}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

# run STATUS WHAT COMMAND...: run it, keep stdout and stderr, check the status
run() {
	local want=$1 what=$2 got
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	got=$?
	[ "$got" = "$want" ] ||
		fail "$what: exit status $got, expected $want; stderr: $(cat "$work/err")"
}

have_jq=no
command -v jq >/dev/null && have_jq=yes

# 1. every matrix pattern: write, then profile check
patterns=(
	"simple|service_count=one growth=stay-simple"
	"shared-pool|"
	"shared-pool-schemas|service_count=multiple share_data=no services=auth,users,billing"
	"schema-per-tenant|tenant_isolation=yes services=accounts tenant_prefix=org_"
	"multiple-databases|service_count=multiple same_database=no load=over-1000"
	"dual-mode|dual_mode=yes library=docs"
)
for entry in "${patterns[@]}"; do
	id=${entry%%|*}
	args=()
	for a in ${entry#*|}; do args+=(--answer "$a"); done
	dir="$work/$id"
	mkdir -p "$dir"
	run 0 "$id: wizard --write" "$bin" wizard "${args[@]}" --write "$dir/profile.yaml"
	grep -q "^Profile written to $dir/profile.yaml" "$work/out" ||
		fail "$id: no 'Profile written' line: $(cat "$work/out")"
	grep -q "^name: $id\$" "$dir/profile.yaml" 2>/dev/null ||
		fail "$id: the written profile is not named $id"
	[ -d "$dir/migrations" ] || fail "$id: no migrations folder next to the profile"
	run 0 "$id: profile check" "$bin" profile check "$dir/profile.yaml"
	grep -q ": OK\$" "$work/out" || fail "$id: profile check did not say OK: $(cat "$work/out")"
	if [ "$have_jq" = yes ]; then
		got=$("$bin" wizard "${args[@]}" --json | jq -r .pattern.id)
		[ "$got" = "$id" ] || fail "$id: --json says pattern $got"
	fi
done

# 2. answers as arguments, text output with the assumed marker and the profile
run 0 "positional answers" "$bin" wizard service_count=one growth=stay-simple
grep -q "^Recommended pattern: Simple\$" "$work/out" || fail "positional: not Simple"
grep -q "^  load=under-100 (assumed)\$" "$work/out" || fail "positional: no assumed load"
grep -q "^databases:\$" "$work/out" || fail "positional: the profile is not printed"
grep -q "^Anti-patterns to avoid:\$" "$work/out" || fail "positional: no anti-patterns"

# 3. defaults: Shared Pool, every answer assumed
run 0 "defaults" "$bin" wizard
grep -q "^Recommended pattern: Shared Pool\$" "$work/out" || fail "defaults: not Shared Pool"
if [ "$have_jq" = yes ]; then
	"$bin" wizard --json >"$work/json" || fail "defaults --json failed"
	jq -e '.pattern.id == "shared-pool" and (.assumed | length) == (.answers | length)
		and .pool.min == 10 and .pool.max == 20 and .written == null' \
		"$work/json" >/dev/null || fail "defaults --json: $(cat "$work/json")"
fi

# 4. --help lists every question key and the values
run 0 "--help" "$bin" wizard --help
for key in service_count share_data same_database growth deployment load shared_tables \
	tenant_isolation dual_mode stage services library tenant_prefix database; do
	grep -q "^  $key  " "$work/out" || fail "--help does not list $key"
done
for value in stay-simple might-grow separate-containers same-container under-100 100-1000 \
	over-1000 prototype enterprise; do
	grep -q "^      $value " "$work/out" || fail "--help does not list the value $value"
done
grep -q "\[default\]" "$work/out" || fail "--help does not mark defaults"

# 5. an existing file is kept without --force, replaced with it
f="$work/shared-pool/profile.yaml"
run 1 "overwrite without --force" "$bin" wizard --write "$f"
grep -q "already exists" "$work/err" || fail "overwrite: no 'already exists': $(cat "$work/err")"
grep -q "^name: shared-pool\$" "$f" || fail "overwrite: the file changed"
run 0 "overwrite with --force" "$bin" wizard --answer growth=stay-simple --write "$f" --force
grep -q "^name: simple\$" "$f" || fail "--force: the file was not replaced"

# 6. usage errors exit 2, a failed write exits 1
run 2 "unknown key" "$bin" wizard --answer colour=blue
grep -q 'unknown question key "colour" (expected one of service_count,' "$work/err" ||
	fail "unknown key: $(cat "$work/err")"
run 2 "bad value" "$bin" wizard --answer load=lots
grep -q 'value "lots" for load (expected one of under-100, 100-1000, over-1000)' "$work/err" ||
	fail "bad value: $(cat "$work/err")"
run 2 "not KEY=VALUE" "$bin" wizard growth
run 2 "unknown option" "$bin" wizard --frobnicate
run 1 "write into a missing folder" "$bin" wizard --write "$work/missing/sub/p.yaml"

# 7. the non-interactive output is byte for byte what it was before the
# interactive prompt existed (tests/data/wizard/*.out were written by that
# binary): standard output, standard error and the exit status of each case.
# WIZARD_GOLDEN=write rewrites them from $bin (after a deliberate change).
golden=$srcdir/tests/data/wizard
cases=(
	"defaults|"
	"defaults-json|--json"
	"positional|service_count=multiple share_data=no services=auth,users,billing"
	"tenants-json|--answer tenant_isolation=yes --answer services=accounts --answer tenant_prefix=org_ --json"
	"multiple-dbs|--answer service_count=multiple --answer same_database=no --answer load=over-1000"
	"write|--answer dual_mode=yes --answer library=docs --write p.yaml"
	"write-json|--answer growth=stay-simple --answer service_count=one --write p.yaml --json"
	"write-exists|--write p.yaml"
	"bad-value|--answer load=lots"
	"unknown-key|colour=blue"
)
for entry in "${cases[@]}"; do
	name=${entry%%|*}
	read -r -a args <<<"${entry#*|}"
	dir="$work/golden-$name"
	mkdir -p "$dir"
	[ "$name" = write-exists ] && echo "kept" >"$dir/p.yaml"
	(cd "$dir" && "$bin" wizard "${args[@]}" </dev/null >"$dir/stdout" 2>"$dir/stderr"
	echo "exit $?" >>"$dir/stderr")
	if [ "${WIZARD_GOLDEN:-}" = write ]; then
		mkdir -p "$golden"
		cp "$dir/stdout" "$golden/$name.out"
		cp "$dir/stderr" "$golden/$name.err"
		continue
	fi
	cmp -s "$dir/stdout" "$golden/$name.out" ||
		fail "golden $name: standard output differs: $(diff "$golden/$name.out" "$dir/stdout" | head -20)"
	cmp -s "$dir/stderr" "$golden/$name.err" ||
		fail "golden $name: standard error or exit status differs: $(diff "$golden/$name.err" "$dir/stderr" | head -20)"
done

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "wizard command: all checks passed"
