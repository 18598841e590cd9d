// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_frame.c - the AF_XDP path's frames: what is parsed, what is refused, the replies built.
 */
#include <errno.h>
#include <string.h>
#include <criterion/criterion.h>

#include "dns_frame.h"
#include "xt_pkt.h"

static const uint8_t msg[40] = {0xab, 0xcd, 0x81, 0x80};

/* A reply for every accepted shape: swapped, tags kept, checksums whole, nothing past cap. */
Test(dns_frame, replies_to_every_accepted_shape)
{
	static const struct xt_spec specs[] = {
	    {.dport = 53, .ntp_len = 33},
	    {.dport = 53, .ntp_len = 33, .vlans = 1},
	    {.dport = 53, .ntp_len = 33, .vlans = 2, .outer_ad = 1},
	    {.dport = 53, .ntp_len = 33, .ihl = 7}, /* IPv4 options: not echoed */
	    {.dport = 53, .ntp_len = 33, .v6 = 1},
	    {.dport = 53, .ntp_len = 33, .v6 = 1, .vlans = 2},
	    {.dport = 53, .ntp_len = 33, .csum = XT_CSUM_PARTIAL}, /* veth: not checked */
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		uint8_t q[XT_MAX_FRAME], f[XT_MAX_FRAME + 64];
		size_t len = xt_build(&specs[i], q), n, hdr = specs[i].v6 ? 48 : 28;
		struct dns_frame fr;
		struct xt_layers ql, rl;

		cr_assert_eq(dns_frame_parse(q, len, &fr), 0, "shape %zu", i);
		cr_expect_eq(fr.msg_len, 33, "shape %zu", i);
		cr_expect_eq(fr.cl.family, specs[i].v6 ? 6 : 4);
		cr_expect_eq(fr.l3, 14 + 4u * specs[i].vlans);
		memcpy(f, q, len);
		memset(f + len, 0xa5, sizeof(f) - len);
		n = dns_frame_reply(f, fr.l3 + hdr + sizeof(msg), &fr, msg, sizeof(msg));
		cr_assert_eq(n, fr.l3 + hdr + sizeof(msg), "shape %zu: reply length", i);
		for (size_t k = (n > len ? n : len); k < sizeof(f); k++)
			cr_assert_eq(f[k], 0xa5, "shape %zu: byte %zu written past cap", i, k);
		cr_expect(xt_csums_valid(f, n), "shape %zu: IP and UDP checksums", i);
		cr_assert_eq(xt_layers(q, len, &ql), 0);
		cr_assert_eq(xt_layers(f, n, &rl), 0);
		cr_expect_eq(memcmp(f, q + 6, 6), 0, "destination MAC: the query's source");
		cr_expect_eq(memcmp(f + 6, q, 6), 0);
		cr_expect_eq(memcmp(f + 12, q + 12, fr.l3 - 12), 0, "VLAN tags kept");
		if (specs[i].v6) {
			cr_expect_eq(memcmp(f + rl.l3 + 8, q + ql.l3 + 24, 16), 0,
				     "source: our address");
			cr_expect_eq(memcmp(f + rl.l3 + 24, q + ql.l3 + 8, 16), 0);
		} else {
			cr_expect_eq(f[rl.l3], 0x45, "a fresh 20-byte header");
			cr_expect_eq(memcmp(f + rl.l3 + 12, q + ql.l3 + 16, 4), 0);
			cr_expect_eq(memcmp(f + rl.l3 + 16, q + ql.l3 + 12, 4), 0);
		}
		cr_expect_eq(memcmp(f + rl.l4, q + ql.l4 + 2, 2), 0,
			     "source port: the query's dst");
		cr_expect_eq(memcmp(f + rl.l4 + 2, q + ql.l4, 2), 0);
		cr_expect_eq(memcmp(f + rl.l4 + 8, msg, sizeof(msg)), 0);
		/* a cap one byte short: nothing built, nothing written past it */
		memcpy(f, q, len);
		memset(f + len, 0xa5, sizeof(f) - len);
		cr_expect_eq(
		    dns_frame_reply(f, fr.l3 + hdr + sizeof(msg) - 1, &fr, msg, sizeof(msg)), 0);
	}
}

