# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# doc_hosts.sh - the hosts of tests/doc/doc_check.sh: a network namespace each on one bridge,
# a private view of the host's own files, what packages and systemd would start, and the steps.
# Sourced by doc_check.sh after tests/integration/lib.sh.

# a host's own directories and files, bound over the real paths in its mount namespace
HOST_DIRS="etc/xpool etc/postgresql etc/chrony etc/cron.d var/lib/xpool var/lib/postgresql
	var/lib/chrony var/log var/www var/cache/lighttpd run"
HOST_FILES="etc/hosts etc/resolv.conf"
INST=$XP_TMP/inst
ROOTS=$XP_TMP/root
LOGS=$XP_TMP/log
STEP_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
MADE_DIRS=()
MADE_USER=
mkdir -p "$ROOTS" "$LOGS"

doc_cleanup() {
	local ns pid pids
	# everything a step started lives in a host's namespace: stop it there
	for ns in "${XP_NETNS[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	for _ in $(seq 50); do
		pids=
		for ns in "${XP_NETNS[@]}"; do pids+=$(ip netns pids "$ns" 2>/dev/null); done
		[ -z "$pids" ] && break
		sleep 0.1
	done
	for ns in "${XP_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
	done
	xp_cleanup
	for d in "${MADE_DIRS[@]}"; do rmdir "$d" 2>/dev/null; done
	[ -n "$MADE_USER" ] && { userdel xpool 2>/dev/null; groupdel xpool 2>/dev/null; }
	return 0
}
trap doc_cleanup EXIT

# hrun HOST CMD...: CMD in HOST's network namespace and in a mount namespace of its own, where
# HOST's directories stand at the real paths, its bpffs directory at /sys/fs/bpf (a directory
# of the host's bpffs: pins outlive the command, unlike under ip netns exec), and make install's
# files in /usr/sbin, /usr/bin and /usr/share (the GeoIP database, the man pages)
hrun() {
	local h=$1
	shift
	nsenter --net=/run/netns/"$XP_PREFIX-$h" unshare --mount --propagation private -- \
		bash "$XP_TMP/enter.sh" "$h" "$@" 9>&-
}
cat >"$XP_TMP/enter.sh" <<EOF
h=\$1
shift
r=$ROOTS/\$h
for d in $(echo $HOST_DIRS) $HOST_FILES; do mount --bind "\$r/\$d" "/\$d" || exit 125; done
mount --bind /sys/fs/bpf/$XP_PREFIX-\$h /sys/fs/bpf || exit 125
mount -t overlay overlay -o lowerdir=$INST/usr/sbin:/usr/sbin /usr/sbin || exit 125
mount -t overlay overlay -o lowerdir=$INST/usr/bin:/usr/bin /usr/bin || exit 125
mount -t overlay overlay -o lowerdir=$INST/usr/share:/usr/share /usr/share || exit 125
exec "\$@"
EOF

# `make install` (the README's way to the installed names), into each host's view below
make -s --no-print-directory install DESTDIR="$INST" BUILD="$BUILD" >"$LOGS/install.log" 2>&1 ||
	xp_fail "make install: $(tail -5 "$LOGS/install.log")"
for d in $HOST_DIRS $HOST_FILES; do
	[ -e "/$d" ] && continue
	case $d in etc/xpool | var/lib/xpool) mkdir "/$d" && MADE_DIRS+=("/$d") ;; *) xp_fail "/$d missing" ;; esac
done
id xpool >/dev/null 2>&1 || MADE_USER=1 # the README's adduser makes it; removed at exit then

