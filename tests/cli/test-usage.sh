#!/usr/bin/env bash
# test-usage: what the commands say before they reach a database, to the
# byte: --help, each command group's and subcommand's --help, the usage
# and profile errors of every migrate and tenant subcommand (bad options,
# arguments, tenant ids, confirmations), advise's and pools' arguments,
# advise's duration options, and a profile's diagnostics (a few, and more
# than are kept), with their exit status, compared with
# tests/data/cli/usage.txt.
#
# Every invocation stops before it connects (the profiles name a server
# that is never asked), so no server is needed. After a deliberate change
# of the text, write the new expectation with PGDBM_UPDATE_EXPECTED=1.
set -u
bin=${PGDBM_CONSOLE:?PGDBM_CONSOLE names the binary}
srcdir=${srcdir:-.}
expected=$(cd "$srcdir" && pwd)/tests/data/cli/usage.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work" || exit 1
mkdir -p m/down m2 t
printf 'CREATE TABLE {{tables.a}} (x int);\n' >m/001_a.sql
printf 'DROP TABLE {{tables.a}};\n' >m/down/001_a.sql
printf 'CREATE TABLE {{tables.c}} (x int);\n' >m2/001_c.sql
printf 'CREATE TABLE {{tables.p}} (x int);\n' >t/001_p.sql
ci="host=127.0.0.1 port=1 dbname=x user=x"
cat >p.yaml <<YAML
databases:
  main:
    conninfo: "$ci"
    modules:
      - { name: app, migrations: m }
      - { name: other, migrations: m2 }
    tenants:
      migrations: t
YAML
cat >two.yaml <<YAML
databases:
  one:
    conninfo: "$ci"
    modules:
      - { name: app, migrations: m }
  two:
    conninfo: "$ci"
    modules:
      - { name: app, schema: app2, migrations: m }
YAML
cat >ro.yaml <<YAML
read_only: true
databases:
  main:
    conninfo: "$ci"
    modules:
      - { name: app, migrations: m }
YAML
printf 'ok\n# a comment\n\nBad  \n' >ids.txt
printf 'databases:\n  main:\n    conninfo: "%s"\n    warn_at: lots\n    pool: { min: x }\n' "$ci" >bad.yaml
{
	echo "databases:"
	for i in $(seq 1 60); do printf '  d%d:\n    conninfo: "%s"\n    pool: { min: x }\n' "$i" "$ci"; done
} >many.yaml

: >actual
run() {
	"$bin" "$@" >out 2>err </dev/null
	local st=$?
	{
		printf '=== %s\n--- exit %d\n--- stdout\n' "$*" "$st"
		cat out
		printf -- '--- stderr\n'
		cat err
	} >>actual
}
P=(--profile p.yaml)

run --help
run --version
for g in profile migrate tenant; do run "$g" --help; done
for s in status plan apply rollback repair new; do run migrate "$s" --help; done
for s in list status provision deprovision restore migrate; do run tenant "$s" --help; done
for c in "profile check" advise pools; do run $c --help; done
run migrate
run migrate bogus
run tenant
run bogus
run "${P[@]}" migrate status --help

for s in status plan apply rollback repair new; do
	run migrate "$s" "${P[@]}" --bogus
	run migrate "$s" "${P[@]}" --steps 0
	run migrate "$s" "${P[@]}" --lock-wait soon
	run migrate "$s" "${P[@]}" one two
	run migrate "$s" "${P[@]}" --allow-read-only
	run migrate "$s" "${P[@]}" --database nope
	run migrate "$s" "${P[@]}" --module nope
done
run migrate rollback "${P[@]}"
run migrate repair 001_a.sql "${P[@]}"
run migrate repair 001_a.sql --profile two.yaml --module app
run migrate new "${P[@]}"
run migrate new "${P[@]}" x
run migrate new --profile ro.yaml x --module app
run migrate new --profile two.yaml x --module app --database two
run migrate new --profile two.yaml x --module app --database two --json

for s in list status provision deprovision restore migrate; do
	run tenant "$s" "${P[@]}" --bogus
	run tenant "$s" "${P[@]}" --state soon
	run tenant "$s" "${P[@]}" --mode keep
	run tenant "$s" "${P[@]}" --concurrency 0
	run tenant "$s" "${P[@]}" --on-failure retry
	run tenant "$s" "${P[@]}" "o'brien" 'a;b' Upper
	run tenant "$s" --profile two.yaml acme
	run tenant "$s" "${P[@]}" --database nope acme
	case $s in
	list | status) ;; # they take no id: they would connect
	migrate) run tenant "$s" "${P[@]}" --from-file ids.txt ;;
	*)
		run tenant "$s" "${P[@]}" --from-file missing.txt
		run tenant "$s" "${P[@]}" --from-file ids.txt
		;;
	esac
done
run tenant provision "${P[@]}"
run tenant deprovision "${P[@]}" a b
run tenant deprovision "${P[@]}" a
run tenant deprovision "${P[@]}" a --mode drop
run tenant deprovision "${P[@]}" a --mode drop --confirm b
run tenant restore "${P[@]}"
run tenant restore "${P[@]}" a b

run advise "${P[@]}" stray
run pools "${P[@]}" stray
run advise "${P[@]}" --window soon
run advise "${P[@]}" --sample 1ms
run advise "${P[@]}" --window 1h
run advise "${P[@]}" --sample x
run profile check bad.yaml
run profile check many.yaml
run migrate status --profile bad.yaml
run tenant list --profile many.yaml

if [ "${PGDBM_UPDATE_EXPECTED:-0}" = 1 ]; then
	cp actual "$expected"
	echo "wrote $expected"
	exit 0
fi
if ! diff -u "$expected" actual; then
	echo "FAIL: the commands' usage output differs from $expected (diff above)"
	exit 1
fi
echo "test-usage: $(grep -c '^===' actual) invocations as expected"
