#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_dns_fetch_pair.sh - a DNS host whose first fetches pair one export's snapshot with the
# previous export's signature (a poll between the publisher's two renames, or a web server's stat
# cache serving the old .sig for a second) fetches the pair again, a second apart, and starts; a
# signature that stays wrong is still refused. Before: xpool-dns exited at its start ("signature
# ... not serving").
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
R=$XP_PREFIX-reg # the registry host's web server, at $SRV4
D=$XP_PREFIX-dnsh # the DNS host, at $CLI4
xp_rig "$R" "$D" || xp_fail "rig"
CTL=$BUILD/xpoolctl
"$CTL" --db "$XP_TMP/reg.db" init >/dev/null
"$CTL" --db "$XP_TMP/reg.db" monitor add m1 && "$CTL" --db "$XP_TMP/reg.db" monitor set m1 status active
"$CTL" --db "$XP_TMP/reg.db" server add 192.0.2.1 de --test-addresses >/dev/null
sqlite3 "$XP_TMP/reg.db" "INSERT INTO scores SELECT id, 'm1', 19, strftime('%s','now') FROM servers"
"$CTL" key generate "$XP_TMP/pool.key" >/dev/null
mkdir -p "$XP_TMP/old" "$XP_TMP/new"
"$CTL" --db "$XP_TMP/reg.db" export "$XP_TMP/old/snap.json" --sign "$XP_TMP/pool.key" || xp_fail "export"
sleep 1.1 # a later generated time
"$CTL" --db "$XP_TMP/reg.db" export "$XP_TMP/new/snap.json" --sign "$XP_TMP/pool.key" || xp_fail "export"
cmp -s "$XP_TMP/old/snap.json.sig" "$XP_TMP/new/snap.json.sig" && xp_fail "two exports, one signature"

# a web server whose first answer for the .sig is the previous export's (STALE_SIGS of them)
cat >"$XP_TMP/web.py" <<'PY'
import http.server, sys
d, stale, addr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_GET(self):
        if self.path == "/snap.json":
            body = open(d + "/new/snap.json", "rb").read()
        elif self.path == "/snap.json.sig":
            H.n += 1
            body = open(d + ("/old" if H.n <= stale else "/new") + "/snap.json.sig", "rb").read()
        else:
            self.send_error(404); return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer((addr, 80), H).serve_forever()
PY
web() { # web STALE_SIGS: (re)start the web server
	[ -n "${WEB:-}" ] && kill "$WEB" && wait "$WEB" 2>/dev/null
	ip netns exec "$R" python3 "$XP_TMP/web.py" "$XP_TMP" "$1" $SRV4 &
	WEB=$!
	XP_PIDS+=("$WEB")
	xp_until 10 xp_ns "$D" curl -sf -o /dev/null http://$SRV4/snap.json || xp_fail "web server"
}
cat >"$XP_TMP/dns.conf" <<CONF
listen $CLI4
zone pool.ntp.test
snapshot-url http://$SRV4/snap.json
snapshot-key $XP_TMP/pool.key.pub
snapshot-cache $XP_TMP/cache.json
snapshot-poll 1
geoip off
test-addresses
min-servers 1
CONF

# 1. the first two .sig answers are the previous export's: the pair is fetched again, a second
# apart, and the daemon starts on the third
web 2
xp_ready dns1 "$D" "$XP_TMP/dns1.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf" ||
	xp_fail "xpool-dns did not start on a pair fetched between two renames: $(tail -n 3 "$XP_TMP/dns1.log")"
grep -q "refused" "$XP_TMP/dns1.log" && xp_fail "a refusal logged for a pair whole a moment later: $(cat "$XP_TMP/dns1.log")"
xp_stop "$XP_LAST_PID" || xp_fail "xpool-dns: exit status $? on SIGTERM"
xp_log "OK: a snapshot and the previous export's signature: fetched again, started, nothing refused"

# 2. a signature that stays wrong is refused, with the reason, and nothing is served
rm -f "$XP_TMP/cache.json"
web 1000
out=$(xp_ns "$D" timeout 30 "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf" 2>&1) && xp_fail "started on a signature that never verifies"
echo "$out" | grep -qF "does not verify with snapshot-key $XP_TMP/pool.key.pub" || xp_fail "no reason: $out"
xp_log "OK: a signature that stays wrong: refused, not serving"
xp_log "PASS"
