// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ntp_fuzz.c - a million random and mutated frames, each checked against the reference model. */
#include <stdio.h>
#include <stdlib.h>
#include <criterion/criterion.h>

#include "xt_fuzz.h"
#include "xt_need.h"

TestSuite(ntp_fuzz, .init = xt_need_bpf);

#define FRAMES 1000000

Test(ntp_fuzz, million_frames_against_model, .timeout = 900)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	const char *s = getenv("XPOOL_FUZZ_SEED");
	struct xt_fuzz_result r;
	struct xt_bpf b;

	if (s)
		seed = strtoull(s, NULL, 0);
	cr_assert_eq(xt_bpf_open(&b), 0, "cannot load the XDP program");
	cr_assert_eq(xt_fuzz_run(&b, seed, FRAMES, 0, &r), 0, "%s", r.msg);
	fprintf(stderr, "fuzz: %lu frames, %lu replies; per counter:", r.frames, r.tx);
	for (int k = 0; k < XPOOL_STAT__MAX; k++)
		fprintf(stderr, " %lu", (unsigned long)r.hits[k]);
	fputc('\n', stderr);
	/* the mutations must reach every verdict the model can give here (no policy, fresh clock) */
	for (int k = 0; k <= XPOOL_STAT_DROP_MALFORMED; k++) {
		if (k == XPOOL_STAT_REPLY_UNSYNC || k == XPOOL_STAT_PASS_NOT_OURS ||
		    k == XPOOL_STAT_PASS_CONTROL || k == XPOOL_STAT_PASS_STALE ||
		    k == XPOOL_STAT_PASS_CLOCK_BUSY)
			continue;
		cr_expect(r.hits[k] > 0, "no frame reached counter %d", k);
	}
	cr_expect(r.hits[XPOOL_STAT_DROP_BAD_MAC] > 0, "no frame reached the MAC check");
	xt_bpf_close(&b);
}
