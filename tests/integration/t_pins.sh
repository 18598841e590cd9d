#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_pins.sh - xpool-ntpd says at start when its pins will not outlive it (a bpffs private to
# `ip netns exec`'s mount namespace, with the nsenter remedy) and refuses a pin path on no
# bpffs; xpoolctl ntp detach --unpin reports only what it removed. Started without chronyd, it
# says once what to do about chronyd's socket.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
command -v socat >/dev/null || { echo "socat missing"; exit 77; }
S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
xp_rig "$S" "$C" || xp_fail "cannot build the veth rig"
NOCHRONY=$XP_TMP/nochrony/chronyd.sock # no chronyd runs there

# ns_exec_ready NAME NS LOG CMD...: xp_ready through ip netns exec (a private /sys per command)
ns_exec_ready() {
	local name=$1 sock=$XP_TMP/$1.sock
	shift
	socat -u UNIX-RECV:"$sock" - >"$XP_TMP/$name.raw" &
	XP_PIDS+=($!)
	xp_until 5 test -S "$sock" || xp_fail "$name: socat made no notify socket"
	NOTIFY_SOCKET=$sock xp_bg "$@"
	XP_NOTIFY_PID[$name]=$XP_LAST_PID
	XP_NOTIFY_LOG[$name]=$2
	xp_wait_ready "$name"
}

# --- under ip netns exec: the pins are private, said at start (without -v), with the remedy ---
PIN=$(xp_pin_path a)
ns_exec_ready priv "$S" "$XP_TMP/priv.log" "$BUILD/xpool-ntpd" -i vs --pin-path "$PIN" \
	--chrony-socket "$NOCHRONY"
PRIV=$XP_LAST_PID
grep -qF "pin-path $PIN is on a bpffs private to this process's mount namespace" "$XP_TMP/priv.log" &&
	grep -qF "the pinned maps vanish when it exits" "$XP_TMP/priv.log" &&
	grep -qF "start it with \`nsenter --net=/run/netns/$S\` instead" "$XP_TMP/priv.log" ||
	{ cat "$XP_TMP/priv.log"; xp_fail "no warning with the remedy for a private bpffs"; }
# chronyd's socket: the path, chronyd not running, the directive, the flag, --no-chrony's meaning
for want in "chronyd's command socket $NOCHRONY: no such socket: chronyd does not seem to run (start it)" \
	"'chrony-socket PATH' in the configuration file or --chrony-socket PATH" \
	"'no-chrony' or --no-chrony (serve the kernel's clock state, from adjtimex())"; do
	grep -qF "$want" "$XP_TMP/priv.log" || { cat "$XP_TMP/priv.log"; xp_fail "no '$want'"; }
done
# polled twice a second: said once, however many polls (a second's worth at least)
sleep 1.5
n=$(grep -c "chronyd's command socket" "$XP_TMP/priv.log")
[ "$n" -eq 1 ] || { cat "$XP_TMP/priv.log"; xp_fail "chronyd's advice logged $n times, not once"; }
xp_log "ip netns exec: private bpffs and a missing chronyd socket said once, with remedies"
xp_stop "$PRIV" || xp_fail "xpool-ntpd: exit status $? on SIGTERM"
[ -e "$PIN" ] && xp_fail "the host sees $PIN: the test's premise (a private bpffs) is wrong"
# the program stays attached; its pins are gone: detach says so, and claims no removal
out=$(nsenter --net=/run/netns/"$S" "$BUILD/xpoolctl" ntp detach -i vs --unpin --pin-path "$PIN" 2>&1) ||
	xp_fail "detach --unpin: $out"
echo "$out" | grep -qF "no pinned maps at $PIN: nothing removed" || xp_fail "detach --unpin: $out"
echo "$out" | grep -q "maps removed\|removed, with" && xp_fail "detach --unpin claims a removal: $out"
xp_log "detach --unpin without pins: $(echo "$out" | tail -n 1)"

# --- under nsenter --net: the host's bpffs, no warning; detach --unpin removes what it says ---
PIN=$(xp_pin_path b)
xp_ready shared "$S" "$XP_TMP/shared.log" "$BUILD/xpool-ntpd" -i vs --pin-path "$PIN" --no-chrony
xp_stop "$XP_LAST_PID" || xp_fail "xpool-ntpd: exit status $? on SIGTERM"
grep -q "pin-path\|private" "$XP_TMP/shared.log" && { cat "$XP_TMP/shared.log"; xp_fail "a warning under nsenter"; }
[ -e "$PIN/xpool_clock" ] || xp_fail "no pins at $PIN on the host after nsenter"
pins=$(find "$PIN" -mindepth 1 | wc -l)
out=$(nsenter --net=/run/netns/"$S" "$BUILD/xpoolctl" ntp detach -i vs --unpin --pin-path "$PIN" 2>&1) ||
	xp_fail "detach --unpin: $out"
echo "$out" | grep -qF "$PIN: removed, with the $pins pin(s) it held" || xp_fail "detach --unpin ($pins pins): $out"
[ -e "$PIN" ] && xp_fail "$PIN still there after detach --unpin"
xp_log "nsenter: no warning; detach --unpin: $(echo "$out" | tail -n 1)"

# --- a pin path on no bpffs: refused at start, with the fix, before anything is attached ---
mkdir -p "$XP_TMP/pins"
out=$(nsenter --net=/run/netns/"$S" timeout 20 "$BUILD/xpool-ntpd" -i vs --pin-path "$XP_TMP/pins/x" --no-chrony 2>&1)
rc=$?
[ $rc -eq 1 ] || xp_fail "pin path on tmpfs: exit $rc, not 1: $out"
echo "$out" | grep -qF "pin-path $XP_TMP/pins/x is not on a bpffs: the maps cannot be pinned there; give a pin-path under the host's bpffs (/sys/fs/bpf/NAME)" ||
	xp_fail "pin path on tmpfs: $out"
ip -n "$S" link show vs | grep -q "prog/xdp" && xp_fail "something was attached for a refused pin path"
xp_log "OK: pins that will not outlive the daemon are said at start; unpin says only what it did"
