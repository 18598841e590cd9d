#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench_monitor.sh - one monitor round over a simulated pool of N servers (default 10,000) on
# one core: good servers answered from XDP for a whole routed /18 ("address any"), plus silent
# servers, servers 800 ms off (the test-only fault) and servers that send RATE kiss-o'-death.
# Prints the round time, checks per second and CPU per check, with the registry on SQLite and on
# PostgreSQL (a server the bench starts); checks every verdict.
cd "$(dirname "$0")/../.." || exit 1
XP_TEST=bench-monitor
XP_PREFIX=xpbm$$
. tests/integration/lib.sh
[ "$(id -u)" -eq 0 ] || xp_fail "run as root"
N=${N:-10000}
BAD=${BAD:-50}   # of each bad kind
GOOD=$((N - 3 * BAD))
INFLIGHT=${INFLIGHT:-512}
[ $GOOD -le 16384 ] || xp_fail "at most 16384 good servers (one /18)"
M=$XP_PREFIX-mon
ip netns add "$M" && XP_NETNS+=("$M") || xp_fail "netns"
ip -n "$M" link set lo up

# hop NAME INDEX: a namespace joined to the monitor's by its own veth pair, 10.219.INDEX.0/30
hop() {
	local ns=$XP_PREFIX-$1
	ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns $1"
	ip link add m$2 netns "$M" type veth peer name v netns "$ns"
	ip -n "$M" addr add 10.219.$2.2/24 dev m$2
	ip -n "$ns" addr add 10.219.$2.1/24 dev v
	ip -n "$M" link set m$2 up
	ip -n "$ns" link set v up
	ip -n "$ns" link set lo up
	ip -n "$M" link set dev m$2 xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp # XDP_TX delivery
}
# responder NAME INDEX PREFIX [FLAGS...]: xpool-ntpd answering every address routed to it
responder() {
	local name=$1 idx=$2 pfx=$3
	shift 3
	hop "$name" "$idx"
	ip -n "$M" route add "$pfx" via 10.219.$idx.1
	xp_chronyd "$XP_PREFIX-$name" "c$name" "local stratum 1" "port 0" || xp_fail "chronyd $name"
	xp_ready "$name" "$XP_PREFIX-$name" "$XP_TMP/$name.log" "$BUILD/xpool-ntpd" -i v \
		--xdp-mode native --address any --pin-path "$(xp_pin_path "$name")" --detach-on-exit \
		--chrony-socket "$XP_TMP/c$name/chronyd.sock" "$@"
	xp_wait_notify "$name" "STATUS=synchronised" 10 || xp_fail "$name not synchronised"
}
responder good 1 10.220.0.0/18
responder off 2 10.222.0.0/24 --test-mode --test-time-offset-ms 800
responder kod 3 10.223.0.0/24 --ratelimit="interval 12 burst 1 leak 0 kod"
hop silent 4 # no responder: the kernel there drops what is not its own, without a word
ip -n "$M" route add 10.221.0.0/24 via 10.219.4.1
# the monitor's own clock
xp_chronyd "$M" cmon "local stratum 1" "port 0" || xp_fail "chronyd monitor"
xp_chrony_local cmon

# the servers, as SQL both registries take
servers_sql() {
	awk -v good=$GOOD -v bad=$BAD 'BEGIN {
	print "BEGIN;"
	for (i = 0; i < good; i++)
		printf "INSERT INTO servers (ip, country, created, updated) VALUES (\x2710.220.%d.%d\x27, \x27de\x27, 1, 1);\n", int(i / 256), i % 256
	for (k = 0; k < 3; k++)
		for (i = 1; i <= bad; i++)
			printf "INSERT INTO servers (ip, country, created, updated) VALUES (\x2710.%d.0.%d\x27, \x27de\x27, 1, 1);\n", 221 + k, i
	print "COMMIT;" }'
}

