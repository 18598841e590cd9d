// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_xdp.c - make fuzz: the XDP program against its reference model for a set time. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "xt_fuzz.h"

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 60;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	struct xt_fuzz_result r;
	struct xt_bpf b;
	int n = 0;

	if (xt_bpf_open(&b)) {
		fprintf(stderr,
			"fuzz-xdp: cannot load the XDP program (root and the bpf syscall)\n");
		return 1;
	}
	if (xt_fuzz_run(&b, seed, -1, seconds, &r)) {
		fprintf(stderr, "fuzz-xdp: %s\n", r.msg);
		return 1;
	}
	for (int k = 0; k < XPOOL_STAT__MAX; k++)
		n += r.hits[k] > 0;
	printf(
	    "fuzz-xdp: %lu frames in %.0f s (seed %#llx), %lu replies, %d of %d counters reached, "
	    "0 disagreements with the model\n",
	    r.frames, seconds, (unsigned long long)seed, r.tx, n, XPOOL_STAT__MAX);
	xt_bpf_close(&b);
	return 0;
}
