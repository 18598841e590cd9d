#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# proc_cpu.sh - the CPU time of a server's whole process tree, for the benches (sourced).

# proc_tree PID: the process and all its live descendants (NSD answers from a grandchild)
proc_tree() {
	local c
	echo "$1"
	for c in $(pgrep -P "$1"); do proc_tree "$c"; done
}

# proc_cpu_ticks PID: utime + stime (clock ticks) summed over proc_tree PID. The fields are
# counted after the ")" that closes the command name, which may hold spaces: NSD names its
# processes "nsd: main", "nsd: server 1", and a split on blanks read other fields (zeros)
proc_cpu_ticks() {
	local p t sum=0
	for p in $(proc_tree "$1"); do
		t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
		sum=$((sum + ${t:-0}))
	done
	echo $sum
}

# proc_us_per_answer TICKS ANSWERS: microseconds of CPU per answer, or "n/a (why)" where the
# figure would be a measurement failure (answers but no CPU time seen), never a 0
proc_us_per_answer() {
	if [ "${2:-0}" -le 0 ] 2>/dev/null || [ -z "$2" ]; then
		echo "n/a (no answers)"
	elif [ "$1" -le 0 ]; then
		echo "n/a (no CPU time seen)"
	else
		awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }'
	fi
}
