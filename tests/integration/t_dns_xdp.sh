#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_dns_xdp.sh - xpool-dns's AF_XDP path on a veth rig: a table of queries answered through XDP
# and through the socket path of the same daemon gives the same answers (IDs and the order of
# picks aside), over IPv4 and IPv6; tagged queries are answered tagged; TCP, other ports,
# fragments and ICMP still reach the kernel; reloads under kxdpgun load lose nothing; the program
# leaves with the daemon, kill -9 included; an interface that already has a program is said once
# and served through sockets.
. "$(dirname "$0")/lib.sh"
xp_need_built "$BUILD/tests/geo-test.mmdb"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
for c in kdig kxdpgun socat; do command -v $c >/dev/null || { echo "$c missing"; exit 77; }; done
S=$XP_PREFIX-s
C=$XP_PREFIX-c
xp_rig "$S" "$C" || xp_fail "rig"
ip -n "$S" addr add 10.201.0.4/24 dev vs

snapshot() { # snapshot FILE HOUR: 3 in de, 3 in fr, 40 IPv6 (10 in each numbered zone)
	{
		echo "{\"generated\": \"2026-12-01T0$2:00:00Z\", \"servers\": ["
		for i in 1 2 3; do
			echo "{\"ip\": \"192.0.2.$i\", \"netspeed\": 10000, \"score\": 19, \"country\": \"de\"},"
			echo "{\"ip\": \"192.0.2.1$i\", \"netspeed\": 10000, \"score\": 19, \"country\": \"fr\"},"
		done
		for i in $(seq 1 39); do
			echo "{\"ip\": \"2001:db8:100::$i\", \"netspeed\": 1000, \"score\": 19, \"country\": \"de\"},"
		done
		echo '{"ip": "2001:db8:100::40", "netspeed": 1000, "score": 19, "country": "fr"}]}'
	} >"$1"
}
snapshot "$XP_TMP/snap.json" 1
cat >"$XP_TMP/dns.conf" <<EOF
listen $SRV4
listen [$SRV6]:53
listen 127.0.0.1
listen [::1]:53
xdp vs
zone pool.ntp.test
snapshot $XP_TMP/snap.json
geoip $BUILD/tests/geo-test.mmdb
max-hosts 16
redraw 3600
test-addresses
min-servers 1
chaos-id dns-xdp.test
$(for i in 1 2 3 4 5 6 7 8; do echo "ns ns$i.a-name-long-enough-to-make-the-answer-larger-than-512-bytes.example"; done)
metrics 127.0.0.1:9161
EOF
start() { # each start its own notify socket
	STARTS=$((${STARTS:-0} + 1))
	xp_ready dns$STARTS "$S" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf" ||
		xp_fail "xpool-dns"
	DNS=$XP_LAST_PID
}
start
grep -q "xdp vs: 1 queue(s) through AF_XDP, copy mode" "$XP_TMP/dns.log" ||
	xp_fail "no AF_XDP path: $(cat "$XP_TMP/dns.log")"
metric() { xp_ns "$S" curl -s -m 2 127.0.0.1:9161/metrics | awk -v k="$1" '$1 == k { print $2 }'; }
frames() { metric "xpool_dns_xdp_frames_total{interface=\"vs\",result=\"$1\"}"; }
received() { metric 'xpool_dns_xdp_queries_total{result="received"}'; }
xp_ns "$C" kdig @$SRV4 pool.ntp.test A +short +timeout=2 >/dev/null # neighbour entries

# 1. the same answers: through XDP (from the client) and through sockets (127.0.0.1, ::1)
QUERIES=(
	"pool.ntp.test A" "de.pool.ntp.test A" "fr.pool.ntp.test A" "1.pool.ntp.test A"
	"2.pool.ntp.test AAAA +bufsize=1232" "pool.ntp.test NS +noedns" "pool.ntp.test NS +bufsize=512"
	"pool.ntp.test NS +bufsize=1232" "pool.ntp.test NS +bufsize=4096" "pool.ntp.test A +subnet=10.203.1.0/24"
	"pool.ntp.test A +subnet=10.203.2.0/24" "pool.ntp.test A +subnet=10.203.3.0/24"
	"pool.ntp.test ANY" "pool.ntp.test SOA" "nope.pool.ntp.test A"
	"example.com A" "id.server CH TXT" "pool.ntp.test TXT"
)
ask() { # ask NS SERVER QUERY...: the answer, ID, timing and server lines out, lines sorted
	xp_ns "$1" kdig @"$2" $3 +nocookie +ignore +timeout=2 +retry=0 2>&1 |
		grep -v -e '^;; Received' -e '^;; Time' -e '^;; From' -e '^$' |
		sed 's/id: [0-9]*/id: X/' | sort
}
before=$(received)
n=0
for q in "${QUERIES[@]}"; do
	for pair in "$SRV4 127.0.0.1" "$SRV6 ::1"; do
		set -- $pair
		xdp=$(ask "$C" "$1" "$q")
		sock=$(ask "$S" "$2" "$q")
		[ "$xdp" = "$sock" ] || {
			diff <(echo "$sock") <(echo "$xdp")
			xp_fail "'$q' through XDP at $1 differs from sockets"
		}
		echo "$xdp" | grep -q "status: " || xp_fail "'$q' at $1: no answer: $xdp"
		n=$((n + 1))
	done
