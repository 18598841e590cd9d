#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_pool_hosts.sh - the pool across hosts, namespaces on one bridge: a registry host (PostgreSQL,
# lighttpd serving the signed snapshot, xpoolctl export --sign every 2 s), monitors at three
# sites each with its own database role (two active; one testing, whose path to the servers is
# broken), four xpool NTP servers, two DNS hosts fetching the snapshot, and a client resolving
# through both. A server turned bad leaves both DNS hosts' answers and comes back when it recovers.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
for c in lighttpd kdig chronyd psql; do command -v $c >/dev/null || { echo "$c missing"; exit 77; }; done
# every host in 10.210.0.0/16 on one link; each site in a /24 of its own (a monitor never scores
# a server in its own /24)
UP=10.210.0.1
REGH=10.210.0.5
SERVERS="10.210.2.11 10.210.2.12 10.210.2.13 10.210.2.14"
BAD=10.210.2.14
DNS1=10.210.3.53
DNS2=10.210.4.53
LAN=$XP_PREFIX-lan
PIN=$(xp_pin_path hosts)
CTL=$BUILD/xpoolctl

mkdir -p "$PIN"
ip netns add "$LAN" && XP_NETNS+=("$LAN") || xp_fail "netns"
ip -n "$LAN" link add br0 type bridge && ip -n "$LAN" link set br0 up
n=0
host() { # host NAME ADDRESS: a namespace on the bridge
	local ns=$XP_PREFIX-$1
	n=$((n + 1))
	ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns $1"
	ip link add eth0 netns "$ns" type veth peer name "p$n" netns "$LAN"
	ip -n "$LAN" link set "p$n" master br0 up
	# XDP_TX from a server's end is delivered only if this end has a program too
	ip -n "$LAN" link set dev "p$n" xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp &&
		ip -n "$ns" addr add "$2/16" dev eth0 && ip -n "$ns" link set eth0 up &&
		ip -n "$ns" link set lo up || xp_fail "host $1"
}
host up $UP
host reg $REGH
host mon-a 10.210.5.20
host mon-b 10.210.6.20
host mon-t 10.210.7.20
i=0
for s in $SERVERS; do i=$((i + 1)); host s$i "$s"; done
host dns1 $DNS1
host dns2 $DNS2
host cli 10.210.8.100
# the testing site's path to the servers is broken: its checks find no answer
ip -n "$XP_PREFIX-mon-t" route add blackhole 10.210.2.0/24
xp_log "hosts: registry $REGH, monitors at 10.210.{5,6,7}.20, servers $SERVERS, DNS $DNS1 $DNS2"

# time: an upstream (a GPS stand-in); every server and monitor follows it with its chronyd
xp_chronyd "$XP_PREFIX-up" up "local stratum 1" "allow all" || xp_fail "upstream"
i=0
for s in $SERVERS; do
	i=$((i + 1))
	xp_chronyd "$XP_PREFIX-s$i" s$i "server $UP iburst minpoll -4 maxpoll -4" "port 0" || xp_fail "chronyd s$i"
done
for m in a b t; do
	xp_chronyd "$XP_PREFIX-mon-$m" mon-$m "server $UP iburst minpoll -4 maxpoll -4" "port 0" ||
		xp_fail "chronyd mon-$m"
done
for c in s1 s2 s3 s4 mon-a mon-b mon-t; do xp_chronyc $c waitsync 40 0 0 0.2 >/dev/null || xp_fail "$c sync"; done
declare -A NTPD NTPD_NAME
starts=0
start_ntpd() { # start_ntpd N [flags]: xpool-ntpd on server N (replaces a running one)
	local n=$1 old=${NTPD[$1]:-}
	shift
	if [ -n "$old" ]; then xp_stop "$old" || xp_fail "xpool-ntpd on s$n: exit status $? on SIGTERM"; fi
	starts=$((starts + 1))
	NTPD_NAME[$n]=ntpd$n-$starts
	xp_notify_start "${NTPD_NAME[$n]}" "$XP_PREFIX-s$n" "$XP_TMP/ntpd$n.log" "$BUILD/xpool-ntpd" -i eth0 \
		--xdp-mode native --chrony-socket "$XP_TMP/s$n/chronyd.sock" --pin-path "$PIN/s$n" "$@"
	NTPD[$n]=$XP_LAST_PID
}
serving() { # serving N: server N said READY=1 and its XDP program answers the client (counted)
	local addr
	addr=$(echo $SERVERS | cut -d' ' -f"$1")
	xp_wait_ready "${NTPD_NAME[$1]}"
	xp_until 10 xp_xdp_answered "$XP_PREFIX-cli" "$addr" "$PIN/s$1" ||
		xp_fail "$addr said READY=1 but its XDP program does not answer: $XP_ANSWER"
}
for i in 1 2 3 4; do start_ntpd $i; done # four programs load at once
for i in 1 2 3 4; do serving $i; done

