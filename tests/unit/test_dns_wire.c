// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_wire.c - query parsing and response building, every rcode path of the wire code. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>

#include "dns_wire.h"
#include "xt_dns.h"

static int parse(const struct xt_q *xq, struct dns_query *q)
{
	uint8_t b[600];
	size_t n = xt_dns_query(xq, 0x1234, b);

	return dns_parse_query(b, n, q);
}

Test(dns_wire, plain_query)
{
	struct dns_query q;

	cr_assert_eq(parse(&(struct xt_q){ .name = "0.De.pool.NTP.test", .qtype = 28 }, &q), 0);
	cr_expect_eq(q.id, 0x1234);
	cr_expect_eq(q.labels, 5);
	cr_expect(dns_label_is(&q, 1, "de"), "labels are lowercased");
	cr_expect(dns_label_is(&q, 3, "ntp"));
	cr_expect_eq(q.qtype, 28);
	cr_expect_eq(q.qclass, 1);
	cr_expect(!q.edns);
}

Test(dns_wire, edns_and_ecs)
{
	struct dns_query q;

	cr_assert_eq(parse(&(struct xt_q){ .name = "pool.ntp.test", .edns = 1, .udp = 100,
					   .ecs_family = 1, .ecs_source = 20,
					   .ecs_addr = "198.18.64.0" },
			   &q),
		     0);
	cr_expect(q.edns);
	cr_expect_eq(q.edns_udp, 512, "sizes below 512 mean 512");
	cr_expect(q.ecs);
	cr_expect_eq(q.ecs_source, 20);
	cr_expect_eq(q.ecs_addr[1], 18);
	cr_expect_eq(q.ecs_addr[2], 64);
}

Test(dns_wire, rejects)
{
	struct dns_query q;
	uint8_t b[600];
	size_t n;

	cr_expect_eq(dns_parse_query((const uint8_t *)"short", 5, &q), DNS_DROP, "no header");
	cr_expect_eq(parse(&(struct xt_q){ .name = "a.test", .flags = 0x8000 }, &q), DNS_DROP,
		     "a response");
	cr_expect_eq(parse(&(struct xt_q){ .name = "a.test", .flags = 0x1000 }, &q), DNS_NOTIMP,
		     "opcode 2 (STATUS)");
	cr_expect(q.question_ok, "NOTIMP still echoes the question");
	cr_expect_eq(parse(&(struct xt_q){ .name = "a.test", .edns = 1, .version = 1 }, &q),
		     DNS_BADVERS);
	cr_expect_eq(parse(&(struct xt_q){ .name = "a.test", .edns = 1, .ecs_family = 3,
					   .ecs_source = 8, .ecs_addr = "10.0.0.0" },
			   &q),
		     DNS_FORMERR, "ECS family 3");
	cr_expect_eq(parse(&(struct xt_q){ .name = "a.test", .edns = 1, .ecs_family = 1,
					   .ecs_source = 33, .ecs_addr = "10.0.0.0" },
			   &q),
		     DNS_FORMERR, "ECS /33 for IPv4");
	cr_expect_eq(parse(&(struct xt_q){ .name = "a.test", .edns = 1, .ecs_family = 1,
					   .ecs_source = 24, .ecs_scope = 8, .ecs_addr = "10.0.0.0" },
			   &q),
		     DNS_FORMERR, "ECS scope set in a query");
	cr_expect_eq(parse(&(struct xt_q){ .name = "a.test", .edns = 1, .ecs_family = 1,
					   .ecs_source = 20, .ecs_addr = "10.0.255.0" },
			   &q),
		     DNS_FORMERR, "ECS address bits beyond the prefix");
	/* hand-made breakage */
	n = xt_dns_query(&(struct xt_q){ .name = "a.test" }, 1, b);
	b[5] = 2;
	cr_expect_eq(dns_parse_query(b, n, &q), DNS_FORMERR, "qdcount 2");
	b[5] = 0;
	cr_expect_eq(dns_parse_query(b, n, &q), DNS_FORMERR, "qdcount 0");
	b[5] = 1;
	cr_expect_eq(dns_parse_query(b, n - 2, &q), DNS_FORMERR, "truncated question");
	b[7] = 1;
	cr_expect_eq(dns_parse_query(b, n, &q), DNS_FORMERR, "answers in a query");
	b[7] = 0;
	b[12] = 0xc0;
	cr_expect_eq(dns_parse_query(b, n, &q), DNS_FORMERR, "a compression pointer in the question");
	b[12] = 64;
	cr_expect_eq(dns_parse_query(b, n, &q), DNS_FORMERR, "label over 63");
	/* an ECS option whose length runs past the OPT */
	n = xt_dns_query(&(struct xt_q){ .name = "a.test", .edns = 1, .ecs_family = 1,
					 .ecs_source = 24, .ecs_addr = "10.0.0.0" },
			 1, b);
	b[n - 8] += 2; /* the ECS option length */
	cr_expect_eq(dns_parse_query(b, n, &q), DNS_FORMERR, "option overruns the OPT");
	/* two OPT records */
	n = xt_dns_query(&(struct xt_q){ .name = "a.test", .edns = 1 }, 1, b);
	memcpy(b + n, b + n - 11, 11);
	b[11] = 2;
	cr_expect_eq(dns_parse_query(b, n + 11, &q), DNS_FORMERR, "two OPT records");
}

