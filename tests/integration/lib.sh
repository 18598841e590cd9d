#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lib.sh - shared helpers for namespace tests and the demo: a server/client veth rig.
# Sourced; every namespace name carries a per-run prefix and is removed on every exit path.

BUILD=${BUILD:-build}
# the BPF objects: one build for every BUILD (SANITIZE=1 puts userspace in build/san, not them)
BPF_BUILD=${BPF_BUILD:-build/bpf}
XP_PREFIX=${XP_PREFIX:-xp$$r$RANDOM}
XP_NETNS=()
XP_PIDS=()
XP_PGDIRS=()
XP_TMP=$(mktemp -d /tmp/xpool-test.XXXXXX)
chmod 700 "$XP_TMP"

SRV4=10.201.0.1
CLI4=10.201.0.2
SRV6=fd00:201::1
CLI6=fd00:201::2

xp_log() { printf '[%s] %s\n' "${XP_TEST:-xpool}" "$*"; }
xp_fail() { xp_log "FAIL: $*"; exit 1; }

xp_cleanup() {
	local pid ns pin pg
	for pid in "${XP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${XP_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	for pg in "${XP_PGDIRS[@]}"; do
		[ -f "$pg/data/postmaster.pid" ] &&
			runuser -u postgres -- "$XP_PGBIN/pg_ctl" -D "$pg/data" -m immediate -w stop >/dev/null 2>&1
		rm -rf "$pg"
	done
	for ns in "${XP_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	# pin paths are made in command substitutions (subshells): remove them by prefix
	for pin in /sys/fs/bpf/"$XP_PREFIX"-*; do
		[ -e "$pin" ] && rm -rf "$pin"
	done
	rm -rf "$XP_TMP"
}
trap xp_cleanup EXIT
trap 'exit 130' INT TERM

xp_ns() { ip netns exec "$@"; }

# xp_need_built FILE...: the test's build products exist, or the test fails saying how to make
# them (a script run alone, before `make tests`, would otherwise fail later and obscurely)
xp_need_built() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || xp_fail "$f missing: build it first (make all tests; make check does)"
	done
}

# xp_rig SERVER_NS CLIENT_NS: veth pair vs/vc with IPv4 and IPv6 (nodad), a pass-through XDP
# program on the client end so that the server's XDP_TX replies are delivered.
xp_rig() {
	local s=$1 c=$2
	ip netns add "$s" || return 1
	XP_NETNS+=("$s")
	ip netns add "$c" || return 1
	XP_NETNS+=("$c")
	ip link add vs netns "$s" type veth peer name vc netns "$c" || return 1
	ip -n "$s" addr add $SRV4/24 dev vs
	ip -n "$c" addr add $CLI4/24 dev vc
	ip -n "$s" addr add $SRV6/64 dev vs nodad
	ip -n "$c" addr add $CLI6/64 dev vc nodad
	ip -n "$s" link set lo up
	ip -n "$c" link set lo up
	ip -n "$s" link set vs up
	ip -n "$c" link set vc up
	ip -n "$c" link set dev vc xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp || return 1
}

# XP_SLOW_START="SECONDS" or "PROGRAM=SECONDS ..." (test-only, for the harness): what xp_bg and
# xp_daemon start (every process, or those whose command names PROGRAM) sleeps that long first,
# then execs (the pid stays its own), as a daemon on a busy machine starts late. A script that
# announces a state it has not checked fails under it. Sets XP_SLOW, the prefix for "$@".
xp_slow_for() {
	local spec w=
	XP_SLOW=()
	for spec in ${XP_SLOW_START:-}; do
		if [ "${spec#*=}" != "$spec" ]; then # PROGRAM=SECONDS: only a command naming PROGRAM
			for w in "$@"; do [ "${w##*/}" = "${spec%%=*}" ] && break; done
			[ "${w##*/}" = "${spec%%=*}" ] || continue
		fi
		XP_SLOW=(sh -c 'sleep "$0" && exec "$@"' "${spec#*=}")
		return 0
	done
}

# xp_bg NS LOGFILE CMD...: runs CMD in NS in the background, remembered for cleanup.
xp_bg() {
	local ns=$1 log=$2
	shift 2
	xp_slow_for "$@"
	ip netns exec "$ns" "${XP_SLOW[@]}" "$@" >"$log" 2>&1 &
	XP_PIDS+=($!)
	XP_LAST_PID=$!
}

