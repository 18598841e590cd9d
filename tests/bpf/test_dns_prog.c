// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_prog.c - xpool-dns's XDP program against crafted frames: what reaches a socket. */
#include <arpa/inet.h>
#include <string.h>
#include <criterion/criterion.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xpool_dns_shared.h" /* before the skeleton, which names its types */
#include "xpool_dns.skel.h"
#include "xt_need.h"
#include "xt_pkt.h"

TestSuite(dns_prog, .init = xt_need_bpf);

static const uint8_t group_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

/* ::ffff:a.b.c.d or an IPv6 address, as the maps want it */
static void ip_key(const char *text, uint8_t *k)
{
	memset(k, 0, 16);
	if (inet_pton(AF_INET6, text, k) != 1) {
		k[10] = k[11] = 0xff;
		cr_assert_eq(inet_pton(AF_INET, text, k + 12), 1, "%s", text);
	}
}

/*
 * The program, told whether the interface hands over partial checksums: listening on
 * 192.0.2.1:53 and [2001:db8::1]:53 (xt_pkt's default destinations), on a host whose other
 * address is 192.0.2.7 in 192.0.2.0/24. No AF_XDP socket: what would reach one counts as
 * XDNS_NO_SOCKET.
 */
static struct xpool_dns_bpf *load(int partial)
{
	static const char *const listen[] = {"192.0.2.1", "2001:db8::1"};
	static const char *const local[] = {"192.0.2.1", "192.0.2.7", "192.0.2.255", "2001:db8::1"};
	struct xpool_dns_bpf *skel = xpool_dns_bpf__open();
	__u32 one = 1;

	cr_assert(skel, "open");
	skel->rodata->xpool_dns_cfg.partial_csum = partial;
	cr_assert_eq(xpool_dns_bpf__load(skel), 0, "load");
	for (size_t i = 0; i < sizeof(listen) / sizeof(listen[0]); i++) {
		struct xpool_dns_addr k = {.port = htons(53)};

		ip_key(listen[i], k.addr);
		cr_assert_eq(
		    bpf_map_update_elem(bpf_map__fd(skel->maps.xpool_dns_addrs), &k, &one, BPF_ANY),
		    0);
	}
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		struct xpool_dns_ip k;

		ip_key(local[i], k.addr);
		cr_assert_eq(
		    bpf_map_update_elem(bpf_map__fd(skel->maps.xpool_dns_local), &k, &one, BPF_ANY),
		    0);
	}
	return skel;
}

static uint64_t stat_of(struct xpool_dns_bpf *skel, enum xpool_dns_stat st)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu > 0 ? ncpu : 1], sum = 0;
	__u32 k = st;

	cr_assert(ncpu > 0);
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(skel->maps.xpool_dns_stats), &k, v), 0);
	for (int c = 0; c < ncpu; c++)
		sum += v[c];
	return sum;
}

/* One frame through the program: its verdict, and the one counter that moved. */
static void expect(struct xpool_dns_bpf *skel, const uint8_t *f, size_t len, uint32_t action,
		   enum xpool_dns_stat st, const char *what)
{
	uint64_t before[XDNS_N_STATS];
	uint8_t out[XT_MAX_FRAME + 64];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	for (int i = 0; i < XDNS_N_STATS; i++)
		before[i] = stat_of(skel, i);
	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xpool_dns), &opts), 0,
		     "%s: test run", what);
	cr_expect_eq(opts.retval, action, "%s: action %u, expected %u", what, opts.retval, action);
	for (int i = 0; i < XDNS_N_STATS; i++)
		cr_expect_eq(stat_of(skel, i) - before[i], i == (int)st, "%s: counter %d", what, i);
}

struct tcase {
	const char *name;
	struct xt_spec spec;
	uint32_t action;
	enum xpool_dns_stat stat;
};

#define Q(...)                                                                                     \
	{                                                                                          \
		.dport = 53, .ntp_len = 33, __VA_ARGS__                                            \
	}
#define OK(n, ...)                                                                                 \
	{                                                                                          \
		n, Q(__VA_ARGS__), XDP_PASS, XDNS_NO_SOCKET                                        \
	}
#define V(n, a, s, ...)                                                                            \
	{                                                                                          \
		n, Q(__VA_ARGS__), XDP_##a, XDNS_##s                                               \
	}
#define BAD_SRC(n, ...)	 V(n, DROP, DROP_BAD_SOURCE, __VA_ARGS__)
#define BAD_CSUM(n, ...) V(n, PASS, PASS_BAD_CSUM, __VA_ARGS__)

