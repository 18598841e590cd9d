#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_dns_fetch.sh - a DNS host fetches the signed snapshot from a real web server (lighttpd) on a
# registry host: new snapshots are served within a poll; tampered, wrongly signed, rolled back,
# missing, truncated, slow and dead each keep the data and count their reason; a restart while
# the registry host is down answers from the cache.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v lighttpd >/dev/null || { echo "lighttpd missing"; exit 77; }
command -v kdig >/dev/null || { echo "kdig missing (knot-dnsutils)"; exit 77; }
R=$XP_PREFIX-reg
D=$XP_PREFIX-dnsh
for ns in $R $D; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
ip link add vr netns "$R" type veth peer name vd netns "$D"
ip -n "$R" addr add 10.207.0.1/24 dev vr
ip -n "$D" addr add 10.207.0.2/24 dev vd
for ns in $R $D; do ip -n "$ns" link set lo up; done
ip -n "$R" link set vr up
ip -n "$D" link set vd up
CTL=$BUILD/xpoolctl
WWW=$XP_TMP/www
mkdir -p "$WWW"
chmod 755 "$XP_TMP" "$WWW"

# the registry host: a registry, a key, a signed export, a web server serving it
"$CTL" --db "$XP_TMP/reg.db" init >/dev/null
"$CTL" --db "$XP_TMP/reg.db" monitor add m1 && "$CTL" --db "$XP_TMP/reg.db" monitor set m1 status active
for i in 1 2 3; do "$CTL" --db "$XP_TMP/reg.db" server add 192.0.2.$i de --test-addresses; done
sqlite3 "$XP_TMP/reg.db" "INSERT INTO scores SELECT id, 'm1', 19, strftime('%s','now') FROM servers"
"$CTL" key generate "$XP_TMP/pool.key" >/dev/null
"$CTL" key generate "$XP_TMP/other.key" >/dev/null
export_to() { # export_to DIR [KEY]: a signed snapshot as snap.json and snap.json.sig
	"$CTL" --db "$XP_TMP/reg.db" export "$1/snap.json" --sign "${2:-$XP_TMP/pool.key}" ||
		xp_fail "export"
	chmod 644 "$1"/snap.json*
}
mkdir -p "$XP_TMP/a"
export_to "$XP_TMP/a"
cp "$XP_TMP"/a/snap.json* "$WWW/"
xp_lighttpd "$R" 10.207.0.1 "$WWW"
WEB=$XP_LAST_PID
xp_ns "$R" curl -sf -o /dev/null http://10.207.0.1/snap.json || xp_fail "lighttpd does not serve the snapshot"

# the DNS host
cat >"$XP_TMP/dns.conf" <<CONF
listen 10.207.0.2
zone pool.ntp.test
snapshot-url http://10.207.0.1/snap.json
snapshot-key $XP_TMP/pool.key.pub
snapshot-cache $XP_TMP/cache.json
snapshot-poll 1
geoip off
test-addresses
min-servers 1
snapshot-max-mb 1
metrics 127.0.0.1:9155
CONF
start_dns() {
	STARTS=$((${STARTS:-0} + 1))
	xp_ready dns$STARTS "$D" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf"
	DNS=$XP_LAST_PID
}
start_dns
answers() { xp_ns "$D" kdig @10.207.0.2 pool.ntp.test A +short 2>&1 | sort | tr '\n' ' '; }
count() { # count RESULT: the fetch counter
	xp_ns "$D" curl -s 127.0.0.1:9155/metrics |
		sed -n "s/^xpool_dns_snapshot_fetch_total{result=\"$1\"} //p"
}
wait_count() { # wait_count RESULT ABOVE SECONDS: the counter passes ABOVE
	local i
	for i in $(seq $(($3 * 10))); do [ "$(count "$1")" -gt "$2" ] && return 0; sleep 0.1; done
	return 1
}
a=$(answers)
[ "$a" = "192.0.2.1 192.0.2.2 192.0.2.3 " ] || xp_fail "first snapshot: $a"
[ -s "$XP_TMP/cache.json" ] && [ -s "$XP_TMP/cache.json.sig" ] || xp_fail "no cache written"
xp_log "OK: started from the URL: $a"
# the next polls are conditional GETs: lighttpd answers 304 to our ETag
wait_count not_modified 0 4 || xp_fail "no conditional GET came back 304"

