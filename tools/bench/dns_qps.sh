#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# dns_qps.sh - single-core xpool-dns throughput with dnsperf over loopback: server pinned to
# CPU 0 with one worker, dnsperf on CPU 1; prints qps, latency and the server's CPU use.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SECS=${SECS:-10}
tools/bench/dns_data.sh build/bench/dns
taskset -c 0 "$BUILD/xpool-dns" -l 127.0.0.1:5300 --zone pool.ntp.test --threads 1 \
	--snapshot build/bench/dns/snapshot.json --geoip "${GEOIP:-build/geoip/geo-whois-asn-country.mmdb}" \
	--test-addresses \
	>build/bench/dns/xpool-dns.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
# measured once it answers (30 s at most; at once if it exited)
end=$((SECONDS + 30))
until [ -n "$(kdig @127.0.0.1 -p 5300 pool.ntp.test A +short +timeout=1 +retry=0 2>/dev/null)" ]; do
	if ! kill -0 $pid 2>/dev/null || [ $SECONDS -ge $end ]; then
		echo "xpool-dns does not answer on 127.0.0.1:5300:" >&2
		cat build/bench/dns/xpool-dns.log >&2
		exit 1
	fi
	sleep 0.1
done
ticks() { awk '{ print $14 + $15 }' /proc/$pid/stat; }
t0=$(ticks)
taskset -c 1 dnsperf -s 127.0.0.1 -p 5300 -d build/bench/dns/queries.txt -l "$SECS" -c 8 -q 500 \
	>build/bench/dns/dnsperf.txt 2>&1
t1=$(ticks)
grep -E 'Queries (sent|completed|lost)|per second|Average Latency' build/bench/dns/dnsperf.txt
awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$SECS" \
	'BEGIN { printf "  xpool-dns CPU:         %.0f%% of one core\n", 100 * t / hz / s }'
