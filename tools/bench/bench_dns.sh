#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench_dns.sh - xpool-dns against NSD, Knot and gdnsd: one worker each, pinned to CPU 0, the same
# query file from dnsperf over loopback (CPU 1) and from kxdpgun over veth; then xpool-dns through
# AF_XDP against Knot in its XDP mode. The peers serve static RRsets, and (-geo rows) the same pool
# with GeoIP and weighted answers from the same snapshot and database: gdnsd's geoip and weighted
# plugins, Knot's mod-geoip (tools/bench/dns_geo_peers.py says what each does and does not do).
cd "$(dirname "$0")/../.." || exit 1
XP_TEST=bench-dns
XP_PREFIX=xpdns$$
. tests/integration/lib.sh
. tools/bench/proc_cpu.sh
OUT=build/bench
D=build/bench/dns
SECS=${SECS:-10}
[ "$(id -u)" -eq 0 ] || xp_fail "run as root"
tools/bench/dns_data.sh $D
# one GeoIP database for xpool-dns and the geo peers: the test one, which locates the bench's
# client addresses (198.18.0.0/16: DE, US, BR, and a part it does not locate)
GEO=$BUILD/tests/geo-test.mmdb
CLIENTS=198.18.0.0/16
xp_need_built "$GEO"
python3 tools/bench/dns_geo_peers.py $D/snapshot.json tests/data/geo-test.csv "$GEO" $CLIENTS $D ||
	xp_fail "dns_geo_peers.py"
# dnsperf asks from the first probe address (a located one)
read -r DNSPERF_SRC DNSPERF_CC _ <$D/geo-expect.txt

# the peers serve every name of the query file as static RRsets of 8 A and 4 AAAA
{
	printf '$ORIGIN pool.ntp.test.\n$TTL 150\n'
	printf '@ IN SOA ns1 hostmaster 1 3600 600 1209600 60\n@ IN NS ns1\nns1 IN A 192.0.2.53\n'
	for name in @ $(awk '{ print $1 }' $D/queries.txt | grep -v nonexistent | sort -u |
		sed -e 's/\.pool\.ntp\.test$//' -e 's/^pool\.ntp\.test$//' | grep .); do
		for i in 1 2 3 4 5 6 7 8; do echo "$name IN A 10.99.0.$i"; done
		for i in 1 2 3 4; do echo "$name IN AAAA 2001:db8:99::$i"; done
	done
} >$D/pool.ntp.test.zone

S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
xp_rig "$S" "$C" || xp_fail "rig"
ip -n "$S" link set dev vs xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp
ip -n "$C" link set dev vc xdp off
ip -n "$S" link set lo up
# kxdpgun sends from all of $CLIENTS: the server's replies go back over vs; the probe addresses
# (and dnsperf's) are the server's own, on lo
ip -n "$S" route add $CLIENTS via $CLI4 dev vs || xp_fail "route to $CLIENTS"
while read -r addr _; do
	ip -n "$S" addr add "$addr/32" dev lo || xp_fail "address $addr"
done <$D/geo-expect.txt

start() { # start NAME: one worker thread on CPU 0, listening on 127.0.0.1:53 and $SRV4:53
	local d=$XP_TMP/$1
	mkdir -p "$d"
	cp $D/pool.ntp.test.zone "$d/"
	# the XDP rows bring their own program to vs; the others get the pass-through one
	ip -n "$S" link set dev vs xdp off
	case $1 in *-xdp) ;; *) ip -n "$S" link set dev vs xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp ;; esac
	case $1 in
	xpool-dns | xpool-dns-xdp)
		xp_daemon "$S" "$d/log" taskset -c 0 "$BUILD/xpool-dns" -l 127.0.0.1 -l $SRV4 \
			--zone pool.ntp.test --threads 1 --snapshot $D/snapshot.json --tcp-max-conns 16 \
			--geoip "$GEO" --test-addresses $([ "$1" = xpool-dns-xdp ] && echo --xdp vs)
		;;
	nsd)
		cat >"$d/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1
  ip-address: $SRV4
  server-count: 1
  username: ""
  zonesdir: "$d"
  database: ""
  pidfile: "$d/nsd.pid"
  xfrdfile: "$d/xfrd.state"
  zonelistfile: "$d/zone.list"
  rrl-ratelimit: 0
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: pool.ntp.test
  zonefile: pool.ntp.test.zone