done
grep -q "Flags: qr aa tc" <(ask "$C" $SRV4 "pool.ntp.test NS +noedns") || xp_fail "no TC at 512 bytes"
# malformed queries, byte for byte (a header alone, a cut question, a response, opcode 5)
raw() { printf "$2" | xp_ns "$1" socat -t 1 - "UDP:$3:53" | od -An -tx1 | tr -d ' \n'; }
for m in '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' \
	'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04pool\x03nt' \
	'\x12\x34\x28\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04pool\x03ntp\x04test\x00\x00\x01\x00\x01' \
	'\x12\x34\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x04pool\x03ntp\x04test\x00\x00\x01\x00\x01'; do
	a=$(raw "$C" "$m" $SRV4)
	b=$(raw "$S" "$m" 127.0.0.1)
	[ "$a" = "$b" ] || xp_fail "malformed query answered differently: xdp '$a', sockets '$b'"
	n=$((n + 1))
done
after=$(received)
[ $((after - before)) -ge $n ] || xp_fail "only $((after - before)) of $n queries went through AF_XDP"
[ "$(metric 'xpool_dns_xdp_queries_total{result="malformed"}')" = 0 ] || xp_fail "frames refused"
xp_log "$n queries (IPv4, IPv6; pool names, ECS, TC at 512, EDNS sizes, ANY, NXDOMAIN,"
xp_log "  REFUSED, CHAOS, malformed): the same answers through AF_XDP as through sockets"

# 2. what the program does not own reaches the kernel
xp_ns "$C" kdig @$SRV4 pool.ntp.test A +tcp +short +timeout=2 | grep -q 192.0.2 || xp_fail "TCP"
xp_ns "$C" ping -c 1 -W 2 $SRV4 >/dev/null || xp_fail "ICMP"
xp_bg "$S" "$XP_TMP/udp5353.log" socat -u UDP-RECV:5353,bind=$SRV4 OPEN:"$XP_TMP/udp5353",creat
bound() { xp_ns "$S" ss -Hlun "src $SRV4:5353" | grep -q .; }
xp_until 10 bound || xp_fail "socat did not bind $SRV4:5353: $(cat "$XP_TMP/udp5353.log")"
echo other-port | xp_ns "$C" socat -u - UDP:$SRV4:5353
for q in $SRV4 $SRV6; do # a query over 1500 bytes: fragments, which the kernel puts together
	xp_ns "$C" kdig @$q pool.ntp.test A +padding=1600 +nocookie +short +timeout=2 | grep -q 192.0.2 ||
		xp_fail "a fragmented query to $q was not answered"
done
xp_until 5 test -s "$XP_TMP/udp5353"
grep -q other-port "$XP_TMP/udp5353" || xp_fail "UDP to another port did not reach its socket"
for r in pass_not_udp pass_not_ours pass_fragment pass_ipv6_extension; do
	[ "$(frames $r)" -gt 0 ] || xp_fail "no frame counted as $r"
done
# the AF_XDP families follow Prometheus's conventions too, and the dashboard's exist
if command -v promtool >/dev/null; then
	xp_ns "$S" curl -s -m 2 127.0.0.1:9161/metrics >"$XP_TMP/xdp.prom"
	promtool check metrics <"$XP_TMP/xdp.prom" || xp_fail "promtool: /metrics with AF_XDP"
	for f in $(grep -o 'xpool_dns_xdp_[a-z_]*' tools/grafana/xpool.json | sort -u); do
		grep -q "^# TYPE $f " "$XP_TMP/xdp.prom" || xp_fail "the dashboard asks for $f"
	done
fi
xp_log "TCP, ICMP, UDP to port 5353, IPv4 and IPv6 fragments: passed to the kernel and answered" \
	"($(for r in pass_not_udp pass_not_ours pass_fragment pass_ipv6_extension; do printf '%s %s ' $r "$(frames $r)"; done))"

