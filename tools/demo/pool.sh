#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# pool.sh - the whole pool on one machine, in network namespaces on one bridge: an upstream
# chronyd (a GPS stand-in), four xpool NTP servers fed by their own chronyd, a monitor with the
# registry and xpool-api behind nginx (four volunteers sign up and add their servers with curl),
# xpool-dns for pool.ntp.test and a client whose chronyd uses "pool pool.ntp.test".
# Server 4 goes bad (800 ms off), drops out of DNS, recovers and comes back.
# DEMO_CHECK=1: unattended, exits 0 only if every step happened (make demo-check).
cd "$(dirname "$0")/../.." || exit 1
XP_TEST=pool
XP_PREFIX=xpp$$
. tests/integration/lib.sh
. tests/integration/api.sh
[ "$(id -u)" -eq 0 ] || { echo "pool: run as root (network namespaces and XDP)"; exit 1; }
CHECK=${DEMO_CHECK:-0}
NET=10.210.0
UP=$NET.1
DNS=$NET.53
MON=$NET.20
SERVERS="11 12 13 14"
LAN=$XP_PREFIX-lan
PIN=$(xp_pin_path pool)

mkdir -p "$PIN"
ip netns add "$LAN" && XP_NETNS+=("$LAN")
ip -n "$LAN" link add br0 type bridge && ip -n "$LAN" link set br0 up
host() { # host NAME LAST_OCTET: a namespace on the bridge
	local ns=$XP_PREFIX-$1
	ip netns add "$ns" && XP_NETNS+=("$ns")
	ip link add eth0 netns "$ns" type veth peer name "p$1" netns "$LAN"
	ip -n "$LAN" link set "p$1" master br0 up
	# XDP_TX from a server's end is delivered only if this end has a program too
	ip -n "$LAN" link set dev "p$1" xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp &&
		ip -n "$ns" addr add $NET.$2/24 dev eth0 && ip -n "$ns" link set eth0 up &&
		ip -n "$ns" link set lo up || xp_fail "host $1"
}
step() { xp_log "== $*"; }
ok() { xp_log "OK: $*"; }

step "network: bridge $NET.0/24; upstream $UP, servers $NET.{11..14}, monitor $MON, DNS $DNS"
host up 1
for s in $SERVERS; do host s$s $s; done
host mon 20
host dns 53
host cli 100
xp_chronyd $XP_PREFIX-up up "local stratum 1" "allow all" || xp_fail "upstream"

declare -A NTPD NTPD_NAME
starts=0
start_ntpd() { # start_ntpd N [extra flags]: xpool-ntpd on server N (replaces a running one)
	local n=$1 old=${NTPD[$1]:-}
	shift
	if [ -n "$old" ]; then
		# the program stays attached and keeps answering while the new daemon takes over
		xp_stop "$old" || xp_fail "xpool-ntpd on server $n: exit status $? on SIGTERM"
	fi
	starts=$((starts + 1))
	NTPD_NAME[$n]=ntpd$n-$starts
	xp_notify_start "${NTPD_NAME[$n]}" $XP_PREFIX-s$n "$XP_TMP/ntpd$n.log" "$BUILD/xpool-ntpd" -i eth0 \
		--xdp-mode native --chrony-socket "$XP_TMP/s$n/chronyd.sock" --pin-path "$PIN/s$n" "$@"
	NTPD[$n]=$XP_LAST_PID
}
serving() { # serving N: server N said READY=1 and its XDP program answers the client (counted)
	xp_wait_ready "${NTPD_NAME[$1]}"
	xp_until 10 xp_xdp_answered $XP_PREFIX-cli $NET.$1 "$PIN/s$1" ||
		xp_fail "server $NET.$1 said READY=1 but its XDP program does not answer: $XP_ANSWER"
}
# offset_is MS: the last answer's offset is MS milliseconds, within half its round trip (the
# bound on one clock) plus 1 ms of the server's own precision
offset_is() {
	awk -v o="$(xp_answer_field offset_ns)" -v d="$(xp_answer_field delay_ns)" -v ms="$1" \
		'BEGIN { e = o - ms * 1e6; if (e < 0) e = -e; exit !(o != "" && e <= d / 2 + 1e6) }'
}
for s in $SERVERS; do
	xp_chronyd $XP_PREFIX-s$s s$s "server $UP iburst minpoll -4 maxpoll -4" "port 0" ||
		xp_fail "chronyd s$s"
