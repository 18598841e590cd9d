#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_dns_fetch.sh - a DNS host fetches the signed snapshot from a real web server (lighttpd) on a
# registry host: new snapshots are served within a poll; tampered, wrongly signed, rolled back,
# missing, compressed (Content-Encoding: gzip), truncated, slow and dead each keep the data and
# count their reason; a restart while the registry host is down answers from the cache, also
# after a crash (SIGKILL, strace's fault injection) at each step of writing the cache.
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
# --check-config fetches nothing: it says so, and what the cache it would start from holds
check() { # check WANT: --check-config's OK line holds WANT
	local out
	out=$("$BUILD/xpool-dns" -c "$XP_TMP/dns.conf" --check-config 2>/dev/null)
	[[ $out == *"$XP_TMP/dns.conf: configuration OK ("*"$1"*"; geoip off)" ]] ||
		xp_fail "--check-config: '$out', not '$1'"
	xp_log "OK: --check-config: $out"
}
check "snapshot-url http://10.207.0.1/snap.json not fetched by the check; snapshot-cache $XP_TMP/cache.json: none yet (written at the first verified fetch), a start needs the URL"
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
# the cache: one file, the signature's line and then the snapshot (one rename replaces both)
[ "$(head -c 24 "$XP_TMP/cache.json")" = "xpool-ed25519 signature " ] &&
	tail -n +2 "$XP_TMP/cache.json" | cmp -s - "$WWW/snap.json" || xp_fail "no cache written"
