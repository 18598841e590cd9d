#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_monitor.sh - xpool-monitor runs like the other daemons: sd_notify readiness and status, and
# SIGTERM ends it at once, even in the middle of a round of silent servers.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v socat >/dev/null || { echo "socat missing"; exit 77; }
M=$XP_PREFIX-mon
S=$XP_PREFIX-silent
for ns in $M $S; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
ip link add vm netns "$M" type veth peer name vsil netns "$S"
ip -n "$M" addr add 10.206.0.2/24 dev vm
ip -n "$S" addr add 10.206.0.1/24 dev vsil
ip -n "$M" link set vm up
ip -n "$S" link set vsil up
# silent servers: frames reach the other namespace, which does not have these addresses and
# drops them without a word (no ICMP port unreachable to end a sample early)
MAC=$(ip -n "$S" link show vsil | awk '/link\/ether/ { print $2 }')
# the servers are another /24 on the same link: a monitor never scores its own /24
ip -n "$M" route add 10.206.1.0/24 dev vm
for i in 1 2 3 4 5; do ip -n "$M" neigh replace 10.206.1.1$i lladdr "$MAC" dev vm; done
ip -n "$M" link set lo up
# the monitor's own clock: a chronyd that calls itself synchronised (local stratum 1)
xp_chronyd "$M" clock "local stratum 1" "port 0" || xp_fail "chronyd"
xp_chrony_local clock

DB=$XP_TMP/reg.db
"$BUILD/xpoolctl" --db "$DB" init || xp_fail "init"
# five silent servers (nothing listens on 123): a round takes 5 x 3 samples x 1 s
"$BUILD/xpoolctl" --db "$DB" monitor add t1 || xp_fail "monitor add" # testing: recorded
for i in 1 2 3 4 5; do
	"$BUILD/xpoolctl" --db "$DB" server add 10.206.1.1$i de --test-addresses || xp_fail "add"
done
WATCHDOG_USEC=2000000 xp_ready mon "$M" "$XP_TMP/mon.log" "$BUILD/xpool-monitor" --db "$DB" --name t1 \
	--chrony-socket "$XP_TMP/clock/chronyd.sock" --metrics 127.0.0.1:9156
MON=$XP_LAST_PID
# inside the first round (each check lasts 3 s): five checks in flight at once
in_flight() {
	m=$(xp_ns "$M" curl -s -m 2 127.0.0.1:9156/metrics)
	echo "$m" | grep -q "^xpool_monitor_in_flight 5$"
}
xp_until 10 in_flight || xp_fail "the endpoint during a round: $(echo "$m" | grep in_flight)"
echo "$m" | grep -q 'xpool_monitor_checks_total{result="no_response"}' || xp_fail "metrics: $m"
start=$(date +%s%N)
kill -TERM "$MON"
wait "$MON"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
xp_log "SIGTERM in the middle of a round: exit $rc after $ms ms"
[ $rc -eq 0 ] || { cat "$XP_TMP/mon.log"; xp_fail "exit status $rc"; }
# a check ends as soon as the signal is pending: well within the one check it interrupted
# (3 samples of 1 s); the check itself is not recorded (below)
[ $ms -lt 3000 ] || xp_fail "stopping took $ms ms: the check waited out its deadlines"
xp_notified mon "STOPPING=1" || xp_fail "no STOPPING=1"
n=$(sqlite3 "$DB" "SELECT count(*) FROM history")
[ "$n" -eq 0 ] || xp_fail "an interrupted check was recorded ($n rows)"
xp_log "sd_notify: $(tr '\n' ' ' <"$XP_TMP/mon.notify")"

# --once: a whole round, every silent server scored -5 (no response)
"$BUILD/xpoolctl" --db "$DB" server remove 10.206.1.12 && "$BUILD/xpoolctl" --db "$DB" server remove 10.206.1.13 &&
	"$BUILD/xpoolctl" --db "$DB" server remove 10.206.1.14 && "$BUILD/xpoolctl" --db "$DB" server remove 10.206.1.15
xp_ns "$M" "$BUILD/xpool-monitor" --db "$DB" --name t1 --once \
	--chrony-socket "$XP_TMP/clock/chronyd.sock" >"$XP_TMP/once.log" 2>&1 || xp_fail "--once"
n=$(sqlite3 "$DB" "SELECT count(*) FROM history WHERE step = -5")
[ "$n" -eq 1 ] || { cat "$XP_TMP/once.log"; xp_fail "--once: $n no-response checks recorded"; }
# the registry decides: a paused monitor scores nothing; an unregistered one does not start;
# a server in the monitor's own /24 is never scored
"$BUILD/xpoolctl" --db "$DB" monitor set t1 status paused || xp_fail "pause"
before=$(sqlite3 "$DB" "SELECT count(*) FROM history")
# --once made no round: exit 1, never 0 (issue 19), with the command that resumes it
xp_ns "$M" "$BUILD/xpool-monitor" --db "$DB" --name t1 --once \
	--chrony-socket "$XP_TMP/clock/chronyd.sock" >"$XP_TMP/paused.log" 2>&1 && xp_fail "paused --once exited 0"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM history")" = "$before" ] || xp_fail "a paused monitor scored"
grep -q "no round made: monitor t1 is paused in the registry (xpoolctl monitor set t1 status active)" "$XP_TMP/paused.log" ||
	xp_fail "no word of the pause: $(cat "$XP_TMP/paused.log")"
# a daemon paused for several rounds says so once, not every round
ip netns exec "$M" "$BUILD/xpool-monitor" --db "$DB" --name t1 --interval 1 \
	--chrony-socket "$XP_TMP/clock/chronyd.sock" >"$XP_TMP/paused-d.log" 2>&1 &
PAUSED=$!
XP_PIDS+=($PAUSED)
said() { grep -q "not scoring: monitor t1 is paused" "$XP_TMP/paused-d.log"; }
xp_until 20 said || xp_fail "the paused daemon said nothing: $(cat "$XP_TMP/paused-d.log")"
sleep 3 # three more rounds of 1 s
xp_stop "$PAUSED" || xp_fail "paused daemon: exit status $? on SIGTERM"
[ "$(grep -c "not scoring: monitor t1 is paused" "$XP_TMP/paused-d.log")" = 1 ] ||
	xp_fail "a pause said more than once: $(cat "$XP_TMP/paused-d.log")"
out=$(xp_ns "$M" "$BUILD/xpool-monitor" --db "$DB" --name nobody --once \
	--chrony-socket "$XP_TMP/clock/chronyd.sock" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "monitor nobody is not registered" || xp_fail "unregistered: $out"
"$BUILD/xpoolctl" --db "$DB" monitor set t1 status active || xp_fail "activate"
"$BUILD/xpoolctl" --db "$DB" server add 10.206.0.99 de --test-addresses || xp_fail "add own"
xp_ns "$M" "$BUILD/xpool-monitor" --db "$DB" --name t1 --once \
	--chrony-socket "$XP_TMP/clock/chronyd.sock" >"$XP_TMP/own.log" 2>&1 || xp_fail "own --once"
n=$(sqlite3 "$DB" "SELECT count(*) FROM history h JOIN servers s ON s.id = h.server_id WHERE s.ip = '10.206.0.99'")
[ "$n" = 0 ] || xp_fail "a server in the monitor's own /24 was scored"
"$BUILD/xpoolctl" --db "$DB" monitor list | grep -q "^t1 .* active" || xp_fail "monitor list"
# the systemd unit parses
xp_verify_unit xpool-monitor
xp_log "ok"
