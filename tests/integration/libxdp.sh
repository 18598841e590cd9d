#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# libxdp.sh - what t_xdp_libxdp and t_xdp_dispatcher share: lib.sh, root and xdp-tools, the
# bpffs directories libxdp and xdp-filter make (removed with the test when it made them), the
# rig with a reference chronyd, and start [FLAGS...] for xpool-ntpd attached through libxdp.
# Sourced.
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
STARTS=0
start() {
	STARTS=$((STARTS + 1))
	xp_ready ntpd$STARTS "$S" "$XP_TMP/ntpd$STARTS.log" "$BUILD/xpool-ntpd" -i vs --xdp-mode native \
		--xdp-attach libxdp --chrony-socket "$XP_TMP/ref/chronyd.sock" \
		--pin-path "$(xp_pin_path libxdp)" "$@"
	NTPD=$XP_LAST_PID
}
