/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* mon_score.h - the pool's scoring: one step per check from the chosen sample. */
#ifndef MON_SCORE_H
#define MON_SCORE_H

#include <stdbool.h>

enum mon_result {
	MON_OK,		 /* a reply with a usable offset */
	MON_NO_RESPONSE, /* none of the samples answered */
	MON_KOD_RATE,
	MON_KOD_DENY,	 /* DENY or RSTR */
	MON_STRATUM0,	 /* stratum 0 without a kiss code */
	MON_ERROR,	 /* anything else: bad reply, wrong-day leap, root distance over the limit */
};

struct mon_sample {
	enum mon_result result;
	double offset; /* seconds */
	int stratum;
};

/* The step for one check (the pool's table); x is |offset| in seconds. */
double mon_step(const struct mon_sample *s);

/*
 * New score = step + 0.95 * previous, at most 20; capped at -20 when the offset is > 3 s, at
 * -50 for DENY/RSTR, and at 5 for stratum 0 ("cap C" = min(step + 0.95 * previous, C)).
 */
double mon_score(double previous, const struct mon_sample *s);

#endif
