// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mon_score.c - the pool's scoring: one step per check from the chosen sample. */
#include <math.h>

#include "mon_score.h"

double mon_step(const struct mon_sample *s)
{
	double x = fabs(s->offset);

	/* precedence: no response, RATE, DENY/RSTR, stratum 0, other error, then the offset */
	switch (s->result) {
	case MON_NO_RESPONSE:
		return -5;
	case MON_KOD_RATE:
		return -3.5;
	case MON_KOD_DENY:
		return -10;
	case MON_STRATUM0:
		return -2;
	case MON_ERROR:
		return -4;
	case MON_OK:
		break;
	}
	if (x > 3 || s->stratum >= 8)
		return -4;
	if (x > 0.75)
		return -2;
	if (x > 0.1)
		return -2.308 * x + 0.731;
	if (x > 0.025)
		return -6.667 * x + 1.167;
	return 1;
}

double mon_score(double previous, const struct mon_sample *s)
{
	double v = mon_step(s) + 0.95 * previous;

	if (s->result == MON_KOD_DENY && v > -50)
		v = -50;
	else if (s->result == MON_STRATUM0 && v > 5)
		v = 5;
	else if (s->result == MON_OK && fabs(s->offset) > 3 && v > -20)
		v = -20;
	return v > 20 ? 20 : v;
}
