// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpool_bench.bpf.c - bench wrappers: restore the request in the packet, then run the real code,
 * so that bpf_prog_test_run_opts can repeat a run many times with warm caches. */
#define XPOOL_BENCH 1
#include "xpool_ntp.bpf.c"
#include "xpool_reflect.bpf.c"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BENCH_FRAME_LEN 90 /* untagged IPv4 NTP request */

/* writable global (.bss), so that clang cannot fold the zero initialiser into the copy */
__u8 bench_frame[BENCH_FRAME_LEN];

static __always_inline int restore(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;

	if (data + BENCH_FRAME_LEN > end)
		return -1;
	__builtin_memcpy(data, bench_frame, BENCH_FRAME_LEN);
	return 0;
}

SEC("xdp")
int bench_ntp(struct xdp_md *ctx)
{
	return restore(ctx) ? XDP_ABORTED : xpool_ntp_handle(ctx);
}

SEC("xdp")
int bench_reflect(struct xdp_md *ctx)
{
	return restore(ctx) ? XDP_ABORTED : xpool_reflect_handle(ctx);
}

SEC("xdp")
int bench_restore_only(struct xdp_md *ctx)
{
	return restore(ctx) ? XDP_ABORTED : XDP_TX;
}
