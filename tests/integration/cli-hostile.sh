#!/usr/bin/env bash
# cli-hostile: text from the server and from file names reaches the terminal
# only through the sanitiser, against the harness server.
#
# Hostile text: ESC sequences (CSI colours, an OSC window title ended by
# BEL), the C1 control U+009B (CSI) and DEL, in a migration file name, in
# ledger rows (a file name that is on no disk, applied_by), in a RAISE
# EXCEPTION message, in a NOTICE, in a tenant's ledger and in a schema the
# advisor reports. The text output of migrate status/plan/apply, tenant list
# and advise, standard error and the --log file must hold no C0 control byte
# but newline and tab, no DEL and no C1 control (raw or UTF-8 encoded),
# under a C and a UTF-8 locale, while --json gives the exact text back.
# Also: status prints no execution time for a ledger row without one.
set -u
export LC_ALL=C # the checks below name the C locale's rendering; runs say when not
bin=${PGDBM_CONSOLE:?PGDBM_CONSOLE names the binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
ok() { printf 'ok: %s\n' "$*"; }
have_jq=no
command -v jq >/dev/null && have_jq=yes

# run STATUS WHAT COMMAND...: stdout in $work/out, stderr in $work/err
run() {
	local want=$1 what=$2
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	local got=$?
	[ "$got" = "$want" ] || fail "$what: exit $got, expected $want; stderr: $(head -c 400 "$work/err" | od -c | head -5)"
}

# clean WHAT FILE [utf8]: FILE holds no control byte but \n and \t; in the C
# locale nothing above 0x7f either (what the locale cannot show is '?'); in
# a UTF-8 locale valid UTF-8 without C1 controls
clean() {
	local what=$1 file=$2 mode=${3:-c}
	if perl -e '
		local $/; my $t = <STDIN>;
		exit 1 if $t =~ /[\x00-\x08\x0b-\x1f\x7f]/;
		if ($ARGV[0] eq "c") { exit 1 if $t =~ /[\x80-\xff]/; exit 0 }
		utf8::decode($t) or exit 1;
		exit 1 if $t =~ /[\x{80}-\x{9f}]/;
		exit 0' "$mode" <"$file"; then
		ok "$what: no control character ($mode locale)"
	else
		fail "$what: control characters reach the terminal ($mode locale): $(od -c "$file" | head -20)"
	fi
}

ESC=$'\e'
BEL=$'\a'
C1=$'\xc2\x9b'
psql -Xqc "CREATE DATABASE clihostile" || exit 1
mkdir -p "$work/m" "$work/t"
cat >"$work/p.yaml" <<YAML
databases:
  main:
    conninfo: "dbname=clihostile"
    modules:
      - { name: app, migrations: m }
    tenants:
      migrations: t
      canaries: 0
YAML
P=(--profile "$work/p.yaml")

# a file name with an OSC title, a CSI and UTF-8 text
evil_file="002_caf"$'\xc3\xa9'"_${ESC}]0;file-title${BEL}_${ESC}[31mred.sql"
printf 'CREATE TABLE {{tables.a}} (x int);\n' >"$work/m/001_a.sql"
printf 'SELECT 1;\n' >"$work/m/$evil_file"
cat >"$work/m/003_raise.sql" <<'SQL'
DO $$
BEGIN
  RAISE NOTICE E'notice \x1b[5mblink\x1b[0m \u009b2J and \x7f';
  RAISE EXCEPTION E'boom \x1b]0;owned\x07 \u009b31m end';
END
$$;
SQL
raise_msg="boom ${ESC}]0;owned${BEL} ${C1}31m end"

# --- plan and apply: the file name, the RAISE message, the NOTICE in the log
for loc in C C.UTF-8; do
	mode=c
	[ "$loc" = C.UTF-8 ] && mode=utf8
	run 0 "plan ($loc)" env LC_ALL=$loc "$bin" migrate plan "${P[@]}"
	grep -q "apply 002_caf" "$work/out" || fail "plan lists the file: $(od -c "$work/out" | head)"
	clean "migrate plan stdout" "$work/out" $mode
	clean "migrate plan stderr" "$work/err" $mode
done
run 1 "apply stops at the RAISE" "$bin" migrate apply "${P[@]}" --log "$work/apply.log"
grep -q "applied 002_caf??_?]0;file-title?_?\[31mred.sql" "$work/out" &&
	ok "the applied file is named, its controls shown as ?" ||
	fail "apply names the file with ? for its controls: $(od -c "$work/out" | head)"
grep -q "003_raise.sql:.*boom ?]0;owned? ??31m end" "$work/err" &&
	ok "the RAISE message is shown, its controls as ?" ||
	fail "apply shows the RAISE message: $(od -c "$work/err" | head -20)"
clean "migrate apply stdout" "$work/out"
clean "migrate apply stderr" "$work/err"
grep -q "notice \[[^]]*\] .*notice ?\[5mblink?\[0m ??2J and ?" "$work/apply.log" &&
	ok "the NOTICE is in the log file, its controls as ?" ||
	fail "the NOTICE is in the log: $(od -c "$work/apply.log" | head -30)"
clean "--log file" "$work/apply.log"
if [ "$have_jq" = yes ]; then
	run 1 "apply --json" "$bin" migrate apply "${P[@]}" --json
	jq -e --arg m "$raise_msg" '.modules[0].error.message == $m' "$work/out" >/dev/null &&
		ok "apply --json gives the exact RAISE message" ||
		fail "apply --json: $(od -c "$work/out" | head -30)"
fi

# --- status: ledger rows with hostile text, and one without execution time
rm "$work/m/003_raise.sql"
psql -Xq -d clihostile -v ON_ERROR_STOP=1 <<'SQL' || exit 1
INSERT INTO app.schema_migrations (filename, checksum, module_name, execution_time_ms)
VALUES (E'000_\x1b[2Jghost\u009b.sql', repeat('0', 64), 'app', 7);
UPDATE app.schema_migrations SET applied_by = E'\x1b]0;by\x07me'
 WHERE filename LIKE '002_%';
UPDATE app.schema_migrations SET execution_time_ms = NULL WHERE filename = '001_a.sql';
SQL
for loc in C C.UTF-8; do
	mode=c
	[ "$loc" = C.UTF-8 ] && mode=utf8
	run 0 "status ($loc)" env LC_ALL=$loc "$bin" migrate status "${P[@]}"
	clean "migrate status stdout" "$work/out" $mode
	clean "migrate status stderr" "$work/err" $mode
done
grep -q "missing *000_?\[2Jghost?.sql" "$work/out" ||
	fail "status lists the ledger's file name: $(od -c "$work/out" | head -30)"
grep -q "002_caf\(é\|??\)_?]0;file-title?_?\[31mred.sql .* by ?]0;by?me" "$work/out" ||
	fail "status shows applied_by: $(cat -v "$work/out")"
grep "001_a.sql" "$work/out" | grep -q " ms" &&
	fail "a ledger row without execution time shows one: $(grep 001_a.sql "$work/out")" ||
	ok "no execution time shown when the ledger has none"
if [ "$have_jq" = yes ]; then
	run 0 "status --json" "$bin" migrate status "${P[@]}" --json
	jq -e --arg f "$evil_file" --arg g "000_${ESC}[2Jghost${C1}.sql" \
		--arg by "${ESC}]0;by${BEL}me" '
		[.modules[0].migrations[] | .filename] as $names
		| ($names | index($f)) != null and ($names | index($g)) != null
		and ([.modules[0].migrations[] | select(.filename == $f) | .applied_by][0] == $by)
		and ([.modules[0].migrations[] | select(.filename == "001_a.sql")
		      | .execution_time_ms][0] == null)' "$work/out" >/dev/null &&
		ok "status --json gives the exact file names and applied_by" ||
		fail "status --json: $(od -c "$work/out" | head -40)"
	LC_ALL=C clean "status --json" "$work/out" utf8
fi

# --- tenant list: a tenant ledger's last file name
printf 'CREATE TABLE {{tables.p}} (x int);\n' >"$work/t/001_p.sql"
run 0 "provision" "$bin" tenant provision "${P[@]}" acme
psql -Xq -d clihostile -v ON_ERROR_STOP=1 -c "INSERT INTO tenant_acme.schema_migrations
	(filename, checksum, module_name, execution_time_ms)
	VALUES (E'009_\x1b]0;tenant\x07\u009bx.sql', repeat('0', 64), 'tenant_acme', 3)" || exit 1
run 0 "tenant list" "$bin" tenant list "${P[@]}"
grep -q "acme .*009_?]0;tenant???x.sql" "$work/out" ||
	fail "tenant list shows the last file: $(od -c "$work/out" | head -20)"
clean "tenant list stdout" "$work/out"
clean "tenant list stderr" "$work/err"
if [ "$have_jq" = yes ]; then
	run 0 "tenant list --json" "$bin" tenant list "${P[@]}" --json
	jq -e --arg f "009_${ESC}]0;tenant${BEL}${C1}x.sql" \
		'.databases[0].tenants[0].last_migration == $f' "$work/out" >/dev/null &&
		ok "tenant list --json gives the exact file name" ||
		fail "tenant list --json: $(od -c "$work/out" | head -30)"
fi

# --- advise: a schema whose ledger belongs to no module of the profile
evil_schema="evil${ESC}[41m${C1}x"
psql -Xq -d clihostile -v ON_ERROR_STOP=1 -c "CREATE SCHEMA \"$evil_schema\";
	CREATE TABLE \"$evil_schema\".schema_migrations (id serial, filename varchar(255),
		checksum varchar(64), module_name varchar(100), applied_at timestamp DEFAULT now(),
		applied_by varchar(100), execution_time_ms int);
	INSERT INTO \"$evil_schema\".schema_migrations (filename, checksum, module_name)
		VALUES ('001_x.sql', 'x', E'mod\\x1b]0;m\\x07')" || exit 1
