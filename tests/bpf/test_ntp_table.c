// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ntp_table.c - the XDP responder against a table of crafted frames, byte for byte. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xpool_ntp.skel.h"
#include "xt_bpf.h"
#include "xt_check.h"
#include "xt_pkt.h"
#include "xt_need.h"

TestSuite(ntp_table, .init = xt_need_bpf);

enum setup {
	SETUP_NONE,
	SETUP_CONTROL_PASS,
	SETUP_FILTER,
	SETUP_NEVER_WRITTEN,
	SETUP_STALE,
	SETUP_UNSYNC,
	SETUP_LEAP_INSERT,
	SETUP_LEAP_DELETE,
	SETUP_MIN_POLL,
	SETUP_GROWTH,
	SETUP_BAD_STRATUM,
};

struct tcase {
	const char *name;
	struct xt_spec spec;
	uint32_t action;
	enum xpool_stat stat;
	enum setup setup;
};

#define TX(n, ...)	    { n, { __VA_ARGS__ }, XDP_TX, XPOOL_STAT_REPLY, SETUP_NONE }
#define V(n, a, s, ...)	    { n, { __VA_ARGS__ }, XDP_##a, XPOOL_STAT_##s, SETUP_NONE }
#define VS(n, a, s, u, ...) { n, { __VA_ARGS__ }, XDP_##a, XPOOL_STAT_##s, SETUP_##u }

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t mcast6_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

