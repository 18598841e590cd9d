#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_dns_tcp.sh - slow and idle TCP clients cannot take DNS-over-TCP from real ones: a deadline
# per message (not per byte), a per-client connection limit, eviction of the oldest when full.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v kdig >/dev/null || { echo "kdig missing (knot-dnsutils)"; exit 77; }
S=$XP_PREFIX-dns
C1=$XP_PREFIX-slow
C2=$XP_PREFIX-real
for ns in $S $C1 $C2; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
for i in 1 2; do
	c=$([ $i = 1 ] && echo "$C1" || echo "$C2")
	ip link add d$i netns "$S" type veth peer name c netns "$c"
	ip -n "$S" addr add 10.204.$i.1/24 dev d$i
	ip -n "$c" addr add 10.204.$i.2/24 dev c
	ip -n "$S" link set d$i up
	ip -n "$c" link set c up
done
ip -n "$S" link set lo up
echo '{"servers": [{"ip": "192.0.2.1", "netspeed": 1000, "score": 19, "country": "de"}]}' \
	>"$XP_TMP/snap.json"
cat >"$XP_TMP/dns.conf" <<CONF
listen 10.204.1.1
listen 10.204.2.1
zone pool.ntp.test
snapshot $XP_TMP/snap.json
geoip off
test-addresses
metrics 127.0.0.1:9154
tcp-max-conns 6
tcp-max-conns-per-client 4
tcp-idle-timeout 10
tcp-io-timeout 1000
CONF
xp_ready dns "$S" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf"

# The attack from the review: many connections from one address, one byte every 0.4 s each
# (a message never completes; before the fix each byte refreshed the timeout).
xp_ns "$C1" bash -c '
	for i in $(seq 30); do
		( exec 3<>/dev/tcp/10.204.1.1/53 || exit 0
		  printf "\x00\x30" >&3 2>/dev/null || exit 0 # a 48-byte message, never finished
		  for k in $(seq 30); do printf "\x01" >&3 2>/dev/null || exit 0; sleep 0.4; done ) &
		sleep 0.05
	done
	wait' &
TRICKLE=$!
XP_PIDS+=($TRICKLE)
closed() { # closed REASON: TCP connections the daemon closed for REASON
	xp_ns "$S" curl -s -m 2 127.0.0.1:9154/metrics |
		sed -n "s/^xpool_dns_tcp_closed_total{reason=\"$1\"} //p"
}
limited() { [ "$(closed per_client_limit)" -gt 0 ] 2>/dev/null; }
# the trickle is on once its connections fill the client's share
xp_until 10 limited || xp_fail "the trickling client never reached its connection limit"
ok=0
for k in 1 2 3; do
	a=$(xp_ns "$C2" kdig @10.204.2.1 pool.ntp.test A +tcp +short +time=3 +retry=0 2>&1)
	[ "$a" = 192.0.2.1 ] && ok=$((ok + 1))
	sleep 1
done
xp_log "under a trickle of 30 connections: $ok of 3 real TCP queries answered"
[ $ok -eq 3 ] || xp_fail "real TCP queries starved: $ok of 3"
kill "$TRICKLE" 2>/dev/null
wait "$TRICKLE" 2>/dev/null
m=$(xp_ns "$S" curl -s 127.0.0.1:9154/metrics)
refused=$(echo "$m" | sed -n 's/^xpool_dns_tcp_closed_total{reason="per_client_limit"} //p')
timeouts=$(echo "$m" | sed -n 's/^xpool_dns_tcp_closed_total{reason="timeout"} //p')
xp_log "per-client limit refused $refused, message deadline closed $timeouts"
[ "${refused:-0}" -gt 0 ] || xp_fail "no connection refused by the per-client limit"
[ "${timeouts:-0}" -gt 0 ] || xp_fail "no trickling connection closed at its message deadline"

# A full table of idle connections: a new client evicts the oldest and is answered.
out=$(xp_ns "$C1" bash -c '
	for i in 3 4 5 6; do eval "exec $i<>/dev/tcp/10.204.1.1/53"; done
	sleep 6' &
	sleep 0.5
	xp_ns "$C2" bash -c '
	for i in 3 4 5; do eval "exec $i<>/dev/tcp/10.204.2.1/53"; done
	sleep 0.3
	kdig @10.204.2.1 pool.ntp.test A +tcp +short +time=2 +retry=0')
[ "$out" = 192.0.2.1 ] || xp_fail "a full table of idle connections kept a real query out: $out"
m=$(xp_ns "$S" curl -s 127.0.0.1:9154/metrics)
evicted=$(echo "$m" | sed -n 's/^xpool_dns_tcp_closed_total{reason="evicted"} //p')
[ "${evicted:-0}" -gt 0 ] || xp_fail "nothing evicted"
xp_log "OK: a full table evicts its oldest idle connection ($evicted evicted)"
