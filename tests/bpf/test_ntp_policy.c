// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ntp_policy.c - allow/deny prefixes, the per-client rate limit, KoD replies, unsync pass. */
#include <arpa/inet.h>
#include <time.h>
#include <criterion/criterion.h>

#include "xt_need.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "xpool_ntp.skel.h"
#include "xt_check.h"

static struct xt_bpf b;

static void setup(void)
{
	xt_need_bpf();
	cr_assert_eq(xt_bpf_open(&b), 0, "cannot load the XDP program (root and BPF needed)");
}

static void teardown(void)
{
	xt_bpf_close(&b);
}

static void acl_add(const char *addr, int plen, uint32_t action)
{
	struct xpool_acl_key k = { 0 };

	if (strchr(addr, ':')) {
		cr_assert_eq(inet_pton(AF_INET6, addr, k.addr), 1);
		k.prefixlen = plen;
	} else {
		k.addr[10] = k.addr[11] = 0xff;
		cr_assert_eq(inet_pton(AF_INET, addr, k.addr + 12), 1);
		k.prefixlen = 96 + plen;
	}
	cr_assert_eq(bpf_map_update_elem(b.x.map_fd[XPOOL_MAP_ACL], &k, &action, 0), 0);
}

static void config(void (*edit)(struct xpool_config *))
{
	struct xpool_config cfg = b.cfg;

	edit(&cfg);
	cr_assert_eq(xt_bpf_set_config(&b, &cfg), 0);
}

static void acl_on(struct xpool_config *c)
{
	c->acl_enabled = 1;
}

TestSuite(ntp_policy, .init = setup, .fini = teardown);

Test(ntp_policy, acl_longest_prefix_wins)
{
	config(acl_on);
	acl_add("192.0.2.0", 24, XPOOL_ACL_DENY);
	acl_add("192.0.2.2", 32, XPOOL_ACL_ALLOW);
	acl_add("2001:db8::", 32, XPOOL_ACL_DENY_KOD);
	acl_add("2001:db8:1::", 48, XPOOL_ACL_ALLOW);
	xt_check_spec(&b, &(struct xt_spec){ .src = "192.0.2.7" }, XDP_DROP, XPOOL_STAT_DROP_DENIED,
		      "denied /24");
	xt_check_spec(&b, &(struct xt_spec){ .src = "192.0.2.2" }, XDP_TX, XPOOL_STAT_REPLY,
		      "allowed /32 inside denied /24");
	xt_check_spec(&b, &(struct xt_spec){ .src = "198.51.100.1" }, XDP_TX, XPOOL_STAT_REPLY,
		      "no match is allowed");
	xt_check_spec(&b, &(struct xt_spec){ .v6 = 1, .src = "2001:db8:5::1" }, XDP_TX,
		      XPOOL_STAT_KOD_DENY, "denied /32 with DENY KoD");
	xt_check_spec(&b, &(struct xt_spec){ .v6 = 1, .src = "2001:db8:1::9" }, XDP_TX,
		      XPOOL_STAT_REPLY, "allowed /48 inside denied /32");
}

Test(ntp_policy, acl_off_ignores_entries)
{
	acl_add("192.0.2.0", 24, XPOOL_ACL_DENY);
	xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_TX, XPOOL_STAT_REPLY, "acl disabled");
}

static void rl_burst3(struct xpool_config *c)
{
	c->rl_enabled = 1;
	c->rl_interval_ns = 1000000000ULL;
	c->rl_tolerance_ns = 2 * c->rl_interval_ns;
	c->min_poll = 0;
}

static void rl_burst3_kod(struct xpool_config *c)
{
	rl_burst3(c);
	c->rl_kod = 1;
}

Test(ntp_policy, ratelimit_burst_then_drop)
{
	config(rl_burst3);
	for (int i = 0; i < 3; i++)
		xt_check_spec(&b, &(struct xt_spec){ .poll = -2 }, XDP_TX, XPOOL_STAT_REPLY,
			      "within burst (poll raised to the interval)");
	xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_DROP, XPOOL_STAT_DROP_RATE, "over burst");
	xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_DROP, XPOOL_STAT_DROP_RATE, "still over");
	xt_check_spec(&b, &(struct xt_spec){ .src = "192.0.2.3" }, XDP_TX, XPOOL_STAT_REPLY,
		      "another client is not affected");
}

