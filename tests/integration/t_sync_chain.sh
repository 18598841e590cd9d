#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_sync_chain.sh - upstream chronyd (local stratum 1) -> server chronyd -x + xpool-ntpd -> client
# chronyd: the client sees stratum 3 with the upstream's reference ID; when the upstream stops,
# clients see LI=3 within 2 s.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
U=$XP_PREFIX-up
S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
UP4=10.202.0.1
SU4=10.202.0.2
xp_rig "$S" "$C" || xp_fail "cannot build the veth rig"
ip netns add "$U" && XP_NETNS+=("$U")
ip link add su netns "$S" type veth peer name us netns "$U" || xp_fail "no upstream link"
ip -n "$U" addr add $UP4/24 dev us
ip -n "$S" addr add $SU4/24 dev su
ip -n "$U" link set us up
ip -n "$S" link set su up

xp_chronyd "$U" up "local stratum 1" "allow all" || xp_fail "upstream chronyd did not start"
UPPID=$XP_LAST_PID
# the server's chronyd polls 16 times a second, so that losing the upstream shows quickly
xp_chronyd "$S" srv "server $UP4 iburst minpoll -4 maxpoll -4" "port 0" ||
	xp_fail "server chronyd did not start"
xp_chronyc srv waitsync 40 0 0 0.2 >/dev/null || xp_fail "server chronyd did not synchronise"
xp_ready ntpd "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native \
	--chrony-socket "$XP_TMP/srv/chronyd.sock" --pin-path "$(xp_pin_path ntpd)" \
	--metrics 127.0.0.1:9123
xp_wait_notify ntpd "STATUS=synchronised, stratum 3" 10 ||
	{ cat "$XP_TMP/ntpd.log"; xp_fail "xpool-ntpd did not follow chronyd at stratum 3"; }

xp_chronyd "$C" cli "server $SRV4 iburst minpoll -2 maxpoll -2" || xp_fail "client chronyd"
xp_chronyc cli waitsync 40 0 0 0.2 >/dev/null || xp_fail "client chronyd did not synchronise"
tracking=$(xp_chronyc cli tracking)
xp_log "client: $(echo "$tracking" | grep -E 'Reference ID|Stratum|Leap' | tr -s ' ' | tr '\n' ';')"
echo "$tracking" | grep -q "Stratum *: 4" || xp_fail "client not at stratum 4 (server at 3)"
sources=$(xp_chronyc cli sources)
echo "$sources" | grep -qE "^\^\* $SRV4 +3 " || xp_fail "client does not see $SRV4 at stratum 3: $sources"
# the reference ID the client gets from xpool is the upstream's address (chronyd's refid)
out=$(xp_ns "$C" "$BUILD/xpool-ntp-probe" send $SRV4)
xp_log "probe: $out"
echo "$out" | grep -q "li=0 .*stratum=3 .*refid=0aca0001" || xp_fail "refid is not the upstream's"
xp_ns "$S" curl -s 127.0.0.1:9123/metrics | grep -q '^xpool_ntp_stratum 3' ||
	xp_fail "metrics do not show stratum 3"

# Upstream gone: chronyd keeps the server synchronised in holdover (its sources show '^?', its
# leap status stays normal), so xpool keeps serving, with growing root dispersion.
kill "$UPPID"
sleep 1.5
xp_chronyc srv tracking | grep -q "Leap status *: Normal" || xp_fail "expected chronyd holdover"

# chronyd gone (unreachable): clients see LI=3 within 2 s.
kill "$(cat "$XP_TMP/srv/chronyd.pid")"
t0=$(date +%s%N)
for _ in $(seq 60); do
	out=$(xp_ns "$C" "$BUILD/xpool-ntp-probe" send $SRV4 --timeout 200)
	echo "$out" | grep -q "li=3 .*stratum=0" && break
	sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
xp_log "after stopping the server's chronyd: $out (${ms} ms)"
echo "$out" | grep -q "li=3 .*stratum=0 .*refid=00000000" || xp_fail "no LI=3 reply"
[ $ms -le 2000 ] || xp_fail "LI=3 took $ms ms (limit 2000)"
grep -q "unsynchronised (chronyd unreachable)" "$XP_TMP/ntpd.log" || xp_fail "reason not logged"
xp_ns "$S" curl -s 127.0.0.1:9123/metrics | grep -q '^xpool_ntp_synchronised 0' ||
	xp_fail "metrics do not show unsynchronised"

# chronyd back, but with no reachable source it reports itself unsynchronised (leap 3):
# xpool reconnects and keeps LI=3, now because chronyd says so.
rm -f "$XP_TMP/srv/chronyd.sock"
xp_chronyd "$S" srv "server $UP4 iburst minpoll -4 maxpoll -4" "port 0" ||
	xp_fail "server chronyd did not restart"
xp_wait_log "$XP_TMP/ntpd.log" "unsynchronised (chronyd says so)" 3 || # the reason: the log's
	xp_fail "xpool-ntpd did not read chronyd's own unsynchronised state"
xp_chronyc srv tracking | grep -q "Leap status *: Not synchronised" || xp_fail "chronyd synced?"
out=$(xp_ns "$C" "$BUILD/xpool-ntp-probe" send $SRV4)
echo "$out" | grep -q "li=3 .*stratum=0" || xp_fail "expected LI=3 while chronyd is unsynchronised"
xp_log "ok"