static struct tcase cases[] = {
	TX("ipv4 plain"),
	TX("ipv6 plain", .v6 = 1),
	TX("ipv4 one 802.1Q tag", .vlans = 1),
	TX("ipv6 one 802.1Q tag", .v6 = 1, .vlans = 1),
	TX("ipv4 802.1ad + 802.1Q", .vlans = 2, .outer_ad = 1),
	TX("ipv6 two 802.1Q tags", .v6 = 1, .vlans = 2),
	V("three tags are not parsed", PASS, PASS_NOT_IP, .vlans = 3),
	TX("ipv4 options ihl 6", .ihl = 6),
	TX("ipv4 options ihl 15 + 2 tags", .ihl = 15, .vlans = 2),
	TX("ipv4 ethernet padding", .pad = 10),
	TX("ipv6 ethernet padding", .v6 = 1, .pad = 6),
	TX("ipv4 partial checksum (veth TX offload)", .csum = XT_CSUM_PARTIAL),
	TX("ipv6 partial checksum", .v6 = 1, .csum = XT_CSUM_PARTIAL),
	TX("ipv4 no checksum", .csum = XT_CSUM_ZERO),
	V("ipv6 zero checksum is invalid", PASS, PASS_BAD_CSUM, .v6 = 1, .csum = XT_CSUM_ZERO),
	V("ipv4 bad udp checksum", PASS, PASS_BAD_CSUM, .csum = XT_CSUM_BAD),
	V("ipv6 bad udp checksum", PASS, PASS_BAD_CSUM, .v6 = 1, .csum = XT_CSUM_BAD),
	TX("ipv4 ECN bits cleared", .tos = 0xb9),
	TX("ipv6 ECN bits cleared", .v6 = 1, .tos = 0xb9),
	TX("ipv4 ttl 1 answered with 64", .ttl = 1),
	TX("poll 10 echoed", .poll = 10),
	TX("poll -3 echoed", .poll = -3),
	TX("ntp v1", .vn = 1),
	TX("ntp v2", .vn = 2),
	TX("ntp v3", .vn = 3),
	V("arp", PASS, PASS_NOT_IP, .ethertype = 0x0806),
	V("ipv4 tcp to 123", PASS, PASS_NOT_UDP, .proto = 6),
	V("ipv6 icmpv6", PASS, PASS_NOT_UDP, .v6 = 1, .proto = 58),
	V("ipv4 udp port 124", PASS, PASS_OTHER_PORT, .dport = 124),
	V("ipv6 udp port 53", PASS, PASS_OTHER_PORT, .v6 = 1, .dport = 53),
	V("ipv4 first fragment (MF)", PASS, PASS_FRAGMENT, .frag = 0x2000),
	V("ipv4 later fragment (offset)", PASS, PASS_FRAGMENT, .frag = 0x0010),
	TX("ipv4 DF is fine", .frag = 0x4000),
	V("ipv6 hop-by-hop", PASS, PASS_IPV6_EXT, .v6 = 1, .v6_ext = XT_Z),
	V("ipv6 fragment header", PASS, PASS_IPV6_EXT, .v6 = 1, .v6_ext = 44),
	V("ipv6 destination options", PASS, PASS_IPV6_EXT, .v6 = 1, .v6_ext = 60),
	V("ipv4 bad header checksum", PASS, PASS_L3_INVALID, .bad_ipcsum = 1),
	V("ipv4 ihl 4", PASS, PASS_L3_INVALID, .ihl = 4),
	V("ipv4 total length beyond frame", PASS, PASS_L3_INVALID, .ip_len_delta = 1),
	V("ipv4 total length below headers", PASS, PASS_L3_INVALID, .ip_len_delta = -50),
	V("ipv6 payload length beyond frame", PASS, PASS_L3_INVALID, .v6 = 1, .ip_len_delta = 1),
	V("ipv6 payload length below udp", PASS, PASS_L3_INVALID, .v6 = 1, .ip_len_delta = -50),
	V("ipv6 version 4 in ipv6 ethertype", PASS, PASS_L3_INVALID, .ethertype = 0x86dd),
	V("udp length beyond ip payload", DROP, DROP_MALFORMED, .udp_len_delta = 1),
	V("udp length below 8", DROP, DROP_MALFORMED, .udp_len_delta = -50),
	V("ipv6 udp length beyond payload", DROP, DROP_MALFORMED, .v6 = 1, .udp_len_delta = 4),
	TX("udp length shorter than ip payload: ntp 48 + trailer", .ip_len_delta = 4, .pad = 4),
	V("source port 0", DROP, DROP_BAD_ADDR, .sport = XT_Z),
	V("source 0.0.0.0", DROP, DROP_BAD_ADDR, .src = "0.0.0.0"),
	V("source 127.0.0.1", DROP, DROP_BAD_ADDR, .src = "127.0.0.1"),
	V("source 224.0.0.1", DROP, DROP_BAD_ADDR, .src = "224.0.0.1"),
	V("source 255.255.255.255", DROP, DROP_BAD_ADDR, .src = "255.255.255.255"),
	V("destination 255.255.255.255", DROP, DROP_BAD_ADDR, .dst = "255.255.255.255"),
	V("destination 224.0.1.1", DROP, DROP_BAD_ADDR, .dst = "224.0.1.1"),
	V("source ::", DROP, DROP_BAD_ADDR, .v6 = 1, .src = "::"),
	V("source ::1", DROP, DROP_BAD_ADDR, .v6 = 1, .src = "::1"),
	/* regression (hostile-input review): IPv6 sources that embed IPv4 */
	V("source ::ffff:127.0.0.1", DROP, DROP_BAD_ADDR, .v6 = 1, .src = "::ffff:127.0.0.1"),
	V("source ::ffff:224.0.0.1", DROP, DROP_BAD_ADDR, .v6 = 1, .src = "::ffff:224.0.0.1"),
	V("source ::127.0.0.1", DROP, DROP_BAD_ADDR, .v6 = 1, .src = "::127.0.0.1"),
	V("source ::ffff:192.0.2.9", DROP, DROP_BAD_ADDR, .v6 = 1, .src = "::ffff:192.0.2.9"),
	/* L2 broadcast and multicast: a reply would flood the segment */
	V("source MAC broadcast", DROP, DROP_BAD_MAC, .mac_src = bcast_mac),
	V("source MAC multicast", DROP, DROP_BAD_MAC, .mac_src = mcast_mac),
	V("destination MAC broadcast", DROP, DROP_BAD_MAC, .mac_dst = bcast_mac),
	V("IPv6 source MAC multicast", DROP, DROP_BAD_MAC, .v6 = 1, .mac_src = mcast6_mac),
	V("source ff02::1", DROP, DROP_BAD_ADDR, .v6 = 1, .src = "ff02::1"),
	V("destination ff02::101", DROP, DROP_BAD_ADDR, .v6 = 1, .dst = "ff02::101"),
	V("mode 6 dropped", DROP, DROP_CONTROL, .mode = 6, .ntp_len = 12),
	V("mode 7 monlist dropped", DROP, DROP_CONTROL, .mode = 7, .vn = 2, .ntp_len = 8),
	V("ipv6 mode 7 dropped", DROP, DROP_CONTROL, .v6 = 1, .mode = 7, .ntp_len = 192),
	VS("mode 6 passed by config", PASS, PASS_CONTROL, CONTROL_PASS, .mode = 6, .ntp_len = 12),
	VS("filter: listed ipv4", TX, REPLY, FILTER, .dst = "192.0.2.1"),
	VS("filter: unlisted ipv4", PASS, PASS_NOT_OURS, FILTER, .dst = "192.0.2.9"),
	VS("filter: listed ipv6", TX, REPLY, FILTER, .v6 = 1, .dst = "2001:db8::1"),
	VS("filter: unlisted ipv6", PASS, PASS_NOT_OURS, FILTER, .v6 = 1, .dst = "2001:db8::9"),
	VS("clock never written", PASS, PASS_STALE, NEVER_WRITTEN),
	VS("clock stale", PASS, PASS_STALE, STALE),
	VS("ipv6 clock stale", PASS, PASS_STALE, STALE, .v6 = 1),
	VS("unsynchronised: LI=3 stratum 0", TX, REPLY_UNSYNC, UNSYNC),
	VS("stratum 16 is unsynchronised", TX, REPLY_UNSYNC, BAD_STRATUM),
	VS("leap insert: LI=1", TX, REPLY, LEAP_INSERT),
	VS("leap delete: LI=2", TX, REPLY, LEAP_DELETE, .v6 = 1),
	VS("poll raised to min-poll", TX, REPLY, MIN_POLL, .poll = 2),
	VS("poll above min-poll kept", TX, REPLY, MIN_POLL, .poll = 9),
	VS("root dispersion grows with age", TX, REPLY, GROWTH),
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Criterion hands parameters to another process: pass indices, not pointers. */
ParameterizedTestParameters(ntp_table, cases)
{
	static int idx[N_CASES];

	for (size_t i = 0; i < N_CASES; i++)
		idx[i] = i;
	return cr_make_param_array(int, idx, N_CASES);
}

static void apply_setup(struct xt_bpf *b, enum setup setup)
{
	struct xpool_config cfg = b->cfg;
	struct rsp_clock_params p = xt_default_clock();
	struct xpool_clock_slot zero = { 0 };
	struct xpool_addr a4 = { .addr = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 } }, a6;
	__u32 one = 1;

