// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntpd_source.c - what the daemon publishes, from chronyd's tracking or from adjtimex(). */
#include <arpa/inet.h>

#include "ntpd_source.h"
#include "xp_time.h"

bool ntpd_leap_day(time_t now)
{
	time_t tomorrow = now + 86400;
	struct tm a, b;

	gmtime_r(&now, &a);
	gmtime_r(&tomorrow, &b);
	return a.tm_mon != b.tm_mon;
}

static uint8_t leap_today(unsigned leap, time_t now)
{
	return (leap == 1 || leap == 2) && ntpd_leap_day(now) ? leap : 0;
}

void ntpd_params_from_tracking(struct rsp_clock_params *p, const struct xp_tracking *t,
			       time_t now)
{
	p->synced = xp_chrony_synced(t, 14); /* served at stratum + 1: at most 15 */
	if (!p->synced) {
		ntpd_params_unsync(p);
		return;
	}
	p->stratum = t->stratum + 1;
	p->refid_be = htonl(t->ref_id);
	p->ref_time = xp_timespec_to_ntp64(&t->ref_time);
	p->root_delay = xp_seconds_to_short(t->root_delay);
	p->root_disp = xp_seconds_to_short(t->root_dispersion);
	p->leap = leap_today(t->leap, now);
}

void ntpd_params_from_timex(struct rsp_clock_params *p, const struct timex *tx, int state,
			    time_t now)
{
	p->synced = state != TIME_ERROR && !(tx->status & STA_UNSYNC);
	if (!p->synced) {
		ntpd_params_unsync(p);
		return;
	}
	/* stratum and reference ID stay as configured; the kernel knows neither */
	p->ref_time = 0;
	p->root_delay = 0;
	p->root_disp = xp_seconds_to_short(tx->maxerror / 1e6);
	p->leap = leap_today(tx->status & STA_INS ? 1 : tx->status & STA_DEL ? 2 : 0, now);
}

void ntpd_params_unsync(struct rsp_clock_params *p)
{
	p->synced = false;
	p->leap = 0;
	p->ref_time = 0;
	p->root_delay = 0;
	p->root_disp = 0;
}
