#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_dns.sh - xpool-dns against kdig from two client namespaces in different countries: geo by
# source and by ECS, the protocol rules, TCP, RRL, reloads and metrics.
. "$(dirname "$0")/lib.sh"
xp_need_built "$BUILD/tests/geo-test.mmdb"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v kdig >/dev/null || { echo "kdig missing (knot-dnsutils)"; exit 77; }
S=$XP_PREFIX-dns
C1=$XP_PREFIX-de
C2=$XP_PREFIX-fr
for ns in $S $C1 $C2; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
link() { # link CLIENT_NS SUBNET_INDEX
	ip link add d$2 netns "$S" type veth peer name c netns "$1"
	ip -n "$S" addr add 10.203.$2.1/24 dev d$2
	ip -n "$1" addr add 10.203.$2.2/24 dev c
	ip -n "$S" link set d$2 up
	ip -n "$1" link set c up
	ip -n "$1" link set lo up
}
link "$C1" 1
link "$C2" 2
ip -n "$S" addr add 2001:db8:de::1/64 dev d1 nodad
ip -n "$C1" addr add 2001:db8:de::2/64 dev c nodad
ip -n "$S" link set lo up

DE="192.0.2.1 192.0.2.2 192.0.2.3"
FR="192.0.2.11 192.0.2.12 192.0.2.13"
snapshot() { # snapshot FILE PREFIX: three servers in de, three in fr, one IPv6 in de
	{
		echo '{"generated": "2026-11-26T12:00:00Z", "servers": ['
		for i in 1 2 3; do
			echo "{\"ip\": \"$2.$i\", \"netspeed\": 10000, \"score\": 19, \"country\": \"de\"},"
			echo "{\"ip\": \"$2.1$i\", \"netspeed\": 10000, \"score\": 19, \"country\": \"fr\"},"
		done
		echo '{"ip": "2001:db8:100::1", "netspeed": 1000, "score": 19, "country": "de"}]}'
	} >"$1"
}
snapshot "$XP_TMP/snap.json" 192.0.2
cat >"$XP_TMP/dns.conf" <<EOF
listen 10.203.1.1
listen 10.203.2.1
listen [2001:db8:de::1]:53
zone pool.ntp.test
snapshot $XP_TMP/snap.json
geoip $BUILD/tests/geo-test.mmdb
threads 2
rrl-rate 50
rrl-slip 2
rrl-allow 10.203.2.0/24
chaos-id dns1.test
vendor acme
metrics 127.0.0.1:9153
tcp-max-conns 4
tcp-idle-timeout 2
test-addresses
nsid dns1.test
snapshot-max-mb 1
cookie-secret e5e973e5a6b2a43f48e7dc849e37bfcf
EOF
for i in $(seq 1 8); do
	echo "ns ns$i-of-a-long-and-verbose-name-server-set.operator-network.example" >>"$XP_TMP/dns.conf"
done

out=$("$BUILD/xpool-dns" -c "$XP_TMP/dns.conf" --check-config 2>&1) || xp_fail "check-config: $out"
echo "bogus-directive 1" >"$XP_TMP/bad.conf"
out=$("$BUILD/xpool-dns" -c "$XP_TMP/bad.conf" --check-config 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "bad.conf:1: unknown directive" || xp_fail "bad config: $out"
xp_ready dns "$S" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf"

q() { # q NS SERVER ARGS...: the answer section's addresses, sorted
	local ns=$1 srv=$2
	shift 2
	xp_ns "$ns" kdig @"$srv" "$@" +short 2>&1 | sort | tr '\n' ' '
}
in_set() { # in_set "ADDRS" "SET": every address is in SET, and there is at least one
	local a n=0
	for a in $1; do case " $2 " in *" $a "*) n=$((n + 1)) ;; *) return 1 ;; esac; done
	[ $n -gt 0 ]
}

# --- location by source address, over IPv4 and IPv6 ---
a=$(q "$C1" 10.203.1.1 pool.ntp.test A)
xp_log "de client: $a"
in_set "$a" "$DE" || xp_fail "de client got $a"
a=$(q "$C2" 10.203.2.1 pool.ntp.test A)
xp_log "fr client: $a"
in_set "$a" "$FR" || xp_fail "fr client got $a"
a=$(q "$C1" 2001:db8:de::1 pool.ntp.test A)
in_set "$a" "$DE" || xp_fail "de client over IPv6 got $a"
a=$(q "$C1" 10.203.1.1 2.pool.ntp.test AAAA)
[ "$a" = "2001:db8:100::1 " ] || xp_fail "AAAA under 2.: $a"

