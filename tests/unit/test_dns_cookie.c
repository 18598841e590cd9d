// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_cookie.c - DNS Cookies against RFC 9018's vectors, NSID, and flags per opcode. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>

#include "dns_answer.h"
#include "dns_cookie.h"
#include "dns_wire.h"
#include "xt_dns.h"

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static int client_of(const char *ip, uint8_t *addr)
{
	int v6 = strchr(ip, ':') != NULL;

	cr_assert_eq(inet_pton(v6 ? AF_INET6 : AF_INET, ip, addr), 1);
	return v6 ? 6 : 4;
}

/* RFC 9018 Appendix A: every published server cookie, made and then verified. */
Test(dns_cookie, rfc9018_vectors)
{
	static const struct {
		const char *secret, *client, *ip;
		uint32_t now;
		const char *want;
	} v[] = {
	    {"e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100", 1559731985,
	     "010000005cf79f111f8130c3eee29480"},
	    {"e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100", 1559734385,
	     "010000005cf7a871d4a564a1442aca77"},
	    {"e5e973e5a6b2a43f48e7dc849e37bfcf", "fc93fc62807ddb86", "203.0.113.203", 1559734700,
	     "010000005cf7a9acf73a7810aca2381e"},
	    {"445536bcd2513298075a5d379663c962", "22681ab97d52c298",
	     "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961, "010000005cf7c609a6bb79d16625507a"},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t secret[16], client[8], addr[16], want[16], got[16];
		int fam = client_of(v[i].ip, addr);

		cr_assert_eq(dns_cookie_parse_secret(v[i].secret, secret), 0);
		unhex(v[i].client, client);
		unhex(v[i].want, want);
		dns_cookie_make(secret, client, fam, addr, v[i].now, got);
		cr_expect_eq(memcmp(got, want, 16), 0, "A.%zu: the server cookie differs", i + 1);
		cr_expect(
		    dns_cookie_valid(secret, NULL, client, want, 16, fam, addr, v[i].now + 60));
	}
}

Test(dns_cookie, validity_window_rollover_and_address)
{
	uint8_t secret[16], old[16], client[8], addr[16], other[16], cookie[24];
	int fam = client_of("2001:db8:220:1:59de:d0f4:8769:82b8", addr);

	/* A.4: made with the old secret, still accepted while it is the previous one */
	dns_cookie_parse_secret("445536bcd2513298075a5d379663c962", secret);
	dns_cookie_parse_secret("dd3bdf9344b678b185a6f5cb60fca715", old);
	unhex("22681ab97d52c298010000005cf7c57926556bd0934c72f8", cookie);
	memcpy(client, cookie, 8);
	cr_expect(!dns_cookie_valid(secret, NULL, client, cookie + 8, 16, fam, addr, 1559741961));
	cr_expect(dns_cookie_valid(secret, old, client, cookie + 8, 16, fam, addr, 1559741961));
	/* A.3: the reserved octets a client sent are part of the hash */
	dns_cookie_parse_secret("e5e973e5a6b2a43f48e7dc849e37bfcf", secret);
	unhex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", cookie);
	fam = client_of("203.0.113.203", addr);
	cr_expect(
	    dns_cookie_valid(secret, NULL, cookie, cookie + 8, 16, fam, addr, 1559727985 + 10),
	    "the hash covers the reserved octets as received");
	cookie[9] ^= 1;
	cr_expect(
	    !dns_cookie_valid(secret, NULL, cookie, cookie + 8, 16, fam, addr, 1559727985 + 10),
	    "and a change to them shows");
	cookie[9] ^= 1;
	cookie[8] = 2;
	cr_expect(
	    !dns_cookie_valid(secret, NULL, cookie, cookie + 8, 16, fam, addr, 1559727985 + 10),
	    "version 1 only");
	/* a fresh one: valid for an hour, up to five minutes early, from its own address only */
	dns_cookie_make(secret, cookie, fam, addr, 1000000, cookie + 8);
	cr_expect(
	    dns_cookie_valid(secret, NULL, cookie, cookie + 8, 16, fam, addr, 1000000 + 3600));
	cr_expect(
	    !dns_cookie_valid(secret, NULL, cookie, cookie + 8, 16, fam, addr, 1000000 + 3601));
	cr_expect(dns_cookie_valid(secret, NULL, cookie, cookie + 8, 16, fam, addr, 1000000 - 300));
	cr_expect(
	    !dns_cookie_valid(secret, NULL, cookie, cookie + 8, 16, fam, addr, 1000000 - 301));
	client_of("203.0.113.204", other);
	cr_expect(!dns_cookie_valid(secret, NULL, cookie, cookie + 8, 16, fam, other, 1000000));
	cr_expect(!dns_cookie_valid(secret, NULL, cookie, cookie + 8, 8, fam, addr, 1000000));
	cr_expect_neq(dns_cookie_parse_secret("e5e973", secret), 0);
	cr_expect_neq(dns_cookie_parse_secret("zz e973e5a6b2a43f48e7dc849e37bfcf", secret), 0);
}

/* The answer path: a client cookie gets a server cookie back; returned, it is valid. */
static struct dns_config cfg;
static struct dns_worker w;

static size_t ask(const struct xt_q *q, struct xt_r *r, uint8_t *out)
{
	struct dns_view v = {&cfg, NULL, NULL}; /* no data: SERVFAIL, with the OPT record */
	struct dns_client cl = {.family = 4, .addr = {198, 51, 100, 100}};
	uint8_t in[600];
	size_t n = xt_dns_query(q, 0x1234, in), len;

	len = dns_answer(&v, &w, in, n, &cl, 0, out, 1232);
	cr_assert_gt(len, 0);
	cr_assert_eq(xt_dns_read(out, len, r), 0);
	return len;
}

Test(dns_cookie, answers)
{
	uint8_t out[1232], client[8], back[40];
	struct xt_r r;

	dns_config_defaults(&cfg);
	strcpy(cfg.zone, "pool.ntp.test");
	cr_assert_eq(dns_config_finish(&cfg), 0);
	dns_cookie_parse_secret("e5e973e5a6b2a43f48e7dc849e37bfcf", cfg.cookie_secret);
	memcpy(cfg.nsid, "dns1", 4);
	cfg.nsid_len = 4;
	w.now = 1559731985;
	unhex("2464c4abcf10c957", client);
	ask(
	    &(struct xt_q){
		.name = "pool.ntp.test", .edns = 1, .cookie = client, .cookie_len = 8, .nsid = 1},
	    &r, out);
	cr_assert_eq(r.cookie_len, 24);
	unhex("2464c4abcf10c957010000005cf79f111f8130c3eee29480", back);
	cr_expect_eq(memcmp(r.cookie, back, 24), 0, "RFC 9018 A.1 on the wire");
	cr_expect(!w.cookie_ok, "a client cookie alone proves nothing");
	cr_expect_eq(r.nsid_len, 4);
	cr_expect_eq(memcmp(r.nsid, "dns1", 4), 0);
	/* returned 40 minutes later: valid, and renewed */
	w.now = 1559734385;
	ask(&(struct xt_q){.name = "pool.ntp.test", .edns = 1, .cookie = back, .cookie_len = 24},
	    &r, out);
	cr_expect(w.cookie_ok, "our own server cookie, returned");
	cr_expect_eq(r.nsid_len, -1, "no NSID unless asked");
	unhex("2464c4abcf10c957010000005cf7a871d4a564a1442aca77", back);
	cr_expect_eq(memcmp(r.cookie, back, 24), 0, "RFC 9018 A.2 on the wire");
	/* a bad server cookie never fails the query: answered, with a fresh cookie */
	back[20] ^= 1;
	ask(&(struct xt_q){.name = "pool.ntp.test", .edns = 1, .cookie = back, .cookie_len = 24},
	    &r, out);
	cr_expect(!w.cookie_ok);
	cr_expect_eq(r.rcode, DNS_SERVFAIL, "the query's own answer (no data here), not BADCOOKIE");
	cr_expect_eq(r.cookie_len, 24);
	/* malformed lengths (RFC 7873 5.2.2): FORMERR */
	for (size_t len = 0; len <= 44; len++) {
		uint8_t c[44] = {0};
		int ok = len == 8 || (len >= 16 && len <= 40);

		ask(
		    &(struct xt_q){
			.name = "pool.ntp.test", .edns = 1, .cookie = c, .cookie_len = len},
		    &r, out);
		cr_expect_eq(r.rcode == DNS_FORMERR, !ok, "COOKIE of %zu bytes: rcode %d", len,
			     r.rcode);
	}
}

/* Opcodes other than QUERY: none of the flags defined only for QUERY (RD, CD, AD, RA, AA). */
Test(dns_cookie, flags_for_other_opcodes)
{
	uint8_t out[1232];
	struct xt_r r;

	dns_config_defaults(&cfg);
	strcpy(cfg.zone, "pool.ntp.test");
	cr_assert_eq(dns_config_finish(&cfg), 0);
	for (int opcode = 1; opcode < 16; opcode++) {
		ask(&(struct xt_q){.name = "pool.ntp.test",
				   .flags = opcode << 11 | DNS_FLAG_RD | DNS_FLAG_CD | DNS_FLAG_AD},
		    &r, out);
		cr_expect_eq(r.rcode, DNS_NOTIMP, "opcode %d", opcode);
		cr_expect_eq(r.flags & 0x7800, opcode << 11, "opcode %d echoed", opcode);
		cr_expect_eq(
		    r.flags & (DNS_FLAG_AA | DNS_FLAG_RD | DNS_FLAG_CD | DNS_FLAG_AD | DNS_FLAG_RA),
		    0, "opcode %d: flags %04x", opcode, r.flags);
	}
	/* QUERY keeps RD and CD, as before */
	ask(&(struct xt_q){.name = "pool.ntp.test", .flags = DNS_FLAG_RD | DNS_FLAG_CD}, &r, out);
	cr_expect_eq(r.flags & (DNS_FLAG_RD | DNS_FLAG_CD), DNS_FLAG_RD | DNS_FLAG_CD);
}
