#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# snapshot_scale.sh - how xpool-dns takes a pool-sized and a hostile-sized snapshot: the check's
# time and peak memory, a live reload's time (from the rename to sd_notify's new serial) and
# the daemon's memory over repeated reloads. Usage: snapshot_scale.sh N [RELOADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${1:?usage: snapshot_scale.sh N [RELOADS]}
RELOADS=${2:-10}
dir=$(mktemp -d /tmp/xpool-scale.XXXXXX)
pid=
cleanup() { kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

gen() { # gen FILE N SEED: N servers, global unicast (11/8 and 2a00::/12 stand in), 50 countries
	awk -v n="$2" -v seed="$3" 'BEGIN {
		split("de us fr gb nl ca jp au ch se fi at pl cz it es be dk no ie pt ru ua br ar " \
		      "mx cl za ng ke in sg hk kr tw cn id my th vn ph nz tr gr ro hu bg rs hr sk si", cc, " ")
		srand(seed)
		printf "{\"generated\": \"2026-11-26T00:00:00Z\", \"servers\": [\n"
		for (i = 0; i < n; i++) {
			if (i % 5 == 4)
				ip = sprintf("2a00:%x:%x::1", int(i / 65536), i % 65536)
			else
				ip = sprintf("11.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
			printf "%s{\"ip\":\"%s\",\"netspeed\":%d,\"score\":%.1f,\"country\":\"%s\"}\n",
				i ? "," : "", ip, 1000 * (1 + int(rand() * 100)), 5 + rand() * 15, cc[1 + i % 50]
		}
		printf "]}\n" }' >"$1"
}
gen "$dir/a.json" "$N" 1
gen "$dir/b.json" "$N" 2
gen "$dir/small.json" 1000 3
printf 'snapshot %s\ngeoip off\nlisten 127.0.0.1:55353\nzone pool.ntp.test\n' "$dir/live.json" >"$dir/dns.conf"
# the default limit (32 MB) first: a bigger file is refused before it is read
cp "$dir/a.json" "$dir/live.json"
if "$BUILD/xpool-dns" -c "$dir/dns.conf" --check-config >"$dir/check" 2>&1; then
	echo "with the default snapshot-max-mb: taken"
elif grep -q 'over snapshot-max-mb' "$dir/check"; then
	echo "with the default snapshot-max-mb: refused unread ($(grep -o 'over snapshot-max-mb.*' "$dir/check"))"
else
	echo "the check failed for another reason:" >&2
	cat "$dir/check" >&2
	exit 1
fi
echo "snapshot-max-mb 4096" >>"$dir/dns.conf" # measure what taking it costs

# the check: parse, validate and build, as start-up does
cp "$dir/a.json" "$dir/live.json"
/usr/bin/time -f "%e %M" -o "$dir/time" "$BUILD/xpool-dns" -c "$dir/dns.conf" --check-config \
	>"$dir/check" 2>&1 || { echo "the check refused the snapshot:" >&2; cat "$dir/check" >&2; exit 1; }
read -r secs kb <"$dir/time"
echo "snapshot of $N servers ($(du -h "$dir/a.json" | cut -f1)): --check-config ${secs} s, peak RSS $((kb / 1024)) MB"

# live reloads: from the rename to the new serial announced through sd_notify
cp "$dir/small.json" "$dir/live.json"
# waits: each has a deadline (WAIT_SECS, 300 s: a reload of millions of servers takes seconds)
# and ends at once if the daemon exited
WAIT_SECS=${WAIT_SECS:-300}
wait_for() { # wait_for WHAT COMMAND...
	local what=$1 end=$((SECONDS + WAIT_SECS))
	shift
	until "$@"; do
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			echo "xpool-dns exited waiting for $what:" >&2
			cat "$dir/dns.log" >&2
			exit 1
		fi
		[ $SECONDS -lt $end ] || { echo "no $what within $WAIT_SECS s" >&2; cat "$dir/dns.log" >&2; exit 1; }
		sleep 0.01
	done
}
socat -u UNIX-RECV:"$dir/notify" - >"$dir/notify.log" &
wait_for "notify socket" test -S "$dir/notify"
NOTIFY_SOCKET=$dir/notify "$BUILD/xpool-dns" -c "$dir/dns.conf" >"$dir/dns.log" 2>&1 &
pid=$!
wait_for READY=1 grep -q READY=1 "$dir/notify.log"
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status"; }
echo "serving 1000 servers: RSS $(rss) MB"
worst=0 total=0 first=
for i in $(seq "$RELOADS"); do
	src=$([ $((i % 2)) -eq 1 ] && echo a || echo b)
	serial=$((i + 1))
	cp "$dir/$src.json" "$dir/next.json"
	t0=$(date +%s%N)
	mv "$dir/next.json" "$dir/live.json"
	wait_for "serial $serial" grep -q "serving serial $serial:" "$dir/notify.log"
	ms=$((($(date +%s%N) - t0) / 1000000))
	total=$((total + ms))
	[ $ms -gt $worst ] && worst=$ms
	[ -n "$first" ] || first=$(rss)
done
echo "$RELOADS live reloads of $N servers: from the rename to the new serial, mean" \
	"$((total / RELOADS)) ms, worst $worst ms (the file is looked at once a second)"
awk '/snapshot .* loaded: .* in [0-9]+ ms/ { ms = $(NF - 1); if (n++) { s += ms; if (ms > m) m = ms } }
	END { if (n > 1) printf "  of which parse, validate, build and swap (the daemon'"'"'s own figure): mean %d ms, worst %d ms\n", s / (n - 1), m }' "$dir/dns.log"
echo "RSS after the first reload $first MB, after $RELOADS: $(rss) MB; peak $(awk '/^VmHWM/ { print int($2 / 1024) }' /proc/$pid/status) MB"
