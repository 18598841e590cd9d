#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# demo.sh - a server namespace answering NTP in XDP and a chronyd client synchronising to it.
# Runs until Ctrl-C (or DEMO_SECONDS), then removes everything it made.
cd "$(dirname "$0")/../.." || exit 1
XP_TEST=demo
XP_PREFIX=xpdemo$$
. tests/integration/lib.sh

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces and XDP)"; exit 1; }
S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
xp_log "creating namespaces $S (server $SRV4, $SRV6) and $C (client)"
xp_rig "$S" "$C" || xp_fail "cannot create the veth rig"

xp_bg "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native
xp_wait_log "$XP_TMP/ntpd.log" "serving NTP" 10 || { cat "$XP_TMP/ntpd.log"; xp_fail "xpool-ntpd did not start"; }
sed 's/^/  /' "$XP_TMP/ntpd.log"

mkdir -p "$XP_TMP/chrony" && chmod 700 "$XP_TMP/chrony"
cat >"$XP_TMP/chrony/chrony.conf" <<CONF
server $SRV4 iburst minpoll 0 maxpoll 2
server $SRV6 iburst minpoll 0 maxpoll 2
pidfile $XP_TMP/chrony/chronyd.pid
bindcmdaddress $XP_TMP/chrony/chronyd.sock
cmdport 0
driftfile $XP_TMP/chrony/drift
CONF
# -x: all namespaces share this machine's clock; the client measures but never steers it
xp_bg "$C" "$XP_TMP/chronyd.log" chronyd -d -x -u root -f "$XP_TMP/chrony/chrony.conf"
xp_log "client chronyd started; press Ctrl-C to stop"

end=$(($(date +%s) + ${DEMO_SECONDS:-1000000000}))
while [ "$(date +%s)" -lt "$end" ]; do
	sleep 2
	echo "---- $(date +%T) client view (chronyc sources / tracking) ----"
	xp_ns "$C" chronyc -n -h "$XP_TMP/chrony/chronyd.sock" sources 2>&1
	xp_ns "$C" chronyc -n -h "$XP_TMP/chrony/chronyd.sock" tracking 2>&1 |
		grep -E 'Reference ID|Stratum|System time|Last offset|Leap status'
done
cat "$XP_TMP/chronyd.log" | tail -5
xp_log "done"
