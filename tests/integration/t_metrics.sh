#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_metrics.sh - every daemon's /metrics follows Prometheus's conventions: promtool (Debian
# prometheus) checks each one after real traffic (HELP and TYPE per family, counters in _total,
# base units), and each family has a HELP and a TYPE line before its samples.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
command -v promtool >/dev/null || { echo "promtool missing (Debian prometheus)"; exit 77; }
xp_ref_rig

# xpool-ntpd, answering a few requests
xp_ready ntpd "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native --detach-on-exit \
	--chrony-socket "$XP_TMP/ref/chronyd.sock" --pin-path "$(xp_pin_path ntpd)" \
	--metrics 127.0.0.1:9171
for _ in 1 2 3; do xp_xdp_answered "$C" $SRV4 "$(xp_pin_path ntpd)" || xp_fail "xpool-ntpd: $XP_ANSWER"; done

# xpool-dns, on another address, answering a few queries
echo '{"generated": "2026-12-01T00:00:00Z", "servers": [{"ip": "192.0.2.1", "netspeed": 1000,
 "score": 19, "country": "de"}]}' >"$XP_TMP/snap.json"
ip -n "$S" addr add 10.201.0.53/24 dev vs
xp_ready dns "$S" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -l 10.201.0.53 --zone pool.ntp.test \
	--snapshot "$XP_TMP/snap.json" --geoip off --test-addresses --min-servers 1 \
	--metrics 127.0.0.1:9172
for q in pool.ntp.test nope.pool.ntp.test example.com; do
	xp_ns "$C" kdig @10.201.0.53 $q A +timeout=2 2>&1 | grep -q "status: " ||
		xp_fail "xpool-dns: no answer to $q"
done

# xpool-monitor, through one round of one server (the responder above)
DB=$XP_TMP/reg.db
"$BUILD/xpoolctl" --db "$DB" init && "$BUILD/xpoolctl" --db "$DB" monitor add m >/dev/null &&
	"$BUILD/xpoolctl" --db "$DB" server add $SRV4 de --test-addresses || xp_fail "registry"
xp_ready mon "$S" "$XP_TMP/mon.log" "$BUILD/xpool-monitor" --db "$DB" --name m --interval 3600 \
	--chrony-socket "$XP_TMP/ref/chronyd.sock" --same-network-ok --metrics 127.0.0.1:9173
checked() { [ "$(sqlite3 "$DB" 'SELECT count(*) FROM history')" -gt 0 ]; }
xp_until 30 checked || xp_fail "xpool-monitor wrote no check: $(cat "$XP_TMP/mon.log")"

n=0
for d in ntpd:9171 dns:9172 monitor:9173; do
	name=${d%:*}
	xp_ns "$S" curl -sf -m 2 "127.0.0.1:${d#*:}/metrics" >"$XP_TMP/$name.prom" ||
		xp_fail "$name: no /metrics"
	[ -s "$XP_TMP/$name.prom" ] || xp_fail "$name: empty /metrics"
	out=$(promtool check metrics <"$XP_TMP/$name.prom" 2>&1) ||
		{ echo "$out"; xp_fail "$name: promtool check metrics"; }
	# every sample's family has its HELP and TYPE before it
	awk -v who="$name" '
		/^# HELP / { help[$3] = 1; next }
		/^# TYPE / { type[$3] = $4; next }
		/^#/ || NF == 0 { next }
		{
			f = $1; sub(/\{.*/, "", f)
			base = f
			if (!(base in type)) { sub(/_(bucket|sum|count)$/, "", base) }
			if (!(base in type) || !(base in help)) { print who ": no HELP/TYPE before " f; bad = 1 }
			if (type[base] == "counter" && base !~ /_total$/) { print who ": counter " base " without _total"; bad = 1 }
		}
		END { exit bad }' "$XP_TMP/$name.prom" || xp_fail "$name: families"
	xp_log "$name: $(grep -c '^# TYPE' "$XP_TMP/$name.prom") families, $(grep -vc '^#' "$XP_TMP/$name.prom") samples: promtool clean"
	n=$((n + 1))
done
[ $n = 3 ] || xp_fail "checked $n daemons"
# the monitor's score histogram holds the check it wrote
awk '$1 == "xpool_monitor_score_count" { exit !($2 >= 1) }' "$XP_TMP/monitor.prom" ||
	xp_fail "no score in xpool_monitor_score: $(grep score_count "$XP_TMP/monitor.prom")"
# the Grafana dashboard asks only for families the daemons have (AF_XDP ones: t_dns_xdp)
cat "$XP_TMP"/*.prom >"$XP_TMP/all.prom"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' tools/grafana/xpool.json ||
	xp_fail "the dashboard is not JSON"
for f in $(grep -o '"expr": "[^"]*' tools/grafana/xpool.json | grep -o 'xpool_[a-z_]*' | sort -u); do
	case $f in xpool_dns_xdp_*) continue ;; esac
	grep -q "^# TYPE $f " "$XP_TMP/all.prom" || grep -q "^# TYPE ${f%_*} histogram" "$XP_TMP/all.prom" ||
		xp_fail "the dashboard asks for $f, which no daemon has"
done
xp_log "tools/grafana/xpool.json: every family it asks for is served"
xp_log "PASS"
