#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_bench_cpu.sh - the benches' CPU time of a process tree counts children whose command name
# holds spaces (NSD's "nsd: server 1" read 0.00 us per answer), and never prints a 0 figure.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
. tools/bench/proc_cpu.sh

# a parent and a child named as NSD names its processes; the child burns CPU, then waits
# (a builtin read: no process of another name) until the test ends
d=$XP_TMP/bin
mkdir -p "$d"
cp "$(command -v bash)" "$d/nsd: main"
cp "$(command -v bash)" "$d/nsd: server 1"
burn='i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done; : >"$1"; read -r -t 60 <>"$2"'
"$d/nsd: main" -c '"$0" -c "$1" x "$2" "$3" & wait' "$d/nsd: server 1" "$burn" \
	"$XP_TMP/done" <(:) &
parent=$!
XP_PIDS+=($parent)
xp_until 60 test -e "$XP_TMP/done" || xp_fail "the child did not finish its work"
child=$(pgrep -P $parent)
[ -n "$child" ] || xp_fail "no child of $parent"
XP_PIDS+=($child)
grep -q "(nsd: server 1)" /proc/"$child"/stat || xp_fail "the child's name: $(cat /proc/"$child"/comm)"
t=$(proc_cpu_ticks $parent)
# 200,000 shell iterations take well over one clock tick (10 ms) on any machine
[ "$t" -gt 0 ] || xp_fail "proc_cpu_ticks: $t ticks for a tree that burned CPU"
xp_log "OK: the tree's CPU time, 'nsd: server 1' included: $t ticks"

hz=$(getconf CLK_TCK)
want=$(awk -v hz="$hz" 'BEGIN { printf "%.2f", 50 / hz * 1e6 / 1000 }')
[ "$(proc_us_per_answer 50 1000)" = "$want" ] ||
	xp_fail "proc_us_per_answer 50 1000: $(proc_us_per_answer 50 1000), not $want"
case $(proc_us_per_answer 0 1000) in "n/a ("*")") ;; *) xp_fail "0 ticks printed as a figure" ;; esac
case $(proc_us_per_answer 0 0) in "n/a ("*")") ;; *) xp_fail "0 answers printed as a figure" ;; esac
xp_log "OK: $want us per answer; a figure of 0 for a peer that answered reads n/a (why)"
