#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# doc_check.sh - runs README.md's operator commands as printed, each host a network namespace
# with a private view of its own files, from nothing to a client synchronised through the pool.
#
# Markers. An HTML comment just before a fenced block says what to do with it; every fenced
# block of README.md has one, so nothing escapes silently:
#   <!-- doc-check host=KIND[,KIND...] -->     run the block (bash -e) on every host of each KIND
#   <!-- doc-check host=KIND each=KIND2 -->    ... once for every host of KIND2, with its values
#   <!-- doc-check host=KIND wait=SECONDS -->  ... retried until it succeeds within SECONDS
#   <!-- doc-check host=KIND daemon -->        the block is one long-running command: started in
#                                              the background, ready at its sd_notify READY=1,
#                                              stopped on exit
#   <!-- doc-check host=KIND file=PATH -->     the block is the content of PATH (0644 root)
#   <!-- doc-check copy=KIND:PATH to=KIND2:PATH -->   (no block) a copy the README says in words
#   <!-- doc-check skip: REASON -->            not run, for the reason given
# Host kinds: lab (the single-host section), ntp (ntp1, ntp2), registry, monitor (fra1, ams1,
# in /24s of their own), dns (dns1, dns2), client.
#
# Substitutions: only the rows of the README's table "In the examples | Replace with", each
# placeholder replaced where it stands as a whole word, by this host's value (VAL, below). A
# row without a value here, or a value here without a row, fails the check.
# Time scale (the one change to what the README says, documented here): in blocks, "interval 60"
# becomes "interval 1" and "snapshot-poll 60" "snapshot-poll 1"; cron's "* * * * *" runs every
# 2 s (the first run at once, as if the minute had just turned).
#
# What packages and the environment do, the harness does (and says where): `make install` into
# every host's view (/usr/sbin, /usr/bin, /var/lib/xpool), the postinst of postgresql
# (pg_createcluster 15 main --start) and lighttpd (started as its unit does), chronyd on every
# host (with -x, as every test chronyd here: the clock is shared) following an upstream with
# "local stratum 1" (standing for GPS or the Internet's servers), cron, /etc/hosts standing for
# DNS names, and the client's resolv.conf standing for the pool zone's delegation. The static
# check: every xpool command line in README.md (fenced or inline) uses only flags its --help
# lists, and every `man PAGE` exists.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
README=${README:-README.md}
XP_TEST=${XP_TEST:-doc-check}

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, mounts, XDP)"; exit 77; }
for c in lighttpd chronyd psql pg_createcluster openssl unshare nsenter socat curl; do
	command -v $c >/dev/null || xp_fail "$c missing (make deps)"
done

# one doc-check at a time on a machine: each makes, and at its end removes, the user xpool
exec 9>/run/lock/xpool-doc-check.lock && flock -w 900 9 || xp_fail "another doc-check holds the lock"

doc_fail() { # doc_fail LINE MESSAGE: the README line and what went wrong, the daemons' last words
	local f
	for f in "$LOGS"/daemon-* "$LOGS"/cron-*; do
		[ -s "$f" ] && { echo "  --- ${f##*/}"; tail -n 4 "$f" | sed 's/^/    /'; }
	done
	if [ -d "$ROOTS/reg/var/lib/postgresql/15" ]; then
		echo "  --- the registry's servers and monitors"
		hrun reg runuser -u xpool -- xpoolctl --db postgresql:///pool server list 2>&1 | sed 's/^/    /'
		hrun reg runuser -u xpool -- xpoolctl --db postgresql:///pool monitor list 2>&1 | sed 's/^/    /'
	fi
	xp_log "FAIL: README.md:$1: $2"
	exit 1
}

# ---- the static check: flags and man pages -------------------------------------------------
out=$(python3 tests/doc/doc_extract.py flags "$README" "$BUILD") || {
	echo "$out"
	xp_fail "README.md names flags or pages that do not exist"
}
xp_log "every xpool command line in $README uses flags its binary has"