/* The same verdicts whether or not the interface hands over partial checksums. */
static const struct tcase cases[] = {
    OK("ipv4"),
    OK("ipv6", .v6 = 1),
    OK("ipv4, two VLAN tags", .vlans = 2, .outer_ad = 1),
    OK("ipv6, one VLAN tag", .v6 = 1, .vlans = 1),
    OK("ipv4 options (ihl 15): the header checksum covers them", .ihl = 15),
    OK("ipv4 without a UDP checksum (0): as the kernel", .csum = XT_CSUM_ZERO),
    OK("Ethernet padding is not summed", .pad = 6),
    OK("ipv6, Ethernet padding", .v6 = 1, .pad = 6),
    OK("an IPv4 source in another subnet", .src = "198.51.100.255"),
    OK("a link-local IPv6 source", .v6 = 1, .src = "fe80::1"),
    /* what the kernel judges: checksums that do not verify */
    BAD_CSUM("ipv4 header checksum", .bad_ipcsum = 1),
    BAD_CSUM("ipv4 UDP checksum", .csum = XT_CSUM_BAD),
    BAD_CSUM("ipv6 UDP checksum", .v6 = 1, .csum = XT_CSUM_BAD),
    BAD_CSUM("ipv6 UDP checksum 0: IPv6 has none", .v6 = 1, .csum = XT_CSUM_ZERO),
    BAD_CSUM("bad header checksum before a bad source, as the kernel", .bad_ipcsum = 1,
	     .sport = XT_Z),
    /* sources no reply may go to */
    BAD_SRC("source port 0", .sport = XT_Z),
    BAD_SRC("ipv6 source port 0", .v6 = 1, .sport = XT_Z),
    BAD_SRC("source: the listen address itself", .src = "192.0.2.1"),
    BAD_SRC("source: another address of the host", .src = "192.0.2.7"),
    BAD_SRC("source: the subnet's directed broadcast", .src = "192.0.2.255"),
    BAD_SRC("ipv6 source: the listen address itself", .v6 = 1, .src = "2001:db8::1"),
    BAD_SRC("source 255.255.255.255", .src = "255.255.255.255"),
    BAD_SRC("source 0.0.0.0", .src = "0.0.0.0"),
    BAD_SRC("source 127.0.0.1", .src = "127.0.0.1"),
    BAD_SRC("source 224.0.0.1", .src = "224.0.0.1"),
    BAD_SRC("source 240.0.0.1", .src = "240.0.0.1"),
    BAD_SRC("source ::ffff:192.0.2.2 (IPv4-mapped)", .v6 = 1, .src = "::ffff:192.0.2.2"),
    BAD_SRC("source ::ffff:192.0.2.255", .v6 = 1, .src = "::ffff:192.0.2.255"),
    BAD_SRC("source ::192.0.2.2 (IPv4-compatible)", .v6 = 1, .src = "::192.0.2.2"),
    BAD_SRC("source ::1", .v6 = 1, .src = "::1"),
    BAD_SRC("source ::", .v6 = 1, .src = "::"),
    BAD_SRC("source ff02::1", .v6 = 1, .src = "ff02::1"),
    BAD_SRC("a group source MAC", .mac_src = group_mac),
    BAD_SRC("a bad source before a bad UDP checksum, as the kernel", .sport = XT_Z,
	    .csum = XT_CSUM_BAD),
    /* lengths the checksum cannot be taken over */
    V("UDP length past the IP packet", PASS, PASS_SHORT, .udp_len_delta = 1),
    V("ipv4 total length past the frame", PASS, PASS_SHORT, .ip_len_delta = 1),
    V("ipv6 payload length past the frame", PASS, PASS_SHORT, .v6 = 1, .ip_len_delta = 1),
    V("ipv6 UDP length past the payload", PASS, PASS_SHORT, .v6 = 1, .udp_len_delta = 2),
    /* not ours: nothing else is looked at */
    {"another port, bad checksum",
     {.dport = 5353, .ntp_len = 33, .csum = XT_CSUM_BAD},
     XDP_PASS,
     XDNS_PASS_NOT_OURS},
    V("another address, port 0", PASS, PASS_NOT_OURS, .dst = "192.0.2.9", .sport = XT_Z),
};

Test(dns_prog, verdicts)
{
	for (int partial = 0; partial <= 1; partial++) {
		struct xpool_dns_bpf *skel = load(partial);

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			uint8_t f[XT_MAX_FRAME];
			size_t len = xt_build(&cases[i].spec, f);
			char what[160];

			snprintf(what, sizeof(what), "%s (partial %d)", cases[i].name, partial);
			expect(skel, f, len, cases[i].action, cases[i].stat, what);
		}
		xpool_dns_bpf__destroy(skel);
	}
}

/*
 * The partial form, what a veth peer's stack leaves (the folded pseudo-header sum): verified on
 * an interface that hands them over, the kernel's to judge anywhere else.
 */
Test(dns_prog, partial_checksums_only_where_the_driver_hands_them_over)
{
	for (int partial = 0; partial <= 1; partial++) {
		struct xpool_dns_bpf *skel = load(partial);

		for (int v6 = 0; v6 <= 1; v6++) {
			struct xt_spec s = Q(.v6 = v6, .csum = XT_CSUM_PARTIAL);
			uint8_t f[XT_MAX_FRAME];
			size_t len = xt_build(&s, f);

			expect(skel, f, len, XDP_PASS,
			       partial ? XDNS_NO_SOCKET : XDNS_PASS_BAD_CSUM,
			       v6 ? "ipv6 partial checksum" : "ipv4 partial checksum");
		}
		xpool_dns_bpf__destroy(skel);
	}
}

/* Every payload length the frame holds, odd and even: a right checksum verifies, a wrong not. */
Test(dns_prog, checksums_over_every_length)
{
	struct xpool_dns_bpf *skel = load(0);

	for (int v6 = 0; v6 <= 1; v6++)
		for (int n = 0; n <= XT_MAX_FRAME - 14 - 40 - 8 - 8; n++) {
			struct xt_spec good = {.dport = 53, .ntp_len = n ? n : XT_Z, .v6 = v6};
			struct xt_spec bad = good;
			uint8_t f[XT_MAX_FRAME];
			char what[64];
			size_t len;

			bad.csum = XT_CSUM_BAD;
			snprintf(what, sizeof(what), "ipv%d, %d bytes", v6 ? 6 : 4, n);
			len = xt_build(&good, f);
			expect(skel, f, len, XDP_PASS, XDNS_NO_SOCKET, what);
			len = xt_build(&bad, f);
			expect(skel, f, len, XDP_PASS, XDNS_PASS_BAD_CSUM, what);
		}
	xpool_dns_bpf__destroy(skel);
}
