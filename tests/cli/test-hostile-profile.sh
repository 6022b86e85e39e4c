#!/usr/bin/env bash
# test-hostile-profile: profiles that try the commands, without a server.
#
# 1. A connection string libpq refuses (an IPv6 address left open, a bad
#    percent-encoding in the password, a URI given as dbname and then a
#    stray word): profile check (text and --json), pools and the console
#    say why, and none of them shows the password that libpq's message
#    quotes. A URI as dbname that libpq accepts is shown without it.
# 2. A profile nested thousands of levels deep (64,000 '[' after "name: ",
#    then 100 KB of them, and as many "- " block levels) is refused at the
#    64th level with its line and column, at once (under a second here, on
#    a loaded machine; tens of milliseconds usually, see the log).
set -u
bin=${PGDBM_CONSOLE:-./pgdbm-console}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
ok() { printf 'ok: %s\n' "$*"; }

# run STATUS WHAT COMMAND...: stdout and stderr together in $work/out
run() {
	local want=$1 what=$2 got
	shift 2
	"$@" >"$work/out" 2>&1 </dev/null
	got=$?
	[ "$got" = "$want" ] || fail "$what: exit status $got, expected $want: $(head -c 600 "$work/out")"
}

# no_secret WHAT: $work/out does not show the password
no_secret() {
	if grep -q "S3cret" "$work/out"; then
		fail "$1 shows the password: $(cat "$work/out")"
	else
		ok "$1 hides the password"
	fi
}

# --- 1. connection strings libpq refuses
refused=(
	"postgresql://u:S3cretPW@[::1:5432/db|IPv6 host address in URI: \"postgresql://u:********@[::1:5432/db\""
	"postgresql://u:S3cret%zzPW@db/x|invalid percent-encoded token: \"********\""
	"dbname='postgresql://u:S3cretPW@[::1/db' stray|missing \"=\" after \"stray\""
	"host=db password=S3cret PW|missing \"=\" after \"********\""
)
for entry in "${refused[@]}"; do
	ci=${entry%%|*}
	want=${entry#*|}
	printf 'databases:\n  main:\n    conninfo: "%s"\n' "${ci//\"/\\\"}" >"$work/p.yaml"
	chmod 600 "$work/p.yaml"
	run 2 "profile check ($ci)" "$bin" profile check "$work/p.yaml"
	grep -F "libpq does not accept this connection string: " "$work/out" | grep -qF "$want" ||
		fail "profile check says why: $(cat "$work/out")"
	no_secret "profile check ($ci)"
	run 2 "profile check --json ($ci)" "$bin" profile check "$work/p.yaml" --json
	no_secret "profile check --json ($ci)"
	run 2 "pools ($ci)" "$bin" pools --profile "$work/p.yaml"
	grep -q "libpq does not accept" "$work/out" || fail "pools says why: $(cat "$work/out")"
	no_secret "pools ($ci)"
	run 2 "the console ($ci)" "$bin" --profile "$work/p.yaml"
	grep -q "libpq does not accept" "$work/out" || fail "the console says why: $(cat "$work/out")"
	no_secret "the console ($ci)"
done
# the same for the PgBouncer admin connection
cat >"$work/b.yaml" <<'YAML'
databases:
  main:
    conninfo: "dbname=x"
    pgbouncer: "postgresql://stats:S3cretPW@[::1:6432/pgbouncer"
YAML
chmod 600 "$work/b.yaml"
run 2 "profile check (pgbouncer)" "$bin" profile check "$work/b.yaml"
no_secret "profile check (pgbouncer)"
# accepted, with a URI as the database name: shown without its password
printf 'databases:\n  main:\n    conninfo: "dbname='"'"'postgresql://u:S3cretPW@db:5432/x'"'"'"\n' >"$work/n.yaml"
chmod 600 "$work/n.yaml"
run 0 "profile check (URI as dbname)" "$bin" profile check "$work/n.yaml"
grep -qF "postgresql://u:********@db:5432/x" "$work/out" ||
	fail "the URI is shown masked: $(cat "$work/out")"
no_secret "profile check (URI as dbname)"

# --- 2. nesting
ms() { date +%s%3N; }
deep() { # deep WHAT FILE LINE:COL
	local what=$1 file=$2 where=$3 t0 t1
	t0=$(ms)
	run 2 "$what" "$bin" profile check "$file"
	t1=$(ms)
	grep -q "$file:$where: error: nesting deeper than 64 levels" "$work/out" ||
		fail "$what: refused at $where: $(head -c 400 "$work/out")"
	if [ $((t1 - t0)) -lt 1000 ]; then
		ok "$what: refused in $((t1 - t0)) ms"
	else
		fail "$what: took $((t1 - t0)) ms"
	fi
}
{ printf 'name: '; head -c 64000 /dev/zero | tr '\0' '['; echo; } >"$work/flow64k.yaml"
deep "64,000 [ after name:" "$work/flow64k.yaml" "1:70"
{ printf 'name: '; head -c 102400 /dev/zero | tr '\0' '['; echo; } >"$work/flow100k.yaml"
deep "100 KB of [" "$work/flow100k.yaml" "1:70"
{ printf 'name: '; for _ in $(seq 1 2000); do printf '{a: '; done; echo; } >"$work/maps.yaml"
deep "2,000 nested flow mappings" "$work/maps.yaml" "1:259"
{
	echo "databases:"
	for i in $(seq 1 5000); do printf '%*s- \n' "$i" ''; done
} >"$work/block.yaml"
deep "5,000 nested block sequences" "$work/block.yaml" "65:65"
# 64 levels are still a profile's business (here: a wrong type, not nesting)
{ printf 'name: '; head -c 63 /dev/zero | tr '\0' '['; head -c 63 /dev/zero | tr '\0' ']'; echo; } >"$work/flow63.yaml"
run 2 "63 levels" "$bin" profile check "$work/flow63.yaml"
grep -q "nesting" "$work/out" && fail "63 levels are refused for their depth: $(cat "$work/out")"

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "test-hostile-profile: all checks passed"