# ---- the steps and the substitution table ----------------------------------------------------
STEPS=$XP_TMP/steps
mkdir -p "$STEPS"
nsteps=$(python3 tests/doc/doc_extract.py steps "$README" "$STEPS") || xp_fail "README markers"
mapfile -t ROWS < <(python3 tests/doc/doc_extract.py subst "$README" | cut -f1)
[ ${#ROWS[@]} -gt 0 ] || xp_fail "no substitution table in $README"

# the hosts: kind, name, address (global unicast: the registry takes no test address unless
# the README says the pool is a test pool; the bridge leads nowhere else)
NET=11.19
UP=$NET.0.1
declare -A ADDR KIND
KINDS="lab ntp registry monitor dns client"
HOSTS_lab="lab" HOSTS_ntp="ntp1 ntp2" HOSTS_registry="reg" HOSTS_monitor="fra1 ams1"
HOSTS_dns="dns1 dns2" HOSTS_client="cli"
ADDR=([lab]=$NET.9.9 [ntp1]=$NET.2.11 [ntp2]=$NET.2.12 [reg]=$NET.1.5 [fra1]=$NET.5.20
	[ams1]=$NET.6.20 [dns1]=$NET.3.53 [dns2]=$NET.4.53 [cli]=$NET.8.100)
for k in $KINDS; do for h in $(eval echo "\$HOSTS_$k"); do KIND[$h]=$k; done; done
REGNAME=registry.doc.test
ZONE=pool.doc.test
# the values: "placeholder=value" per host, then for all (VAL_all)
declare -A VAL
VAL[all]="registry.example.org=$REGNAME pool.example.org=$ZONE alice@example.org=volunteer@doc.test"
VAL[all]+=" dns1.example.org=dns1.doc.test dns2.example.org=dns2.doc.test"
VAL[lab]="203.0.113.1=${ADDR[ntp1]}"
VAL[ntp1]="203.0.113.1=${ADDR[ntp1]} eth0=eth0"
VAL[ntp2]="203.0.113.1=${ADDR[ntp2]} eth0=eth0"
VAL[fra1]="fra1=fra1 198.51.100.20=${ADDR[fra1]} monitor-password=pw-fra1-$RANDOM$RANDOM"
VAL[ams1]="fra1=ams1 198.51.100.20=${ADDR[ams1]} monitor-password=pw-ams1-$RANDOM$RANDOM"
VAL[dns1]="198.51.100.53=${ADDR[dns1]}"
VAL[dns2]="198.51.100.53=${ADDR[dns2]}"
# every row has a value somewhere, every value a row
for r in "${ROWS[@]}"; do
	echo " ${VAL[*]} " | grep -qF " $r=" || xp_fail "README's substitution '$r' has no test value here"
done
for v in ${VAL[*]}; do
	printf '%s\n' "${ROWS[@]}" | grep -qxF "${v%%=*}" ||
		xp_fail "'${v%%=*}' is replaced here but not in README's substitution table"
done

# subst_file HOST [EACHHOST] < BODY > OUT: the table's substitutions with the hosts' values
# (EACHHOST's first), then the time scale
subst_file() {
	local pairs="${VAL[${2:-none}]:-} ${VAL[$1]:-} ${VAL[all]}"
	SUBST_PAIRS="$pairs" SUBST_ROWS="$(printf '%s\n' "${ROWS[@]}")" perl -e '
		my %v; for (reverse split " ", $ENV{SUBST_PAIRS}) { my ($k, $x) = split /=/, $_, 2; $v{$k} = $x }
		my @rows = sort { length($b) <=> length($a) } grep { exists $v{$_} } split /\n/, $ENV{SUBST_ROWS};
		my $alt = join "|", map { quotemeta } @rows;
		while (<STDIN>) {
			s/(?<![A-Za-z0-9])($alt)(?![A-Za-z0-9])(?!\.[A-Za-z0-9])/$v{$1}/g if @rows;
			s/^(\s*)interval 60\b/${1}interval 1/; s/^(\s*)snapshot-poll 60\b/${1}snapshot-poll 1/;
			print }'
}

# ---- the network: every host on one bridge, in 11.19.0.0/16 ------------------------------------
. tests/doc/doc_hosts.sh

# ---- the steps, in the README's order -------------------------------------------------------
t_start=$(date +%s)
for meta in "$STEPS"/*.meta; do
	body=${meta%.meta}.body
	unset M
	declare -A M=()
	while IFS='=' read -r k v; do M[$k]=$v; done <"$meta"
	line=${M[line]}
	if [ -n "${M[copy]:-}" ]; then
		step_copy "$line" "${M[copy]}" "${M[to]}"
		continue
	fi
	for kind in ${M[host]//,/ }; do
		hosts=$(eval echo "\${HOSTS_$kind:-}")
		[ -n "$hosts" ] || doc_fail "$line" "unknown host kind '$kind'"
		for h in $hosts; do
			eaches=none
			[ -n "${M[each]:-}" ] && eaches=$(eval echo "\${HOSTS_${M[each]}:-}")
			[ -n "$eaches" ] || doc_fail "$line" "unknown host kind '${M[each]}'"
			for e in $eaches; do
				subst_file "$h" "$e" <"$body" >"$body.$h.$e"
				if [ -n "${M[file]:-}" ]; then
					step_file "$line" "$h" "${M[file]}" "$body.$h.$e"
				elif [ -n "${M[daemon]:-}" ]; then
					step_daemon "$line" "$h" "$body.$h.$e"
				else
					step_run "$line" "$h" "$body.$h.$e" "${M[wait]:-0}"
				fi
			done
		done
	done
done
xp_log "$nsteps marked steps of $README ran as printed in $(($(date +%s) - t_start)) s"

# ---- what the steps should have made: a client synchronised through the pool -----------------
ref=$(hrun cli chronyc -n tracking | sed -n 's/^Reference ID *: [0-9A-F]* (\(.*\))$/\1/p')
case " ${ADDR[ntp1]} ${ADDR[ntp2]} " in
*" $ref "*) ;;
*) xp_fail "the client follows '$ref', not one of the pool's servers ($(hrun cli chronyc -n tracking | head -3))" ;;
esac
for h in dns1 dns2; do
	got=$(hrun cli kdig @"${ADDR[$h]}" "$ZONE" A +short +timeout=1 | sort | tr '\n' ' ')
	[ "$got" = "${ADDR[ntp1]} ${ADDR[ntp2]} " ] || xp_fail "$h answers '$got' for $ZONE"
	# the zone's own NS records match the delegation (the README's ns lines)
	got=$(hrun cli kdig @"${ADDR[$h]}" "$ZONE" NS +short +timeout=1 | sort | tr '\n' ' ')
	[ "$got" = "dns1.doc.test. dns2.doc.test. " ] || xp_fail "$h's NS records for $ZONE: '$got'"
done
for h in fra1 ams1; do
	grep -qi "sslmode\|verify-full" "$XP_TMP/root/$h/etc/xpool/monitor.conf" ||
		xp_fail "$h's registry connection is not TLS"
done
n=$(hrun reg runuser -u postgres -- psql -d pool -XAtc \
	"SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND usename LIKE 'xpool_mon_%'")
[ "${n:-0}" -ge 2 ] || xp_fail "the monitors are not connected over TLS ($n sessions)"
xp_log "client follows $ref; both DNS hosts answer ${ADDR[ntp1]} ${ADDR[ntp2]}; $n monitor sessions over TLS"
xp_log "PASS"
