#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_xdp_chain.sh - sharing the NIC with other XDP programs through tail calls, on any kernel:
# xdp-next hands what xpool passes to a pinned program (a counter here), through restarts and
# kill -9; and a root program (tools/xdp_chain/xdp_root.bpf.c) that tail-calls xpool still gets
# NTP answered, and keeps the interface when xpool-ntpd goes.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
command -v bpftool >/dev/null || { echo "bpftool missing"; exit 77; }
xp_ref_rig
PIN=$(xp_pin_path chain) # every pin of this test under one prefix: removed on every exit path
mkdir -p "$PIN"
# the operator's other program, pinned: counts what reaches it (slot 1: NTP, slot 0: the rest)
bpftool prog load "$BPF_BUILD/xdp_count.bpf.o" "$PIN/count" type xdp pinmaps "$PIN/count_maps" ||
	xp_fail "load the counting program"
counted() { # counted SLOT
	bpftool map lookup pinned "$PIN/count_maps/xdp_count_frames" key $1 0 0 0 -j |
		python3 -c 'import json, sys; v = json.load(sys.stdin); print(int.from_bytes(bytes(int(b, 16) for b in v["value"]), "little"))'
}
other() { xp_ns "$C" ping -c 3 -i 0.2 -W 1 $SRV4 >/dev/null; } # ICMP: xpool passes it
STARTS=0
start() { # start [DIRECTIVES...]
	STARTS=$((STARTS + 1))
	xp_ready ntpd$STARTS "$S" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native \
		--chrony-socket "$XP_TMP/ref/chronyd.sock" --pin-path "$PIN/xpool" "$@"
	NTPD=$XP_LAST_PID
}

# 1. xdp-next: what xpool passes reaches the counter; what it answers does not
start --xdp-next "$PIN/count"
before=$(counted 0)
xp_ntp_answered || xp_fail "no NTP answer with xdp-next"
other || xp_fail "ping through the chain"
[ "$(counted 0)" -ge $((before + 3)) ] || xp_fail "passed frames did not reach the next program"
[ "$(counted 1)" = 0 ] || xp_fail "an NTP request xpool answered went on to the next program"
xp_log "xdp-next: xpool answered NTP, the counter got $(($(counted 0) - before)) passed frames and no NTP request"
# kill -9 and a restart: the program and its chain stay (the slot is in a pinned map)
kill -9 $NTPD && wait $NTPD 2>/dev/null
before=$(counted 0)
other || xp_fail "ping after kill -9"
[ "$(counted 0)" -ge $((before + 3)) ] || xp_fail "the chain broke when xpool-ntpd was killed"
xp_ntp_answered || xp_fail "no NTP answer after kill -9 (the program stays attached)"
start --xdp-next "$PIN/count"
before=$(counted 0)
other && [ "$(counted 0)" -ge $((before + 3)) ] || xp_fail "the chain broke across a restart"
# without the directive the chain is cleared
xp_stop $NTPD || xp_fail "xpool-ntpd: exit status $? on SIGTERM"
start
before=$(counted 0)
other && [ "$(counted 0)" = "$before" ] || xp_fail "xdp-next lingered after it was removed"
xp_ntp_answered || xp_fail "no NTP answer without xdp-next"
out=$(xp_ns "$S" "$BUILD/xpool-ntpd" -i vs --xdp-next "$PIN/nothing" --check-config 2>&1) &&
	xp_fail "--check-config took a missing xdp-next"
echo "$out" | grep -q "xdp-next .*nothing" || xp_fail "xdp-next missing: $out"
xp_stop $NTPD || xp_fail "xpool-ntpd: exit status $? on SIGTERM"
ip -n "$S" link set dev vs xdp off
xp_log "the chain survived kill -9 and a restart; removed with the directive; a missing program refused"

# 2. a root program on the interface tail-calls xpool (xdp-mode tail-call: attached to nothing)
bpftool prog load "$BPF_BUILD/xdp_root.bpf.o" "$PIN/root" type xdp pinmaps "$PIN/root_maps" ||
	xp_fail "load the root program"
# through nsenter: "ip -n" mounts a bpffs of its own, where the pin is not (FACTS)
nsenter --net=/run/netns/"$S" ip link set dev vs xdpdrv pinned "$PIN/root" || xp_fail "attach the root program"
start --xdp-mode tail-call --xdp-next "$PIN/count" --detach-on-exit
[ -e "$PIN/xpool/xpool_ntp_prog" ] || xp_fail "tail-call mode did not pin the program"
ip -n "$S" -d link show dev vs | grep -q "name xdp_root" || xp_fail "xpool-ntpd replaced the root program"
xp_ntp_answered && xp_fail "answered before the root program's slot holds xpool (a stale attachment?)"
bpftool map update pinned "$PIN/root_maps/xdp_root_slots" key 0 0 0 0 value pinned "$PIN/xpool/xpool_ntp_prog" ||
	xp_fail "put xpool in the root's slot"
xp_ntp_answered || xp_fail "a root program's tail call into xpool did not get NTP answered"
before=$(counted 0)
other && [ "$(counted 0)" -ge $((before + 3)) ] || xp_fail "root -> xpool -> next: passed frames lost"
kill -9 $NTPD && wait $NTPD 2>/dev/null
ip -n "$S" -d link show dev vs | grep -q "name xdp_root" || xp_fail "kill -9 left the interface without the root program"
xp_ntp_answered || xp_fail "kill -9 of xpool-ntpd stopped the chain"
xp_log "root program -> xpool (tail call) -> counter: NTP answered, the rest counted; kill -9 keeps the root"
ip -n "$S" link set dev vs xdp off
xp_log "PASS"