# a good new snapshot is served within a poll interval (1 s; up to 3 s allowed)
sleep 1.1 # a later generated time
"$CTL" --db "$XP_TMP/reg.db" server remove 192.0.2.1
"$CTL" --db "$XP_TMP/reg.db" server add 192.0.2.4 de --test-addresses
sqlite3 "$XP_TMP/reg.db" "INSERT INTO scores SELECT id, 'm1', 19, strftime('%s','now') FROM servers WHERE ip = '192.0.2.4'"
mkdir -p "$XP_TMP/b"
export_to "$XP_TMP/b"
ok0=$(count ok)
cp "$XP_TMP"/b/snap.json "$WWW/snap.json.new" && cp "$XP_TMP"/b/snap.json.sig "$WWW/snap.json.sig.new"
mv "$WWW/snap.json.sig.new" "$WWW/snap.json.sig" && mv "$WWW/snap.json.new" "$WWW/snap.json"
wait_count ok "$ok0" 3 || xp_fail "a new snapshot was not taken within 3 polls"
new_served() { [ "$(answers)" = "192.0.2.2 192.0.2.3 192.0.2.4 " ]; }
xp_until 2 new_served
a=$(answers)
[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] || xp_fail "the new snapshot is not served: $a"
xp_log "OK: a new signed snapshot served within a poll: $a"

# each bad answer of the registry host keeps the data and counts its reason
bad_case() { # bad_case NAME RESULT: the counter moves, the answers stay
	local before
	before=$(count "$2")
	wait_count "$2" "$before" 15 || { tail -5 "$XP_TMP/dns.log"; xp_fail "$1: no '$2' counted"; }
	a=$(answers)
	[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] || xp_fail "$1: the data changed: $a"
	xp_log "OK: $1 -> $2, the data stays"
}
sed 's/192.0.2.2/192.0.2.9/' "$XP_TMP/b/snap.json" >"$WWW/snap.json"       # one byte
bad_case "a tampered snapshot" signature
sleep 1.1
mkdir -p "$XP_TMP/c"
export_to "$XP_TMP/c" "$XP_TMP/other.key"
cp "$XP_TMP"/c/snap.json* "$WWW/"
bad_case "a snapshot signed with another key" signature
cp "$XP_TMP"/a/snap.json* "$WWW/"
bad_case "an older snapshot, validly signed (rollback)" rollback
rm -f "$WWW/snap.json"
bad_case "a 404" http_status
cp "$XP_TMP"/b/snap.json "$WWW/snap.json" && rm -f "$WWW/snap.json.sig"
bad_case "a missing signature" signature
head -c 2000000 /dev/zero | tr '\0' ' ' >"$WWW/snap.json"
bad_case "a body over snapshot-max-mb (1 MB)" too_big
# signed by our key, but not a snapshot xpool-dns may serve: a loopback server slipped into the
# registry behind xpoolctl's back
sleep 1.1
sqlite3 "$XP_TMP/reg.db" "INSERT INTO servers (ip, country, created, updated) VALUES ('127.0.0.1', 'de', 1, 1)"
mkdir -p "$XP_TMP/e"
export_to "$XP_TMP/e"
sqlite3 "$XP_TMP/reg.db" "DELETE FROM servers WHERE ip = '127.0.0.1'"
cp "$XP_TMP"/e/snap.json* "$WWW/"
bad_case "a signed snapshot with a loopback server" invalid

# the web server goes: a fake that sends half its body, then one that trickles, then nothing
kill "$WEB"; wait "$WEB" 2>/dev/null
listening() { xp_ns "$R" ss -ltn | grep -q "10.207.0.1:80"; }
fake() { # fake NAME: answers every connection on 10.207.0.1:80 with the script NAME's output
	xp_bg "$R" "$XP_TMP/fake.log" socat TCP-LISTEN:80,bind=10.207.0.1,reuseaddr,fork \
		EXEC:"sh $XP_TMP/$1"
	FAKE=$XP_LAST_PID
	xp_until 10 listening || xp_fail "the fake web server ($1) does not listen"
}
# half of what Content-Length promises, then the connection closes
cat >"$XP_TMP/truncated" <<'SH'
printf 'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n{"servers": ['
sleep 0.2
SH
# a byte a second: under the 1 KB/s floor
cat >"$XP_TMP/slow" <<'SH'
printf 'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n'
for i in $(seq 30); do printf x; sleep 1; done
SH
fake truncated
bad_case "a truncated body" network
kill "$FAKE"; wait "$FAKE" 2>/dev/null
fake slow
bad_case "a server slower than 1 KB/s" timeout
# a SIGTERM during such a transfer: the daemon stops at once, it does not wait for the server
sleep 2
t0=$(date +%s%N)
kill -TERM "$DNS"; wait "$DNS"
ms=$((($(date +%s%N) - t0) / 1000000))
xp_log "stopped during a slow transfer in $ms ms"
[ $ms -lt 5000 ] || xp_fail "stopping waited $ms ms for a slow transfer (its deadline is 10 s)"
kill "$FAKE"; wait "$FAKE" 2>/dev/null
start_dns # the URL is dead now: from the cache
bad_case "a dead server" network

# a restart while the registry host is down: the cache
kill -TERM "$DNS"; wait "$DNS"
start_dns
a=$(answers)
[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] || xp_fail "after a restart without the URL: $a"
xp_log "OK: restarted with the registry host down: served from the cache: $a"
m=$(xp_ns "$D" curl -s 127.0.0.1:9155/metrics | grep -E 'snapshot_fetch_total|snapshot_age' | tr '\n' ' ')
xp_log "metrics: $m"
