// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_data.c - snapshot validation and response rate limiting. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "dns_data.h"
#include "dns_rrl.h"
#include "xt_tmp.h"

static char path[64];

static int load_flags(const char *text, unsigned flags, struct dns_snapshot *s)
{
	cr_assert_eq(xt_tmp_file("snap", text, 0, path), 0);
	return dns_snapshot_load(path, flags, 0, s);
}

/* The tests' servers have documentation addresses: a test pool. */
static int load_text(const char *text, struct dns_snapshot *s)
{
	return load_flags(text, DNS_SNAP_TEST_ADDRESSES, s);
}

Test(dns_data, valid_snapshot)
{
	struct dns_snapshot s;

	cr_assert_eq(load_text("{\"generated\": \"2026-11-26T12:00:00Z\", \"servers\": ["
			       "{\"ip\": \"192.0.2.1\", \"netspeed\": 10000, \"score\": 19.5, "
			       "\"country\": \"DE\", \"enabled\": true, \"extra\": 1},"
			       "{\"ip\": \"2001:db8::1\", \"netspeed\": 0, \"score\": -3, "
			       "\"country\": \"uk\"}]}",
			       &s),
		     0);
	cr_expect_eq(s.n, 2);
	cr_expect_eq(s.generated, 1795694400);
	cr_expect(s.e[1].v6);
	cr_expect_eq(s.e[1].cc, xp_cc_index("gb", 2), "uk is gb");
	cr_expect(s.e[1].enabled, "enabled defaults to true");
	dns_snapshot_free(&s);
	unlink(path);
}

Test(dns_data, invalid_snapshots)
{
	static const char *const bad[] = {
		"not json",
		"{\"servers\": 3}",
		"{\"generated\": \"yesterday\", \"servers\": []}",
		"{\"servers\": [{\"ip\": \"300.1.1.1\", \"netspeed\": 1, \"score\": 1, \"country\": \"de\"}]}",
		"{\"servers\": [{\"ip\": \"192.0.2.1\", \"netspeed\": -1, \"score\": 1, \"country\": \"de\"}]}",
		"{\"servers\": [{\"ip\": \"192.0.2.1\", \"netspeed\": 1, \"score\": \"x\", \"country\": \"de\"}]}",
		"{\"servers\": [{\"ip\": \"192.0.2.1\", \"netspeed\": 1, \"score\": 1, \"country\": \"zz\"}]}",
		"{\"servers\": [{\"ip\": \"192.0.2.1\", \"netspeed\": 1, \"score\": 1, \"country\": \"de\", \"enabled\": 1}]}",
		"{\"servers\": [{\"ip\": \"192.0.2.1\", \"netspeed\": 1, \"score\": 1, \"country\": \"de\"},"
		" {\"ip\": \"192.0.2.1\", \"netspeed\": 1, \"score\": 1, \"country\": \"fr\"}]}",
		"{\"servers\": [1]}",
		/* a generated date far in the future */
		"{\"generated\": \"9999-12-31T23:59:59Z\", \"servers\": []}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dns_snapshot s;

		cr_expect_neq(load_text(bad[i], &s), 0, "accepted: %s", bad[i]);
		unlink(path);
	}
}

/* Each refusal says what failed and what to do; DNS_SNAP_QUIET leaves the logging to the caller. */
Test(dns_data, refusal_reasons)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "not json", "line 1: not JSON: " },
		{ "{\"servers\": 3}",
		  "servers: missing, or not an array (a snapshot is the JSON xpoolctl export writes)" },
		{ "{\"generated\": \"9999-12-31T23:59:59Z\", \"servers\": []}",
		  "generated: more than a day in the future (the exporting host's clock?)" },
		{ "{\"servers\": [1]}", "servers[0]: not an object" },
	};
	struct dns_snapshot s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_expect_neq(dns_snapshot_parse(cases[i].text, strlen(cases[i].text), "x",
						 DNS_SNAP_QUIET, &s),
			      0);
		cr_expect(strstr(dns_snapshot_why(), cases[i].why), "'%s': '%s'", cases[i].text,
			  dns_snapshot_why());
	}
	cr_expect_neq(dns_snapshot_parse("not json", 8, "x", DNS_SNAP_QUIET, &s), 0);
	cr_expect(strstr(dns_snapshot_why(), "(a snapshot is the JSON xpoolctl export writes)"),
		  "%s", dns_snapshot_why());
	/* a file over the limit, refused unread, with the directive that raises it */
	cr_assert_eq(xt_tmp_file("snap", "{\"servers\": []}          ", 0, path), 0);
	cr_expect_eq(dns_snapshot_load(path, DNS_SNAP_QUIET, 8, &s), -EFBIG);
	cr_expect(strstr(dns_snapshot_why(), "over snapshot-max-mb (0 MB): refused unread (raise "
					     "snapshot-max-mb for a pool this big)"),
		  "%s", dns_snapshot_why());
	unlink(path);
	cr_expect_neq(dns_snapshot_load("/nonexistent/snap.json", DNS_SNAP_QUIET, 0, &s), 0);
	cr_expect(strstr(dns_snapshot_why(), "No such file or directory (the snapshot directive "
					     "names the file xpoolctl export writes)"),
		  "%s", dns_snapshot_why());
}

