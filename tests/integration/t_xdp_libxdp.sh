#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_xdp_libxdp.sh - xdp-attach libxdp: the responder attached through libxdp answers, says how
# it is attached (in the dispatcher, or alone where the kernel refuses the dispatcher),
# xdp-loader status shows it, a restart swaps it, and exit leaves the interface clean.
. "$(dirname "$0")/libxdp.sh"

start --detach-on-exit
grep -q "attached through libxdp" "$XP_TMP/ntpd1.log" || xp_fail "no word of libxdp: $(cat "$XP_TMP/ntpd1.log")"
how=$(grep -o "attached through libxdp, .*" "$XP_TMP/ntpd1.log")
xp_ntp_answered || xp_fail "no NTP answer under libxdp"
in_s xdp-loader status vs 2>&1 | grep -q xpool_ntp || xp_fail "xdp-loader status does not show xpool: $(in_s xdp-loader status vs 2>&1)"
xp_log "libxdp: $how; answered; xdp-loader status shows xpool_ntp"
# a restart (an upgrade) swaps it; exit detaches it
start --detach-on-exit
grep -qE "replaced XDP program [0-9]+ atomically|attached through libxdp" "$XP_TMP/ntpd2.log" ||
	xp_fail "the restart did not take over: $(cat "$XP_TMP/ntpd2.log")"
xp_ntp_answered || xp_fail "no NTP answer after the restart under libxdp"
xp_stop $NTPD || xp_fail "xpool-ntpd: exit status $? on SIGTERM"
xp_stop "${XP_NOTIFY_PID[ntpd1]}" || xp_fail "the first xpool-ntpd: exit status $? on SIGTERM"
ip -n "$S" -d link show dev vs | grep -q "prog/xdp" && xp_fail "a program stayed on vs after exit"
xp_log "a restart took over, exit left the interface clean"

xp_log "PASS"
