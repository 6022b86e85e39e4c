#!/usr/bin/env bash
# cli-migrate-files: what the migrate commands say about the migration
# folder itself, against the harness server.
#
#   - an empty migration file is "empty" in status, and status, plan and
#     apply each say once, in the same words, that the file is empty and
#     what to do; plan lists nothing to apply and apply applies nothing;
#   - entries of a folder that are skipped (a dot-file, a symlink to a
#     folder, a broken symlink, a folder named *.sql) are each named in one
#     warning on stderr, and the migrations beside them still count;
#   - `migrate new` writes no file from a read-only profile unless
#     --allow-read-only says the file is wanted;
#   - an empty tenant migration that tenants have pending: tenant list and
#     tenant status say once that it is empty and what to do (not only
#     "pending"), and say nothing of an empty file every tenant applied.
set -u
bin=${PGDBM_CONSOLE:?PGDBM_CONSOLE names the binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
ok() { printf 'ok: %s\n' "$*"; }
expect_status() { # want what command...
	local want=$1 what=$2
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	local got=$?
	if [ "$got" = "$want" ]; then
		ok "$what (exit $got)"
	else
		fail "$what: exit $got, expected $want; stdout: $(head -c 400 "$work/out"); stderr: $(head -c 400 "$work/err")"
	fi
}
# count FILE TEXT: lines of FILE holding TEXT (fixed string)
count() { grep -cF -- "$2" "$1"; }
have_jq=no
command -v jq >/dev/null && have_jq=yes

psql -Xqc "CREATE DATABASE migfiles" || exit 1
mkdir -p "$work/m" "$work/w/shared"
cat >"$work/p.yaml" <<YAML
databases:
  main:
    conninfo: "dbname=migfiles"
    modules:
      - { name: app, migrations: m }
      - { name: web, migrations: w }
YAML
sed 's/^databases:/read_only: true\ndatabases:/' "$work/p.yaml" >"$work/ro.yaml"
P=(--profile "$work/p.yaml")
hint="is empty: write its SQL, or delete the file"

# --- an empty migration file
printf 'CREATE TABLE {{tables.a}} (x int);\n' >"$work/m/001_a.sql"
printf '\n   \n\t\n' >"$work/m/002_empty.sql"
printf 'CREATE TABLE {{tables.c}} (x int);\n' >"$work/m/003_c.sql"

expect_status 1 "status finds the empty file" "$bin" migrate status "${P[@]}" --module app
grep -qE '^  empty +002_empty.sql' "$work/out" &&
	ok "status lists it as empty" || fail "status does not say empty: $(cat "$work/out")"
[ "$(count "$work/out" "write its SQL, or delete the file")" = 1 ] &&
	ok "status says once what to do" || fail "status hint: $(cat "$work/out")"
grep -q "1 empty" "$work/out" && ok "the summary counts it" || fail "summary: $(cat "$work/out")"

expect_status 1 "plan is refused" "$bin" migrate plan "${P[@]}" --module app
[ "$(count "$work/out" "$work/m/002_empty.sql $hint")" = 1 ] &&
	ok "plan names the file and says what to do, once" || fail "plan text: $(cat "$work/out")"
grep -qE '^  apply ' "$work/out" && fail "a refused plan still lists applies: $(cat "$work/out")" ||
	ok "a refused plan lists nothing to apply"

expect_status 1 "apply refuses" "$bin" migrate apply "${P[@]}" --module app
cat "$work/out" "$work/err" >"$work/both"
[ "$(count "$work/both" "$hint")" = 1 ] &&
	ok "apply says it once" || fail "apply output: $(cat "$work/both")"
grep -qF "$work/m/002_empty.sql $hint" "$work/err" && ok "apply names the file on stderr" ||
	fail "apply stderr: $(cat "$work/err")"
grep -q "applied" "$work/out" && fail "apply applied something: $(cat "$work/out")" ||
	ok "apply applied nothing"
[ "$(psql -XAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename <> 'schema_migrations'" migfiles)" = 0 ] &&
	ok "no table was created" || fail "the module was partly applied"

if [ "$have_jq" = yes ]; then
	expect_status 1 "status --json" "$bin" migrate status "${P[@]}" --module app --json
	jq -e '.modules[0].counts.empty == 1 and
		(.modules[0].migrations[] | select(.filename == "002_empty.sql") | .state == "empty")' \
		"$work/out" >/dev/null && ok "status JSON says empty" || fail "status JSON: $(cat "$work/out")"
	expect_status 1 "plan --json" "$bin" migrate plan "${P[@]}" --module app --json
	jq -e --arg h "$hint" '(.modules[0].refusal | contains($h)) and (.modules[0].steps | length == 0)' \
		"$work/out" >/dev/null && ok "plan JSON: the refusal, no steps" || fail "plan JSON: $(cat "$work/out")"
fi

printf 'CREATE TABLE {{tables.b}} (x int);\n' >"$work/m/002_empty.sql"
expect_status 0 "with its SQL written, the module applies" "$bin" migrate apply "${P[@]}" --module app
[ "$(count "$work/out" "applied")" = 3 ] && ok "all three applied" || fail "apply: $(cat "$work/out")"

# --- skipped entries are named
printf 'CREATE TABLE {{tables.w}} (x int);\n' >"$work/w/001_w.sql"
printf 'SELECT 1;\n' >"$work/w/.002_hidden.sql"
ln -s shared "$work/w/003_dirlink.sql"
ln -s nowhere.sql "$work/w/004_broken.sql"
mkdir "$work/w/005_folder.sql"
printf 'not a migration\n' >"$work/w/README.md"
expect_status 0 "status with skipped entries" "$bin" migrate status "${P[@]}" --module web
grep -qE '^  pending +001_w.sql' "$work/out" && ok "the real migration still counts" ||
	fail "status: $(cat "$work/out")"
for name in .002_hidden.sql 003_dirlink.sql 004_broken.sql 005_folder.sql; do
	[ "$(count "$work/err" "$work/w/$name: skipped")" = 1 ] &&
		ok "$name is named in one warning" || fail "no warning for $name: $(cat "$work/err")"
done
grep -q "skipped: a dot-file" "$work/err" && grep -q "skipped: a symlink to a folder" "$work/err" &&
	grep -q "skipped: a broken symlink" "$work/err" && grep -q "skipped: a folder" "$work/err" &&
	ok "each warning says why" || fail "the reasons: $(cat "$work/err")"
grep -q "README.md" "$work/err" && fail "a file that is not *.sql is warned about" ||
	ok "files that are not *.sql are not warned about"
grep -q "warning" "$work/out" && fail "warnings went to stdout" || ok "warnings go to stderr only"
expect_status 0 "apply with skipped entries" "$bin" migrate apply "${P[@]}" --module web
grep -q "applied 001_w.sql" "$work/out" && ok "the migration applies" || fail "apply: $(cat "$work/out")"
[ "$(count "$work/err" ": skipped")" = 4 ] && ok "apply warns once per entry" ||
	fail "apply warnings: $(cat "$work/err")"

# --- migrate new and read-only profiles
expect_status 1 "new from a read-only profile" "$bin" migrate new add_d --profile "$work/ro.yaml" --module app
grep -q "read-only" "$work/err" && grep -q -- "--allow-read-only" "$work/err" &&
	ok "the refusal says why and names the flag" || fail "refusal: $(cat "$work/err")"
ls "$work/m" | grep -q add_d && fail "a file was written from the read-only profile" ||
	ok "no file was written"
[ -d "$work/m/down" ] && fail "down/ was created from the read-only profile" || ok "no folder was created"
expect_status 0 "new --allow-read-only" "$bin" migrate new add_d --profile "$work/ro.yaml" --module app --allow-read-only
[ -f "$work/m/004_add_d.sql" ] && [ -f "$work/m/down/004_add_d.sql" ] &&
	ok "--allow-read-only writes the files" || fail "no files: $(ls -R "$work/m")"
expect_status 0 "new from a writable profile needs no flag" "$bin" migrate new add_e "${P[@]}" --module app
[ -f "$work/m/005_add_e.sql" ] && ok "the file is written" || fail "no 005_add_e.sql"
expect_status 0 "migrate new --help names the flag" "$bin" migrate new --help
grep -q -- "--allow-read-only" "$work/out" && ok "--help shows it" || fail "help: $(cat "$work/out")"

# --- an empty tenant migration
mkdir -p "$work/t"
printf 'CREATE TABLE {{tables.p}} (x int);\n' >"$work/t/001_p.sql"
cat >"$work/tp.yaml" <<YAML
databases:
  main:
    conninfo: "dbname=migfiles"
    tenants:
      migrations: t
      canaries: 0
YAML
T=(--profile "$work/tp.yaml")
expect_status 0 "provision two tenants" "$bin" tenant provision "${T[@]}" acme globex
: >"$work/t/002_empty.sql"
for cmd in list status; do
	"$bin" tenant $cmd "${T[@]}" >"$work/out" 2>"$work/err"
	[ "$(count "$work/err" "$work/t/002_empty.sql $hint")" = 1 ] &&
		ok "tenant $cmd says once that the file is empty" ||
		fail "tenant $cmd: $(cat "$work/err")"
	grep -q "pending in 2 tenants" "$work/err" && ok "tenant $cmd says how many have it pending" ||
		fail "tenant $cmd: $(cat "$work/err")"
done
# applied everywhere (pgdbm applies an empty file): nothing to say
for t in acme globex; do
	psql -Xq -d migfiles -v ON_ERROR_STOP=1 -c "INSERT INTO tenant_$t.schema_migrations
		(filename, checksum, module_name) SELECT '002_empty.sql',
		encode(sha256(''::bytea), 'hex'), module_name FROM tenant_$t.schema_migrations
		WHERE filename = '001_p.sql'" || exit 1
done
"$bin" tenant list "${T[@]}" >"$work/out" 2>"$work/err"
grep -q "002_empty.sql" "$work/err" && fail "an applied empty file is warned about: $(cat "$work/err")" ||
	ok "an empty file every tenant applied is not warned about"

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "cli-migrate-files: all checks passed"
