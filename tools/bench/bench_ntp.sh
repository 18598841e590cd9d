#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench_ntp.sh - xpool against chronyd, ntpsec and a bare XDP reflector on one veth rig, at the
# same offered loads; replies/s, loss, CPU per reply, saturation, accuracy, ratios.
cd "$(dirname "$0")/../.." || exit 1
XP_TEST=bench-ntp
XP_PREFIX=xpbench$$
. tests/integration/lib.sh
OUT=build/bench
SECS=${SECS:-3}
RATES=${RATES:-"10000 25000 50000 100000 200000 400000 0"}
mkdir -p "$OUT"
[ "$(id -u)" -eq 0 ] || xp_fail "run as root"

# ntpsec conflicts with chrony as a package: unpacked privately, run from there
NTPSEC=build/peers/ntpsec/usr/sbin/ntpd
if [ ! -x "$NTPSEC" ]; then
	mkdir -p build/peers && (cd build/peers && apt-get download -qq ntpsec >/dev/null) &&
		dpkg -x build/peers/ntpsec_*.deb build/peers/ntpsec || xp_fail "cannot unpack ntpsec"
fi

S=$XP_PREFIX-srv
C=$XP_PREFIX-cli
xp_rig "$S" "$C" || xp_fail "rig"
ip -n "$C" link set dev vc xdp off # the generator brings its own reply counter
SMAC=$(ip -n "$C" -br link show vc | awk '{print $3}')
DMAC=$(ip -n "$S" -br link show vs | awk '{print $3}')
xp_chronyd "$S" ref "local stratum 1" "port 0" || xp_fail "chronyd"
xp_chrony_local ref

# CPU time in ns of the server daemon and the softirq threads (the generator reports its own)
busy() {
	local p t=0
	for p in ${SRV_PID:-} $(pgrep ksoftirqd) $(pgrep -f 'napi/vs'); do
		[ -r /proc/$p/schedstat ] && t=$((t + $(cut -d' ' -f1 /proc/$p/schedstat)))
	done
	echo $t
}

# gun RATE: one run; prints "offered replies loss_pct cpu_ns frames_per_call call_us". The
# generator sizes its frames per call from the measured cost of a call (batches of 64 inside a
# paced call: bursts of 256 overflow a daemon's socket buffer; 256 at full speed).
gun() {
	local b0 b1 out batch=64
	[ "$1" = 0 ] && batch=256
	b0=$(busy)
	out=$(xp_ns "$C" taskset -c 1 "$BUILD/xpool-ntpgun" -i vc --src $CLI4 --dst $SRV4 \
		--src-mac "$SMAC" --dst-mac "$DMAC" --rate "$1" --duration "$SECS" --batch $batch)
	b1=$(busy)
	echo "$out" | awk -v t=$((b1 - b0)) '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["offered_pps"], v["reply_pps"], v["loss_pct"], t + v["cpu_ns"], v["frames_per_call"], v["call_fixed_us"] }'
}

declare -A BASE
server_off() {
	[ -n "${SRV_PID:-}" ] && xp_stop "$SRV_PID"
	SRV_PID=
	ip -n "$S" link set dev vs xdp off 2>/dev/null
}

# a peer's kernel socket answers the client (its replies need no program on vc)
answering() { xp_ns "$C" "$BUILD/xpool-ntp-probe" send $SRV4 --timeout 500 | grep -q "mode=4"; }
STARTS=0
start_server() {
	server_off
	case $1 in
	sink) ip -n "$S" link set dev vs xdp obj "$BPF_BUILD/xpool_sink.bpf.o" sec xdp ;;
	reflector) ip -n "$S" link set dev vs xdp obj "$BPF_BUILD/xpool_reflect.bpf.o" sec xdp ;;
	xpool)
		# READY=1: attached, clock data published ("clock synchronised" is logged before the
		# attach); then synchronised, as the peers are
		# a name of its own: the tables below run in subshells (| tee), each counting anew
		STARTS=$((STARTS + 1))
		xp_ready xpool-$BASHPID-$STARTS "$S" "$XP_TMP/xpool.log" taskset -c 0 "$BUILD/xpool-ntpd" \
			-i vs --xdp-mode native --chrony-socket "$XP_TMP/ref/chronyd.sock" \
			--pin-path "$(xp_pin_path bench)" --detach-on-exit
		SRV_PID=$XP_LAST_PID
		xp_wait_notify xpool-$BASHPID-$STARTS "STATUS=synchronised" 10 ||
			xp_fail "xpool-ntpd not synchronised"
		;;
	chronyd)
		# XDP frames from the generator are only delivered to a veth with a program attached
		ip -n "$S" link set dev vs xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp
		mkdir -p "$XP_TMP/cs" && chmod 700 "$XP_TMP/cs"
		printf 'local stratum 1\nallow all\npidfile %s/cs/pid\ncmdport 0\nbindcmdaddress /\n' \
			"$XP_TMP" >"$XP_TMP/cs/conf"
		ip netns exec "$S" taskset -c 0 chronyd -d -x -u root -f "$XP_TMP/cs/conf" \
			>"$XP_TMP/cs/log" 2>&1 &
		SRV_PID=$!
		xp_until 30 answering || xp_fail "chronyd does not answer: $(cat "$XP_TMP/cs/log")"
		;;
	ntpd)
		ip -n "$S" link set dev vs xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp
		mkdir -p "$XP_TMP/ns"
		# its default limit answers ~20 requests per address: lifted for the bench
		printf 'driftfile %s/ns/drift\nrestrict default\nlimit average 10000000 burst 10000000\n' \
			"$XP_TMP" >"$XP_TMP/ns/conf"
		ip netns exec "$S" taskset -c 0 "$NTPSEC" -n -g -c "$XP_TMP/ns/conf" >"$XP_TMP/ns/log" 2>&1 &
		SRV_PID=$!
		xp_until 30 answering || xp_fail "ntpsec does not answer: $(cat "$XP_TMP/ns/log")"
		;;
	esac
}

