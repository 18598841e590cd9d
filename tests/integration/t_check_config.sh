#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_check_config.sh - --check-config of every program says "configuration OK" only of a file it
# read: an absent default file is named as absent, a missing -c FILE is an error naming it.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (a mount namespace hides /etc/xpool)"; exit 77; }
command -v unshare >/dev/null || { echo "unshare missing (util-linux)"; exit 77; }

echo '{"generated": "2026-11-26T12:00:00Z", "servers": [{"ip": "192.0.2.1", "netspeed": 1000,
 "score": 19, "country": "de"}]}' >"$XP_TMP/snap.json"
# what each program needs besides its file (as flags), and the directive its test file holds
declare -A ARGS=(
	[xpool-ntpd]="-i lo"
	[xpool-dns]="--listen 127.0.0.1:5353 --snapshot $XP_TMP/snap.json --test-addresses --geoip off"
	[xpool-monitor]=""
	[xpool-api]=""
	[xpoolctl]=""
)
declare -A DEFAULT=(
	[xpool-ntpd]=/etc/xpool/ntpd.conf
	[xpool-dns]=/etc/xpool/dns.conf
	[xpool-monitor]=/etc/xpool/monitor.conf
	[xpool-api]=/etc/xpool/api.conf
	[xpoolctl]=/etc/xpool/xpoolctl.conf
)

# no_etc_xpool CMD...: CMD where /etc/xpool holds no file (the host's, if any, hidden under an
# empty tmpfs in a mount namespace of its own), so that every default file is absent
no_etc_xpool() {
	if [ -d /etc/xpool ]; then
		unshare -m sh -c 'mount -t tmpfs none /etc/xpool && exec "$@"' sh "$@"
	else
		"$@"
	fi
}

for prog in xpool-ntpd xpool-dns xpool-monitor xpool-api xpoolctl; do
	# shellcheck disable=SC2086 # the arguments are words
	set -- ${ARGS[$prog]}
	# the default file absent: said so, and the defaults and flags are OK (exit 0)
	out=$(no_etc_xpool "$BUILD/$prog" "$@" --check-config 2>&1) ||
		xp_fail "$prog --check-config without a file refused: $out"
	echo "$out" | grep -qF "${DEFAULT[$prog]}: no such file; the built-in defaults and the flags are OK" ||
		xp_fail "$prog: the absent ${DEFAULT[$prog]} not named: $out"
	echo "$out" | grep -q "configuration OK" && xp_fail "$prog: 'configuration OK' of no file: $out"

	# -c FILE that does not exist: an error naming it and the default (exit 2)
	out=$("$BUILD/$prog" -c "$XP_TMP/none.conf" "$@" --check-config 2>&1)
	rc=$?
	[ $rc -eq 2 ] || xp_fail "$prog -c missing file: exit $rc, not 2: $out"
	echo "$out" | grep -qF "$prog: -c $XP_TMP/none.conf: no such file (give an existing file; without -c, ${DEFAULT[$prog]} is read when it exists)" ||
		xp_fail "$prog -c missing file: $out"
	echo "$out" | grep -q "OK" && xp_fail "$prog -c missing file: says OK: $out"

	# a file read: OK, by name
	echo "# empty" >"$XP_TMP/$prog.conf"
	out=$("$BUILD/$prog" -c "$XP_TMP/$prog.conf" "$@" --check-config 2>&1) ||
		xp_fail "$prog -c FILE --check-config: $out"
	echo "$out" | grep -q "^$XP_TMP/$prog.conf: configuration OK" || xp_fail "$prog: $out"
	xp_log "$prog: absent default, missing -c FILE and a file read each said as such"
done

# a default file that this user may not read: not called OK, said unchecked (as the user nobody,
# in a mount namespace whose /etc is an overlay, its /etc/xpool holding a root-only monitor.conf)
mkdir -p "$XP_TMP/ov/upper" "$XP_TMP/ov/work"
out=$(unshare -m sh -c 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc &&
	rm -rf /etc/xpool && mkdir /etc/xpool && echo once >/etc/xpool/monitor.conf &&
	chmod 0600 /etc/xpool/monitor.conf && exec runuser -u nobody -- "$2" --check-config' \
	sh "$XP_TMP/ov" "$PWD/$BUILD/xpool-monitor" 2>&1) ||
	xp_fail "xpool-monitor --check-config with an unreadable default refused: $out"
echo "$out" | grep -qF "/etc/xpool/monitor.conf: not checked (Permission denied: run the check as a user who may read it); the built-in defaults and the flags are OK" ||
	xp_fail "unreadable default file: $out"
xp_log "OK: --check-config calls OK only a file it read"
