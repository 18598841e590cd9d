#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_dns_xdp_hostile.sh - the AF_XDP path of xpool-dns answers no frame the socket path would not:
# hand-made queries with a bad IPv4 header checksum, a bad UDP checksum, an IPv6 UDP checksum of
# 0, source port 0, the server's own addresses, the subnet's directed broadcast or an IPv4-mapped
# IPv6 source get no reply at all (the checksums left to the kernel, which drops them; the
# sources dropped by the program, each counted), while real queries over veth, whose UDP
# checksums are partial, are still answered through AF_XDP. Addresses added and removed while it
# runs are followed. On the socket path, a query from port 0 costs no other query its reply.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
for c in kdig python3 nstat; do command -v $c >/dev/null || { echo "$c missing"; exit 77; }; done
S=$XP_PREFIX-s
C=$XP_PREFIX-c
xp_rig "$S" "$C" || xp_fail "rig"
ip -n "$S" addr add 10.201.0.4/24 dev vs
cat >"$XP_TMP/snap.json" <<EOF
{"generated": "2026-12-01T01:00:00Z", "servers": [
{"ip": "192.0.2.1", "netspeed": 10000, "score": 19, "country": "de"}]}
EOF
cat >"$XP_TMP/dns.conf" <<EOF
listen $SRV4
listen [$SRV6]:53
xdp vs
zone pool.ntp.test
snapshot $XP_TMP/snap.json
geoip off
test-addresses
min-servers 1
metrics 127.0.0.1:9161
EOF
xp_ready dns "$S" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf" || xp_fail "xpool-dns"
grep -q "xdp vs: 1 queue(s) through AF_XDP" "$XP_TMP/dns.log" ||
	xp_fail "no AF_XDP path: $(cat "$XP_TMP/dns.log")"