Test(dns_rrl, rate_slip_and_allow)
{
	static struct dns_config cfg;
	static struct dns_rrl r;
	uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 200 }, c[4] = { 192, 0, 3, 1 };
	int send = 0, drop = 0, slip = 0;

	cfg.n_rrl_allow = 1;
	inet_pton(AF_INET6, "::ffff:203.0.113.0", cfg.rrl_allow[0].addr);
	cfg.rrl_allow[0].len = 96 + 24;
	dns_rrl_init(&r, 10, 2, cfg.rrl_allow, cfg.n_rrl_allow);
	for (int i = 0; i < 100; i++) {
		enum dns_rrl_verdict v = dns_rrl_check(&r, 4, i % 2 ? a : b, 1000);

		send += v == DNS_RRL_SEND;
		drop += v == DNS_RRL_DROP;
		slip += v == DNS_RRL_SLIP;
	}
	cr_expect_eq(send, 10, "one /24: 10 per second");
	cr_expect_eq(slip, 45, "every 2nd limited response slips");
	cr_expect_eq(drop, 45);
	cr_expect_eq(dns_rrl_check(&r, 4, c, 1000), DNS_RRL_SEND, "another /24");
	cr_expect_eq(dns_rrl_check(&r, 4, a, 1001), DNS_RRL_SEND, "a new second");
	uint8_t big[4] = { 203, 0, 113, 53 };
	for (int i = 0; i < 100; i++)
		cr_assert_eq(dns_rrl_check(&r, 4, big, 1000), DNS_RRL_SEND, "rrl-allow");
	r.rate = 0;
	for (int i = 0; i < 100; i++)
		cr_assert_eq(dns_rrl_check(&r, 4, a, 1001), DNS_RRL_SEND, "rate 0 is off");
}

/* Regression (hostile-input review): only unicast server addresses reach DNS. */
Test(dns_data, non_unicast_addresses_refused)
{
	static const char *const never[] = { "0.0.0.0",	  "127.0.0.1",	  "255.255.255.255",
					     "224.0.0.1", "169.254.1.1",  "::",
					     "::1",	  "ff02::1",	  "fe80::1",
					     "::ffff:192.0.2.1", "::127.0.0.1", "240.0.0.1",
					     "::ffff:8.8.8.8" };
	static const char *const test_only[] = { "192.0.2.1", "10.1.2.3", "172.16.0.1",
						 "192.168.1.1", "100.64.0.1", "2001:db8::1",
						 "fd00::1", "198.18.0.1" };
	static const char *const global[] = { "8.8.8.8", "2a01:4f8::1", "1.1.1.1", "2001:4860::1" };
	struct dns_snapshot s;
	char text[256];

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"servers\": [{\"ip\": \"%s\", \"netspeed\": 1, \"score\": 15,"
			 " \"country\": \"de\"}]}", never[i]);
		cr_expect_neq(load_flags(text, DNS_SNAP_TEST_ADDRESSES, &s), 0, "accepted %s", never[i]);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof(test_only) / sizeof(test_only[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"servers\": [{\"ip\": \"%s\", \"netspeed\": 1, \"score\": 15,"
			 " \"country\": \"de\"}]}", test_only[i]);
		cr_expect_neq(load_flags(text, 0, &s), 0, "accepted %s in a production pool",
			      test_only[i]);
		unlink(path);
		cr_expect_eq(load_flags(text, DNS_SNAP_TEST_ADDRESSES, &s), 0, "%s", test_only[i]);
		dns_snapshot_free(&s);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof(global) / sizeof(global[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"servers\": [{\"ip\": \"%s\", \"netspeed\": 1, \"score\": 15,"
			 " \"country\": \"de\"}]}", global[i]);
		cr_expect_eq(load_flags(text, 0, &s), 0, "refused global %s", global[i]);
		dns_snapshot_free(&s);
		unlink(path);
	}
}