{
	echo "kernel: $(uname -r); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); cores: $(nproc)"
	echo "rig: veth pair between two namespaces; xpool-ntpgun (XDP live frames; frames per call sized"
	echo "from the measured cost of a call, printed with the sink rows) on CPU 1;"
	echo "daemons pinned to CPU 0. On veth XDP runs on the sending CPU, inside the generator's"
	echo "syscall, so CPU per reply = (generator + daemon + softirq threads, ns from schedstat)"
	echo "minus the same load against a sink that drops every request, divided by the replies."
	echo "Offered 0 = as fast as the generator goes."
} | tee "$OUT/ntp.txt"

# the XDP programs' own cost per packet, from the kernel's BPF run-time statistics
sysctl -qw kernel.bpf_stats_enabled=1
XP_BPF_STATS=1
prog_ns() { # average ns per run of the XDP program attached to vs now
	local id
	id=$(ip -n "$S" -d link show vs | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1)
	[ -n "$id" ] && bpftool prog show id "$id" | sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' |
		awk '{ if ($2) printf "%.1f", $1 / $2; else print "-" }'
}
declare -A REPLY CPU SAT PROG
echo "server,offered_pps,reply_pps,loss_pct,cpu_ns_per_reply" >"$OUT/ntp.csv"
for server in sink reflector xpool chronyd ntpd; do
	start_server $server
	for rate in $RATES; do
		read -r offered replies loss ticks per_call call_us < <(gun "$rate")
		# requested against achieved: a row short of its rate measured the generator
		short=$(awk -v r="$rate" -v o="$offered" -v a="$replies" 'BEGIN {
			# paced: short of the rate asked; full speed: not 1.5 x what was answered
			print (r > 0 && o < 0.9 * r) || (r == 0 && a > 0 && o < 1.5 * a) ? " generator-bound" : "" }')
		key=$server/$rate
		if [ $server = sink ]; then
			BASE[$rate]="$offered $ticks"
			printf '%-10s requested %8s/s  offered %8.0f/s  (baseline %.0f ns/request; %s frames/call, call %s us)%s\n' \
				sink "$([ "$rate" = 0 ] && echo max || echo "$rate")" "$offered" \
				"$(awk -v t="$ticks" -v o="$offered" -v s="$SECS" 'BEGIN { print t / (o * s) }')" \
				"$per_call" "$call_us" "$short" | tee -a "$OUT/ntp.txt"
			continue
		fi
		read -r boff bticks <<<"${BASE[$rate]}"
		cpu=$(awk -v t="$ticks" -v b="$bticks" -v bo="$boff" -v o="$offered" -v r="$replies" \
			-v s="$SECS" 'BEGIN {
				base = bo > 0 ? b * o / bo : 0   # baseline scaled to this offered load
				if (r <= 0) { print "-"; exit }
				printf "%.0f", (t - base) / (r * s) }')
		REPLY[$key]=$replies
		CPU[$key]=$cpu
		[ "$rate" = 0 ] && PROG[$server]=$(prog_ns)
		printf '%-10s requested %8s/s  offered %8.0f/s  replies %8.0f/s  loss %6.2f%%  cpu/reply %s ns%s\n' \
			$server "$([ "$rate" = 0 ] && echo max || echo "$rate")" "$offered" "$replies" "$loss" \
			"$cpu" "$short" | tee -a "$OUT/ntp.txt"
		echo "$server,$offered,$replies,$loss,$cpu" >>"$OUT/ntp.csv"
		awk -v l="$loss" 'BEGIN { exit !(l < 1) }' &&
			awk -v r="$replies" -v s="${SAT[$server]:-0}" 'BEGIN { exit !(r > s) }' &&
			SAT[$server]=$replies
	done