CONF
		xp_daemon "$S" "$d/log" taskset -c 0 nsd -d -c "$d/nsd.conf"
		;;
	knot | knot-xdp | knot-geo | knot-geo-xdp)
		# geo: the zone's default RRsets; mod-geoip answers located clients from their
		# country (geodb), the others from weighted sets (weighted), in that order
		case $1 in knot-geo*) cp $D/knot.zone "$d/pool.ntp.test.zone" ;; esac
		cat >"$d/knot.conf" <<CONF
server:
  listen: [ 127.0.0.1@53, $SRV4@53 ]
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
  rundir: "$d"
$(case $1 in *-xdp) printf 'xdp:\n  listen: vs\n  udp: on\n' ;; esac)
database:
  storage: "$d"
$(case $1 in knot-geo*) cat <<GEOCONF
mod-geoip:
  - id: geo
    config-file: "$PWD/$D/knot-geodb.yaml"
    ttl: 150
    mode: geodb
    geodb-file: "$PWD/$GEO"
    geodb-key: [ continent/code, country/iso_code ]
  - id: weighted
    config-file: "$PWD/$D/knot-weighted.yaml"
    ttl: 150
    mode: weighted
GEOCONF
;; esac)
template:
  - id: default
    storage: "$d"
    semantic-checks: off
zone:
  - domain: pool.ntp.test
    file: pool.ntp.test.zone
$(case $1 in knot-geo*) echo "    module: [ mod-geoip/geo, mod-geoip/weighted ]" ;; esac)
CONF
		xp_daemon "$S" "$d/log" taskset -c 0 knotd -c "$d/knot.conf"
		;;
	gdnsd | gdnsd-geo)
		mkdir -p "$d/zones" "$d/run" "$d/state"
		cp $D/pool.ntp.test.zone "$d/zones/pool.ntp.test"
		cat >"$d/config" <<CONF
options => {
  listen => [ 127.0.0.1, $SRV4 ]
  udp_threads => 1
  tcp_threads => 1
  run_dir => $d/run
  state_dir => $d/state
}
CONF
		# geo: DYNA records into the geoip plugin (apex, N.) and the weighted one
		if [ "$1" = gdnsd-geo ]; then
			cp $D/gdnsd.zone "$d/zones/pool.ntp.test"
			cat $D/gdnsd-plugins.conf >>"$d/config"
		fi
		xp_daemon "$S" "$d/log" taskset -c 0 gdnsd -c "$d" start
		;;
	esac
	# ready: it answers; an XDP row also has its program on vs (the kernel path answers the
	# same query without it)
	xp_until 30 answers || { cat "$d/log"; xp_fail "$1 did not answer"; }
	case $1 in *-xdp) xp_until 30 has_xdp || { cat "$d/log"; xp_fail "$1: no XDP program on vs"; } ;; esac
}
answers() { xp_ns "$S" kdig @127.0.0.1 pool.ntp.test A +short +timeout=1 +retry=0 2>/dev/null | grep -q .; }

# geo_check NAME: a geo server answers each probe address's apex from the zone the three agree
# on (its country's servers, or the global zone's where the database does not locate it)
geo_check() {
	local addr cc want got a i
	while read -r addr cc want; do
		for i in 1 2 3 4; do
			got=$(xp_ns "$S" kdig @127.0.0.1 -b "$addr" pool.ntp.test A +short +timeout=1 +retry=2)
			[ -n "$got" ] || xp_fail "$1: no answer to $addr ($cc)"
			for a in $got; do
				case " $want " in
				*" $a "*) ;;
				*) xp_fail "$1: $addr ($cc) got $a, not a server of its zone" ;;
				esac
			done
		done
	done <$D/geo-expect.txt
	GEO_CHECKED+=" $1"
}
GEO_CHECKED=
has_xdp() { ip -n "$S" link show vs | grep -q "prog/xdp"; }

stop() {
	xp_stop "$XP_LAST_PID"
	sleep 0.3
}