# round BACKEND: a registry on SQLite (a file) or PostgreSQL (a server of the bench's own, the
# monitor writing as its role), one round on one core, every verdict checked
round() {
	local be=$1 db mondb
	if [ "$be" = sqlite ]; then
		db=$XP_TMP/reg.db
		mondb=$db
		q() { sqlite3 "$db" "$1"; }
		qin() { sqlite3 "$db"; }
	else
		[ -n "${XP_PG:-}" ] || xp_pg_start
		xp_psql -c "CREATE DATABASE bench" || xp_fail "createdb"
		db="postgresql:///bench?host=$XP_PG&user=postgres"
		mondb="postgresql:///bench?host=$XP_PG&user=xpool_mon_bench"
		q() { xp_psql -d bench -c "$1"; }
		qin() { xp_psql -d bench; }
	fi
	"$BUILD/xpoolctl" --db "$db" init >/dev/null && "$BUILD/xpoolctl" --db "$db" monitor add bench >/dev/null &&
		"$BUILD/xpoolctl" --db "$db" monitor set bench status active || xp_fail "registry"
	servers_sql | qin >/dev/null || xp_fail "servers"
	# the rate limit's one allowed reply goes to a warm-up request: every check then gets RATE
	xp_ns "$M" "$BUILD/xpool-ntp-probe" send 10.223.0.1 >/dev/null
	# the monitor's own CPU time; the XDP side runs in softirq
	/usr/bin/time -f "%e %U %S" -o "$XP_TMP/time" ip netns exec "$M" taskset -c 0 "$BUILD/xpool-monitor" \
		--db "$mondb" --name bench --once --max-in-flight "$INFLIGHT" \
		--chrony-socket "$XP_TMP/cmon/chronyd.sock" >"$XP_TMP/mon-$be.log" 2>&1 ||
		{ cat "$XP_TMP/mon-$be.log"; xp_fail "monitor ($be)"; }
	read -r wall user sys <"$XP_TMP/time"
	grep "round:" "$XP_TMP/mon-$be.log"
	round=$(sed -n 's/.*checked in \([0-9.]*\) s.*/\1/p' "$XP_TMP/mon-$be.log")
	checked=$(q "SELECT count(*) FROM history")
	good_ok=$(q "SELECT count(*) FROM history h JOIN servers s ON s.id = h.server_id WHERE s.ip LIKE '10.220.%' AND h.step = 1")
	silent=$(q "SELECT count(*) FROM history h JOIN servers s ON s.id = h.server_id WHERE s.ip LIKE '10.221.%' AND h.step = -5")
	off=$(q "SELECT count(*) FROM history h JOIN servers s ON s.id = h.server_id WHERE s.ip LIKE '10.222.%' AND h.step < 0")
	kod=$(q "SELECT count(*) FROM history h JOIN servers s ON s.id = h.server_id WHERE s.ip LIKE '10.223.%' AND h.step = -3.5")
	printf '%-10s round %.1f s (wall %.1f s incl. start), %.0f checks/s, monitor CPU %.1f s = %.0f us per check\n' \
		"$be:" "$round" "$wall" "$(awk -v n=$checked -v t=$round 'BEGIN { print n / t }')" \
		"$(awk -v u=$user -v s=$sys 'BEGIN { print u + s }')" \
		"$(awk -v u=$user -v s=$sys -v n=$checked 'BEGIN { print (u + s) * 1e6 / n }')"
	printf '%-10s verdicts: good +1 %d/%d, silent -5 %d/%d, 800 ms off < 0 %d/%d, RATE -3.5 %d/%d\n' \
		"$be:" $good_ok $GOOD $silent $BAD $off $BAD $kod $BAD
	[ "$checked" -eq "$N" ] || xp_fail "$be: $checked checks recorded, not $N"
	[ "$good_ok" -eq "$GOOD" ] || xp_fail "$be: a good server was penalised"
	[ "$silent" -eq "$BAD" ] && [ "$off" -eq "$BAD" ] && [ "$kod" -eq "$BAD" ] ||
		xp_fail "$be: a bad server was not scored bad"
	awk -v t="$round" 'BEGIN { exit !(t <= 60) }' || xp_fail "$be: the round took $round s, over 60 s"
}
printf 'servers %d (good %d, silent %d, 800 ms off %d, RATE KoD %d), max-in-flight %d; target: a round <= 60 s\n' \
	$N $GOOD $BAD $BAD $BAD $INFLIGHT
round sqlite
round postgresql
xp_log "ok"
