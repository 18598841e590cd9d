#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_restart.sh - kill -9 under load: XDP keeps answering from the last clock data, steps aside
# after stale-after (the host's chronyd answers), and a restarted daemon takes over: no gap.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
xp_rig "$S" "$C" || xp_fail "cannot build the veth rig"
PIN=$(xp_pin_path ntpd)

# The host's own chronyd: stratum 1 from 'local', serving NTP on port 123 as the fallback.
xp_chronyd "$S" host "local stratum 1" "allow all" || xp_fail "chronyd did not start"
STARTS=0
start_ntpd() { # ready when it says READY=1 (sd_notify)
	STARTS=$((STARTS + 1))
	xp_ready ntpd$STARTS "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native \
		--chrony-socket "$XP_TMP/host/chronyd.sock" --pin-path "$PIN" --stale-after 2
	NTPD=$XP_LAST_PID
}
start_ntpd
xp_wait_notify ntpd1 "STATUS=synchronised" 5 || xp_fail "xpool-ntpd not synchronised"

# 100 requests/s for 9 s: XDP (stratum 2), kill -9 at 1.5 s, host chronyd (stratum 1) once
# the data is 2 s old, restart at 6 s: XDP again.
xp_ns "$C" "$BUILD/xpool-ntp-probe" stream $SRV4 --rate 100 --duration 9000 >"$XP_TMP/stream" &
STREAM=$!
sleep 1.5
kill -9 "$NTPD"
xp_log "killed xpool-ntpd with SIGKILL"
ip -n "$S" link show vs | grep -q "prog/xdp" || xp_fail "the program went away with the daemon"
sleep 4.5
"$BUILD/xpoolctl" ntp stats --pin-path "$PIN" >"$XP_TMP/stats-dead" ||
	xp_fail "xpoolctl cannot read the pinned maps without a daemon"
start_ntpd
xp_log "restarted xpool-ntpd"
wait $STREAM
out=$(cat "$XP_TMP/stream")
xp_log "stream: $out"
cat "$XP_TMP/ntpd.log"
grep -E "clock:|pass_stale|reply " "$XP_TMP/stats-dead"

lost=$(echo "$out" | sed -n 's/.*lost=\([0-9-]*\).*/\1/p')
gap=$(echo "$out" | sed -n 's/.*max_gap_ms=\([0-9]*\).*/\1/p')
strata=$(echo "$out" | sed -n 's/.*strata=\(.*\)/\1/p' | sed 's/@[0-9]*ms//g')
[ "$lost" = 0 ] || xp_fail "$lost requests went unanswered"
# a reply gap is bounded by how late the sender itself ran, plus the reply path's own delay
# (the kernel and chronyd, scheduled under load): no request went to a program that was not there
sgap=$(echo "$out" | sed -n 's/.*max_send_gap_ms=\([0-9]*\).*/\1/p')
[ "$gap" -le $((sgap + 100)) ] || xp_fail "a gap of $gap ms between replies (sender's own: $sgap ms)"
[ "$strata" = "2,1,2" ] || xp_fail "expected XDP (2), then chronyd (1), then XDP (2); got $strata"
grep -q "STALE, passing all" "$XP_TMP/stats-dead" || xp_fail "xpoolctl did not show stale data"
grep -q "adopt\|replaced XDP program" "$XP_TMP/ntpd.log" || xp_fail "no atomic replace logged"
stale=$(awk '$2 == "pass_stale" { print $3 }' "$XP_TMP/stats-dead")
[ "${stale:-0}" -gt 0 ] || xp_fail "no request counted as passed for stale data"
xp_log "ok"
