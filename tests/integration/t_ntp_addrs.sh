#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_ntp_addrs.sh - by default the responder answers only for the addresses its interface has,
# following them through netlink as they come and go; "address any" answers for every one.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
xp_rig "$S" "$C" || xp_fail "cannot build the veth rig"
xp_chronyd "$S" ref "local stratum 1" "port 0" || xp_fail "chronyd did not start"
MAC=$(ip -n "$S" link show vs | awk '/link\/ether/ { print $2 }')
# addresses the server does not have: the client reaches them through static neighbours
for a in 10.201.0.77 10.201.0.88 fd00:201::77; do ip -n "$C" neigh replace $a lladdr "$MAC" dev vc; done

STARTS=0
start() { # start [DIRECTIVES...]: xpool-ntpd on vs, with nothing of the kernel's on port 123
	STARTS=$((STARTS + 1))
	xp_ready ntpd$STARTS "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native \
		--detach-on-exit --chrony-socket "$XP_TMP/ref/chronyd.sock" \
		--pin-path "$(xp_pin_path ntpd)" "$@"
	NTPD=$XP_LAST_PID
}
answered() { # answered ADDR: an XDP reply came back (no NTP socket listens in the server)
	xp_ns "$C" "$BUILD/xpool-ntp-probe" send "$1" --timeout 300 | grep -q "mode=4 stratum=2"
}
waitfor() { # waitfor yes|no ADDR: the daemon follows netlink within a few seconds
	for _ in $(seq 30); do
		if answered "$2"; then [ "$1" = yes ] && return 0; else [ "$1" = no ] && return 0; fi
		sleep 0.1
	done
	return 1
}

start
answered $SRV4 || xp_fail "no reply from the interface's own address"
answered $SRV6 || xp_fail "no IPv6 reply from the interface's own address"
answered 10.201.0.77 && xp_fail "answered for 10.201.0.77, an address the host does not have"
answered fd00:201::77 && xp_fail "answered for fd00:201::77, an address the host does not have"
xp_log "OK: only the interface's own addresses are answered"

ip -n "$S" addr add 10.201.0.77/32 dev vs
ip -n "$S" addr add fd00:201::77/128 dev vs nodad
waitfor yes 10.201.0.77 || xp_fail "an added IPv4 address was not taken up"
waitfor yes fd00:201::77 || xp_fail "an added IPv6 address was not taken up"
ip -n "$S" addr del 10.201.0.77/32 dev vs
ip -n "$S" addr del fd00:201::77/128 dev vs
waitfor no 10.201.0.77 || xp_fail "a removed IPv4 address is still answered"
waitfor no fd00:201::77 || xp_fail "a removed IPv6 address is still answered"
answered $SRV4 || xp_fail "the remaining address lost its replies"
xp_log "OK: addresses added and removed with ip addr are followed through netlink"

out=$("$BUILD/xpoolctl" ntp stats --pin-path "$(xp_pin_path ntpd)")
echo "$out" | grep -E "pass_not_ours|not in the address map" | head -1
kill -TERM "$NTPD"; wait "$NTPD"

# anycast setups: every destination, as before
start --address any
answered 10.201.0.88 || { "$BUILD/xpoolctl" ntp stats --pin-path "$(xp_pin_path ntpd)"; xp_fail "address any: no reply for 10.201.0.88"; }
kill -TERM "$NTPD"; wait "$NTPD"
xp_log "OK: address any answers for every destination"

# the check agrees with start-up: a missing interface and a metrics name fail both
for args in "-i nosuchif0" "-i vs --metrics localhost:9123"; do
	out=$(xp_ns "$S" "$BUILD/xpool-ntpd" $args --check-config 2>&1)
	[ $? -eq 2 ] || xp_fail "--check-config passed '$args': $out"
	out=$(xp_ns "$S" timeout 10 "$BUILD/xpool-ntpd" $args --pin-path "$(xp_pin_path x)" 2>&1)
	[ $? -ne 0 ] || xp_fail "start-up took '$args'"
done
xp_log "OK: --check-config refuses what start-up refuses"