	inet_pton(AF_INET6, "2001:db8::1", a6.addr);
	switch (setup) {
	case SETUP_NONE:
		return;
	case SETUP_CONTROL_PASS:
		cfg.control_mode = XPOOL_CONTROL_PASS;
		break;
	case SETUP_FILTER:
		cfg.addr_filter = 1;
		cr_assert_eq(bpf_map_update_elem(b->x.map_fd[XPOOL_MAP_ADDRS], &a4,
						 &one, 0),
			     0);
		cr_assert_eq(bpf_map_update_elem(b->x.map_fd[XPOOL_MAP_ADDRS], &a6,
						 &one, 0),
			     0);
		break;
	case SETUP_NEVER_WRITTEN:
		rsp_clock_publish(b->x.clock, &zero);
		b->slot = zero;
		return;
	case SETUP_STALE:
		p.stale_ns = 2000000000ULL;
		xt_bpf_clock(b, &p, 2100000000ULL);
		return;
	case SETUP_UNSYNC:
		p.synced = false;
		xt_bpf_clock(b, &p, 0);
		return;
	case SETUP_BAD_STRATUM:
		p.stratum = 16;
		xt_bpf_clock(b, &p, 0);
		return;
	case SETUP_LEAP_INSERT:
	case SETUP_LEAP_DELETE:
		p.leap = setup == SETUP_LEAP_INSERT ? 1 : 2;
		xt_bpf_clock(b, &p, 0);
		return;
	case SETUP_MIN_POLL:
		cfg.min_poll = 4;
		break;
	case SETUP_GROWTH:
		p.disp_rate = XPOOL_DISP_RATE_PHI;
		xt_bpf_clock(b, &p, 5000000000ULL); /* 5 s at 15 ppm: 75 us, about 5 units */
		return;
	}
	cr_assert_eq(xt_bpf_set_config(b, &cfg), 0);
}