done
xp_chronyd $XP_PREFIX-mon mon "server $UP iburst minpoll -4 maxpoll -4" "port 0" || xp_fail "mon"
for s in $(printf "s%s " $SERVERS) mon; do xp_chronyc $s waitsync 40 0 0 0.2 >/dev/null || xp_fail "$s sync"; done
for s in $SERVERS; do start_ntpd $s; done # four programs load at once
for s in $SERVERS; do serving $s; done
ok "four xpool servers answer from XDP (READY=1, then a reply each program counted), each following its chronyd"

step "registry and xpool-api: volunteers join through the API (nginx with TLS in front)"
DB=$XP_TMP/registry.db
"$BUILD/xpoolctl" --db "$DB" init || xp_fail "init"
xp_ready api $XP_PREFIX-mon "$XP_TMP/api.log" "$BUILD/xpool-api" --db "$DB" --listen 127.0.0.1:8080 \
	--geoip off --test-addresses --sendmail off
xp_nginx_api $XP_PREFIX-mon $MON 127.0.0.1:8080
# show_call METHOD PATH [BODY [TOKEN]]: the call as a volunteer types it, then the answer
show_call() {
	local line="curl -X $1 https://api.pool.test$2"
	[ -n "${4:-}" ] && line+=" -H 'Authorization: Bearer ${4:0:12}...'"
	[ -n "${3:-}" ] && line+=" -d '$3'"
	xp_log "  \$ $line"
	REPLY=$(call "$@")
	xp_log "    -> ${REPLY:0:160}"
}
cc=(x de de fr nl)
i=1
for s in $SERVERS; do
	v=volunteer$i@pool.test
	show_call POST /v1/accounts "{\"email\":\"$v\",\"password\":\"a good passphrase $i\"}"
	show_call POST /v1/tokens "{\"email\":\"$v\",\"password\":\"a good passphrase $i\"}"
	tok=$(echo "$REPLY" | sed -n 's/.*"token":"\(xpt_[0-9a-f]*\)".*/\1/p')
	[ -n "$tok" ] || xp_fail "login of $v: $REPLY"
	# the API checks the server before it takes it: a correct NTP answer, synchronised
	show_call POST /v1/servers "{\"ip\":\"$NET.$s\",\"netspeed\":1000,\"country\":\"${cc[$i]}\"}" "$tok"
	[ "${REPLY%% *}" = 201 ] || xp_fail "server $NET.$s not added: $REPLY"
	i=$((i + 1))
done
ok "four volunteers joined; each server passed the API's check (mode 4, origin echoed, synchronised)"
"$BUILD/xpoolctl" --db "$DB" export "$XP_TMP/export.json" || xp_fail "export"
# the monitor is a registry entry: new ones are testing, this one counts at once
"$BUILD/xpoolctl" --db "$DB" monitor add demo-mon && "$BUILD/xpoolctl" --db "$DB" monitor set demo-mon status active ||
	xp_fail "monitor"
cp "$XP_TMP/export.json" "$XP_TMP/snapshot.json" || xp_fail "snapshot"
xp_ready monitor $XP_PREFIX-mon "$XP_TMP/monitor.log" "$BUILD/xpool-monitor" --db "$DB" --name demo-mon \
	--same-network-ok --interval 1 --chrony-socket "$XP_TMP/mon/chronyd.sock" --export "$XP_TMP/export.json"
# the DNS host is "another machine": the snapshot reaches it as a copied file, renamed in place
( while sleep 1; do cp "$XP_TMP/export.json" "$XP_TMP/snap.tmp" && mv "$XP_TMP/snap.tmp" "$XP_TMP/snapshot.json"; done ) &
XP_PIDS+=($!)
xp_ready dns $XP_PREFIX-dns "$XP_TMP/dns.log" "$BUILD/xpool-dns" -l $DNS --zone pool.ntp.test \
	--snapshot "$XP_TMP/snapshot.json" --min-servers 1 --max-hosts 4 --test-addresses