/* What only the kernel handles: refused as malformed (the XDP program passes most). */
Test(dns_frame, refuses_what_it_does_not_own)
{
	static const struct {
		struct xt_spec s;
		int cut; /* bytes cut off the end */
		const char *what;
	} bad[] = {
	    {{.dport = 53, .ntp_len = 33, .frag = 0x2000}, 0, "an IPv4 fragment (MF)"},
	    {{.dport = 53, .ntp_len = 33, .frag = 0x0010}, 0, "an IPv4 fragment (offset)"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .v6_ext = XT_Z}, 0, "an extension header"},
	    {{.dport = 53, .ntp_len = 33, .proto = 6}, 0, "TCP"},
	    {{.dport = 53, .ntp_len = 33, .vlans = 3}, 0, "three VLAN tags"},
	    {{.dport = 53, .ntp_len = 33, .udp_len_delta = 1}, 0, "UDP length past the packet"},
	    {{.dport = 53, .ntp_len = 33, .udp_len_delta = -34}, 0, "UDP length under 8"},
	    {{.dport = 53, .ntp_len = 33, .ip_len_delta = 1}, 0, "IP length past the frame"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .ip_len_delta = 1}, 0, "IPv6 length too"},
	    {{.dport = 53, .ntp_len = 33}, 20, "a frame cut short"},
	    {{.dport = 53, .ntp_len = 33, .ethertype = 0x0806}, 0, "ARP"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t f[XT_MAX_FRAME];
		size_t len = xt_build(&bad[i].s, f);
		struct dns_frame fr;

		cr_expect_eq(dns_frame_parse(f, len - bad[i].cut, &fr), -EINVAL, "%s", bad[i].what);
	}
	for (size_t cut = 0; cut < 14; cut++) {
		uint8_t f[XT_MAX_FRAME];
		struct dns_frame fr;

		xt_build(&(struct xt_spec){.dport = 53}, f);
		cr_expect_eq(dns_frame_parse(f, cut, &fr), -EINVAL, "%zu bytes", cut);
	}
}

/*
 * Sources no reply may go to, refused apart from the malformed (defence in depth: the XDP
 * program drops them first): the reply would go to port 0, to a group, to nobody, to a
 * loopback, or to an IPv4 address hidden in an IPv6 one.
 */
Test(dns_frame, refuses_sources_no_reply_may_go_to)
{
	static const uint8_t group_mac[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	static const struct {
		struct xt_spec s;
		const char *what;
	} bad[] = {
	    {{.dport = 53, .ntp_len = 33, .sport = XT_Z}, "source port 0"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .sport = XT_Z}, "IPv6, source port 0"},
	    {{.dport = 53, .ntp_len = 33, .mac_src = group_mac}, "a group source MAC"},
	    {{.dport = 53, .ntp_len = 33, .src = "127.0.0.1"}, "a loopback source"},
	    {{.dport = 53, .ntp_len = 33, .src = "224.0.0.1"}, "a multicast source"},
	    {{.dport = 53, .ntp_len = 33, .src = "255.255.255.255"}, "the limited broadcast"},
	    {{.dport = 53, .ntp_len = 33, .src = "0.0.0.0"}, "0.0.0.0"},
	    {{.dport = 53, .ntp_len = 33, .src = "192.0.2.1"}, "our own address (the destination)"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .src = "2001:db8::1"}, "our own IPv6 address"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .src = "ff02::1"}, "an IPv6 multicast source"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .src = "::"}, "the unspecified source"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .src = "::1"}, "IPv6 loopback"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .src = "::ffff:10.201.0.2"}, "IPv4-mapped"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .src = "::ffff:10.201.0.255"},
	     "IPv4-mapped broadcast"},
	    {{.dport = 53, .ntp_len = 33, .v6 = 1, .src = "::10.201.0.2"}, "IPv4-compatible"},
	};
	static const struct xt_spec good[] = {
	    /* a directed broadcast: only the program knows the host's prefixes */
	    {.dport = 53, .ntp_len = 33, .src = "10.201.0.255"},
	    {.dport = 53, .ntp_len = 33, .v6 = 1, .src = "::1:0:0:1"},
	    {.dport = 53, .ntp_len = 33, .v6 = 1, .src = "::fffe:10.201.0.2"},
	    {.dport = 53, .ntp_len = 33, .v6 = 1, .src = "fe80::1"},
	    {.dport = 53, .ntp_len = 33, .sport = 1},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t f[XT_MAX_FRAME];
		size_t len = xt_build(&bad[i].s, f);
		struct dns_frame fr;

		cr_expect_eq(dns_frame_parse(f, len, &fr), -EADDRNOTAVAIL, "%s", bad[i].what);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint8_t f[XT_MAX_FRAME];
		size_t len = xt_build(&good[i], f);
		struct dns_frame fr;

		cr_expect_eq(dns_frame_parse(f, len, &fr), 0, "good source %zu", i);
	}
}