ParameterizedTest(int *i, ntp_table, cases)
{
	const struct tcase *tc = &cases[*i];
	struct xt_bpf b;

	cr_assert_eq(xt_bpf_open(&b), 0, "cannot load the XDP program (root and BPF needed)");
	apply_setup(&b, tc->setup);
	xt_check_spec(&b, &tc->spec, tc->action, tc->stat, tc->name);
	xt_bpf_close(&b);
}

Test(ntp_table, every_version_and_mode)
{
	struct xt_bpf b;
	char name[64];

	cr_assert_eq(xt_bpf_open(&b), 0);
	for (int v6 = 0; v6 < 2; v6++) {
		for (int vn = 0; vn < 8; vn++) {
			for (int mode = 0; mode < 8; mode++) {
				struct xt_spec sp = { .v6 = v6 };
				uint32_t act = XDP_TX;
				enum xpool_stat st = XPOOL_STAT_REPLY;

				sp.vn = vn ? vn : XT_Z;
				sp.mode = mode ? mode : XT_Z;
				if (mode == 6 || mode == 7) {
					act = XDP_DROP;
					st = XPOOL_STAT_DROP_CONTROL;
				} else if (vn < 1 || vn > 4) {
					act = XDP_PASS;
					st = XPOOL_STAT_PASS_VERSION;
				} else if (mode != 3) {
					act = XDP_PASS;
					st = XPOOL_STAT_PASS_MODE;
				}
				snprintf(name, sizeof(name), "ipv%d version %d mode %d", v6 ? 6 : 4, vn,
					 mode);
				xt_check_spec(&b, &sp, act, st, name);
			}
		}
	}
	xt_bpf_close(&b);
}

Test(ntp_table, ntp_lengths)
{
	static const int lens[] = { 0, 47, 48, 52, 68, 72, 120 };
	struct xt_bpf b;
	char name[64];

	cr_assert_eq(xt_bpf_open(&b), 0);
	for (int v6 = 0; v6 < 2; v6++) {
		for (int vn = 3; vn <= 4; vn++) {
			for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
				struct xt_spec sp = { .v6 = v6, .vn = vn, .ntp_len = lens[i] ? lens[i] : XT_Z };
				uint32_t act = XDP_PASS;
				enum xpool_stat st;

				if (lens[i] < 48) {
					act = XDP_DROP;
					st = XPOOL_STAT_DROP_MALFORMED;
				} else if (lens[i] == 48) {
					act = XDP_TX;
					st = XPOOL_STAT_REPLY;
				} else if (vn == 3 || lens[i] == 52 || lens[i] == 68 || lens[i] == 72) {
					st = XPOOL_STAT_PASS_AUTH;
				} else {
					st = XPOOL_STAT_PASS_EXTENSION;
				}
				snprintf(name, sizeof(name), "ipv%d v%d ntp length %d", v6 ? 6 : 4, vn,
					 lens[i]);
				xt_check_spec(&b, &sp, act, st, name);
			}
		}
	}
	xt_bpf_close(&b);
}