Test(dns_wire, long_names)
{
	char name[400] = "";
	struct dns_query q;

	for (int i = 0; i < 40; i++)
		strcat(name, "abcdefg.");
	strcat(name, "test");
	cr_expect_eq(parse(&(struct xt_q){ .name = name }, &q), DNS_FORMERR, "over 255 bytes");
	/* the limit is on the wire form (RFC 1035 2.3.4), root label included: 255 in, 256 out */
	for (int last = 61; last <= 62; last++) {
		char *p = name;

		for (int l = 0; l < 3; l++)
			p += sprintf(p, "%.63s.", "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
		sprintf(p, "%.*s", last, "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
		if (last == 61) {
			cr_expect_eq(parse(&(struct xt_q){ .name = name }, &q), 0, "255-byte wire name");
			cr_expect_eq(q.name_wire_len, 255);
		} else {
			cr_expect_eq(parse(&(struct xt_q){ .name = name }, &q), DNS_FORMERR,
				     "256-byte wire name");
		}
	}
}

Test(dns_wire, response_building)
{
	uint8_t in[600], out[600];
	size_t n = xt_dns_query(&(struct xt_q){ .name = "PoOl.test", .edns = 1, .ecs_family = 1,
						.ecs_source = 24, .ecs_addr = "10.1.2.0" },
				7, in);
	struct dns_query q;
	struct dns_msg m;
	struct xt_r r;
	uint8_t a[4] = { 192, 0, 2, 1 };

	struct dns_opt_out o = { .ecs_scope = 16 };

	cr_assert_eq(dns_parse_query(in, n, &q), 0);
	dns_msg_start(&m, out, 512, &q, in, &o);
	cr_assert_eq(dns_msg_rr(&m, DNS_AN, 12, NULL, 0, DNS_T_A, DNS_C_IN, 150, a, 4), 0);
	n = dns_msg_finish(&m, &q, 0);
	cr_assert_eq(xt_dns_read(out, n, &r), 0);
	cr_expect_eq(r.id, 7);
	cr_expect(r.flags & 0x8000 && r.flags & 0x0400 && r.flags & 0x0100, "QR, AA, RD copied");
	cr_expect_eq(r.an, 1);
	cr_expect_eq(r.ar, 1);
	cr_expect_str_eq(r.addr[0], "192.0.2.1");
	cr_expect_eq(r.ecs_scope, 16);
	cr_expect_eq(r.opt_udp, 1232);
	cr_expect_eq(memcmp(out + 12, "\4PoOl", 5), 0, "the question keeps the client's case");
	cr_expect_eq(out[12 + 11 + 4], 0xc0, "the answer points at the question name");
	n = dns_msg_truncate(out, n);
	cr_assert_eq(xt_dns_read(out, n, &r), 0);
	cr_expect(r.flags & 0x0200, "TC");
	cr_expect_eq(r.an + r.ns + r.ar, 0);
	cr_expect_eq(r.qd, 1);
}

Test(dns_wire, rr_does_not_fit)
{
	uint8_t in[600], out[600], big[400] = { 0 };
	size_t n = xt_dns_query(&(struct xt_q){ .name = "a.test" }, 7, in);
	struct dns_query q;
	struct dns_msg m;

	cr_assert_eq(dns_parse_query(in, n, &q), 0);
	dns_msg_start(&m, out, 512, &q, in, NULL);
	cr_expect_eq(dns_msg_rr(&m, DNS_AN, 12, NULL, 0, 16, 1, 0, big, 400), 0);
	cr_expect_eq(dns_msg_rr(&m, DNS_AN, 12, NULL, 0, 16, 1, 0, big, 400), -ENOSPC);
	cr_expect_eq(m.count[DNS_AN], 1);
}

Test(dns_wire, name_to_wire)
{
	uint8_t w[256];

	cr_expect_eq(dns_name_to_wire("Pool.NTP.org", w, sizeof(w)), 14);
	cr_expect_eq(memcmp(w, "\4pool\3ntp\3org", 14), 0);
	cr_expect_eq(dns_name_to_wire("a..b", w, sizeof(w)), -EINVAL);
}
