#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_adopt_cli.sh - a program attached with ip link is adopted and fed; operator-facing errors:
# --check-config, bad flags, no-chrony mode on an unsynchronised kernel; the systemd unit.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
xp_rig "$S" "$C" || xp_fail "cannot build the veth rig"

# --- adopt: ip link attaches the object (its maps pinned by name in ip's private bpffs) ---
ip -n "$S" link set dev vs xdp obj "$BPF_BUILD/xpool_ntp.bpf.o" sec xdp || xp_fail "ip link attach"
out=$(xp_ns "$C" "$BUILD/xpool-ntp-probe" send $SRV4 --timeout 300)
# nothing listens on 123 yet: the kernel stack's port unreachable proves the request passed
echo "$out" | grep -q "Connection refused" || xp_fail "an unfed program must pass everything ($out)"
xp_chronyd "$S" ref "local stratum 1" "port 0" || xp_fail "chronyd did not start"
xp_ready ntpd "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" --adopt -i vs \
	--chrony-socket "$XP_TMP/ref/chronyd.sock"
grep -q "adopted XDP program" "$XP_TMP/ntpd.log" || xp_fail "not adopted"
conf=$XP_TMP/cq.conf
mkdir -p "$XP_TMP/cqlog"
printf 'server %s iburst minpoll -2 maxpoll -2\npidfile %s/cq.pid\ncmdport 0\nbindcmdaddress /\nlogdir %s\nlog measurements\n' \
	$SRV4 "$XP_TMP" "$XP_TMP/cqlog" >"$conf"
out=$(xp_ns "$C" timeout 30 chronyd -Q -u root -f "$conf" -t 20 2>&1)
off=$(echo "$out" | sed -n 's/.*System clock wrong by \([-+0-9.e]*\) seconds.*/\1/p' | tail -n 1)
# on one shared clock the offset is bounded by half the largest round trip (plus precision)
maxd=$(awk '$3 ~ /^[0-9.]+$/ { if ($13 > m) m = $13 } END { print m + 0 }' "$XP_TMP/cqlog/measurements.log")
xp_log "chronyd -Q against the adopted program: offset $off, largest delay $maxd"
[ -n "$off" ] && xp_abs_lt "$off" "$(awk -v d="$maxd" 'BEGIN { print d / 2 + 0.000001 }')" ||
	xp_fail "client did not synchronise within half the round trip: $out"
xp_stop "$XP_LAST_PID" || xp_fail "xpool-ntpd: exit status $? on SIGTERM"
ip -n "$S" link show vs | grep -q "prog/xdp" || xp_fail "adopted program must stay attached"

# --- --check-config and operator errors ---
good=$XP_TMP/good.conf
printf 'interface eth0\nratelimit interval 1 burst 4\ndeny 192.0.2.0/24 kod\n' >"$good"
out=$("$BUILD/xpool-ntpd" -c "$good" --check-config 2>&1) || xp_fail "good config rejected: $out"
echo "$out" | grep -q "configuration OK" || xp_fail "no OK message"
badc=$XP_TMP/bad.conf
printf 'interface eth0\n\nstale-after 0\nratelimit burst 999\nfrobnicate\n' >"$badc"
out=$("$BUILD/xpool-ntpd" -c "$badc" --check-config 2>&1)
rc=$?
xp_log "bad config: rc $rc: $(echo "$out" | tr '\n' '|')"
[ $rc -eq 2 ] || xp_fail "bad config: exit $rc, expected 2"
for want in "$badc:3: stale-after" "$badc:4: ratelimit burst" "$badc:5: unknown directive"; do
	echo "$out" | grep -qF "$want" || xp_fail "missing '$want'"
done
out=$("$BUILD/xpool-ntpd" -c "$good" --stale-after nope 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "command line (--stale-after)" || xp_fail "bad flag: $out"
out=$("$BUILD/xpool-ntpd" -c /nonexistent.conf 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -qF -- "-c /nonexistent.conf: no such file" || xp_fail "missing file: $out"
out=$("$BUILD/xpoolctl" ntp stats --pin-path /sys/fs/bpf/nonexistent 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "no responder maps pinned" || xp_fail "xpoolctl: $out"
out=$("$BUILD/xpoolctl" frob 2>&1)
[ $? -eq 2 ] || xp_fail "xpoolctl: bad command must exit 2"

# --- no-chrony: the kernel's own state (this machine's clock is STA_UNSYNC); sd_notify ---
ip -n "$S" link set dev vs xdp off
WATCHDOG_USEC=2000000 xp_ready nochrony "$S" "$XP_TMP/ntpd2.log" "$BUILD/xpool-ntpd" -i vs --no-chrony \
	--stratum 2 --pin-path "$(xp_pin_path nochrony)" --detach-on-exit
out=$(xp_ns "$C" "$BUILD/xpool-ntp-probe" send $SRV4)
xp_log "no-chrony reply: $out"
if grep -q "kernel STA_UNSYNC" "$XP_TMP/ntpd2.log"; then
	echo "$out" | grep -q "li=3 .*stratum=0" || xp_fail "kernel unsynchronised: expected LI=3"
else
	echo "$out" | grep -q "li=0 .*stratum=2" || xp_fail "kernel synchronised: expected stratum 2"
fi
xp_wait_notify nochrony "WATCHDOG=1" 5 || xp_fail "no WATCHDOG=1 with WatchdogSec"
xp_stop "$XP_LAST_PID" || xp_fail "xpool-ntpd: exit status $? on SIGTERM"
ip -n "$S" link show vs | grep -q "prog/xdp" && xp_fail "--detach-on-exit left the program"
xp_notified nochrony "STOPPING=1" || xp_fail "no STOPPING=1"
xp_log "sd_notify: $(tr '\n' ' ' <"$XP_TMP/nochrony.notify")"

# --- the systemd unit parses ---
xp_verify_unit xpool-ntpd
xp_log "ok"
