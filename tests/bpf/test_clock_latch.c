// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_clock_latch.c - the XDP program never serves a half-written clock slot. */
#include <arpa/inet.h>
#include <endian.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>

#include "xt_bpf.h"
#include "xt_pkt.h"
#include "xt_need.h"

TestSuite(clock_latch, .init = xt_need_bpf);

#define READS 200000

struct writer {
	struct xpool_clock *ck;
	int torn; /* control: write the live slot in place, field by field, no latch */
	volatile int stop;
	volatile unsigned long gens;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pins the calling thread to one CPU when there are two or more (best effort). */
static void pin_to(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Every field of generation g is derived from g, so a mix of two generations shows. */
static void gen_slot(struct xpool_clock_slot *s, uint32_t g)
{
	memset(s, 0, sizeof(*s));
	s->mono_ns = xt_mono_ns();
	s->ntp_time = (uint64_t)g << 32;
	s->stale_ns = XPOOL_STALE_DEFAULT_NS;
	s->ref_time = htobe64((uint64_t)g << 32 | g);
	s->root_delay = htonl(g);
	s->root_disp = g;
	s->refid = htonl(g);
	s->stratum = 1 + g % 15;
	s->flags = XPOOL_CLOCK_SYNCED;
}

static void torn_write(struct xpool_clock *ck, const struct xpool_clock_slot *s)
{
	volatile struct xpool_clock_slot *d = &ck->slot[ck->seq & 1];

	d->mono_ns = s->mono_ns;
	d->ntp_time = s->ntp_time;
	d->stale_ns = s->stale_ns;
	d->ref_time = s->ref_time;
	d->root_delay = s->root_delay;
	d->root_disp = s->root_disp;
	d->refid = s->refid;
	d->stratum = s->stratum;
	d->flags = s->flags;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct xpool_clock_slot s;

	pin_to(1);
	for (uint32_t g = 1; !w->stop; g++) {
		gen_slot(&s, g);
		if (w->torn)
			torn_write(w->ck, &s);
		else
			rsp_clock_publish(w->ck, &s);
		w->gens = g;
	}
	return NULL;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/*
 * Runs READS requests while a writer spins (reader and writer on different CPUs); returns the
 * replies whose fields disagree. With until_torn, keeps going until one is caught or for
 * max_s seconds: a torn read needs the two threads to overlap, which a busy machine (the
 * other test jobs) can delay but not prevent.
 */
static unsigned long run_race(int torn, unsigned long *replies, unsigned long *gens, int until_torn,
			      double max_s)
{
	uint8_t in[XT_MAX_FRAME], out[XT_MAX_FRAME];
	size_t len = xt_build(&(struct xt_spec){ 0 }, in);
	struct writer w = { .torn = torn };
	unsigned long bad = 0;
	double t0;
	struct xt_layers ly;
	struct xt_bpf b;
	pthread_t t;

	cr_assert_eq(xt_bpf_open(&b), 0);
	w.ck = b.x.clock;
	xt_layers(in, len, &ly);
	*replies = 0;
	pin_to(0);
	cr_assert_eq(pthread_create(&t, NULL, writer_main, &w), 0);
	while (!w.gens) /* until the writer's first slot replaces the fixture's */
		sched_yield();
	t0 = now_s();
	for (long i = 0; i < READS || (until_torn && !bad && now_s() - t0 < max_s); i++) {
		size_t out_len = sizeof(out);
		const uint8_t *n = out + ly.ntp;
		uint32_t act, g;

		cr_assert_eq(xt_bpf_run(&b, in, len, out, &out_len, &act), 0);
		if (act != XDP_TX)
			continue;
		(*replies)++;
		g = get32(n + 12); /* refid */
		if (n[1] != 1 + g % 15 || get32(n + 4) != g || get32(n + 8) != g ||
		    get32(n + 16) != g || get32(n + 20) != g || get32(n + 40) != g)
			bad++;
	}
	w.stop = 1;
	pthread_join(t, NULL);
	*gens = w.gens;
	xt_bpf_close(&b);
	return bad;
}

Test(clock_latch, concurrent_updates_never_torn, .timeout = 300)
{
	unsigned long replies, gens, bad = run_race(0, &replies, &gens, 0, 0);

	cr_log_info("latch: %lu replies, %lu generations written, %lu torn", replies, gens, bad);
	cr_expect_eq(bad, 0, "%lu of %lu replies mixed two clock generations", bad, replies);
	cr_expect_gt(replies, READS / 2, "most requests must be answered (%lu)", replies);
	cr_expect_gt(gens, 10000, "the writer must really run concurrently (%lu)", gens);
}

/* The control: the same check catches a writer that ignores the latch. */
Test(clock_latch, torn_writer_is_detected, .timeout = 300)
{
	unsigned long replies, gens, bad = run_race(1, &replies, &gens, 1, 60);

	cr_log_info("torn control: %lu replies, %lu generations, %lu torn", replies, gens, bad);
	cr_expect_gt(bad, 0, "a writer without the latch must be caught (%lu replies)", replies);
}
