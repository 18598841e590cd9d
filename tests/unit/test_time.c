// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_time.c - NTP time conversions, the fixed-point age maths and the parsers. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <criterion/criterion.h>

#include "rsp_clock.h"
#include "xp_parse.h"
#include "xp_time.h"
#include "xpool_shared.h"

Test(time, unix_to_ntp_and_eras)
{
	struct timespec t0 = { 0, 0 }, half = { 0, 500000000 }, era1 = { 2085978496, 0 };

	cr_expect_eq(xp_timespec_to_ntp64(&t0), 2208988800ULL << 32);
	cr_expect_eq(xp_timespec_to_ntp64(&half) & 0xffffffff, 0x80000000ULL);
	cr_expect_eq(xp_timespec_to_ntp64(&era1), 0, "2036-02-07T06:28:16Z is era 1, second 0");
	cr_expect_eq(xp_ntp64_to_unix_ns(0, 2085978400), 2085978496LL * 1000000000LL);
	cr_expect_eq(xp_ntp64_to_unix_ns(0xffffffffULL << 32, 2085978600),
		     2085978495LL * 1000000000LL, "era 0 end seen from just after the rollover");
	cr_expect_eq(xp_ntp64_to_unix_ns(xp_timespec_to_ntp64(&half), 0), 500000000LL);
}

/* The program's division-free conversion against exact arithmetic, up to the stale limit. */
Test(time, ns_to_ntp64_fixed_point)
{
	uint64_t ns[] = { 0, 1, 999, 1000000000ULL, (1ULL << 30) - 1, 1ULL << 30,
			  10000000000ULL, 123456789012ULL, XPOOL_STALE_MAX_NS };

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		unsigned __int128 exact = ((unsigned __int128)ns[i] << 32) / 1000000000ULL;
		uint64_t got = xpool_ns_to_ntp64(ns[i]);
		uint64_t diff = got > exact ? got - (uint64_t)exact : (uint64_t)exact - got;

		cr_expect_leq(diff, 1 + ns[i] / 2000000000ULL, "ns %lu: %lu vs %lu",
			      (unsigned long)ns[i], (unsigned long)got, (unsigned long)exact);
	}
}

Test(time, short_format)
{
	cr_expect_eq(xp_seconds_to_short(1.0), 0x10000);
	cr_expect_eq(xp_seconds_to_short(-1.0), 0);
	cr_expect_eq(xp_seconds_to_short(1e9), 0xffffffffU);
}

Test(parse, ranges)
{
	long v;

	cr_expect_eq(xp_parse_long("15", 1, 15, &v), 0);
	cr_expect_eq(v, 15);
	cr_expect_eq(xp_parse_long("16", 1, 15, &v), -ERANGE);
	cr_expect_eq(xp_parse_long("0", 1, 15, &v), -ERANGE);
	cr_expect_eq(xp_parse_long("1x", 1, 15, &v), -EINVAL);
	cr_expect_eq(xp_parse_long("", 1, 15, &v), -EINVAL);
	cr_expect_eq(xp_parse_long("99999999999999999999", 0, 10, &v), -ERANGE);
}

Test(parse, refid)
{
	uint32_t r;

	cr_expect_eq(xp_parse_refid("GPS", &r), 0);
	cr_expect_eq(memcmp(&r, "GPS\0", 4), 0);
	cr_expect_eq(xp_parse_refid("192.0.2.7", &r), 0);
	cr_expect_eq(r, inet_addr("192.0.2.7"));
	cr_expect_eq(xp_parse_refid("TOOLONG", &r), -EINVAL);
	cr_expect_eq(xp_parse_refid("", &r), -EINVAL);
	cr_expect_eq(xp_parse_refid("a b", &r), -EINVAL);
}

static int fake_calls;
static int fake_gettime(void *ctx, clockid_t id, struct timespec *ts)
{
	(void)ctx;
	fake_calls++;
	/* monotonic reads 100 ns apart; realtime a fixed 1e9 s later */
	ts->tv_sec = id == CLOCK_REALTIME ? 1000000000 + 5 : 5;
	ts->tv_nsec = fake_calls * 100;
	return 0;
}

Test(time, sandwich_uses_the_injected_clock)
{
	struct xp_clock_src src = { .gettime = fake_gettime };
	struct timespec real;
	uint64_t mono;

	fake_calls = 0;
	cr_assert_eq(xp_clock_sandwich(&src, &mono, &real), 0);
	cr_expect_eq(real.tv_sec, 1000000005);
	/* first triple: m1 = 100 ns, real = 200 ns, m2 = 300 ns: midpoint 200 ns */
	cr_expect_eq(mono, 5000000200ULL);
	cr_expect_eq(real.tv_nsec, 200);
}

/* A fake clock whose CLOCK_REALTIME can be stepped: the daemon's refresh follows the step. */
struct stepclock {
	int64_t mono_ns, real_offset_ns;
};

static int step_gettime(void *ctx, clockid_t id, struct timespec *ts)
{
	struct stepclock *c = ctx;
	int64_t t = c->mono_ns + (id == CLOCK_REALTIME ? c->real_offset_ns : 0);

	c->mono_ns += 50;
	ts->tv_sec = t / 1000000000LL;
	ts->tv_nsec = t % 1000000000LL;
	return 0;
}

Test(time, refresh_follows_a_clock_step)
{
	struct stepclock sc = { .mono_ns = 1000000000000LL, .real_offset_ns = 1700000000000000000LL };
	struct xp_clock_src src = { .gettime = step_gettime, .ctx = &sc };
	struct rsp_clock_params p = { .synced = true, .stratum = 2 };
	static struct xpool_clock ck;
	uint64_t before, after;

	cr_assert_eq(rsp_clock_refresh(&ck, &p, &src), 0);
	before = ck.slot[ck.seq & 1].ntp_time;
	cr_expect_eq(before >> 32, (1700000000ULL + 1000 + 2208988800ULL) & 0xffffffff);
	sc.real_offset_ns += 3600000000000LL; /* the wall clock is stepped forward an hour */
	cr_assert_eq(rsp_clock_refresh(&ck, &p, &src), 0);
	after = ck.slot[ck.seq & 1].ntp_time;
	/* one hour later in wall time, plus the few fake nanoseconds between reads */
	cr_expect_eq((after >> 32) - (before >> 32), 3600);
	cr_expect_eq(ck.slot[0].ntp_time, ck.slot[1].ntp_time, "both latch slots rewritten");
	cr_expect_eq(ck.seq % 2, 0);
}
