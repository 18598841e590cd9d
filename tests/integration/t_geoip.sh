#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_geoip.sh - the built-in GeoIP database: one place (/usr/share/xpool, where make install and
# the package xpool-geoip put it), the default of xpool-dns and xpool-api; --check-config opens
# it, and a missing or bad database is refused by --check-config and start-up alike, with the
# path and the remedy (the package, make install, geoip FILE, geoip off).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (a mount namespace)"; exit 77; }
GEO=/usr/share/xpool/geo-whois-asn-country.mmdb
[ -f build/geoip/geo-whois-asn-country.mmdb ] || xp_fail "build/geoip: no GeoIP database (make deps)"
SNAP=$XP_TMP/snap.json
echo '{"servers": [{"ip": "192.0.2.1", "netspeed": 1000, "score": 20, "country": "de"}]}' >"$SNAP"
D=(--snapshot "$SNAP" --test-addresses -l 127.0.0.1:1) # xpool-dns's other flags

# expect NAME RC PATTERN CMD...: CMD exits RC and its output matches PATTERN (a glob)
expect() {
	local name=$1 rc=$2 pat=$3 out got
	shift 3
	out=$("$@" 2>&1)
	got=$?
	# shellcheck disable=SC2053
	[ $got -eq "$rc" ] && [[ $out == $pat ]] || xp_fail "$name: exit $got (not $rc): '$out'"
	xp_log "OK: $name: $(echo "$out" | head -1)"
}

# the binaries as installed where the default is missing: a copy away from the build tree, in
# a mount namespace where /usr/share/xpool is empty whatever this host has installed
mkdir -p "$XP_TMP/sbin"
cp "$BUILD/xpool-dns" "$BUILD/xpool-api" "$XP_TMP/sbin/"
bare() { # bare CMD...: CMD without any built-in database in reach
	unshare --mount --propagation private sh -c \
		'[ ! -d /usr/share/xpool ] || mount -t tmpfs none /usr/share/xpool && exec "$@"' sh "$@"
}
missing="$GEO: the built-in GeoIP database is not installed: install the package xpool-geoip \
(from the source tree: make deps, then make install), or set 'geoip FILE' (another mmdb) or 'geoip off'"
expect "xpool-dns --check-config, no database" 2 "*error: $missing*" \
	bare "$XP_TMP/sbin/xpool-dns" "${D[@]}" --check-config
expect "xpool-api --check-config, no database" 2 "*error: $missing*" \
	bare "$XP_TMP/sbin/xpool-api" --check-config
# start-up refuses what the check refuses (it served before without a word but a warning)
expect "xpool-dns start, no database" 1 "*error: $missing*" bare "$XP_TMP/sbin/xpool-dns" "${D[@]}"
expect "xpool-api start, no database" 1 "*error: $missing*" \
	bare "$XP_TMP/sbin/xpool-api" --db "$XP_TMP/none.db" --listen 127.0.0.1:1
# geoip off is a choice: taken
expect "xpool-dns --check-config, geoip off" 0 "*OK (snapshot $SNAP: 1 server, 1 in DNS; geoip off)" \
	bare "$XP_TMP/sbin/xpool-dns" "${D[@]}" --geoip off --check-config
expect "xpool-api --check-config, geoip off" 0 "*OK*" \
	bare "$XP_TMP/sbin/xpool-api" --geoip off --check-config

# a database named by geoip that is missing, or not an mmdb
echo "not a database" >"$XP_TMP/bad.mmdb"
for p in xpool-dns xpool-api; do
	run=("$BUILD/$p")
	[ $p = xpool-dns ] && run+=("${D[@]}")
	expect "$p, geoip names a missing file" 2 \
		"*$XP_TMP/none.mmdb: cannot open the GeoIP database: No such file or directory: set 'geoip FILE' to a readable mmdb file, or 'geoip off'*" \
		"${run[@]}" --geoip "$XP_TMP/none.mmdb" --check-config
	expect "$p, geoip names a file that is not an mmdb" 2 \
		"*$XP_TMP/bad.mmdb: not a GeoIP database: *: set 'geoip FILE' to a MaxMind or ip-location-db mmdb file, or 'geoip off'*" \
		"${run[@]}" --geoip "$XP_TMP/bad.mmdb" --check-config
done

# the build tree's copy (build/geoip), beside the binary: found without a word
expect "xpool-dns --check-config in the build tree" 0 \
	"*OK (snapshot $SNAP: 1 server, 1 in DNS; geoip /*/geoip/geo-whois-asn-country.mmdb)" \
	bare "$BUILD/xpool-dns" "${D[@]}" --check-config
expect "xpool-api --check-config in the build tree" 0 "*OK*" \
	bare "$BUILD/xpool-api" --check-config

# make install puts the database in DATADIR/xpool (PREFIX/share/xpool): the installed programs
# open it there (PREFIX/sbin/../share/xpool, for a PREFIX other than the built-in one)
make --no-print-directory install BUILD="$BUILD" DESTDIR="$XP_TMP/root" PREFIX=/usr >"$XP_TMP/install.log" 2>&1 ||
	xp_fail "make install: $(tail -3 "$XP_TMP/install.log")"
cmp -s "$XP_TMP/root$GEO" build/geoip/geo-whois-asn-country.mmdb ||
	xp_fail "make install did not put the database at $GEO: $(find "$XP_TMP/root" -name '*.mmdb')"
[ ! -e "$XP_TMP/root/var/lib/xpool/geo-whois-asn-country.mmdb" ] || xp_fail "a second copy in /var/lib/xpool"
expect "installed xpool-dns --check-config" 0 "*OK (*; geoip $XP_TMP/root/usr/sbin/../share/xpool/geo-whois-asn-country.mmdb)" \
	bare "$XP_TMP/root/usr/sbin/xpool-dns" "${D[@]}" --check-config
expect "installed xpool-api --check-config" 0 "*OK*" \
	bare "$XP_TMP/root/usr/sbin/xpool-api" --check-config
xp_log "OK: make install put the database at $GEO, and the installed programs open it"
