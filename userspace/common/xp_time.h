/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_time.h - NTP time formats and clock reads with an injectable clock source. */
#ifndef XP_TIME_H
#define XP_TIME_H

#include <stdint.h>
#include <time.h>

#define XP_NTP_UNIX_DELTA 2208988800ULL /* 1900-01-01 to 1970-01-01 in seconds */

/* Where clocks are read from: clock_gettime(2) in production, a fake in tests. */
struct xp_clock_src {
	int (*gettime)(void *ctx, clockid_t id, struct timespec *ts);
	void *ctx;
};

extern const struct xp_clock_src xp_clock_system;

/* Unix time to NTP 32.32, era-wrapped: seconds are (unix + 2208988800) mod 2^32. */
uint64_t xp_timespec_to_ntp64(const struct timespec *ts);

/* NTP 32.32 to Unix nanoseconds, choosing the era closest to pivot_unix_s. */
int64_t xp_ntp64_to_unix_ns(uint64_t ntp, int64_t pivot_unix_s);

/* Seconds as NTP short format (16.16), saturating; negative gives 0. */
uint32_t xp_seconds_to_short(double s);

/* CLOCK_MONOTONIC in milliseconds: the clock every deadline is kept on. */
static inline int64_t xp_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline uint64_t xp_ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

/*
 * Reads CLOCK_REALTIME between two CLOCK_MONOTONIC reads, several times, and keeps the
 * tightest sandwich: *mono_ns is the monotonic time matching *real.
 */
int xp_clock_sandwich(const struct xp_clock_src *src, uint64_t *mono_ns, struct timespec *real);

/* log2 of the smallest step of CLOCK_MONOTONIC reads, as NTP's precision field. */
int8_t xp_clock_precision(const struct xp_clock_src *src);

#endif