Test(ntp_policy, ratelimit_ipv6_by_64)
{
	config(rl_burst3);
	for (int i = 0; i < 3; i++)
		xt_check_spec(&b, &(struct xt_spec){ .v6 = 1, .src = i & 1 ? "2001:db8::2" : "2001:db8::ffff" },
			      XDP_TX, XPOOL_STAT_REPLY, "one /64, within burst");
	xt_check_spec(&b, &(struct xt_spec){ .v6 = 1, .src = "2001:db8::abcd" }, XDP_DROP,
		      XPOOL_STAT_DROP_RATE, "same /64, over burst");
	xt_check_spec(&b, &(struct xt_spec){ .v6 = 1, .src = "2001:db8:0:1::2" }, XDP_TX,
		      XPOOL_STAT_REPLY, "next /64 has its own bucket");
}

Test(ntp_policy, ratelimit_kod_rate)
{
	config(rl_burst3_kod);
	for (int i = 0; i < 3; i++)
		xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_TX, XPOOL_STAT_REPLY, "within burst");
	xt_check_spec(&b, &(struct xt_spec){ .poll = 9 }, XDP_TX, XPOOL_STAT_KOD_RATE,
		      "over burst: RATE KoD");
	xt_check_spec(&b, &(struct xt_spec){ .v6 = 1, .vn = 3 }, XDP_TX, XPOOL_STAT_REPLY,
		      "v6 client unaffected");
}

static void rl_fast(struct xpool_config *c)
{
	c->rl_enabled = 1;
	c->rl_interval_ns = 50000000ULL; /* 50 ms, burst 1 */
	c->rl_tolerance_ns = 0;
}

Test(ntp_policy, ratelimit_refills)
{
	config(rl_fast);
	xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_TX, XPOOL_STAT_REPLY, "first");
	xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_DROP, XPOOL_STAT_DROP_RATE, "too soon");
	nanosleep(&(struct timespec){ 0, 60000000 }, NULL);
	xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_TX, XPOOL_STAT_REPLY, "after the interval");
}

static void rl_leak1(struct xpool_config *c)
{
	rl_fast(c);
	c->rl_interval_ns = 3600000000000ULL;
	c->rl_leak = 1;
}

/* leak 1: one in two limited requests goes through, chosen at random. */
Test(ntp_policy, ratelimit_leak_fraction)
{
	uint8_t f[XT_MAX_FRAME], out[XT_MAX_FRAME];
	size_t len = xt_build(&(struct xt_spec){ 0 }, f);
	unsigned tx = 0, drop = 0;

	config(rl_leak1);
	for (int i = 0; i < 4001; i++) {
		size_t out_len = sizeof(out);
		uint32_t act;

		cr_assert_eq(xt_bpf_run(&b, f, len, out, &out_len, &act), 0);
		if (i == 0)
			continue; /* the first request is within the burst */
		tx += act == XDP_TX;
		drop += act == XDP_DROP;
	}
	cr_expect_eq(tx + drop, 4000);
	/* binomial(4000, 1/2): sd 32; +-200 is over 6 sd */
	cr_expect(tx > 1800 && tx < 2200, "leaked %u of 4000, expected about 2000", tx);
	cr_expect_eq(xt_bpf_stat(&b, XPOOL_STAT_REPLY_RATE_LEAK), tx);
	cr_expect_eq(xt_bpf_stat(&b, XPOOL_STAT_DROP_RATE), drop);
}

static void unsync_pass(struct xpool_config *c)
{
	c->unsync_pass = 1;
}

Test(ntp_policy, unsync_pass)
{
	struct rsp_clock_params p = xt_default_clock();

	config(unsync_pass);
	xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_TX, XPOOL_STAT_REPLY, "synchronised: reply");
	p.synced = false;
	xt_bpf_clock(&b, &p, 0);
	xt_check_spec(&b, &(struct xt_spec){ 0 }, XDP_PASS, XPOOL_STAT_PASS_UNSYNC,
		      "unsynchronised with unsync pass: the kernel answers");
}
