/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xt_fuzz.h - random and mutated frames through the XDP program, each checked against the model. */
#ifndef XT_FUZZ_H
#define XT_FUZZ_H

#include <stdint.h>

#include "xt_bpf.h"

struct xt_fuzz_result {
	unsigned long frames, tx;
	uint64_t hits[XPOOL_STAT__MAX]; /* per counter, as the model expects */
	char msg[256];			/* the first disagreement */
};

/*
 * Runs frames (or, with frames < 0, until max_s seconds) generated from seed through b's program,
 * comparing each verdict, output and, at the end, every counter with the reference model (b
 * must be fresh: its counters start at 0). 0, or -1 with the disagreement in r->msg (and the
 * frame on stderr).
 */
int xt_fuzz_run(struct xt_bpf *b, uint64_t seed, long frames, double max_s,
		struct xt_fuzz_result *r);

#endif
