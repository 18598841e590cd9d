#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_xdp_dispatcher.sh - libxdp's dispatcher: xdp-filter beside xpool (xdp-attach libxdp) on one
# interface; a denied client gets nothing, another is answered by xpool. Where the kernel
# refuses the dispatcher's freplace programs, the test says so and skips (77).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
for c in xdp-loader xdp-filter; do command -v $c >/dev/null || { echo "$c missing (xdp-tools)"; exit 77; }; done
# libxdp and xdp-filter keep state under bpffs: what this test made goes with it (if empty)
NEW_DIRS=()
for d in /sys/fs/bpf/xdp-filter/programs /sys/fs/bpf/xdp-filter /sys/fs/bpf/xdp; do
	[ -e "$d" ] || NEW_DIRS+=("$d")
done
trap 'xp_cleanup; for d in "${NEW_DIRS[@]}"; do rmdir "$d" 2>/dev/null; done' EXIT
xp_ref_rig
in_s() { nsenter --net=/run/netns/"$S" "$@"; } # xdp-tools need the host's bpffs (FACTS)
answered() { xp_ntp_answered "$@"; }
STARTS=0
start() {
	STARTS=$((STARTS + 1))
	xp_ready ntpd$STARTS "$S" "$XP_TMP/ntpd$STARTS.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native \
		--xdp-attach libxdp --chrony-socket "$XP_TMP/ref/chronyd.sock" \
		--pin-path "$(xp_pin_path libxdp)" "$@"
	NTPD=$XP_LAST_PID
}

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
answered || xp_fail "xpool beside xdp-filter does not answer"
xp_ns "$C" ip route add $SRV4/32 dev vc src 10.201.0.9
answered && xp_fail "the denied client was answered"
in_s xdp-filter unload vs
xp_log "dispatcher: xdp-filter denied 10.201.0.9, xpool answered the others"
xp_log "PASS"
