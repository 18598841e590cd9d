#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_conf_secrets.sh - a configuration file holding a secret (a password in the registry URI, the
# DNS Cookies secret) that every user may read draws one warning, at --check-config and at the
# start, from every program: naming the file, the line and the fix, never the secret. At 0640
# (the packages' root:xpool), or without a secret, there is none.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (a network namespace for xpool-dns)"; exit 77; }
PW=Pw-$RANDOM$RANDOM
HEX=$(printf '%08x' $RANDOM$RANDOM $RANDOM$RANDOM $RANDOM$RANDOM $RANDOM$RANDOM | head -c 32)
URI="postgresql://xpool:$PW@192.0.2.1/pool?sslmode=require"
printf '{"generated": "2026-01-01T00:00:00Z", "servers": [{"ip": "192.0.2.1", "netspeed": 1000, "score": 19, "country": "de", "enabled": true}]}\n' >"$XP_TMP/snap.json"

conf() { # conf PROG: a configuration for PROG whose second line holds a secret
	case $1 in
	xpool-dns) printf 'listen 127.0.0.1:5353\ncookie-secret %s\nsnapshot %s\ngeoip off\ntest-addresses\nmin-servers 1\n' \
		"$HEX" "$XP_TMP/snap.json" ;;
	xpool-monitor) printf 'name m1\ndb %s\n' "$URI" ;;
	*) printf '# the registry\ndb %s\n' "$URI" ;;
	esac
}
check() { # check PROG MODE WANT: --check-config on PROG's file at MODE: WANT warnings
	local f=$XP_TMP/$1.conf out n
	conf "$1" >"$f"
	chmod "$2" "$f"
	out=$("$BUILD/$1" -c "$f" --check-config 2>&1) || xp_fail "$1 --check-config: $out"
	n=$(echo "$out" | grep -c "warning")
	[ "$n" = "$3" ] || xp_fail "$1 at $2: $n warnings, not $3: $out"
	case $out in *"$PW"* | *"$HEX"*) xp_fail "$1 printed the secret: $out" ;; esac
	[ "$3" = 0 ] && return 0
	echo "$out" | grep -qF "$1: warning: $f:2: " || xp_fail "$1: the file and line not named: $out"
	echo "$out" | grep -qF "(mode 0$2): chown root:xpool $f; chmod 0640 $f" ||
		xp_fail "$1: the fix not named: $out"
	xp_log "OK: $1 at $2: $(echo "$out" | grep warning)"
}
for p in xpool-dns xpool-api xpool-monitor xpoolctl; do
	check "$p" 644 1
	check "$p" 604 1
	check "$p" 640 0
	check "$p" 600 0
done
# a registry path without a password, a URI without one: nothing to warn about
printf 'db /var/lib/xpool/registry.db\n' >"$XP_TMP/plain.conf"
printf 'db postgresql://xpool_mon_fra1@192.0.2.1/pool\nname m1\n' >"$XP_TMP/role.conf"
chmod 644 "$XP_TMP/plain.conf" "$XP_TMP/role.conf"
out=$("$BUILD/xpool-api" -c "$XP_TMP/plain.conf" --check-config 2>&1; "$BUILD/xpool-monitor" -c "$XP_TMP/role.conf" --check-config 2>&1)
case $out in *warning*) xp_fail "a warning without a secret: $out" ;; esac
xp_log "OK: no warning at 0640 or 0600, nor for a file without a secret"

# at the start too, once: xpool-dns in a namespace of this test
NS=$XP_PREFIX-sec
ip netns add "$NS" && XP_NETNS+=("$NS") || xp_fail "netns"
ip -n "$NS" link set lo up
conf xpool-dns >"$XP_TMP/dns.conf"
chmod 644 "$XP_TMP/dns.conf"
xp_ready dns "$NS" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns.conf"
n=$(grep -c "warning: $XP_TMP/dns.conf:2: cookie-secret holds a secret" "$XP_TMP/dns.log")
[ "$n" = 1 ] || { cat "$XP_TMP/dns.log"; xp_fail "xpool-dns's start: $n warnings, not 1"; }
grep -qF "$HEX" "$XP_TMP/dns.log" && xp_fail "xpool-dns logged its cookie secret"
xp_log "OK: xpool-dns warns once at its start"