ip netns add "$XP_PREFIX-lan" && XP_NETNS+=("$XP_PREFIX-lan") || xp_fail "netns"
ip -n "$XP_PREFIX-lan" link add br0 type bridge && ip -n "$XP_PREFIX-lan" link set br0 up
n=0
for h in up "${!ADDR[@]}"; do
	a=${ADDR[$h]:-$UP}
	ns=$XP_PREFIX-$h
	n=$((n + 1))
	ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns $h"
	ip link add eth0 netns "$ns" type veth peer name "p$n" netns "$XP_PREFIX-lan" || xp_fail "veth $h"
	ip -n "$XP_PREFIX-lan" link set "p$n" master br0 up
	# on veth, XDP_TX from a server reaches its peer only if the peer has an XDP program (a
	# NIC needs none): the bridge ports stand for the switch
	ip -n "$XP_PREFIX-lan" link set dev "p$n" xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp &&
		ip -n "$ns" addr add "$a/16" dev eth0 && ip -n "$ns" link set eth0 up &&
		ip -n "$ns" link set lo up || xp_fail "host $h"
	[ "$h" = up ] && continue
	r=$ROOTS/$h
	for d in $HOST_DIRS; do mkdir -p "$r/$d"; done
	mkdir -p "$r/etc/chrony/sources.d" "$r/var/www/html" "$r/var/log/lighttpd" \
		"$r/var/cache/lighttpd/uploads" "$r/var/log/postgresql" "$r/run/postgresql" "/sys/fs/bpf/$ns"
	# as tmpfiles.d and the packages make them
	chown postgres:postgres "$r/run/postgresql" "$r/var/lib/postgresql" "$r/var/log/postgresql"
	chmod 2775 "$r/run/postgresql"
	chown www-data:www-data "$r/var/log/lighttpd" "$r/var/cache/lighttpd/uploads"
	chmod 755 "$r/var/www" "$r/var/www/html"
	# what make install puts in /var/lib/xpool (nothing today: the GeoIP database is in
	# /usr/share/xpool), in this host's view
	[ -d "$INST/var/lib/xpool" ] && cp -a "$INST/var/lib/xpool/." "$r/var/lib/xpool/"
	# /etc/hosts stands for DNS: the registry's name; the client's resolver asks the DNS hosts,
	# as the delegation of the pool's zone would send it there
	printf '127.0.0.1 localhost\n%s %s\n%s %s\n' "${ADDR[reg]}" "$REGNAME" "$a" "$h" >"$r/etc/hosts"
	if [ "$h" = cli ]; then
		printf 'nameserver %s\nnameserver %s\noptions timeout:1 attempts:2\n' \
			"${ADDR[dns1]}" "${ADDR[dns2]}" >"$r/etc/resolv.conf"
	else
		printf 'options timeout:1\n' >"$r/etc/resolv.conf"
	fi
	# chronyd as Debian's unit starts it, -x (all namespaces share one clock), following the
	# upstream (a stand-in for GPS or the Internet's servers); the client has no source yet
	{
		[ "$h" = cli ] || echo "server $UP iburst minpoll -2 maxpoll -2"
		[ "${KIND[$h]}" = ntp ] && echo "allow all"
		echo "sourcedir /etc/chrony/sources.d"
		echo "driftfile /var/lib/chrony/chrony.drift"
		echo "makestep 1 3"
	} >"$r/etc/chrony/chrony.conf"
done
xp_chronyd "$XP_PREFIX-up" up "local stratum 1" "allow all" || xp_fail "upstream chronyd"
xp_chrony_local up
for h in "${!ADDR[@]}"; do
	hrun "$h" chronyd -x -n -f /etc/chrony/chrony.conf >"$LOGS/chronyd-$h.log" 2>&1 &
	XP_PIDS+=($!)
done
for h in "${!ADDR[@]}"; do
	[ "$h" = cli ] && continue
	hrun "$h" chronyc -n waitsync 100 0 0 0.2 >/dev/null ||
		xp_fail "$h: chronyd not synchronised: $(cat "$LOGS/chronyd-$h.log")"
done
# the registry's packages: postgresql's postinst makes and starts the cluster 15 main; lighttpd
# starts as its unit does (a check, then the server in the foreground)
hrun reg pg_createcluster 15 main --start >"$LOGS/pg_createcluster.log" 2>&1 ||
	xp_fail "pg_createcluster: $(cat "$LOGS/pg_createcluster.log")"
hrun reg lighttpd -tt -f /etc/lighttpd/lighttpd.conf >"$LOGS/lighttpd.log" 2>&1 ||
	xp_fail "lighttpd -tt: $(cat "$LOGS/lighttpd.log")"
hrun reg lighttpd -D -f /etc/lighttpd/lighttpd.conf >>"$LOGS/lighttpd.log" 2>&1 &
XP_PIDS+=($!)
xp_until 10 hrun reg curl -s -o /dev/null "http://$REGNAME/" || xp_fail "lighttpd: $(cat "$LOGS/lighttpd.log")"
xp_log "hosts: ${!ADDR[*]} on one bridge, chronyd synchronised, PostgreSQL 15 main and lighttpd on reg"

# step_run LINE HOST FILE WAIT: the block as a bash -e script, as root in /root; retried for
# WAIT seconds when WAIT > 0
step_run() {
	local line=$1 h=$2 f=$3 wait=$4 log=$LOGS/step-$1-$2.log end
	end=$(($(date +%s) + wait))
	while :; do
		hrun "$h" env -i PATH=$STEP_PATH HOME=/root LANG=C.UTF-8 \
			bash -c 'cd /root && exec bash -e -o pipefail "$0"' "$f" >"$log" 2>&1 && break
		[ "$(date +%s)" -lt "$end" ] || {
			sed 's/^/    /' "$log" | tail -n 20
			doc_fail "$line" "on $h: $(head -c 300 "$f" | head -n 3 | tr '\n' ';')... failed"
		}
		sleep 1
	done
	xp_log "README.md:$line on $h: ran"
}

