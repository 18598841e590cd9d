// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpool_bench.bpf.c - bench wrappers: run the real code, then put the request back in the packet,
 * so that bpf_prog_test_run_opts can repeat a run many times with warm caches. */
#define XPOOL_BENCH 1
#include "xpool_ntp.bpf.c"
#include "xpool_reflect.bpf.c"
#include "xpool_minreply.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BENCH_FRAME_LEN 90 /* untagged IPv4 NTP request: 11 words of 8 bytes and 2 bytes */

/* Writable global (.bss): with a const one, clang would fold the zero initialiser. */
__u64 bench_frame[12];

/*
 * Word-wide, and after the run rather than before: a byte-wise copy just before the run makes
 * every wider load of the program stall on store forwarding, a cost no NIC ever imposes.
 * test_run's packet data is 8-byte aligned (it follows XDP_PACKET_HEADROOM).
 */
static __always_inline int restore(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u64 *d = data;

	if (data + BENCH_FRAME_LEN > end)
		return -1;
#pragma unroll
	for (int i = 0; i < 11; i++)
		d[i] = bench_frame[i];
	*(__u16 *)(data + 88) = (__u16)bench_frame[11];
	return 0;
}

SEC("xdp")
int bench_ntp(struct xdp_md *ctx)
{
	int action = xpool_ntp_handle(ctx);

	return restore(ctx) ? XDP_ABORTED : action;
}

SEC("xdp")
int bench_reflect(struct xdp_md *ctx)
{
	int action = xpool_reflect_handle(ctx);

	return restore(ctx) ? XDP_ABORTED : action;
}

SEC("xdp")
int bench_minreply(struct xdp_md *ctx)
{
	int action = xpool_minreply_handle(ctx);

	return restore(ctx) ? XDP_ABORTED : action;
}

/* The floor once per syscall (cold): no restore, the kernel copies the request in afresh. */
SEC("xdp")
int minreply(struct xdp_md *ctx)
{
	return xpool_minreply_handle(ctx);
}

SEC("xdp")
int bench_restore_only(struct xdp_md *ctx)
{
	return restore(ctx) ? XDP_ABORTED : XDP_TX;
}
