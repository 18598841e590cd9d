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

# the server's own chronyd (standing in for a GPS-fed one) is xpool-ntpd's time source
xp_chronyd "$S" server "local stratum 1" "port 0" || xp_fail "server chronyd did not start"
xp_daemon "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native --detach-on-exit \
	--chrony-socket "$XP_TMP/server/chronyd.sock" --pin-path "$(xp_pin_path demo)" \
	--metrics 127.0.0.1:9123
xp_wait_log "$XP_TMP/ntpd.log" "serving NTP" 10 || { cat "$XP_TMP/ntpd.log"; xp_fail "xpool-ntpd did not start"; }
sed 's/^/  /' "$XP_TMP/ntpd.log"

# the client: -x, since all namespaces share this machine's clock, it measures but never steers
xp_chronyd "$C" client "server $SRV4 iburst minpoll 0 maxpoll 2" \
	"server $SRV6 iburst minpoll 0 maxpoll 2" || xp_fail "client chronyd did not start"
xp_log "client chronyd started; press Ctrl-C to stop"

end=$(($(date +%s) + ${DEMO_SECONDS:-1000000000}))
while [ "$(date +%s)" -lt "$end" ]; do
	sleep 2
	echo "---- $(date +%T) client view (chronyc sources / tracking) ----"
	xp_chronyc client sources 2>&1
	xp_chronyc client tracking 2>&1 | grep -E 'Reference ID|Stratum|System time|Last offset|Leap status'
	echo "---- server: XDP replies so far (xpool-ntpd metrics) ----"
	xp_ns "$S" curl -s 127.0.0.1:9123/metrics | grep -E '^xpool_ntp_packets_total.*reason="reply"|^xpool_ntp_stratum '
done
xp_log "done"
