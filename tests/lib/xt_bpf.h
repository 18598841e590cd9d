/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xt_bpf.h - test fixture: the real XDP object, its clock map and bpf_prog_test_run_opts. */
#ifndef XT_BPF_H
#define XT_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "rsp_clock.h"
#include "rsp_xdp.h"

struct xt_bpf {
	struct rsp_xdp x;
	struct xpool_config cfg;
	struct xpool_clock_slot slot; /* what was last published */
};

/* Loads the program with a fresh, synchronised clock and the daemon's default config. */
int xt_bpf_open(struct xt_bpf *b);
void xt_bpf_close(struct xt_bpf *b);
int xt_bpf_set_config(struct xt_bpf *b, const struct xpool_config *cfg);
/* Publishes params as if read age_ns ago (real = the wall time then). */
void xt_bpf_clock(struct xt_bpf *b, const struct rsp_clock_params *p, uint64_t age_ns);
/* The clock parameters xt_bpf_open publishes. */
struct rsp_clock_params xt_default_clock(void);

/* One run through bpf_prog_test_run_opts: 0 or -errno; *out_len is the frame's new length. */
int xt_bpf_run(struct xt_bpf *b, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
	       uint32_t *action);
uint64_t xt_bpf_stat(struct xt_bpf *b, enum xpool_stat st);
uint64_t xt_mono_ns(void);

#endif
