#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# deb_check.sh - make deb-check: the built packages installed into a fresh Debian 12 root
# (debootstrap), each daemon's --version and --check-config on the shipped configuration,
# xpool-ntpd run once (its program on the root's own loopback, in a network namespace of this
# test), then the packages purged: no pinned BPF object and no attached program may remain.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD/build/debroot
PRISTINE=$PWD/build/debroot.tar
NS=xpdeb$$
VERSION=$(cat VERSION)
fail() { echo "deb-check: FAIL: $*"; exit 1; }
log() { echo "deb-check: $*"; }
[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot)"
ls build/deb/xpool-ntpd_*.deb >/dev/null 2>&1 || fail "no packages in build/deb (make deb)"
[ -e /sys/fs/bpf/xpool ] && fail "/sys/fs/bpf/xpool exists on this host: an xpool-ntpd runs here"

remove_root() { # unmounted first; never into the host's /dev, /proc or /sys
	local m
	for m in sys/fs/bpf sys proc dev/pts dev; do umount -l "$ROOT/$m" 2>/dev/null; done
	for m in sys/fs/bpf sys proc dev/pts dev; do
		mountpoint -q "$ROOT/$m" 2>/dev/null && { echo "deb-check: $ROOT/$m still mounted"; return 1; }
	done
	rm -rf --one-file-system "$ROOT"
}
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf /sys/fs/bpf/xpool
	remove_root
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a pristine root, made once and kept as a tarball (debootstrap takes minutes)
remove_root || fail "a previous root is still mounted at $ROOT"
if [ ! -s "$PRISTINE" ]; then
	mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
	log "debootstrap bookworm from ${mirror:=http://deb.debian.org/debian} (once)"
	debootstrap --variant=minbase bookworm "$ROOT" "$mirror" >build/debootstrap.log 2>&1 ||
		{ tail -5 build/debootstrap.log; fail "debootstrap"; }
	tar -C "$ROOT" -cf "$PRISTINE.tmp" . && mv "$PRISTINE.tmp" "$PRISTINE"
else
	mkdir -p "$ROOT" && tar -C "$ROOT" -xf "$PRISTINE"
fi
for m in dev dev/pts proc sys sys/fs/bpf; do
	mkdir -p "$ROOT/$m" && mount --bind "/$m" "$ROOT/$m" || fail "bind /$m"
done
ip netns add "$NS" || fail "netns"
in_root() { nsenter --net=/run/netns/"$NS" chroot "$ROOT" "$@"; } # the test's own network
on_root() { chroot "$ROOT" "$@"; } # the host's network: apt reaches the mirror
ip -n "$NS" link set lo up

mkdir -p "$ROOT/tmp/debs"
cp build/deb/xpool-ntpd_*.deb build/deb/xpool-dns_*.deb build/deb/xpool-monitor_*.deb \
	build/deb/xpool-tools_*.deb build/deb/xpool-api_*.deb build/deb/xpool-geoip_*.deb "$ROOT/tmp/debs/"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
export DEBIAN_FRONTEND=noninteractive
on_root apt-get update -qq >build/deb-install.log 2>&1 || fail "apt-get update in the root"
on_root sh -c 'apt-get install -y -qq --no-install-recommends /tmp/debs/*.deb' >>build/deb-install.log 2>&1 ||
	{ tail -20 build/deb-install.log; fail "apt-get install of the packages"; }
log "installed: $(in_root dpkg-query -W -f '${Package} ${Version}, ' 'xpool-*')"

for b in xpool-ntpd xpool-dns xpool-monitor xpool-api xpoolctl xpool-ntpgun xpool-ntp-probe; do
	out=$(in_root "$b" --version 2>&1)
	case $out in "$b $VERSION"*) ;; *) fail "$b --version: '$out'" ;; esac
done
for d in ntpd:xpool-ntpd dns:xpool-dns monitor:xpool-monitor api:xpool-api xpoolctl:xpoolctl; do
	out=$(in_root "${d#*:}" -c "/etc/xpool/${d%:*}.conf" --check-config 2>&1) ||
		fail "${d#*:} --check-config on the shipped /etc/xpool/${d%:*}.conf: $out"
done
[ "$(in_root dpkg-query -W -f '${Conffiles}' xpool-dns | grep -c /etc/xpool/dns.conf)" = 1 ] ||
	fail "/etc/xpool/dns.conf is not a conffile"
for u in xpool-ntpd xpool-dns xpool-monitor xpool-api; do
	[ -f "$ROOT/lib/systemd/system/$u.service" ] || fail "no $u.service"
done
on_root id xpool >/dev/null || fail "no system user xpool"
[ "$(on_root stat -c %U /var/lib/xpool)" = xpool ] || fail "/var/lib/xpool is not the xpool user's"
for u in xpool-dns xpool-monitor xpool-api; do
	grep -q "^User=xpool" "$ROOT/lib/systemd/system/$u.service" || fail "$u.service does not drop root"
