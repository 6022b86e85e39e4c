#!/usr/bin/env bash
# auth: a wrong password is not retried once a second forever.
#
# The harness server asks role bob for a password on TCP (scram-sha-256);
# the console is given a wrong one (PGPASSWORD). Authentication failures
# do not go away by themselves: the console backs off exponentially (up to
# a minute, never less than 30 s between attempts once there), and says so
# in the database's state (Pools, Fleet) and in the message log. The server's log counts
# the failed logins from the start to the end of a 20 s window: the
# delays double from 2 s (each jittered down to half at most), so the
# fifth retry comes 31 s after the first attempt at the earliest; with a
# second first attempt (two requests at start) at most 6 fit, where a 1 s
# retry of every waiting request made about 40. The wrong password never
# shows on the screen or in the log file.
. "$(dirname "$0")/lib.sh"

[ -n "${PGDBM_HARNESS_LOG:-}" ] && [ -n "${PGDBM_HARNESS_TCP_PORT:-}" ] && [ -n "${PGDBM_HARNESS_DIR:-}" ] ||
	{ echo "needs the harness server (its log, TCP port and folder): skipped"; exit 77; }
hba=$PGDBM_HARNESS_DIR/data/pg_hba.conf
psql -X -q -c "CREATE ROLE bob LOGIN PASSWORD 'the-right-one'" || { echo "cannot create the role"; exit 1; }
# the harness trusts everyone: bob over TCP must give a password
sed -i '1i host all bob 127.0.0.1/32 scram-sha-256' "$hba" || { echo "cannot edit $hba"; exit 1; }
[ "$(psql -X -Atqc "SELECT pg_reload_conf()")" = t ] || { echo "cannot reload the server"; exit 1; }
if PGPASSWORD=nope psql -X -q -h 127.0.0.1 -p "$PGDBM_HARNESS_TCP_PORT" -U bob -c "SELECT 1" >/dev/null 2>&1; then
	echo "the server did not ask bob for a password"
	exit 1
fi

wrong=hunter2-wrong-password
cat >"$tui_dir/profile.yaml" <<YAML
name: authtest
refresh: 500ms
databases:
  main:
    conninfo: "host=127.0.0.1 port=$PGDBM_HARNESS_TCP_PORT user=bob dbname=postgres"
    pool: { min: 1, max: 4, acquire_timeout: 2s }
YAML

failed_logins() {
	tail -c +"$((log_from + 1))" "$PGDBM_HARNESS_LOG" | grep -c 'password authentication failed for user "bob"' || true
}

log_from=$(stat -c %s "$PGDBM_HARNESS_LOG")
tui_start 160x30 env PGPASSWORD="$wrong" "$PGDBM_CONSOLE" --profile "$tui_dir/profile.yaml" \
	--no-mouse --log "$tui_dir/console.log"
expect "the database is not live" "main ○"
expect_re "its state says the authentication failed and that it backs off" \
	"retrying in [0-9]+s.*authentication failed.*backing off"
window_start=$(now_ms)
sleep 20 # the window over which failed logins are counted
n=$(failed_logins)
took=$(($(now_ms) - window_start))
if [ "$n" -ge 1 ] && [ "$n" -le 6 ]; then
	ok "$n failed logins in the server log over ${took} ms (backing off)"
else
	fail "$n failed logins in the server log over ${took} ms (expected 1 to 6)"
fi
keys 0
expect_re "the Fleet view's state says auth failed, not unreachable" "main +auth failed "
expect "the Fleet summary counts it" "1 database: 0 live, 1 auth failed"
keys L
expect "the message log says the login failed" "authentication failed: backing off up to 1m between attempts"
if screen_has "$wrong"; then fail "the password is on the screen"; else ok "the password is not on the screen"; fi
keys Escape
quit_and_check_terminal
grep -q 'authentication failed: backing off up to 1m between attempts .*password authentication failed for user "bob"' \
	"$tui_dir/console.log" && ok "the log file has the server's reason" ||
	fail "the log file lacks the failure: $(cat "$tui_dir/console.log")"
if grep -qF "$wrong" "$tui_dir/console.log" 2>/dev/null; then
	fail "the password is in the log file"
else
	ok "the password is not in the log file"
fi
finish