/* Every prefix of a request, down to a bare Ethernet header, and below (rejected by the kernel). */
Test(ntp_table, truncation_at_every_byte)
{
	static const struct xt_spec bases[] = {
		{ 0 },
		{ .v6 = 1 },
		{ .vlans = 2, .outer_ad = 1, .ihl = 7 },
		{ .v6 = 1, .vlans = 1 },
	};
	uint8_t f[XT_MAX_FRAME], out[XT_MAX_FRAME];
	struct xt_bpf b;
	char name[64];

	cr_assert_eq(xt_bpf_open(&b), 0);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		size_t len = xt_build(&bases[i], f);

		for (size_t cut = 1; cut < len; cut++) {
			snprintf(name, sizeof(name), "base %zu cut at %zu of %zu", i, cut, len);
			if (cut < 14) {
				size_t out_len = sizeof(out);
				uint32_t act;

				cr_expect_eq(xt_bpf_run(&b, f, cut, out, &out_len, &act), -EINVAL,
					     "%s: the kernel runs no frame below 14 bytes", name);
				continue;
			}
			xt_check_frame(&b, f, cut, XDP_PASS, XPOOL_STAT_PASS_L3_INVALID, name);
		}
	}
	xt_bpf_close(&b);
}

Test(ntp_table, fresh_load_passes_everything)
{
	struct rsp_xdp x;
	uint8_t f[XT_MAX_FRAME], out[XT_MAX_FRAME];
	size_t len = xt_build(&(struct xt_spec){ 0 }, f), out_len = sizeof(out);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = len, .data_out = out,
		    .data_size_out = out_len, .repeat = 1);

	cr_assert_eq(rsp_xdp_load(&x, NULL, 0), 0);
	cr_assert_eq(bpf_prog_test_run_opts(rsp_xdp_prog_fd(&x), &opts), 0);
	cr_expect_eq(opts.retval, XDP_PASS, "no clock data yet: the kernel must answer");
	rsp_xdp_close(&x);
}

/* NTP era 1 starts 2036-02-07T06:28:16Z (Unix 2085978496): seconds wrap to 0. */
Test(ntp_table, era_rollover)
{
	struct rsp_clock_params p = xt_default_clock();
	struct timespec real = { .tv_sec = 2085978495, .tv_nsec = 999000000 };
	uint8_t f[XT_MAX_FRAME], out[XT_MAX_FRAME];
	size_t len = xt_build(&(struct xt_spec){ 0 }, f), out_len = sizeof(out);
	struct xt_layers ly;
	struct xt_bpf b;
	uint32_t act;

	cr_assert_eq(xt_bpf_open(&b), 0);
	/* read 2 ms before era 1, as seen 10 ms ago: now is 8 ms into era 1 */
	rsp_clock_fill(&b.slot, &p, xt_mono_ns() - 10000000ULL, &real);
	cr_expect_eq(b.slot.ntp_time >> 32, 0xffffffffULL);
	rsp_clock_publish(b.x.clock, &b.slot);
	cr_assert_eq(xt_bpf_run(&b, f, len, out, &out_len, &act), 0);
	cr_assert_eq(act, XDP_TX);
	xt_layers(out, len, &ly);
	cr_expect_eq(xt_get32(out + ly.ntp + 40), 0, "seconds must wrap to era 1");
	cr_expect(xt_get32(out + ly.ntp + 44) > xt_ntp_units(8000000) &&
			  xt_get32(out + ly.ntp + 44) < xt_ntp_units(500000000),
		  "fraction %#x not ~8 ms", xt_get32(out + ly.ntp + 44));
	xt_bpf_close(&b);
}
