#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_xdp_dispatcher.sh - libxdp's dispatcher: xdp-filter beside xpool (xdp-attach libxdp) on one
# interface; a denied client gets nothing, another is answered by xpool. Where the kernel
# refuses the dispatcher's freplace programs, the test says so and skips (77).
. "$(dirname "$0")/libxdp.sh"

# the dispatcher: xdp-filter denies one client, xpool answers the others, one interface
ip -n "$C" addr add 10.201.0.9/24 dev vc
start --detach-on-exit
out=$(in_s xdp-filter load vs -m native 2>&1)
rc=$?
if [ $rc -ne 0 ] || ! grep -q "in its dispatcher" "$XP_TMP/ntpd$STARTS.log"; then
	kill $NTPD && wait $NTPD 2>/dev/null
	rm -f /run/xdp-loader.lck
	echo "the kernel refuses libxdp's dispatcher (freplace): xpool-ntpd $(grep -o 'attached through libxdp, [^:]*' "$XP_TMP/ntpd$STARTS.log"); xdp-filter beside it: ${out##*$'\n'}"
	exit 77
fi
in_s xdp-filter ip 10.201.0.9 -m src || xp_fail "xdp-filter deny"
xp_ns "$C" "$BUILD/xpool-ntp-probe" send $SRV4 --timeout 500 >/dev/null || xp_fail "the allowed client"
xp_ntp_answered || xp_fail "xpool beside xdp-filter does not answer"
xp_ns "$C" ip route add $SRV4/32 dev vc src 10.201.0.9
xp_ntp_answered && xp_fail "the denied client was answered"
in_s xdp-filter unload vs
xp_log "dispatcher: xdp-filter denied 10.201.0.9, xpool answered the others"
xp_log "PASS"