done
log "--version and --check-config of every daemon on its shipped configuration: ok"
# the GeoIP database: one file of xpool-geoip, the default of xpool-dns and xpool-api; without
# it, both refuse with the remedy
GEO=/usr/share/xpool/geo-whois-asn-country.mmdb
[ "$(on_root dpkg -S "$GEO" 2>&1)" = "xpool-geoip: $GEO" ] || fail "$GEO: $(on_root dpkg -S "$GEO" 2>&1)"
mv "$ROOT$GEO" "$ROOT$GEO.away"
for d in dns:xpool-dns api:xpool-api; do
	out=$(in_root "${d#*:}" -c "/etc/xpool/${d%:*}.conf" --check-config 2>&1)
	case $out in *"$GEO: the built-in GeoIP database is not installed: install the package xpool-geoip"*"'geoip off'"*) ;;
	*) mv "$ROOT$GEO.away" "$ROOT$GEO"; fail "${d#*:} --check-config without $GEO: '$out'" ;;
	esac
done
mv "$ROOT$GEO.away" "$ROOT$GEO"
log "$GEO: xpool-geoip's, read by xpool-dns and xpool-api; without it both name the package"

# files that may hold secrets (the registry's password, the DNS Cookies secret): 0640
# root:xpool, which the units (User=xpool) read and no other user does; ntpd.conf holds none
modes() { # modes WHEN: every file's mode and owner
	local f want got
	for f in api.conf dns.conf monitor.conf xpoolctl.conf ntpd.conf; do
		want="640 root:xpool"
		[ $f = ntpd.conf ] && want="644 root:root"
		got=$(on_root stat -c '%a %U:%G' "/etc/xpool/$f")
		[ "$got" = "$want" ] || fail "$1: /etc/xpool/$f is $got, not $want"
	done
}
modes "installed"
for d in dns:xpool-dns monitor:xpool-monitor api:xpool-api xpoolctl:xpoolctl; do
	out=$(in_root runuser -u xpool -- "${d#*:}" -c "/etc/xpool/${d%:*}.conf" --check-config 2>&1) ||
		fail "${d#*:} --check-config as the user xpool (the unit's): $out"
	case $out in *"holds a secret"* | *"every user may"*)
		fail "${d#*:} warns about the shipped configuration's mode: $out" ;;
	esac
done
# the operator's secret in a file every user may read: the daemon says so, and how to fix it
cp "$ROOT/etc/xpool/dns.conf" "$ROOT/tmp/open.conf"
echo "cookie-secret 000102030405060708090a0b0c0d0e0f" >>"$ROOT/tmp/open.conf"
chmod 0644 "$ROOT/tmp/open.conf"
out=$(in_root xpool-dns -c /tmp/open.conf --check-config 2>&1)
echo "$out" | grep -q "warning: /tmp/open.conf:[0-9]*: cookie-secret holds a secret.*chmod 0640" ||
	fail "no warning for a secret in a file every user may read: $out"
# an upgrade (the same packages again) keeps the modes; an operator's dpkg-statoverride wins
on_root dpkg-statoverride --update --add root root 0600 /etc/xpool/xpoolctl.conf
on_root sh -c 'dpkg -i /tmp/debs/*.deb' >>build/deb-install.log 2>&1 ||
	{ tail -20 build/deb-install.log; fail "reinstalling the packages"; }
[ "$(on_root stat -c '%a %U:%G' /etc/xpool/xpoolctl.conf)" = "600 root:root" ] ||
	fail "the operator's dpkg-statoverride of xpoolctl.conf was not kept"
on_root dpkg-statoverride --remove /etc/xpool/xpoolctl.conf
on_root dpkg-reconfigure xpool-tools >>build/deb-install.log 2>&1 || fail "dpkg-reconfigure xpool-tools"
modes "reinstalled"
log "configuration files 0640 root:xpool (ntpd.conf 0644), read by the user xpool, kept on upgrade"
[ -f "$ROOT/usr/share/xpool/nginx/xpool-api.conf" ] || fail "no nginx site for xpool-api"
log "system user xpool for xpool-dns, xpool-monitor and xpool-api, /var/lib/xpool theirs"

# the responder once, as its unit runs it, on the root's loopback; then the packages purged
in_root sh -c 'xpool-ntpd -c /etc/xpool/ntpd.conf --no-chrony >/tmp/ntpd.log 2>&1 & echo $! >/tmp/ntpd.pid'
for _ in $(seq 50); do [ -e /sys/fs/bpf/xpool/xpool_clock ] && break; sleep 0.1; done
sleep 0.5
in_root ip -d link show dev lo | grep -q "name xpool_ntp " ||
	{ cat "$ROOT/tmp/ntpd.log"; fail "xpool-ntpd did not attach to the root's lo"; }
[ -e /sys/fs/bpf/xpool/xpool_clock ] || fail "no pinned maps"
in_root sh -c 'kill -9 $(cat /tmp/ntpd.pid)' # as after a crash: the program stays attached
in_root apt-get purge -y -qq xpool-ntpd xpool-dns xpool-monitor xpool-api xpool-tools xpool-geoip >build/deb-purge.log 2>&1 ||
	{ tail -20 build/deb-purge.log; fail "apt-get purge"; }
[ ! -e /sys/fs/bpf/xpool ] || fail "pinned objects remain after purge: $(ls /sys/fs/bpf/xpool)"
in_root ip -d link show dev lo | grep -q "prog/xdp" && fail "a program stayed attached after purge"
[ ! -e "$ROOT/etc/xpool/dns.conf" ] || fail "purge left /etc/xpool/dns.conf"
log "purged after a kill -9: no pinned object, no attached program, no configuration left"
log "ok"
