#!/usr/bin/env bash
# test-profile-check: `profile check` refuses migration folders that cannot
# be read, at the line and column of the key that names them.
#
# A folder without read permission (nothing can be listed) or without
# search permission (its files cannot be opened) is as useless as a missing
# one: every migrate, tenant and console command would fail on it later.
# Root reads every folder whatever its mode, so as root the checks run as
# the unprivileged user nobody (through runuser).
set -u
bin=${PGDBM_CONSOLE:?PGDBM_CONSOLE names the binary}
work=$(mktemp -d)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
ok() { printf 'ok: %s\n' "$*"; }

as_user=()
if [ "$(id -u)" = 0 ]; then
	command -v runuser >/dev/null && id nobody >/dev/null 2>&1 ||
		{ echo "root without runuser or a nobody user: skipped"; exit 77; }
	as_user=(runuser -u nobody --)
	chmod 0755 "$work"
	"${as_user[@]}" test -x "$bin" || { echo "nobody cannot run $bin: skipped"; exit 77; }
fi

check() { # want file: runs profile check, keeps stdout and stderr
	local want=$1 file=$2
	"${as_user[@]}" "$bin" profile check "$file" >"$work/out" 2>"$work/err"
	local got=$?
	[ "$got" = "$want" ] || fail "profile check $file: exit $got, expected $want; stderr: $(cat "$work/err")"
}

mkdir -p "$work/m" "$work/t"
touch "$work/m/001_a.sql" "$work/t/001_a.sql"
cat >"$work/p.yaml" <<YAML
databases:
  main:
    conninfo: "dbname=x"
    modules:
      - { name: app, migrations: m }
    tenants:
      migrations: t
YAML
chmod 0644 "$work/p.yaml"

check 0 "$work/p.yaml"
grep -q ": OK$" "$work/out" && ok "readable folders pass" || fail "readable folders: $(cat "$work/out")"

# a folder that cannot be listed
chmod 0000 "$work/m"
check 2 "$work/p.yaml"
grep -qF "$work/p.yaml:5:34: error: databases.main.modules[0].migrations: folder $work/m cannot be read (Permission denied)" "$work/err" &&
	ok "an unreadable module folder is an error at its key's line:col" ||
	fail "unreadable module folder: $(cat "$work/err")"
if command -v jq >/dev/null; then
	"${as_user[@]}" "$bin" profile check "$work/p.yaml" --json >"$work/json" 2>/dev/null
	jq -e '.ok == false and (.errors | length) == 1 and .errors[0].line == 5 and .errors[0].column == 34' \
		"$work/json" >/dev/null && ok "--json gives the error with its line and column" ||
		fail "--json: $(cat "$work/json")"
fi

# a folder that can be listed but whose files cannot be opened (no search permission)
chmod 0644 "$work/m"
chmod 0000 "$work/t"
check 2 "$work/p.yaml"
grep -qF "$work/p.yaml:5:34: error: databases.main.modules[0].migrations: folder $work/m cannot be read (Permission denied)" "$work/err" &&
	ok "a module folder without search permission is an error" ||
	fail "module folder without x: $(cat "$work/err")"
grep -qF "$work/p.yaml:7:19: error: databases.main.tenants.migrations: folder $work/t cannot be read (Permission denied)" "$work/err" &&
	ok "an unreadable tenants folder is an error at its key's line:col" ||
	fail "unreadable tenants folder: $(cat "$work/err")"

[ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
