#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# fetch.sh - the built-in GeoIP database: the CC0 @ip-location-db/geo-whois-asn-country-mmdb
# package at a pinned version, checked against its tarball's SHA-256. A no-op once in place.
set -euo pipefail

PKG=@ip-location-db/geo-whois-asn-country-mmdb
VERSION=2.3.2026061719
SHA256=91757a1b06cdcd1955f292e4c4cfc54e091204f998e159a3187f7a2ef3724be0
DEST=${1:-build/geoip}
DB=$DEST/geo-whois-asn-country.mmdb

if [ -f "$DB" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
	exit 0
fi
command -v npm >/dev/null || { echo "geoip: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "geoip: fetching $PKG@$VERSION"
(cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null)
tgz=$(ls "$tmp"/*.tgz)
echo "$SHA256  $tgz" | sha256sum -c --quiet - ||
	{ echo "geoip: checksum mismatch for $tgz: refusing it" >&2; exit 1; }
tar -xzf "$tgz" -C "$tmp" package/geo-whois-asn-country.mmdb package/NRO_LICENSE
mkdir -p "$DEST"
mv "$tmp/package/geo-whois-asn-country.mmdb" "$DB"
mv "$tmp/package/NRO_LICENSE" "$DEST/"
echo "$VERSION" >"$DEST/VERSION"
