#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_ratelimit.sh - a trafgen flood from one address gets replies at the configured rate and RATE
# KoDs beyond it, while a second client on the same link gets every reply.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
command -v trafgen >/dev/null || { echo "trafgen missing (netsniff-ng)"; exit 77; }
S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
CLI4B=10.201.0.3
xp_rig "$S" "$C" || xp_fail "cannot build the veth rig"
ip -n "$C" addr add $CLI4B/24 dev vc
PIN=$(xp_pin_path ntpd)

xp_chronyd "$S" ref "local stratum 1" "port 0" || xp_fail "chronyd did not start"
# 16 replies/s per client after a burst of 8, no leak, RATE KoD for the rest
xp_ready ntpd "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native \
	--chrony-socket "$XP_TMP/ref/chronyd.sock" --pin-path "$PIN" \
	--ratelimit="interval -4 burst 8 leak 0 kod"
xp_wait_notify ntpd "STATUS=synchronised" 10 || xp_fail "xpool-ntpd did not synchronise"

smac=$(ip -n "$C" -br link show vc | awk '{print $3}')
dmac=$(ip -n "$S" -br link show vs | awk '{print $3}')
xp_ns "$C" "$BUILD/xpool-ntp-probe" stream $SRV4 --bind $CLI4B --rate 10 --duration 3000 \
	>"$XP_TMP/victim" &
VICTIM=$!
start=$(date +%s%N)
xp_ns "$C" trafgen --cpp -D DST_MAC="$dmac" -D SRC_MAC="$smac" -D SRC_IP=$CLI4 -D DST_IP=$SRV4 \
	-i tools/trafgen/ntp_client.cfg -o vc -P 1 -n 30000 -t 100us >"$XP_TMP/trafgen" 2>&1 ||
	{ cat "$XP_TMP/trafgen"; xp_fail "trafgen failed"; }
secs=$(awk -v n=$(($(date +%s%N) - start)) 'BEGIN { printf "%.3f", n / 1e9 }')
wait $VICTIM
sleep 0.2
victim=$(cat "$XP_TMP/victim")
"$BUILD/xpoolctl" ntp stats --pin-path "$PIN" >"$XP_TMP/stats" || xp_fail "xpoolctl ntp stats"
stat() { awk -v r="$1" '$2 == r { print $3 }' "$XP_TMP/stats"; }
replies=$(stat reply)
kods=$(stat kod_rate)
vrecv=$(echo "$victim" | sed -n 's/.*received=\([0-9]*\).*/\1/p')
vsent=$(echo "$victim" | sed -n 's/sent=\([0-9]*\).*/\1/p')
flood_replies=$((replies - vrecv))
expect=$(awk -v s="$secs" 'BEGIN { printf "%d", 8 + 16 * s }')
xp_log "flood: 30000 requests in ${secs}s; $flood_replies replies (expected ~$expect), $kods RATE KoDs"
xp_log "second client: $victim"
grep -E "ratelimit hits" "$XP_TMP/stats"
[ "$vsent" -gt 0 ] && [ "$vrecv" = "$vsent" ] || xp_fail "the second client lost replies: $victim"
echo "$victim" | grep -q "kod=0" || xp_fail "the second client got KoDs"
[ "$flood_replies" -ge $((expect * 7 / 10)) ] && [ "$flood_replies" -le $((expect * 13 / 10 + 2)) ] ||
	xp_fail "flooder got $flood_replies replies, expected about $expect"
[ "$((flood_replies + kods))" -ge 29000 ] || xp_fail "most flood requests must be answered or KoD'd"
xp_log "ok"