# 3. reloads under kxdpgun load lose nothing
printf 'pool.ntp.test A\nde.pool.ntp.test A\n2.pool.ntp.test AAAA\n' >"$XP_TMP/queries.txt"
ip -n "$C" link set dev vc xdp off # kxdpgun brings its own program for the replies
reloads=$(metric 'xpool_dns_reloads_total{result="ok"}')
xp_ns "$C" kxdpgun -t 4 -Q 10000 -i "$XP_TMP/queries.txt" -I vc $SRV4 >"$XP_TMP/kxdp.log" 2>&1 &
gun=$!
for h in 2 3 4; do
	sleep 1
	snapshot "$XP_TMP/snap.new" $h && mv "$XP_TMP/snap.new" "$XP_TMP/snap.json"
done
wait $gun || { cat "$XP_TMP/kxdp.log"; xp_fail "kxdpgun"; }
# 802.1Q-tagged queries: the server has no VLAN device, so only the AF_XDP path can answer them
xp_ns "$C" kxdpgun -t 1 -Q 2000 -v 100 -i "$XP_TMP/queries.txt" -I vc $SRV4 >"$XP_TMP/vlan.log" 2>&1 ||
	{ cat "$XP_TMP/vlan.log"; xp_fail "kxdpgun -v 100"; }
ip -n "$C" link set dev vc xdp off # whatever kxdpgun left
ip -n "$C" link set dev vc xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp || xp_fail "pass program"
vsent=$(awk '/total queries/ { print $3; exit }' "$XP_TMP/vlan.log")
vgot=$(awk '/total replies/ { print $3; exit }' "$XP_TMP/vlan.log")
[ -n "$vsent" ] && [ "$vsent" -gt 0 ] && [ "$vgot" = "$vsent" ] ||
	{ cat "$XP_TMP/vlan.log"; xp_fail "VLAN 100: $vgot replies to $vsent queries"; }
xp_log "VLAN 100: $vgot replies to $vsent tagged queries"
sent=$(awk '/total queries/ { print $3; exit }' "$XP_TMP/kxdp.log")
got=$(awk '/total replies/ { print $3; exit }' "$XP_TMP/kxdp.log")
done_reloads=$(($(metric 'xpool_dns_reloads_total{result="ok"}') - reloads))
xp_log "kxdpgun: $sent queries, $got replies, across $done_reloads reloads"
[ "$done_reloads" -ge 2 ] || xp_fail "only $done_reloads reloads during the load"
[ -n "$sent" ] && [ "$sent" -gt 20000 ] && [ "$got" = "$sent" ] ||
	{ cat "$XP_TMP/kxdp.log"; xp_fail "replies lost under reloads: $got of $sent"; }

# 4. the program leaves with the daemon; after kill -9 too, and a restart takes over
has_xdp() { ip -n "$S" -d link show dev vs | grep -q "prog/xdp"; }
has_xdp || xp_fail "no program on vs while serving"
xp_stop $DNS || xp_fail "xpool-dns: exit status $? on SIGTERM"
has_xdp && xp_fail "the program stayed on vs after SIGTERM"
start
has_xdp || xp_fail "a restart did not attach"
kill -9 $DNS && wait $DNS 2>/dev/null
no_xdp() { ! has_xdp; }
xp_until 5 no_xdp || xp_fail "the program stayed on vs after kill -9"
start
before=$(received)
xp_ns "$C" kdig @$SRV4 pool.ntp.test A +short +timeout=2 | grep -q 192.0.2 || xp_fail "no answer after kill -9"
[ "$(received)" -gt "$before" ] || xp_fail "the restart after kill -9 does not answer through AF_XDP"
xp_log "detached on SIGTERM and on kill -9; each restart took over and answered through AF_XDP"

# 5. another program already on the interface: said once, served through sockets
cat >"$XP_TMP/busy.conf" <<EOF
listen 10.201.0.4
xdp vs
zone pool.ntp.test
snapshot $XP_TMP/snap.json
geoip off
test-addresses
min-servers 1
EOF
xp_ready busy "$S" "$XP_TMP/busy.log" "$BUILD/xpool-dns" -c "$XP_TMP/busy.conf" || xp_fail "second daemon"
grep -q "xdp vs: no AF_XDP (attach: .*): its queries are answered through sockets" "$XP_TMP/busy.log" ||
	xp_fail "no word of the busy interface: $(cat "$XP_TMP/busy.log")"
[ "$(grep -c "no AF_XDP" "$XP_TMP/busy.log")" = 1 ] || xp_fail "said more than once"
xp_ns "$C" kdig @10.201.0.4 pool.ntp.test A +short +timeout=2 | grep -q 192.0.2 ||
	xp_fail "the daemon without AF_XDP does not answer through sockets"
xp_log "an interface with a program already: '$(grep -o 'no AF_XDP.*' "$XP_TMP/busy.log")'; answered through sockets"
xp_verify_unit xpool-dns
xp_log "PASS"