metric() { xp_ns "$S" curl -s -m 2 127.0.0.1:9161/metrics | awk -v k="$1" '$1 == k { print $2 }'; }
frames() { metric "xpool_dns_xdp_frames_total{interface=\"vs\",result=\"$1\"}"; }
received() { metric 'xpool_dns_xdp_queries_total{result="received"}'; }
kernel() { xp_ns "$S" nstat -az "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
MAC=$(ip -n "$S" -br link show dev vs | awk '{ print $3 }')
# send CASE...: the hand-made frames from the client, one line per case (dns_frames.py)
send() {
	xp_ns "$C" python3 tests/integration/dns_frames.py vc "$MAC" "${DST4:-$SRV4}" $CLI4 $SRV6 $CLI6 \
		"$@" || xp_fail "dns_frames.py"
}

# 1. real queries over veth: partial UDP checksums (the peer's TX offload), through AF_XDP
before=$(received)
for q in $SRV4 $SRV6; do
	xp_ns "$C" kdig @$q pool.ntp.test A +short +timeout=2 | grep -q 192.0.2.1 || xp_fail "kdig @$q"
done
[ $(($(received) - before)) -eq 2 ] || xp_fail "real queries over veth were not answered through AF_XDP"
xp_log "kdig over veth (IPv4, IPv6): answered through AF_XDP"

# 2. the hostile frames: no reply, by either path; the controls sent last are answered
HOSTILE="ipcsum4:ipcsum=bad udpcsum4:udpcsum=bad udpzero6:v6,udpcsum=zero
	sport0:sport=0 sport0v6:v6,sport=0 own4:src=$SRV4 own4b:src=10.201.0.4 own6:v6,src=$SRV6
	bcast4:src=10.201.0.255 mapped6:v6,src=::ffff:$CLI4"
CONTROLS="zero4:udpcsum=zero ok6:v6 ok4"
before=$(received)
csum0=$(frames pass_bad_checksum)
src0=$(frames drop_bad_source)
k_hdr=$(kernel IpInHdrErrors)
k_csum=$(kernel UdpInCsumErrors)
k_csum6=$(kernel Udp6InCsumErrors)
out=$(send $HOSTILE $CONTROLS)
echo "$out"
for c in $HOSTILE; do
	n=${c%%:*}
	echo "$out" | grep -qx "$n silent" || xp_fail "$n: $(echo "$out" | grep "^$n ")"
done
for c in $CONTROLS; do
	n=${c%%:*}
	echo "$out" | grep -q "^$n answered" || xp_fail "control $n not answered: $out"
done
[ $(($(received) - before)) -eq 3 ] ||
	xp_fail "$(($(received) - before)) frames reached the AF_XDP socket, only the 3 controls may"
[ $(($(frames pass_bad_checksum) - csum0)) -eq 3 ] || xp_fail "pass_bad_checksum: not 3"
[ $(($(frames drop_bad_source) - src0)) -eq 7 ] || xp_fail "drop_bad_source: not 7"
# the kernel judged the checksums, as for the socket path, and dropped them
[ "$(kernel IpInHdrErrors)" -gt "$k_hdr" ] || xp_fail "the bad header checksum never reached the kernel"
[ "$(kernel UdpInCsumErrors)" -gt "$k_csum" ] || xp_fail "the bad UDP checksum never reached the kernel"
[ "$(kernel Udp6InCsumErrors)" -gt "$k_csum6" ] || xp_fail "the IPv6 checksum 0 never reached the kernel"
xp_log "bad IPv4 header checksum, bad UDP checksum, IPv6 checksum 0: passed, dropped by the kernel;"
xp_log "  source port 0, own addresses, directed broadcast, IPv4-mapped: dropped by the program;"
xp_log "  IPv4 without a UDP checksum, plain IPv4 and IPv6: answered through AF_XDP"
grep -q "partial form (veth) taken as verified" "$XP_TMP/dns.log" || xp_fail "veth's partial checksums not said"

# 3. addresses that come and go while it serves: followed through netlink
locals() { grep -o "queries from [0-9]* address" "$XP_TMP/dns.log" | tail -1 | awk '{ print $3 }'; }
wait_locals() { # wait_locals N: the daemon's last reading found N addresses and broadcasts
	for _ in $(seq 100); do [ "$(locals)" = "$1" ] && return 0; sleep 0.1; done
	xp_fail "the daemon did not follow the change to $1 addresses: $(tail -3 "$XP_TMP/dns.log")"
}
n=$(locals)
[ -n "$n" ] || xp_fail "the host's addresses were not said: $(cat "$XP_TMP/dns.log")"
ip -n "$S" addr add 10.201.0.9/24 dev vs
ip -n "$S" addr add 10.202.0.1/30 dev vs
wait_locals $((n + 3)) # 10.201.0.9; 10.202.0.1 and its broadcast 10.202.0.3
out=$(send new4:src=10.201.0.9 newbcast4:src=10.202.0.3 ok4)
echo "$out" | grep -qx "new4 silent" || xp_fail "an address added: $out"
echo "$out" | grep -qx "newbcast4 silent" || xp_fail "a directed broadcast added: $out"
echo "$out" | grep -q "^ok4 answered" || xp_fail "control: $out"
ip -n "$S" addr del 10.201.0.9/24 dev vs
wait_locals $((n + 2))
before=$(received)
out=$(send gone4:src=10.201.0.9)
echo "$out" | grep -q "^gone4 answered 10.201.0.9 40053" || xp_fail "an address removed is still refused: $out"
[ $(($(received) - before)) -eq 1 ] || xp_fail "not through AF_XDP"
xp_log "an address and a /30 added: their sources dropped; the address removed: answered again"

# 4. the socket path: a query from port 0 costs nobody else's reply. A daemon without AF_XDP on
# 10.201.0.4 (the program passes it to the kernel) is stopped while the port-0 query and twenty
# others queue in its socket, so that one batch holds them all.
cat >"$XP_TMP/sock.conf" <<EOF
listen 10.201.0.4
zone pool.ntp.test
snapshot $XP_TMP/snap.json
geoip off
test-addresses
min-servers 1
EOF
xp_ready sock "$S" "$XP_TMP/sock.log" "$BUILD/xpool-dns" -c "$XP_TMP/sock.conf" || xp_fail "socket daemon"
SOCK=$XP_LAST_PID
xp_ns "$C" kdig @10.201.0.4 pool.ntp.test A +short +timeout=2 | grep -q 192.0.2.1 || xp_fail "kdig @10.201.0.4"
rxq() { # the bytes queued in the daemon's socket on 10.201.0.4:53 (/proc/net/udp: 0400C90A:0035)
	local q
	q=$(xp_ns "$S" awk '$2 == "0400C90A:0035" { split($5, q, ":"); print q[2] }' /proc/net/udp)
	echo $((16#${q:-0}))
}
kill -STOP $SOCK
queries=$(for i in $(seq 20); do printf 'q%d ' "$i"; done)
DST4=10.201.0.4 DNS_FRAMES_WAIT=20 send port0:sport=0 $queries >"$XP_TMP/batch.out" &
sender=$!
# every frame is out, and the kernel has queued what it got (the queue stopped growing)
for _ in $(seq 100); do grep -q "^sent" "$XP_TMP/batch.out" && break; sleep 0.05; done
last=-1
for _ in $(seq 100); do
	q=$(rxq)
	[ "$q" -gt 0 ] && [ "$q" = "$last" ] && break
	last=$q
	sleep 0.1
done
kill -CONT $SOCK
wait $sender || xp_fail "dns_frames.py"
got=$(grep -c " answered " "$XP_TMP/batch.out")
[ "$got" = 20 ] || xp_fail "a query from port 0 first in a batch: $got of 20 others answered"
xp_log "the socket path: a query from port 0 at the head of a batch of 21: the other 20 answered"
xp_log "PASS"