in_dns() { # the servers xpool-dns hands out now (a few queries, sorted)
	for _ in 1 2 3; do
		xp_ns $XP_PREFIX-cli kdig @$DNS pool.ntp.test A +short +timeout=1 2>/dev/null
	done | sort -u | tr '\n' ' '
}
score() { "$BUILD/xpoolctl" --db "$DB" server show "$1" | sed -n 's/^DNS score.*: \(.*\)/\1/p'; }
status() {
	echo "---- $(date +%T) ----"
	"$BUILD/xpoolctl" --db "$DB" server list
	echo "DNS answers for pool.ntp.test: $(in_dns)"
	xp_chronyc cli sources 2>/dev/null | tail -n +3
}
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls, showing status in live mode
	local end=$(($(date +%s) + $1)) what=$2
	shift 2
	while [ "$(date +%s)" -lt $end ]; do
		"$@" && return 0
		[ "$CHECK" = 1 ] || status
		sleep 2
	done
	status
	xp_fail "timed out: $what"
}
scored() { # scored N: the score of server N is at least 10
	awk -v s="$(score $NET.$1)" 'BEGIN { exit !(s >= 10) }'
}
all_listed() {
	[ "$(in_dns | wc -w)" -eq 4 ] || return 1
	for s in $SERVERS; do scored $s || return 1; done
}
step "new servers start at score 0; each good check adds 1 (score = step + 0.95 x previous)"
wait_for 120 "all four servers in DNS" all_listed
ok "all four servers have score >= 10 and are in DNS: $(in_dns)"

step "client: resolver -> xpool-dns, chronyd with 'pool pool.ntp.test iburst'"
mkdir -p /etc/netns/$XP_PREFIX-cli
echo "nameserver $DNS" >/etc/netns/$XP_PREFIX-cli/resolv.conf
trap 'rm -rf /etc/netns/$XP_PREFIX-cli; xp_cleanup' EXIT
xp_chronyd $XP_PREFIX-cli cli "pool pool.ntp.test iburst minpoll -2 maxpoll -2 maxsources 4" ||
	xp_fail "client chronyd"
xp_chronyc cli waitsync 60 0 0 0.5 >/dev/null || { status; xp_fail "client did not synchronise"; }
xp_chronyc cli tracking | grep -qE "Reference ID *: 0AD2000(B|C|D|E)" || xp_fail "client not on the pool"
ok "client synchronised through the pool: $(xp_chronyc cli tracking | grep -E 'Reference ID|Stratum' | tr -s ' ' | tr '\n' ' ')"

step "server 4 goes bad: it now answers 800 ms off (a test-only fault)"
start_ntpd 14 --test-mode --test-time-offset-ms 800
serving 14
offset_is 800 || xp_fail "server 4 is not 800 ms off: $XP_ANSWER"
ok "server 4 answers 800 ms off: $(xp_answer_field offset_ns) ns"
bad_out() { ! scored 14 && ! in_dns | grep -q "$NET.14 "; }
wait_for 60 "server 4 below 10 and out of DNS" bad_out
ok "server 4 scored $(score $NET.14) (< 10) and is no longer in DNS: $(in_dns)"
"$BUILD/xpoolctl" --db "$DB" server show $NET.14 | head -6

step "server 4 recovers"
start_ntpd 14
serving 14
offset_is 0 || xp_fail "server 4 is still off: $XP_ANSWER"
ok "server 4 answers the right time again: $(xp_answer_field offset_ns) ns"
back() { scored 14 && in_dns | grep -q "$NET.14 "; }
wait_for 90 "server 4 back in DNS" back
ok "server 4 scored $(score $NET.14) again and is back in DNS: $(in_dns)"
status
if [ "$CHECK" = 1 ]; then
	xp_log "demo-check: every step happened"
	exit 0
fi
xp_log "the pool keeps running; Ctrl-C to stop and clean up"
while sleep 5; do status; done