# the registry host: PostgreSQL on its address, the registry owned by postgres here
xp_pg_start $REGH "$XP_PREFIX-reg"
xp_psql -c "CREATE DATABASE pool" || xp_fail "createdb"
OWNER="postgresql:///pool?host=$XP_PG&user=postgres"
"$CTL" --db "$OWNER" init || xp_fail "init"
i=0
for s in $SERVERS; do
	i=$((i + 1))
	"$CTL" --db "$OWNER" server add "$s" de --owner "volunteer$i" --test-addresses || xp_fail "add $s"
done
for m in a b t; do "$CTL" --db "$OWNER" monitor add site-$m >/dev/null || xp_fail "monitor add site-$m"; done
"$CTL" --db "$OWNER" monitor set site-a status active && "$CTL" --db "$OWNER" monitor set site-b status active ||
	xp_fail "monitor set"
"$CTL" key generate "$XP_TMP/pool.key" >/dev/null || xp_fail "key"
WWW=$XP_TMP/www
mkdir -p "$WWW"
export_once() {
	"$CTL" --db "$OWNER" export "$XP_TMP/snap.json" --sign "$XP_TMP/pool.key" 2>>"$XP_TMP/export.err" &&
		chmod 644 "$XP_TMP"/snap.json* && cp "$XP_TMP/snap.json" "$WWW/.snap.tmp" &&
		cp "$XP_TMP/snap.json.sig" "$WWW/.sig.tmp" && mv "$WWW/.snap.tmp" "$WWW/snap.json" &&
		mv "$WWW/.sig.tmp" "$WWW/snap.json.sig"
}
export_once || xp_fail "export: $(cat "$XP_TMP/export.err")"
( while sleep 2; do export_once; done ) &
XP_PIDS+=($!)
xp_lighttpd "$XP_PREFIX-reg" $REGH "$WWW"

# monitors at three sites, each writing as its own role over TCP to the registry host
for m in a b t; do
	xp_notify_start mon-$m "$XP_PREFIX-mon-$m" "$XP_TMP/mon-$m.log" "$BUILD/xpool-monitor" \
		--db "postgresql://xpool_mon_site-$m@$REGH/pool" --name site-$m --interval 1 \
		--chrony-socket "$XP_TMP/mon-$m/chronyd.sock" --timeout-ms 300
done
for m in a b t; do xp_wait_ready mon-$m; done

# two DNS hosts fetch the signed snapshot
for d in 1 2; do
	addr=$(eval echo "\$DNS$d")
	cat >"$XP_TMP/dns$d.conf" <<CONF
listen $addr
zone pool.ntp.test
snapshot-url http://$REGH/snap.json
snapshot-key $XP_TMP/pool.key.pub
snapshot-cache $XP_TMP/cache$d.json
snapshot-poll 1
geoip off
test-addresses
min-servers 1
max-hosts 4
CONF
	xp_ready dns$d "$XP_PREFIX-dns$d" "$XP_TMP/dns$d.log" "$BUILD/xpool-dns" -c "$XP_TMP/dns$d.conf" ||
		xp_fail "xpool-dns $d"
	eval "DNSPID$d=$XP_LAST_PID"