[ ! -e "$XP_TMP/cache.json.sig" ] || xp_fail "a signature file beside the cache"
xp_log "OK: started from the URL: $a"
check "snapshot-url http://10.207.0.1/snap.json not fetched by the check; snapshot-cache $XP_TMP/cache.json: verified, 3 servers, 3 in DNS, generated $(sed -n 's/.*"generated": *"\([^"]*\)".*/\1/p' "$WWW/snap.json" | head -1 | sed 's/\.[0-9]*Z$/Z/')"
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

# each bad answer of the registry host keeps the data, counts its reason and logs it once with
# what to check: "snapshot from URL refused: WHY (REMEDY); the data in service stays ..."
URL=http://10.207.0.1/snap.json
logged() { # logged TEXT...: a refusal's log line holds each TEXT (fixed strings), within 5 s
	local i t line
	for i in $(seq 50); do
		line=$(grep -F "snapshot from $URL refused: " "$XP_TMP/dns.log" | tail -1)
		for t in "$@" "; the data in service stays (tried again every 1 s)"; do
			[[ $line == *"$t"* ]] || continue 2
		done
		return 0
	done
	tail -3 "$XP_TMP/dns.log"
	xp_fail "no refusal logged with: $*"
}
bad_case() { # bad_case NAME RESULT [BEFORE [TEXT...]]: counted past BEFORE (now), the data stays,
	# the refusal logged with each TEXT
	local before=${3:-$(count "$2")}
	wait_count "$2" "$before" 15 || { tail -5 "$XP_TMP/dns.log"; xp_fail "$1: no '$2' counted"; }
	a=$(answers)
	[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] || xp_fail "$1: the data changed: $a"
	[ $# -gt 3 ] && logged "${@:4}"
	xp_log "OK: $1 -> $2, the data stays${4:+: $(grep -F "snapshot from $URL refused: " "$XP_TMP/dns.log" | tail -1 | sed 's/.*refused: //')}"
}
sed 's/192.0.2.2/192.0.2.9/' "$XP_TMP/b/snap.json" >"$WWW/snap.json"       # one byte
bad_case "a tampered snapshot" signature "" \
	"its signature $URL.sig does not verify with snapshot-key $XP_TMP/pool.key.pub (was it signed with the pool.key of that .pub? a .sig of another export, or a snapshot changed after signing? publish the two files of one xpoolctl export --sign, the .sig first)"
sleep 1.1
mkdir -p "$XP_TMP/c"
export_to "$XP_TMP/c" "$XP_TMP/other.key"
cp "$XP_TMP"/c/snap.json* "$WWW/"
bad_case "a snapshot signed with another key" signature
# counted once (its validators are kept: the next polls are 304): the counter before the change
before=$(count rollback)
cp "$XP_TMP"/a/snap.json* "$WWW/"
bad_case "an older snapshot, validly signed (rollback)" rollback "$before" \
	"generated $(sed -n 's/.*"generated": *"\([^"]*\)".*/\1/p' "$XP_TMP/a/snap.json" | head -1 | sed 's/\.[0-9]*Z$/Z/'), before the snapshot in service (generated " \
	"an older export is never taken back (publish the newest one"
rm -f "$WWW/snap.json"
bad_case "a 404" http_status "" \
	"the snapshot: HTTP 404 (not found: does snapshot-url name the file xpoolctl export writes, under the web server's document root?)"
cp "$XP_TMP"/b/snap.json "$WWW/snap.json" && rm -f "$WWW/snap.json.sig"
bad_case "a missing signature" signature "" \
	"no signature beside it: its signature $URL.sig: HTTP 404 (export with xpoolctl export FILE --sign KEY, which writes FILE.sig, and publish both files)"
echo "xpool-ed25519 signature 00" >"$WWW/snap.json.sig"
bad_case "a signature file that is not one" signature "" \
	"its signature $URL.sig is not an xpool signature (one line, 'xpool-ed25519 signature' and 128 hex digits, as xpoolctl export --sign writes it)"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$WWW/snap.json"
bad_case "a body over snapshot-max-mb (1 MB)" too_big "" \
	"the snapshot is over 1048576 bytes: refused unread (raise snapshot-max-mb for a pool this big)"
# signed by our key, but not a snapshot xpool-dns may serve: a loopback server slipped into the
# registry behind xpoolctl's back
sleep 1.1
sqlite3 "$XP_TMP/reg.db" "INSERT INTO servers (ip, country, created, updated) VALUES ('127.0.0.1', 'de', 1, 1)"
mkdir -p "$XP_TMP/e"
export_to "$XP_TMP/e"
sqlite3 "$XP_TMP/reg.db" "DELETE FROM servers WHERE ip = '127.0.0.1'"
cp "$XP_TMP"/e/snap.json* "$WWW/"
bad_case "a signed snapshot with a loopback server" invalid "" \
	"signed, but not a snapshot xpool-dns serves: servers[" "].ip: "

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
# a newer snapshot, validly signed, sent gzip-compressed (Content-Encoding: gzip): refused
# unread, never inflated; the request asked for the bytes as they are
sleep 1.1
mkdir -p "$XP_TMP/g"
export_to "$XP_TMP/g"
gzip -9 -c "$XP_TMP/g/snap.json" >"$XP_TMP/g/snap.json.gz"
cat >"$XP_TMP/gzip" <<SH
read -r method path proto
while read -r line; do
	line=\$(printf %s "\$line" | tr -d '\r')
	[ -z "\$line" ] && break
	echo "\$line" >>$XP_TMP/gzip-request
done
case \$path in
*.sig) f=$XP_TMP/g/snap.json.sig; enc= ;;
*) f=$XP_TMP/g/snap.json.gz; enc='Content-Encoding: gzip\r\n' ;;
esac
printf "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\${enc}Content-Length: %d\r\n" \$(stat -c %s \$f)
printf "Connection: close\r\n\r\n"
cat \$f
SH
fake gzip
bad_case "a gzip-encoded snapshot (Content-Encoding: gzip)" encoding "" \
	"the snapshot came with Content-Encoding gzip: refused unread, the signature is over the bytes as exported (turn compression off for it in the web server)"
kill "$FAKE"; wait "$FAKE" 2>/dev/null
grep -qi "^Accept-Encoding: identity$" "$XP_TMP/gzip-request" &&
	! grep -qi "gzip" "$XP_TMP/gzip-request" ||
	xp_fail "the request did not ask for identity: $(cat "$XP_TMP/gzip-request")"
xp_log "OK: a compressed body refused unread, and the request asked for identity"
fake truncated
bad_case "a truncated body" network "" \
	"the snapshot: Transferred a partial file (is the web server up and reachable from here, and snapshot-url right?)"
kill "$FAKE"; wait "$FAKE" 2>/dev/null
fake slow
bad_case "a server slower than 1 KB/s" timeout "" \
	"the snapshot: Timeout was reached (deadlines: 5 s to connect, 30 s in all, 1024 bytes/s for 10 s): is the web server reachable from here, and not overloaded?"
# a SIGTERM during such a transfer: the daemon stops at once, it does not wait for the server
sleep 2
t0=$(date +%s%N)
kill -TERM "$DNS"; wait "$DNS"
ms=$((($(date +%s%N) - t0) / 1000000))
xp_log "stopped during a slow transfer in $ms ms"
[ $ms -lt 5000 ] || xp_fail "stopping waited $ms ms for a slow transfer (its deadline is 10 s)"
kill "$FAKE"; wait "$FAKE" 2>/dev/null
start_dns # the URL is dead now: from the cache
bad_case "a dead server" network "" "the snapshot: Couldn't connect to server (is the web server up"

# a restart while the registry host is down: the cache
kill -TERM "$DNS"; wait "$DNS"
start_dns
a=$(answers)
[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] || xp_fail "after a restart without the URL: $a"
xp_log "OK: restarted with the registry host down: served from the cache: $a"
m=$(xp_ns "$D" curl -s 127.0.0.1:9155/metrics | grep -E 'snapshot_fetch_total|snapshot_age' | tr '\n' ' ')
xp_log "metrics: $m"

# A crash while the cache is written: the registry host publishes a newer snapshot, the daemon
# is killed (SIGKILL from strace's fault injection) at its Kth rename of that write, K = 1, 2 (a
# rename it never reaches: killed just after the write); then the registry host goes down and
# the daemon restarts: it must start from the cache, the old pair or the new one.
command -v strace >/dev/null || xp_fail "strace missing (make deps installs it)"
cp "$XP_TMP"/b/snap.json* "$WWW/"
xp_lighttpd "$R" 10.207.0.1 "$WWW"
WEB=$XP_LAST_PID
traced() { # traced PID: every thread of PID has a tracer
	local t
	for t in /proc/"$1"/task/*/status; do
		[ "$(awk '/^TracerPid:/ { print $2 }' "$t" 2>/dev/null)" -gt 0 ] 2>/dev/null || return 1
	done
}
for k in 1 2; do
	sleep 1.1 # a later generated time
	mkdir -p "$XP_TMP/crash$k"
	export_to "$XP_TMP/crash$k"
	strace -f -qq -p "$DNS" -e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:signal=SIGKILL:when=$k -o "$XP_TMP/strace$k" &
	XP_PIDS+=($!)
	TRACER=$!
	for _ in $(seq 100); do traced "$DNS" && break; sleep 0.05; done
	traced "$DNS" || xp_fail "strace did not attach to xpool-dns"
	ok0=$(count ok)
	cp "$XP_TMP/crash$k/snap.json" "$WWW/snap.json.new" &&
		cp "$XP_TMP/crash$k/snap.json.sig" "$WWW/snap.json.sig.new"
	mv "$WWW/snap.json.sig.new" "$WWW/snap.json.sig" && mv "$WWW/snap.json.new" "$WWW/snap.json"
	# killed at rename K, or (no rename K in one write) the snapshot taken: killed now
	for _ in $(seq 150); do
		kill -0 "$DNS" 2>/dev/null || break
		[ "$(count ok)" -gt "$ok0" ] 2>/dev/null && break
		sleep 0.1
	done
	if kill -0 "$DNS" 2>/dev/null; then
		[ "$(count ok)" -gt "$ok0" ] 2>/dev/null || xp_fail "crash $k: the new snapshot was not fetched"
		how="after its write (no rename $k in it)"
		kill -9 "$DNS"
	else
		how="at rename $k: $(grep -m1 -o 'rename[a-z0-9]*("[^"]*", "[^"]*"' "$XP_TMP/strace$k")"
	fi
	wait "$DNS" 2>/dev/null
	wait "$TRACER" 2>/dev/null
	kill "$WEB"; wait "$WEB" 2>/dev/null # the registry host goes down
	start_dns
	a=$(answers)
	[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] ||
		{ tail -5 "$XP_TMP/dns.log"; xp_fail "crash $k: after the restart: $a"; }
	grep -q "the cache is not used" "$XP_TMP/dns.log" &&
		{ tail -5 "$XP_TMP/dns.log"; xp_fail "crash $k: the cache did not verify"; }
	ls "$XP_TMP"/cache.json.tmp.* 2>/dev/null && xp_fail "crash $k: the crashed write's file stays"
	xp_log "OK: killed $how; restarted with the registry host down, served from the cache"
	xp_lighttpd "$R" 10.207.0.1 "$WWW"
	WEB=$XP_LAST_PID
done

# a cache of the older layout (FILE, then FILE.sig: two renames) is still read; such a pair that
# does not verify, as a crash between its renames left it, is not used, with the reason logged,
# and the snapshot comes from the URL (then the cache is rewritten as one file)
kill -TERM "$DNS"; wait "$DNS"
kill "$WEB"; wait "$WEB" 2>/dev/null
cp "$XP_TMP/crash2/snap.json" "$XP_TMP/cache.json"
cp "$XP_TMP/crash2/snap.json.sig" "$XP_TMP/cache.json.sig"
start_dns
a=$(answers)
[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] &&
	grep -q "cache.json: starting from the cache" "$XP_TMP/dns.log" ||
	{ tail -5 "$XP_TMP/dns.log"; xp_fail "the older layout's cache was not read: $a"; }
xp_log "OK: a cache of the older layout, the registry host down: served from it"
kill -TERM "$DNS"; wait "$DNS"
cp "$XP_TMP/crash1/snap.json.sig" "$XP_TMP/cache.json.sig" # a snapshot with another's signature
xp_lighttpd "$R" 10.207.0.1 "$WWW"
WEB=$XP_LAST_PID
start_dns
a=$(answers)
[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] || xp_fail "a mismatched cache, the URL up: $a"
why=$(grep "the cache is not used" "$XP_TMP/dns.log")
case $why in
*"cache.json: the cache is not used (its signature $XP_TMP/cache.json.sig does not verify with snapshot-key $XP_TMP/pool.key.pub (was it signed with the pool.key of that .pub?"*"): the snapshot comes from the URL") ;;
*) tail -5 "$XP_TMP/dns.log"; xp_fail "no reason logged for the cache: '$why'" ;;
esac
[ "$(head -c 24 "$XP_TMP/cache.json")" = "xpool-ed25519 signature " ] &&
	[ ! -e "$XP_TMP/cache.json.sig" ] ||
	xp_fail "the cache was not rewritten as one file"
xp_log "OK: a mismatched pair: $why; served from the URL, the cache rewritten as one file"

# no rollback across a restart either: at the start, a URL serving an older snapshot than the
# cache's is refused, and the cache is served
kill -TERM "$DNS"; wait "$DNS"
cp "$XP_TMP"/a/snap.json* "$WWW/"
start_dns
a=$(answers)
[ "$a" = "192.0.2.2 192.0.2.3 192.0.2.4 " ] || xp_fail "a restart took an older snapshot: $a"
[ "$(count rollback)" -ge 1 ] || xp_fail "the start's rollback was not counted: $(count rollback)"
xp_log "OK: restarted while the URL serves an older snapshot: rollback counted, the cache served"

# a password in snapshot-url (HTTP basic authentication) is never logged, found or not
kill -TERM "$DNS"; wait "$DNS"
sed -i 's|^snapshot-url .*|snapshot-url http://xpool:S3cretPw@10.207.0.1/nosuch.json?password=S3cretPw|' "$XP_TMP/dns.conf"
: >"$XP_TMP/dns.log"
xp_daemon "$D" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf" -v
DNS=$XP_LAST_PID
xp_wait_log "$XP_TMP/dns.log" "nosuch.json" 10 || xp_fail "no word of the missing snapshot: $(cat "$XP_TMP/dns.log")"
sleep 1.5 # a poll or two more
kill -TERM "$DNS"; wait "$DNS"
grep "S3cretPw" "$XP_TMP/dns.log" && xp_fail "snapshot-url's password in the log"
xp_log "OK: a password in snapshot-url: $(grep -c nosuch "$XP_TMP/dns.log") log lines name the URL, none its password: $(grep -m1 nosuch "$XP_TMP/dns.log")"

# a start with neither the URL nor a cache: not serving, and why, in two lines
sed -e "s|^snapshot-cache .*|snapshot-cache $XP_TMP/none.json|" "$XP_TMP/dns.conf" >"$XP_TMP/nocache.conf"
out=$(xp_ns "$D" "$BUILD/xpool-dns" -c "$XP_TMP/nocache.conf" 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ $out == *"snapshot from http://xpool:***@10.207.0.1/nosuch.json?password=*** refused: the snapshot: HTTP 404 (not found: "* ]] &&
	[[ $out == *"error: http://xpool:***@10.207.0.1/nosuch.json?password=***: no snapshot from the URL (the reason above) nor from a cache ($XP_TMP/none.json): not serving; the cache keeps the last verified fetch for starts while the URL is down"* ]] ||
	xp_fail "a start without the URL nor a cache: exit $rc: $out"
xp_log "OK: a start without the URL nor a cache: $(echo "$out" | tail -1)"