done
server_off
sysctl -qw kernel.bpf_stats_enabled=0

{
	echo
	echo "saturation (highest reply rate with < 1% loss):"
	for s in reflector xpool chronyd ntpd; do printf '  %-10s %8.0f replies/s\n' $s "${SAT[$s]:-0}"; done
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
	echo "ratios at saturation: xpool/chronyd $(ratio "${SAT[xpool]}" "${SAT[chronyd]}")" \
		"(target >= 10), xpool/ntpd $(ratio "${SAT[xpool]}" "${SAT[ntpd]}")," \
		"xpool/reflector $(ratio "${SAT[xpool]}" "${SAT[reflector]}")"
	r=0
	echo "CPU per reply at full speed (machine busy time, baseline removed): xpool ${CPU[xpool/$r]} ns," \
		"reflector ${CPU[reflector/$r]} ns; xpool/reflector $(ratio "${CPU[xpool/$r]}" "${CPU[reflector/$r]}") (target <= 1.3)"
	r=50000
	echo "CPU per reply at $r/s: xpool ${CPU[xpool/$r]} ns, chronyd ${CPU[chronyd/$r]} ns," \
		"ntpd ${CPU[ntpd/$r]} ns"
	echo "XDP program alone (kernel.bpf_stats): xpool ${PROG[xpool]} ns/packet, reflector" \
		"${PROG[reflector]} ns/packet; ratio $(ratio "${PROG[xpool]}" "${PROG[reflector]}")"
} | tee -a "$OUT/ntp.txt"

# trafgen, the other generator, at full speed from one core
{
	echo
	echo "trafgen (tools/trafgen/ntp_client.cfg, -P 1, 3 s at full speed):"
	for server in xpool chronyd; do
		start_server $server
		xp_ns "$C" "$BUILD/xpool-ntpgun" -i vc --listen-only --duration 4 >"$XP_TMP/listen" &
		listener=$!
		counting() { ip -n "$C" link show vc | grep -q "prog/xdp"; } # its reply counter is on
		xp_until 10 counting || xp_fail "xpool-ntpgun --listen-only attached no counter"
		xp_ns "$C" timeout -s INT 3 taskset -c 1 trafgen --cpp -D DST_MAC="$DMAC" -D SRC_MAC="$SMAC" \
			-D SRC_IP=$CLI4 -D DST_IP=$SRV4 -i tools/trafgen/ntp_client.cfg -o vc -P 1 \
			>"$XP_TMP/trafgen" 2>&1
		wait $listener
		sent=$(sed -n 's/^ *\([0-9]*\) packets outgoing.*/\1/p' "$XP_TMP/trafgen" | head -1)
		printf '  %-8s %s\n' $server "$(cat "$XP_TMP/listen") trafgen_sent=${sent:-?}"
	done
	server_off
} | tee -a "$OUT/ntp.txt"
[ "${PIPESTATUS[0]}" = 0 ] || xp_fail "a table failed (above)" # its xp_fail ended only its subshell

# accuracy: a chronyd client on the rig, 20 samples at 1/4 s, median offset and delay
{
	echo
	echo "accuracy (chronyd client, median of the last 20 samples):"
	ip -n "$C" link set dev vc xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp
	for server in xpool chronyd ntpd; do
		start_server $server
		d=$XP_TMP/acc-$server
		mkdir -p "$d" && chmod 700 "$d"
		printf 'server %s iburst minpoll -2 maxpoll -2\npidfile %s/pid\ncmdport 0\nbindcmdaddress /\nlogdir %s\nlog measurements\n' \
			$SRV4 "$d" "$d" >"$d/conf"
		ip netns exec "$C" timeout 8 chronyd -d -x -u root -f "$d/conf" >/dev/null 2>&1
		# measurements.log: column 12 offset, 13 peer delay (seconds)
		grep -E '^[0-9]{4}-' "$d/measurements.log" 2>/dev/null | tail -n 20 >"$d/last20"
		n=$(wc -l <"$d/last20")
		if [ "$n" -gt 0 ]; then
			off=$(awk '{ print $12 }' "$d/last20" | sort -g | sed -n "$(((n + 1) / 2))p")
			del=$(awk '{ print $13 }' "$d/last20" | sort -g | sed -n "$(((n + 1) / 2))p")
			awk -v s=$server -v o="$off" -v d="$del" -v n="$n" \
				'BEGIN { printf "  %-8s offset %+.1f us  delay %.1f us  (median of %d)\n", s, o * 1e6, d * 1e6, n }'
		else
			echo "  $server: no usable samples (unsynchronised: ntpsec has no reference clock in the rig)"
		fi
	done
	server_off
} | tee -a "$OUT/ntp.txt"
[ "${PIPESTATUS[0]}" = 0 ] || xp_fail "a table failed (above)" # its xp_fail ended only its subshell
echo "results: $OUT/ntp.txt, $OUT/ntp.csv"
