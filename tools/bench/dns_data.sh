#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# dns_data.sh - bench inputs: a snapshot of 1,000 servers over 50 countries, and a query file
# (A/AAAA over pool names, about 5% nonexistent). Usage: dns_data.sh OUTDIR
set -euo pipefail
out=${1:?usage: dns_data.sh OUTDIR}
mkdir -p "$out"
ccs=(de us fr gb nl ca jp au ch se fi at pl cz it es be dk no ie pt ru ua br ar mx cl za ng ke
	in sg hk kr tw cn id my th vn ph nz tr gr ro hu bg rs hr sk si)
awk -v list="${ccs[*]}" 'BEGIN {
	n = split(list, cc, " ")
	srand(1)
	printf "{\"generated\": \"2026-11-26T00:00:00Z\", \"servers\": [\n"
	for (i = 0; i < 1000; i++) {
		if (i % 5 == 4)
			ip = sprintf("2001:db8:%x::%x", int(i / 250), i % 250 + 1)
		else
			ip = sprintf("10.%d.%d.%d", 100 + int(i / 62500), int(i / 250) % 250, i % 250 + 1)
		printf "%s{\"ip\": \"%s\", \"netspeed\": %d, \"score\": %.1f, \"country\": \"%s\"}\n",
			i ? "," : "", ip, 1000 * (1 + int(rand() * 100)), 10 + rand() * 10, cc[1 + i % n]
	}
	printf "]}\n"
}' >"$out/snapshot.json"
awk -v list="${ccs[*]}" 'BEGIN {
	n = split(list, cc, " ")
	srand(2)
	for (i = 0; i < 100000; i++) {
		r = rand()
		c = cc[1 + int(rand() * n)]
		if (r < 0.05)
			printf "nonexistent%d.pool.ntp.test A\n", i
		else if (r < 0.25)
			printf "pool.ntp.test A\n"
		else if (r < 0.45)
			printf "%d.pool.ntp.test A\n", int(rand() * 4)
		else if (r < 0.60)
			printf "%s.pool.ntp.test A\n", c
		else if (r < 0.85)
			printf "%d.%s.pool.ntp.test A\n", int(rand() * 4), c
		else
			printf "2.%s.pool.ntp.test AAAA\n", c
	}
}' >"$out/queries.txt"
