// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xt_fuzz.c - random and mutated frames through the XDP program, each checked against the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>

#include "xt_fuzz.h"
#include "xt_pkt.h"

static __thread uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed on failure */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned rn(unsigned n)
{
	return rnd() % n;
}

static const struct xt_spec templates[] = {
    {0},
    {.v6 = 1},
    {.vlans = 1},
    {.vlans = 2, .outer_ad = 1, .v6 = 1},
    {.ihl = 8},
    {.ihl = 15, .vlans = 1},
    {.csum = XT_CSUM_PARTIAL},
    {.v6 = 1, .csum = XT_CSUM_PARTIAL},
    {.csum = XT_CSUM_ZERO},
    {.vn = 3, .poll = 6},
    {.mode = 6, .ntp_len = 12},
    {.mode = 7, .vn = 2, .ntp_len = 8},
    {.ntp_len = 68},
    {.v6 = 1, .ntp_len = 120},
    {.pad = 8},
    {.v6 = 1, .v6_ext = 44},
    {.frag = 0x2000},
    {.ntp_len = 47},
};
#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

/* Offsets worth hitting: the fields every parser decision depends on. */
static void mutate_field(uint8_t *f, size_t len)
{
	struct xt_layers ly;
	static const uint8_t vals[] = {0,    1,	   3,	 4,    5,    6,	   7,
				       8,    0x11, 0x23, 0x2b, 0x40, 0x45, 0x60,
				       0x7b, 0x81, 0x86, 0x88, 0xdd, 0xe3, 0xff};
	size_t pick[12];
	int n = 0;

	if (xt_layers(f, len, &ly) == 0) {
		pick[n++] = ly.l3;		     /* version / IHL */
		pick[n++] = ly.l3 + (ly.v6 ? 6 : 9); /* protocol / next header */
		pick[n++] = ly.l3 + (ly.v6 ? 4 : 2); /* length high byte */
		pick[n++] = ly.l3 + (ly.v6 ? 5 : 3);
		pick[n++] = ly.l3 + 6; /* IPv4 flags */
		pick[n++] = ly.l4 + 2; /* destination port */
		pick[n++] = ly.l4 + 3;
		pick[n++] = ly.l4 + 4; /* UDP length */
		pick[n++] = ly.l4 + 5;
		pick[n++] = ly.l4 + 1;		      /* source port */
		pick[n++] = ly.ntp;		      /* LI/VN/mode */
		pick[n++] = ly.l3 + (ly.v6 ? 8 : 12); /* source address */
	} else {
		pick[n++] = 12;
		pick[n++] = 13;
	}
	size_t off = pick[rn(n)];

	if (off < len)
		f[off] = rn(4) ? vals[rn(sizeof(vals))] : (uint8_t)rnd();
}

static size_t make_frame(uint8_t *f)
{
	size_t len = xt_build(&templates[rn(N_TEMPLATES)], f);
	int fix = rn(2);

	switch (rn(6)) {
	case 0: /* untouched */
		break;
	case 1: /* random byte flips */
		for (unsigned i = 0, n = 1 + rn(4); i < n; i++)
			f[rn(len)] ^= 1 << rn(8);
		break;
	case 2: /* header fields set to values that steer the parser */
	case 3:
		for (unsigned i = 0, n = 1 + rn(3); i < n; i++)
			mutate_field(f, len);
		break;
	case 4: /* shorter or longer frame */
		if (rn(2)) {
			len = 14 + rn(len - 13);
		} else {
			size_t add = rn(64);

			for (size_t i = 0; i < add; i++)
				f[len + i] = rnd();
			len += add;
		}
		break;
	case 5: /* random bytes behind a plausible Ethernet header */
		len = 14 + rn(200);
		for (size_t i = 12; i < len; i++)
			f[i] = rnd();
		if (rn(2)) {
			f[12] = rn(2) ? 0x08 : 0x86;
			f[13] = f[12] == 0x08 ? 0x00 : 0xdd;
		}
		fix = 0;
		break;
	}
	if (fix)
		xt_fix_csums(f, len); /* explore mutations that still carry valid checksums */
	return len;
}

static void dump(const char *what, const uint8_t *f, size_t len)
{
	fprintf(stderr, "%s (%zu bytes):", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", f[i]);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int xt_fuzz_run(struct xt_bpf *b, uint64_t seed, long frames, double max_s,
		struct xt_fuzz_result *r)
{
	uint8_t in[XT_MAX_FRAME + 128], out[XT_MAX_FRAME + 128];
	struct xt_env env = {.clock_fresh = 1};
	double t0 = now_s();

	memset(r, 0, sizeof(*r));
	rng_state = seed ? seed : 1;
	for (long i = 0; frames < 0 || i < frames; i++) {
		size_t len = make_frame(in), out_len = sizeof(out);
		enum xpool_stat want_st;
		uint32_t act;
		int want;

		/* refresh the clock now and then so that it never goes stale mid-run */
		if (!(i & 0xffff)) {
			if (max_s > 0 && now_s() - t0 > max_s)
				break;
			xt_bpf_clock(b,
				     &(struct rsp_clock_params){.synced = true,
								.stratum = 2,
								.stale_ns = XPOOL_STALE_MAX_NS},
				     0);
		}
		want = xt_model(in, len, &env, &want_st);
		if (xt_bpf_run(b, in, len, out, &out_len, &act)) {
			snprintf(r->msg, sizeof(r->msg), "frame %ld: test run failed", i);
			return -1;
		}
		if (act != (uint32_t)want || out_len != len ||
		    (act == XDP_TX ? !xt_csums_valid(out, len) : memcmp(in, out, len) != 0)) {
			dump("frame", in, len);
			dump("output", out, out_len);
			snprintf(r->msg, sizeof(r->msg),
				 "frame %ld (seed %#lx): verdict %u, model %d (counter %d); length "
				 "%zu -> "
				 "%zu",
				 i, (unsigned long)seed, act, want, want_st, len, out_len);
			return -1;
		}
		r->hits[want_st]++;
		r->tx += act == XDP_TX;
		r->frames++;
	}
	/* the model's counters must be the program's counters too */
	for (int k = 0; k < XPOOL_STAT__MAX; k++)
		if (xt_bpf_stat(b, k) != r->hits[k]) {
			snprintf(r->msg, sizeof(r->msg), "counter %d: program %lu, model %lu", k,
				 (unsigned long)xt_bpf_stat(b, k), (unsigned long)r->hits[k]);
			return -1;
		}
	return 0;
}