# --- ECS overrides the source; scope is the matched network's length ---
out=$(xp_ns "$C2" kdig @10.203.2.1 pool.ntp.test A +subnet=10.203.1.0/24 +opt)
a=$(echo "$out" | awk '$4 == "A" { print $5 }' | sort | tr '\n' ' ')
in_set "$a" "$DE" || xp_fail "ECS de from the fr client: $a"
echo "$out" | grep -q "CLIENT-SUBNET: 10.203.1.0/24/24" || xp_fail "ECS scope: $out"
out=$(xp_ns "$C2" kdig @10.203.2.1 pool.ntp.test A +ednsopt=8:00030800ff)
echo "$out" | grep -q "status: FORMERR" || xp_fail "malformed ECS: $out"

# --- protocol rules ---
status() { xp_ns "$C1" kdig @10.203.1.1 "$@" 2>&1 | sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -1; }
[ "$(status nope.pool.ntp.test A)" = NXDOMAIN ] || xp_fail "NXDOMAIN"
xp_ns "$C1" kdig @10.203.1.1 nope.pool.ntp.test A | grep -q "SOA" || xp_fail "NXDOMAIN without SOA"
[ "$(status 0.pool.ntp.test AAAA)" = NOERROR ] || xp_fail "NODATA rcode"
xp_ns "$C1" kdig @10.203.1.1 0.pool.ntp.test AAAA | grep -q "AUTHORITY SECTION" || xp_fail "NODATA SOA"
[ "$(status example.com A)" = REFUSED ] || xp_fail "REFUSED"
[ "$(status pool.ntp.test TYPE254)" = NOTIMPL ] || xp_fail "NOTIMP for meta types (MAILA)"
[ "$(status pool.ntp.test A +edns=1)" = BADVERS ] || xp_fail "BADVERS"
xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test ANY | grep -q 'HINFO.*"RFC8482"' || xp_fail "ANY"
xp_ns "$C1" kdig @10.203.1.1 id.server TXT CH +short | grep -q '"dns1.test"' || xp_fail "CHAOS id.server"
xp_ns "$C1" kdig @10.203.1.1 version.bind TXT CH +short | grep -q xpool-dns || xp_fail "version.bind"
xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test SOA +short | grep -q hostmaster.pool.ntp.test || xp_fail "SOA"
xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test A +noedns +opt | grep -q "EDNS PSEUDOSECTION" &&
	xp_fail "OPT in a response to a query without one"
xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test A +edns +bufsize=4096 +opt | grep -q "UDP size: 1232" ||
	xp_fail "EDNS size not capped at 1232"
a=$(q "$C1" 10.203.1.1 1.AcMe.PoOl.NtP.TeSt A)
in_set "$a" "$DE" || xp_fail "vendor zone, mixed case: $a"
# eight long NS names do not fit 512 bytes: TC over UDP, the full set over TCP
out=$(xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test NS +noedns +ignore)
echo "$out" | grep -q "Flags: qr aa tc" || xp_fail "no TC: $out"
n=$(xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test NS +noedns +tcp +short | wc -l)
[ "$n" -eq 8 ] || xp_fail "TCP: $n NS records"
n=$(xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test A +tcp +keepopen pool.ntp.test AAAA 2.pool.ntp.test AAAA +short | wc -l)
[ "$n" -ge 4 ] || xp_fail "pipelined TCP queries: $n answers"

