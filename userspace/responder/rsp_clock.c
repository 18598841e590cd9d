// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rsp_clock.c - builds clock slots and publishes them to the XDP program's latch. */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rsp_clock.h"

void rsp_clock_fill(struct xpool_clock_slot *s, const struct rsp_clock_params *p,
		     uint64_t mono_ns, const struct timespec *real)
{
	uint64_t now = xp_timespec_to_ntp64(real);

	memset(s, 0, sizeof(*s));
	s->mono_ns = mono_ns;
	s->ntp_time = now;
	s->stale_ns = p->stale_ns;
	s->ref_time = htobe64(p->ref_time ? p->ref_time : now);
	s->root_delay = htobe32(p->root_delay);
	s->root_disp = p->root_disp;
	s->refid = p->refid_be;
	s->disp_rate = p->disp_rate > XPOOL_DISP_RATE_MAX ? XPOOL_DISP_RATE_MAX : p->disp_rate;
	s->leap = p->leap;
	s->stratum = p->stratum;
	s->precision = p->precision;
	s->flags = p->synced ? XPOOL_CLOCK_SYNCED : 0;
}

void rsp_clock_publish(struct xpool_clock *ck, const struct xpool_clock_slot *s)
{
	uint64_t seq = __atomic_load_n(&ck->seq, __ATOMIC_RELAXED);

	/* odd: readers use slot[1] while slot[0] is rewritten */
	__atomic_store_n(&ck->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(&ck->slot[0], s, sizeof(*s));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* even: readers use the new slot[0] while slot[1] catches up */
	__atomic_store_n(&ck->seq, seq + 2, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(&ck->slot[1], s, sizeof(*s));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int rsp_clock_refresh(struct xpool_clock *ck, const struct rsp_clock_params *p,
		       const struct xp_clock_src *src)
{
	struct xpool_clock_slot s;
	struct timespec real;
	uint64_t mono;
	int ret;

	ret = xp_clock_sandwich(src, &mono, &real);
	if (ret)
		goto out;
	rsp_clock_fill(&s, p, mono, &real);
	rsp_clock_publish(ck, &s);
out:
	return ret;
}

int rsp_clock_mmap(int map_fd, struct xpool_clock **ck, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *mem;

	*len = (sizeof(struct xpool_clock) + page - 1) / page * page;
	mem = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	*ck = mem;
	return 0;
}