# step_file LINE HOST PATH FILE: the block written to PATH (0644 root); a cron.d file also gets
# its first run at once (it must succeed) and then one every 2 s (the time scale)
step_file() {
	local line=$1 h=$2 path=$3
	hrun "$h" sh -c 'umask 022 && cat >"$1"' - "$path" <"$4" || doc_fail "$line" "cannot write $path on $h"
	xp_log "README.md:$line on $h: wrote $path"
	case $path in
	/etc/cron.d/*)
		cron_run "$h" "$path" || doc_fail "$line" "the cron job failed: $(tail -n 5 "$LOGS/cron-$h.log")"
		(while sleep 2; do cron_run "$h" "$path"; done) &
		XP_PIDS+=($!)
		;;
	esac
}
# cron_run HOST PATH: each "* * * * * USER COMMAND" line of PATH, as cron runs it: sh -c as USER
# in USER's home, with cron's PATH, HOME, LOGNAME and SHELL
cron_run() {
	local m hr dom mon dow user cmd home rc=0
	while read -r m hr dom mon dow user cmd; do
		case $m in '#'* | '' | *=*) continue ;; esac
		home=$(getent passwd "$user" | cut -d: -f6)
		hrun "$1" runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="$home" LOGNAME="$user" \
			SHELL=/bin/sh sh -c "cd && $cmd" >>"$LOGS/cron-$1.log" 2>&1 || rc=1
	done <"$ROOTS/$1$2"
	return $rc
}

# step_daemon LINE HOST FILE: the block's one command in the background, as its unit would run
# it (Type=notify): ready at READY=1 within 60 s, or the check fails with its log (a daemon that
# exits first fails it: no restart hides a start that did not work as printed)
step_daemon() {
	local line=$1 h=$2 cmd sock log=$LOGS/daemon-$1-$2.log pid
	cmd=$(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$3" | sed -e 's/[[:space:]]#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]*$//')
	[ "$(echo "$cmd" | wc -l)" -eq 1 ] || doc_fail "$line" "a daemon block holds one command"
	sock=$XP_TMP/notify-$line-$h.sock
	socat -u UNIX-RECV:"$sock" - >"$sock.raw" &
	XP_PIDS+=($!)
	xp_until 5 test -S "$sock" || xp_fail "socat made no notify socket"
	# a daemon that runs as xpool (setpriv, as its unit) reaches it as under systemd
	chmod 711 "$XP_TMP" && chmod 666 "$sock"
	hrun "$h" env -i PATH=$STEP_PATH HOME=/root LANG=C.UTF-8 NOTIFY_SOCKET="$sock" \
		bash -c "cd /root && exec $cmd" >>"$log" 2>&1 &
	pid=$!
	XP_PIDS+=($pid)
	xp_until 60 daemon_ready "$sock" "$pid"
	grep -q READY=1 "$sock.raw" && { xp_log "README.md:$line on $h: $cmd ready"; return 0; }
	sed 's/^/    /' "$log" | tail -n 20
	doc_fail "$line" "on $h: '$cmd' $(xp_gone "$pid" && echo exited || echo "said no READY=1 in 60 s")"
}
daemon_ready() { grep -q READY=1 "$1.raw" || xp_gone "$2"; }

# step_copy LINE KIND:PATH KIND2:PATH2: PATH of the (one) KIND host to PATH2 on every KIND2 host,
# as scp would leave it (root, the mode of the source)
step_copy() {
	local line=$1 src=${2%%:*} spath=${2#*:} dst=${3%%:*} dpath=${3#*:} sh dh mode
	sh=$(eval echo "\${HOSTS_$src:-}")
	[ "$(echo $sh | wc -w)" -eq 1 ] || doc_fail "$line" "copy from '$src': not one host"
	mode=$(hrun "$sh" stat -c %a "$spath") || doc_fail "$line" "copy: no $spath on $sh"
	for dh in $(eval echo "\${HOSTS_$dst:-}"); do
		hrun "$sh" cat "$spath" | hrun "$dh" sh -c 'cat >"$1" && chmod "$2" "$1"' - "$dpath" "$mode" ||
			doc_fail "$line" "copy $spath to $dh:$dpath failed"
		xp_log "README.md:$line: copied $sh:$spath to $dh:$dpath"
	done
}
