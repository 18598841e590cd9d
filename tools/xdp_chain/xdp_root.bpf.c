// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdp_root.bpf.c - an example root XDP program: tail-calls the program in slot 0 of its array
 * (xpool-ntpd with xdp-mode tail-call, pinned at PIN_PATH/xpool_ntp_prog), else passes.
 *
 *   bpftool prog load xdp_root.bpf.o /sys/fs/bpf/root type xdp pinmaps /sys/fs/bpf/root_maps
 *   ip link set dev IFACE xdpdrv pinned /sys/fs/bpf/root
 *   bpftool map update pinned /sys/fs/bpf/root_maps/xdp_root_slots key 0 0 0 0 \
 *           value pinned /sys/fs/bpf/xpool/xpool_ntp_prog
 *
 * A real root program (a DDoS filter, a load balancer) does its own work first and tail-calls
 * xpool for what it lets through; what xpool passes goes on to the kernel, or to xdp-next. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} xdp_root_slots SEC(".maps");

SEC("xdp")
int xdp_root(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &xdp_root_slots, 0);
	return XDP_PASS; /* slot empty: the kernel */
}
