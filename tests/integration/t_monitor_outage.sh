#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_monitor_outage.sh - a registry outage of several rounds (PostgreSQL stopped; a SQLite registry
# locked): a monitor that has its status and server list goes on checking, keeps the checks
# (xpool_monitor_pending_checks), logs the outage once when it starts and once when it ends, and
# writes every check exactly once when the registry is back (issue 19: the rounds paused and the
# warning repeated every round).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (postgres user, network namespaces)"; exit 77; }
id postgres >/dev/null 2>&1 || { echo "no postgres user (Debian postgresql missing)"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
xp_pg_start
uri() { echo "postgresql:///$1?host=$XP_PG&user=${2:-postgres}"; }
N=20 # servers; silent, so each check is one deadline (100 ms) and a round well under a second

M=$XP_PREFIX-mon
S=$XP_PREFIX-silent
for ns in $M $S; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
ip link add vm netns "$M" type veth peer name vsil netns "$S"
ip -n "$M" addr add 10.209.0.2/24 dev vm
ip -n "$S" addr add 10.209.0.1/24 dev vsil
ip -n "$M" link set vm up
ip -n "$S" link set vsil up
ip -n "$M" link set lo up
# the servers in another /16 behind the peer, which drops what is not its own
ip -n "$M" route add 10.210.0.0/16 via 10.209.0.1
xp_chronyd "$M" clock "local stratum 1" "port 0" || xp_fail "chronyd"
xp_chrony_local clock

# metric NAME: from the monitor's endpoint, asked again while it does not answer (a SQLite
# registry's lock holds the monitor up to its busy timeout, 10 s); empty after 30 s
metric() {
	local v end=$((SECONDS + 30))
	while [ $SECONDS -lt $end ]; do
		v=$(xp_ns "$M" curl -s -m 2 127.0.0.1:9158/metrics | awk -v k="$1" '$1 == k { print $2 }')
		[ -n "$v" ] && break
		sleep 0.2
	done
	echo "$v"
}
# checks the monitor made (its -v log: one line per check handed to the queue)
made() { grep -cE ': 10\.210\.[0-9.]+ +offset' "$1"; }
ge() { [ "${1:-0}" -ge "$2" ]; }
rounds_after() { ge "$(metric xpool_monitor_rounds_total)" "$1"; }
pending_zero() { [ "$(metric xpool_monitor_pending_checks)" = 0 ]; }

# outage LOG DB_CHECK: the rounds go on while the registry is away, the checks are kept, the
# outage is logged once each way, and after it every check is written exactly once
# (DB_CHECK prints "rows distinct_check_ids" of this monitor's history)
outage_check() {
	local log=$1 what=$2 stop=$3 start=$4 rows=$5 r0 r1 pend made_n got ids
	xp_until 30 rounds_after 2 || { cat "$log"; xp_fail "$what: fewer than 2 rounds before the outage"; }
	xp_until 30 pending_zero || xp_fail "$what: checks pending before the outage"
	$stop
	r0=$(metric xpool_monitor_rounds_total)
	# several rounds while the registry is away
	xp_until 90 rounds_after $((r0 + 3)) || { cat "$log"; xp_fail "$what: the rounds stopped while the registry was away"; }
	r1=$(metric xpool_monitor_rounds_total)
	pend=$(metric xpool_monitor_pending_checks)
	ge "$pend" 1 || { cat "$log"; xp_fail "$what: no checks kept while the registry was away (pending $pend)"; }
	[ "$(metric xpool_monitor_registry_up)" = 0 ] || xp_fail "$what: registry_up while it was away"
	xp_log "$what: registry away, $((r1 - r0)) rounds made, $pend check(s) kept"
	$start
	xp_until 90 pending_zero || { cat "$log"; xp_fail "$what: the kept checks were not written ($(metric xpool_monitor_pending_checks) pending)"; }
	[ "$(metric xpool_monitor_registry_up)" = 1 ] || xp_fail "$what: registry_up 0 after the outage"
	xp_stop "$MON_PID" || xp_fail "$what: the monitor exited with an error: $(tail -5 "$log")"
	made_n=$(made "$log")
	read -r got ids < <($rows)
	xp_log "$what: $made_n checks made, $got rows written, $ids distinct check ids"
	[ "$got" = "$made_n" ] && [ "$ids" = "$made_n" ] ||
		{ cat "$log"; xp_fail "$what: checks lost or written twice: $got rows ($ids ids) for $made_n checks"; }
	[ "$(grep -c 'registry away (' "$log")" = 1 ] ||
		{ cat "$log"; xp_fail "$what: the outage's start not logged exactly once"; }
	[ "$(grep -c 'registry back after .* check(s) kept while it was away are written' "$log")" = 1 ] ||
		{ cat "$log"; xp_fail "$what: the outage's end not logged exactly once"; }
	! grep -qE "round waits|cannot read this monitor's status|the round ends early|round cut short" "$log" ||
		{ cat "$log"; xp_fail "$what: a warning of every round"; }
	[ "$(grep -c 'round: .*the registry away: its last list' "$log")" -ge 3 ] ||
		{ cat "$log"; xp_fail "$what: fewer than 3 rounds from the last list"; }
	grep -E "registry (away|back)" "$log" | sed 's/^/    monitor: /'
}

# 1. PostgreSQL stopped for several rounds
xp_psql -c "CREATE DATABASE reg" || xp_fail "createdb"
"$BUILD/xpoolctl" --db "$(uri reg)" init || xp_fail "init"
xp_psql -d reg -c "INSERT INTO servers (ip, country, created, updated)
	SELECT '10.210.0.' || i, 'de', 1, 1 FROM generate_series(1, $N) i" || xp_fail "servers"
"$BUILD/xpoolctl" --db "$(uri reg)" monitor add site-a >/dev/null || xp_fail "monitor add"
"$BUILD/xpoolctl" --db "$(uri reg)" monitor set site-a status active || xp_fail "monitor set"
xp_daemon "$M" "$XP_TMP/mon.log" "$BUILD/xpool-monitor" -v --db "$(uri reg xpool_mon_site-a)" \
	--name site-a --chrony-socket "$XP_TMP/clock/chronyd.sock" --max-in-flight $N \
	--samples 1 --timeout-ms 100 --interval 1 --metrics 127.0.0.1:9158
MON_PID=$XP_LAST_PID
pg_rows() { xp_psql -d reg -c "SELECT count(*), count(DISTINCT check_id) FROM history WHERE monitor = 'site-a'" | tr '|' ' '; }
outage_check "$XP_TMP/mon.log" "PostgreSQL stopped" "xp_pg_ctl stop" "xp_pg_ctl start" pg_rows

# a monitor without a server list yet (its clock kept it from any round) waits for the
# registry, says so once, and checks nothing
xp_daemon "$M" "$XP_TMP/nolist.log" "$BUILD/xpool-monitor" --db "$(uri reg xpool_mon_site-a)" \
	--name site-a --chrony-socket "$XP_TMP/no-chronyd.sock" --interval 1
NOLIST_PID=$XP_LAST_PID
xp_wait_log "$XP_TMP/nolist.log" "not scoring" 10 || xp_fail "no first round: $(cat "$XP_TMP/nolist.log")"
xp_pg_ctl stop
xp_wait_log "$XP_TMP/nolist.log" "no server list yet: rounds wait for the registry" 30 ||
	xp_fail "no word of the wait: $(cat "$XP_TMP/nolist.log")"
sleep 4 # rounds at 1 s: each must wait without a word
xp_pg_ctl start
xp_stop "$NOLIST_PID"
[ "$(grep -c "rounds wait for the registry" "$XP_TMP/nolist.log")" = 1 ] && ! grep -q "round:" "$XP_TMP/nolist.log" ||
	{ cat "$XP_TMP/nolist.log"; xp_fail "a monitor without a list: not one word, or a round"; }
xp_log "without a list: $(grep "rounds wait" "$XP_TMP/nolist.log")"

# 2. a SQLite registry locked by another writer for several rounds
DB=$XP_TMP/reg.db
"$BUILD/xpoolctl" --db "$DB" init || xp_fail "sqlite init"
for i in $(seq $N); do "$BUILD/xpoolctl" --db "$DB" server add 10.210.0.$i de --test-addresses || xp_fail "add"; done
"$BUILD/xpoolctl" --db "$DB" monitor add site-s >/dev/null && "$BUILD/xpoolctl" --db "$DB" monitor set site-s status active ||
	xp_fail "sqlite monitor"
xp_daemon "$M" "$XP_TMP/mon-sq.log" "$BUILD/xpool-monitor" -v --db "$DB" --name site-s \
	--chrony-socket "$XP_TMP/clock/chronyd.sock" --max-in-flight $N --samples 1 --timeout-ms 100 \
	--interval 1 --metrics 127.0.0.1:9158
MON_PID=$XP_LAST_PID
lock() {
	python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").write("locked\n")
sys.stdin.read()
c.execute("ROLLBACK")' "$DB" "$XP_TMP/locked" <"$XP_TMP/lockfifo" &
	LOCK_PID=$!
	XP_PIDS+=($LOCK_PID)
	exec 9>"$XP_TMP/lockfifo"
	xp_until 10 test -s "$XP_TMP/locked" || xp_fail "the lock was not taken"
}
unlock() { exec 9>&-; wait "$LOCK_PID"; }
mkfifo "$XP_TMP/lockfifo"
sq_rows() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(*c.execute("SELECT count(*), count(DISTINCT check_id) FROM history WHERE monitor = ?", ("site-s",)).fetchone())' "$DB"
}
outage_check "$XP_TMP/mon-sq.log" "SQLite locked" lock unlock sq_rows
xp_log "PASS"
