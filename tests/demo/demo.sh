#!/usr/bin/env bash
# demo: the README's first command end to end, in tmux.
#
# Runs scripts/demo.sh --no-build (the binary under test, its own throwaway
# cluster, its own load) with a private TMPDIR, waits for the console to
# show the demo (within 60 s), visits every view (Fleet, Pools, Activity,
# Schemas, Tenants, Migrations, Wizard, the Advisor panel) and checks each
# shows the demo's live data, quits with q, and checks that nothing is left: no
# process that was started with the private TMPDIR in its command line or
# environment (the server, pgbench, psql), and no file in that TMPDIR.
. "$(dirname "$0")/../tui/lib.sh"

command -v pgbench >/dev/null || { echo "pgbench not installed: skipped"; exit 77; }
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${PG_BINDIR:-}" ]; then
	echo "no PostgreSQL server installed: skipped"
	exit 77
fi

# the harness's folder goes in here; as root the server runs as postgres,
# which must be able to reach it
demo_tmp=$tui_dir/t
mkdir "$demo_tmp"
chmod 0755 "$tui_dir" "$demo_tmp"

# Processes that belong to this demo: its TMPDIR in their command line or
# their environment.
demo_processes() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		if grep -qaF -- "$demo_tmp" "$p/cmdline" 2>/dev/null ||
			grep -qaF -- "TMPDIR=$demo_tmp" "$p/environ" 2>/dev/null ||
			grep -qaF -- "PGHOST=$demo_tmp" "$p/environ" 2>/dev/null; then
			printf '%s %s\n' "${p#/proc/}" "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-80)"
		fi
	done
}

t0=$(now_ms)
tui_start 130x40 env TMPDIR="$demo_tmp" PGDBM_CONSOLE="$PGDBM_CONSOLE" \
	"$srcdir/scripts/demo.sh" --no-build
expect "the console shows the demo database live" "demo ● live" 60
t1=$(now_ms)
echo "  the demo came up in $(((t1 - t0) / 1000)) s"

# 1 Pools: the four services' pools, one near its max, the alerts
expect_re "orders_pool runs 7 of its 8 (close to its max)" "orders_pool +7 .* 8 .*8[0-9]%" 20
expect_re "users_pool, billing_pool and tenant_pool are there" "users_pool" 5
expect_re "tenant_pool is there" "tenant_pool" 5
expect "billing_pool has a session idle in transaction" "(billing_pool) idle in transaction for" 20
expect "a session waits for billing_pool's lock" "waiting for a lock" 20

# 2 Activity: the sessions, the lock wait
keys 2
expect_re "Activity lists the sessions" "[0-9]+ of [0-9]+ sessions"
expect "Activity shows the lock wait" "Lock:transactionid"
expect "Activity shows the orders load" "pg_sleep"

# 0 Fleet: the database with its pending migrations and tenants
keys 0
expect_re "Fleet shows demo live with 200 tenants and pending migrations" "demo +live .* 2 +200 +200 " 40

# 3 Schemas: the services and the tenants
keys 3
expect "Schemas lists 3 service and 200 tenant schemas" "3 module, 200 tenant"
expect_re "Schemas shows billing's pending migration" "billing +module .*1 applied, 1 pending"

# 4 Tenants: 200, each with the third migration pending
keys 4
expect "Tenants lists the 200 tenants" "200 tenants"
expect_re "a tenant has 2 applied, 1 pending" "c001 +pending .* 2 +1 +0 "

# 5 Migrations: the queue with the pending service and tenant migrations
keys 5
expect_re "Migrations shows users' pending migration" "users +003_index_users_name.sql +pending"
expect_re "Migrations shows the tenant migration pending on 200" "tenants +003_tasks_due_date.sql +pending .*0 applied"

# 6 Wizard: the first question of the decision tree
keys 6
expect "Wizard asks the first question" "How many services?"

# A Advisor: the idle transaction found with its evidence
keys A
expect "the advisor finishes on the demo" "done at" 30
expect_re "the advisor reports billing_pool's idle transaction" "idle-in-transaction billing_pool"
keys Escape

quit_and_check_terminal

# nothing left behind (the tmux server that ran it goes first)
tmx kill-server >/dev/null 2>&1
deadline=$(($(now_ms) + 20000))
while [ -n "$(demo_processes)" ] && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.2; done
left=$(demo_processes)
if [ -z "$left" ]; then ok "no process of the demo is left"; else fail "processes left: $left"; fi
if [ -z "$(ls -A "$demo_tmp")" ]; then
	ok "the demo's temporary folder is empty (the cluster is removed)"
else
	fail "left in the temporary folder: $(ls -A "$demo_tmp")"
fi
finish