run 1 "advise" "$bin" advise "${P[@]}" --window 400ms --sample 100ms
grep -q "schema evil?\[41m??x has a pgdbm ledger" "$work/out" ||
	fail "advise names the schema: $(od -c "$work/out" | head -40)"
clean "advise stdout" "$work/out"
clean "advise stderr" "$work/err"
if [ "$have_jq" = yes ]; then
	run 1 "advise --json" "$bin" advise "${P[@]}" --window 400ms --sample 100ms --json
	jq -e --arg s "$evil_schema" 'any(.databases[0].findings[]; .subject == $s)' \
		"$work/out" >/dev/null && ok "advise --json gives the exact schema name" ||
		fail "advise --json: $(head -c 2000 "$work/out" | od -c | head -30)"
	clean "advise --json" "$work/out" utf8
fi

# --- newlines: text from a ledger, a file name or a schema cannot make a
# line of its own (a fake "applied" row, a fake file to apply, a fake tenant)
fake_row='  applied       999_fake.sql'
psql -Xq -d clihostile -v ON_ERROR_STOP=1 <<'SQL' || exit 1
INSERT INTO app.schema_migrations (filename, checksum, module_name, applied_by)
VALUES (E'005_nl.sql\n  applied       999_fake.sql', repeat('0', 64), 'app',
        E'me\r\n  applied       998_fake.sql');
