// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_time.c - NTP time formats and clock reads with an injectable clock source. */
#include <errno.h>
#include <math.h>

#include "xp_time.h"

static int system_gettime(void *ctx, clockid_t id, struct timespec *ts)
{
	(void)ctx;
	return clock_gettime(id, ts) ? -errno : 0;
}

const struct xp_clock_src xp_clock_system = { .gettime = system_gettime };

uint64_t xp_timespec_to_ntp64(const struct timespec *ts)
{
	uint32_t sec = (uint32_t)((uint64_t)ts->tv_sec + XP_NTP_UNIX_DELTA);
	/* round to nearest: ns * 2^32 / 1e9 fits 64 bits for ns < 1e9 */
	uint64_t frac = (((uint64_t)ts->tv_nsec << 32) + 500000000ULL) / 1000000000ULL;

	if (frac > 0xffffffffULL)
		frac = 0xffffffffULL;
	return ((uint64_t)sec << 32) | frac;
}

int64_t xp_ntp64_to_unix_ns(uint64_t ntp, int64_t pivot_unix_s)
{
	int64_t pivot_ntp = pivot_unix_s + (int64_t)XP_NTP_UNIX_DELTA;
	int64_t era = pivot_ntp >> 32;
	int64_t sec = (era << 32) + (int64_t)(ntp >> 32);
	int64_t frac_ns = (int64_t)(((ntp & 0xffffffffULL) * 1000000000ULL + (1ULL << 31)) >> 32);

	/* pick the era that puts the time within 2^31 s of the pivot */
	if (sec - pivot_ntp > (1LL << 31))
		sec -= 1LL << 32;
	else if (pivot_ntp - sec > (1LL << 31))
		sec += 1LL << 32;
	return (sec - (int64_t)XP_NTP_UNIX_DELTA) * 1000000000LL + frac_ns;
}

uint32_t xp_seconds_to_short(double s)
{
	if (!(s > 0))
		return 0;
	if (s >= 65536.0)
		return 0xffffffffU;
	return (uint32_t)llround(s * 65536.0);
}

int xp_clock_sandwich(const struct xp_clock_src *src, uint64_t *mono_ns, struct timespec *real)
{
	uint64_t best = UINT64_MAX;
	int ret = 0;

	for (int i = 0; i < 5; i++) {
		struct timespec m1, r, m2;
		uint64_t a, b;

		ret = src->gettime(src->ctx, CLOCK_MONOTONIC, &m1);
		if (!ret)
			ret = src->gettime(src->ctx, CLOCK_REALTIME, &r);
		if (!ret)
			ret = src->gettime(src->ctx, CLOCK_MONOTONIC, &m2);
		if (ret)
			goto out;
		a = xp_ts_ns(&m1);
		b = xp_ts_ns(&m2);
		if (b < a)
			continue;
		if (b - a < best) {
			best = b - a;
			*mono_ns = a + (b - a) / 2;
			*real = r;
		}
	}
	if (best == UINT64_MAX)
		ret = -EIO;
out:
	return ret;
}

int8_t xp_clock_precision(const struct xp_clock_src *src)
{
	uint64_t min_step = UINT64_MAX, prev = 0;
	int p = -30;

	for (int i = 0; i < 1000; i++) {
		struct timespec ts;
		uint64_t t;

		if (src->gettime(src->ctx, CLOCK_MONOTONIC, &ts))
			break;
		t = xp_ts_ns(&ts);
		if (i && t > prev && t - prev < min_step)
			min_step = t - prev;
		prev = t;
	}
	if (min_step == UINT64_MAX)
		return -20;
	/* smallest p with 2^p s >= the step */
	while (p < 0 && ldexp(1.0, p) * 1e9 < (double)min_step)
		p++;
	return (int8_t)p;
}
