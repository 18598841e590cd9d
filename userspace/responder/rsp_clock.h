/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rsp_clock.h - builds clock slots and publishes them to the XDP program's latch. */
#ifndef RSP_CLOCK_H
#define RSP_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xpool_shared.h"
#include "xp_time.h"

/* What the daemon knows about its time source; short formats are 16.16 seconds. */
struct rsp_clock_params {
	bool synced;
	uint8_t leap;	    /* 0 none, 1 insert, 2 delete */
	uint8_t stratum;    /* our stratum on the wire, 1..15 */
	int8_t precision;
	uint32_t refid_be;
	uint64_t ref_time;  /* NTP 32.32, host order; 0 = the time of the clock read */
	uint32_t root_delay;
	uint32_t root_disp;
	uint32_t disp_rate; /* XPOOL_DISP_RATE_PHI for 15 ppm */
	uint64_t stale_ns;
};

/* Fills a slot from params and one clock sandwich (mono_ns matches real). */
void rsp_clock_fill(struct xpool_clock_slot *s, const struct rsp_clock_params *p,
		     uint64_t mono_ns, const struct timespec *real);

/* Latch write: readers never see a half-written slot. Single writer only. */
void rsp_clock_publish(struct xpool_clock *ck, const struct xpool_clock_slot *s);

/* Reads the clock through src and publishes a fresh slot: 0 or -errno. */
int rsp_clock_refresh(struct xpool_clock *ck, const struct rsp_clock_params *p,
		       const struct xp_clock_src *src);

/* Maps a clock map (BPF_F_MMAPABLE array) for the latch writer; unmap with munmap(*len). */
int rsp_clock_mmap(int map_fd, struct xpool_clock **ck, size_t *len);

#endif
