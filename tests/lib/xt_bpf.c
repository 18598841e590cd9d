// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xt_bpf.c - test fixture: the real XDP object, its clock map and bpf_prog_test_run_opts. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "xt_bpf.h"

uint64_t xt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return xp_ts_ns(&ts);
}

struct rsp_clock_params xt_default_clock(void)
{
	struct rsp_clock_params p = {
		.synced = true,
		.leap = 0,
		.stratum = 2,
		.precision = -25,
		.ref_time = 0xeb0a1b2c3d4e5f60ULL,
		.root_delay = 0x00000123,
		.root_disp = 0x00000456,
		.disp_rate = 0,
		.stale_ns = XPOOL_STALE_DEFAULT_NS,
	};

	memcpy(&p.refid_be, "XPOL", 4);
	return p;
}

void xt_bpf_clock(struct xt_bpf *b, const struct rsp_clock_params *p, uint64_t age_ns)
{
	struct timespec real;
	uint64_t mono;

	xp_clock_sandwich(&xp_clock_system, &mono, &real);
	mono -= age_ns;
	real.tv_sec -= age_ns / 1000000000ULL;
	real.tv_nsec -= age_ns % 1000000000ULL;
	if (real.tv_nsec < 0) {
		real.tv_nsec += 1000000000L;
		real.tv_sec--;
	}
	rsp_clock_fill(&b->slot, p, mono, &real);
	rsp_clock_publish(b->x.clock, &b->slot);
}

int xt_bpf_set_config(struct xt_bpf *b, const struct xpool_config *cfg)
{
	b->cfg = *cfg;
	return rsp_xdp_set_config(&b->x, cfg);
}

int xt_bpf_open(struct xt_bpf *b)
{
	struct xpool_config cfg = { .control_mode = XPOOL_CONTROL_DROP, .min_poll = INT8_MIN };
	struct rsp_clock_params p = xt_default_clock();
	int ret;

	memset(b, 0, sizeof(*b));
	ret = rsp_xdp_load(&b->x, NULL, 0);
	if (ret)
		return ret;
	ret = xt_bpf_set_config(b, &cfg);
	if (!ret)
		xt_bpf_clock(b, &p, 0);
	return ret;
}

void xt_bpf_close(struct xt_bpf *b)
{
	rsp_xdp_close(&b->x);
}

int xt_bpf_run(struct xt_bpf *b, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
	       uint32_t *action)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = len, .data_out = out,
		    .data_size_out = *out_len, .repeat = 1);
	int ret = bpf_prog_test_run_opts(rsp_xdp_prog_fd(&b->x), &opts);

	if (ret)
		return ret;
	*out_len = opts.data_size_out;
	*action = opts.retval;
	return 0;
}

uint64_t xt_bpf_stat(struct xt_bpf *b, enum xpool_stat st)
{
	uint64_t all[XPOOL_STAT__MAX];

	if (rsp_xdp_read_stats(&b->x, all))
		return UINT64_MAX;
	return all[st];
}
