// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xpool_ntpgun.bpf.c - load generator: live NTP request frames out, NTP replies counted in. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* the untagged IPv4 request template the userspace side writes: 14 + 20 + 8 + 48 bytes */
#define FRAME_LEN 90
#define UDP_OFF	  34
#define NTP_OFF	  42

enum { GUN_SENT, GUN_REPLIES, GUN_KOD, GUN__MAX };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GUN__MAX);
	__type(key, __u32);
	__type(value, __u64);
} gun_stats SEC(".maps");

/* source ports cycle through [port_base, port_base + port_span) */
const volatile __u16 port_base = 1024;
const volatile __u16 port_span = 60000;
__u64 seq;

static __always_inline void bump(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&gun_stats, &k);

	if (v)
		*v += 1;
}

/*
 * Run with BPF_F_TEST_XDP_LIVE_FRAMES: pages are recycled without being reset, so every field
 * that changes is rewritten each time. The UDP checksum is 0 (none, legal over IPv4), which
 * every server accepts and which spares the generator a checksum per frame.
 */
SEC("xdp")
int gun_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + UDP_OFF;
	__u32 *ts = data + NTP_OFF + 40;
	__u64 n;

	if (data + FRAME_LEN > end)
		return XDP_ABORTED;
	n = __sync_fetch_and_add(&seq, 1);
	udp->source = bpf_htons(port_base + n % port_span);
	udp->check = 0;
	ts[1] = (__u32)n; /* transmit timestamp: unique low bits */
	bump(GUN_SENT);
	return XDP_TX;
}

/* On the client's interface: UDP from port 123 is counted and dropped (a bare reflector's
 * answers keep mode 3, so the mode is not checked; KoDs are counted apart). */
SEC("xdp")
int gun_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + sizeof(*eth);
	struct udphdr *udp = data + UDP_OFF;
	__u8 *ntp = data + NTP_OFF;

	if (data + NTP_OFF + 48 > end || eth->h_proto != bpf_htons(ETH_P_IP) || iph->ihl != 5 ||
	    iph->protocol != IPPROTO_UDP || udp->source != bpf_htons(123))
		return XDP_PASS;
	bump(GUN_REPLIES);
	if ((ntp[0] & 7) == 4 && ntp[1] == 0 && (ntp[0] >> 6) == 3)
		bump(GUN_KOD);
	return XDP_DROP;
}