INSERT INTO tenant_acme.schema_migrations (filename, checksum, module_name)
VALUES (E'010_nl.sql\nglobex                           1 current', repeat('0', 64),
        'tenant_acme');
SQL
run 0 "status (newlines)" "$bin" migrate status "${P[@]}"
grep -Eq '^ +applied +99[89]_fake' "$work/out" &&
	fail "a ledger row's newline makes a fake status line: $(cat -A "$work/out")" ||
	ok "status: a file name or applied_by with a newline stays on its row"
grep -Eq "005_nl.sql   applied       999_fake.sql .* by me +applied       998_fake.sql" \
	"$work/out" || fail "status shows the row whole on one line: $(cat -A "$work/out")"
printf 'SELECT 1;\n' >"$work/m/006_nl"$'\n'"  apply 999_fake.sql"
run 0 "plan (newline in a file name)" "$bin" migrate plan "${P[@]}"
grep -q '^  apply 999_fake.sql' "$work/out" &&
	fail "a file name's newline makes a fake plan step: $(cat -A "$work/out")" ||
	ok "plan: a file name with a newline stays on its step"
grep -q '^  apply 006_nl   apply 999_fake.sql  (' "$work/out" ||
	fail "plan names the file on one line: $(cat -A "$work/out")"
rm -f "$work/m/006_nl"$'\n'"  apply 999_fake.sql"
run 0 "tenant list (newlines)" "$bin" tenant list "${P[@]}"
grep -q '^globex' "$work/out" &&
	fail "a tenant ledger's newline makes a fake tenant: $(cat -A "$work/out")" ||
	ok "tenant list: a file name with a newline stays on its tenant's row"

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "cli-hostile: all checks passed"