done
in_dns() { # in_dns ADDR: the servers that DNS host hands out now (a few queries, sorted)
	for _ in 1 2 3; do
		xp_ns "$XP_PREFIX-cli" kdig @"$1" pool.ntp.test A +short +timeout=1 2>/dev/null
	done | sort -u | tr '\n' ' '
}
score() { "$CTL" --db "$OWNER" server show "$1" | sed -n 's/^DNS score.*: \(.*\)/\1/p'; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
	local end=$(($(date +%s) + $1)) what=$2
	shift 2
	while [ "$(date +%s)" -lt $end ]; do
		"$@" && return 0
		sleep 1
	done
	"$CTL" --db "$OWNER" server list
	"$CTL" --db "$OWNER" monitor list
	for d in 1 2; do tail -n 3 "$XP_TMP/dns$d.log"; done
	tail -n 3 "$XP_TMP/mon-a.log" "$XP_TMP/export.err"
	xp_fail "timed out: $what"
}
both_have() { # both_have N: both DNS hosts hand out N servers
	[ "$(in_dns $DNS1 | wc -w)" -eq "$1" ] && [ "$(in_dns $DNS2 | wc -w)" -eq "$1" ]
}
t0=$(date +%s)
wait_for 120 "all four servers in both DNS hosts' answers" both_have 4
xp_log "all four servers scored >= 10 and in both DNS hosts' answers after $(($(date +%s) - t0)) s"
xp_log "  $DNS1: $(in_dns $DNS1)  $DNS2: $(in_dns $DNS2)"

# the testing monitor's checks are recorded and shown, and move no score
"$CTL" --db "$OWNER" monitor list | sed 's/^/    /'
tested=$(xp_psql -d pool -c "SELECT count(*) FROM scores WHERE monitor = 'site-t' AND score < 0")
[ "$tested" -eq 4 ] || xp_fail "the testing monitor's scores are not recorded ($tested)"
for s in $SERVERS; do
	awk -v s="$(score "$s")" 'BEGIN { exit !(s >= 10) }' || xp_fail "$s: score $(score "$s") moved by the testing monitor"
done
xp_log "testing monitor site-t: 4 scores < 0 recorded, every DNS score still >= 10"

# a client resolves through both DNS hosts and synchronises to the pool
mkdir -p "/etc/netns/$XP_PREFIX-cli"
printf 'nameserver %s\nnameserver %s\noptions timeout:1 attempts:1\n' $DNS1 $DNS2 >"/etc/netns/$XP_PREFIX-cli/resolv.conf"
trap 'rm -rf "/etc/netns/$XP_PREFIX-cli"; xp_cleanup' EXIT
xp_chronyd "$XP_PREFIX-cli" cli "pool pool.ntp.test iburst minpoll -2 maxpoll -2 maxsources 4" ||
	xp_fail "client chronyd"
xp_chronyc cli waitsync 60 0 0 0.5 >/dev/null || xp_fail "the client did not synchronise"
xp_chronyc cli tracking | grep -qE "Reference ID *: 0AD2020(B|C|D|E)" ||
	xp_fail "the client is not on the pool: $(xp_chronyc cli tracking | head -2)"
xp_log "client synchronised through the pool: $(xp_chronyc cli tracking | grep -E 'Reference ID' | tr -s ' ')"

# a server goes bad (a test-only fault: 800 ms off): out of both DNS hosts, then back
start_ntpd 4 --test-mode --test-time-offset-ms 800
serving 4
t0=$(date +%s)
out_of_both() {
	awk -v s="$(score $BAD)" 'BEGIN { exit !(s < 10) }' &&
		! in_dns $DNS1 | grep -q "$BAD " && ! in_dns $DNS2 | grep -q "$BAD "
}
wait_for 60 "$BAD out of both DNS hosts" out_of_both
xp_log "$BAD 800 ms off: score $(score $BAD), out of both DNS hosts after $(($(date +%s) - t0)) s"
start_ntpd 4
serving 4
t0=$(date +%s)
wait_for 120 "$BAD back in both DNS hosts" both_have 4
xp_log "$BAD recovered: score $(score $BAD), back in both DNS hosts after $(($(date +%s) - t0)) s"
# one DNS host down: the client's resolver goes on through the other
xp_stop "$DNSPID1" || xp_fail "xpool-dns $DNS1: exit status $? on SIGTERM"
got=$(xp_ns "$XP_PREFIX-cli" getent ahostsv4 pool.ntp.test | awk '{ print $1 }' | sort -u | tr '\n' ' ')
[ "$(echo $got | wc -w)" -ge 1 ] || xp_fail "with $DNS1 down the client resolves nothing"
xp_log "$DNS1 stopped: the client's resolver answers through $DNS2: $got"
xp_log "PASS"
