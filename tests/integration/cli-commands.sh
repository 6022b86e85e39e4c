#!/usr/bin/env bash
# cli-commands: the migrate and tenant commands as scripts use them: exit
# status, stderr messages and JSON, against the harness server.
set -u
bin=${PGDBM_CONSOLE:?PGDBM_CONSOLE names the binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
expect_status() { # want what command...
	local want=$1 what=$2
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	local got=$?
	[ "$got" = "$want" ] || fail "$what: exit $got, expected $want; stderr: $(head -c 400 "$work/err")"
}
have_jq=no
command -v jq >/dev/null && have_jq=yes

psql -Xqc "CREATE DATABASE clitest" || exit 1
mkdir -p "$work/m/down" "$work/t"
cat >"$work/p.yaml" <<YAML
databases:
  main:
    conninfo: "dbname=clitest"
    modules:
      - { name: app, migrations: m }
    tenants:
      migrations: t
      canaries: 0
      on_failure: continue
YAML
printf 'CREATE TABLE {{tables.a}} (x int);\n' >"$work/m/001_a.sql"
printf 'DROP TABLE {{tables.a}};\n' >"$work/m/down/001_a.sql"
printf 'CREATE TABLE {{tables.p}} (x int);\n' >"$work/t/001_p.sql"
P=(--profile "$work/p.yaml")

# --- command groups: --help lists the subcommands, a missing one is a usage error
expect_status 0 "migrate --help" "$bin" migrate --help
grep -q "pgdbm-console migrate rollback --module NAME" "$work/out" || fail "migrate --help lists rollback: $(cat "$work/out")"
expect_status 0 "tenant --help" "$bin" tenant --help
grep -q "pgdbm-console tenant provision ID" "$work/out" || fail "tenant --help lists provision: $(cat "$work/out")"
expect_status 2 "migrate without a subcommand" "$bin" migrate
grep -q "missing subcommand" "$work/err" && grep -q "pgdbm-console migrate apply" "$work/err" ||
	fail "migrate alone says what is missing and lists the subcommands: $(cat "$work/err")"

# --- migrate
expect_status 0 "status with pending" "$bin" migrate status "${P[@]}"
grep -q "pending *001_a.sql" "$work/out" || fail "status lists the pending file: $(cat "$work/out")"
expect_status 1 "status --check with pending" "$bin" migrate status "${P[@]}" --check
expect_status 0 "plan --sql" "$bin" migrate plan "${P[@]}" --sql
grep -q '"app".a' "$work/out" || fail "plan shows rendered SQL: $(cat "$work/out")"
expect_status 0 "apply" "$bin" migrate apply "${P[@]}"
grep -q "applied 001_a.sql" "$work/out" || fail "apply reports the file"
expect_status 0 "status --check when current" "$bin" migrate status "${P[@]}" --check
printf 'SELECT 1;\nSELECT nope FROM nowhere;\n' >"$work/m/002_bad.sql"
expect_status 1 "apply of a failing file" "$bin" migrate apply "${P[@]}"
grep -q "002_bad.sql:2: relation \"nowhere\" does not exist" "$work/err" ||
	fail "the error names file and line: $(cat "$work/err")"
expect_status 1 "status shows the failure" "$bin" migrate status "${P[@]}"
grep -q "failed *002_bad.sql" "$work/out" || fail "status marks it failed: $(cat "$work/out")"
rm "$work/m/002_bad.sql"
printf 'CREATE TABLE {{tables.a}} (x bigint);\n' >"$work/m/001_a.sql"
expect_status 1 "status with drift" "$bin" migrate status "${P[@]}"
expect_status 1 "apply refuses drift" "$bin" migrate apply "${P[@]}"
grep -q "was modified after it was applied" "$work/err" || fail "drift message: $(cat "$work/err")"
# a repair the server refuses reports nothing accepted (the ledger keeps the old checksum)
psql -Xq clitest <<'SQL' || fail "cannot freeze the ledger"
CREATE FUNCTION public.frozen() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN RAISE EXCEPTION 'the ledger is frozen'; END$$;
CREATE TRIGGER frozen BEFORE UPDATE ON app.schema_migrations
  FOR EACH ROW EXECUTE FUNCTION public.frozen();
SQL
old_sum=$(psql -XAtc "SELECT checksum FROM app.schema_migrations WHERE filename = '001_a.sql'" clitest)
expect_status 1 "a refused repair" "$bin" migrate repair 001_a.sql "${P[@]}" --module app
grep -q "the ledger is frozen" "$work/err" || fail "a refused repair says why: $(cat "$work/err")"
grep -q "accepted checksum" "$work/out" && fail "a refused repair reports the checksum accepted: $(cat "$work/out")"
if [ "$have_jq" = yes ]; then
	expect_status 1 "a refused repair --json" "$bin" migrate repair 001_a.sql "${P[@]}" --module app --json
	jq -e '.ok == false and (.modules[0].done | length) == 0' "$work/out" >/dev/null ||
		fail "a refused repair's JSON lists nothing done: $(cat "$work/out")"
fi
[ "$(psql -XAtc "SELECT checksum FROM app.schema_migrations WHERE filename = '001_a.sql'" clitest)" = "$old_sum" ] ||
	fail "the refused repair changed the ledger"
psql -Xqc "DROP TRIGGER frozen ON app.schema_migrations; DROP FUNCTION public.frozen()" clitest
expect_status 0 "repair" "$bin" migrate repair 001_a.sql "${P[@]}" --module app
grep -q "001_a.sql: accepted checksum" "$work/out" || fail "a repair reports the checksum accepted: $(cat "$work/out")"
expect_status 0 "status after repair" "$bin" migrate status "${P[@]}" --check
expect_status 2 "rollback of an unknown module" "$bin" migrate rollback "${P[@]}" --module nope
expect_status 0 "rollback" "$bin" migrate rollback "${P[@]}" --module app
if [ "$have_jq" = yes ]; then
	expect_status 1 "status --json --check" "$bin" migrate status "${P[@]}" --json --check
	jq -e '.modules[0].counts.pending == 1 and .ok == false' "$work/out" >/dev/null ||
		fail "status JSON: $(cat "$work/out")"
fi
expect_status 0 "new" "$bin" migrate new add_b "${P[@]}" --module app
[ -f "$work/m/002_add_b.sql" ] && [ -f "$work/m/down/002_add_b.sql" ] || fail "new wrote 002_add_b.sql and its down file"

# --- tenant
expect_status 2 "provision of bad ids" "$bin" tenant provision "${P[@]}" "o'brien" "a;b" Upper
grep -q "contains a quote" "$work/err" && grep -q "contains a semicolon" "$work/err" &&
	grep -q "contains upper case" "$work/err" || fail "every bad id is named: $(cat "$work/err")"
[ "$(psql -XAtc "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant%'" clitest)" = 0 ] ||
	fail "no schema after refused ids"
printf 'acme\n# a comment\nglobex\n\n' >"$work/ids.txt"
expect_status 0 "provision from a file" "$bin" tenant provision "${P[@]}" --from-file "$work/ids.txt" initech
grep -q "3 provisioned, 0 failed" "$work/out" || fail "3 provisioned: $(cat "$work/out")"
expect_status 1 "provision again" "$bin" tenant provision "${P[@]}" acme
expect_status 2 "deprovision without confirm" "$bin" tenant deprovision "${P[@]}" acme --mode drop
expect_status 2 "deprovision with a wrong confirm" "$bin" tenant deprovision "${P[@]}" acme --mode drop --confirm globex
expect_status 0 "archive" "$bin" tenant deprovision "${P[@]}" acme --mode archive --confirm acme
expect_status 0 "restore" "$bin" tenant restore "${P[@]}" acme
printf 'ALTER TABLE {{tables.p}} ADD COLUMN y int;\n' >"$work/t/002_y.sql"
psql -Xqc "ALTER TABLE tenant_globex.p ADD COLUMN y int" clitest
expect_status 1 "tenant status --check with pending" "$bin" tenant status "${P[@]}" --check
expect_status 1 "fan-out with one failure" "$bin" tenant migrate "${P[@]}"
grep -q "globex FAILED" "$work/out" || fail "the failed tenant is named: $(cat "$work/out")"
grep -q "2 migrated, 1 failed" "$work/out" || fail "summary: $(cat "$work/out")"
if [ "$have_jq" = yes ]; then
	expect_status 0 "tenant list --json" "$bin" tenant list "${P[@]}" --json --state pending
	jq -e '.databases[0].tenants | length == 1 and .[0].id == "globex"' "$work/out" >/dev/null ||
		fail "list JSON filtered by state: $(cat "$work/out")"
fi

# --- an interrupted fan-out starts no new tenant and leaves each tenant whole
mkdir -p "$work/slow"
printf 'CREATE TABLE {{tables.s}} (x int);\n' >"$work/slow/001_s.sql"
cat >"$work/slow.yaml" <<YAML
databases:
  main:
    conninfo: "dbname=clitest"
    tenants:
      prefix: slow_
      migrations: slow
      canaries: 0
      concurrency: 1
YAML
for i in 1 2 3 4 5 6 7 8; do echo "s$i"; done >"$work/slow-ids.txt"
expect_status 0 "provision the slow tenants" "$bin" tenant provision --profile "$work/slow.yaml" --from-file "$work/slow-ids.txt"
printf 'SELECT pg_sleep(0.4);\nCREATE TABLE {{tables.t}} (x int);\n' >"$work/slow/002_t.sql"
"$bin" tenant migrate --profile "$work/slow.yaml" >"$work/out" 2>"$work/err" &
fan=$!
sleep 1.1
kill -INT "$fan"
wait "$fan"
st=$?
[ "$st" = 1 ] || fail "an interrupted fan-out exits 1, got $st: $(cat "$work/err")"
grep -q "interrupted: no new tenant starts" "$work/err" || fail "the interrupt is acknowledged: $(cat "$work/err")"
grep -q "cancelled" "$work/out" || fail "the summary says cancelled: $(cat "$work/out")"
done_n=$(psql -XAtc "SELECT count(*) FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
	WHERE n.nspname LIKE 'slow\_%' AND c.relname = 't'" clitest)
ledger_n=0
for i in 1 2 3 4 5 6 7 8; do
	ledger_n=$((ledger_n + $(psql -XAtc "SELECT count(*) FROM slow_s$i.schema_migrations WHERE filename = '002_t.sql'" clitest)))
done
[ "$done_n" -ge 1 ] && [ "$done_n" -lt 8 ] || fail "some but not all tenants migrated before the interrupt took effect: $done_n"
[ "$done_n" = "$ledger_n" ] || fail "every migrated tenant has its ledger row and no other: tables $done_n, rows $ledger_n"

# --- interrupted while it waits for its first connection (a server that
# accepts and never answers): it ends at once, saying so, and exits 1
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
' >"$work/mute.port" &
mute=$!
for _ in $(seq 50); do [ -s "$work/mute.port" ] && break; sleep 0.1; done
cat >"$work/mute.yaml" <<YAML
databases:
  main:
    conninfo: "host=127.0.0.1 port=$(cat "$work/mute.port") dbname=x connect_timeout=60"
    pool: { acquire_timeout: 1m }
    tenants:
      migrations: t
YAML
"$bin" tenant provision acme --profile "$work/mute.yaml" >"$work/out" 2>"$work/err" &
prov=$!
sleep 0.5
t0=$(date +%s%N)
kill -INT "$prov"
wait "$prov"
st=$?
took_ms=$((($(date +%s%N) - t0) / 1000000))
kill "$mute" 2>/dev/null
wait "$mute" 2>/dev/null
[ "$st" = 1 ] || fail "a provision interrupted while waiting for a connection exits 1, got $st: $(cat "$work/err")"
[ "$took_ms" -lt 3000 ] || fail "it ends at once, not when the pool gives up: took ${took_ms} ms"
grep -qx "main: cancelled while waiting for a connection (no tenant was touched)" "$work/out" ||
	fail "it says it was cancelled while waiting: $(cat "$work/out")"

# --- a server restart mid fan-out: the report says what the ledgers hold,
# every applied file has its event, and tenants not started are retried
# (issue 13)
if [ -n "${PGDBM_HARNESS_DIR:-}" ]; then
	cat >"$work/restart.yaml" <<YAML
databases:
  main:
    conninfo: "dbname=clitest"
    tenants:
      prefix: slow_
      migrations: slow
      canaries: 0
      concurrency: 2
      on_failure: continue
YAML
	# finish what the interrupted run left, then a slow new file
	expect_status 0 "the slow tenants current" "$bin" tenant migrate --profile "$work/restart.yaml"
	printf 'SELECT pg_sleep(0.3);\nCREATE TABLE {{tables.u}} (x int);\n' >"$work/slow/003_u.sql"
	rows() { # tenants whose ledger has 003_u.sql
		local n=0 i
		for i in 1 2 3 4 5 6 7 8; do
			n=$((n + $(psql -XAtc "SELECT count(*) FROM slow_s$i.schema_migrations WHERE filename = '003_u.sql'" clitest 2>/dev/null || echo 0)))
		done
		echo "$n"
	}
	"$bin" tenant migrate --profile "$work/restart.yaml" >"$work/out" 2>"$work/err" &
	fan=$!
	deadline=$(($(date +%s) + 60))
	while [ "$(rows)" -lt 2 ] && kill -0 "$fan" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
		sleep 0.05
	done
	"${srcdir:-.}/tests/pg-harness" ctl restart || fail "the harness restarts the server"
	wait "$fan"
	st=$?
	migrated=$(sed -n 's/^main: \([0-9]*\) migrated, \([0-9]*\) failed.*/\1/p' "$work/out")
	failed=$(sed -n 's/^main: \([0-9]*\) migrated, \([0-9]*\) failed.*/\2/p' "$work/out")
	held=$(rows)
	events=$(psql -XAtc "SELECT count(*) FROM pgdbm_console.events WHERE action = 'apply' AND filename = '003_u.sql'" clitest)
	[ -n "$migrated" ] || fail "a summary after the restart: $(cat "$work/out" "$work/err")"
	[ "$migrated" = "$held" ] || fail "the report says $migrated migrated, the ledgers hold $held: $(cat "$work/out")"
	[ "$events" = "$held" ] || fail "$held ledger rows but $events apply events"
	[ "$((migrated + failed))" = 8 ] || fail "every tenant migrated or failed (none left unstarted): $(cat "$work/out")"
	[ "$failed" -le 2 ] || fail "only a tenant whose file ran (one per connection) may fail: $(cat "$work/out")"
	if [ "$failed" = 0 ]; then want=0; else want=1; fi
	[ "$st" = "$want" ] || fail "exit $st with $failed failed"
fi

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "cli-commands: all checks passed"