# xp_pin_path: a bpffs directory of this run's own, removed at cleanup
xp_pin_path() {
	echo "/sys/fs/bpf/$XP_PREFIX-$1"
}

# xp_daemon NS LOGFILE CMD...: like xp_bg, but through nsenter, so that the host's bpffs is
# shared (ip netns exec mounts a private one and pins would vanish with the process).
xp_daemon() {
	local ns=$1 log=$2
	shift 2
	xp_slow_for "$@"
	nsenter --net=/run/netns/"$ns" "${XP_SLOW[@]}" "$@" >>"$log" 2>&1 &
	XP_PIDS+=($!)
	XP_LAST_PID=$!
}

# xp_until SECONDS CMD...: runs CMD until it succeeds (0), every 0.1 s, for SECONDS of wall
# time at most (1): a deadline, not a count of tries, so a slow CMD cannot stretch it
xp_until() {
	local end=$((${EPOCHREALTIME//[.,]/} + $1 * 1000000))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME//[.,]/}" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# xp_stop PID [SECONDS]: SIGTERM, then the process gone within SECONDS (10) or the test fails;
# returns its exit status
xp_stop() {
	kill "$1" 2>/dev/null
	xp_until "${2:-10}" xp_gone "$1" ||
		{ kill -9 "$1"; xp_fail "pid $1 still there ${2:-10} s after SIGTERM"; }
	wait "$1" 2>/dev/null
}
xp_gone() { ! kill -0 "$1" 2>/dev/null; }

# Readiness is what the daemon says through sd_notify, never its log wording or a sleep.
# xp_notify_start NAME NS LOGFILE CMD...: xp_daemon with a NOTIFY_SOCKET of its own, without
# waiting (start several, then xp_wait_ready each). Its messages land in $XP_TMP/NAME.raw and,
# one per line, in $XP_TMP/NAME.notify (xp_wait_notify). NAME is new for every start.
declare -A XP_NOTIFY_PID XP_NOTIFY_LOG
xp_notify_start() {
	local name=$1 sock=$XP_TMP/$1.sock
	shift
	# a name used before (in this shell or a subshell) would show the old daemon's READY=1
	[ -z "${XP_NOTIFY_PID[$name]:-}" ] && [ ! -e "$sock" ] && [ ! -e "$XP_TMP/$name.raw" ] ||
		xp_fail "$name: started twice under one name"
	socat -u UNIX-RECV:"$sock" - >"$XP_TMP/$name.raw" &
	XP_PIDS+=($!)
	xp_until 5 test -S "$sock" || xp_fail "$name: socat made no notify socket"
	NOTIFY_SOCKET=$sock xp_daemon "$@"
	XP_NOTIFY_PID[$name]=$XP_LAST_PID
	XP_NOTIFY_LOG[$name]=$2
}

# xp_wait_ready NAME [SECONDS]: the daemon started as NAME says READY=1 within SECONDS
# (XP_READY_SECS, 30: a bound for a loaded machine, not an expected time), or the test fails
# with its log, at once if it exited. XP_LAST_PID is its pid.
xp_wait_ready() {
	local name=$1 secs=${2:-${XP_READY_SECS:-30}} pid=${XP_NOTIFY_PID[$1]:-}
	[ -n "$pid" ] || xp_fail "$name: never started"
	XP_LAST_PID=$pid
	xp_until "$secs" xp_ready_or_gone "$name" "$pid"
	xp_notified "$name" "READY=1" && return 0
	cat "${XP_NOTIFY_LOG[$name]}"
	xp_gone "$pid" && { wait "$pid"; xp_fail "$name: exited (status $?) before READY=1"; }
	xp_fail "$name: no READY=1 within $secs s"
}
xp_ready_or_gone() { xp_notified "$1" "READY=1" || xp_gone "$2"; }

# xp_ready NAME NS LOGFILE CMD...: xp_notify_start, then xp_wait_ready
xp_ready() {
	xp_notify_start "$@"
	xp_wait_ready "$1"
}

# xp_notified NAME PATTERN: an sd_notify message of daemon NAME matches PATTERN now
xp_notified() {
	# datagrams arrive without newlines: each message starts with a KEY= of capitals
	sed 's/\([A-Z_]*=\)/\n\1/g' "$XP_TMP/$1.raw" 2>/dev/null >"$XP_TMP/$1.notify"
	grep -q "$2" "$XP_TMP/$1.notify"
}

# xp_wait_notify NAME PATTERN SECONDS: an sd_notify message of daemon NAME matches PATTERN
xp_wait_notify() {
	xp_until "$3" xp_notified "$1" "$2"
}

# xp_verify_unit NAME: tools/systemd/NAME.service parses, pointed at the build tree's binary
# (man pages are not installed here: no Documentation=)
xp_verify_unit() {
	local out
	command -v systemd-analyze >/dev/null || { xp_log "no systemd-analyze: $1.service not checked"; return 0; }
	sed -e "s|/usr/sbin/$1|$PWD/$BUILD/$1|" -e '/^Documentation=/d' \
		tools/systemd/$1.service >"$XP_TMP/$1.service"
	out=$(systemd-analyze verify "$XP_TMP/$1.service" 2>&1) || xp_fail "systemd-analyze verify $1: $out"
	xp_log "tools/systemd/$1.service: systemd-analyze verify clean"
}

# xp_wait_log FILE PATTERN SECONDS
xp_wait_log() {
	local i
	for i in $(seq $(($3 * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# |x| < limit for decimal strings
xp_abs_lt() { awk -v x="$1" -v l="$2" 'BEGIN { if (x < 0) x = -x; exit !(x < l) }'; }

# xp_chronyd NS NAME [CONFIG LINES...]: chronyd -x (never steers the shared clock) in NS, with
# a private command socket at $XP_TMP/NAME/chronyd.sock; remembered for cleanup.
xp_chronyd() {
	local ns=$1 name=$2 dir=$XP_TMP/$2
	shift 2
	mkdir -p "$dir" && chmod 700 "$dir"
	{
		printf '%s\n' "$@"
		echo "pidfile $dir/chronyd.pid"
		echo "bindcmdaddress $dir/chronyd.sock"
		echo "cmdport 0"
		echo "driftfile $dir/drift"
	} >"$dir/chrony.conf"
	xp_bg "$ns" "$dir/chronyd.log" chronyd -d -x -u root -f "$dir/chrony.conf"
	for _ in $(seq 50); do [ -S "$dir/chronyd.sock" ] && return 0; sleep 0.1; done
	cat "$dir/chronyd.log"
	return 1
}

# xp_chronyc NAME ARGS...: chronyc against the chronyd started as NAME
xp_chronyc() {
	local name=$1
	shift
	chronyc -n -h "$XP_TMP/$name/chronyd.sock" "$@"
}

# xp_chrony_local NAME: the chronyd started as NAME with "local stratum 1" calls itself
# synchronised (stratum 1) within 10 s, or the test fails
xp_chrony_local() {
	xp_until 10 xp_chrony_stratum1 "$1" || xp_fail "chronyd $1 did not call itself synchronised:" \
		"$(xp_chronyc "$1" tracking 2>&1 | head -3)"
}
xp_chrony_stratum1() { xp_chronyc "$1" tracking 2>/dev/null | grep -q "Stratum *: 1"; }

# A PostgreSQL 15 server of the test's own, as user postgres in a temporary directory: its Unix
# socket there, no TCP port unless LISTEN names an address (inside a test namespace, with NS).
# Stopped on every exit path. Sets XP_PG (the directory) and XP_PG_ADMIN (a superuser URI).
XP_PGBIN=/usr/lib/postgresql/15/bin
xp_pg_start() {
	local listen=${1:-} ns=${2:-} d
	[ -x "$XP_PGBIN/initdb" ] || { echo "PostgreSQL 15 missing ($XP_PGBIN)"; exit 77; }
	d=$(mktemp -d /tmp/xpool-pg.XXXXXX)
	XP_PGDIRS+=("$d")
	chown postgres: "$d"
	runuser -u postgres -- "$XP_PGBIN/initdb" -D "$d/data" -A trust -U postgres >"$d/initdb.log" 2>&1 ||
		xp_fail "initdb: $(tail -3 "$d/initdb.log")"
	[ -n "$listen" ] && echo "host all all 0.0.0.0/0 trust" >>"$d/data/pg_hba.conf"
	XP_PG=$d
	XP_PG_ADMIN="postgresql:///postgres?host=$d&user=postgres"
	XP_PG_LISTEN=$listen
	XP_PG_NS=$ns
	xp_pg_ctl start
}
# xp_pg_ctl start|stop|crash: the server of xp_pg_start (in its namespace, when it has one)
xp_pg_ctl() {
	local pre=()
	[ -n "${XP_PG_NS:-}" ] && pre=(ip netns exec "$XP_PG_NS")
	case $1 in
	start) "${pre[@]}" runuser -u postgres -- "$XP_PGBIN/pg_ctl" -D "$XP_PG/data" -l "$XP_PG/log" -w \
		-o "-k $XP_PG -c listen_addresses='${XP_PG_LISTEN:-}'" start >/dev/null ||
		xp_fail "PostgreSQL did not start: $(tail -5 "$XP_PG/log")" ;;
	stop) runuser -u postgres -- "$XP_PGBIN/pg_ctl" -D "$XP_PG/data" -m fast -w stop >/dev/null ;;
	crash) runuser -u postgres -- "$XP_PGBIN/pg_ctl" -D "$XP_PG/data" -m immediate -w stop >/dev/null ;;
	esac
}
# psql on the test's server: xp_psql [-U ROLE] [-d DB] ...
xp_psql() { psql -h "$XP_PG" -U postgres -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# xp_lighttpd NS ADDR DIR: a real web server (lighttpd) serving DIR at http://ADDR/ from NS,
# ready when it returns; XP_LAST_PID is its pid.
xp_lighttpd() {
	local ns=$1 addr=$2 dir=$3 conf=$XP_TMP/lighttpd-$2.conf
	mkdir -p "$XP_TMP/weblog-$addr" && chown www-data "$XP_TMP/weblog-$addr" # it logs as www-data
	chmod 755 "$XP_TMP" "$dir"
	cat >"$conf" <<CONF
server.document-root = "$dir"
server.bind = "$addr"
server.port = 80
server.errorlog = "$XP_TMP/weblog-$addr/err"
server.username = "www-data"
server.groupname = "www-data"
mimetype.assign = (".json" => "application/json", ".sig" => "text/plain")
CONF
	xp_bg "$ns" "$XP_TMP/lighttpd-$addr.log" lighttpd -D -f "$conf"
	for _ in $(seq 50); do
		xp_ns "$ns" curl -s -o /dev/null "http://$addr/" && return 0
		sleep 0.1
	done
	cat "$XP_TMP/lighttpd-$addr.log" "$XP_TMP/weblog-$addr/err"
	xp_fail "lighttpd did not start on $addr"
}

# xp_ref_rig: the veth rig ($S server, $C client) with a reference chronyd in the server
# ("local stratum 1", command socket $XP_TMP/ref/chronyd.sock) that calls itself synchronised
xp_ref_rig() {
	S=$XP_PREFIX-srv
	C=$XP_PREFIX-cli
	xp_rig "$S" "$C" || xp_fail "rig"
	xp_chronyd "$S" ref "local stratum 1" "port 0" || xp_fail "chronyd"
	xp_chrony_local ref
}
# xp_ntp_answered [ADDR]: an NTP reply of stratum 2 came back to the client
xp_ntp_answered() {
	xp_ns "$C" "$BUILD/xpool-ntp-probe" send "${1:-$SRV4}" --timeout 500 | grep -q "mode=4 stratum=2"
}

# xp_xdp_replies PIN: the replies counted so far by the XDP responder whose maps are at PIN
xp_xdp_replies() {
	"$BUILD/xpoolctl" ntp stats --pin-path "$1" 2>/dev/null |
		awk '$1 == "tx" && $2 == "reply" { print $3 }'
}
# xp_xdp_answered NS ADDR PIN: a request from NS to ADDR got a synchronised NTP reply (mode 4,
# LI 0-2, stratum 1-15, our origin echoed) and the XDP responder pinned at PIN counted a reply:
# it answered, not the kernel (ICMP port unreachable) nor anything else. XP_ANSWER: the reply.
xp_xdp_answered() {
	local before after
	XP_ANSWER="no responder maps pinned at $3"
	before=$(xp_xdp_replies "$3")
	[ -n "$before" ] || return 1
	XP_ANSWER=$(xp_ns "$1" "$BUILD/xpool-ntp-probe" send "$2" --timeout 1000 2>&1)
	echo "$XP_ANSWER" | grep -qE " li=[012] .* mode=4 stratum=([1-9]|1[0-5]) .* origin_ok=1 " || return 1
	after=$(xp_xdp_replies "$3")
	[ "${after:-0}" -gt "$before" ] || { XP_ANSWER+=" (not counted by the program at $3)"; return 1; }
}
# xp_answer_field NAME: a field of XP_ANSWER (offset_ns, delay_ns, stratum, ...)
xp_answer_field() { echo "$XP_ANSWER" | sed -n "s/.* $1=\([-0-9]*\).*/\1/p"; }