{
	echo "kernel: $(uname -r); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); cores: $(nproc)"
	echo "each server: one worker thread pinned to CPU 0; xpool-dns does geo and weighted 4-of-N"
	echo "picks over 1,000 servers in 50 countries; gdnsd, knot, nsd serve static RRsets of 8 A + 4"
	echo "AAAA; the -geo rows answer from the same snapshot and GeoIP database as xpool-dns:"
	echo "gdnsd-geo one weighted set of 4 per answer (geoip -> weighted plugins, at most 64 sets),"
	echo "knot-geo one fixed set of 4 per located country (mod-geoip geodb) and weighted sets of 4"
	echo "for the rest (mod-geoip weighted); see tools/bench/dns_geo_peers.py."
	echo "the same $(wc -l <$D/queries.txt) queries (A/AAAA over pool names, 5% nonexistent); dnsperf"
	echo "from $DNSPERF_SRC ($DNSPERF_CC), kxdpgun from $CLIENTS ($(cat $D/geo-clients.txt))."
	echo "kxdpgun on CPU 1 over veth for 5 s; 'offered' is what it sent. A row whose generator did not"
	echo "offer 1.5 x what the server answered is generator-bound: its qps is a lower bound (>=), and"
	echo "servers are compared by the CPU time of their process per answer (utime + stime / answers;"
	echo "on veth the receiving XDP program runs in softirq on the sender's CPU, outside both)."
	echo "The rows run one after another: a row that ended with a 1-min load average above cores + 1"
	echo "says busy (other work ran beside it); its figures, and the ratios with it, are noisy."
	printf '%-14s %11s %6s %8s %8s %11s %11s %9s %s\n' server dnsperf_qps lost% avg_ms p99_ms \
		offered kxdpgun_qps us/answer note
} | tee $OUT/dns.txt
echo "server,dnsperf_qps,lost_pct,avg_ms,p99_ms,offered_qps,kxdpgun_qps,us_per_answer,generator_bound,load1" >$OUT/dns.csv
declare -A QPS KQPS CPUA BOUND
for server in xpool-dns gdnsd knot nsd gdnsd-geo knot-geo xpool-dns-xdp knot-xdp knot-geo-xdp; do
	start $server
	case $server in xpool-dns* | *-geo*) geo_check $server ;; esac
	qps=0 lost=- avg=0 p99=0
	case $server in
	*-xdp) ;; # loopback does not go through XDP: dnsperf would measure the socket path again
	*)
		xp_ns "$S" taskset -c 1 dnsperf -s 127.0.0.1 -a $DNSPERF_SRC -d $D/queries.txt -l "$SECS" -c 8 -q 500 \
			>"$XP_TMP/perf-$server" 2>&1
		qps=$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$XP_TMP/perf-$server")
		lost=$(sed -n 's/.*Queries lost: *[0-9]* (\([0-9.]*\)%).*/\1/p' "$XP_TMP/perf-$server")
		avg=$(sed -n 's/.*Average Latency (s): *\([0-9.]*\).*/\1/p' "$XP_TMP/perf-$server")
		# p99 at half the measured throughput: every response's latency (-v), sorted
		xp_ns "$S" taskset -c 1 dnsperf -s 127.0.0.1 -a $DNSPERF_SRC -d $D/queries.txt -l 2 -c 8 -q 200 \
			-Q "$(awk -v q="$qps" 'BEGIN { printf "%d", q / 2 }')" -v 2>/dev/null |
			awk '$1 == ">" { print $NF }' | sort -g >"$XP_TMP/lat-$server"
		n=$(wc -l <"$XP_TMP/lat-$server")
		p99=$(sed -n "$((n * 99 / 100 + 1))p" "$XP_TMP/lat-$server")
		;;
	esac
	# kxdpgun from the client namespace over veth, as fast as it goes, for 5 s; the server
	# process's CPU time over the same 5 s
	xp_ns "$C" kdig @$SRV4 pool.ntp.test A +short >/dev/null 2>&1 # neighbour entry
	t0=$(proc_cpu_ticks $XP_LAST_PID)
	xp_ns "$C" taskset -c 1 kxdpgun -t 5 -Q 2000000 -i $D/queries.txt -I vc -F 1 -l $CLIENTS $SRV4 \
		>"$XP_TMP/kxdp-$server" 2>&1
	t1=$(proc_cpu_ticks $XP_LAST_PID)
	sent=$(awk '/total queries/ { print $3; exit }' "$XP_TMP/kxdp-$server")
	got=$(awk '/total replies/ { print $3; exit }' "$XP_TMP/kxdp-$server")
	kqps=$(awk -v n="${got:-0}" 'BEGIN { print n / 5 }')
	offered=$(awk -v n="${sent:-0}" 'BEGIN { print n / 5 }')
	# a peer that answered never reads 0 us per answer: n/a (why) instead
	cpua=$(proc_us_per_answer $((t1 - t0)) "${got:-0}")
	bound=$(awk -v o="$offered" -v a="$kqps" 'BEGIN { print (o < 1.5 * a) ? 1 : 0 }')
	# others' work on the machine: the server and its generator count 2 of the load average
	load=$(cut -d' ' -f1 /proc/loadavg)
	busy=$(awk -v l="$load" -v n="$(nproc)" 'BEGIN { if (l > n + 1) printf "busy (load %s)", l }')
	QPS[$server]=${qps:-0}
	KQPS[$server]=$kqps
	CPUA[$server]=$cpua
	BOUND[$server]=$bound
	printf '%-14s %11.0f %6s %8.3f %8.3f %11.0f %11s %9s %s\n' $server "${qps:-0}" "$lost" \
		"$(awk -v a="${avg:-0}" 'BEGIN { print a * 1000 }')" "$(awk -v a="${p99:-0}" 'BEGIN { print a * 1000 }')" \
		"$offered" "$([ "$bound" = 1 ] && echo ">=")$(printf '%.0f' "$kqps")" "$cpua" \
		"$([ "$bound" = 1 ] && echo "generator-bound ")$busy" | tee -a $OUT/dns.txt
	echo "$server,${qps:-0},$lost,${avg:-0},${p99:-},$offered,$kqps,$cpua,$bound,$load" >>$OUT/dns.csv
	stop