# --- TCP limits: a 5th connection is closed at once, idle ones after the timeout ---
out=$(xp_ns "$C1" bash -c '
	for i in 1 2 3 4; do eval "exec $((i + 2))<>/dev/tcp/10.203.1.1/53"; done
	sleep 0.3
	exec 7<>/dev/tcp/10.203.1.1/53
	if timeout 1 cat <&7 >/dev/null; then echo "5th: closed"; else echo "5th: open"; fi
	if timeout 3 cat <&3 >/dev/null; then echo "idle: closed"; else echo "idle: open"; fi')
xp_log "TCP limits: $(echo $out)"
echo "$out" | grep -q "5th: closed" || xp_fail "tcp-max-conns not enforced"
echo "$out" | grep -q "idle: closed" || xp_fail "tcp-idle-timeout not enforced"

# --- RRL: 50/s per /24; the allowed fr resolver is never limited ---
for i in $(seq 300); do echo "pool.ntp.test A"; done >"$XP_TMP/q"
xp_ns "$C1" dnsperf -s 10.203.1.1 -d "$XP_TMP/q" -n 1 -t 1 -q 300 >"$XP_TMP/perf1" 2>&1
xp_ns "$C2" dnsperf -s 10.203.2.1 -d "$XP_TMP/q" -n 1 -t 1 -q 300 >"$XP_TMP/perf2" 2>&1
lost1=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$XP_TMP/perf1")
lost2=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$XP_TMP/perf2")
xp_log "RRL: de lost $lost1 of 300 (rate 50/s), fr (rrl-allow) lost $lost2"
[ "${lost1:-0}" -gt 50 ] || xp_fail "RRL did not limit the de /24"
[ "${lost2:-1}" -eq 0 ] || xp_fail "rrl-allow was limited"
# DNS Cookies (RFC 7873, RFC 9018) and NSID (RFC 5001): a client that returns our server cookie
# has proved its address and is never rate-limited
out=$(xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test +cookie +nsid)
echo "$out" | grep -q 'NSID: .* "dns1.test"' || xp_fail "no NSID: $out"
cookie=$(echo "$out" | sed -n 's/^;; COOKIE: \([0-9A-F]\{48\}\).*/\1/p')
[ -n "$cookie" ] || xp_fail "no 24-byte COOKIE (client + RFC 9018 server cookie): $out"
xp_ns "$C1" kdig @10.203.1.1 pool.ntp.test +cookie="$cookie" | grep -q "COOKIE: ${cookie:0:16}0100" ||
	xp_fail "a returned server cookie was not renewed for the same client cookie"
sleep 1.1 # a fresh RRL second
xp_ns "$C1" dnsperf -s 10.203.1.1 -d "$XP_TMP/q" -n 1 -t 1 -q 300 -E "10:$cookie" >"$XP_TMP/perf3" 2>&1
lost3=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$XP_TMP/perf3")
xp_log "RRL: de with a valid server cookie lost $lost3 of 300"
[ "${lost3:-1}" -eq 0 ] || xp_fail "a client with a valid server cookie was rate-limited"

# --- reloads: a valid new snapshot (SIGHUP), a broken one (kept old), a changed file ---
snapshot "$XP_TMP/snap2.json" 198.51.100
cp "$XP_TMP/snap2.json" "$XP_TMP/snap.json.new" && mv "$XP_TMP/snap.json.new" "$XP_TMP/snap.json"
xp_wait_log "$XP_TMP/dns.log" "file changed: snapshot" 5 || xp_fail "file change not noticed"
a=$(q "$C2" 10.203.2.1 pool.ntp.test A)
in_set "$a" "198.51.100.11 198.51.100.12 198.51.100.13" || xp_fail "after reload: $a"
echo '{"servers": [{"ip": "bogus"}]}' >"$XP_TMP/snap.json"
kill -HUP "$XP_LAST_PID"
xp_wait_log "$XP_TMP/dns.log" "rejected" 5 || { cat "$XP_TMP/dns.log"; xp_fail "broken snapshot not rejected"; }
grep -q 'servers\[0\].ip: not an IPv4 or IPv6 address' "$XP_TMP/dns.log" || xp_fail "no reason given"
a=$(q "$C2" 10.203.2.1 pool.ntp.test A)
in_set "$a" "198.51.100.11 198.51.100.12 198.51.100.13" || xp_fail "old data not kept: $a"

# an export that lists fewer than min-servers (2) is refused: the zone keeps its servers
echo '{"servers": []}' >"$XP_TMP/snap.json.new" && mv "$XP_TMP/snap.json.new" "$XP_TMP/snap.json"
xp_wait_notify dns "STATUS=snapshot refused" 5 || xp_fail "empty snapshot taken"
grep -q "fewer than min-servers" "$XP_TMP/dns.log" || xp_fail "no reason logged"
a=$(q "$C2" 10.203.2.1 pool.ntp.test A)
in_set "$a" "198.51.100.11 198.51.100.12 198.51.100.13" || xp_fail "emptied by a small snapshot: $a"
# a snapshot over snapshot-max-mb (1 MB here) is refused before it is read
head -c 2000000 /dev/zero | tr '\0' ' ' >"$XP_TMP/snap.json.new" && mv "$XP_TMP/snap.json.new" "$XP_TMP/snap.json"
xp_wait_log "$XP_TMP/dns.log" "over snapshot-max-mb (1 MB): refused unread" 5 || xp_fail "huge snapshot read"
a=$(q "$C2" 10.203.2.1 pool.ntp.test A)
in_set "$a" "198.51.100.11 198.51.100.12 198.51.100.13" || xp_fail "old data not kept: $a"
# a server at 127.0.0.1 never reaches DNS, whatever the flags
sed 's/198.51.100.11/127.0.0.1/' "$XP_TMP/snap2.json" >"$XP_TMP/snap.json.new"
mv "$XP_TMP/snap.json.new" "$XP_TMP/snap.json"
xp_wait_log "$XP_TMP/dns.log" "loopback address: not global unicast" 5 || xp_fail "loopback taken"

# --- metrics ---
m=$(xp_ns "$S" curl -s 127.0.0.1:9153/metrics)
for want in 'xpool_dns_queries_total{zone="de"}' 'xpool_dns_queries_total{zone="fr"}' \
	'xpool_dns_client_country_total{country="de"}' 'xpool_dns_qtype_total{qtype="AAAA"}' \
	'xpool_dns_responses_total{rcode="NXDOMAIN"}' 'xpool_dns_rrl_total{action="drop"}' \
	'xpool_dns_reloads_total{result="failed"} 3' 'xpool_dns_snapshot_age_seconds' \
	'xpool_dns_reloads_total{result="too_few_servers"} 1' \
	'xpool_dns_received_total{transport="tcp"}'; do
	echo "$m" | grep -qF "$want" || xp_fail "metrics lack $want"
done
xp_log "ok"
