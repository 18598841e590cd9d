#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_chrony_advice.sh - xpool-monitor without chronyd at its chrony-socket says once (not every
# round) what to do: the path, chronyd not running, chrony-socket / --chrony-socket, and what
# --no-chrony means for a monitor. (xpool-ntpd's advice: t_pins.)
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v socat >/dev/null || { echo "socat missing"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
M=$XP_PREFIX-mon
ip netns add "$M" && XP_NETNS+=("$M") || xp_fail "netns"
ip -n "$M" link set lo up
DB=$XP_TMP/reg.db
"$BUILD/xpoolctl" --db "$DB" init >/dev/null || xp_fail "init"
"$BUILD/xpoolctl" --db "$DB" monitor add m1 >/dev/null || xp_fail "monitor add"
SOCK=$XP_TMP/chrony/chronyd.sock # no chronyd runs there

xp_ready mon "$M" "$XP_TMP/mon.log" "$BUILD/xpool-monitor" --db "$DB" --name m1 --interval 1 \
	--chrony-socket "$SOCK"
MON=$XP_LAST_PID
rounds() { [ "$(grep -c "not scoring: chronyd at $SOCK unreachable" "$XP_TMP/mon.log")" -ge 3 ]; }
xp_until 30 rounds || { cat "$XP_TMP/mon.log"; xp_fail "three rounds did not say they were not scoring"; }
xp_stop "$MON" || xp_fail "xpool-monitor: exit status $? on SIGTERM"
for want in "chronyd's command socket $SOCK: no such socket: chronyd does not seem to run (start it)" \
	"'chrony-socket PATH' in the configuration file or --chrony-socket PATH" \
	"'no-chrony' or --no-chrony (judge this host's clock by adjtimex())"; do
	grep -qF "$want" "$XP_TMP/mon.log" || { cat "$XP_TMP/mon.log"; xp_fail "no '$want'"; }
done
n=$(grep -c "chronyd's command socket" "$XP_TMP/mon.log")
[ "$n" -eq 1 ] || { cat "$XP_TMP/mon.log"; xp_fail "the advice logged $n times in 3 rounds, not once"; }
grep -q "Transport endpoint is not connected" "$XP_TMP/mon.log" && xp_fail "ENOTCONN for a missing socket"
xp_log "no socket: the advice once in $(grep -c "not scoring" "$XP_TMP/mon.log") rounds"

# a socket file an earlier chronyd left: nothing listens, said as such
mkdir -p "${SOCK%/*}"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$SOCK"
out=$(xp_ns "$M" timeout 30 "$BUILD/xpool-monitor" --db "$DB" --name m1 --once --chrony-socket "$SOCK" 2>&1) &&
	xp_fail "--once made no round, yet exited 0: $out"
echo "$out" | grep -qF -- "--once: no round made" || xp_fail "--once does not say it made no round: $out"
echo "$out" | grep -qF "chronyd's command socket $SOCK: Connection refused: nothing listens there, chronyd does not seem to run (start it; the socket file is an earlier chronyd's)" ||
	xp_fail "a stale socket: $out"
xp_log "OK: chronyd's socket missing or stale: what to do, once"
