#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_dns_reload.sh - dnsperf load through 20 snapshot reloads: no query lost, and every answer
# entirely from the old or the new snapshot, never a mix.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v dnsperf >/dev/null || { echo "dnsperf missing"; exit 77; }
S=$XP_PREFIX-dns
C=$XP_PREFIX-cli
xp_rig "$S" "$C" || xp_fail "rig"

mk() { # mk FILE NET: 12 servers in one /24, all in de
	{
		echo '{"servers": ['
		for i in $(seq 1 12); do
			printf '{"ip": "%s.%d", "netspeed": %d, "score": 19, "country": "de"}%s\n' \
				"$2" "$i" $((i * 1000)) "$([ "$i" -lt 12 ] && echo ,)"
		done
		echo ']}'
	} >"$1"
}
mk "$XP_TMP/a.json" 192.0.2
mk "$XP_TMP/b.json" 198.51.100
cp "$XP_TMP/a.json" "$XP_TMP/snap.json"
xp_ready dns "$S" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -l $SRV4 --zone pool.ntp.test \
	--snapshot "$XP_TMP/snap.json" --threads 2 --metrics 127.0.0.1:9153 --test-addresses
DNS=$XP_LAST_PID

for i in $(seq 1000); do echo "pool.ntp.test A"; echo "0.pool.ntp.test A"; done >"$XP_TMP/q"
xp_ns "$C" dnsperf -s $SRV4 -d "$XP_TMP/q" -l 7 -Q 4000 -c 4 >"$XP_TMP/perf" 2>&1 &
PERF=$!
# content checker: every answer's four addresses come from one snapshot
(
	mixed=0 n=0
	end=$(($(date +%s) + 6))
	while [ "$(date +%s)" -lt "$end" ]; do
		a=$(xp_ns "$C" kdig @$SRV4 pool.ntp.test A +short +timeout=1 +retry=0 | sort -u | tr '\n' ' ')
		n=$((n + 1))
		case "$a" in
		*192.0.2.*198.51.100.* | *198.51.100.*192.0.2.*) mixed=$((mixed + 1)) ;;
		"") mixed=$((mixed + 1)) ;;
		esac
	done
	echo "checked=$n mixed_or_empty=$mixed"
) >"$XP_TMP/check" &
CHECK=$!
sleep 0.5
for i in $(seq 20); do
	if [ $((i % 2)) -eq 1 ]; then src=b; else src=a; fi
	cp "$XP_TMP/$src.json" "$XP_TMP/snap.json.tmp" && mv "$XP_TMP/snap.json.tmp" "$XP_TMP/snap.json"
	kill -HUP $DNS
	sleep 0.25
done
wait $PERF
wait $CHECK
cat "$XP_TMP/perf" | grep -E "Queries (sent|completed|lost)|Queries per second"
check=$(cat "$XP_TMP/check")
reloads=$(grep -c "loaded:" "$XP_TMP/dns.log")
xp_log "answers checked: $check; reloads: $reloads"
lost=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$XP_TMP/perf")
sent=$(sed -n 's/.*Queries sent: *\([0-9]*\).*/\1/p' "$XP_TMP/perf")
[ "${sent:-0}" -gt 10000 ] || xp_fail "dnsperf sent only ${sent:-0} queries"
[ "$lost" = 0 ] || xp_fail "$lost queries lost during reloads"
[ "$reloads" -ge 20 ] || xp_fail "only $reloads reloads"
echo "$check" | grep -q "mixed_or_empty=0" || xp_fail "an answer mixed two snapshots: $check"
n=$(echo "$check" | sed -n 's/checked=\([0-9]*\).*/\1/p')
[ "${n:-0}" -gt 20 ] || xp_fail "too few answers checked"
xp_log "ok"