done
# a ratio of two figures; "-" when either is not one (n/a, or no answers)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
# a qps ratio where either side was generator-bound is a bound, never a measurement
qratio() {
	if [ "${BOUND[$1]}" = 1 ] || [ "${BOUND[$2]}" = 1 ]; then
		echo "generator-bound (qps $(ratio "${KQPS[$1]}" "${KQPS[$2]}")); CPU per answer $2/$1 $(ratio "${CPUA[$2]}" "${CPUA[$1]}")"
	else
		echo "$(ratio "${KQPS[$1]}" "${KQPS[$2]}"); CPU per answer $2/$1 $(ratio "${CPUA[$2]}" "${CPUA[$1]}")"
	fi
}
{
	echo "ratios (dnsperf, sockets): xpool/gdnsd $(ratio "${QPS[xpool-dns]}" "${QPS[gdnsd]}") (target >= 1.2)," \
		"xpool/knot $(ratio "${QPS[xpool-dns]}" "${QPS[knot]}"), xpool/nsd $(ratio "${QPS[xpool-dns]}" "${QPS[nsd]}")"
	echo "ratios (dnsperf, sockets, like with like): xpool/gdnsd-geo" \
		"$(ratio "${QPS[xpool-dns]}" "${QPS[gdnsd-geo]}"), xpool/knot-geo $(ratio "${QPS[xpool-dns]}" "${QPS[knot-geo]}")"
	echo "ratios (kxdpgun, sockets): xpool/gdnsd $(qratio xpool-dns gdnsd) (target >= 1.2)"
	echo "ratios (kxdpgun, sockets, like with like): xpool/gdnsd-geo $(qratio xpool-dns gdnsd-geo)"
	echo "ratios (kxdpgun, sockets, like with like): xpool/knot-geo $(qratio xpool-dns knot-geo)"
	echo "ratios (kxdpgun, XDP): xpool-xdp/knot-xdp $(qratio xpool-dns-xdp knot-xdp) (target >= 1.2)"
	echo "ratios (kxdpgun, XDP, like with like): xpool-xdp/knot-geo-xdp $(qratio xpool-dns-xdp knot-geo-xdp)"
	echo "xpool AF_XDP / xpool sockets (kxdpgun): $(qratio xpool-dns-xdp xpool-dns)"
	echo "geo (kdig over loopback): the probe addresses got their apex from the same zones from:$GEO_CHECKED"
} | tee -a $OUT/dns.txt
echo "results: $OUT/dns.txt, $OUT/dns.csv"
